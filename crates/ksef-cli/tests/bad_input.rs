//! Issue 12: the CLI's bad-input table. One row per case, each run as the `ksef` binary: the
//! documented exit code and a clear message — never a panic (exit 101), never a partial file or
//! a stranded spool directory.

mod support;

use std::path::Path;
use std::process::Output;

use support::{TestEnv, invoice};

/// One row: a name, the arguments (`{dir}` is replaced by a scratch directory, `{nip}` by the
/// test NIP), files to create first, the expected exit code and a text the message contains.
struct Row {
    name: &'static str,
    args: &'static [&'static str],
    files: &'static [(&'static str, Content)],
    exit: i32,
    says: &'static str,
}

#[derive(Clone, Copy)]
enum Content {
    Empty,
    Bom,
    NotUtf8,
    NotXml,
    Oversized,
    Fine,
}

fn bytes(content: Content, nip: &str) -> Vec<u8> {
    let good = invoice(nip, "BAD/1").into_bytes();
    match content {
        Content::Empty => Vec::new(),
        Content::Bom => [&[0xEF, 0xBB, 0xBF][..], &good].concat(),
        Content::NotUtf8 => [&good[..], &[0xC3, 0x28]].concat(),
        Content::NotXml => b"<Faktura><P_2>1</Faktura>".to_vec(),
        Content::Oversized => String::from_utf8(good)
            .unwrap()
            .replace(
                "</Faktura>",
                &format!("<!--{}-->\n</Faktura>", "x".repeat(3_000_001)),
            )
            .into_bytes(),
        Content::Fine => good,
    }
}

const ROWS: &[Row] = &[
    Row {
        name: "send /dev/zero",
        args: &["send", "/dev/zero", "--out", "{dir}/out"],
        files: &[],
        exit: 3,
        says: "not a regular file",
    },
    Row {
        name: "send an empty file",
        args: &["send", "{dir}/a.xml", "--out", "{dir}/out"],
        files: &[("a.xml", Content::Empty)],
        exit: 3,
        says: "empty",
    },
    Row {
        name: "send a file with a BOM",
        args: &["send", "{dir}/a.xml", "--out", "{dir}/out"],
        files: &[("a.xml", Content::Bom)],
        exit: 3,
        says: "BOM",
    },
    Row {
        name: "send a file that is not UTF-8",
        args: &["send", "{dir}/a.xml", "--out", "{dir}/out"],
        files: &[("a.xml", Content::NotUtf8)],
        exit: 3,
        says: "UTF-8",
    },
    Row {
        name: "send a file that is not XML",
        args: &["send", "{dir}/a.xml", "--out", "{dir}/out"],
        files: &[("a.xml", Content::NotXml)],
        exit: 3,
        says: "XML",
    },
    Row {
        name: "send an oversized file",
        args: &["send", "{dir}/a.xml", "--out", "{dir}/out"],
        files: &[("a.xml", Content::Oversized)],
        exit: 3,
        says: "limit",
    },
    Row {
        name: "send a missing file",
        args: &["send", "{dir}/missing.xml", "--out", "{dir}/out"],
        files: &[],
        exit: 3,
        says: "missing.xml",
    },
    Row {
        name: "send with --timeout beyond u64",
        args: &["send", "{dir}/a.xml", "--timeout", "18446744073709551616"],
        files: &[("a.xml", Content::Fine)],
        exit: 2,
        says: "timeout",
    },
    Row {
        name: "send with --timeout u64::MAX",
        args: &["send", "{dir}/a.xml", "--timeout", "18446744073709551615"],
        files: &[("a.xml", Content::Fine)],
        exit: 2,
        says: "timeout",
    },
    Row {
        name: "send with --timeout 0",
        args: &["send", "{dir}/a.xml", "--timeout", "0"],
        files: &[("a.xml", Content::Fine)],
        exit: 2,
        says: "timeout",
    },
    Row {
        name: "batch /dev/zero",
        args: &["batch", "/dev/zero", "--out", "{dir}/out"],
        files: &[],
        exit: 3,
        says: "not a regular file",
    },
    Row {
        name: "batch with --timeout u64::MAX",
        args: &["batch", "{dir}/a.xml", "--timeout", "18446744073709551615"],
        files: &[("a.xml", Content::Fine)],
        exit: 2,
        says: "timeout",
    },
    Row {
        name: "query --from 4294967295w",
        args: &["query", "--from", "4294967295w"],
        files: &[],
        exit: 2,
        says: "days",
    },
    Row {
        name: "export --from 4294967295w",
        args: &["export", "--from", "4294967295w", "--out", "{dir}/out"],
        files: &[],
        exit: 2,
        says: "days",
    },
    Row {
        name: "sync --since 4294967295w",
        args: &["sync", "--dir", "{dir}/sync", "--since", "4294967295w"],
        files: &[],
        exit: 2,
        says: "days",
    },
    Row {
        name: "sync --timeout u64::MAX",
        args: &[
            "sync",
            "--dir",
            "{dir}/sync",
            "--timeout",
            "18446744073709551615",
        ],
        files: &[],
        exit: 2,
        says: "timeout",
    },
    Row {
        name: "plain http:// to a remote host",
        args: &["--base-url", "http://ksef.example.com/v2", "limits", "show"],
        files: &[],
        exit: 3,
        says: "http://",
    },
    Row {
        name: "batch --resume of a missing state",
        args: &["batch", "--resume", "{dir}/none.json"],
        files: &[],
        exit: 3,
        says: "batch state",
    },
    Row {
        name: "wrong PKCS#12 password",
        args: &["--pkcs12", "{p12}", "auth", "login"],
        files: &[],
        exit: 3,
        says: "",
    },
];

fn run_row(env: &TestEnv, row: &Row) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in row.files {
        std::fs::write(dir.path().join(name), bytes(*content, &env.nip)).unwrap();
    }
    let p12 = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/crypto/rsa-person.p12");
    let args: Vec<String> = row
        .args
        .iter()
        .map(|a| {
            a.replace("{dir}", dir.path().to_str().unwrap())
                .replace("{nip}", &env.nip)
                .replace("{p12}", p12.to_str().unwrap())
        })
        .collect();
    let mut cmd = if row.args.contains(&"--pkcs12") {
        let mut c = env.bare();
        c.env("KSEF_NIP", &env.nip)
            .env("KSEF_KEY_PASSWORD", "not the password");
        c
    } else {
        env.ksef()
    };
    let output: Output = cmd.args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code().unwrap_or(-1);
    if code == 101 || stderr.contains("panicked") {
        return Err(format!("PANIC: {stderr}"));
    }
    if code != row.exit {
        return Err(format!("exit {code} instead of {}: {stderr}", row.exit));
    }
    if !stderr.to_lowercase().contains(&row.says.to_lowercase()) {
        return Err(format!(
            "the message does not mention {:?}: {stderr}",
            row.says
        ));
    }
    // Nothing half-written, no spool left behind.
    for entry in walk(dir.path()) {
        let name = entry
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.starts_with(".tmp") || name.starts_with(".ksef-") || name == "spool" {
            return Err(format!("left behind: {}", entry.display()));
        }
    }
    Ok(())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(walk(&path));
            }
            out.push(path);
        }
    }
    out
}

#[test]
fn every_bad_input_gets_its_exit_code_and_message() {
    let env = TestEnv::start();
    let failures: Vec<String> = ROWS
        .iter()
        .filter_map(|row| {
            run_row(&env, row)
                .err()
                .map(|e| format!("{}: {e}", row.name))
        })
        .collect();
    assert!(ROWS.len() >= 19);
    assert!(failures.is_empty(), "rows failed:\n{}", failures.join("\n"));
}

/// Issue 12, defect 1: a different invoice reusing a number is a rejection (exit 5, named in
/// the report), never "already in KSeF" — in `ksef send` and `ksef batch`.
#[test]
fn a_reused_invoice_number_with_other_content_is_rejected() {
    let env = TestEnv::start();
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.xml");
    let second = dir.path().join("second.xml");
    std::fs::write(&first, invoice(&env.nip, "REUSE/1")).unwrap();
    let other =
        invoice(&env.nip, "REUSE/1").replace("</Faktura>", "<!-- poprawiona -->\n</Faktura>");
    std::fs::write(&second, other).unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let report = env.json(&["send", first.to_str().unwrap(), "--out", out_s, "--no-upo"]);
    let original = report["invoices"][0]["ksefNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same file again: already in KSeF.
    let again = env.json(&["send", first.to_str().unwrap(), "--out", out_s, "--no-upo"]);
    assert_eq!(again["invoices"][0]["status"], "duplicate");
    assert_eq!(again["invoices"][0]["ksefNumber"], original.as_str());
    for args in [
        vec!["send", second.to_str().unwrap(), "--out", out_s, "--no-upo"],
        vec!["batch", second.to_str().unwrap(), "--out", out_s],
    ] {
        let output = env
            .ksef()
            .arg("--output")
            .arg("json")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(5),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let item = &report["invoices"][0];
        assert!(
            item["status"] == "failed" || item["status"] == "rejected",
            "{args:?}: {item}"
        );
        assert!(item.to_string().contains("440"), "{args:?}: {item}");
    }
}
