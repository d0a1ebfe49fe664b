//! Issue 12 regressions against the emulator: duplicates resolved by stored hash across
//! sessions, unknown outcomes reconciled by hash, closes whose answers were lost.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use ksef::Error;
use ksef::batch::upload::UploadOptions;
use ksef::batch::{InvoiceSource, NoProgress, PackageBuilder};
use ksef::crypto::symmetric::sha256_base64;
use ksef::sending::InvoiceForm;
use ksef_emulator::{EmulatorConfig, Faults};

mod emulator_support;

use emulator_support::{fast, login};

const SEND: &str = "post_sessions_online_by_reference_number_invoices";
const WAIT: Duration = Duration::from_secs(30);

/// The fixture with invoice number `FV/F12/{n}`.
fn invoice(n: usize) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/invoices/fa3-basic.xml");
    let xml = std::fs::read_to_string(path).unwrap();
    let start = xml.find("<P_2>").unwrap() + 5;
    let end = start + xml[start..].find("</P_2>").unwrap();
    format!("{}FV/F12/{n:06}{}", &xml[..start], &xml[end..]).into_bytes()
}

/// The same invoice number with other content.
fn reworded(n: usize) -> Vec<u8> {
    String::from_utf8(invoice(n))
        .unwrap()
        .replace("</Faktura>", "<!-- poprawiona -->\n</Faktura>")
        .into_bytes()
}

fn faulty(faults: Faults) -> EmulatorConfig {
    EmulatorConfig { faults, ..fast() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_invoice_sent_again_after_a_restart_resolves_to_the_original() {
    let (_emulator, client) = login(fast()).await;
    let first = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let sent = first.send_invoice(&invoice(1)).await.unwrap();
    let original = first.wait_for_invoice(&sent, WAIT).await.unwrap();
    first.close().await.unwrap();
    // A new process, a new session: the same bytes again.
    let second = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let sent = second.send_invoice(&invoice(1)).await.unwrap();
    let again = second.wait_for_invoice(&sent, WAIT).await.unwrap();
    second.close().await.unwrap();
    assert!(again.was_duplicate_of_own_send);
    assert_eq!(again.ksef_number, original.ksef_number);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_invoice_reusing_a_number_is_rejected_in_any_session() {
    let (_emulator, client) = login(fast()).await;
    let first = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let sent = first.send_invoice(&invoice(2)).await.unwrap();
    let original = first.wait_for_invoice(&sent, WAIT).await.unwrap();
    for session in [&first, &client.open_online(InvoiceForm::Fa3).await.unwrap()] {
        let sent = session.send_invoice(&reworded(2)).await.unwrap();
        match session.wait_for_invoice(&sent, WAIT).await {
            Err(Error::Rejected(r)) => {
                assert_eq!(r.code, 440);
                assert_eq!(
                    r.original_ksef_number.as_deref(),
                    Some(original.ksef_number.as_str())
                );
            }
            other => panic!("a different invoice must be rejected, got {other:?}"),
        }
        session.close().await.unwrap();
    }
    let check = client
        .check_duplicate(
            original.ksef_number.as_str(),
            None,
            &sha256_base64(&reworded(2)),
        )
        .await
        .unwrap();
    assert!(matches!(
        check,
        ksef::sending::DuplicateCheck::DifferentInvoice { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_answered_with_500_are_settled_by_hash_not_reported_failed() {
    let (emulator, client) = login(faulty(Faults {
        seed: 12,
        internal_error: 0.15,
        drop_after_commit: 0.15,
        operations: vec![SEND.into()],
        ..Faults::default()
    }))
    .await;
    let session = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let mut numbers = Vec::new();
    for n in 100..130 {
        let xml = invoice(n);
        let sent = match session.send_invoice(&xml).await {
            Ok(sent) => sent,
            Err(Error::OutcomeUnknown { invoice_hash, .. }) => {
                assert_eq!(invoice_hash.as_deref(), Some(sha256_base64(&xml).as_str()));
                session
                    .reconcile_invoice(&xml, &Default::default())
                    .await
                    .unwrap()
            }
            Err(e) => panic!("a 500 or a lost answer is not a failure: {e}"),
        };
        let accepted = session.wait_for_invoice(&sent, WAIT).await.unwrap();
        numbers.push(accepted.ksef_number);
    }
    let listed: Vec<_> = session.invoices().try_collect().await.unwrap();
    assert_eq!(listed.len(), 30, "nothing sent twice");
    session.close().await.unwrap();
    assert_eq!(emulator.state().store().invoices.len(), 30, "nothing lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_that_never_gets_an_answer_is_outcome_unknown() {
    let (_emulator, client) = login(faulty(Faults {
        seed: 1,
        internal_error: 1.0,
        operations: vec![SEND.into()],
        ..Faults::default()
    }))
    .await;
    let session = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let xml = invoice(200);
    match session.send_invoice(&xml).await {
        Err(Error::OutcomeUnknown {
            session_reference,
            invoice_hash,
            ..
        }) => {
            assert_eq!(
                session_reference.as_deref(),
                Some(session.reference_number().as_str())
            );
            assert_eq!(invoice_hash, Some(sha256_base64(&xml)));
        }
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    session.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_close_whose_answer_was_lost_counts_as_closed() {
    let (_emulator, client) = login(faulty(Faults {
        seed: 3,
        drop_after_commit: 1.0,
        operations: vec!["post_sessions_online_by_reference_number_close".into()],
        ..Faults::default()
    }))
    .await;
    let session = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let sent = session.send_invoice(&invoice(300)).await.unwrap();
    session.wait_for_invoice(&sent, WAIT).await.unwrap();
    session.close().await.unwrap();
    let pages = session.session_upo(WAIT).await.unwrap();
    assert_eq!(pages.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_close_whose_answer_was_lost_is_resumed_as_closed() {
    let (_emulator, client) = login(faulty(Faults {
        seed: 4,
        drop_after_commit: 1.0,
        operations: vec!["post_sessions_batch_by_reference_number_close".into()],
        ..Faults::default()
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("batch-state.json");
    let builder = PackageBuilder::new()
        .extend((400..405).map(|n| InvoiceSource::from_bytes(format!("{n}.xml"), invoice(n))))
        .work_dir(dir.path().join("spool"));
    let key = ksef::crypto::symmetric::SymmetricKey::generate();
    let package = client.prepare_batch(builder, &key).await.unwrap();
    let mut batch = client
        .open_batch(InvoiceForm::Fa3, package, key, false)
        .await
        .unwrap();
    batch.save_state_to(state_file.clone()).unwrap();
    batch
        .upload(&UploadOptions::default(), Arc::new(NoProgress))
        .await
        .unwrap();
    // The process dies while the close is in flight: the state says "not closed".
    drop(batch);
    let state = ksef::sending::BatchSessionState::load(&state_file).unwrap();
    assert!(!state.closed);
    let mut resumed = client.resume_batch(state).unwrap();
    resumed.save_state_to(state_file.clone()).unwrap();
    // The close reached KSeF before the connection dropped: the resume reads the status.
    resumed.close().await.unwrap_or_else(|e| {
        // The first close in this process had its answer dropped too; a second call must
        // settle it through the session status.
        panic!("close after a lost answer: {e}")
    });
    resumed.close().await.unwrap();
    let status = resumed.wait_for_completion(WAIT).await.unwrap();
    assert_eq!(status.status.status.code, 200);
}
