//! Totals recomputed from the lines of the official samples equal the samples' totals; random
//! lines keep the sums' invariants.

mod common;

use ksef_invoice::fa3::{RodzajFaktury, StawkaPodatku};
use ksef_invoice::totals::{Bucket, PricedLine, Pricing, Totals};
use ksef_invoice::{Decimal, Invoice};
use proptest::prelude::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn plain_vat_samples_recompute_exactly() {
    let mut checked = 0;
    for (name, xml) in common::samples() {
        let inv = Invoice::from_xml(&xml).unwrap();
        if inv.fa.rodzaj_faktury != RodzajFaktury::Vat {
            continue;
        }
        checked += 1;
        // Every line value is quantity × (price − per-unit discount), rounded to the grosz.
        for w in &inv.fa.fa_wiersz {
            let (price, value) = match (w.p_9_a, w.p_11, w.p_9_b, w.p_11_a) {
                (Some(p), Some(v), _, _) | (_, _, Some(p), Some(v)) => (p, v),
                _ => panic!("{name}: a line without price and value"),
            };
            let line = PricedLine {
                quantity: w.p_8_b.unwrap(),
                unit_price: price,
                discount: w.p_10,
                rate: w.p_12,
                oss_rate: w.p_12_xii,
            };
            assert_eq!(
                line.value(),
                Some(value),
                "{name}: line {}",
                w.nr_wiersza_fa
            );
        }
        let computed = Totals::line_values(&inv.fa).unwrap().totals();
        let stated = Totals::of_invoice(&inv.fa);
        assert_eq!(computed.buckets, stated.buckets, "{name}: per-rate sums");
        if name == "FA3_example_01.xml" {
            // The Ministry's first sample states P_15 = 2051: the gross prices the seller
            // started from (2000 + 50 + 1), one grosz above its own P_13/P_14 (2050.99), which
            // the lines (net values only) cannot give.
            assert_eq!(computed.total, d("2050.99"));
            assert_eq!(stated.total, d("2051"));
        } else {
            assert_eq!(computed.total, stated.total, "{name}: P_15");
        }
        assert!(
            inv.business_errors().is_empty(),
            "{name}: {:?}",
            inv.business_errors()
        );
    }
    assert_eq!(checked, 4, "the plain VAT samples are 01, 04, 08 and 09");
}

#[test]
fn correction_samples_with_lines_recompute_after_minus_before() {
    for (name, xml) in common::samples() {
        let inv = Invoice::from_xml(&xml).unwrap();
        if inv.fa.rodzaj_faktury != RodzajFaktury::Kor
            || inv.fa.fa_wiersz.iter().any(|w| w.p_11.is_none())
            || inv.fa.fa_wiersz.is_empty()
        {
            continue;
        }
        let computed = Totals::line_values(&inv.fa).unwrap().totals();
        assert_eq!(computed, Totals::of_invoice(&inv.fa), "{name}");
    }
}

#[test]
fn every_sample_passes_the_business_checks() {
    for (name, xml) in common::samples() {
        let inv = Invoice::from_xml(&xml).unwrap();
        assert_eq!(inv.validate(), Ok(()), "{name}");
    }
}

fn rate() -> impl Strategy<Value = StawkaPodatku> {
    prop::sample::select(vec![
        StawkaPodatku::V23,
        StawkaPodatku::V8,
        StawkaPodatku::V5,
        StawkaPodatku::Zw,
        StawkaPodatku::V0Kr,
    ])
}

fn line() -> impl Strategy<Value = PricedLine> {
    (1i128..10_000, 0u32..3, 1i128..100_000_000, rate()).prop_map(|(q, qs, p, rate)| PricedLine {
        quantity: Decimal::new(q, qs).unwrap(),
        unit_price: Decimal::new(p, 2).unwrap(),
        discount: None,
        rate: Some(rate),
        oss_rate: None,
    })
}

proptest! {
    #[test]
    fn sums_are_consistent(lines in prop::collection::vec(line(), 1..30), gross in any::<bool>()) {
        let pricing = if gross { Pricing::Gross } else { Pricing::Net };
        let t = Totals::from_lines(&lines, pricing, None).unwrap();
        let mut total = Decimal::ZERO;
        for (bucket, sum) in &t.buckets {
            // Everything is in grosz.
            prop_assert!(sum.net.fraction_digits() <= 2 && sum.vat.fraction_digits() <= 2);
            // Untaxed buckets carry no tax; taxed ones at most the highest rate, never negative.
            if !bucket.taxed() { prop_assert!(sum.vat.is_zero()); }
            prop_assert!(!sum.vat.is_negative());
            prop_assert!(sum.vat <= sum.net.checked_mul(&d("0.23")).unwrap().round(2).checked_add(&d("0.01")).unwrap());
            total = total.checked_add(&sum.net).unwrap().checked_add(&sum.vat).unwrap();
        }
        // P_15 is the sum of the buckets.
        prop_assert_eq!(t.total, total);
        // The net sum of a bucket is the sum of its lines (net pricing), the gross sum is (gross).
        let values: Decimal = lines.iter().map(|l| l.value().unwrap()).fold(Decimal::ZERO, |a, v| a.checked_add(&v).unwrap());
        match pricing {
            Pricing::Net => prop_assert_eq!(t.buckets.values().fold(Decimal::ZERO, |a, b| a.checked_add(&b.net).unwrap()), values),
            Pricing::Gross => prop_assert_eq!(t.total, values),
        }
        // Order of lines does not matter.
        let mut rev = lines.clone();
        rev.reverse();
        prop_assert_eq!(Totals::from_lines(&rev, pricing, None).unwrap(), t.clone());
        // Tax is within half a grosz of the exact tax of each rate's sum.
        let basic: Vec<_> = lines.iter().filter(|l| l.rate == Some(StawkaPodatku::V23)).collect();
        if let Some(b) = t.buckets.get(&Bucket::Basic) {
            let sum = basic.iter().map(|l| l.value().unwrap()).fold(Decimal::ZERO, |a, v| a.checked_add(&v).unwrap());
            let exact = match pricing {
                Pricing::Net => sum.checked_mul(&d("0.23")).unwrap(),
                Pricing::Gross => sum.checked_mul(&d("23")).unwrap().checked_div(&d("123"), 10).unwrap(),
            };
            let diff = exact.checked_sub(&b.vat).unwrap().abs();
            prop_assert!(diff <= d("0.005"), "tax {} exact {}", b.vat, exact);
        }
    }

    #[test]
    fn foreign_currency_tax_in_pln_is_the_converted_tax(lines in prop::collection::vec(line(), 1..10), rate in 1i128..100_000) {
        let x = Decimal::new(rate, 4).unwrap();
        let t = Totals::from_lines(&lines, Pricing::Net, Some(x)).unwrap();
        for (bucket, sum) in &t.buckets {
            if bucket.taxed() {
                prop_assert_eq!(sum.vat_pln, Some(sum.vat.checked_mul(&x).unwrap().round(2)));
            } else {
                prop_assert_eq!(sum.vat_pln, None);
            }
        }
    }
}
