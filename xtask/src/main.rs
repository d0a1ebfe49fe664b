//! Project automation for ksef-rs.
//!
//! - `cargo xtask regen [--spec PATH] [--check]` generates `crates/ksef-model` from the OpenAPI spec.
//! - `cargo xtask test [ARGS…]` makes sure the outside tools the tests need are installed, runs
//!   the whole test suite (`cargo test --workspace ARGS…`), then every example of the `ksef`
//!   crate and `ksef demo`, on the embedded emulator, then a reduced chaos soak.
//! - `cargo xtask soak [--release] [ARGS…]` runs the chaos soak (`docs/chaos-soak.md`).
#![forbid(unsafe_code)]
// A private binary: its items are `pub` only to be shared between its modules.
#![allow(unreachable_pub, missing_docs)]
// A command-line tool: printing is its job.
#![allow(clippy::print_stdout)]

mod regen;
mod soak;
mod test_cmd;
mod xsd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  cargo xtask regen [--spec PATH] [--check]   generate crates/ksef-model from the OpenAPI spec
                                              and crates/ksef-invoice from the FA(3) XSD
                                              (default spec: ../shared/ksef-api-2.9.0/open-api.json)
  cargo xtask test [CARGO TEST ARGS…]         install/check test tools, run every test (extra
                                              arguments go to `cargo test`), then run every
                                              example in crates/ksef/examples and `ksef demo`
                                              on the embedded emulator (KSEF_BASE_URL unset),
                                              then a reduced chaos soak
  cargo xtask soak [--release] [ARGS…]        the chaos soak (docs/chaos-soak.md): 10,000
                                              invoices online and 10,000 in batches by default;
                                              --invoices N, --batch-size N, --reused N,
                                              --kills N, --max-kill-delay-ms N, --seed N";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("regen") => parse_regen(&args[1..], &root).and_then(|o| {
            let check = o.check;
            regen::run(&root, o)?;
            xsd::run(&root, check)
        }),
        Some("test") => test_cmd::run(&root, &args[1..]),
        Some("soak") => soak::run(&root, &args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown or missing command\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_regen(args: &[String], root: &Path) -> Result<regen::Options, String> {
    let mut opts = regen::Options {
        spec: None,
        check: false,
        model_dir: root.join("crates/ksef-model"),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => opts.check = true,
            "--spec" => opts.spec = Some(PathBuf::from(it.next().ok_or("--spec needs a path")?)),
            "--model-dir" => {
                opts.model_dir = PathBuf::from(it.next().ok_or("--model-dir needs a path")?)
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(opts)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
