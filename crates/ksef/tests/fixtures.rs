//! Every invoice in `fixtures/invoices` validates against the official XSD (through the shared
//! validation script, which needs xmllint — `cargo xtask test` installs it).

use std::path::Path;
use std::process::Command;

#[test]
fn every_fixture_invoice_validates_against_the_official_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("../shared/tools/validate-invoice.sh");
    assert!(
        script.exists(),
        "the validation script is needed at ../shared/tools/validate-invoice.sh"
    );
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("fixtures/invoices")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let xml = std::fs::read_to_string(&path).unwrap();
        let schema = if xml.contains("kodSystemowy=\"FA_RR (1)\"") {
            "fa_rr"
        } else if xml.contains("kodSystemowy=\"FA (2)\"") {
            "fa2"
        } else {
            "fa3"
        };
        let output = Command::new("bash")
            .arg(&script)
            .args(["--schema", schema])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{} does not validate as {schema}: {}{}",
            path.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} fixture invoices found");
}
