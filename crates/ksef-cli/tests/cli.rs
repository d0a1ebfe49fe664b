//! The `ksef` binary as a user meets it: the demo end to end, help, bad input.

use std::process::Command;

fn ksef() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ksef"))
}

#[test]
fn demo_runs_end_to_end_on_the_embedded_emulator() {
    let out = tempfile::tempdir().unwrap();
    let output = ksef()
        .args([
            "--output", "json", "demo", "--online", "2", "--batch", "5", "--out",
        ])
        .arg(out.path())
        .env_remove("KSEF_BASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON document on stdout");
    assert_eq!(report["online"]["ksefNumbers"].as_array().unwrap().len(), 2);
    assert_eq!(report["batch"]["accepted"], 5);
    assert_eq!(report["synced"], 7);
    let upos = std::fs::read_dir(out.path().join("upo")).unwrap().count();
    assert_eq!(upos, 3, "two invoice UPOs and one session UPO");
    let qr = std::fs::read(report["qr"]["file"].as_str().unwrap()).unwrap();
    assert_eq!(&qr[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn help_reads_well_and_lists_the_commands() {
    let output = ksef().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["demo", "emulator", "completions"] {
        assert!(help.contains(command), "{help}");
    }
    let output = ksef().args(["demo", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("--base-url"));
}

#[test]
fn bad_flags_and_unreachable_servers_fail_clearly() {
    let output = ksef().args(["demo", "--online", "0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "usage errors exit with 2");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--online"));
    let output = ksef().arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    // Nothing listens on port 9 of localhost (discard): a clear error, exit code 1.
    let output = ksef()
        .args(["demo", "--base-url", "http://127.0.0.1:9/v2"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(6),
        "unreachable server: exit code 6"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.lines().any(|l| l.starts_with("error:")
            && l.contains("127.0.0.1:9")
            && l.contains("Connection refused")),
        "{stderr}"
    );
}

/// Every command path (`["tokens", "list"]`, …) from the clap definition itself.
fn command_paths() -> Vec<Vec<String>> {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&ksef_cli::cli::Cli::command(), &[], &mut out);
    out
}

#[test]
fn every_subcommand_has_help_and_rejects_unknown_flags() {
    let paths = command_paths();
    assert!(paths.len() > 40, "{paths:?}");
    for path in &paths {
        let output = ksef().args(path).arg("--help").output().unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "ksef {path:?} --help failed");
        assert!(help.lines().count() >= 2, "ksef {path:?} --help: {help}");
        if path[0] == "emulator" {
            assert!(help.contains("--listen"), "{help}");
            continue;
        }
        assert!(help.contains("Usage: ksef"), "ksef {path:?} --help: {help}");
        let output = ksef().args(path).arg("--no-such-flag").output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "ksef {path:?} --no-such-flag"
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("--no-such-flag"),
            "ksef {path:?}: the message names the flag"
        );
    }
    // clap's own tree is consistent (no conflicting names, defaults parse).
    use clap::CommandFactory;
    ksef_cli::cli::Cli::command().debug_assert();
}

#[test]
fn the_emulator_command_takes_the_emulator_binarys_options() {
    let output = ksef()
        .args(["emulator", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}

/// Commands that talk to KSeF as a logged-in user, with valid arguments.
const LOGGED_IN: &[&[&str]] = &[
    &["auth"],
    &["auth", "sessions"],
    &["status"],
    &["upo", "20250625-SO-2C3E6C8000-B675CF5D68-07"],
    &["download", "5265877635-20250826-0100001AF629-AF"],
    &["query"],
    &["tokens", "list"],
    &["permissions", "query", "personal"],
    &["certs", "limits"],
    &["limits", "show"],
];

fn scratch_home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn clean(cmd: &mut Command, home: &std::path::Path) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("KSEF_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("HOME", home).env_remove("XDG_CONFIG_HOME");
}

#[test]
fn commands_without_credentials_say_what_is_missing() {
    let home = scratch_home();
    for args in LOGGED_IN {
        let mut cmd = ksef();
        clean(&mut cmd, home.path());
        let output = cmd
            .args(["--nip", "5265877635"])
            .args(*args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3), "ksef {args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("error: no credentials") && stderr.contains("KSEF_TOKEN"),
            "ksef {args:?}: {stderr}"
        );
    }
}

#[test]
fn commands_against_an_unreachable_server_fail_with_exit_code_6() {
    let home = scratch_home();
    for args in LOGGED_IN {
        let mut cmd = ksef();
        clean(&mut cmd, home.path());
        let output = cmd
            .args(["--base-url", "http://127.0.0.1:9/v2", "--nip", "5265877635"])
            .args(["--test-cert", "nip:5265877635", "--output", "json"])
            .args(*args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(6), "ksef {args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("127.0.0.1:9"), "ksef {args:?}: {stderr}");
        let doc: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("ksef {args:?}: stdout is not JSON ({e})"));
        assert_eq!(doc["error"]["exitCode"], 6, "ksef {args:?}");
    }
}

#[test]
fn completions_are_generated() {
    let output = ksef().args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("ksef"));
}

/// Issue 14: one identifier type, one check: a NIP with a wrong check digit is refused once, as a
/// usage error that says what is wrong.
#[test]
fn a_nip_with_a_wrong_check_digit_is_refused_once_with_the_reason() {
    let out = ksef()
        .args(["query", "--seller-nip", "5265877636"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NIP has a wrong checksum: expected 5, found 6"),
        "{err}"
    );
    assert_eq!(err.matches("checksum").count(), 1, "{err}");
}
