//! `ksef qr kod1` (fully offline) and `ksef lighthouse` (no status service on the emulator).

use crate::support::{self, TestEnv, assert_success};
use crate::{code, json_of, stderr};

#[test]
fn lighthouse_has_no_status_service_on_the_emulator() {
    let env = TestEnv::start();
    for action in ["status", "messages"] {
        let output = env.bare().args(["lighthouse", action]).output().unwrap();
        assert_eq!(code(&output), Some(3), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("no known status service"),
            "{}",
            stderr(&output)
        );
    }
    let output = env
        .bare()
        .env_remove("KSEF_BASE_URL")
        .args(["--env", "demo", "--output", "json", "lighthouse", "status"])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(3));
    assert_eq!(json_of(&output)["error"]["exitCode"], 3);
    // A --url that does not answer: unreachable (6).
    let output = env
        .bare()
        .args(["lighthouse", "status", "--url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(6), "{}", stderr(&output));
}

#[test]
fn qr_kod1_writes_png_and_svg_offline() {
    let env = TestEnv::start();
    let dir = tempfile::tempdir().unwrap();
    let invoice = dir.path().join("invoice.xml");
    let xml = support::invoice(&env.nip, "QR/1");
    std::fs::write(&invoice, &xml).unwrap();
    let png = dir.path().join("kod1.png");
    let svg = dir.path().join("kod1.svg");
    // No credentials and an unreachable server: qr never connects.
    let output = env
        .bare()
        .env("KSEF_BASE_URL", "http://127.0.0.1:9/v2")
        .args(["--output", "json", "qr", "kod1", "--file"])
        .arg(&invoice)
        .arg("--png")
        .arg(&png)
        .arg("--svg")
        .arg(&svg)
        .output()
        .unwrap();
    assert_success(&output, &["qr", "kod1"]);
    let report = json_of(&output);
    let hash = ksef::crypto::qr::invoice_hash_b64url(xml.as_bytes());
    let url = report["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://qr-test.ksef.mf.gov.pl/invoice/"),
        "{url}"
    );
    assert!(url.contains(&format!("/invoice/{}/", env.nip)), "{url}");
    assert!(url.ends_with(&hash), "{url}");
    assert_eq!(report["label"], "OFFLINE");
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.contains("<svg") && svg_text.contains("OFFLINE"));

    // An explicit date, a KSeF number as the label, the production host; text output.
    let nip = ksef::crypto::identifiers::Nip::parse(&env.nip).unwrap();
    let date = time::Date::from_calendar_date(2026, time::Month::February, 3).unwrap();
    let number = ksef::crypto::identifiers::KsefNumber::compose(&nip, date, [1, 2, 3, 4, 5, 6])
        .unwrap()
        .as_str()
        .to_owned();
    let output = env
        .bare()
        .args([
            "--env",
            "prod",
            "qr",
            "kod1",
            "--nip",
            &env.nip,
            "--date",
            "2026-02-03",
        ])
        .args(["--ksef-number", &number, "--file"])
        .arg(&invoice)
        .env_remove("KSEF_BASE_URL")
        .output()
        .unwrap();
    assert_success(&output, &["qr", "kod1", "--env prod"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&format!(
            "https://qr.ksef.mf.gov.pl/invoice/{}/03-02-2026/{hash}",
            env.nip
        )),
        "{text}"
    );
    assert!(text.contains(&number), "{text}");

    let output = env
        .bare()
        .args(["qr", "kod1", "--ksef-number", "nonsense", "--file"])
        .arg(&invoice)
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(3));
    assert!(stderr(&output).contains("--ksef-number"));
    let output = env
        .bare()
        .args(["qr", "kod1", "--file", "/nonexistent/invoice.xml"])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(3));
    let output = env.bare().args(["qr", "kod1"]).output().unwrap();
    assert_eq!(code(&output), Some(2), "--file or --hash is required");
}

/// A one-thread HTTP server answering the status service's two resources, `count` times.
fn fake_lighthouse(count: usize) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            let body = if request_line.contains("/status") {
                r#"{"status":"MAINTENANCE","messages":[]}"#
            } else {
                r#"[{"title":"Prace serwisowe","text":"Przerwa techniczna","start":"2026-11-21T20:00:00Z","end":"2026-11-21T22:00:00Z"}]"#
            };
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
        }
    });
    url
}

#[test]
fn lighthouse_reads_a_status_service_given_by_url() {
    let env = TestEnv::start();
    let url = fake_lighthouse(2);
    let output = env
        .bare()
        .args(["--output", "json", "lighthouse", "status", "--url", &url])
        .output()
        .unwrap();
    assert_success(&output, &["lighthouse", "status"]);
    assert_eq!(json_of(&output)["status"], "MAINTENANCE");
    let output = env
        .bare()
        .args(["lighthouse", "messages", "--url", &url])
        .output()
        .unwrap();
    assert_success(&output, &["lighthouse", "messages"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(
            "2026-11-21T20:00:00Z – 2026-11-21T22:00:00Z: Prace serwisowe — Przerwa techniczna"
        ),
        "{text}"
    );
}
