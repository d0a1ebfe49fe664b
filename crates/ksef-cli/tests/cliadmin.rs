//! `ksef tokens|permissions|certs|limits|testdata|lighthouse|qr` against the emulator: success
//! paths with JSON output, help texts, bad flags and clear failures.

mod support;

#[path = "cliadmin/certs.rs"]
mod certs;
#[path = "cliadmin/offline.rs"]
mod offline;
#[path = "cliadmin/testenv.rs"]
mod testenv;

use std::process::Output;

use serde_json::Value;
use support::{TestEnv, assert_success};

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            stderr(output)
        )
    })
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn tokens_generate_status_login_and_revoke() {
    let env = TestEnv::start();
    let made = env.json(&[
        "tokens",
        "generate",
        "--permission",
        "invoice-read",
        "--permission",
        "credentials-read,credentials-manage",
        "--description",
        "cli admin test token",
        "--wait",
    ]);
    let reference = made["referenceNumber"].as_str().unwrap().to_owned();
    let token = made["token"].as_str().unwrap().to_owned();
    assert_eq!(made["status"], "Active");

    let status = env.json(&["tokens", "status", &reference]);
    assert_eq!(status["token"]["status"], "Active");
    assert_eq!(status["token"]["description"], "cli admin test token");
    let perms = status["token"]["requestedPermissions"].as_array().unwrap();
    assert_eq!(perms.len(), 3, "{perms:?}");
    assert!(
        !status.to_string().contains(&token),
        "the token is shown only once"
    );

    // Text mode says it is shown once.
    let output = env
        .ksef()
        .args(["tokens", "generate", "--permission", "invoice-read"])
        .args(["--description", "second token"])
        .output()
        .unwrap();
    assert_success(&output, &["tokens", "generate"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("only time KSeF shows this token"), "{text}");

    // Saved to a private file instead of printed.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.token");
    let saved = env.json(&[
        "tokens",
        "generate",
        "--permission",
        "invoice-read",
        "--description",
        "saved token",
        "--save",
        file.to_str().unwrap(),
    ]);
    assert!(saved.get("token").is_none(), "{saved}");
    let secret = std::fs::read_to_string(&file).unwrap();
    assert!(secret.trim().len() > 20);
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);

    // Log in with the first token (no certificate at all).
    let output = env
        .bare()
        .env("KSEF_NIP", &env.nip)
        .env("KSEF_TOKEN", &token)
        .args(["--output", "json", "tokens", "list", "--status", "active"])
        .output()
        .unwrap();
    assert_success(&output, &["tokens", "list (token login)"]);
    let list = json_of(&output);
    assert_eq!(list["count"], 3, "{list}");
    assert!(
        list["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["referenceNumber"] == reference.as_str())
    );
    let filtered = env.json(&["tokens", "list", "--description", "saved", "--limit", "5"]);
    assert_eq!(filtered["count"], 1, "{filtered}");

    let revoked = env.json(&["tokens", "revoke", &reference, "--wait"]);
    assert_eq!(revoked["status"], "Revoked");
    let output = env
        .bare()
        .env("KSEF_NIP", &env.nip)
        .env("KSEF_TOKEN", &token)
        .args(["tokens", "list"])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(4), "revoked token: {}", stderr(&output));
}

#[test]
fn tokens_failures_are_clear() {
    let env = TestEnv::start();
    let output = env
        .ksef()
        .args(["tokens", "status", "20250101-EC-0000000000-0000000000-00"])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(5), "{}", stderr(&output));
    assert!(stderr(&output).starts_with("error:"));
    let output = env.bare().args(["tokens", "list"]).output().unwrap();
    assert_eq!(code(&output), Some(3));
    assert!(
        stderr(&output).contains("no credentials"),
        "{}",
        stderr(&output)
    );
    let output = env
        .ksef()
        .args([
            "tokens",
            "generate",
            "--permission",
            "invoice-read",
            "--description",
            "abc",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(3));
    assert!(stderr(&output).contains("--description"));
    let output = env
        .ksef()
        .args([
            "tokens",
            "generate",
            "--permission",
            "everything",
            "--description",
            "abcdef",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(2));
}

#[test]
fn permissions_grant_query_and_revoke() {
    let env = TestEnv::start();
    let pesel = ksef::crypto::identifiers::generate::random_pesel(&mut rand::thread_rng())
        .as_str()
        .to_owned();
    let subject = format!("pesel:{pesel}");
    let granted = env.json(&[
        "permissions",
        "grant-person",
        "--subject",
        &subject,
        "--permission",
        "invoice-read,invoice-write",
        "--first-name",
        "Anna",
        "--last-name",
        "Nowak",
        "--description",
        "księgowa",
        "--wait",
    ]);
    assert_eq!(granted["status"]["code"], 200, "{granted}");
    let reference = granted["operationReference"].as_str().unwrap().to_owned();
    let status = env.json(&["permissions", "status", &reference]);
    assert_eq!(status["status"]["code"], 200);

    let persons = env.json(&["permissions", "query", "persons", "--granted"]);
    let theirs: Vec<&Value> = persons["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["authorizedIdentifier"]["value"] == pesel.as_str())
        .collect();
    assert_eq!(theirs.len(), 2, "{persons}");
    let id = theirs[0]["id"].as_str().unwrap().to_owned();

    // The grantee logs in to the context and sees their own permissions.
    let output = env
        .bare()
        .env("KSEF_NIP", &env.nip)
        .env("KSEF_TEST_CERT", &subject)
        .args([
            "--output",
            "json",
            "permissions",
            "query",
            "personal",
            "--state",
            "active",
        ])
        .output()
        .unwrap();
    assert_success(&output, &["permissions", "query", "personal"]);
    let personal = json_of(&output);
    assert_eq!(personal["count"], 2, "{personal}");

    let entity = env.json(&[
        "permissions",
        "grant-entity",
        "--subject",
        "5265877635",
        "--permission",
        "invoice-read",
        "--name",
        "Biuro Rachunkowe Test",
        "--wait",
    ]);
    assert_eq!(entity["status"]["code"], 200, "{entity}");

    let authorization = env.json(&[
        "permissions",
        "grant-authorization",
        "--subject",
        "nip:5265877635",
        "--permission",
        "self-invoicing",
        "--name",
        "Firma Testowa",
        "--wait",
    ]);
    assert_eq!(authorization["status"]["code"], 200, "{authorization}");
    let granted = env.json(&["permissions", "query", "authorizations"]);
    assert_eq!(granted["count"], 1, "{granted}");
    assert_eq!(
        granted["permissions"][0]["authorizationScope"],
        "SelfInvoicing"
    );
    let auth_id = granted["permissions"][0]["id"].as_str().unwrap().to_owned();
    let revoked = env.json(&[
        "permissions",
        "revoke",
        &auth_id,
        "--authorization",
        "--wait",
    ]);
    assert_eq!(revoked["status"]["code"], 200, "{revoked}");
    let output = env
        .ksef()
        .args(["permissions", "query", "entities", "--received"])
        .output()
        .unwrap();
    assert_eq!(
        code(&output),
        Some(3),
        "--received is for authorizations only"
    );

    let revoked = env.json(&["permissions", "revoke", &id, "--wait"]);
    assert_eq!(revoked["status"]["code"], 200, "{revoked}");
    let after = env.json(&["permissions", "query", "persons", "--granted"]);
    let left = after["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["authorizedIdentifier"]["value"] == pesel.as_str())
        .count();
    assert_eq!(left, 1, "{after}");

    let output = env
        .ksef()
        .args(["permissions", "grant-person", "--subject", "pesel:123"])
        .args([
            "--permission",
            "invoice-read",
            "--first-name",
            "Anna",
            "--last-name",
            "Nowak",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(3), "{}", stderr(&output));
    let output = env
        .ksef()
        .args([
            "permissions",
            "status",
            "20250101-EC-0000000000-0000000000-00",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(5), "{}", stderr(&output));
}

#[test]
fn help_and_bad_flags() {
    let env = TestEnv::start();
    let commands: &[&[&str]] = &[
        &["tokens"],
        &["tokens", "generate"],
        &["tokens", "list"],
        &["tokens", "status"],
        &["tokens", "revoke"],
        &["permissions"],
        &["permissions", "grant-person"],
        &["permissions", "grant-entity"],
        &["permissions", "grant-authorization"],
        &["permissions", "revoke"],
        &["permissions", "status"],
        &["permissions", "query"],
        &["certs"],
        &["certs", "limits"],
        &["certs", "enrollment-data"],
        &["certs", "enroll"],
        &["certs", "status"],
        &["certs", "query"],
        &["certs", "download"],
        &["certs", "revoke"],
        &["limits"],
        &["limits", "show"],
        &["limits", "set-session"],
        &["limits", "reset-session"],
        &["limits", "set-certificate"],
        &["limits", "reset-certificate"],
        &["limits", "set-rate"],
        &["limits", "set-rate-production"],
        &["limits", "reset-rate"],
        &["testdata"],
        &["testdata", "person"],
        &["testdata", "subject"],
        &["testdata", "grant"],
        &["testdata", "revoke"],
        &["testdata", "attachment"],
        &["testdata", "block"],
        &["testdata", "unblock"],
        &["lighthouse"],
        &["lighthouse", "status"],
        &["lighthouse", "messages"],
        &["qr"],
        &["qr", "kod1"],
        &["qr", "kod2"],
    ];
    for command in commands {
        let output = env.bare().args(*command).arg("--help").output().unwrap();
        assert_success(&output, command);
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage:"),
            "{command:?}"
        );
        let output = env
            .bare()
            .args(*command)
            .arg("--no-such-flag")
            .output()
            .unwrap();
        assert_eq!(code(&output), Some(2), "{command:?}: {}", stderr(&output));
    }
}
