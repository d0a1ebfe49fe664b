//! Every official FA(3) sample parses, writes back canonically equal (exclusive C14N, indentation
//! aside), passes our schema validation, and the written XML passes xmllint against the XSD.

mod common;

use ksef_invoice::Invoice;

#[test]
fn official_samples_round_trip_canonically() {
    for (name, xml) in common::samples() {
        let invoice = Invoice::from_xml(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = invoice.to_xml();
        assert_eq!(
            common::canonical(&xml),
            common::canonical(&written),
            "{name} does not round-trip"
        );
        let again = Invoice::from_xml(&written).unwrap_or_else(|e| panic!("{name} rewritten: {e}"));
        assert_eq!(
            again, invoice,
            "{name}: reading the written XML gives another invoice"
        );
    }
}

#[test]
fn official_samples_pass_schema_validation() {
    for (name, xml) in common::samples() {
        let invoice = Invoice::from_xml(&xml).unwrap();
        let errors = invoice.schema_errors();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn written_samples_pass_xmllint() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, xml) in common::samples() {
        let path = dir.path().join(&name);
        std::fs::write(&path, Invoice::from_xml(&xml).unwrap().to_xml()).unwrap();
        files.push(path);
    }
    let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    common::xmllint(&refs).unwrap_or_else(|e| panic!("xmllint rejects what we wrote:\n{e}"));
}
