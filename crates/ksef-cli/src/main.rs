//! `ksef`: the KSeF 2.0 command-line tool.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = ksef_cli::cli::Cli::parse();
    // The command runs as a task on the runtime's workers, not in `main`'s `block_on`: there
    // every answer from KSeF would have to wake the main thread from the worker that read it,
    // a thread wake-up per request (on a 2-core VM ≈ 40 % more CPU per online invoice; see
    // docs/performance.md).
    match tokio::spawn(ksef_cli::cli::run(cli)).await {
        Ok(code) => code,
        // A panic in the command: re-raised as it would have been without the task.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Cancelled: nothing cancels it, but a cancelled command did not succeed.
        Err(_) => ExitCode::FAILURE,
    }
}
