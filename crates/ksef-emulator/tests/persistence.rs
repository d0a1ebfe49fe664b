//! Directory-backed state: data created before a shutdown is there after a restart, including
//! export packages that can still be downloaded.
mod support;

use ksef_crypto::xades::ContextIdentifier;
use ksef_emulator::EmulatorConfig;
use serde_json::{Value, json};
use support::Harness;
use support::seed::{self, rfc3339};
use time::OffsetDateTime;

fn config(dir: &std::path::Path) -> EmulatorConfig {
    EmulatorConfig {
        rate_limits: ksef_emulator::RateLimitMode::Off,
        auth_processing_ms: 0,
        export_part_size: 2048,
        persist_interval_ms: 50,
        data_dir: Some(dir.to_path_buf()),
        ..EmulatorConfig::default()
    }
}

fn temp_dir() -> std::path::PathBuf {
    let n: u64 = rand::random();
    let dir = std::env::temp_dir().join(format!("ksef-emulator-persist-{n:016x}"));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = temp_dir();
    let (me, partner) = (support::nip(), support::nip());
    let h = Harness::start(config(&dir)).await;
    let numbers = seed::insert(&h.emulator, seed::series(&me, &partner, 5, 800));
    let token = h
        .login_person_nip(&me, ContextIdentifier::Nip(me.clone()))
        .await;
    let (key, encryption) = seed::export_key(&h).await;
    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let filters = json!({"subjectType": "Subject1", "dateRange": {"dateType": "PermanentStorage", "from": rfc3339(from)}});
    let r = h
        .call(
            "POST",
            "/invoices/exports",
            Some(&token),
            json!({"encryption": encryption, "filters": filters}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let export = r.body["referenceNumber"].as_str().unwrap().to_owned();
    let mut done = Value::Null;
    for _ in 0..200 {
        let s = h
            .call(
                "GET",
                &format!("/invoices/exports/{export}"),
                Some(&token),
                Value::Null,
            )
            .await;
        if s.body["status"]["code"] == 200 {
            done = s.body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(done["status"]["code"], 200);
    // The periodic save writes the state without a shutdown.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(dir.join("state.json").exists());
    h.emulator.shutdown().await;

    let h = Harness::start(config(&dir)).await;
    {
        let store = h.emulator.state().store();
        for n in &numbers {
            assert!(store.invoices.contains_key(n), "{n} survives");
        }
        assert!(store.exports.contains_key(&export));
    }
    let token = h
        .login_person_nip(&me, ContextIdentifier::Nip(me.clone()))
        .await;
    let r = h
        .call(
            "GET",
            &format!("/invoices/ksef/{}", numbers[0]),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 200);
    let s = h
        .call(
            "GET",
            &format!("/invoices/exports/{export}"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(s.body["status"]["code"], 200);
    assert_eq!(
        s.body["package"]["parts"],
        done["package"]["parts"]
            .clone()
            .as_array()
            .map(|parts| {
                // URLs are signed anew; everything else is the same.
                parts
                    .iter()
                    .zip(s.body["package"]["parts"].as_array().unwrap())
                    .map(|(before, after)| {
                        let mut b = before.clone();
                        b["url"] = after["url"].clone();
                        b["expirationDate"] = after["expirationDate"].clone();
                        b
                    })
                    .collect::<Vec<_>>()
            })
            .map(Value::from)
            .unwrap()
    );
    let mut joined = Vec::new();
    for part in s.body["package"]["parts"].as_array().unwrap() {
        let resp = h
            .http
            .get(part["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        joined.extend(key.decrypt(&resp.bytes().await.unwrap()).unwrap());
    }
    let archive = zip::ZipArchive::new(std::io::Cursor::new(joined)).expect("a ZIP");
    assert_eq!(archive.len(), numbers.len() + 1);
    h.emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_export_interrupted_by_a_restart_is_cancelled() {
    let dir = temp_dir();
    let me = support::nip();
    let h = Harness::start(EmulatorConfig {
        export_processing_ms: 60_000,
        ..config(&dir)
    })
    .await;
    let token = h
        .login_person_nip(&me, ContextIdentifier::Nip(me.clone()))
        .await;
    let (_, encryption) = seed::export_key(&h).await;
    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let filters = json!({"subjectType": "Subject1", "dateRange": {"dateType": "PermanentStorage", "from": rfc3339(from)}});
    let r = h
        .call(
            "POST",
            "/invoices/exports",
            Some(&token),
            json!({"encryption": encryption, "filters": filters}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let export = r.body["referenceNumber"].as_str().unwrap().to_owned();
    h.emulator.shutdown().await;

    let h = Harness::start(config(&dir)).await;
    let token = h
        .login_person_nip(&me, ContextIdentifier::Nip(me.clone()))
        .await;
    let s = h
        .checked(
            "get_invoices_exports_by_reference_number",
            "GET",
            &format!("/invoices/exports/{export}"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(s.body["status"]["code"], 550, "{:#}", s.body);
    h.emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_state_is_private_whole_and_secrets_stay_out_of_debug() {
    let dir = temp_dir();
    let h = Harness::start(EmulatorConfig {
        persist_interval_ms: 10,
        ..config(&dir)
    })
    .await;
    let me = support::nip();
    let token = h
        .login_person_nip(&me, ContextIdentifier::Nip(me.clone()))
        .await;
    let created = h
        .call(
            "POST",
            "/tokens",
            Some(&token),
            json!({"permissions": ["InvoiceRead"], "description": "secret keeper"}),
        )
        .await;
    assert_eq!(created.status, 202, "{:#}", created.body);
    let secret = created.body["token"].as_str().expect("token").to_owned();
    // Changes while the background task saves every 10 ms.
    for _ in 0..50 {
        let r = h.call("POST", "/auth/challenge", None, Value::Null).await;
        assert_eq!(r.status, 200);
    }

    // Debug shows neither the token-signing secret nor KSeF token secrets.
    let state = h.emulator.state();
    let debug = format!("{state:?} {:?}", state.store().ksef_tokens);
    assert!(!debug.contains(&secret), "a KSeF token secret in Debug");
    assert!(
        !debug.contains(&format!("{:?}", state.jwt_secret())),
        "the HMAC secret in Debug"
    );
    assert!(debug.contains("[redacted]"));

    h.emulator.shutdown().await;
    let path = dir.join("state.json");
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).expect("state.json"))
        .expect("state.json is whole JSON");
    assert!(saved.is_object());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "state.json mode {:o}", mode & 0o777);
    }
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
