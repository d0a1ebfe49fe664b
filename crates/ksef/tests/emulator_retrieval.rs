//! Getting invoices out of the emulator: hash-verified download, the metadata query across
//! truncated result sets, and incremental sync converging to exactly the server's set.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::TryStreamExt;
use ksef::AuthenticatedClient;
use ksef::crypto::identifiers::{KsefNumber, Nip};
use ksef::model::{
    InvoiceQueryDateRange, InvoiceQueryDateType, InvoiceQueryFilters, InvoiceQuerySubjectType,
};
use ksef::retrieval::{IncrementalSync, SyncOptions};
use ksef_emulator::Emulator;
use time::OffsetDateTime;

mod emulator_support;

use emulator_support::NIP;
const BUYER: &str = "1234563218";

/// Stores `count` invoices of NIP (seller) to BUYER, permanently stored `step` apart from `start`.
fn seed_spaced(
    emulator: &Emulator,
    first: u64,
    count: u64,
    start: OffsetDateTime,
    step: time::Duration,
) -> Vec<String> {
    let nip = Nip::parse(NIP).unwrap();
    let mut store = emulator.state().store();
    let mut numbers = Vec::new();
    for i in first..first + count {
        let stored = start + step * ((i - first) as i32);
        let technical: [u8; 6] = (i * 2654435761 % (1 << 48)).to_be_bytes()[2..]
            .try_into()
            .unwrap();
        let number = KsefNumber::compose(&nip, stored.date(), technical).unwrap();
        let invoice_number = format!("FV/SEED/{i:07}");
        let xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Faktura><P_2>{invoice_number}</P_2></Faktura>").into_bytes();
        emulator_support::store_invoice(
            &mut store,
            &number,
            &invoice_number,
            Some(BUYER),
            stored,
            xml,
        );
        numbers.push(number.as_str().to_owned());
    }
    numbers
}

fn seed(emulator: &Emulator, first: u64, count: u64, start: OffsetDateTime) -> Vec<String> {
    seed_spaced(
        emulator,
        first,
        count,
        start,
        time::Duration::milliseconds(1),
    )
}

/// Invoices arriving now: stored in the last `count` microseconds, as KSeF stores them when
/// they are accepted (after every earlier high-water mark).
fn arrive(emulator: &Emulator, first: u64, count: u64) -> Vec<String> {
    let now = OffsetDateTime::now_utc();
    seed_spaced(
        emulator,
        first,
        count,
        now - time::Duration::microseconds(count as i64),
        time::Duration::microseconds(1),
    )
}

fn assert_same(got: &BTreeSet<String>, want: &BTreeSet<String>, what: &str) {
    let missing: Vec<_> = want.difference(got).take(3).collect();
    let extra: Vec<_> = got.difference(want).take(3).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} synced, {} expected; missing e.g. {missing:?}, unexpected e.g. {extra:?}",
        got.len(),
        want.len()
    );
}

async fn login() -> (Emulator, AuthenticatedClient) {
    emulator_support::login(emulator_support::fast()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_checks_the_announced_hash() {
    let (emulator, client) = login().await;
    let numbers = seed(
        &emulator,
        0,
        3,
        OffsetDateTime::now_utc() - time::Duration::hours(1),
    );
    let number = ksef::model::KsefNumber::new(numbers[1].as_str()).unwrap();
    let invoice = client.download_invoice(&number).await.unwrap();
    assert_eq!(
        &invoice.xml[..],
        &emulator.state().store().invoices[&numbers[1]].xml[..]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_query_stream_crosses_truncated_result_sets_without_repeats() {
    let (emulator, client) = login().await;
    let start = OffsetDateTime::now_utc() - time::Duration::days(2);
    let numbers: BTreeSet<String> = seed(&emulator, 0, 10_600, start).into_iter().collect();
    let mut range = InvoiceQueryDateRange::new(
        InvoiceQueryDateType::PermanentStorage,
        start - time::Duration::minutes(1),
    );
    range.to = Some(OffsetDateTime::now_utc());
    let filters = InvoiceQueryFilters::new(InvoiceQuerySubjectType::Subject1, range);
    let got: Vec<_> = client.query_invoices(filters).try_collect().await.unwrap();
    let unique: BTreeSet<String> = got
        .iter()
        .map(|m| m.ksef_number.as_str().to_owned())
        .collect();
    assert_eq!(unique.len(), got.len(), "no invoice twice");
    assert_eq!(unique, numbers);
}

fn synced_files(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir.join("Subject1"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .strip_suffix(".xml")
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// 25,000 invoices over five windows, new ones arriving between windows, one sync killed in the
/// middle and restarted: the directory ends with exactly the emulator's set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_sync_converges_to_exactly_the_server_set() {
    let (emulator, client) = login().await;
    let dir = tempfile::tempdir().unwrap();
    let mut options =
        SyncOptions::starting_at(OffsetDateTime::now_utc() - time::Duration::hours(1));
    options.subject_types = vec![InvoiceQuerySubjectType::Subject1];
    options.min_interval = Duration::ZERO;
    let mut expected = BTreeSet::new();
    let batches = [12_000u64, 4_000, 3_000, 3_500, 2_500];
    let mut next = 0u64;
    for (window, count) in batches.iter().enumerate() {
        expected.extend(arrive(&emulator, next, *count));
        // The emulator's high-water mark trails the clock by `hwm_lag_ms` (100 ms): wait until
        // the arrivals lie behind it, as a real sync waits for its next round.
        tokio::time::sleep(Duration::from_millis(250)).await;
        next += count;
        if window == 2 {
            // Kill a sync in the middle of its work, then let a fresh one continue from the state.
            let mut doomed =
                IncrementalSync::open(client.clone(), dir.path(), options.clone()).unwrap();
            let _ = tokio::time::timeout(Duration::from_millis(300), doomed.run_once()).await;
        }
        let mut sync = IncrementalSync::open(client.clone(), dir.path(), options.clone()).unwrap();
        sync.run_once().await.unwrap();
        assert_same(
            &synced_files(dir.path()),
            &expected,
            &format!("after window {window}"),
        );
    }
    assert_eq!(expected.len(), 25_000);
    assert_eq!(emulator.state().store().invoices.len(), 25_000);
}

#[tokio::test]
async fn two_syncs_cannot_share_a_directory_at_once() {
    let (_emulator, client) = login().await;
    let dir = tempfile::tempdir().unwrap();
    let options = SyncOptions::starting_at(OffsetDateTime::now_utc() - time::Duration::hours(1));
    let first = IncrementalSync::open(client.clone(), dir.path(), options.clone()).unwrap();
    match IncrementalSync::open(client.clone(), dir.path(), options.clone()) {
        Err(ksef::Error::Locked { path, .. }) => assert!(path.starts_with(dir.path())),
        other => panic!("expected Locked, got {:?}", other.map(|_| ())),
    }
    drop(first);
    IncrementalSync::open(client, dir.path(), options).expect("free again once the first ends");
}
