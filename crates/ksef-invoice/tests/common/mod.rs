//! Helpers shared by the integration tests: the official samples, C14N comparison and xmllint.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared material next to the repository (`../shared` of the workspace root).
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Every official FA(3) sample: (file name, bytes).
pub fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = shared().join("fa3-samples");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the official samples are missing ({}): {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "xml"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 10,
        "expected the official samples, found {}",
        out.len()
    );
    out
}

/// Exclusive C14N of a document with whitespace-only text between elements removed (FA(3) has
/// no mixed content, so indentation is the only such text).
pub fn canonical(xml: &[u8]) -> String {
    let text = std::str::from_utf8(xml).expect("UTF-8");
    let doc = roxmltree::Document::parse(text).expect("well-formed");
    let c =
        ksef_crypto::c14n::canonicalize_document(&doc, &ksef_crypto::c14n::C14nMethod::exclusive());
    let mut out = String::with_capacity(c.len());
    let mut rest = c.as_str();
    while let Some(i) = rest.find('>') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        if trimmed.starts_with('<') {
            rest = trimmed;
        }
    }
    out.push_str(rest);
    out
}

/// Runs the shared xmllint validation script on files; `Ok` when all validate, `Err(output)`
/// otherwise. Panics when xmllint is missing: tests never skip.
pub fn xmllint(files: &[&Path]) -> Result<(), String> {
    assert!(
        Command::new("xmllint").arg("--version").output().is_ok(),
        "xmllint is missing: install libxml2-utils (tests never skip)"
    );
    let script = shared().join("tools/validate-invoice.sh");
    let out = Command::new("bash")
        .arg(&script)
        .args(files)
        .output()
        .expect("run validate-invoice.sh");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
