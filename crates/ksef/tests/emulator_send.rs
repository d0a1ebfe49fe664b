//! Sending invoices end to end against the emulator: online and batch sessions, UPOs,
//! duplicate safety and resumption.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use ksef::batch::upload::UploadOptions;
use ksef::batch::{BatchLimits, InvoiceSource, NoProgress, PackageBuilder};
use ksef::sending::{BatchOptions, InvoiceForm};
use ksef::{Client, Error};
use ksef_emulator::Emulator;

mod emulator_support;

use emulator_support::{client_for, fast, login, login_owner};

fn fixture() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/invoices/fa3-basic.xml");
    std::fs::read_to_string(path).expect("fixtures/invoices/fa3-basic.xml")
}

/// The fixture with a unique invoice number (`P_2`), so that it is not a duplicate.
fn invoice(n: usize) -> Vec<u8> {
    let xml = fixture();
    let start = xml.find("<P_2>").unwrap() + 5;
    let end = start + xml[start..].find("</P_2>").unwrap();
    format!("{}FV/TEST/{n:06}{}", &xml[..start], &xml[end..]).into_bytes()
}

/// The emulator signs its UPOs (XAdES) with its Ministry-like seal, and the signature verifies.
fn assert_signed_by_emulator(upo: &ksef::upo::Upo) {
    let signer = upo.signature.signer().expect("the emulator signs its UPOs");
    assert!(signer.xades);
    assert!(
        signer
            .certificate
            .subject_name()
            .contains("Ministerstwo Finansów (ksef-emulator)"),
        "{}",
        signer.certificate.subject_name()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_session_sends_waits_and_gets_upos() {
    let (_emulator, client) = login(fast()).await;
    let session = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let mut accepted = Vec::new();
    for n in 0..3 {
        let sent = session.send_invoice(&invoice(n)).await.unwrap();
        let ok = session
            .wait_for_invoice(&sent, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(ksef::crypto::identifiers::KsefNumber::parse(ok.ksef_number.as_str()).is_ok());
        let upo = session.upo(&sent.reference_number).await.unwrap();
        assert!(
            upo.to_text().unwrap().contains(ok.ksef_number.as_str()),
            "the UPO names the KSeF number"
        );
        assert_signed_by_emulator(
            &ksef::upo::parse_upo(upo.to_text().unwrap().as_bytes()).unwrap(),
        );
        accepted.push(ok);
    }
    let listed: Vec<_> = session.invoices().try_collect().await.unwrap();
    assert_eq!(listed.len(), 3);
    session.close().await.unwrap();
    let pages = session.session_upo(Duration::from_secs(30)).await.unwrap();
    assert_eq!(pages.len(), 1);
    let upo = ksef::upo::parse_upo(pages[0].xml.as_bytes()).unwrap();
    assert_signed_by_emulator(&upo);
    assert_eq!(
        upo.session_reference_number,
        session.reference_number().as_str()
    );
    let listed: std::collections::BTreeSet<&str> = upo
        .documents
        .iter()
        .map(|d| d.ksef_number.as_str())
        .collect();
    assert!(
        accepted
            .iter()
            .all(|a| listed.contains(a.ksef_number.as_str())),
        "the session UPO lists every invoice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_duplicate_is_a_typed_rejection() {
    let (_emulator, client) = login(fast()).await;
    let result = client
        .with_online_session(InvoiceForm::Fa3, |session| async move {
            let first = session.send_invoice(&invoice(7)).await?;
            session
                .wait_for_invoice(&first, Duration::from_secs(30))
                .await?;
            // The same invoice again, deliberately: not our lost answer but a second send.
            let mut other = String::from_utf8(invoice(7)).unwrap();
            other = other.replace("</Faktura>", "<!-- inny plik -->\n</Faktura>");
            let second = session.send_invoice(other.as_bytes()).await?;
            session
                .wait_for_invoice(&second, Duration::from_secs(30))
                .await
        })
        .await;
    match result {
        Err(Error::Rejected(r)) => {
            assert_eq!(r.code, 440);
            assert!(r.original_ksef_number.is_some());
        }
        other => panic!("expected a 440 rejection, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_of_invoices_in_several_parts() {
    let (_emulator, client) = login(fast()).await;
    let invoices: Vec<InvoiceSource> = (0..40)
        .map(|n| InvoiceSource::from_bytes(format!("FV-{n:03}.xml"), invoice(1000 + n)))
        .collect();
    let builder = PackageBuilder::new().extend(invoices).limits(BatchLimits {
        part_size: 4_000,
        ..BatchLimits::default()
    });
    submit_all_accepted(&client, builder, 40).await;
}

/// Submits `builder` and expects the batch and each of its `count` invoices to be accepted.
async fn submit_all_accepted(
    client: &ksef::AuthenticatedClient,
    builder: PackageBuilder,
    count: usize,
) {
    let outcome = client
        .submit_batch(
            InvoiceForm::Fa3,
            builder,
            &BatchOptions {
                timeout: Duration::from_secs(60),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(outcome.status.status.code, 200);
    assert_eq!(outcome.invoices.len(), count);
    assert!(
        outcome
            .invoices
            .iter()
            .all(|i| i.status.status.code == 200 && i.name.is_some())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tar_gz_batch_compressed_on_several_threads() {
    // Over 1 MiB of tar, so the gzip stream is made of several blocks compressed in parallel.
    let (_emulator, client) = login(fast()).await;
    let invoices: Vec<InvoiceSource> = (0..600)
        .map(|n| InvoiceSource::from_bytes(format!("FV-{n:03}.xml"), invoice(3000 + n)))
        .collect();
    let builder = PackageBuilder::new()
        .extend(invoices)
        .compression(ksef::batch::Compression::TarGz)
        .threads(3)
        .limits(BatchLimits {
            part_size: 100_000,
            ..BatchLimits::default()
        });
    submit_all_accepted(&client, builder, 600).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_invoices_concurrently_all_with_upos() {
    let (emulator, client) = login(fast()).await;
    let invoices: Vec<Vec<u8>> = (0..1000).map(|n| invoice(10_000 + n)).collect();
    let session = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let results = session
        .send_all(&invoices, 16, Duration::from_secs(120))
        .await;
    let accepted: Vec<_> = results.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(accepted.len(), 1000);
    let numbers: std::collections::HashSet<&str> =
        accepted.iter().map(|a| a.ksef_number.as_str()).collect();
    assert_eq!(numbers.len(), 1000, "every invoice has its own KSeF number");
    for a in accepted.iter().step_by(50) {
        let upo = session.upo_by_ksef_number(&a.ksef_number).await.unwrap();
        assert!(upo.to_text().unwrap().contains(a.ksef_number.as_str()));
    }
    session.close().await.unwrap();
    assert_eq!(emulator.state().store().invoices.len(), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_invoice_batch_in_three_or_more_parts() {
    let (_emulator, client) = login(fast()).await;
    let invoices: Vec<InvoiceSource> = (0..2000)
        .map(|n| InvoiceSource::from_bytes(format!("FV-{n:04}.xml"), invoice(20_000 + n)))
        .collect();
    // Invoices compress ~10×: parts of 100 kB force several parts. The staged calls this time.
    let builder = PackageBuilder::new().extend(invoices).limits(BatchLimits {
        part_size: 100_000,
        ..BatchLimits::default()
    });
    let key = ksef::crypto::symmetric::SymmetricKey::generate();
    let package = client.prepare_batch(builder, &key).await.unwrap();
    assert!(
        package.parts().len() >= 3,
        "{} parts",
        package.parts().len()
    );
    let session = client
        .open_batch(InvoiceForm::Fa3, package, key, false)
        .await
        .unwrap();
    session
        .upload(&UploadOptions::default(), Arc::new(NoProgress))
        .await
        .unwrap();
    session.close().await.unwrap();
    let status = session
        .wait_for_completion(Duration::from_secs(120))
        .await
        .unwrap()
        .status;
    assert_eq!(status.invoice_count, Some(2000));
    assert_eq!(status.successful_invoice_count, Some(2000));
    let invoices = session.invoice_statuses().await.unwrap();
    assert_eq!(invoices.len(), 2000);
    let names: std::collections::HashSet<_> =
        invoices.iter().filter_map(|i| i.name.clone()).collect();
    assert_eq!(names.len(), 2000, "every status resolves to its file name");
    assert!(session.failed_invoices().await.unwrap().is_empty());
    let pages = session.session_upo(Duration::from_secs(60)).await.unwrap();
    assert!(!pages.is_empty());
    session.finish().unwrap();
}

/// Lost answers (the emulator commits the invoice, then drops the connection) never create a
/// second invoice and never lose one: every invoice ends with exactly the KSeF number the
/// emulator stored for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_neither_lose_nor_duplicate_invoices() {
    let mut config = fast();
    config.faults = ksef_emulator::Faults {
        seed: 7,
        drop_after_commit: 0.3,
        operations: vec!["post_sessions_online_by_reference_number_invoices".into()],
        ..ksef_emulator::Faults::default()
    };
    let (emulator, client) = login(config).await;
    let session = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let mut numbers = Vec::new();
    let mut resolved_duplicates = 0;
    for n in 0..60 {
        let xml = invoice(30_000 + n);
        // An application retrying until it has an answer, as a real integration would.
        let accepted = loop {
            match session.send_invoice(&xml).await {
                Ok(sent) => {
                    break session
                        .wait_for_invoice(&sent, Duration::from_secs(30))
                        .await
                        .unwrap();
                }
                Err(e) => assert!(e.is_retryable() || matches!(e, Error::Http(_)), "{e}"),
            }
        };
        resolved_duplicates += usize::from(accepted.was_duplicate_of_own_send);
        numbers.push((
            format!("FV/TEST/{:06}", 30_000 + n),
            accepted.ksef_number.as_str().to_owned(),
        ));
    }
    // Every lost answer was settled by finding the invoice in the session by its hash, so no
    // repeat was sent: the session holds exactly the 60 invoices.
    let listed: Vec<_> = session.invoices().try_collect().await.unwrap();
    session.close().await.unwrap();
    assert_eq!(listed.len() + resolved_duplicates, 60, "no repeat sent");
    let store = emulator.state().store();
    assert_eq!(store.invoices.len(), 60, "0 lost, 0 duplicated");
    for (p2, ksef) in numbers {
        let stored = store
            .invoices
            .get(&ksef)
            .expect("the reported KSeF number exists");
        assert_eq!(stored.metadata.invoice_number, p2);
    }
}

/// No field of the saved state is a token: no `*token*` key, no JWT-shaped value.
fn assert_no_token(value: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                assert!(
                    !k.to_ascii_lowercase().contains("token"),
                    "key {k} in the saved state"
                );
                assert_no_token(v);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(assert_no_token),
        serde_json::Value::String(s) => {
            assert!(
                !(s.starts_with("eyJ") && s.matches('.').count() == 2),
                "a JWT in the saved state"
            );
        }
        _ => {}
    }
}

/// Slows part uploads down (one at a time) so that the parent test can kill the process
/// between parts.
struct Slow;

impl ksef::batch::Progress for Slow {
    fn part_done(&self, _: u32, _: usize, _: usize) {
        std::thread::sleep(Duration::from_millis(400));
    }
}

fn resume_invoices() -> Vec<InvoiceSource> {
    (0..300)
        .map(|n| InvoiceSource::from_bytes(format!("R-{n:03}.xml"), invoice(40_000 + n)))
        .collect()
}

/// A batch with a state file. Run by the kill-and-resume test as its child process (with
/// `KSEF_CHILD_BASE_URL` and `KSEF_CHILD_STATE` set: it uploads slowly until it is killed);
/// on its own it runs the same flow against its own emulator to completion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_with_a_state_file() {
    let child = std::env::var("KSEF_CHILD_BASE_URL")
        .ok()
        .zip(std::env::var("KSEF_CHILD_STATE").ok());
    let own = match &child {
        Some(_) => None,
        None => Some(Emulator::start(fast()).await.unwrap()),
    };
    let base_url = match (&child, &own) {
        (Some((url, _)), _) => url.clone(),
        (None, Some(e)) => e.base_url(),
        _ => unreachable!("either a parent's emulator or our own"),
    };
    let state_dir = tempfile::tempdir().unwrap();
    let state_path = match &child {
        Some((_, path)) => std::path::PathBuf::from(path),
        None => state_dir.path().join("batch.json"),
    };
    let client = Client::builder()
        .base_url(base_url)
        .auth_poll_interval(Duration::from_millis(20))
        .build()
        .unwrap();
    let client = login_owner(&client).await;
    let builder = PackageBuilder::new()
        .extend(resume_invoices())
        .limits(BatchLimits {
            part_size: 20_000,
            ..BatchLimits::default()
        });
    let key = ksef::crypto::symmetric::SymmetricKey::generate();
    let package = client.prepare_batch(builder, &key).await.unwrap();
    let mut session = client
        .open_batch(InvoiceForm::Fa3, package, key, false)
        .await
        .unwrap();
    session.save_state_to(state_path.clone()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the state holds the session key");
    }
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    assert_no_token(&saved);
    let options = UploadOptions {
        concurrency: 1,
        ..UploadOptions::default()
    };
    session.upload(&options, Arc::new(Slow)).await.unwrap();
    session.close().await.unwrap();
    let status = session
        .wait_for_completion(Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(status.status.successful_invoice_count, Some(300));
    session.finish().unwrap();
    assert!(
        !state_path.exists(),
        "the state file is removed when the batch is done"
    );
}

#[derive(Default)]
struct CountParts(std::sync::atomic::AtomicUsize);

impl ksef::batch::Progress for CountParts {
    fn part_done(&self, _: u32, _: usize, _: usize) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The process uploading a batch is killed mid-upload; a new login resumes from the saved state
/// and uploads only the missing parts; every invoice is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_resumes_after_the_process_is_killed() {
    let emulator = Emulator::start(fast()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join("batch.json");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "batch_with_a_state_file",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("KSEF_CHILD_BASE_URL", emulator.base_url())
        .env("KSEF_CHILD_STATE", &state_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until at least one part is recorded as uploaded, then kill the child.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let uploaded_before = loop {
        if let Ok(state) = ksef::sending::BatchSessionState::load(&state_path)
            && !state.uploaded.is_empty()
        {
            break state.uploaded.len();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the child never uploaded a part"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child ended before it was killed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    child.kill().unwrap();
    let _ = child.wait();

    let state = ksef::sending::BatchSessionState::load(&state_path).unwrap();
    let total = state.parts_total();
    assert!(
        state.uploaded.len() < total,
        "killed mid-upload ({} of {total})",
        state.uploaded.len()
    );
    assert!(uploaded_before >= 1);
    let client = login_owner(&client_for(&emulator)).await;
    let already = state.uploaded.len();
    let session = client.resume_batch(state).unwrap();
    let counter = Arc::new(CountParts::default());
    session
        .upload(&UploadOptions::default(), counter.clone())
        .await
        .unwrap();
    assert_eq!(
        counter.0.load(std::sync::atomic::Ordering::SeqCst),
        total - already,
        "only missing parts are uploaded"
    );
    session.close().await.unwrap();
    let status = session
        .wait_for_completion(Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(status.status.successful_invoice_count, Some(300));
    assert_eq!(emulator.state().store().invoices.len(), 300);
    session.finish().unwrap();
}
