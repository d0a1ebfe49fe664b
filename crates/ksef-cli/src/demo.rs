//! `ksef demo`: the whole story end to end — by default on the embedded emulator, with no
//! credentials and no network.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::batch::Progress;
use ksef::crypto::test_certs::{self, PersonIdentifier, TestKeyType};
use ksef::model::{
    AttachmentPermissionGrantRequest, InvoiceQuerySubjectType, Nip, PersonCreateRequest, Pesel,
};
use ksef::retrieval::{IncrementalSync, SyncOptions};
use ksef::{Client, InvoiceForm};
use serde_json::json;

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::files::write_atomic;
use crate::output::Report;

/// Options of `ksef demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Where to write UPOs, synchronised invoices and the QR code.
    #[arg(long, default_value = "ksef-demo")]
    pub out: PathBuf,
    /// Invoices sent in the online session.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub online: u16,
    /// Invoices sent in the batch session.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=10000))]
    pub batch: u16,
}

/// The repository's sample FA(3) invoices (each one validated against the official XSD by a
/// test): a basic one, one in EUR with a third party, one with an attachment — the last only in
/// batch sessions (KSeF takes invoices with attachments only there).
const FIXTURES: [&str; 3] = [
    include_str!("../../../fixtures/invoices/fa3-basic.xml"),
    include_str!("../../../fixtures/invoices/fa3-eur-third-party.xml"),
    include_str!("../../../fixtures/invoices/fa3-with-attachment.xml"),
];
const ONLINE_FIXTURES: usize = 2;
const FIXTURE_SELLER: &str = "<NIP>5265877635</NIP>";

/// Replaces the text of the first `<tag>` element.
fn set_element(xml: &str, tag: &str, value: &str) -> String {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    match (xml.find(&open), xml.find(&close)) {
        (Some(a), Some(b)) if a + open.len() <= b => {
            format!("{}{value}{}", &xml[..a + open.len()], &xml[b..])
        }
        _ => xml.to_owned(),
    }
}

/// Fixture `n` as an invoice of `seller` with a unique number, issued today (Polish
/// date), so that it counts as an online invoice rather than one issued offline.
fn invoice(n: usize, seller: &str, number: &str) -> Vec<u8> {
    let template = FIXTURES.get(n).copied().unwrap_or(FIXTURES[0]);
    let xml = template.replacen(FIXTURE_SELLER, &format!("<NIP>{seller}</NIP>"), 1);
    let today = ksef::model::rt::datetime::format_date(&issue_date());
    let xml = set_element(&xml, "P_1", &today);
    set_element(&xml, "P_2", number).into_bytes()
}

/// Today in Poland.
fn issue_date() -> time::Date {
    ksef::model::rt::datetime::warsaw_today()
}

/// Draws upload progress on stderr.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn prepared(&self, done: usize, total: usize, _bytes: u64) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
    }
    fn uploaded(&self, _ordinal: u32, _bytes: u64) {}
    fn part_done(&self, _ordinal: u32, done: usize, total: usize) {
        self.0
            .set_message(format!("parts uploaded: {done}/{total}"));
    }
}

/// Runs the demo and fills `report`.
///
/// Only an explicit `--base-url`/`KSEF_BASE_URL` sends the demo elsewhere: a profile never does,
/// so `ksef demo` cannot touch a real environment by accident.
pub async fn run(options: DemoArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let (_emulator, base_url) = match ctx.conn.explicit_base_url() {
        Some(url) => (None, url),
        None => {
            let emulator = ksef_emulator::Emulator::start(ksef_emulator::EmulatorConfig::default())
                .await
                .map_err(|e| CliError::failure(e.to_string()))?;
            let url = emulator.base_url();
            (Some(emulator), url)
        }
    };
    report.progress(&format!("KSeF API at {base_url}"));
    report.field("baseUrl", json!(base_url));
    let client = Client::builder()
        .base_url(base_url.clone())
        .build()
        .map_err(CliError::from)?;

    // 1. Test data: a person with a NIP and a PESEL.
    let (nip, pesel) = (Nip::random(), Pesel::random());
    client
        .testdata()
        .create_person(PersonCreateRequest::new(
            nip.clone(),
            pesel.clone(),
            false,
            "ksef demo".into(),
        ))
        .send()
        .await
        .map_err(CliError::from)?;
    // The fixtures include an invoice with an attachment: KSeF needs a permission for those.
    client
        .testdata()
        .grant_attachment(AttachmentPermissionGrantRequest::new(nip.clone()))
        .send()
        .await
        .map_err(CliError::from)?;
    let (nip, pesel) = (nip.into_string(), pesel.into_string());
    report.line(format!(
        "test person:     PESEL {pesel}, company NIP {nip} (attachments allowed)"
    ));

    // 2. XAdES login with a generated TEST certificate.
    let certificate = test_certs::person_certificate(
        "Jan",
        "Demonstracyjny",
        &PersonIdentifier::Pesel(pesel.clone()),
        TestKeyType::P256,
    )
    .map_err(|e| CliError::failure(e.to_string()))?;
    let session = client
        .login_xades(
            &certificate,
            ContextIdentifier::Nip(nip.clone()),
            &XadesOptions::default(),
        )
        .await
        .map_err(CliError::from)?;
    report.line(format!(
        "logged in:       XAdES, authentication {}",
        session.reference_number()
    ));

    // 3. An online session: send, wait for KSeF numbers, save UPOs.
    let online = session
        .open_online(InvoiceForm::Fa3)
        .await
        .map_err(CliError::from)?;
    let invoices: Vec<Vec<u8>> = (1..=usize::from(options.online))
        .map(|n| invoice((n - 1) % ONLINE_FIXTURES, &nip, &format!("DEMO/ON/{n:04}")))
        .collect();
    let results = online
        .send_all(&invoices, 4, Duration::from_secs(120))
        .await;
    let mut numbers = Vec::new();
    for result in results {
        let accepted = result.map_err(CliError::from)?;
        let upo = online
            .upo_by_ksef_number(&accepted.ksef_number)
            .await
            .map_err(CliError::from)?;
        write_atomic(
            &options
                .out
                .join("upo")
                .join(format!("{}.xml", accepted.ksef_number)),
            upo.as_bytes(),
        )?;
        numbers.push(accepted.ksef_number.as_str().to_owned());
    }
    online.close().await.map_err(CliError::from)?;
    let pages = online
        .session_upo(Duration::from_secs(120))
        .await
        .map_err(CliError::from)?;
    for page in &pages {
        write_atomic(
            &options
                .out
                .join("upo")
                .join(format!("session-{}.xml", page.reference_number)),
            page.xml.as_bytes(),
        )?;
    }
    report.line(format!(
        "online session:  {} — {} invoices accepted, UPOs saved",
        online.reference_number(),
        numbers.len()
    ));
    for n in &numbers {
        report.line(format!("                 {n}"));
    }
    report.field(
        "online",
        json!({"session": online.reference_number().as_str(), "ksefNumbers": numbers}),
    );

    // 4. A batch session with a progress bar.
    let bar = indicatif::ProgressBar::new(usize::from(options.batch) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} batch {pos}/{len} invoices prepared {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // The invoices go into a directory first and are packed from there, as `ksef batch DIR` does.
    let batch_dir = options.out.join("batch-invoices");
    if batch_dir.exists() {
        std::fs::remove_dir_all(&batch_dir)
            .map_err(|e| CliError::failure(format!("cannot clear {}: {e}", batch_dir.display())))?;
    }
    for n in 1..=usize::from(options.batch) {
        let xml = invoice(
            (n - 1) % FIXTURES.len(),
            &nip,
            &format!("DEMO/BATCH/{n:04}"),
        );
        write_atomic(&batch_dir.join(format!("DEMO-{n:04}.xml")), &xml)?;
    }
    let batch_options = ksef::sending::BatchOptions {
        progress: Some(Arc::new(Bar(bar.clone()))),
        timeout: Duration::from_secs(300),
        ..Default::default()
    };
    let package = ksef::sending::package_from_paths([&batch_dir])?;
    let outcome = session
        .submit_batch(InvoiceForm::Fa3, package, &batch_options)
        .await
        .map_err(CliError::from)?;
    bar.finish_and_clear();
    let ok = outcome
        .invoices
        .iter()
        .filter(|i| i.status.status.code == ksef::model::status::session_invoice::ACCEPTED)
        .count();
    report.line(format!(
        "batch session:   {} — {ok}/{} invoices from {} accepted",
        outcome.reference_number,
        outcome.invoices.len(),
        batch_dir.display()
    ));
    report.field("batch", json!({"session": outcome.reference_number.as_str(), "accepted": ok, "invoices": outcome.invoices.len()}));

    // 5. Export and incremental sync into a folder.
    let sync_dir = options.out.join("sync");
    let mut sync_options =
        SyncOptions::starting_at(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
    sync_options.subject_types = vec![InvoiceQuerySubjectType::Subject1];
    sync_options.min_interval = Duration::ZERO;
    let mut sync =
        IncrementalSync::open(session.clone(), &sync_dir, sync_options).map_err(CliError::from)?;
    // Invoices stored in the last moments lie beyond the high-water mark and arrive in a later
    // round — the real service works the same way — so run rounds until all have arrived.
    let expected = numbers.len() + ok;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut synced = 0;
    let mut rounds = 0;
    while synced < expected && tokio::time::Instant::now() < deadline {
        if rounds > 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        synced += sync.run_once().await.map_err(CliError::from)?.len();
        rounds += 1;
    }
    report.line(format!(
        "export + sync:   {synced} invoices into {} (incremental HWM sync, {rounds} round(s))",
        sync_dir.display()
    ));
    report.field("synced", json!(synced));

    // 6. A KOD I QR code for the first invoice.
    if let (Some(first), Some(xml)) = (numbers.first(), invoices.first()) {
        let url = ksef::crypto::qr::invoice_verification_url(
            &ksef::crypto::qr::QrEnvironment::Test,
            &nip,
            issue_date(),
            xml,
        );
        let png = ksef::crypto::qr::render::render_png(&url, Some(first), &Default::default())
            .map_err(|e| CliError::failure(e.to_string()))?;
        let path = options.out.join("qr").join(format!("{first}.png"));
        write_atomic(&path, &png)?;
        report.line(format!("KOD I QR code:   {} ({url})", path.display()));
        report.field(
            "qr",
            json!({"file": path.display().to_string(), "url": url}),
        );
    }
    report.line(format!("output:          {}", options.out.display()));
    Ok(())
}
