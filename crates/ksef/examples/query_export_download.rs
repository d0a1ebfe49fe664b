//! Getting invoices out of KSeF three ways: the metadata query (a stream over every page),
//! downloading one invoice by its KSeF number (hash-verified), and an export — an encrypted
//! package prepared by KSeF, downloaded, checked part by part, decrypted and unpacked.
//!
//! The example first sends a few invoices so that there is something to find.
//!
//! Run it with `cargo run -p ksef --example query_export_download` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server. The export is unpacked under
//! `target/debug/examples-output/query_export_download/`.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use futures::TryStreamExt;
use ksef::InvoiceForm;
use ksef::batch::unpack::UnpackLimits;
use ksef::model::{
    CompressionType, InvoiceQueryDateRange, InvoiceQueryDateType, InvoiceQueryFilters,
    InvoiceQuerySubjectType,
};

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, session) =
        common::start_logged_in("example query_export_download").await?;
    let out = common::output_dir("query_export_download")?;
    let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);

    // Something to find: three invoices sent in an online session.
    let sent: Vec<Vec<u8>> = (1..=3)
        .map(|n| common::invoice(&person.nip, &format!("FV/QUERY/{n:03}")))
        .collect();
    let online = session.open_online(InvoiceForm::Fa3).await?;
    for result in online.send_all(&sent, 3, Duration::from_secs(120)).await {
        println!("sent: {}", result?.ksef_number);
    }
    online.close().await?;
    // Exports cover invoices up to the permanent-storage high-water mark, which trails
    // the newest invoices by a moment.
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Issued by us (Subject1), stored permanently in the last hour.
    let filters = InvoiceQueryFilters::new(
        InvoiceQuerySubjectType::Subject1,
        InvoiceQueryDateRange::new(InvoiceQueryDateType::PermanentStorage, since),
    );

    // 1. The metadata query: every matching invoice, oldest first, across pages.
    let found: Vec<_> = session
        .query_invoices(filters.clone())
        .try_collect()
        .await?;
    println!("metadata query: {} invoice(s)", found.len());
    for m in &found {
        println!(
            "  {} {} gross {} {} (stored {})",
            m.ksef_number, m.invoice_number, m.gross_amount, m.currency, m.permanent_storage_date
        );
    }

    // 2. Download one invoice; its SHA-256 is checked against the hash KSeF announces.
    let first = found.first().ok_or("the query found no invoices")?;
    let invoice = session.download_invoice(&first.ksef_number).await?;
    println!(
        "downloaded {}: {} bytes, SHA-256 {}",
        invoice.ksef_number,
        invoice.xml.len(),
        invoice.sha256
    );
    if !sent
        .iter()
        .any(|xml| xml.as_slice() == invoice.xml.as_ref())
    {
        return Err("the downloaded invoice is not one of those sent".into());
    }

    // 3. An export of the same filter: schedule, wait, download + verify + decrypt + unpack.
    let export = session
        .start_export(filters, false, CompressionType::Zip)
        .await?;
    println!("export {} scheduled", export.reference_number());
    let package = export.wait(Duration::from_secs(300)).await?;
    println!(
        "package ready: {} invoice(s) in {} part(s), truncated: {}",
        package.invoice_count,
        package.parts.len(),
        package.is_truncated
    );
    let contents = export
        .download(&package, &out, &UnpackLimits::default(), 4)
        .await?;
    for file in &contents.files {
        println!("  {} ({} bytes)", file.path.display(), file.size);
    }
    println!(
        "metadata of {} invoice(s) in _metadata.json",
        contents.metadata.len()
    );
    if contents.files.len() != found.len() {
        return Err("the export and the query disagree".into());
    }
    server.stop().await;
    Ok(())
}
