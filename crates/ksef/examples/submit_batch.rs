//! A batch session in one call: `AuthenticatedClient::submit_batch` prepares the encrypted
//! package, opens the session, uploads the parts, closes it, waits for the result and returns
//! every invoice's status with its file name. With a state file, an interrupted run can be
//! continued later (see the `session_resume` example).
//!
//! Run it with `cargo run -p ksef --example submit_batch` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use ksef::InvoiceForm;
use ksef::batch::{InvoiceSource, PackageBuilder};
use ksef::sending::BatchOptions;

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, session) = common::start_logged_in("example submit_batch").await?;
    let out = common::output_dir("submit_batch")?;

    // Invoices can also come from files: `InvoiceSource::from_file(path)`.
    let invoices = (1..=50).map(|n| {
        InvoiceSource::from_bytes(
            format!("FV-{n:04}.xml"),
            common::invoice(&person.nip, &format!("FV/SUBMIT/{n:04}")),
        )
    });
    let state_file = out.join("batch-state.json");
    let outcome = session
        .submit_batch(
            InvoiceForm::Fa3,
            PackageBuilder::new().extend(invoices),
            &BatchOptions {
                state_file: Some(state_file.clone()),
                ..Default::default()
            },
        )
        .await?;

    let accepted = outcome
        .invoices
        .iter()
        .filter(|i| i.status.status.code == 200)
        .count();
    println!(
        "batch session {}: status {} ({}), {accepted}/{} invoices accepted",
        outcome.reference_number,
        outcome.status.status.code,
        outcome.status.status.description,
        outcome.invoices.len()
    );
    for invoice in outcome.invoices.iter().take(5) {
        println!(
            "  {} → {}",
            invoice.name.as_deref().unwrap_or("?"),
            invoice
                .status
                .ksef_number
                .as_ref()
                .map(|k| k.as_str())
                .unwrap_or("-")
        );
    }
    println!("  …");
    // The state file is removed once the session has finished.
    println!("state file left behind: {}", state_file.exists());
    if accepted != outcome.invoices.len() {
        return Err(format!(
            "{} invoice(s) were rejected",
            outcome.invoices.len() - accepted
        )
        .into());
    }
    server.stop().await;
    Ok(())
}
