use time::macros::datetime;

use super::*;

/// A 2048-bit key shared by the tests (generating one takes a while in debug builds).
fn test_key() -> &'static RsaDecryptionKey {
    static KEY: std::sync::OnceLock<RsaDecryptionKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| RsaDecryptionKey::generate(2048).expect("generate RSA key"))
}

#[test]
fn wrap_and_unwrap_roundtrip() {
    let key = test_key();
    let public = key.public_key();
    let sym = SymmetricKey::generate();
    let wrapped = public
        .encrypt(&mut OsRng, Oaep::new::<Sha256>(), sym.key_bytes())
        .unwrap();
    let unwrapped = key
        .unwrap_symmetric_key(&B64.encode(wrapped), &sym.iv_base64())
        .unwrap();
    assert_eq!(unwrapped.key_bytes(), sym.key_bytes());
    assert_eq!(unwrapped.iv(), sym.iv());
    assert_eq!(key.public_key_id().unwrap().len(), 44);
    assert_eq!(format!("{key:?}"), "RsaDecryptionKey([redacted])");
}

#[test]
fn token_split_and_errors() {
    let key = test_key();
    let public = key.public_key();
    let token = "20251010-EC-1DCE3E3000-12ECB5B36E-45|internalId-5265877635-12345|919f70";
    let ct = public
        .encrypt(
            &mut OsRng,
            Oaep::new::<Sha256>(),
            format!("{token}|1760000000123").as_bytes(),
        )
        .unwrap();
    let t = key.decrypt_ksef_token(&B64.encode(&ct)).unwrap();
    assert_eq!(t.token(), token);
    assert_eq!(t.timestamp_ms(), 1_760_000_000_123);
    assert!(!format!("{t:?}").contains("internalId"));

    let bad = public
        .encrypt(&mut OsRng, Oaep::new::<Sha256>(), b"no-timestamp")
        .unwrap();
    assert_eq!(
        key.decrypt_ksef_token(&B64.encode(bad)).unwrap_err(),
        PublicKeyError::TokenFormat("no `|` before the timestamp")
    );
    assert_eq!(
        key.decrypt_ksef_token("!!!").unwrap_err(),
        PublicKeyError::Base64 {
            what: "encryptedToken"
        }
    );
    assert_eq!(
        key.decrypt_oaep(&[1, 2, 3]).unwrap_err(),
        PublicKeyError::Decrypt
    );
    assert!(RsaDecryptionKey::generate(1024).is_err());
}

#[test]
fn usage_strings() {
    for u in ["KsefTokenEncryption", "SymmetricKeyEncryption", "Future"] {
        assert_eq!(KeyUsage::from_api(u).as_str(), u);
    }
    assert_eq!(
        KeyUsage::from_api("Future"),
        KeyUsage::Other("Future".into())
    );
}

#[test]
fn garbage_certificates_are_rejected() {
    assert!(matches!(
        PublicKeyCertificate::from_der(b"not a certificate", []),
        Err(PublicKeyError::Certificate(_))
    ));
    assert_eq!(
        PublicKeyCertificate::from_base64("***", []).unwrap_err(),
        PublicKeyError::Base64 {
            what: "certificate"
        }
    );
    let e = select_certificate(
        &[],
        &KeyUsage::SymmetricKeyEncryption,
        datetime!(2025-01-01 0:00 UTC),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "no public key certificate with usage SymmetricKeyEncryption is valid at \
         2025-01-01 0:00:00.0 +00:00:00 (0 with that usage)"
    );
}

/// An RSA-2048 certificate (the KSeF test certificate of the QR documentation).
fn cert(usages: &[KeyUsage], from: OffsetDateTime, to: OffsetDateTime) -> PublicKeyCertificate {
    let b64 = include_str!("../../../../fixtures/crypto/qr-kod2-test-certificate.b64");
    PublicKeyCertificate::from_base64(b64, usages.iter().cloned())
        .unwrap()
        .with_validity(from, to)
}

#[test]
fn identifiers_and_own_validity() {
    let b64 = include_str!("../../../../fixtures/crypto/qr-kod2-test-certificate.b64");
    let c = PublicKeyCertificate::from_base64(b64, [KeyUsage::SymmetricKeyEncryption]).unwrap();
    assert_eq!(c.valid_from(), datetime!(2025-07-29 09:28:37 UTC));
    assert_eq!(c.valid_to(), datetime!(2027-07-29 09:28:37 UTC));
    assert_eq!(c.certificate_id(), sha256_base64(c.der()));
    assert_eq!(c.public_key_id().len(), 44);
    assert_ne!(c.public_key_id(), c.certificate_id());
    assert!(c.is_valid_at(datetime!(2025-07-29 09:28:37 UTC)));
    assert!(!c.is_valid_at(datetime!(2027-07-29 09:28:37 UTC)));
    let from_api = PublicKeyCertificate::from_api(
        b64,
        datetime!(2025-08-01 0:00 UTC),
        datetime!(2026-08-01 0:00 UTC),
        ["SymmetricKeyEncryption", "Unknown"],
    )
    .unwrap();
    assert_eq!(from_api.certificate_id(), c.certificate_id());
    assert_eq!(from_api.valid_from(), datetime!(2025-08-01 0:00 UTC));
    assert!(from_api.has_usage(&KeyUsage::SymmetricKeyEncryption));
    assert!(from_api.has_usage(&KeyUsage::Other("Unknown".into())));
    assert!(!from_api.has_usage(&KeyUsage::KsefTokenEncryption));
    let wrapped = c.wrap_symmetric_key(&SymmetricKey::generate()).unwrap();
    assert_eq!(B64.decode(wrapped.encrypted_key_b64).unwrap().len(), 256);
}

#[test]
fn selection_by_usage_and_validity() {
    let sym = KeyUsage::SymmetricKeyEncryption;
    let tok = KeyUsage::KsefTokenEncryption;
    let now = datetime!(2026-03-01 12:00 UTC);
    let old = cert(
        &[sym.clone(), tok.clone()],
        datetime!(2025-01-01 0:00 UTC),
        datetime!(2027-01-01 0:00 UTC),
    );
    // Re-certification of the same key: newer validFrom, same modulus.
    let renewed = cert(
        std::slice::from_ref(&sym),
        datetime!(2026-02-01 0:00 UTC),
        datetime!(2028-01-01 0:00 UTC),
    );
    let future = cert(
        &[sym.clone(), tok.clone()],
        datetime!(2026-06-01 0:00 UTC),
        datetime!(2029-01-01 0:00 UTC),
    );
    let expired = cert(
        std::slice::from_ref(&tok),
        datetime!(2024-01-01 0:00 UTC),
        datetime!(2026-03-01 12:00 UTC),
    );
    let all = vec![
        old.clone(),
        renewed.clone(),
        future.clone(),
        expired.clone(),
    ];

    // The latest validFrom among the valid ones wins; the future-dated one is ignored.
    let picked = select_certificate(&all, &sym, now).unwrap();
    assert_eq!(picked.valid_from(), renewed.valid_from());
    assert_eq!(picked.public_key_id(), old.public_key_id());
    // validTo is exclusive: `expired` ends exactly now.
    let picked = select_certificate(&all, &tok, now).unwrap();
    assert_eq!(picked.valid_from(), old.valid_from());
    // Once the future one starts, it takes over.
    let later = datetime!(2026-06-01 0:00 UTC);
    assert_eq!(
        select_certificate(&all, &sym, later).unwrap().valid_from(),
        future.valid_from()
    );
    // Nothing valid → typed error with the number of candidates.
    let err = select_certificate(&all, &tok, datetime!(2030-01-01 0:00 UTC)).unwrap_err();
    assert!(matches!(
        err,
        PublicKeyError::NoUsableCertificate { candidates: 3, .. }
    ));
    let err = select_certificate(&all, &KeyUsage::Other("X".into()), now).unwrap_err();
    assert!(matches!(
        err,
        PublicKeyError::NoUsableCertificate { candidates: 0, .. }
    ));
    // After a refreshed list (e.g. on error 21470) the new key is used.
    let refreshed = vec![future.clone()];
    assert_eq!(
        select_certificate(&refreshed, &sym, later)
            .unwrap()
            .certificate_id(),
        future.certificate_id()
    );
}
