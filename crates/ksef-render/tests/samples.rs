//! Every official FA(3) sample renders; the PDF's text (poppler's `pdftotext`) holds every
//! party's identifier and name, the invoice number, every line's name and every total.

mod common;

use common::{pdf_text, samples, squeeze};
use ksef_invoice::Decimal;
use ksef_invoice::fa3::{TPodmiot2NIPOrKodUEOrKodKraju as Id2, TPodmiot3NIPOrIDWewOrKodUE as Id3};
use ksef_render::{InvoiceDocument, InvoiceRenderOptions, QrEnvironment};

/// An amount as printed, without its grouping spaces: decimal comma, at least two decimals.
fn printed_amount(d: &Decimal) -> String {
    let s = d.to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    format!("{int},{frac:0<2}")
}

fn expected(doc: &InvoiceDocument) -> Vec<(String, String)> {
    let inv = doc.invoice();
    let fa = &inv.fa;
    let mut e = vec![
        (
            "seller NIP".into(),
            inv.podmiot1.dane_identyfikacyjne.nip.clone(),
        ),
        (
            "seller name".into(),
            inv.podmiot1.dane_identyfikacyjne.nazwa.clone(),
        ),
        ("invoice number".into(), fa.p_2.clone()),
        ("P_15".into(), printed_amount(&fa.p_15)),
    ];
    match &inv.podmiot2.dane_identyfikacyjne.nip_or_kod_ue_or_kod_kraju {
        Id2::NIP(n) => e.push(("buyer NIP".into(), n.clone())),
        Id2::KodUE(u) => e.push(("buyer VAT UE".into(), u.nr_vat_ue.clone())),
        Id2::KodKraju(k) => e.push(("buyer tax id".into(), k.nr_id.clone())),
        Id2::BrakID(_) => {}
    }
    if let Some(n) = &inv.podmiot2.dane_identyfikacyjne.nazwa_group {
        e.push(("buyer name".into(), n.nazwa.clone()));
    }
    for (i, p) in inv.podmiot3.iter().enumerate() {
        match &p.dane_identyfikacyjne.nip_or_id_wew_or_kod_ue {
            Id3::NIP(n) | Id3::IDWew(n) => e.push((format!("third party {i} id"), n.clone())),
            Id3::KodUE(u) => e.push((format!("third party {i} VAT UE"), u.nr_vat_ue.clone())),
            Id3::KodKraju(k) => e.push((format!("third party {i} tax id"), k.nr_id.clone())),
            Id3::BrakID(_) => {}
        }
        if let Some(n) = &p.dane_identyfikacyjne.nazwa_group {
            e.push((format!("third party {i} name"), n.nazwa.clone()));
        }
    }
    if let Some(pu) = &inv.podmiot_upowazniony {
        e.push(("authorised NIP".into(), pu.dane_identyfikacyjne.nip.clone()));
        e.push((
            "authorised name".into(),
            pu.dane_identyfikacyjne.nazwa.clone(),
        ));
    }
    for w in &fa.fa_wiersz {
        if let Some(name) = &w.p_7 {
            e.push((format!("line {} name", w.nr_wiersza_fa), name.clone()));
        }
    }
    let mut totals: Vec<(&str, Option<&Decimal>)> = vec![
        ("P_13_6_1", fa.p_13_6_1.as_ref()),
        ("P_13_6_2", fa.p_13_6_2.as_ref()),
        ("P_13_6_3", fa.p_13_6_3.as_ref()),
        ("P_13_7", fa.p_13_7.as_ref()),
        ("P_13_8", fa.p_13_8.as_ref()),
        ("P_13_9", fa.p_13_9.as_ref()),
        ("P_13_10", fa.p_13_10.as_ref()),
        ("P_13_11", fa.p_13_11.as_ref()),
    ];
    if let Some(g) = &fa.p_13_1_group {
        totals.extend([
            ("P_13_1", Some(&g.p_13_1)),
            ("P_14_1", Some(&g.p_14_1)),
            ("P_14_1W", g.p_14_1_w.as_ref()),
        ]);
    }
    if let Some(g) = &fa.p_13_2_group {
        totals.extend([
            ("P_13_2", Some(&g.p_13_2)),
            ("P_14_2", Some(&g.p_14_2)),
            ("P_14_2W", g.p_14_2_w.as_ref()),
        ]);
    }
    if let Some(g) = &fa.p_13_3_group {
        totals.extend([
            ("P_13_3", Some(&g.p_13_3)),
            ("P_14_3", Some(&g.p_14_3)),
            ("P_14_3W", g.p_14_3_w.as_ref()),
        ]);
    }
    if let Some(g) = &fa.p_13_4_group {
        totals.extend([
            ("P_13_4", Some(&g.p_13_4)),
            ("P_14_4", Some(&g.p_14_4)),
            ("P_14_4W", g.p_14_4_w.as_ref()),
        ]);
    }
    if let Some(g) = &fa.p_13_5_group {
        totals.extend([("P_13_5", Some(&g.p_13_5)), ("P_14_5", g.p_14_5.as_ref())]);
    }
    for (name, value) in totals {
        if let Some(v) = value {
            e.push((name.into(), printed_amount(v)));
        }
    }
    e
}

#[test]
fn every_official_sample_renders_with_its_parties_lines_and_totals() {
    for (name, xml) in samples() {
        let doc = InvoiceDocument::from_xml(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let options = InvoiceRenderOptions {
            qr_environment: Some(QrEnvironment::Test),
            ksef_number: Some("5265877635-20250826-0100001AF629-AF".into()),
            ..Default::default()
        };
        let pdf = doc
            .to_pdf(&options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(pdf.starts_with(b"%PDF-"), "{name}");
        assert!(
            pdf.len() < 200_000,
            "{name}: {} bytes; the fonts are not subset?",
            pdf.len()
        );
        let text = squeeze(&pdf_text(&pdf));
        let html = doc
            .to_html(&options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let html_text = squeeze(
            &html
                .replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("<br>", ""),
        );
        for (what, value) in expected(&doc) {
            let want = squeeze(&value);
            assert!(
                text.contains(&want),
                "{name}: the PDF lacks the {what} {value:?}"
            );
            assert!(
                html_text.contains(&want),
                "{name}: the HTML lacks the {what} {value:?}"
            );
        }
        assert!(
            text.contains("SPRZEDAWCA") && text.contains("NABYWCA"),
            "{name}"
        );
        assert!(text.contains("Strona1z"), "{name}: no page numbers");
    }
}

#[test]
fn code_lists_print_names_and_polish_letters_survive() {
    let (_, xml) = samples().into_iter().next().unwrap();
    let pdf = InvoiceDocument::from_xml(xml)
        .unwrap()
        .to_pdf(&Default::default())
        .unwrap();
    let text = pdf_text(&pdf);
    assert!(
        text.contains("PL (POLSKA)"),
        "country name from the code list"
    );
    assert!(
        text.contains("PLN (ZŁOTY)"),
        "currency name from the code list"
    );
    assert!(
        text.contains("Kwota należności ogółem"),
        "Polish letters extract as text"
    );
}

#[test]
fn not_an_invoice_is_a_typed_error() {
    let err = InvoiceDocument::from_xml(b"<Faktura/>".to_vec()).unwrap_err();
    assert!(
        matches!(err, ksef_render::RenderError::Invoice(_)),
        "{err:?}"
    );
    let doc = InvoiceDocument::from_xml(samples().remove(0).1).unwrap();
    let bad = InvoiceRenderOptions {
        qr_environment: Some(QrEnvironment::Test),
        ksef_number: Some("not-a-ksef-number".into()),
        ..Default::default()
    };
    assert!(matches!(
        doc.to_pdf(&bad),
        Err(ksef_render::RenderError::InvalidOption {
            what: "KSeF number",
            ..
        })
    ));
}
