//! Every scenario of the ksef2 (Python SDK) sessions guide, in Rust: online and batch sessions,
//! their status, resuming them and listing them. Each scenario is one block between
//! `// [name]` and `// [/name]`; docs/compared-with-ksef2.md counts their lines against the
//! Python versions.
//!
//! Run it with `cargo run -p ksef --example ksef2_sessions` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use ksef::batch::{InvoiceSource, PackageBuilder};
use ksef::crypto::symmetric::SymmetricKey;
use ksef::model::SessionType;
use ksef::sending::{BatchSessionState, OnlineSessionState, package_from_paths};
use ksef::{InvoiceForm, OnlineSession};

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, auth) = common::start_logged_in("example ksef2_sessions").await?;
    let dir = common::output_dir("ksef2_sessions")?;
    let write =
        |name: &str, number: &str| common::write(&dir, name, &common::invoice(&person.nip, number));
    write("invoice.xml", "FV/K2S/0")?;
    write("invoice-1.xml", "FV/K2S/1")?;
    write("invoice-2.xml", "FV/K2S/2")?;
    let batch_dir = dir.join("batch");
    std::fs::create_dir_all(&batch_dir)?;
    common::write(
        &batch_dir,
        "a.xml",
        &common::invoice(&person.nip, "FV/K2S/A"),
    )?;
    common::write(
        &batch_dir,
        "b.xml",
        &common::invoice(&person.nip, "FV/K2S/B"),
    )?;
    let timeout = Duration::from_secs(300);

    let form = InvoiceForm::Fa3;
    let invoice_m = common::invoice(&person.nip, "FV/K2S/M");

    // [online-session]
    let xml = std::fs::read(dir.join("invoice.xml"))?;
    let send = |s: Arc<OnlineSession>| async move { s.send_invoice(&xml).await };
    let result = auth.with_online_session(form, send).await?;
    println!("{}", result.reference_number);
    // [/online-session]

    // [manual-lifecycle]
    let session = auth.open_online(form).await?;
    let result = session.send_invoice(&invoice_m).await;
    session.close().await?;
    result?;
    // [/manual-lifecycle]

    // [batch-session]
    let package = package_from_paths(["invoice-1.xml", "invoice-2.xml"].map(|f| dir.join(f)))?;
    let reference = auth
        .with_batch_session(form, package, |session| async move {
            session.upload_parts().await?;
            Ok(session.reference_number().clone())
        })
        .await?;
    let status = auth
        .wait_for_batch(&reference, timeout)
        .await?
        .status
        .status;
    println!("{} {}", status.code, status.description);
    // [/batch-session]

    // [batch-one-shot]
    let outcome = auth.submit_batch_from_paths(form, [&batch_dir]).await?;
    // [/batch-one-shot]
    println!(
        "one-shot batch {}: {}",
        outcome.reference_number, outcome.status.status.code
    );

    let session = auth.open_online(InvoiceForm::Fa3).await?;
    // [session-status]
    let status = session.status().await?;
    println!("{} {}", status.status.code, status.status.description);
    let state = session.state();
    println!("{} {:?}", state.reference_number, state.valid_until);
    let invoices: Vec<_> = session.invoices().try_collect().await?;
    let failed: Vec<_> = session.failed_invoices().try_collect().await?;
    println!("{} {}", invoices.len(), failed.len());
    // [/session-status]

    // [resume-online]
    let payload = serde_json::to_string(&session.state())?;
    let restored: OnlineSessionState = serde_json::from_str(&payload)?;
    let resumed = auth.resume_online(restored)?;
    resumed.close().await?;
    // [/resume-online]
    session.close().await?;

    let key = SymmetricKey::generate();
    let one = PackageBuilder::new().invoice(InvoiceSource::from_file(dir.join("invoice.xml")));
    let package = auth.prepare_batch(one, &key).await?;
    let session = auth.open_batch(form, package, key, false).await?;
    // [resume-batch]
    let payload = serde_json::to_string(&session.state())?;
    let restored: BatchSessionState = serde_json::from_str(&payload)?;
    let resumed = auth.resume_batch(restored)?;
    println!("{}", resumed.reference_number());
    // [/resume-batch]

    // [list-sessions]
    for item in auth.sessions().list(SessionType::Online).await?.sessions {
        println!("{} {}", item.reference_number, item.status.description);
    }
    // [/list-sessions]

    // [list-all-pages]
    let online = auth.sessions().list(SessionType::Online);
    println!("{}", online.items().count().await);
    // [/list-all-pages]

    server.stop().await;
    Ok(())
}
