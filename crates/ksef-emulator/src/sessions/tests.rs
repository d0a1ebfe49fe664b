//! Unit tests of invoice reading, archive unpacking and UPO documents.

use ksef_model::{BuyerIdentifierType, FormCode, ThirdSubjectIdentifierType};
use proptest::prelude::*;

use super::archive::{self, Limits};
use super::invoice::{Form, parse};

const BASIC: &str = include_str!("../../../../fixtures/invoices/fa3-basic.xml");
const EUR: &str = include_str!("../../../../fixtures/invoices/fa3-eur-third-party.xml");
const ATTACHMENT: &str = include_str!("../../../../fixtures/invoices/fa3-with-attachment.xml");
const RR: &str = include_str!("../../../../fixtures/invoices/fa-rr-basic.xml");

#[test]
fn reads_the_basic_fixture() {
    let p = parse(BASIC.as_bytes(), Form::Fa3).expect("valid");
    assert_eq!(p.seller_nip, "5265877635");
    assert_eq!(p.buyer.identifier.r#type, BuyerIdentifierType::Nip);
    assert_eq!(p.buyer_nip.as_deref(), Some("7010002139"));
    assert_eq!((p.net, p.vat, p.gross), (100.0, 23.0, 123.0));
    assert_eq!(p.currency, "PLN");
    assert_eq!(p.kind_raw, "VAT");
    assert_eq!(p.invoice_number, "FV/2026/02/0001");
    assert!(!p.has_attachment && !p.is_self_invoicing);
    assert!(p.may_be_sent_by("5265877635", Form::Fa3));
    assert!(!p.may_be_sent_by("7010002139", Form::Fa3));
}

#[test]
fn reads_foreign_currency_third_parties_and_authorised_subject() {
    let p = parse(EUR.as_bytes(), Form::Fa3).expect("valid");
    assert_eq!(p.buyer.identifier.r#type, BuyerIdentifierType::VatUe);
    assert_eq!(p.buyer.identifier.value.as_deref(), Some("DE123456789"));
    assert_eq!(p.currency, "EUR");
    assert_eq!(p.vat, 97.75, "VAT in PLN from P_14_1W");
    assert_eq!(p.third_subjects.len(), 1);
    assert_eq!(p.third_subjects[0].role, 2);
    assert_eq!(
        p.third_subjects[0].identifier.r#type,
        ThirdSubjectIdentifierType::Nip
    );
    let a = p.authorized_subject.clone().expect("authorised subject");
    assert_eq!((a.nip.as_str(), a.role), ("1111111111", 3));
    assert!(p.may_be_sent_by("1111111111", Form::Fa3));
}

#[test]
fn reads_a_vat_rr_invoice_issued_by_the_buyer() {
    let p = parse(RR.as_bytes(), Form::FaRr).expect("valid");
    assert_eq!(p.seller_nip, "7010002139");
    assert_eq!(p.buyer_nip.as_deref(), Some("5265877635"));
    assert_eq!((p.net, p.vat, p.gross), (1000.0, 70.0, 1070.0));
    assert_eq!(p.invoice_type.as_str(), "VatRr");
    assert_eq!(p.invoice_number, "RR/2026/03/0001");
    assert!(p.may_be_sent_by("5265877635", Form::FaRr));
    assert_eq!(parse(RR.as_bytes(), Form::Fa3).unwrap_err().code, 430);
}

#[test]
fn sees_attachments() {
    assert!(
        parse(ATTACHMENT.as_bytes(), Form::Fa3)
            .expect("valid")
            .has_attachment
    );
}

#[test]
fn refuses_other_forms_and_encodings() {
    assert_eq!(parse(BASIC.as_bytes(), Form::Fa2).unwrap_err().code, 430);
    assert_eq!(parse(BASIC.as_bytes(), Form::Pef).unwrap_err().code, 430);
    let latin = BASIC.replacen("UTF-8", "ISO-8859-2", 1);
    assert_eq!(parse(latin.as_bytes(), Form::Fa3).unwrap_err().code, 430);
    let dtd = BASIC.replacen(
        "<Faktura",
        "<!DOCTYPE Faktura [<!ENTITY a \"b\">]><Faktura",
        1,
    );
    assert_eq!(parse(dtd.as_bytes(), Form::Fa3).unwrap_err().code, 430);
    let bad_char = BASIC.replacen("Usługa", "Us\u{86}ługa", 1);
    assert_eq!(parse(bad_char.as_bytes(), Form::Fa3).unwrap_err().code, 430);
}

#[test]
fn form_codes() {
    let code = |s: &str, v: &str, val: &str| FormCode::new(s.into(), v.into(), val.into());
    assert_eq!(
        Form::from_code(&code("FA (3)", "1-0E", "FA")),
        Some(Form::Fa3)
    );
    assert_eq!(
        Form::from_code(&code("FA_RR (1)", "1-1E", "FA_RR")),
        Some(Form::FaRr)
    );
    assert_eq!(
        Form::from_code(&code("PEF_KOR (3)", "2-1", "PEF")),
        Some(Form::PefKor)
    );
    assert_eq!(Form::from_code(&code("FA (3)", "1-0E", "FA_RR")), None);
    assert!(!Form::PefKor.batch_allowed() && Form::FaRr.batch_allowed());
}

const LIMITS: Limits = Limits {
    max_entries: 100,
    max_entry: 10_000,
    max_total: 1_000_000,
};

proptest! {
    #[test]
    fn invoice_reading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for form in [Form::Fa2, Form::Fa3, Form::FaRr, Form::Pef, Form::PefKor] {
            let _ = parse(&bytes, form);
        }
    }

    #[test]
    fn mutated_invoices_never_panic(pos in 0usize..2000, byte in any::<u8>()) {
        let mut bytes = BASIC.as_bytes().to_vec();
        if let Some(b) = bytes.get_mut(pos) {
            *b = byte;
        }
        let _ = parse(&bytes, Form::Fa3);
    }

    #[test]
    fn unpacking_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = archive::unpack(std::io::Cursor::new(&bytes), "Zip", LIMITS);
        let _ = archive::unpack(std::io::Cursor::new(&bytes), "TarGz", LIMITS);
    }
}

#[test]
fn session_upo_pages_hold_at_most_ten_thousand_invoices() {
    use super::model::{SessionInvoice, SessionKind, SessionRecord, Status};
    let now = time::OffsetDateTime::now_utc();
    let invoice = |i: usize| SessionInvoice {
        ordinal: i32::try_from(i + 1).unwrap_or(i32::MAX),
        reference: crate::ids::reference_number("EE", now),
        invoice_number: Some(format!("FV/{i}")),
        ksef_number: crate::ids::ksef_number("5265877635", now),
        invoice_hash: "A".repeat(43) + "=",
        file_name: None,
        invoicing_date: now,
        acquisition_date: Some(now),
        permanent_storage_date: Some(now),
        offline: false,
        status: Status::new(200, "Sukces"),
        hash_of_corrected: None,
        issue_date: Some(now.date()),
        seller_nip: Some("5265877635".into()),
    };
    let session = SessionRecord {
        reference: crate::ids::reference_number("SB", now),
        kind: SessionKind::Batch,
        context: crate::state::Ident::new("Nip", "5265877635"),
        creator: crate::state::Ident::new("Nip", "5265877635"),
        auth_reference: String::new(),
        auth_token_reference: None,
        auth_document_hash: "B".repeat(43) + "=",
        form_code: FormCode::new("FA (3)".into(), "1-0E".into(), "FA".into()),
        key: None,
        created: now,
        updated: now,
        valid_until: None,
        closed: None,
        status: Status::new(150, "Trwa przetwarzanie"),
        invoices: (0..10_001).map(invoice).collect(),
        batch: None,
        upo: Vec::new(),
        invoice_limit: 10_001,
        max_invoice_bytes: 1_000_000,
        max_invoice_with_attachments_bytes: 3_000_000,
    };
    let pages = super::upo::session_upo_pages(&session);
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].matches("<Dokument>").count(), 10_000);
    assert!(pages[1].contains("<Strona>2</Strona><LiczbaStron>2</LiczbaStron>"));
    assert!(pages[1].contains("<ZakresDokumentowOd>10001</ZakresDokumentowOd>"));
    assert!(pages[1].contains("<CalkowitaLiczbaDokumentow>10001</CalkowitaLiczbaDokumentow>"));
    assert_eq!(pages[1].matches("<Dokument>").count(), 1);
}
