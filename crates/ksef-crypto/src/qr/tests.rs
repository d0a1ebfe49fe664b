use time::macros::date;

use super::*;

const DOC_HASH: &str = "UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE";
const DOC_SIGNATURE: &str = "mSkm_XmM9fq7PgAJwiL32L9ujhyguOEV48cDB0ncemD2r9TMGa3lr0iRoFk588agCi8QPsOuscUY1rZ7ff76STbGquO-gZtQys5_fHdf2HUfDqPqVTnUS6HknBu0zLkyf9ygoW7WbH06Ty_8BgQTlOmJFzNWSt9WZa7tAGuAE9JOooNps-KG2PYkkIP4q4jPMp3FKypAygHVnXtS0RDGgOxhhM7LWtFP7D-dWINbh5yXD8Lr-JVbeOpyQjHa6WmMYavCDQJ3X_Z-iS01LZu2s1B3xuOykl1h0sLObCdADrbxOONsXrvQa61Xt_rxyprVraj2Uf9pANQgR4-12HEcMw";

fn doc_certificate() -> Vec<u8> {
    use base64::engine::general_purpose::STANDARD;
    let b64 = include_str!("../../../../fixtures/crypto/qr-kod2-test-certificate.b64");
    STANDARD.decode(b64.trim()).unwrap()
}

fn doc_kod2_url() -> String {
    format!(
        "https://qr-test.ksef.mf.gov.pl/certificate/Nip/1111111111/1111111111/01F20A5D352AE590/{DOC_HASH}/{DOC_SIGNATURE}"
    )
}

#[test]
fn kod1_doc_example() {
    assert_eq!(
        invoice_verification_url_from_hash(
            &QrEnvironment::Test,
            "1111111111",
            date!(2026 - 02 - 01),
            DOC_HASH
        ),
        format!("https://qr-test.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/{DOC_HASH}")
    );
}

#[test]
fn kod1_hashes_and_environments() {
    let url = invoice_verification_url(
        &QrEnvironment::Production,
        "1234567890",
        date!(2026 - 01 - 05),
        b"<root>test</root>",
    );
    assert_eq!(
        url,
        "https://qr.ksef.mf.gov.pl/invoice/1234567890/05-01-2026/qrs2gCLXnTUy6--AHwHuDxFuCj0BYUGRGtBuGnJwN-c"
    );
    assert_eq!(
        invoice_hash_b64url(b"<data>special & chars /?</data>"),
        "2bEg3cUOcJxR38JekXJxuJphnkn-NUdSP-uyOc0hB6I"
    );
    assert_eq!(
        QrEnvironment::Demo.base_url(),
        "https://qr-demo.ksef.mf.gov.pl"
    );
    assert_eq!(
        QrEnvironment::Custom("http://127.0.0.1:8080/".into()).base_url(),
        "http://127.0.0.1:8080"
    );
    let b64 = crate::symmetric::sha256_base64(b"<root>test</root>");
    assert_eq!(
        hash_b64_to_b64url(&b64).unwrap(),
        "qrs2gCLXnTUy6--AHwHuDxFuCj0BYUGRGtBuGnJwN-c"
    );
}

#[test]
fn kod2_doc_vector_verifies() {
    let link = Kod2Link::parse(&doc_kod2_url()).unwrap();
    assert_eq!(link.context_type, ContextIdentifierType::Nip);
    assert_eq!(link.certificate_serial, "01F20A5D352AE590");
    assert_eq!(link.signature.len(), 256);
    assert_eq!(
        link.signed_message(),
        format!(
            "qr-test.ksef.mf.gov.pl/certificate/Nip/1111111111/1111111111/01F20A5D352AE590/{DOC_HASH}"
        )
    );
    assert_eq!(
        kod2_signed_message(
            &QrEnvironment::Test,
            ContextIdentifierType::Nip,
            "1111111111",
            "1111111111",
            "01F20A5D352AE590",
            DOC_HASH
        ),
        link.signed_message()
    );
    assert_eq!(link.url(), doc_kod2_url());
    let cert = doc_certificate();
    assert_eq!(certificate_serial_hex(&cert).unwrap(), "01F20A5D352AE590");
    link.verify(&cert).unwrap();
}

#[test]
fn kod2_doc_vector_fails_with_scheme_or_trailing_slash_or_changes() {
    use rsa::pkcs8::DecodePublicKey;
    use sha2::{Digest, Sha256};
    let cert = doc_certificate();
    let link = Kod2Link::parse(&doc_kod2_url()).unwrap();
    let parsed = <x509_cert::Certificate as der::Decode>::from_der(&cert).unwrap();
    let spki = der::Encode::to_der(&parsed.tbs_certificate.subject_public_key_info).unwrap();
    let key = rsa::RsaPublicKey::from_public_key_der(&spki).unwrap();
    let check = |msg: &str| {
        key.verify(
            rsa::Pss::new_with_salt::<Sha256>(32),
            &Sha256::digest(msg.as_bytes()),
            &link.signature,
        )
        .is_ok()
    };
    let msg = link.signed_message();
    assert!(check(&msg));
    assert!(!check(&format!("https://{msg}")));
    assert!(!check(&format!("{msg}/")));

    let mut tampered = link.clone();
    tampered.seller_nip = "2222222222".into();
    assert_eq!(tampered.verify(&cert), Err(QrError::BadSignature));
    let mut other_serial = link.clone();
    other_serial.certificate_serial = "01F20A5D352AE591".into();
    assert!(matches!(
        other_serial.verify(&cert),
        Err(QrError::SerialMismatch { .. })
    ));
}

#[test]
fn kod2_parse_errors() {
    assert!(matches!(
        Kod2Link::parse("https://qr-test.ksef.mf.gov.pl/invoice/1/2/3"),
        Err(QrError::InvalidLink(_))
    ));
    assert!(matches!(Kod2Link::parse(""), Err(QrError::InvalidLink(_))));
    let bad_type = doc_kod2_url().replace("/Nip/", "/Pesel/");
    assert!(matches!(
        Kod2Link::parse(&bad_type),
        Err(QrError::InvalidLink(_))
    ));
    let bad_sig = format!("{}!!", doc_kod2_url());
    assert_eq!(Kod2Link::parse(&bad_sig), Err(QrError::Base64("signature")));
    // A trailing slash is tolerated when parsing.
    assert!(Kod2Link::parse(&format!("{}/", doc_kod2_url())).is_ok());
}

#[test]
fn kod2_ecdsa_sign_and_verify_raw_and_der() {
    use crate::test_certs::{TestKeyType, seal_certificate};
    let creds = seal_certificate("Test", "6824515772", TestKeyType::P256).unwrap();
    let cert = creds.certificate().der().to_vec();
    let serial = certificate_serial_hex(&cert).unwrap();
    assert_eq!(serial.len(), 16);
    let hash = invoice_hash_b64url(b"<Faktura/>");
    let url = certificate_verification_url(
        &QrEnvironment::Demo,
        ContextIdentifierType::InternalId,
        "6824515772-12343",
        "6824515772",
        &serial,
        &hash,
        &creds,
    )
    .unwrap();
    assert!(url.starts_with(&format!(
        "https://qr-demo.ksef.mf.gov.pl/certificate/InternalId/6824515772-12343/6824515772/{serial}/"
    )));
    let link = Kod2Link::parse(&url).unwrap();
    assert_eq!(link.signature.len(), 64);
    link.verify(&cert).unwrap();
    // The same signature in DER form is accepted too.
    let mut der_link = link.clone();
    der_link.signature = crate::credentials::ecdsa_raw_to_der(&link.signature).unwrap();
    der_link.verify(&cert).unwrap();
    let mut tampered = link;
    tampered.invoice_hash_b64url = invoice_hash_b64url(b"<Faktura>x</Faktura>");
    assert_eq!(tampered.verify(&cert), Err(QrError::BadSignature));
}

#[test]
fn kod2_rsa_signing_roundtrip_and_input_checks() {
    use crate::test_certs::{TestKeyType, seal_certificate};
    let creds = seal_certificate("Test", "5265877635", TestKeyType::Rsa2048).unwrap();
    let cert = creds.certificate().der().to_vec();
    let serial = certificate_serial_hex(&cert).unwrap();
    let url = certificate_verification_url(
        &QrEnvironment::Custom("http://127.0.0.1:9999".into()),
        ContextIdentifierType::Nip,
        "5265877635",
        "5265877635",
        &serial,
        &invoice_hash_b64url(b"<Faktura/>"),
        &creds,
    )
    .unwrap();
    let link = Kod2Link::parse(&url).unwrap();
    assert_eq!(link.signature.len(), 256);
    assert!(
        link.signed_message()
            .starts_with("127.0.0.1:9999/certificate/Nip/")
    );
    link.verify(&cert).unwrap();
    // Also through the key directly.
    let key = creds.key();
    let sig = key.sign_kod2(link.signed_message().as_bytes()).unwrap();
    let mut resigned = link.clone();
    resigned.signature = sig;
    resigned.verify(&cert).unwrap();

    let hash = invoice_hash_b64url(b"x");
    let err = certificate_verification_url(
        &QrEnvironment::Test,
        ContextIdentifierType::Nip,
        "1111111111",
        "1111111111",
        "XYZ",
        &hash,
        key,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        QrError::InvalidInput {
            what: "certificate serial",
            ..
        }
    ));
    let err = certificate_verification_url(
        &QrEnvironment::Test,
        ContextIdentifierType::Nip,
        "1111/111111",
        "1111111111",
        "01",
        &hash,
        key,
    )
    .unwrap_err();
    assert!(matches!(err, QrError::InvalidInput { .. }));
    let err = certificate_verification_url(
        &QrEnvironment::Test,
        ContextIdentifierType::Nip,
        "1111111111",
        "1111111111",
        "01",
        "not-a-hash",
        key,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        QrError::InvalidInput {
            what: "invoice hash",
            ..
        }
    ));
}
