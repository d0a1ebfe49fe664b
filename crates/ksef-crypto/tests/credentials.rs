//! Loading credentials from PEM, DER and PKCS#12 fixtures made with OpenSSL 3.

use std::path::PathBuf;

use ksef_crypto::credentials::{
    Certificate, Credentials, CredentialsError, HashAlgorithm, KeyAlgorithm, SignatureAlgorithm,
    SigningKey, key_from_pem, oids, verify_signature,
};

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/crypto")
        .join(name)
}
fn text(name: &str) -> String {
    std::fs::read_to_string(path(name)).expect("fixture readable")
}
fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).expect("fixture readable")
}

const RSA_FP: &str = "B7CBADDD64C7685DF9163612E932739B48F851D22DFB0F95DD0941D07AE2C371";
const EC_FP: &str = "977F7819E73FEBF8AB1ABAA26706D5AA79B0162262688341986CE7C53A79B19C";

#[test]
fn pem_pkcs8_pkcs1_sec1_and_encrypted() {
    let rsa_cert = text("rsa-person.crt.pem");
    for (key, pw) in [
        ("rsa-person.key.pem", None),
        ("rsa-person.pkcs1.pem", None),
        ("rsa-person.enc.pem", Some("secret")),
    ] {
        let c = Credentials::from_pem(&rsa_cert, &text(key), pw).expect(key);
        assert_eq!(c.algorithm(), KeyAlgorithm::Rsa { bits: 2048 });
        assert_eq!(c.certificate().fingerprint_sha256_hex(), RSA_FP);
    }
    let ec_cert = text("ec-seal.crt.pem");
    for key in ["ec-seal.key.pem", "ec-seal.sec1.pem"] {
        let c = Credentials::from_pem(&ec_cert, &text(key), None).expect(key);
        assert_eq!(c.algorithm(), KeyAlgorithm::EcdsaP256);
        assert_eq!(c.certificate().fingerprint_sha256_hex(), EC_FP);
    }
    // A bundle: certificate and key in one text.
    let bundle = format!("{}\n{}", text("ec-seal.crt.pem"), text("ec-seal.key.pem"));
    assert!(Credentials::from_pem_bundle(&bundle, None).is_ok());
}

#[test]
fn encrypted_key_errors() {
    let k = text("rsa-person.enc.pem");
    assert_eq!(
        key_from_pem(&k, None).unwrap_err(),
        CredentialsError::PasswordRequired
    );
    assert_eq!(
        key_from_pem(&k, Some("wrong")).unwrap_err(),
        CredentialsError::DecryptionFailed
    );
}

#[test]
fn pkcs12_openssl3_default() {
    let c = Credentials::from_pkcs12(&bytes("rsa-person.p12"), "test123").unwrap();
    assert_eq!(c.certificate().fingerprint_sha256_hex(), RSA_FP);
    let c = Credentials::from_pkcs12(&bytes("ec-seal.p12"), "test123").unwrap();
    assert_eq!(c.certificate().fingerprint_sha256_hex(), EC_FP);
    assert_eq!(
        Credentials::from_pkcs12(&bytes("ec-seal.p12"), "nope").unwrap_err(),
        CredentialsError::Pkcs12MacMismatch
    );
}

#[test]
fn pkcs12_legacy_loads() {
    let c = Credentials::from_pkcs12(&bytes("rsa-person-legacy.p12"), "test123").unwrap();
    assert_eq!(c.certificate().fingerprint_sha256_hex(), RSA_FP);
    assert_eq!(
        Credentials::from_pkcs12(&bytes("rsa-person-legacy.p12"), "nope").unwrap_err(),
        CredentialsError::Pkcs12MacMismatch
    );
}

#[test]
fn der_loading() {
    let cert = Certificate::from_pem(&text("rsa-person.crt.pem")).unwrap();
    let key = key_from_pem(&text("rsa-person.key.pem"), None).unwrap();
    let key_der = key.to_pkcs8_der().unwrap();
    let c = Credentials::from_der(cert.der(), &key_der).unwrap();
    assert_eq!(c.certificate(), &cert);
}

#[test]
fn mismatch_and_weak_keys() {
    let err = Credentials::from_pem(&text("rsa-person.crt.pem"), &text("ec-seal.key.pem"), None);
    assert_eq!(err.unwrap_err(), CredentialsError::KeyCertificateMismatch);
    let err = key_from_pem(&text("rsa1024.key.pem"), None).unwrap_err();
    assert_eq!(err, CredentialsError::RsaKeyTooSmall { bits: 1024 });
    assert!(matches!(
        Credentials::from_pem("not pem", "neither", None),
        Err(CredentialsError::InvalidPem(_))
    ));
}

#[test]
fn certificate_accessors() {
    let cert = Certificate::from_pem(&text("rsa-person.crt.pem")).unwrap();
    assert_eq!(
        cert.serial_hex(),
        "165D0B6D4C78C32FA9AFBFA98695F501808967E1"
    );
    assert_eq!(
        cert.subject_attribute(oids::SERIAL_NUMBER).as_deref(),
        Some("TINPL-1234563218")
    );
    assert_eq!(
        cert.subject_attribute(oids::GIVEN_NAME).as_deref(),
        Some("Jan")
    );
    assert_eq!(
        cert.subject_attribute(oids::SURNAME).as_deref(),
        Some("Kowalski")
    );
    assert_eq!(cert.issuer_name(), cert.subject_name());
    // RFC 4514 as Java's X500Principal writes it: non-RFC keywords as `oid=#hex`.
    assert_eq!(
        cert.issuer_name(),
        "C=PL,CN=Jan Kowalski,2.5.4.5=#131054494e504c2d31323334353633323138,\
         2.5.4.4=#0c084b6f77616c736b69,2.5.4.42=#0c034a616e"
    );
    let seal = Certificate::from_pem(&text("ec-seal.crt.pem")).unwrap();
    assert_eq!(
        seal.subject_attribute(oids::ORGANIZATION_IDENTIFIER)
            .as_deref(),
        Some("VATPL-1234563218")
    );
    assert!(!seal.subject_has_attribute(oids::GIVEN_NAME));
    // Debug never shows key material.
    let c =
        Credentials::from_pem(&text("ec-seal.crt.pem"), &text("ec-seal.key.pem"), None).unwrap();
    let dbg = format!("{c:?}");
    assert!(dbg.contains("[redacted]"));
    assert!(!dbg.contains("BEGIN"));
}

#[test]
fn sign_and_verify_all_methods() {
    let rsa = Credentials::from_pem(
        &text("rsa-person.crt.pem"),
        &text("rsa-person.key.pem"),
        None,
    )
    .unwrap();
    let ec =
        Credentials::from_pem(&text("ec-seal.crt.pem"), &text("ec-seal.key.pem"), None).unwrap();
    let msg = b"qr-test.ksef.mf.gov.pl/certificate/Nip/1111111111/1111111111/01F20A5D352AE590/x";

    let s = rsa.sign_rsa_pkcs1_sha256(msg).unwrap();
    verify_signature(
        rsa.certificate(),
        SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha256),
        msg,
        &s,
    )
    .unwrap();
    let s = rsa.sign_rsa_pss_sha256(msg).unwrap();
    assert_eq!(s.len(), 256);
    verify_signature(
        rsa.certificate(),
        SignatureAlgorithm::RsaPss(HashAlgorithm::Sha256),
        msg,
        &s,
    )
    .unwrap();
    assert!(
        verify_signature(
            rsa.certificate(),
            SignatureAlgorithm::RsaPss(HashAlgorithm::Sha256),
            b"other",
            &s
        )
        .is_err()
    );

    let s = ec.sign_ecdsa_p256_sha256_raw(msg).unwrap();
    assert_eq!(s.len(), 64);
    verify_signature(
        ec.certificate(),
        SignatureAlgorithm::EcdsaP256(HashAlgorithm::Sha256),
        msg,
        &s,
    )
    .unwrap();
    let der_sig = ec.key().sign_ecdsa_p256_sha256_der(msg).unwrap();
    verify_signature(
        ec.certificate(),
        SignatureAlgorithm::EcdsaP256(HashAlgorithm::Sha256),
        msg,
        &der_sig,
    )
    .unwrap();

    assert!(matches!(
        ec.sign_rsa_pss_sha256(msg),
        Err(CredentialsError::WrongKeyType(_))
    ));
    assert!(matches!(
        rsa.sign_ecdsa_p256_sha256_raw(msg),
        Err(CredentialsError::WrongKeyType(_))
    ));
}

#[test]
fn openssl_verifies_our_pss_signature() {
    use std::process::Command;
    let rsa = Credentials::from_pem(
        &text("rsa-person.crt.pem"),
        &text("rsa-person.key.pem"),
        None,
    )
    .unwrap();
    let dir = tempdir();
    let msg = b"hello KSeF";
    std::fs::write(dir.join("msg"), msg).unwrap();
    std::fs::write(dir.join("sig"), rsa.sign_rsa_pss_sha256(msg).unwrap()).unwrap();
    let pub_pem = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(path("rsa-person.crt.pem"))
        .output()
        .expect("`openssl` is required for this test");
    std::fs::write(dir.join("pub.pem"), pub_pem.stdout).unwrap();
    let out = Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
            "-verify",
        ])
        .arg(dir.join("pub.pem"))
        .arg("-signature")
        .arg(dir.join("sig"))
        .arg(dir.join("msg"))
        .output()
        .expect("`openssl` is required for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn tempdir() -> PathBuf {
    // Scratch files live in cargo's per-target test directory, not in the system temp dir.
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ksef-crypto-cred-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn generated_p256_key_roundtrips_through_pem() {
    let k = SigningKey::generate_p256();
    let pem = k.to_pkcs8_pem().unwrap();
    let k2 = key_from_pem(&pem, None).unwrap();
    assert_eq!(
        k.public_key_spki_der().unwrap(),
        k2.public_key_spki_der().unwrap()
    );
}
