//! Business checks beyond the schema: identifier checksums, totals consistent with the lines,
//! sane dates, currency and exchange rate together.

use ksef_crypto::identifiers::{InternalId, Nip};

use crate::Decimal;
use crate::error::{Rule, ValidationError};
use crate::generated::fa3::{self, KodWaluty, RodzajFaktury};
use crate::totals::{Bucket, PricedLine, Totals};

struct Checks {
    errors: Vec<ValidationError>,
}

impl Checks {
    fn push(&mut self, path: impl Into<String>, rule: Rule) {
        self.errors.push(ValidationError {
            path: path.into(),
            rule,
        });
    }

    fn nip(&mut self, path: &str, nip: &str) {
        if let Err(e) = Nip::parse(nip) {
            self.push(path, Rule::Identifier(e));
        }
    }
}

/// Runs every business check on an invoice that passed the schema.
pub(crate) fn check(inv: &fa3::Faktura) -> Vec<ValidationError> {
    let mut c = Checks { errors: Vec::new() };
    identifiers(inv, &mut c);
    dates(&inv.fa, &mut c);
    currency(&inv.fa, &mut c);
    totals(&inv.fa, &mut c);
    c.errors
}

fn podmiot2_nip(c: &mut Checks, path: &str, d: &fa3::TPodmiot2) {
    if let fa3::TPodmiot2NIPOrKodUEOrKodKraju::NIP(n) = &d.nip_or_kod_ue_or_kod_kraju {
        c.nip(&format!("{path}/NIP"), n);
    }
}

fn identifiers(inv: &fa3::Faktura, c: &mut Checks) {
    c.nip(
        "/Faktura/Podmiot1/DaneIdentyfikacyjne/NIP",
        &inv.podmiot1.dane_identyfikacyjne.nip,
    );
    podmiot2_nip(
        c,
        "/Faktura/Podmiot2/DaneIdentyfikacyjne",
        &inv.podmiot2.dane_identyfikacyjne,
    );
    for (i, p) in inv.podmiot3.iter().enumerate() {
        let path = format!("/Faktura/Podmiot3[{}]/DaneIdentyfikacyjne", i + 1);
        match &p.dane_identyfikacyjne.nip_or_id_wew_or_kod_ue {
            fa3::TPodmiot3NIPOrIDWewOrKodUE::NIP(n) => c.nip(&format!("{path}/NIP"), n),
            fa3::TPodmiot3NIPOrIDWewOrKodUE::IDWew(id) => {
                if let Err(e) = InternalId::parse(id) {
                    c.push(format!("{path}/IDWew"), Rule::Identifier(e));
                }
            }
            _ => {}
        }
    }
    if let Some(p) = &inv.podmiot_upowazniony {
        c.nip(
            "/Faktura/PodmiotUpowazniony/DaneIdentyfikacyjne/NIP",
            &p.dane_identyfikacyjne.nip,
        );
    }
    if let Some(g) = &inv.fa.przyczyna_korekty_group {
        if let Some(p) = &g.podmiot1_k {
            c.nip(
                "/Faktura/Fa/Podmiot1K/DaneIdentyfikacyjne/NIP",
                &p.dane_identyfikacyjne.nip,
            );
        }
        for (i, p) in g.podmiot2_k.iter().enumerate() {
            podmiot2_nip(
                c,
                &format!("/Faktura/Fa/Podmiot2K[{}]/DaneIdentyfikacyjne", i + 1),
                &p.dane_identyfikacyjne,
            );
        }
    }
}

fn dates(fa: &fa3::Fa, c: &mut Checks) {
    if let Some(fa3::FaP6OrOkresFa::OkresFa(o)) = &fa.p_6_or_okres_fa
        && o.p_6_od > o.p_6_do
    {
        c.push(
            "/Faktura/Fa/OkresFa",
            Rule::Date {
                reason: format!(
                    "the period starts ({}) after it ends ({})",
                    o.p_6_od, o.p_6_do
                ),
            },
        );
    }
    if let Some(g) = &fa.przyczyna_korekty_group {
        for (i, d) in g.dane_fa_korygowanej.iter().enumerate() {
            if d.data_wyst_fa_korygowanej > fa.p_1 {
                c.push(
                    format!("/Faktura/Fa/DaneFaKorygowanej[{}]/DataWystFaKorygowanej", i + 1),
                    Rule::Date {
                        reason: format!("the corrected invoice's date {} is after this correction's issue date {}", d.data_wyst_fa_korygowanej, fa.p_1),
                    },
                );
            }
        }
    }
}

fn currency(fa: &fa3::Fa, c: &mut Checks) {
    let pln = fa.kod_waluty == KodWaluty::Pln;
    let stated = Totals::of_invoice(fa);
    for (bucket, sum) in &stated.buckets {
        if !bucket.taxed() || *bucket == Bucket::Oss {
            continue;
        }
        let field = bucket.field().replace("P_13", "P_14");
        match (pln, sum.vat_pln.is_some()) {
            (true, true) => c.push(
                format!("/Faktura/Fa/{field}W"),
                Rule::CurrencyRate {
                    reason: "a PLN invoice carries a tax amount converted to PLN".into(),
                },
            ),
            (false, false) if fa.rodzaj_faktury != RodzajFaktury::Kor && !sum.vat.is_zero() => c
                .push(
                    format!("/Faktura/Fa/{field}W"),
                    Rule::CurrencyRate {
                        reason: format!(
                            "an invoice in {} needs the tax converted to PLN ({field}W)",
                            fa.kod_waluty
                        ),
                    },
                ),
            _ => {}
        }
    }
    for (i, w) in fa.fa_wiersz.iter().enumerate() {
        if pln && w.kurs_waluty.is_some() {
            c.push(
                format!("/Faktura/Fa/FaWiersz[{}]/KursWaluty", i + 1),
                Rule::CurrencyRate {
                    reason: "a PLN invoice line carries an exchange rate".into(),
                },
            );
        }
    }
    if pln && fa.kurs_waluty_z.is_some() {
        c.push(
            "/Faktura/Fa/KursWalutyZ",
            Rule::CurrencyRate {
                reason: "a PLN invoice carries an exchange rate".into(),
            },
        );
    }
}

/// Line values against quantity × price, and (for VAT and correction invoices whose lines
/// carry values) the stated totals against what the lines give.
fn totals(fa: &fa3::Fa, c: &mut Checks) {
    for (i, w) in fa.fa_wiersz.iter().enumerate() {
        let priced =
            |price: Option<Decimal>, value: Option<Decimal>, field: &str, c: &mut Checks| {
                if let (Some(price), Some(value)) = (price, value) {
                    let line = PricedLine {
                        quantity: w.p_8_b.unwrap_or(Decimal::from_int(1)),
                        unit_price: price,
                        discount: w.p_10,
                        rate: w.p_12,
                        oss_rate: w.p_12_xii,
                    };
                    if let Some(expected) = line.value()
                        && expected != value
                        && w.p_8_b.is_some()
                    {
                        c.push(
                            format!("/Faktura/Fa/FaWiersz[{}]/{field}", i + 1),
                            Rule::LineValue {
                                expected: expected.to_string(),
                                actual: value.to_string(),
                            },
                        );
                    }
                }
            };
        priced(w.p_9_a, w.p_11, "P_11", c);
        priced(w.p_9_b, w.p_11_a, "P_11A", c);
    }
    if !matches!(fa.rodzaj_faktury, RodzajFaktury::Vat | RodzajFaktury::Kor)
        || fa.fa_wiersz.is_empty()
    {
        return;
    }
    let Some(values) = Totals::line_values(fa) else {
        return;
    };
    let expected = values.totals();
    let stated = Totals::of_invoice(fa);
    let zero = Default::default();
    for bucket in expected.buckets.keys().chain(stated.buckets.keys()) {
        let e = expected.buckets.get(bucket).unwrap_or(&zero);
        let s = stated.buckets.get(bucket).unwrap_or(&zero);
        let field = bucket.field();
        if e.net != s.net {
            c.push(
                format!("/Faktura/Fa/{field}"),
                Rule::Total {
                    field: field.into(),
                    expected: e.net.to_string(),
                    actual: s.net.to_string(),
                },
            );
        }
        if bucket.taxed() && e.vat != s.vat {
            let f = field.replace("P_13", "P_14");
            c.push(
                format!("/Faktura/Fa/{f}"),
                Rule::Total {
                    field: f,
                    expected: e.vat.to_string(),
                    actual: s.vat.to_string(),
                },
            );
        }
    }
    // P_15 may differ from the sum of the buckets by the rounding of each line's gross value
    // (invoices priced gross but written net, like the Ministry's first sample): one grosz per line.
    let sum = stated.buckets.values().fold(Decimal::ZERO, |acc, b| {
        acc.checked_add(&b.net)
            .and_then(|a| a.checked_add(&b.vat))
            .unwrap_or(acc)
    });
    let lines = i64::try_from(fa.fa_wiersz.len()).unwrap_or(i64::MAX);
    let tolerance = Decimal::new(i128::from(lines), 2).unwrap_or_default();
    let diff = fa
        .p_15
        .checked_sub(&sum)
        .map(|d| d.abs())
        .unwrap_or_default();
    if diff > tolerance {
        c.push(
            "/Faktura/Fa/P_15",
            Rule::Total {
                field: "P_15".into(),
                expected: sum.to_string(),
                actual: fa.p_15.to_string(),
            },
        );
    }
}
