//! `ksef invoice validate|new|show` on the Ministry's samples (offline).

use std::path::PathBuf;
use std::process::Command;

fn ksef() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ksef"))
}

fn sample(n: u32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../../../shared/fa3-samples/FA3_example_{n:02}.xml"
    ))
}

#[test]
fn validate_accepts_the_samples_and_names_every_problem() {
    let out = ksef()
        .args(["invoice", "validate"])
        .arg(sample(1))
        .arg(sample(4))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xml");
    let text = std::fs::read_to_string(sample(1))
        .unwrap()
        .replace("<NIP>9999999999", "<NIP>9999999990")
        .replace("<P_12>5</P_12>", "<P_12>6</P_12>");
    std::fs::write(&bad, text).unwrap();
    let out = ksef()
        .args(["--output", "json", "invoice", "validate"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "invalid invoices exit with 5");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = report["files"][0]["errors"].as_array().unwrap();
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .starts_with("/Faktura/Fa/FaWiersz[3]/P_12"),
        "{errors:?}"
    );
}

#[test]
fn new_fills_a_template_and_show_summarises_it() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("t.xml");
    let text = std::fs::read_to_string(sample(1))
        .unwrap()
        .replace("<P_2>FV2026/02/150</P_2>", "<P_2>#invoice_number#</P_2>");
    std::fs::write(&template, text).unwrap();
    let out_file = dir.path().join("out.xml");
    let out = ksef()
        .args(["invoice", "new", "--template"])
        .arg(&template)
        .args(["--set", "invoice_number=FV/9 & 10", "--out"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(&out_file)
            .unwrap()
            .contains("<P_2>FV/9 &amp; 10</P_2>")
    );
    let out = ksef()
        .args(["invoice", "new", "--template"])
        .arg(&template)
        .args(["--set", "nip=1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("#nip#"));
    let out = ksef()
        .args(["--output", "json", "invoice", "show"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["invoice"]["number"], "FV/9 & 10");
    assert_eq!(report["invoice"]["totals"][0]["field"], "P_13_1");
    assert_eq!(report["invoice"]["total"], "2051");
}

#[test]
fn send_and_batch_refuse_schema_invalid_fa3_before_opening_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xml");
    let text = std::fs::read_to_string(sample(1))
        .unwrap()
        .replace("<P_12>5</P_12>", "<P_12>6</P_12>");
    std::fs::write(&bad, text).unwrap();
    // Nothing listens on port 9 (discard): reaching the network would fail differently.
    for command in ["send", "batch"] {
        let out = ksef()
            .args(["--base-url", "http://127.0.0.1:9/v2", command])
            .arg(&bad)
            .args(["--out"])
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{command}: {stderr}");
        assert!(
            stderr.contains("bad.xml: /Faktura/Fa/FaWiersz[3]/P_12"),
            "{command}: {stderr}"
        );
        let out = ksef()
            .args([
                "--base-url",
                "http://127.0.0.1:9/v2",
                command,
                "--no-validate",
            ])
            .arg(&bad)
            .args(["--out"])
            .arg(dir.path().join("out2"))
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("FA(3) schema"),
            "{command} --no-validate still validates"
        );
    }
}

#[test]
fn render_writes_pdf_and_html_and_upo_render_too() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, html) = (dir.path().join("out/fv.pdf"), dir.path().join("fv.html"));
    let number = "5265877635-20250826-0100001AF629-AF";
    let out = ksef()
        .args(["--output", "json", "invoice", "render"])
        .arg(sample(1))
        .args(["--ksef-number", number, "--pdf"])
        .arg(&pdf)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("SPRZEDAWCA") && page.contains(number));
    // Only the finished files: no temporary file left beside them.
    assert_eq!(
        std::fs::read_dir(dir.path().join("out")).unwrap().count(),
        1
    );

    let bad = ksef()
        .args(["invoice", "render"])
        .arg(sample(1))
        .args(["--ksef-number", "nonsense", "--pdf"])
        .arg(dir.path().join("bad.pdf"))
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(3),
        "a bad KSeF number is a configuration error"
    );
    assert!(!dir.path().join("bad.pdf").exists());

    let upo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/ksef-docs/faktury/upo/przyklady/v4-3/kontekst-nip/upo-sesja-kontekst-id-nip.xml",
    );
    let upo_pdf = dir.path().join("upo.pdf");
    let out = ksef()
        .args(["upo", "render"])
        .arg(&upo)
        .arg("--pdf")
        .arg(&upo_pdf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&upo_pdf).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn render_offline_signs_kod2_with_the_given_certificate() {
    // An RSA key and certificate made by OpenSSL (required by the test suite).
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args(["-subj", "/CN=Offline/C=PL", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is needed")
        .status;
    assert!(status.success());
    let pdf = dir.path().join("offline.pdf");
    let out = ksef()
        .args([
            "--output",
            "json",
            "--nip",
            "9999999999",
            "invoice",
            "render",
        ])
        .arg(sample(1))
        .arg("--offline")
        .arg("--cert")
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .arg("--pdf")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let link = report["kod2"].as_str().unwrap();
    assert!(
        link.starts_with("https://qr-test.ksef.mf.gov.pl/certificate/Nip/9999999999/9999999999/"),
        "{link}"
    );
    let cert_der =
        ksef::crypto::credentials::Certificate::from_pem(&std::fs::read_to_string(&cert).unwrap())
            .unwrap();
    ksef::crypto::qr::Kod2Link::parse(link)
        .unwrap()
        .verify(cert_der.der())
        .unwrap();
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
}

/// Issue 14: a file that cannot be written is an I/O failure (exit code 1), never a
/// configuration error (3).
#[test]
fn an_output_that_cannot_be_written_exits_with_the_io_code() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the output's directory should be.
    let blocker = dir.path().join("plain-file");
    std::fs::write(&blocker, b"x").unwrap();
    let out = ksef()
        .args(["--output", "json", "invoice", "new", "--template"])
        .arg(sample(1))
        .arg("--out")
        .arg(blocker.join("out.xml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("plain-file"), "{stderr}");
}
