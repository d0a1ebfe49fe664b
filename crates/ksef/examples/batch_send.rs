//! A batch session step by step: build an encrypted package of many invoices, open the session,
//! upload the parts (with progress), close it, wait for processing, list every invoice's result
//! by its file name, and download the session UPO.
//!
//! For the whole flow in one call see the `submit_batch` example.
//!
//! Run it with `cargo run -p ksef --example batch_send` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server. The UPO is written under
//! `target/debug/examples-output/batch_send/`.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use ksef::InvoiceForm;
use ksef::batch::upload::UploadOptions;
use ksef::batch::{BatchLimits, InvoiceSource, PackageBuilder, Progress};
use ksef::crypto::symmetric::SymmetricKey;

/// Prints the progress of packaging and uploading.
struct Printer;

impl Progress for Printer {
    fn prepared(&self, done: usize, total: usize, bytes: u64) {
        if done == total {
            println!("  packaged {done}/{total} invoices ({bytes} bytes)");
        }
    }
    fn part_done(&self, ordinal: u32, parts_done: usize, parts_total: usize) {
        println!("  part {ordinal} uploaded ({parts_done}/{parts_total})");
    }
    fn part_retry(&self, ordinal: u32, attempt: u32) {
        println!("  part {ordinal}: retry {attempt}");
    }
}

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, session) = common::start_logged_in("example batch_send").await?;
    let out = common::output_dir("batch_send")?;

    // 1. The package: invoices from memory (or `InvoiceSource::from_file`), zipped, split into
    //    parts (small parts here, to show several) and encrypted with a fresh key.
    let invoices = (1..=20).map(|n| {
        InvoiceSource::from_bytes(
            format!("FV-BATCH-{n:03}.xml"),
            common::invoice(&person.nip, &format!("FV/BATCH/{n:03}")),
        )
    });
    let builder = PackageBuilder::new()
        .extend(invoices)
        .limits(BatchLimits {
            part_size: 4_000,
            ..BatchLimits::default()
        })
        .progress(Arc::new(Printer));
    let key = SymmetricKey::generate();
    let package = session.prepare_batch(builder, &key).await?;
    println!("package ready: {} part(s)", package.parts().len());

    // 2. Open, upload, close.
    let batch = session
        .open_batch(InvoiceForm::Fa3, package, key, false)
        .await?;
    println!("batch session {} opened", batch.reference_number());
    batch
        .upload(&UploadOptions::default(), Arc::new(Printer))
        .await?;
    batch.close().await?;

    // 3. Wait for KSeF to process the package, then read the results per invoice.
    let status = batch.wait_for_completion(Duration::from_secs(300)).await?;
    println!(
        "processed: {} of {} invoices accepted",
        status.status.successful_invoice_count.unwrap_or(0),
        status.status.invoice_count.unwrap_or(0)
    );
    for invoice in batch.invoice_statuses().await? {
        println!(
            "  {:<18} {} {}",
            invoice.name.as_deref().unwrap_or("?"),
            invoice.status.status.code,
            invoice
                .status
                .ksef_number
                .as_ref()
                .map(|k| k.as_str())
                .unwrap_or("-")
        );
    }
    for page in batch.session_upo(Duration::from_secs(120)).await? {
        let name = format!("session-{}.xml", page.reference_number);
        let path = common::write(&out, &name, page.xml.as_bytes())?;
        println!("session UPO: {}", path.display());
    }

    // 4. Remove the spooled encrypted parts.
    batch.finish()?;
    server.stop().await;
    Ok(())
}
