//! `ksef auth`, `send`, `batch`, `status`, `upo` and the configuration, against the emulator.

mod support;

use std::path::Path;

use support::{TestEnv, assert_success, invoice};

fn write_invoices(env: &TestEnv, dir: &Path, prefix: &str, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 1..=n {
        std::fs::write(
            dir.join(format!("{prefix}-{i:03}.xml")),
            invoice(&env.nip, &format!("{prefix}/{i:03}")),
        )
        .unwrap();
    }
}

#[test]
fn auth_login_reports_the_session_and_prints_the_token_only_when_asked() {
    let env = TestEnv::start();
    let report = env.json(&["auth", "login"]);
    assert_eq!(report["method"], "test-certificate");
    assert_eq!(report["context"], format!("nip:{}", env.nip));
    assert!(report["authentication"].as_str().unwrap().len() > 10);
    assert!(report.get("accessToken").is_none(), "{report}");
    let report = env.json(&["auth", "login", "--print-token"]);
    assert!(report["accessToken"].as_str().unwrap().len() > 20);
    let sessions = env.json(&["auth", "sessions"]);
    assert!(!sessions["sessions"].as_array().unwrap().is_empty());
}

#[test]
fn missing_credentials_and_context_are_configuration_errors() {
    let env = TestEnv::start();
    let output = env
        .bare()
        .args(["--nip", &env.nip, "auth"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no credentials") && stderr.contains("KSEF_TOKEN"),
        "{stderr}"
    );

    let output = env
        .bare()
        .args(["--test-cert", &format!("pesel:{}", env.pesel), "auth"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no context"));

    let output = env
        .ksef()
        .args(["--test-cert", "pesel:123", "auth"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    // A certificate for someone without rights in the context: KSeF refuses (exit 4).
    let output = env
        .ksef()
        .args(["--nip", "5265877635", "--output", "json", "auth"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["error"]["exitCode"], 4);
}

#[test]
fn profiles_supply_the_connection_and_flags_override_them() {
    let env = TestEnv::start();
    let config = env.home.path().join(".config/ksef/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        format!(
            "default_profile = \"local\"\n\n[profiles.local]\nbase_url = \"{}\"\nnip = \"{}\"\ntest_cert = \"pesel:{}\"\n\n[profiles.broken]\nbase_url = \"http://127.0.0.1:9/v2\"\n",
            env.base_url, env.nip, env.pesel
        ),
    )
    .unwrap();
    let mut cmd = env.bare();
    cmd.env_remove("KSEF_BASE_URL")
        .args(["--output", "json", "auth"]);
    let output = cmd.output().unwrap();
    assert_success(&output, &["auth (default profile)"]);

    let output = env
        .bare()
        .env_remove("KSEF_BASE_URL")
        .args(["--profile", "nope", "auth"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no profile \"nope\"") && stderr.contains("local"),
        "{stderr}"
    );

    // The broken profile's server is unreachable: exit 6 with the address in the message.
    let output = env
        .bare()
        .env_remove("KSEF_BASE_URL")
        .args([
            "--profile",
            "broken",
            "--nip",
            &env.nip,
            "--test-cert",
            &format!("pesel:{}", env.pesel),
            "auth",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&output.stderr).contains("127.0.0.1:9"));

    std::fs::write(&config, "profiles = 3").unwrap();
    let output = env.bare().arg("auth").output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("config.toml is not valid"));
}

#[test]
fn send_waits_for_ksef_numbers_saves_upos_and_is_safe_to_repeat() {
    let env = TestEnv::start();
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    write_invoices(&env, &inputs, "S", 3);
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let pattern = format!("{}/S-*.xml", inputs.display());
    let report = env.json(&["send", &pattern, "--out", out_s]);
    let invoices = report["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 3);
    for i in invoices {
        assert_eq!(i["status"], "accepted", "{i}");
        let upo = std::fs::read_to_string(i["upo"].as_str().unwrap()).unwrap();
        assert!(upo.contains(i["ksefNumber"].as_str().unwrap()));
    }
    assert_eq!(report["sessionUpo"].as_array().unwrap().len(), 1);
    let session = report["session"].as_str().unwrap().to_owned();

    // Repeating the run: KSeF knows the invoices; the same KSeF numbers come back.
    let again = env.json(&["send", inputs.to_str().unwrap(), "--out", out_s]);
    for (a, b) in invoices.iter().zip(again["invoices"].as_array().unwrap()) {
        assert_eq!(b["status"], "duplicate", "{b}");
        assert_eq!(a["ksefNumber"], b["ksefNumber"]);
    }

    // status and upo for what was sent.
    let status = env.json(&["status", &session]);
    assert_eq!(status["invoices"].as_array().unwrap().len(), 3);
    let listed = env.json(&["status", "--kind", "online"]);
    assert!(listed.to_string().contains(&session));
    let first = &invoices[0];
    let upo_dir = dir.path().join("upo2");
    let upo = env.json(&[
        "upo",
        &session,
        "--ksef-number",
        first["ksefNumber"].as_str().unwrap(),
        "--out",
        upo_dir.to_str().unwrap(),
    ]);
    assert_eq!(upo["files"].as_array().unwrap().len(), 1);
    // The emulator signs its UPOs like the Ministry: the signature verifies and names the signer.
    let signature = &upo["signatures"][0];
    assert_eq!(signature["status"], "signed", "{upo}");
    assert!(!signature["signer"].as_str().unwrap().is_empty(), "{upo}");
    assert_eq!(signature["certificateSha256"].as_str().unwrap().len(), 64);
    let invoice_upo = upo["files"][0].as_str().unwrap().to_owned();
    let upo = env.json(&["upo", &session, "--out", upo_dir.to_str().unwrap()]);
    assert_eq!(upo["files"].as_array().unwrap().len(), 1);
    assert_eq!(upo["signatures"][0]["status"], "signed", "{upo}");

    // A saved UPO is checked offline; changed after signing, it fails with exit code 8.
    let checked = env.json(&["upo", "--file", &invoice_upo]);
    assert_eq!(checked["signatures"][0]["status"], "signed", "{checked}");
    let xml = std::fs::read_to_string(&invoice_upo).unwrap();
    let number = first["ksefNumber"].as_str().unwrap();
    assert!(xml.contains(number), "{xml}");
    let tampered = dir.path().join("tampered.xml");
    std::fs::write(&tampered, xml.replacen(number, &format!("{number}0"), 1)).unwrap();
    let output = env
        .bare()
        .args(["upo", "--file"])
        .arg(&tampered)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(8), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not verify"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("DOES NOT VERIFY"));
    let one = env.json(&[
        "status",
        &session,
        first["referenceNumber"].as_str().unwrap(),
    ]);
    assert_eq!(one["invoice"]["status"]["code"], 200);
}

#[test]
fn upo_file_reports_the_official_examples_as_unsigned() {
    let env = TestEnv::start();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ksef-docs/faktury/upo/przyklady/v4-3");
    let mut files = Vec::new();
    for sub in std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the UPO examples are needed at ../shared/ksef-docs ({e})"))
    {
        for file in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            files.push(file.unwrap().path().display().to_string());
        }
    }
    assert!(files.len() >= 6, "expected the six v4-3 examples");
    let mut args = vec!["upo"];
    for f in &files {
        args.extend(["--file", f.as_str()]);
    }
    let report = env.json(&args);
    let signatures = report["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), files.len());
    for s in signatures {
        assert_eq!(s["status"], "unsigned", "{s}");
    }
    let output = env.bare().args(&args).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("unsigned"));

    // A missing file or one that is not a UPO is a bad input (exit code 3).
    let scratch = tempfile::tempdir().unwrap();
    let not_upo = scratch.path().join("not-upo.xml");
    std::fs::write(&not_upo, "<Faktura/>").unwrap();
    for (file, says) in [
        (scratch.path().join("missing.xml"), "cannot read"),
        (not_upo, "not a UPO"),
    ] {
        let output = env
            .bare()
            .args(["upo", "--file"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3), "{output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(says),
            "{output:?}"
        );
    }
}

#[test]
fn send_refuses_bad_files_before_opening_a_session() {
    let env = TestEnv::start();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.xml");
    std::fs::write(&good, invoice(&env.nip, "G/1")).unwrap();
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "\u{feff}<Faktura/>").unwrap();
    let output = env
        .ksef()
        .args(["send"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.xml") && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    let output = env
        .ksef()
        .args(["send", "no-such-file.xml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let output = env.ksef().args(["send"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "FILE is required");
}

#[test]
fn send_reports_rejected_invoices_with_exit_code_5() {
    let env = TestEnv::start();
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign.xml");
    // Another seller's invoice: not ours to send in this context.
    std::fs::write(&foreign, invoice("5265877635", "F/1")).unwrap();
    let output = env
        .ksef()
        .args(["--output", "json", "send", "--no-upo"])
        .arg(&foreign)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["invoices"][0]["status"], "failed");
    assert_eq!(doc["error"]["exitCode"], 5);
}

#[test]
fn batch_sends_a_directory_and_refuses_to_start_over_an_unfinished_one() {
    let env = TestEnv::start();
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    write_invoices(&env, &inputs, "B", 12);
    let out = dir.path().join("out");
    let report = env.json(&[
        "batch",
        inputs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(report["accepted"], 12, "{report}");
    assert_eq!(report["rejected"], 0);
    assert!(
        report["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["ksefNumber"].is_string())
    );
    assert_eq!(report["sessionUpo"].as_array().unwrap().len(), 1);
    assert!(
        !out.join("batch-state.json").exists(),
        "state removed after success"
    );

    // An unfinished batch blocks a new one until resumed.
    std::fs::write(out.join("batch-state.json"), "{}").unwrap();
    let output = env
        .ksef()
        .args([
            "batch",
            inputs.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--resume"));
    let output = env
        .ksef()
        .args(["batch", "--resume"])
        .arg(out.join("batch-state.json"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "a broken state file is a clear error"
    );
    let output = env.ksef().args(["batch"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn batch_resume_finishes_a_session_interrupted_before_upload() {
    use ksef::batch::{InvoiceSource, PackageBuilder};

    let env = TestEnv::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("out/batch-state.json");
    let spool = dir.path().join("out/spool");
    std::fs::create_dir_all(&spool).unwrap();
    // A process that opened the session and saved its state, then died before uploading.
    env.rt.block_on(async {
        let session = env.login().await;
        let key = ksef::crypto::symmetric::SymmetricKey::generate();
        let builder = PackageBuilder::new()
            .extend((1..=5).map(|i| {
                InvoiceSource::from_bytes(
                    format!("R-{i}.xml"),
                    invoice(&env.nip, &format!("R/{i}")).into_bytes(),
                )
            }))
            .work_dir(&spool);
        let package = session.prepare_batch(builder, &key).await.unwrap();
        let mut batch = session
            .open_batch(ksef::InvoiceForm::Fa3, package, key, false)
            .await
            .unwrap();
        batch.save_state_to(state.clone()).unwrap();
    });
    let report = env.json(&[
        "batch",
        "--resume",
        state.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(report["accepted"], 5, "{report}");
    assert!(!state.exists());
}

#[test]
fn send_spreads_files_over_sessions_within_the_contexts_limit() {
    let env = TestEnv::start();
    env.json(&["limits", "set-session", "--online-max-invoices", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    write_invoices(&env, &inputs, "L", 5);
    let out = dir.path().join("out");
    let report = env.json(&[
        "send",
        inputs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(report["sessions"].as_array().unwrap().len(), 3, "{report}");
    let invoices = report["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 5);
    assert!(
        invoices.iter().all(|i| i["status"] == "accepted"),
        "{report}"
    );
    assert_eq!(report["sessionUpo"].as_array().unwrap().len(), 3);
}
