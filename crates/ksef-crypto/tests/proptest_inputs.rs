//! Fuzz-style properties: parsers and decryption never panic on arbitrary input.

use std::io::{Read, Write};

use ksef_crypto::identifiers::{InternalId, KsefNumber, Nip, Pesel};
use ksef_crypto::qr::Kod2Link;
use ksef_crypto::symmetric::SymmetricKey;
use proptest::prelude::*;

fn key() -> SymmetricKey {
    SymmetricKey::from_parts([0x42; 32], [0x24; 16])
}

/// Strings shaped roughly like the identifiers, so that parsing gets past the length checks.
fn id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9A-Fa-f\\-]{30,37}",
        "[0-9]{8,12}",
        "[0-9]{10}-[0-9]{4,6}",
        "[0-9]{10}-20[0-9]{6}-[0-9A-F]{12}-[0-9A-F]{2}",
        "[0-9]{10}-20[0-9]{6}-[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{2}",
        any::<String>(),
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn identifier_parsers_never_panic(s in id_like()) {
        let _ = KsefNumber::parse(&s);
        let _ = Nip::parse(&s);
        let _ = Pesel::parse(&s);
        let _ = InternalId::parse(&s);
        if let Ok(n) = KsefNumber::parse(&s) {
            // Accepted numbers round-trip through their canonical form.
            let again = KsefNumber::parse(n.canonical()).unwrap();
            prop_assert_eq!(again.canonical(), n.canonical());
            prop_assert_eq!(n.canonical().len(), 35);
        }
    }

    #[test]
    fn kod2_parser_never_panics(s in "\\PC{0,300}", tail in "(/[A-Za-z0-9_\\-]{0,50}){0,9}") {
        let _ = Kod2Link::parse(&s);
        let _ = Kod2Link::parse(&format!("https://qr-test.ksef.mf.gov.pl/certificate{tail}"));
    }

    #[test]
    fn decrypt_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), piece in 1usize..40) {
        let k = key();
        let _ = k.decrypt(&data);
        let mut w = k.decrypting_writer(Vec::new());
        for p in data.chunks(piece) {
            w.write_all(p).unwrap();
        }
        let _ = w.finish();
        let mut r = k.decrypting_reader(&data[..]);
        let mut out = Vec::new();
        let _ = r.read_to_end(&mut out);
    }

    #[test]
    fn encrypt_decrypt_roundtrip(data in proptest::collection::vec(any::<u8>(), 0..300), piece in 1usize..64) {
        let k = key();
        let ct = k.encrypt(&data);
        prop_assert_eq!(ct.len() % 16, 0);
        prop_assert_eq!(k.decrypt(&ct).unwrap(), data.clone());
        let mut w = k.encrypting_writer(Vec::new());
        for p in data.chunks(piece) {
            w.write_all(p).unwrap();
        }
        let (streamed, digests) = w.finish().unwrap();
        prop_assert_eq!(&streamed, &ct);
        prop_assert_eq!(digests.cipher.size, ct.len() as u64);
        prop_assert_eq!(digests.plain.size, data.len() as u64);
    }
}
