//! `ksef download`, `query`, `export` and `sync` against the emulator: results, files, help,
//! bad flags and failures.

mod support;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use ksef::InvoiceForm;
use serde_json::Value;
use support::TestEnv;

/// Sends invoices with these invoice numbers (seller = the test company) and returns their
/// KSeF numbers, once they are below the emulator's high-water mark.
fn send(env: &TestEnv, numbers: &[&str]) -> Vec<String> {
    let sent = env.rt.block_on(async {
        let session = env.login().await;
        let online = session.open_online(InvoiceForm::Fa3).await.unwrap();
        let invoices: Vec<Vec<u8>> = numbers
            .iter()
            .map(|n| support::invoice(&env.nip, n).into_bytes())
            .collect();
        let results = online.send_all(&invoices, 4, Duration::from_secs(60)).await;
        let sent: Vec<String> = results
            .into_iter()
            .map(|r| r.unwrap().ksef_number.as_str().to_owned())
            .collect();
        online.close().await.unwrap();
        sent
    });
    // The high-water mark trails the clock slightly.
    std::thread::sleep(Duration::from_millis(600));
    sent
}

/// A valid KSeF number (checksum included) that the emulator has never issued.
fn unknown_number(env: &TestEnv) -> String {
    let nip = ksef::crypto::identifiers::Nip::parse(&env.nip).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    ksef::crypto::identifiers::KsefNumber::compose(
        &nip,
        today,
        [0xAB, 0xCD, 0xEF, 0x12, 0x34, 0x56],
    )
    .unwrap()
    .as_str()
    .to_owned()
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn numbers_of(list: &Value, key: &str) -> Vec<String> {
    let mut numbers: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    numbers
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[test]
fn download_query_export_and_sync_deliver_the_sent_invoices() {
    let env = TestEnv::start();
    let sent = send(&env, &["CLIGET/1", "CLIGET/2", "CLIGET/3"]);
    let work = tempfile::tempdir().unwrap();

    // download: two invoices, saved under their KSeF numbers.
    let out = work.path().join("dl");
    let report = env.json(&["download", &sent[0], &sent[1], "--out", path(&out)]);
    assert_eq!(
        numbers_of(&report["files"], "ksefNumber"),
        sorted(sent[..2].to_vec())
    );
    assert_eq!(report["failed"].as_array().unwrap().len(), 0);
    for number in &sent[..2] {
        let xml = std::fs::read_to_string(out.join(format!("{number}.xml"))).unwrap();
        assert!(xml.contains("CLIGET/"), "{xml}");
    }
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        2,
        "no temporary files left"
    );

    // query: all three, filters, a limit, and the text table.
    let report = env.json(&["query", "--from", "1h"]);
    assert_eq!(report["count"], 3);
    assert_eq!(report["more"], false);
    assert_eq!(
        numbers_of(&report["invoices"], "ksefNumber"),
        sorted(sent.clone())
    );
    let report = env.json(&["query", "--from", "1h", "--invoice-number", "CLIGET/2"]);
    assert_eq!(
        numbers_of(&report["invoices"], "ksefNumber"),
        vec![sent[1].clone()]
    );
    let report = env.json(&[
        "query",
        "--subject",
        "seller",
        "--from",
        "1h",
        "--limit",
        "2",
    ]);
    assert_eq!(report["count"], 2);
    assert_eq!(report["more"], true);
    let report = env.json(&["query", "-s", "buyer", "--from", "1h"]);
    assert_eq!(report["count"], 0, "the test company bought nothing");
    let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
        .date()
        .to_string();
    let output = env
        .ksef()
        .args([
            "query",
            "--from",
            "2h",
            "--seller-nip",
            &env.nip,
            "--to",
            &tomorrow,
        ])
        .output()
        .unwrap();
    support::assert_success(&output, &["query"]);
    let text = String::from_utf8_lossy(&output.stdout);
    for number in &sent {
        let line = text
            .lines()
            .find(|l| l.starts_with(number.as_str()))
            .unwrap();
        assert!(
            line.contains("CLIGET/") && line.contains(&env.nip) && line.contains("PLN"),
            "{line}"
        );
    }
    assert!(text.contains("3 invoice(s)"), "{text}");

    // export: unpacked files plus the combined metadata.
    let out = work.path().join("export");
    let report = env.json(&["export", "--from", "1h", "--out", path(&out)]);
    assert_eq!(report["invoiceCount"], 3);
    assert_eq!(report["exports"].as_array().unwrap().len(), 1);
    assert_eq!(report["files"].as_array().unwrap().len(), 3);
    for number in &sent {
        assert!(out.join(format!("{number}.xml")).is_file());
    }
    let metadata: Value =
        serde_json::from_slice(&std::fs::read(out.join("_metadata.json")).unwrap()).unwrap();
    assert_eq!(
        numbers_of(&metadata["invoices"], "ksefNumber"),
        sorted(sent.clone())
    );
    let out = work.path().join("export-meta");
    let report = env.json(&[
        "export",
        "--from",
        "1h",
        "--only-metadata",
        "--out",
        path(&out),
    ]);
    assert_eq!(report["invoiceCount"], 3);
    assert_eq!(report["files"].as_array().unwrap().len(), 0);

    // sync: the first run delivers, the next one has nothing new, a third is not due yet.
    let dir = work.path().join("sync");
    let args = [
        "sync",
        "--dir",
        path(&dir),
        "--since",
        "1h",
        "-s",
        "subject1",
        "--min-interval",
        "0",
        "--pdf",
    ];
    let report = env.json(&args);
    assert_eq!(report["newCount"], 3, "{report}");
    assert_eq!(report["pdfFailures"], serde_json::json!([]), "{report}");
    assert_eq!(report["filesWritten"], 9, "XML, metadata and PDF of each");
    assert_eq!(
        numbers_of(&report["new"], "ksefNumber"),
        sorted(sent.clone())
    );
    for number in &sent {
        assert!(dir.join("Subject1").join(format!("{number}.xml")).is_file());
        let pdf = std::fs::read(dir.join("Subject1").join(format!("{number}.pdf"))).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            dir.join("Subject1")
                .join(format!("{number}.json"))
                .is_file()
        );
    }
    assert!(report["points"]["Subject1"].is_string(), "{report}");
    let again = env.json(&args);
    assert_eq!(again["newCount"], 0);
    let later = send(&env, &["CLIGET/4"]);
    let mut newer = 0;
    for _ in 0..10 {
        newer += env.json(&args)["newCount"].as_u64().unwrap();
        if newer == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(newer, 1);
    assert!(
        dir.join("Subject1")
            .join(format!("{}.xml", later[0]))
            .is_file()
    );
    // With the default 15-minute interval, Subject1 is not due: no login, no export.
    let report = env.json(&["sync", "--dir", path(&dir), "-s", "subject1"]);
    assert_eq!(report["newCount"], 0);
    assert_eq!(report["skipped"][0]["subjectType"], "Subject1");
    let output = env
        .bare()
        .args(["sync", "--dir", path(&dir), "-s", "seller"])
        .output()
        .unwrap();
    support::assert_success(&output, &["sync without credentials, nothing due"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("Subject1: skipped"));
}

#[test]
fn download_saves_what_it_can_and_fails_with_exit_5_on_unknown_numbers() {
    let env = TestEnv::start();
    let sent = send(&env, &["CLIGET/U1"]);
    let unknown = unknown_number(&env);
    let out = tempfile::tempdir().unwrap();
    let output = env
        .ksef()
        .args([
            "--output",
            "json",
            "download",
            &unknown,
            &sent[0],
            "--out",
            path(out.path()),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let report = stdout_json(&output);
    assert_eq!(
        numbers_of(&report["files"], "ksefNumber"),
        vec![sent[0].clone()]
    );
    assert_eq!(
        numbers_of(&report["failed"], "ksefNumber"),
        vec![unknown.clone()]
    );
    assert_eq!(report["failed"][0]["exitCode"], 5);
    assert_eq!(report["error"]["exitCode"], 5);
    assert!(out.path().join(format!("{}.xml", sent[0])).is_file());
    assert!(!out.path().join(format!("{unknown}.xml")).exists());
    let err = stderr(&output);
    assert!(err.contains("1 of 2 invoice(s) not downloaded"), "{err}");

    // Text mode: the list says which one failed.
    let output = env
        .ksef()
        .args(["download", &unknown, "--out", path(out.path())])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&output.stdout).contains(&format!("FAILED  {unknown}")));
    assert!(
        stderr(&output).starts_with("error: "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_works_for_every_command() {
    let env = TestEnv::start();
    let cases: [(&str, &[&str]); 4] = [
        ("download", &["--out", "KSEF_NUMBER"]),
        (
            "query",
            &[
                "--subject",
                "--from",
                "--to",
                "--date-type",
                "--limit",
                "--seller-nip",
            ],
        ),
        (
            "export",
            &["--out", "--only-metadata", "--max-packages", "--from"],
        ),
        (
            "sync",
            &["--dir", "--since", "--subject", "--watch", "--min-interval"],
        ),
    ];
    for (command, flags) in cases {
        let output = env.bare().args([command, "--help"]).output().unwrap();
        assert!(output.status.success(), "{command} --help");
        let help = String::from_utf8_lossy(&output.stdout);
        for flag in flags {
            assert!(
                help.contains(flag),
                "{command} --help lacks {flag}:\n{help}"
            );
        }
    }
}

#[test]
fn bad_flags_exit_2_and_missing_credentials_exit_3() {
    let env = TestEnv::start();
    let usage: &[&[&str]] = &[
        &["download"],
        &["download", "5265877635-20250826-0100001AF629-AE"],
        &[
            "download",
            "--frobnicate",
            "5265877635-20250826-0100001AF629-AF",
        ],
        &["query", "--from", "yesterday"],
        &["query", "--subject", "everyone"],
        &["query", "--seller-nip", "1234567890"],
        &["query", "--currency", "XXQ"],
        &["query", "--from", "2026-03-01", "--to", "2026-02-01"],
        &["query", "--from", "2025-01-01", "--to", "2025-12-31"],
        &["query", "--min-amount", "10", "--max-amount", "5"],
        &["export", "--from", "1h"],
        &["sync"],
        &["sync", "--dir", "x", "--since", "200d"],
        &["sync", "--dir", "x", "--watch", "0"],
    ];
    for args in usage {
        let output = env.ksef().args(*args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "ksef {args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).is_empty());
    }
    let output = env
        .ksef()
        .args(["query", "--from", "2026-03-01", "--to", "2026-02-01"])
        .output()
        .unwrap();
    assert!(
        stderr(&output).contains("is after --to"),
        "{}",
        stderr(&output)
    );

    let out = tempfile::tempdir().unwrap();
    let commands: &[&[&str]] = &[
        &["query"],
        &["download", "5265877635-20250826-0100001AF629-AF"],
        &["export", "--out", path(out.path())],
        &["sync", "--dir", path(out.path())],
    ];
    for args in commands {
        let output = env
            .bare()
            .arg("--output")
            .arg("json")
            .args(*args)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(3),
            "ksef {args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("no credentials"),
            "{}",
            stderr(&output)
        );
        assert_eq!(stdout_json(&output)["error"]["exitCode"], 3);
    }
}

#[cfg(unix)]
#[test]
fn sync_watch_runs_rounds_until_interrupted() {
    let env = TestEnv::start();
    let sent = send(&env, &["CLIGET/W1", "CLIGET/W2"]);
    let dir = tempfile::tempdir().unwrap();
    let child = env
        .ksef()
        .args([
            "--output",
            "json",
            "sync",
            "--dir",
            path(dir.path()),
            "--since",
            "1h",
        ])
        .args([
            "-s",
            "subject1,subject2",
            "--min-interval",
            "0",
            "--watch",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let state = dir.path().join(".ksef-sync.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    let both_done = || {
        std::fs::read_to_string(&state)
            .is_ok_and(|s| s.contains("Subject1") && s.contains("Subject2"))
    };
    while !both_done() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout_json(&output);
    assert_eq!(report["rounds"], 1, "{report}");
    assert_eq!(numbers_of(&report["new"], "ksefNumber"), sorted(sent));
    assert!(report["points"]["Subject2"].is_string(), "{report}");
}

#[test]
fn export_continues_truncated_packages_and_stops_at_max_packages() {
    let env = TestEnv::start_with(ksef_emulator::EmulatorConfig {
        export_max_invoices: 2,
        export_part_size: 700,
        ..Default::default()
    });
    let sent = send(
        &env,
        &[
            "CLIGET/T1",
            "CLIGET/T2",
            "CLIGET/T3",
            "CLIGET/T4",
            "CLIGET/T5",
        ],
    );
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("all");
    let report = env.json(&["export", "--from", "1h", "--out", path(&out)]);
    assert_eq!(report["invoiceCount"], 5, "{report}");
    assert!(report["exports"].as_array().unwrap().len() >= 3, "{report}");
    assert!(
        report["exports"][0]["parts"].as_u64().unwrap() > 1,
        "several parts: {report}"
    );
    assert!(report["continueFrom"].is_null());
    for number in &sent {
        assert!(out.join(format!("{number}.xml")).is_file());
    }

    let out = work.path().join("first");
    let output = env
        .ksef()
        .args([
            "--output",
            "json",
            "export",
            "--from",
            "1h",
            "--max-packages",
            "1",
        ])
        .args(["--out", path(&out)])
        .output()
        .unwrap();
    support::assert_success(&output, &["export --max-packages 1"]);
    let report = stdout_json(&output);
    assert_eq!(report["invoiceCount"], 2);
    assert!(report["continueFrom"].is_string(), "{report}");
    assert!(
        stderr(&output).contains("continue with --from"),
        "{}",
        stderr(&output)
    );
}
