//! The builder reproduces the Ministry's samples' amounts and writes invoices xmllint accepts.

mod common;

use ksef_invoice::builder::{BuildError, CorrectedInvoice, InvoiceBuilder, Line};
use ksef_invoice::fa3::{
    Adres, KodKraju, KodWaluty, Podmiot1, Podmiot2, StawkaPodatku,
    ZwolnienieP19OrP19NP19P19AOrP19BOrP19C,
};
use ksef_invoice::totals::{Pricing, Totals};
use ksef_invoice::{DateTime, Decimal, Invoice};
use time::macros::date;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn base(b: InvoiceBuilder) -> InvoiceBuilder {
    let address = Adres::new(
        KodKraju::Pl,
        "ul. Kwiatowa 1 m. 2",
        Some("00-001 Warszawa".into()),
    );
    b.seller(Podmiot1::with_nip(
        "9999999999",
        "ABC AGD sp. z o. o.",
        address.clone(),
    ))
    .buyer(Podmiot2::with_nip(
        "1111111111",
        "F.H.U. Jan Kowalski",
        address,
    ))
    .created("2026-02-01T00:00:00Z".parse::<DateTime>().unwrap())
    .place("Warszawa")
}

fn sample(name: &str) -> Invoice {
    let (_, xml) = common::samples()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap();
    Invoice::from_xml(&xml).unwrap()
}

fn vat_like_sample_04() -> Invoice {
    base(InvoiceBuilder::vat("FV2026/02/150", date!(2026 - 02 - 15)))
        .line(Line::new("lodówka", d("10"), d("1626.01"), StawkaPodatku::V23).unit("szt."))
        .line(
            Line::new("zamrażarka", d("20"), d("1000"), StawkaPodatku::V23)
                .unit("szt.")
                .discount(d("100")),
        )
        .line(Line::new("kuchenka", d("15"), d("1200"), StawkaPodatku::V23).unit("szt."))
        .build()
        .unwrap()
}

fn order_lines(b: InvoiceBuilder) -> InvoiceBuilder {
    b.line(Line::new("mieszkanie 50m^2", d("1"), d("300000"), StawkaPodatku::V23).unit("szt."))
        .line(Line::new("usługi dodatkowe", d("1"), d("5000"), StawkaPodatku::V23).unit("szt."))
}

fn advance_like_sample_10() -> Invoice {
    order_lines(base(InvoiceBuilder::advance(
        "FZ2026/02/150",
        date!(2026 - 02 - 15),
        d("20000"),
    )))
    .build()
    .unwrap()
}

#[test]
fn vat_invoice_matches_sample_04() {
    let inv = vat_like_sample_04();
    assert_eq!(
        Totals::of_invoice(&inv.fa),
        Totals::of_invoice(&sample("FA3_example_04.xml").fa)
    );
}

#[test]
fn correction_matches_sample_02() {
    let corrected = CorrectedInvoice {
        number: "FV2026/02/150".into(),
        issue_date: date!(2026 - 02 - 15),
        ksef_number: None,
    };
    let inv = base(InvoiceBuilder::correction(
        "FK2026/03/1",
        date!(2026 - 03 - 01),
        corrected,
        "obniżka ceny",
    ))
    .line_before(Line::new(
        "lodówka",
        d("1"),
        d("1626.01"),
        StawkaPodatku::V23,
    ))
    .line(Line::new(
        "lodówka",
        d("1"),
        d("1463.41"),
        StawkaPodatku::V23,
    ))
    .build()
    .unwrap();
    let t = Totals::of_invoice(&inv.fa);
    assert_eq!(t, Totals::of_invoice(&sample("FA3_example_02.xml").fa));
    assert_eq!(t.total, d("-200"));
}

#[test]
fn advance_matches_sample_10() {
    let inv = advance_like_sample_10();
    assert_eq!(
        Totals::of_invoice(&inv.fa),
        Totals::of_invoice(&sample("FA3_example_10.xml").fa)
    );
    assert_eq!(
        inv.fa.zamowienie.as_ref().unwrap().wartosc_zamowienia,
        d("375150")
    );
}

#[test]
fn settlement_deducts_the_advances() {
    let advance = advance_like_sample_10();
    let inv = order_lines(base(InvoiceBuilder::settlement(
        "FR2026/03/1",
        date!(2026 - 03 - 10),
    )))
    .advance_invoice("9999999999-20260215-0100A0A0A0A0-0A", &advance)
    .build()
    .unwrap();
    let t = Totals::of_invoice(&inv.fa);
    let basic = t.buckets.values().next().unwrap();
    assert_eq!(
        (basic.net, basic.vat, t.total),
        (d("288739.84"), d("66410.16"), d("355150"))
    );
}

#[test]
fn foreign_currency_gives_tax_in_pln() {
    let inv = base(InvoiceBuilder::vat("FV/EUR/1", date!(2026 - 02 - 15)))
        .currency(KodWaluty::Eur, d("4.2934"))
        .line(Line::new("usługa", d("3"), d("333.33"), StawkaPodatku::V23))
        .build()
        .unwrap();
    let g = inv.fa.p_13_1_group.as_ref().unwrap();
    // 999.99 × 23 % = 229.9977 → 229.998 → 230.00; in PLN 230.00 × 4.2934 = 987.482 → 987.48.
    assert_eq!(
        (g.p_13_1, g.p_14_1, g.p_14_1_w),
        (d("999.99"), d("230.00"), Some(d("987.48")))
    );
    assert_eq!(inv.fa.fa_wiersz[0].kurs_waluty, Some(d("4.2934")));
}

#[test]
fn gross_priced_lines_extract_the_tax() {
    let inv = base(InvoiceBuilder::vat("FV/B/1", date!(2026 - 02 - 15)))
        .pricing(Pricing::Gross)
        .line(Line::new("lodówka", d("1"), d("2000"), StawkaPodatku::V23))
        .line(Line::new("wniesienie", d("1"), d("50"), StawkaPodatku::V23))
        .line(Line::new("zw", d("1"), d("100"), StawkaPodatku::Zw))
        .exemption(ZwolnienieP19OrP19NP19P19AOrP19BOrP19C::P19A(
            "art. 43 ust. 1 pkt 37 ustawy".into(),
        ))
        .build()
        .unwrap();
    let g = inv.fa.p_13_1_group.as_ref().unwrap();
    // 2050 × 23/123 = 383.333 → 383.33; net 1666.67.
    assert_eq!((g.p_13_1, g.p_14_1), (d("1666.67"), d("383.33")));
    assert_eq!((inv.fa.p_13_7, inv.fa.p_15), (Some(d("100")), d("2150")));
}

#[test]
fn missing_parts_are_typed_errors() {
    let b = InvoiceBuilder::vat("X", date!(2026 - 02 - 15));
    assert_eq!(b.clone().build().unwrap_err(), BuildError::MissingSeller);
    let b = base(b);
    assert_eq!(b.clone().build().unwrap_err(), BuildError::NoLines);
    let zw = b
        .clone()
        .line(Line::new("x", d("1"), d("1"), StawkaPodatku::Zw));
    assert_eq!(zw.build().unwrap_err(), BuildError::MissingExemptionBasis);
    let bad_nip = InvoiceBuilder::vat("X", date!(2026 - 02 - 15))
        .seller(Podmiot1::with_nip(
            "1234567890",
            "A",
            Adres::new(KodKraju::Pl, "a", None),
        ))
        .buyer(Podmiot2::without_id("B", None))
        .line(Line::new("x", d("1"), d("1"), StawkaPodatku::V23));
    match bad_nip.build() {
        Err(BuildError::Invalid(e)) => assert_eq!(
            e.errors[0].path,
            "/Faktura/Podmiot1/DaneIdentyfikacyjne/NIP"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn built_invoices_pass_xmllint() {
    let dir = tempfile::tempdir().unwrap();
    let advance = advance_like_sample_10();
    let corrected = CorrectedInvoice {
        number: "FV1".into(),
        issue_date: date!(2026 - 02 - 15),
        ksef_number: Some("9999999999-20260215-0100A0A0A0A0-0A".into()),
    };
    let invoices = [
        vat_like_sample_04(),
        advance.clone(),
        order_lines(base(InvoiceBuilder::settlement(
            "FR1",
            date!(2026 - 03 - 10),
        )))
        .advance_invoice("9999999999-20260215-0100A0A0A0A0-0A", &advance)
        .build()
        .unwrap(),
        base(InvoiceBuilder::correction(
            "FK1",
            date!(2026 - 03 - 01),
            corrected,
            "rabat",
        ))
        .line_before(Line::new("a", d("1"), d("10"), StawkaPodatku::V8))
        .line(Line::new("a", d("1"), d("9"), StawkaPodatku::V8))
        .build()
        .unwrap(),
    ];
    let mut files = Vec::new();
    for (i, inv) in invoices.iter().enumerate() {
        let p = dir.path().join(format!("built{i}.xml"));
        std::fs::write(&p, inv.to_xml()).unwrap();
        assert_eq!(&Invoice::from_xml(&inv.to_xml()).unwrap(), inv);
        files.push(p);
    }
    let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    common::xmllint(&refs).unwrap_or_else(|e| panic!("{e}"));
}
