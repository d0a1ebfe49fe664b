//! UPO parsing: every official example (read from the documentation beside the repository)
//! and hostile input; UPO signatures: the official (unsigned) examples, UPOs signed
//! independently by `xmlsec1` (plain enveloped XML-DSig, RSA and ECDSA; required: these tests
//! fail, not skip, when it is missing), UPOs signed with our XAdES signer (cross-checked by
//! `xmlsec1 --verify`) and tampered UPOs.

use std::path::{Path, PathBuf};
use std::process::Command;

use ksef::crypto::credentials::Credentials;
use ksef::crypto::xades::{SignOptions, XadesError, sign_enveloped};
use ksef::upo::{UpoContext, UpoError, UpoSignature, parse_upo};
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

/// The official example UPOs as text.
fn example_texts() -> Vec<(String, String)> {
    examples()
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).expect("UTF-8 example")))
        .collect()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/crypto")
        .join(name)
}

fn credentials(name: &str) -> Credentials {
    let cert = std::fs::read_to_string(fixture(&format!("{name}.crt.pem"))).unwrap();
    let key = std::fs::read_to_string(fixture(&format!("{name}.key.pem"))).unwrap();
    Credentials::from_pem(&cert, &key, None).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("upo-signature");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}-{name}", std::process::id()))
}

fn xmlsec1(args: &[&str]) -> std::process::Output {
    Command::new("xmlsec1")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("`xmlsec1` is required for this test (apt-get install xmlsec1): {e}")
        })
}

/// An enveloped XML-DSig template inserted before the closing root tag of `upo`.
fn with_template(upo: &str, signature_method: &str) -> String {
    let template = format!(
        r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="{signature_method}"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>"#
    );
    let end = upo.rfind("</Potwierdzenie>").expect("UPO root end");
    format!("{}{template}{}", &upo[..end], &upo[end..])
}

/// Signs `upo` with `xmlsec1` and the fixture key/certificate `name`.
fn xmlsec1_sign(upo: &str, name: &str, signature_method: &str, tag: &str) -> String {
    let template = scratch(&format!("{tag}-template.xml"));
    let signed = scratch(&format!("{tag}-signed.xml"));
    std::fs::write(&template, with_template(upo, signature_method)).unwrap();
    let key = format!(
        "{},{}",
        fixture(&format!("{name}.key.pem")).display(),
        fixture(&format!("{name}.crt.pem")).display()
    );
    let out = xmlsec1(&[
        "--sign",
        "--privkey-pem",
        &key,
        "--output",
        &signed.to_string_lossy(),
        &template.to_string_lossy(),
    ]);
    assert!(
        out.status.success(),
        "xmlsec1 --sign failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&signed).unwrap();
    let _ = std::fs::remove_file(&template);
    let _ = std::fs::remove_file(&signed);
    text
}

/// Changes the first invoice hash of a UPO (keeps it well-formed and schema-shaped).
fn tamper(upo: &str) -> String {
    let start = upo.find("<SkrotDokumentu>").expect("a document hash") + "<SkrotDokumentu>".len();
    let mut out = upo.to_owned();
    let replacement = if &upo[start..start + 1] == "A" {
        "B"
    } else {
        "A"
    };
    out.replace_range(start..start + 1, replacement);
    out
}

#[test]
fn official_examples_are_unsigned() {
    for (name, xml) in example_texts() {
        let upo = parse_upo(xml.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(upo.signature, UpoSignature::Unsigned, "{name}");
        assert!(upo.signature.signer().is_none());
    }
}

#[test]
fn upos_signed_by_xmlsec1_verify_and_report_the_signer() {
    let cases = [
        (
            "rsa-person",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        ),
        (
            "ec-seal",
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        ),
    ];
    for (name, xml) in example_texts() {
        for (key, method) in cases {
            let tag = format!("{key}-{name}");
            let signed = xmlsec1_sign(&xml, key, method, &tag);
            let upo = parse_upo(signed.as_bytes()).unwrap_or_else(|e| panic!("{tag}: {e}"));
            let signer = upo
                .signature
                .signer()
                .unwrap_or_else(|| panic!("{tag}: reported unsigned"));
            assert_eq!(signer.certificate, *credentials(key).certificate(), "{tag}");
            assert!(!signer.xades, "{tag}: xmlsec1 made plain XML-DSig");
            assert_eq!(signer.signing_time, None);
            // The parsed content is the same as the unsigned original's.
            let plain = parse_upo(xml.as_bytes()).unwrap();
            assert_eq!(upo.documents, plain.documents, "{tag}");

            let err = parse_upo(tamper(&signed).as_bytes()).unwrap_err();
            assert!(
                matches!(err, UpoError::Signature(XadesError::DigestMismatch(_))),
                "{tag}: {err:?}"
            );
        }
    }
}

#[test]
fn upos_signed_with_our_xades_verify_here_and_in_xmlsec1() {
    let seal = credentials("ec-seal");
    for (name, xml) in example_texts() {
        let signed = sign_enveloped(&xml, &seal, &SignOptions::default()).unwrap();
        let upo = parse_upo(signed.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let signer = upo.signature.signer().expect("signed");
        assert!(signer.xades);
        assert!(signer.signing_time.is_some());
        assert_eq!(signer.certificate, *seal.certificate());

        // xmlsec1 agrees.
        let file = scratch(&format!("ours-{name}"));
        std::fs::write(&file, &signed).unwrap();
        let out = xmlsec1(&[
            "--verify",
            "--trusted-pem",
            &fixture("ec-seal.crt.pem").to_string_lossy(),
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            &file.to_string_lossy(),
        ]);
        let _ = std::fs::remove_file(&file);
        assert!(
            out.status.success(),
            "{name}: xmlsec1 rejects our signed UPO: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let err = parse_upo(tamper(&signed).as_bytes()).unwrap_err();
        assert!(
            matches!(err, UpoError::Signature(XadesError::DigestMismatch(_))),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn a_replaced_signature_value_or_a_misplaced_signature_is_a_typed_error() {
    let (_, xml) = example_texts().into_iter().next().unwrap();
    let signed = sign_enveloped(&xml, &credentials("rsa-person"), &SignOptions::default()).unwrap();
    // Another valid-looking signature value.
    let start =
        signed.find("<ds:SignatureValue>").expect("SignatureValue") + "<ds:SignatureValue>".len();
    let mut forged = signed.clone();
    let replacement = if &signed[start..start + 1] == "A" {
        "B"
    } else {
        "A"
    };
    forged.replace_range(start..start + 1, replacement);
    assert!(matches!(
        parse_upo(forged.as_bytes()),
        Err(UpoError::Signature(XadesError::InvalidSignature(_)))
    ));
    // A signature wrapped into another element does not count as the UPO's signature.
    let sig_start = signed.find("<ds:Signature").unwrap();
    let sig_end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let moved = format!(
        "{}<Uwierzytelnienie2>{}</Uwierzytelnienie2>{}",
        &signed[..sig_start],
        &signed[sig_start..sig_end],
        &signed[sig_end..]
    );
    assert!(matches!(
        parse_upo(moved.as_bytes()),
        Err(UpoError::Signature(XadesError::MalformedSignature(_)))
    ));
}
