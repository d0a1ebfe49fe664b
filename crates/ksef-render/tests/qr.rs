//! The QR codes decoded from the rendered page (poppler's `pdftoppm` + the `rqrr` decoder) are
//! exactly the verification links: KOD I online and offline, KOD II signed with an Offline
//! certificate's key and verifiable with its certificate.

mod common;

use common::{decode_qr_codes, page_count, pdf_text, samples, squeeze};
use ksef_crypto::qr::{self, ContextIdentifierType, Kod2Link};
use ksef_crypto::test_certs::{TestKeyType, seal_certificate};
use ksef_render::{InvoiceDocument, InvoiceRenderOptions, QrEnvironment, kod2_url};

fn kod1(doc: &InvoiceDocument) -> String {
    let inv = doc.invoice();
    qr::invoice_verification_url(
        &QrEnvironment::Test,
        &inv.podmiot1.dane_identyfikacyjne.nip,
        inv.fa.p_1,
        doc.xml(),
    )
}

#[test]
fn kod1_with_the_ksef_number_decodes_to_the_exact_link() {
    for (name, xml) in samples().into_iter().take(4) {
        let doc = InvoiceDocument::from_xml(xml).unwrap();
        let number = "5265877635-20250826-0100001AF629-AF";
        let options = InvoiceRenderOptions {
            qr_environment: Some(QrEnvironment::Test),
            ksef_number: Some(number.into()),
            ..Default::default()
        };
        let pdf = doc.to_pdf(&options).unwrap();
        let text = pdf_text(&pdf);
        let last = page_count(&text);
        assert_eq!(decode_qr_codes(&pdf, last, 1), vec![kod1(&doc)], "{name}");
        assert!(
            squeeze(&text).contains(number),
            "{name}: the KSeF number under KOD I"
        );
        assert!(!text.contains("OFFLINE"), "{name}");
    }
}

#[test]
fn offline_invoice_has_offline_kod1_and_a_signed_kod2() {
    let (_, xml) = samples().remove(0);
    let doc = InvoiceDocument::from_xml(xml).unwrap();
    let nip = doc.invoice().podmiot1.dane_identyfikacyjne.nip.clone();
    for key in [TestKeyType::Rsa2048, TestKeyType::P256] {
        let credentials = seal_certificate("Sprzedawca Offline", &nip, key).unwrap();
        let serial = credentials.certificate().serial_hex();
        let kod2 = kod2_url(
            &QrEnvironment::Test,
            &doc,
            ContextIdentifierType::Nip,
            &nip,
            &serial,
            &credentials,
        )
        .unwrap();
        let options = InvoiceRenderOptions {
            qr_environment: Some(QrEnvironment::Test),
            ksef_number: None,
            kod2_url: Some(kod2.clone()),
        };
        let pdf = doc.to_pdf(&options).unwrap();
        let text = pdf_text(&pdf);
        assert!(text.contains("OFFLINE"), "KOD I is labelled OFFLINE");
        assert!(text.contains("CERTYFIKAT"), "KOD II is labelled CERTYFIKAT");
        let decoded = decode_qr_codes(&pdf, page_count(&text), 2);
        let mut want = vec![kod1(&doc), kod2.clone()];
        want.sort();
        assert_eq!(decoded, want, "{key:?}");
        let link = decoded
            .iter()
            .find(|u| u.contains("/certificate/"))
            .unwrap();
        Kod2Link::parse(link)
            .unwrap()
            .verify(credentials.certificate().der())
            .unwrap();
        let html = doc.to_html(&options).unwrap();
        assert!(html.contains("OFFLINE") && html.contains("CERTYFIKAT") && html.contains("<svg"));
    }
}

#[test]
fn kod2_without_a_qr_environment_is_refused() {
    let doc = InvoiceDocument::from_xml(samples().remove(0).1).unwrap();
    let options = InvoiceRenderOptions {
        kod2_url: Some("https://qr-test.ksef.mf.gov.pl/certificate/Nip/1/1/01/x/y".into()),
        ..Default::default()
    };
    assert!(doc.to_pdf(&options).is_err());
}
