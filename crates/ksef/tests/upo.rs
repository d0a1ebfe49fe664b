//! UPO parsing: every official example (read from the documentation beside the repository)
//! and hostile input.

use ksef::upo::{UpoContext, UpoError, parse_upo};
use proptest::prelude::*;

fn examples() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ksef-docs/faktury/upo/przyklady/v4-3");
    let mut out = Vec::new();
    for sub in std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the UPO examples are needed at ../shared/ksef-docs ({e})"))
    {
        for file in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            out.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            ));
        }
    }
    assert!(out.len() >= 6, "expected the six v4-3 examples");
    out
}

#[test]
fn every_official_example_parses() {
    for (name, xml) in examples() {
        let upo = parse_upo(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!upo.documents.is_empty(), "{name}");
        assert!(upo.namespace.ends_with("v4-3"));
        for d in &upo.documents {
            assert_eq!(d.invoice_hash.len(), 44, "{name}");
            assert!(d.ksef_number_assigned_at >= d.sent_at, "{name}");
        }
        if name.starts_with("upo-sesja") {
            let p = upo
                .pagination
                .unwrap_or_else(|| panic!("{name}: session UPOs carry OpisPotwierdzenia"));
            assert_eq!(p.total_documents as usize, upo.documents.len());
        }
        if name.contains("kontekst-id-nip") {
            assert!(matches!(upo.context, UpoContext::Nip(ref n) if n == "5265877635"));
        }
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(matches!(parse_upo(b"not xml"), Err(UpoError::Xml(_))));
    assert!(matches!(
        parse_upo(b"<Potwierdzenie/>"),
        Err(UpoError::NotUpo(_))
    ));
    let no_auth = br#"<Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3"><NazwaPodmiotuPrzyjmujacego>MF</NazwaPodmiotuPrzyjmujacego></Potwierdzenie>"#;
    assert_eq!(
        parse_upo(no_auth),
        Err(UpoError::Missing("Uwierzytelnienie"))
    );
}

proptest! {
    #[test]
    fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_upo(&bytes);
    }

    #[test]
    fn mutated_examples_never_panic(index in 0usize..6, position in any::<usize>(), byte in any::<u8>()) {
        let all = examples();
        let (_, mut xml) = all[index % all.len()].clone();
        let at = position % xml.len();
        xml[at] = byte;
        let _ = parse_upo(&xml);
    }
}
