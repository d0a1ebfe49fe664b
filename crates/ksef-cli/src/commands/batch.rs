//! `ksef batch`: a directory of invoices → one batch session, with progress bars, resumable.
//!
//! The session's state (reference, key, which parts are uploaded) is kept in
//! `<out>/batch-state.json` (0600) from the moment the session opens until it is processed; the
//! encrypted parts are spooled under `<out>/spool`. After an interruption,
//! `ksef batch --resume <out>/batch-state.json` logs in again, uploads only the missing parts
//! and finishes the session. A new batch refuses to start while such a state file exists, so
//! the same invoices are not sent twice by accident.
//!
//! An invoice KSeF rejects as a duplicate (440) is reported "already in KSeF" only when the
//! original stored in KSeF has this file's SHA-256; a different invoice reusing the number is
//! a rejection (exit code 5).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use ksef::batch::upload::UploadOptions;
use ksef::batch::{Compression, InvoiceSource, PackageBuilder, Progress};
use ksef::crypto::symmetric::SymmetricKey;
use ksef::model::status::session_invoice;
use ksef::sending::{BatchSession, BatchSessionState};
use serde_json::{Value, json};

use super::invoice_files::{Fa3Check, FormArg, detect_form};
use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::files::{expand_inputs, safe_name, write_atomic};
use crate::output::{Format, Report};

/// Options of `ksef batch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoice XML files, directories (their *.xml) or patterns.
    #[arg(
        value_name = "FILE_OR_DIR",
        required_unless_present = "resume",
        conflicts_with = "resume"
    )]
    pub inputs: Vec<String>,
    /// Continue an interrupted batch from its state file (uploads only the missing parts).
    #[arg(long, value_name = "STATE_FILE")]
    pub resume: Option<PathBuf>,
    /// The schema of the invoices.
    #[arg(long, value_enum, default_value_t = FormArg::Auto)]
    pub form: FormArg,
    /// Where the state file, the spooled parts and the UPOs go.
    #[arg(long, default_value = "ksef-out")]
    pub out: PathBuf,
    /// Package as tar.gz instead of ZIP.
    #[arg(long)]
    pub tar_gz: bool,
    /// The invoices were issued in an offline mode.
    #[arg(long)]
    pub offline: bool,
    /// Parts uploaded at the same time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub parallel: u16,
    /// How long to wait for KSeF to process the session, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 3600)]
    pub timeout: u64,
    /// Do not check FA(3) files against the schema before opening the session.
    #[arg(long)]
    pub no_validate: bool,
}

/// Two bars on stderr: invoices packed, bytes uploaded.
struct Bars {
    prepare: ProgressBar,
    upload: ProgressBar,
}

impl Bars {
    fn new(visible: bool) -> Self {
        let multi = MultiProgress::with_draw_target(if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let style = |t: &str| {
            ProgressStyle::with_template(t).unwrap_or_else(|_| ProgressStyle::default_bar())
        };
        let prepare = multi.add(ProgressBar::new(0));
        prepare.set_style(style("preparing {bar:30} {pos}/{len} invoices {msg}"));
        let upload = multi.add(ProgressBar::new(0));
        upload.set_style(style("uploading {bar:30} {bytes}/{total_bytes} {msg}"));
        Self { prepare, upload }
    }

    fn finish(&self) {
        self.prepare.finish_and_clear();
        self.upload.finish_and_clear();
    }
}

impl Progress for Bars {
    fn prepared(&self, done: usize, total: usize, _bytes: u64) {
        self.prepare.set_length(total as u64);
        self.prepare.set_position(done as u64);
    }
    fn uploaded(&self, _ordinal: u32, bytes: u64) {
        self.upload.inc(bytes);
    }
    fn part_done(&self, _ordinal: u32, done: usize, total: usize) {
        self.upload.set_message(format!("parts {done}/{total}"));
    }
    fn part_retry(&self, ordinal: u32, attempt: u32) {
        self.upload
            .set_message(format!("retrying part {ordinal} (attempt {attempt})"));
    }
}

fn form_of(inputs: &[PathBuf], form: FormArg) -> CliResult<ksef::InvoiceForm> {
    use FormArg as F;
    Ok(match form {
        F::Fa3 => ksef::InvoiceForm::Fa3,
        F::Fa2 => ksef::InvoiceForm::Fa2,
        F::FaRr => ksef::InvoiceForm::FaRr1,
        F::Pef | F::PefKor => {
            return Err(CliError::config(
                "PEF invoices can only be sent in online sessions (ksef send)",
            ));
        }
        F::Auto => {
            let first = inputs
                .first()
                .ok_or_else(|| CliError::config("no invoice files given"))?;
            let limit = ksef::batch::BatchLimits::default().max_invoice_with_attachments_size;
            let head = ksef::batch::read_bounded(first, limit)
                .map_err(|e| CliError::config(format!("cannot read {}: {e}", first.display())))?;
            detect_form(&head).ok_or_else(|| {
                CliError::config(format!(
                    "{}: cannot tell the schema; give --form",
                    first.display()
                ))
            })?
        }
    })
}

fn state_path(out: &Path) -> PathBuf {
    out.join("batch-state.json")
}

async fn start(args: &Args, ctx: &Ctx, bars: &Arc<Bars>) -> CliResult<(BatchSession, PathBuf)> {
    let state_file = state_path(&args.out);
    if state_file.exists() {
        return Err(CliError::config(format!(
            "an unfinished batch session is recorded in {0}: resume it with `ksef batch --resume {0}` \
             (or delete the file to start over — invoices already sent would then be rejected as duplicates)",
            state_file.display()
        )));
    }
    let files = expand_inputs(&args.inputs)?;
    let form = form_of(&files, args.form)?;
    if form == ksef::InvoiceForm::Fa3 && !args.no_validate {
        // One file at a time: a batch may be far larger than memory.
        let mut check = Fa3Check::default();
        for f in &files {
            let xml = std::fs::read(f)
                .map_err(|e| CliError::config(format!("cannot read {}: {e}", f.display())))?;
            check.add(f, &xml);
        }
        for w in check.finish()? {
            eprintln!("warning: {w}");
        }
    }
    let spool = args.out.join("spool");
    std::fs::create_dir_all(&spool)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", spool.display())))?;
    let builder = PackageBuilder::new()
        .extend(files.iter().map(InvoiceSource::from_file))
        .compression(if args.tar_gz {
            Compression::TarGz
        } else {
            Compression::Zip
        })
        .work_dir(spool)
        .progress(bars.clone());
    let session = ctx.conn.login().await?;
    let key = SymmetricKey::generate();
    // Invoices are checked while packing: a bad one stops here, before any session is opened.
    let package = session.prepare_batch(builder, &key).await?;
    let mut batch = session.open_batch(form, package, key, args.offline).await?;
    batch.save_state_to(state_file.clone())?;
    Ok((batch, state_file))
}

async fn resume(path: &Path, ctx: &Ctx) -> CliResult<BatchSession> {
    let state = BatchSessionState::load(path).map_err(|e| {
        CliError::config(format!(
            "cannot read the batch state {}: {e}",
            path.display()
        ))
    })?;
    let session = ctx.conn.login().await?;
    let mut batch = session.resume_batch(state)?;
    batch.save_state_to(path.to_path_buf())?;
    Ok(batch)
}

/// Runs `ksef batch`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let bars = Arc::new(Bars::new(ctx.format == Format::Text));
    let (batch, state_file) = match &args.resume {
        Some(path) => (resume(path, ctx).await?, path.clone()),
        None => start(&args, ctx, &bars).await?,
    };
    let reference = batch.reference_number().as_str().to_owned();
    let resume_hint = |e: CliError| {
        e.context(format!(
            "batch session {reference} (resume with `ksef batch --resume {}`)",
            state_file.display()
        ))
    };
    bars.prepare.finish();
    let total: u64 = batch
        .package()
        .parts()
        .iter()
        .map(|p| p.encrypted.size)
        .sum();
    bars.upload.set_length(total);
    let already = batch.state().uploaded.len();
    if already > 0 {
        report.progress(&format!(
            "{already} part(s) were uploaded before; sending the rest"
        ));
    }
    let options = UploadOptions {
        concurrency: usize::from(args.parallel),
        ..UploadOptions::default()
    };
    batch
        .upload(&options, bars.clone())
        .await
        .map_err(|e| resume_hint(e.into()))?;
    batch.close().await.map_err(|e| resume_hint(e.into()))?;
    bars.finish();
    report.progress(&format!(
        "batch session {reference} closed; waiting for KSeF to process it"
    ));
    let timeout = Duration::from_secs(args.timeout);
    // A session that ends in a failure status is final too: its invoices still have statuses
    // (e.g. every invoice a duplicate → 445), so report them instead of suggesting a resume.
    let (status, session_failure) = match batch.wait_for_completion(timeout).await {
        Ok(s) => (Some(s.status), None),
        Err(e @ ksef::Error::SessionFailed { .. }) => (None, Some(e.to_string())),
        Err(e) => return Err(resume_hint(e.into())),
    };
    let invoices = batch
        .invoice_statuses()
        .await
        .map_err(|e| resume_hint(e.into()))?;
    let upo_dir = args.out.join("upo");
    let mut upo_files = Vec::new();
    if status.is_some() {
        match batch.session_upo(timeout).await {
            Ok(pages) => {
                for page in pages {
                    let path = upo_dir.join(format!(
                        "session-{}-{}.xml",
                        safe_name(&reference),
                        safe_name(page.reference_number.as_str())
                    ));
                    write_atomic(&path, page.xml.as_bytes())?;
                    upo_files.push(json!(path.display().to_string()));
                }
            }
            Err(e) => report.warn(&format!("session UPO not available: {e}")),
        }
    }
    // A 440 is "already in KSeF" only when the original has this file's hash (the SDK's
    // duplicate check); otherwise the file was rejected.
    let mut same_as_original = std::collections::HashMap::new();
    for invoice in &invoices {
        let check = batch
            .client()
            .check_duplicate_status(&invoice.status, None)
            .await
            .map_err(|e| resume_hint(e.into()))?;
        if let Some(ksef::sending::DuplicateCheck::SameInvoice { ksef_number, .. }) = check {
            same_as_original.insert(
                invoice.status.reference_number.as_str().to_owned(),
                ksef_number.as_str().to_owned(),
            );
        }
    }
    batch.finish()?;

    let mut list = Vec::new();
    let mut failed = Vec::new();
    let mut duplicates = 0usize;
    for invoice in &invoices {
        let s = &invoice.status;
        let name = invoice
            .name
            .clone()
            .unwrap_or_else(|| s.reference_number.as_str().to_owned());
        let original = same_as_original.get(s.reference_number.as_str());
        match (s.status.code, original) {
            (session_invoice::ACCEPTED, _) => list.push(json!({"name": name, "status": "accepted", "ksefNumber": s.ksef_number.as_ref().map(|k| k.as_str())})),
            (session_invoice::DUPLICATE, Some(original)) => {
                duplicates += 1;
                list.push(json!({"name": name, "status": "duplicate", "ksefNumber": original}));
            }
            (code, _) => {
                let details = s.status.details.clone().unwrap_or_default();
                failed.push(format!("{name}: {}", crate::error::status_text(code, &s.status.description, Some(&details))));
                list.push(json!({"name": name, "status": "rejected", "code": code, "description": s.status.description, "details": details}));
            }
        }
    }
    let accepted = invoices.len() - failed.len() - duplicates;
    report.field("session", json!(reference));
    report.field(
        "sessionStatus",
        serde_json::to_value(&status).unwrap_or(Value::Null),
    );
    report.field("duplicates", json!(duplicates));
    report.field("invoices", Value::Array(list));
    report.field("accepted", json!(accepted));
    report.field("rejected", json!(failed.len()));
    let has_upo = !upo_files.is_empty();
    report.field("sessionUpo", Value::Array(upo_files));
    report.line(format!(
        "batch session {reference}: {accepted}/{} invoices accepted, {duplicates} already in KSeF{}",
        invoices.len(),
        if !has_upo { String::new() } else { format!("; session UPO in {}", upo_dir.display()) }
    ));
    for f in &failed {
        report.line(format!("  rejected {f}"));
    }
    if let (Some(failure), true) = (&session_failure, failed.is_empty() && duplicates == 0) {
        return Err(CliError::rejected(failure.clone()));
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::rejected(format!(
            "{} of {} invoice(s) rejected",
            failed.len(),
            invoices.len()
        )))
    }
}
