//! Resuming sessions in another process: save an `OnlineSessionState` / `BatchSessionState` to a
//! file, lose the process (here: drop everything, including the login), log in again, load the
//! state and carry on.
//!
//! The state never holds access or refresh tokens — resuming starts with a fresh login — but it
//! does hold the session's AES key, so `save` writes it owner-readable only (mode 0600).
//!
//! Run it with `cargo run -p ksef --example session_resume` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server. The state files are written under
//! `target/debug/examples-output/session_resume/`.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use ksef::InvoiceForm;
use ksef::batch::upload::UploadOptions;
use ksef::batch::{BatchLimits, InvoiceSource, NoProgress, PackageBuilder};
use ksef::crypto::symmetric::SymmetricKey;
use ksef::sending::{BatchSessionState, OnlineSessionState};

#[tokio::main]
async fn main() -> common::Result {
    let server = common::Server::start().await?;
    let person = common::create_person(&server.client, "example session_resume").await?;
    let out = common::output_dir("session_resume")?;
    let online_file = out.join("online-state.json");
    let batch_file = out.join("batch-state.json");

    // --- First "process": open both sessions, do part of the work, save the states. ---
    {
        let session = common::login(&server.client, &person).await?;
        let online = session.open_online(InvoiceForm::Fa3).await?;
        online
            .send_invoice(&common::invoice(&person.nip, "FV/RESUME/001"))
            .await?;
        online.state().save(&online_file)?;
        println!(
            "online session {} saved after 1 invoice",
            online.reference_number()
        );

        let invoices = (1..=10).map(|n| {
            InvoiceSource::from_bytes(
                format!("FV-{n:03}.xml"),
                common::invoice(&person.nip, &format!("FV/RESUME/B{n:03}")),
            )
        });
        let builder = PackageBuilder::new().extend(invoices).limits(BatchLimits {
            part_size: 3_000,
            ..BatchLimits::default()
        });
        let key = SymmetricKey::generate();
        let package = session.prepare_batch(builder, &key).await?;
        let mut batch = session
            .open_batch(InvoiceForm::Fa3, package, key, false)
            .await?;
        // From now on every change (each uploaded part, the close) is written to the file.
        batch.save_state_to(batch_file.clone())?;
        println!(
            "batch session {} opened with {} parts, state saved; nothing uploaded yet",
            batch.reference_number(),
            batch.state().parts_total()
        );
        // The process "crashes" here: the sessions are dropped unclosed (the online one logs a
        // warning) and the login is gone. The encrypted parts stay in the spool directory.
    }

    // --- Second "process": log in again and continue from the files. ---
    let session = common::login(&server.client, &person).await?;

    let state = OnlineSessionState::load(&online_file)?;
    println!(
        "resuming online session {} ({} invoice(s) sent before)",
        state.reference_number,
        state.sent.len()
    );
    let online = session.resume_online(state)?;
    let sent = online
        .send_invoice(&common::invoice(&person.nip, "FV/RESUME/002"))
        .await?;
    let accepted = online
        .wait_for_invoice(&sent, Duration::from_secs(120))
        .await?;
    println!("  second invoice accepted: {}", accepted.ksef_number);
    online.close().await?;
    let pages = online.session_upo(Duration::from_secs(120)).await?;
    println!("  closed; session UPO with {} page(s)", pages.len());

    let state = BatchSessionState::load(&batch_file)?;
    println!(
        "resuming batch session {}: {}/{} parts uploaded, spool {}",
        state.reference_number,
        state.uploaded.len(),
        state.parts_total(),
        state.spool_dir().display()
    );
    let batch = session.resume_batch(state)?;
    // Uploads only the parts not recorded as uploaded (after checking their hashes).
    batch
        .upload(&UploadOptions::default(), Arc::new(NoProgress))
        .await?;
    batch.close().await?;
    let status = batch.wait_for_completion(Duration::from_secs(300)).await?;
    println!(
        "  processed: {} of {} invoices accepted",
        status.status.successful_invoice_count.unwrap_or(0),
        status.status.invoice_count.unwrap_or(0)
    );
    // Removes the spooled parts; `finish` also deletes a state file set with `save_state_to`.
    batch.finish()?;
    std::fs::remove_file(&batch_file)?;
    std::fs::remove_file(&online_file)?;
    server.stop().await;
    Ok(())
}
