//! Incremental synchronisation: keep a local folder up to date with every invoice of the
//! context, round after round, using exports and the permanent-storage high-water mark (HWM).
//! Each round continues where the previous one stopped — also after a restart, because the
//! continuation points live in `{dir}/.ksef-sync.json` — and never writes an invoice twice.
//!
//! Run it with `cargo run -p ksef --example incremental_sync` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server. The folder is
//! `target/debug/examples-output/incremental_sync/`.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use ksef::model::InvoiceQuerySubjectType;
use ksef::retrieval::{IncrementalSync, SyncOptions};
use ksef::{AuthenticatedClient, InvoiceForm};

/// Sends `count` invoices numbered from `first`.
async fn send(
    session: &AuthenticatedClient,
    nip: &str,
    first: usize,
    count: usize,
) -> common::Result {
    let invoices: Vec<Vec<u8>> = (first..first + count)
        .map(|n| common::invoice(nip, &format!("FV/SYNC/{n:04}")))
        .collect();
    let online = session.open_online(InvoiceForm::Fa3).await?;
    for result in online
        .send_all(&invoices, 4, Duration::from_secs(120))
        .await
    {
        result?;
    }
    online.close().await?;
    println!("sent {count} invoice(s)");
    Ok(())
}

/// Runs rounds until `expected` new invoices arrived (invoices stored in the last moments lie
/// beyond the HWM and come in a later round).
async fn sync_until(sync: &mut IncrementalSync, expected: usize) -> common::Result<usize> {
    let mut got = 0;
    for round in 1..=30 {
        let new = sync.run_once().await?;
        for invoice in &new {
            println!("  round {round}: {}", invoice.path.display());
        }
        got += new.len();
        if got >= expected {
            return Ok(got);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(format!("only {got} of {expected} invoices arrived").into())
}

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, session) = common::start_logged_in("example incremental_sync").await?;
    let dir = common::output_dir("incremental_sync")?;

    // Follow the invoices we issued (Subject1); the default follows Subject1–3. The default
    // `min_interval` of 15 minutes keeps within the export limits in production; the example
    // runs rounds back to back.
    let mut options =
        SyncOptions::starting_at(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
    options.subject_types = vec![InvoiceQuerySubjectType::Subject1];
    options.min_interval = Duration::ZERO;

    send(&session, &person.nip, 1, 3).await?;
    let mut sync = IncrementalSync::open(session.clone(), &dir, options.clone())?;
    let got = sync_until(&mut sync, 3).await?;
    println!("first sync: {got} invoice(s)");
    drop(sync);

    // Later (in another run of the program): more invoices; reopening the folder continues
    // from the saved continuation point, so only the new ones are fetched.
    send(&session, &person.nip, 4, 2).await?;
    let mut sync = IncrementalSync::open(session.clone(), &dir, options)?;
    for (subject, point) in &sync.state().points {
        println!("continuing {subject} from {point}");
    }
    let got = sync_until(&mut sync, 2).await?;
    println!(
        "second sync: {got} new invoice(s); {} known in total",
        sync.state().seen.len()
    );
    server.stop().await;
    Ok(())
}
