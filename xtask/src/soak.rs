//! `cargo xtask soak [--release] [ARGS…]`: the chaos soak (see `docs/chaos-soak.md`).
//!
//! Builds `ksef` and `ksef-soak`, then runs `ksef-soak run` with the work directory under the
//! target directory. Extra arguments go to `ksef-soak run` (`--invoices N`, `--batch-size N`,
//! `--reused N`, `--kills N`, `--max-kill-delay-ms N`, `--seed N`).

use std::path::Path;

use crate::test_cmd::{cargo, target_dir};

/// The reduced soak of `cargo xtask test`: a few minutes at most on two cores.
pub const REDUCED: &[&str] = &[
    "--invoices",
    "60",
    "--batch-size",
    "30",
    "--reused",
    "4",
    "--kills",
    "6",
    "--max-kill-delay-ms",
    "3000",
];

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let release = args.iter().any(|a| a == "--release");
    let rest: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--release")
        .collect();
    soak(root, release, &rest)
}

/// Builds the binaries and runs one soak.
pub fn soak(root: &Path, release: bool, args: &[&str]) -> Result<(), String> {
    let mut build = cargo(root);
    build.args(["build", "-p", "ksef-cli", "-p", "ksef-soak"]);
    if release {
        build.arg("--release");
    }
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the soak failed ({status})"));
    }
    let bin = target_dir(root).join(if release { "release" } else { "debug" });
    run_built(root, &bin, args)
}

/// Runs `ksef-soak` (and through it `ksef`) from the already built binaries in `bin`.
pub fn run_built(root: &Path, bin: &Path, args: &[&str]) -> Result<(), String> {
    let work = target_dir(root).join("soak");
    println!("running the chaos soak in {}", work.display());
    let status = std::process::Command::new(bin.join("ksef-soak"))
        .arg("run")
        .arg("--ksef")
        .arg(bin.join("ksef"))
        .arg("--work")
        .arg(&work)
        .args(args)
        .env_remove("KSEF_BASE_URL")
        .status()
        .map_err(|e| format!("cannot run ksef-soak: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the chaos soak failed ({status}); its work directory {} is kept",
            work.display()
        ))
    }
}
