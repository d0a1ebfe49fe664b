//! `cargo xtask test`: the project's test command.
//!
//! Some tests cross-check our output with outside tools (OpenSSL, xmlsec1, xmllint). Those tests
//! fail — they never skip — when a tool is missing, so this command first makes sure the tools
//! are present: it installs the Debian packages when it can (root with apt-get) and otherwise
//! stops with a message saying what to install.

use std::path::Path;
use std::process::Command;

/// (command, Debian package)
const TOOLS: &[(&str, &str)] = &[
    ("openssl", "openssl"),
    ("xmlsec1", "xmlsec1"),
    ("xmllint", "libxml2-utils"),
];

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    ensure_tools()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["test", "--workspace", "--all-features"])
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("tests failed ({status})"))
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

fn ensure_tools() -> Result<(), String> {
    let missing: Vec<&(&str, &str)> = TOOLS.iter().filter(|(t, _)| !have(t)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let packages: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if is_root && have("apt-get") {
        eprintln!("installing test tools: {}", packages.join(" "));
        let script = format!(
            "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq {} >/dev/null",
            packages.join(" ")
        );
        let ok = Command::new("sh")
            .args(["-c", &script])
            .status()
            .is_ok_and(|s| s.success());
        let still: Vec<&str> = missing
            .iter()
            .filter(|(t, _)| !have(t))
            .map(|(t, _)| *t)
            .collect();
        if ok && still.is_empty() {
            return Ok(());
        }
    }
    Err(format!(
        "the tests need {} — install the Debian/Ubuntu packages `{}` (e.g. `sudo apt-get install -y {}`) and run again",
        missing
            .iter()
            .map(|(t, _)| *t)
            .collect::<Vec<_>>()
            .join(", "),
        packages.join(" "),
        packages.join(" ")
    ))
}
