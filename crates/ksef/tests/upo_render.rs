//! Every official UPO example (invoice and session UPOs, v4-3) renders as a PDF through
//! `Upo::to_view` (feature `render`); poppler's `pdftotext` finds the session reference, the
//! context and every document's KSeF number, invoice number and hash. Fails — never skips —
//! without poppler-utils (`cargo xtask test` installs it).
#![cfg(feature = "render")]

use std::process::Command;

use ksef::upo::parse_upo;

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upo.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect()
}

#[test]
fn official_upo_examples_render_as_pdf_and_html() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ksef-docs/faktury/upo/przyklady/v4-3");
    let mut seen = 0;
    for sub in std::fs::read_dir(&dir).expect("the UPO examples of ../shared/ksef-docs") {
        for file in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let upo = parse_upo(&std::fs::read(&path).unwrap()).unwrap();
            let view = upo.to_view();
            let text = pdf_text(&view.to_pdf().unwrap());
            let html = view.to_html().unwrap();
            let name = path.display();
            let session = path.to_string_lossy().contains("sesja");
            let title = if session {
                "(UPOsesji)"
            } else {
                "(UPOfaktury)"
            };
            assert!(text.contains(title), "{name}");
            assert!(text.contains(&upo.session_reference_number), "{name}");
            for d in &upo.documents {
                for value in [
                    &d.ksef_number,
                    &d.invoice_number,
                    &d.invoice_hash,
                    &d.seller_nip,
                ] {
                    assert!(text.contains(value.as_str()), "{name}: {value}");
                    assert!(html.contains(value.as_str()), "{name}: {value}");
                }
            }
            seen += 1;
        }
    }
    assert!(seen >= 6);
}
