//! The one-call and scoped flows of issue 14 against the embedded emulator: batch spools never
//! outlive a failed or panicking run, scoped test data is undone after an error or a panic,
//! a login is shared through its tokens, and a rotated Ministry key is re-fetched when a
//! session or an export is opened.

mod emulator_support;

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::time::Duration;

use futures::FutureExt as _;
use ksef::api::testdata_requests::{grant, person, subject};
use ksef::batch::{InvoiceSource, PackageBuilder};
use ksef::model::{Nip, Pesel, SubjectType, TestDataPermissionType};
use ksef::sending::{BatchOptions, InvoiceForm, OnlineSessionState, package_from_paths};
use ksef::{AuthenticatedClient, Error};
use ksef_emulator::{EmulatorConfig, KeyUsage};

use emulator_support::{NIP, client_for, fast, login};

/// The test fixture with a unique invoice number (`P_2`).
fn invoice(n: usize) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/invoices/fa3-basic.xml");
    let xml = std::fs::read_to_string(path).expect("fixtures/invoices/fa3-basic.xml");
    let start = xml.find("<P_2>").unwrap() + 5;
    let end = start + xml[start..].find("</P_2>").unwrap();
    format!("{}FV/FLOW/{n:06}{}", &xml[..start], &xml[end..]).into_bytes()
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

fn package(n: usize, work_dir: &Path) -> PackageBuilder {
    PackageBuilder::new()
        .extend((0..n).map(|i| InvoiceSource::from_bytes(format!("FV-{i}.xml"), invoice(i))))
        .work_dir(work_dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_batch_from_paths_sends_a_directory_and_leaves_nothing_behind() {
    let (_emulator, client) = login(fast()).await;
    let invoices = tempfile::tempdir().unwrap();
    for n in 0..5 {
        std::fs::write(invoices.path().join(format!("FV-{n}.xml")), invoice(n)).unwrap();
    }
    std::fs::write(invoices.path().join("notes.txt"), b"not an invoice").unwrap();
    let spool = tempfile::tempdir().unwrap();
    let package = package_from_paths([invoices.path()])
        .unwrap()
        .work_dir(spool.path());
    let outcome = client
        .submit_batch(InvoiceForm::Fa3, package, &BatchOptions::default())
        .await
        .unwrap();
    assert_eq!(outcome.invoices.len(), 5);
    assert!(outcome.invoices.iter().all(|i| i.status.status.code == 200));
    assert_eq!(
        entries(spool.path()),
        0,
        "the spool is removed after success"
    );

    // Single files work as well as directories.
    let one = invoices.path().join("one");
    std::fs::create_dir(&one).unwrap();
    std::fs::write(one.join("FV-9.xml"), invoice(9)).unwrap();
    let outcome = client
        .submit_batch_from_paths(InvoiceForm::Fa3, [one.join("FV-9.xml")])
        .await
        .unwrap();
    assert_eq!(outcome.invoices.len(), 1);
    assert_eq!(outcome.invoices[0].name.as_deref(), Some("FV-9.xml"));
    assert!(matches!(
        package_from_paths([spool.path()]),
        Err(Error::InvalidInput(_))
    ));
}

/// Issue 14: a submit that fails after the session was opened (here: KSeF takes longer than
/// the caller waits) removes its spooled parts when no state file was asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spool_is_removed_after_an_error() {
    let (_emulator, client) = login(EmulatorConfig {
        batch_processing_ms: 60_000,
        ..fast()
    })
    .await;
    let spool = tempfile::tempdir().unwrap();
    let options = BatchOptions {
        timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let result = client
        .submit_batch(InvoiceForm::Fa3, package(3, spool.path()), &options)
        .await;
    assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
    assert_eq!(entries(spool.path()), 0, "no spooled part is left behind");

    // With a state file the parts are what resuming needs: both stay.
    let state = spool.path().join("state.json");
    let options = BatchOptions {
        state_file: Some(state.clone()),
        ..options
    };
    let result = client
        .submit_batch(InvoiceForm::Fa3, package(3, spool.path()), &options)
        .await;
    assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
    let saved = ksef::sending::BatchSessionState::load(&state).unwrap();
    assert!(saved.spool_dir().is_dir());
    assert_eq!(saved.uploaded.len(), saved.parts_total());
}

/// A panic inside a scoped batch session unwinds through the spool's guard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_batch_scope_leaves_no_spool() {
    let (_emulator, client) = login(fast()).await;
    let spool = tempfile::tempdir().unwrap();
    let dir = spool.path().to_path_buf();
    let run = client.with_batch_session(InvoiceForm::Fa3, package(2, &dir), |session| async move {
        session.upload_parts().await?;
        if !session.state().uploaded.is_empty() {
            panic!("the caller's code panics mid-session");
        }
        Ok(())
    });
    let unwound = AssertUnwindSafe(run).catch_unwind().await;
    assert!(unwound.is_err(), "the panic goes on");
    assert_eq!(entries(spool.path()), 0);
}

/// The scoped session closes by itself; the result is then awaited by reference number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_batch_session_is_awaited_by_reference() {
    let (_emulator, client) = login(fast()).await;
    let spool = tempfile::tempdir().unwrap();
    let reference = client
        .with_batch_session(
            InvoiceForm::Fa3,
            package(4, spool.path()),
            |session| async move {
                session.upload_parts().await?;
                let status = session.status().await?;
                assert_eq!(status.status.code, 100);
                Ok(session.reference_number().clone())
            },
        )
        .await
        .unwrap();
    assert_eq!(entries(spool.path()), 0);
    let done = client
        .wait_for_batch(&reference, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(done.status.status.code, 200);
    assert_eq!(done.status.successful_invoice_count, Some(4));
}

fn ids(seed: u64) -> (Nip, Nip, Pesel) {
    // Valid checksums: NIP weights 6 5 7 2 3 4 5 6 7, PESEL weights 1 3 7 9.
    let nip = |body: u64| {
        let digits: Vec<u32> = format!("{body:09}")
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .collect();
        let sum: u32 = digits
            .iter()
            .zip([6, 5, 7, 2, 3, 4, 5, 6, 7])
            .map(|(d, w)| d * w)
            .sum();
        let check = sum % 11;
        (check < 10).then(|| Nip::new(format!("{body:09}{check}").as_str()).unwrap())
    };
    let mut body = 111_111_111 + seed * 7919;
    let mut found = Vec::new();
    while found.len() < 2 {
        if let Some(n) = nip(body) {
            found.push(n);
        }
        body += 1;
    }
    let pesel_body = format!("9001011{:03}", seed % 1000);
    let digits: Vec<u32> = pesel_body.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = digits
        .iter()
        .zip([1, 3, 7, 9, 1, 3, 7, 9, 1, 3])
        .map(|(d, w)| d * w)
        .sum();
    let pesel = Pesel::new(format!("{pesel_body}{}", (10 - sum % 10) % 10).as_str()).unwrap();
    let second = found.pop().unwrap();
    (found.pop().unwrap(), second, pesel)
}

fn testdata_is_empty(emulator: &ksef_emulator::Emulator, org: &Nip, person: &Nip) -> bool {
    let store = emulator.state().store();
    !store.testdata.subjects.contains_key(org.as_str())
        && !store.testdata.persons.contains_key(person.as_str())
}

/// Issue 14: the undo steps run when the body fails, and the body's error comes back with the
/// cleanup's outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_test_data_is_undone_after_an_error() {
    let emulator = ksef_emulator::Emulator::start(fast()).await.unwrap();
    let client = client_for(&emulator);
    let (org, someone, pesel) = ids(1);
    let (o, s, p) = (org.clone(), someone.clone(), pesel.clone());
    let (result, cleanup) = client
        .testdata()
        .scoped(|t| async move {
            t.create_subject(subject(&o, SubjectType::EnforcementAuthority, "test org"))
                .await?;
            t.create_person(person(&s, &p, "test person")).await?;
            t.grant_permissions(grant(&o, &s, [TestDataPermissionType::InvoiceWrite]))
                .await?;
            assert_eq!(t.pending(), 3);
            // The caller's test fails half-way.
            Err::<(), _>(Error::InvalidInput("the test failed".into()))
        })
        .await;
    assert!(matches!(result, Err(Error::InvalidInput(_))), "{result:?}");
    cleanup.unwrap();
    assert!(testdata_is_empty(&emulator, &org, &someone));
}

/// Issue 14: the undo steps run when the body panics, and the panic goes on afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_test_data_is_undone_after_a_panic() {
    let emulator = ksef_emulator::Emulator::start(fast()).await.unwrap();
    let client = client_for(&emulator);
    let (org, someone, pesel) = ids(2);
    let (o, s, p) = (org.clone(), someone.clone(), pesel.clone());
    let task = tokio::spawn(async move {
        client
            .testdata()
            .scoped(|t| async move {
                t.create_subject(subject(&o, SubjectType::EnforcementAuthority, "test org"))
                    .await?;
                t.create_person(person(&s, &p, "test person")).await?;
                panic!("an assertion of the caller's test fails");
                #[allow(unreachable_code)]
                Ok::<(), Error>(())
            })
            .await
    });
    assert!(task.await.is_err_and(|e| e.is_panic()));
    assert!(testdata_is_empty(&emulator, &org, &someone));
}

/// Issue 14: a worker continues a login from its tokens, without logging in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_tokens_shares_one_login() {
    let (emulator, client) = login(fast()).await;
    let (access, access_until) = client.access_token().await.unwrap();
    let refresh = client.refresh_token();
    assert!(!format!("{refresh:?}").contains(refresh.token.expose()));
    let worker = AuthenticatedClient::from_tokens(
        &client_for(&emulator),
        ksef::TimedToken {
            token: access,
            valid_until: access_until,
        },
        refresh,
    );
    let session = worker.open_online(InvoiceForm::Fa3).await.unwrap();
    let sent = session.send_invoice(&invoice(1)).await.unwrap();
    let accepted = session
        .wait_for_invoice(&sent, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(accepted.ksef_number.as_str().starts_with(NIP));
    // The worker refreshes the access token with the shared refresh token.
    worker.refresh_access_token().await.unwrap();
    session.close().await.unwrap();
}

/// The Ministry replaces its `SymmetricKeyEncryption` key; the old one is refused with 21470.
fn rotate_session_key(emulator: &ksef_emulator::Emulator) {
    emulator
        .state()
        .keys()
        .rotate(KeyUsage::SymmetricKeyEncryption)
        .unwrap();
}

/// Issue 14: the key cache owns the 21470 re-fetch, so opening a session or an export survives
/// a key change at the Ministry made after the keys were cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_survives_a_key_rotation() {
    let (emulator, client) = login(fast()).await;
    let first = client.open_online(InvoiceForm::Fa3).await.unwrap();
    first.close().await.unwrap();
    rotate_session_key(&emulator);
    let second = client.open_online(InvoiceForm::Fa3).await.unwrap();
    second.close().await.unwrap();

    rotate_session_key(&emulator);
    let spool = tempfile::tempdir().unwrap();
    let outcome = client
        .submit_batch(
            InvoiceForm::Fa3,
            package(2, spool.path()),
            &BatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(outcome.status.status.code, 200);

    rotate_session_key(&emulator);
    let now = time::OffsetDateTime::now_utc();
    let filters = ksef::model::InvoiceQueryFilters::new(
        ksef::model::InvoiceQuerySubjectType::Subject1,
        ksef::model::InvoiceQueryDateRange::new(
            ksef::model::InvoiceQueryDateType::PermanentStorage,
            now - time::Duration::days(1),
        ),
    );
    client
        .start_export(filters, true, ksef::model::CompressionType::Zip)
        .await
        .unwrap();
}

/// Issue 14: an online session with a state file saves its state after every send, knows
/// until when it is valid, and removes the file once closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_state_is_saved_automatically() {
    let (_emulator, client) = login(fast()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("online.json");
    let session = client.open_online(InvoiceForm::Fa3).await.unwrap();
    assert!(session.valid_until().is_some());
    session.save_state_to(&path).unwrap();
    assert!(OnlineSessionState::load(&path).unwrap().sent.is_empty());
    session.send_invoice(&invoice(2)).await.unwrap();
    let saved = OnlineSessionState::load(&path).unwrap();
    assert_eq!(saved.sent.len(), 1);
    assert_eq!(saved.valid_until, session.valid_until());
    let resumed = client.resume_online(saved).unwrap();
    assert_eq!(resumed.valid_until(), session.valid_until());
    assert_eq!(resumed.status().await.unwrap().status.code, 100);
    session.close().await.unwrap();
    assert!(
        !path.exists(),
        "a closed session's state (with its key) is removed"
    );
}
