//! `cargo xtask test`: the project's test command.
//!
//! Some tests cross-check our output with outside tools (OpenSSL, xmlsec1, xmllint, poppler's
//! pdftotext/pdftoppm). Those tests
//! fail — they never skip — when a tool is missing, so this command first makes sure the tools
//! are present: it installs the Debian packages when it can (root with apt-get) and otherwise
//! stops with a message saying what to install.
//!
//! After the test suite passes it runs every example of the `ksef` crate
//! (`crates/ksef/examples/*.rs`, found by listing the directory) and then `ksef demo`, all on the
//! embedded emulator: `KSEF_BASE_URL` is removed from their environment so that they never talk
//! to a real server. Last comes a reduced chaos soak ([`crate::soak::REDUCED`]).

use std::path::{Path, PathBuf};
use std::process::Command;

/// (command, Debian package)
const TOOLS: &[(&str, &str)] = &[
    ("openssl", "openssl"),
    ("xmlsec1", "xmlsec1"),
    ("xmllint", "libxml2-utils"),
    ("pdftotext", "poppler-utils"),
    ("pdftoppm", "poppler-utils"),
];

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    ensure_tools()?;
    let status = cargo(root)
        .args(["test", "--workspace", "--all-features"])
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("tests failed ({status})"));
    }
    // The binaries and examples were built by the test run with the same features; this only
    // makes sure they are all there. Building them with other features (`cargo run -p …`)
    // would compile and link a second copy of everything: minutes and gigabytes.
    let status = cargo(root)
        .args([
            "build",
            "--workspace",
            "--all-features",
            "--bins",
            "--examples",
        ])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the binaries and examples failed ({status})"
        ));
    }
    let bin = target_dir(root).join("debug");
    run_examples(root, &bin)?;
    run_demo(root, &bin)?;
    println!("running the reduced chaos soak");
    crate::soak::run_built(root, &bin, crate::soak::REDUCED)
}

/// A `cargo` command in the workspace root, without `KSEF_BASE_URL` in its environment.
///
/// `cargo xtask` runs us through `cargo run`, which adds the xtask package's own variables
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, …) to our environment. Build scripts such as ring's
/// ask to be rerun when those change, so a nested `cargo` that inherits them would rebuild ring
/// and everything above it instead of reusing the build a plain `cargo test` made. They are
/// removed here.
pub fn cargo(root: &Path) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root).env_remove("KSEF_BASE_URL");
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_run) {
            command.env_remove(name);
        }
    }
    command
}

/// Whether `cargo run` sets the variable `name` for the program it runs (the package's
/// metadata and paths; `CARGO` itself, the path of cargo, is kept).
fn set_by_cargo_run(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_MANIFEST_LINKS"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "OUT_DIR"
        )
}

/// The examples of the `ksef` crate: `crates/ksef/examples/*.rs`, sorted by name (directories
/// such as `common/`, shared code included by the examples, are not examples).
fn example_names(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("crates/ksef/examples");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_file()
            && path.extension().is_some_and(|x| x == "rs")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Runs the examples of `ksef` one by one on the embedded emulator, from `bin/examples`.
fn run_examples(root: &Path, bin: &Path) -> Result<(), String> {
    let names = example_names(root)?;
    for name in &names {
        println!("running example {name}");
        let status = Command::new(bin.join("examples").join(name))
            .current_dir(root)
            .env_remove("KSEF_BASE_URL")
            .status()
            .map_err(|e| format!("cannot run example `{name}`: {e}"))?;
        if !status.success() {
            return Err(format!(
                "example `{name}` failed ({status}); rerun it with `cargo run -p ksef --example {name}`"
            ));
        }
    }
    println!("all {} examples passed", names.len());
    Ok(())
}

/// The target directory cargo uses (`CARGO_TARGET_DIR` or `target/` in the workspace).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        })
        .unwrap_or_else(|| root.join("target"))
}

/// `ksef demo` once, end to end on the embedded emulator, writing into `<target>/ci-demo`.
fn run_demo(root: &Path, bin: &Path) -> Result<(), String> {
    let out = target_dir(root).join("ci-demo");
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    println!("running `ksef demo --out {}`", out.display());
    let status = Command::new(bin.join("ksef"))
        .current_dir(root)
        .env_remove("KSEF_BASE_URL")
        .args(["demo", "--out"])
        .arg(&out)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`ksef demo` failed ({status}); rerun it with `cargo run -p ksef-cli -- demo`"
        ))
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
    let mut packages: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
    packages.dedup();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_of_cargo_run_are_not_passed_on() {
        assert!(set_by_cargo_run("CARGO_PKG_NAME"));
        assert!(set_by_cargo_run("CARGO_MANIFEST_DIR"));
        assert!(!set_by_cargo_run("CARGO"));
        assert!(!set_by_cargo_run("CARGO_HOME"));
        assert!(!set_by_cargo_run("CARGO_TARGET_DIR"));
    }

    #[test]
    fn examples_are_the_rs_files_of_the_examples_directory() {
        let root = crate::workspace_root();
        let names = example_names(&root).expect("the examples directory");
        assert!(names.iter().any(|n| n == "online_send"), "{names:?}");
        assert!(
            !names.iter().any(|n| n == "common" || n == "mod"),
            "{names:?}"
        );
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}
