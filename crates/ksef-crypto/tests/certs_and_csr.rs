//! Test certificates and CSRs, checked with `openssl`.

use std::path::PathBuf;
use std::process::Command;

use ksef_crypto::credentials::{Certificate, KeyAlgorithm, oids};
use ksef_crypto::csr::{self, DnAttributes};
use ksef_crypto::test_certs::{self, PersonIdentifier, TestKeyType};
use ksef_crypto::xades::{SignerIdentity, identity_from_subject};

fn tmp(name: &str) -> PathBuf {
    // Scratch files live in cargo's per-target test directory, not in the system temp dir.
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ksef-crypto-certs-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("`openssl` is required for this test: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?} failed: {text}");
    text
}

#[test]
fn person_and_seal_certificates() {
    let person = test_certs::person_certificate(
        "Jan",
        "Kowalski",
        &PersonIdentifier::Pesel("90010112345".into()),
        TestKeyType::P256,
    )
    .unwrap();
    let cert = person.certificate();
    assert_eq!(
        cert.subject_attribute(oids::SERIAL_NUMBER).as_deref(),
        Some("PNOPL-90010112345")
    );
    assert_eq!(
        identity_from_subject(cert),
        Some(SignerIdentity::Pesel("90010112345".into()))
    );
    assert_eq!(cert.serial_hex().len(), 16);
    let age = time::OffsetDateTime::now_utc() - cert.not_before();
    assert!(
        age >= time::Duration::minutes(60) && age <= time::Duration::minutes(62),
        "{age}"
    );
    let span = cert.not_after() - cert.not_before();
    assert!(span >= time::Duration::days(729), "{span}");

    let seal =
        test_certs::seal_certificate("Firma Testowa", "1234563218", TestKeyType::P256).unwrap();
    assert_eq!(
        identity_from_subject(seal.certificate()),
        Some(SignerIdentity::SealNip("1234563218".into()))
    );

    // openssl parses and verifies the self-signature.
    for (name, creds) in [("person", &person), ("seal", &seal)] {
        let pem = tmp(&format!("{name}.pem"));
        std::fs::write(&pem, creds.certificate().to_pem().unwrap()).unwrap();
        let p = pem.to_str().unwrap();
        openssl(&["verify", "-CAfile", p, "-partial_chain", p]);
        let subject = openssl(&[
            "x509", "-in", p, "-noout", "-subject", "-nameopt", "RFC2253",
        ]);
        assert!(subject.contains("C=PL"), "{subject}");
    }
}

#[test]
fn rsa_test_certificate() {
    // RSA-2048 generation is slow in debug builds; one key is enough.
    let creds = test_certs::person_certificate(
        "Anna",
        "Nowak",
        &PersonIdentifier::Nip("1234563218".into()),
        TestKeyType::Rsa2048,
    )
    .unwrap();
    assert_eq!(creds.algorithm(), KeyAlgorithm::Rsa { bits: 2048 });
    assert_eq!(
        identity_from_subject(creds.certificate()),
        Some(SignerIdentity::PersonNip("1234563218".into()))
    );
    let pem = tmp("rsa.pem");
    std::fs::write(&pem, creds.certificate().to_pem().unwrap()).unwrap();
    let p = pem.to_str().unwrap();
    openssl(&["verify", "-CAfile", p, "-partial_chain", p]);
    // Round trip through a PEM bundle.
    let bundle = creds.to_pem_bundle().unwrap();
    let again = ksef_crypto::credentials::Credentials::from_pem_bundle(&bundle, None).unwrap();
    assert_eq!(again.certificate(), creds.certificate());
}

fn enrollment_data() -> DnAttributes {
    DnAttributes {
        common_name: Some("Jan Kowalski".into()),
        country_name: Some("PL".into()),
        given_name: Some("Jan".into()),
        surname: Some("Kowalski".into()),
        serial_number: Some("TINPL-1234563218".into()),
        unique_identifier: Some("abc-123".into()),
        organization_name: None,
        organization_identifier: None,
    }
}

#[test]
fn csr_verifies_with_openssl() {
    let bundle = csr::csr_with_p256(&enrollment_data()).unwrap();
    let pem_path = tmp("p256.csr.pem");
    std::fs::write(&pem_path, bundle.pem().unwrap()).unwrap();
    let out = openssl(&[
        "req",
        "-verify",
        "-in",
        pem_path.to_str().unwrap(),
        "-noout",
        "-subject",
        "-nameopt",
        "RFC2253",
    ]);
    assert!(
        out.contains("verify OK") || out.contains("Certificate request self-signature verify OK"),
        "{out}"
    );
    for part in [
        "CN=Jan Kowalski",
        "C=PL",
        "GN=Jan",
        "SN=Kowalski",
        "serialNumber=TINPL-1234563218",
    ] {
        assert!(out.contains(part), "missing {part} in {out}");
    }
    // The base64 is of the DER.
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD
        .decode(bundle.base64())
        .unwrap();
    assert_eq!(der, bundle.der());
}

#[test]
fn csr_with_rsa_and_issued_certificate() {
    let seal = DnAttributes {
        common_name: Some("Firma".into()),
        country_name: Some("PL".into()),
        organization_name: Some("Firma Sp. z o.o.".into()),
        organization_identifier: Some("VATPL-1234563218".into()),
        ..DnAttributes::default()
    };
    // `csr_with_rsa` generates a key like `rsa_test_certificate` does; a fixture key keeps the
    // debug-build test fast.
    let pem = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/crypto/rsa-person.key.pem"),
    )
    .unwrap();
    let key = ksef_crypto::credentials::key_from_pem(&pem, None).unwrap();
    let bundle = csr::build_csr(&seal, key).unwrap();
    let csr_path = tmp("rsa.csr.pem");
    std::fs::write(&csr_path, bundle.pem().unwrap()).unwrap();
    let out = openssl(&[
        "req",
        "-verify",
        "-in",
        csr_path.to_str().unwrap(),
        "-noout",
        "-subject",
    ]);
    assert!(
        out.contains("organizationIdentifier") && out.contains("VATPL-1234563218"),
        "{out}"
    );

    // Simulate issuance: sign the CSR with a throwaway CA and pair the certificate with the key.
    let ca_key = tmp("ca.key");
    let ca_crt = tmp("ca.crt");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        ca_key.to_str().unwrap(),
        "-out",
        ca_crt.to_str().unwrap(),
        "-days",
        "2",
        "-subj",
        "/CN=Test CA",
    ]);
    let issued = tmp("issued.crt");
    openssl(&[
        "x509",
        "-req",
        "-in",
        csr_path.to_str().unwrap(),
        "-CA",
        ca_crt.to_str().unwrap(),
        "-CAkey",
        ca_key.to_str().unwrap(),
        "-out",
        issued.to_str().unwrap(),
        "-days",
        "1",
        "-set_serial",
        "0x01F20A5D352AE590",
    ]);
    let cert = Certificate::from_pem(&std::fs::read_to_string(&issued).unwrap()).unwrap();
    assert_eq!(cert.serial_hex(), "01F20A5D352AE590");
    let creds = bundle.into_credentials(cert).unwrap();
    assert!(creds.sign_rsa_pss_sha256(b"x").is_ok());
}

#[test]
fn issued_chain_verifies_with_openssl() {
    use ksef_crypto::credentials::SigningKey;
    use ksef_crypto::x509_build::{CertificateFields, issue_certificate, spki_of};
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

    let now = time::OffsetDateTime::now_utc();
    let ca_key = SigningKey::generate_p256();
    let ca_name = DnAttributes {
        common_name: Some("Issuing CA".into()),
        country_name: Some("PL".into()),
        organization_name: Some("ksef-crypto tests".into()),
        ..DnAttributes::default()
    }
    .to_name()
    .unwrap();
    let ca = issue_certificate(
        CertificateFields {
            serial_number: vec![0x10, 0, 0, 0, 0, 0, 0, 1],
            subject: ca_name.clone(),
            subject_public_key_info: spki_of(&ca_key).unwrap(),
            not_before: now - time::Duration::hours(1),
            not_after: now + time::Duration::days(30),
            basic_constraints: BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            },
            key_usage: KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            subject_key_identifier: true,
        },
        &ca_name,
        &ca_key,
    )
    .unwrap();
    assert_eq!(ca.subject_name(), ca.issuer_name());

    // An RSA leaf (fixture key) issued by the P-256 CA.
    let pem = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/crypto/rsa-person.key.pem"),
    )
    .unwrap();
    let leaf_key = ksef_crypto::credentials::key_from_pem(&pem, None).unwrap();
    let leaf = issue_certificate(
        CertificateFields {
            serial_number: vec![0x01, 0xF2, 0x0A, 0x5D],
            subject: test_certs::person_dn(
                "Jan",
                "Kowalski",
                &PersonIdentifier::Nip("1234563218".into()),
            )
            .to_name()
            .unwrap(),
            subject_public_key_info: spki_of(&leaf_key).unwrap(),
            not_before: now - time::Duration::hours(1),
            not_after: now + time::Duration::days(1),
            basic_constraints: BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            key_usage: KeyUsage(KeyUsages::DigitalSignature.into()),
            subject_key_identifier: false,
        },
        &ca_name,
        &ca_key,
    )
    .unwrap();
    assert_eq!(leaf.issuer_name(), ca.subject_name());
    assert_eq!(leaf.serial_hex(), "01F20A5D");

    let ca_path = tmp("issuing-ca.crt");
    let leaf_path = tmp("issued-leaf.crt");
    std::fs::write(&ca_path, ca.to_pem().unwrap()).unwrap();
    std::fs::write(&leaf_path, leaf.to_pem().unwrap()).unwrap();
    let out = openssl(&[
        "verify",
        "-CAfile",
        ca_path.to_str().unwrap(),
        leaf_path.to_str().unwrap(),
    ]);
    assert!(out.contains(": OK"), "{out}");
    let text = openssl(&["x509", "-in", ca_path.to_str().unwrap(), "-noout", "-text"]);
    assert!(
        text.contains("CA:TRUE, pathlen:0")
            && text.contains("Certificate Sign, CRL Sign")
            && text.contains("Subject Key Identifier"),
        "{text}"
    );
    // The leaf's key signs and the signature verifies under the issued certificate.
    let creds = ksef_crypto::credentials::Credentials::new(leaf_key, leaf).unwrap();
    assert!(creds.sign_rsa_pss_sha256(b"x").is_ok());
}
