//! The SDK's long-running calls can be handed to `tokio::spawn` on a multi-threaded runtime:
//! their futures are `Send` (for every lifetime of what they borrow) and `'static` once their
//! inputs are owned. A stream mapped by a closure over references silently breaks this (the
//! compiler then proves `Send` only for one lifetime); this file fails to compile when it
//! happens again. Nothing here talks to a server: the calls are only built, never run.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ksef::batch::unpack::UnpackLimits;
use ksef::model::InvoicePackage;
use ksef::retrieval::{Export, IncrementalSync, SyncOptions};
use ksef::{AuthenticatedClient, InvoiceForm, OnlineSession};

/// Accepts a future only if it could be spawned (and drops it unpolled).
fn spawnable<F>(future: F)
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    drop(future);
}

#[allow(dead_code)]
fn online(session: Arc<OnlineSession>, invoices: Vec<Vec<u8>>) {
    spawnable(async move {
        let one = session.send_invoice(&invoices[0]).await;
        let all = session
            .send_all(&invoices, 4, Duration::from_secs(60))
            .await;
        (one.is_ok(), all.len())
    });
}

#[allow(dead_code)]
fn batch(client: AuthenticatedClient, files: Vec<PathBuf>) {
    spawnable(async move {
        client
            .submit_batch_from_paths(InvoiceForm::Fa3, files)
            .await
            .is_ok()
    });
}

#[allow(dead_code)]
fn export(export: Export, package: InvoicePackage, target: PathBuf) {
    spawnable(async move {
        export
            .download(&package, &target, &UnpackLimits::default(), 4)
            .await
            .is_ok()
    });
}

#[allow(dead_code)]
fn sync(client: AuthenticatedClient, dir: PathBuf) {
    spawnable(async move {
        let mut sync = IncrementalSync::open(
            client,
            dir,
            SyncOptions::starting_at(time::OffsetDateTime::UNIX_EPOCH),
        )
        .unwrap();
        sync.run_once().await.is_ok()
    });
}

#[test]
fn the_long_running_calls_can_be_spawned() {
    // The checks are the functions above: this file compiles only if every future they build
    // is `Send + 'static`.
    let _ = (online, batch, export, sync);
}
