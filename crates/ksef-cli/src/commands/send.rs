//! `ksef send`: invoice files → one online session → KSeF numbers and UPOs.
//!
//! Every file is checked before the session opens (nothing is sent when one is bad). Sending the
//! same file again is safe: KSeF rejects the repeat as a duplicate (status 440) naming the
//! original, and the command reports it as "already in KSeF" with the original's KSeF number —
//! but only when the original stored in KSeF has exactly this file's SHA-256 (the SDK's
//! duplicate check). KSeF detects duplicates by business data (seller NIP, invoice kind,
//! invoice number), so a *different* file reusing an invoice number also gets 440: that is a
//! rejection (exit code 5, named in the report), never "already sent". A run interrupted for
//! any reason can therefore simply be repeated.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt as _;
use ksef::sending::SendOptions;
use ksef::{AuthenticatedClient, OnlineSession};
use serde_json::{Value, json};

use super::invoice_files::{Fa3Check, FormArg, InvoiceFile, read_invoices};
use crate::commands::Ctx;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::files::{expand_inputs, safe_name, write_atomic};
use crate::output::Report;

/// Options of `ksef send`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoice XML files, directories (their *.xml) or patterns such as 'out/*.xml'.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// The schema of the invoices.
    #[arg(long, value_enum, default_value_t = FormArg::Auto)]
    pub form: FormArg,
    /// Where to save UPOs (upo/<ksef-number>.xml and the session UPO).
    #[arg(long, default_value = "ksef-out")]
    pub out: PathBuf,
    /// Invoices in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// How long to wait for each invoice's result and for the session UPO, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 300)]
    pub timeout: u64,
    /// The invoices were issued in an offline mode (they carry KOD II).
    #[arg(long)]
    pub offline: bool,
    /// A technical correction of an offline invoice KSeF rejected: the SHA-256 (base64) of the
    /// rejected original. Needs --offline and exactly one file.
    #[arg(long, value_name = "SHA256_BASE64", requires = "offline")]
    pub corrects: Option<String>,
    /// Do not download UPOs.
    #[arg(long)]
    pub no_upo: bool,
    /// Do not check FA(3) files against the schema before opening the session.
    #[arg(long)]
    pub no_validate: bool,
}

/// What became of one file.
enum Outcome {
    Accepted {
        ksef_number: String,
        reference: String,
        upo: Option<PathBuf>,
    },
    Duplicate {
        ksef_number: String,
        upo: Option<PathBuf>,
    },
    Failed(CliError),
}

async fn save_upo(
    online: &OnlineSession,
    session: &AuthenticatedClient,
    ksef_number: &str,
    original_session: Option<&str>,
    dir: &Path,
) -> CliResult<PathBuf> {
    let number = ksef::model::KsefNumber::new(ksef_number)
        .map_err(|e| CliError::failure(format!("KSeF number {ksef_number:?}: {e}")))?;
    let body = match original_session {
        None => online.upo_by_ksef_number(&number).await?,
        Some(reference) => {
            let reference = ksef::model::ReferenceNumber::new(reference)
                .map_err(|e| CliError::failure(format!("session {reference:?}: {e}")))?;
            session
                .sessions()
                .invoice_upo_by_ksef_number(reference, number)
                .send()
                .await?
        }
    };
    let path = dir.join(format!("{}.xml", safe_name(ksef_number)));
    write_atomic(&path, body.as_bytes())?;
    Ok(path)
}

async fn send_one(
    file: &InvoiceFile,
    online: &OnlineSession,
    session: &AuthenticatedClient,
    args: &Args,
    upo_dir: &Path,
) -> Outcome {
    let options = SendOptions {
        offline_mode: args.offline,
        hash_of_corrected_invoice: args.corrects.clone(),
    };
    let timeout = Duration::from_secs(args.timeout);
    let result = async {
        let sent = match online.send_invoice_with(&file.xml, &options).await {
            // The SDK could not tell whether KSeF took it: settle it once more by hash.
            Err(ksef::Error::OutcomeUnknown { .. }) => {
                online.reconcile_invoice(&file.xml, &options).await?
            }
            other => other?,
        };
        online.wait_for_invoice(&sent, timeout).await
    }
    .await;
    match result {
        Ok(accepted) if accepted.was_duplicate_of_own_send => {
            let ksef_number = accepted.ksef_number.as_str().to_owned();
            let original_session = accepted
                .status
                .status
                .extensions
                .as_ref()
                .and_then(|e| e.get("originalSessionReferenceNumber").cloned().flatten());
            let upo = match (original_session, args.no_upo) {
                (Some(original), false) => {
                    save_upo(online, session, &ksef_number, Some(&original), upo_dir)
                        .await
                        .ok()
                }
                _ => None,
            };
            Outcome::Duplicate { ksef_number, upo }
        }
        Ok(accepted) => {
            let ksef_number = accepted.ksef_number.as_str().to_owned();
            let upo = if args.no_upo {
                None
            } else {
                match save_upo(online, session, &ksef_number, None, upo_dir).await {
                    Ok(p) => Some(p),
                    Err(e) => {
                        return Outcome::Failed(
                            e.context(format!("accepted as {ksef_number}, but the UPO")),
                        );
                    }
                }
            };
            Outcome::Accepted {
                ksef_number,
                reference: accepted.reference_number.as_str().to_owned(),
                upo,
            }
        }
        Err(e) => Outcome::Failed(CliError::from(e)),
    }
}

fn path_text(p: &Option<PathBuf>) -> Value {
    p.as_ref()
        .map(|p| json!(p.display().to_string()))
        .unwrap_or(Value::Null)
}

/// One online session over `files`: sends them, closes the session, saves its UPO.
async fn send_session(
    files: &[InvoiceFile],
    form: ksef::InvoiceForm,
    session: &AuthenticatedClient,
    args: &Args,
    ctx: &Ctx,
    report: &Report,
) -> CliResult<(String, Vec<Outcome>, Vec<Value>)> {
    let online = session.open_online(form).await?;
    report.progress(&format!(
        "online session {} ({form:?}): sending {} invoice(s)",
        online.reference_number(),
        files.len()
    ));
    let upo_dir = args.out.join("upo");
    // Mapped by index: a closure taking `&InvoiceFile` would keep the command's future from
    // being `Send` for every lifetime, and the command runs as a spawned task.
    let outcomes: Vec<Outcome> = futures::stream::iter(0..files.len())
        .map(|i| {
            let (online, upo_dir, file) = (&online, &upo_dir, &files[i]);
            async move {
                let outcome = send_one(file, online, session, args, upo_dir).await;
                let line = match &outcome {
                    Outcome::Accepted { ksef_number, .. } => {
                        format!("  ok   {} → {ksef_number}", file.path.display())
                    }
                    Outcome::Duplicate { ksef_number, .. } => format!(
                        "  dup  {} → already in KSeF as {ksef_number}",
                        file.path.display()
                    ),
                    Outcome::Failed(e) => format!("  FAIL {}: {e}", file.path.display()),
                };
                if ctx.format == crate::output::Format::Text {
                    eprintln!("{line}");
                }
                outcome
            }
        })
        .buffered(usize::from(args.concurrency))
        .collect()
        .await;

    let mut session_upos = Vec::new();
    match online.close().await {
        Ok(()) if !args.no_upo => {
            match online.session_upo(Duration::from_secs(args.timeout)).await {
                Ok(pages) => {
                    for page in pages {
                        let path = upo_dir.join(format!(
                            "session-{}-{}.xml",
                            safe_name(online.reference_number().as_str()),
                            safe_name(page.reference_number.as_str())
                        ));
                        write_atomic(&path, page.xml.as_bytes())?;
                        session_upos.push(json!(path.display().to_string()));
                    }
                }
                Err(e) => report.warn(&format!("session UPO not available: {e}")),
            }
        }
        Ok(()) => {}
        Err(e) => report.warn(&format!("closing the session failed: {e}")),
    }
    Ok((
        online.reference_number().as_str().to_owned(),
        outcomes,
        session_upos,
    ))
}

/// The most invoices one online session of this context may take (10,000 unless the context's
/// limits say otherwise).
async fn session_capacity(session: &AuthenticatedClient) -> usize {
    match session.limits().context().send().await {
        Ok(limits) => usize::try_from(limits.online_session.max_invoices)
            .unwrap_or(DEFAULT_SESSION_CAPACITY)
            .max(1),
        Err(e) => {
            tracing::debug!(error = %e, "context limits unknown; assuming the default");
            DEFAULT_SESSION_CAPACITY
        }
    }
}

const DEFAULT_SESSION_CAPACITY: usize = 10_000;

/// Above this many files a warning points at `ksef batch` (KSeF's default limit for sending
/// invoices in online sessions is 30 a minute and 180 an hour).
const ONLINE_COMFORT: usize = 60;

/// Runs `ksef send`: the files go into as many online sessions as the context's limit of
/// invoices per session requires (one, normally).
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let paths = expand_inputs(&args.files)?;
    if args.corrects.is_some() && paths.len() != 1 {
        return Err(CliError::config(format!(
            "--corrects applies to one invoice, but {} files were given",
            paths.len()
        )));
    }
    let (form, files) = read_invoices(&paths, args.form)?;
    if form == ksef::InvoiceForm::Fa3 && !args.no_validate {
        let mut check = Fa3Check::default();
        for f in &files {
            check.add(&f.path, &f.xml);
        }
        for w in check.finish()? {
            report.warn(&w);
        }
    }
    if files.len() > ONLINE_COMFORT {
        report.warn(&format!(
            "KSeF lets online sessions send about 30 invoices a minute (180 an hour); for {} \
             invoices `ksef batch` is much faster",
            files.len()
        ));
    }
    let session = ctx.conn.login().await?;
    let capacity = session_capacity(&session).await;
    let mut outcomes = Vec::with_capacity(files.len());
    let mut sessions = Vec::new();
    let mut session_upos = Vec::new();
    for chunk in files.chunks(capacity) {
        match send_session(chunk, form, &session, &args, ctx, report).await {
            Ok((reference, mut done, mut upos)) => {
                sessions.push(json!(reference));
                outcomes.append(&mut done);
                session_upos.append(&mut upos);
            }
            // A session that cannot be opened: its files (and any after them) are reported as
            // failed with the reason; what earlier sessions sent stays in the report.
            Err(e) => {
                let remaining = files.len() - outcomes.len();
                outcomes.extend(
                    (0..remaining)
                        .map(|_| Outcome::Failed(CliError::new(e.kind, e.message.clone()))),
                );
                break;
            }
        }
    }
    let upo_dir = args.out.join("upo");

    let mut list = Vec::new();
    let (mut accepted, mut duplicates) = (0usize, 0usize);
    let mut failures: Vec<&CliError> = Vec::new();
    for (file, outcome) in files.iter().zip(&outcomes) {
        let name = file.path.display().to_string();
        list.push(match outcome {
            Outcome::Accepted { ksef_number, reference, upo } => {
                accepted += 1;
                json!({"file": name, "status": "accepted", "ksefNumber": ksef_number, "referenceNumber": reference, "upo": path_text(upo)})
            }
            Outcome::Duplicate { ksef_number, upo } => {
                duplicates += 1;
                json!({"file": name, "status": "duplicate", "ksefNumber": ksef_number, "upo": path_text(upo)})
            }
            Outcome::Failed(e) => {
                failures.push(e);
                json!({"file": name, "status": "failed", "error": e.message, "exitCode": e.kind.exit_code()})
            }
        });
    }
    report.field("session", sessions.first().cloned().unwrap_or(Value::Null));
    report.field("sessions", Value::Array(sessions.clone()));
    report.field("form", json!(format!("{form:?}")));
    report.field("invoices", Value::Array(list));
    report.field("sessionUpo", Value::Array(session_upos));
    let names: Vec<&str> = sessions.iter().filter_map(Value::as_str).collect();
    report.line(format!(
        "session {}: {accepted} accepted, {duplicates} already in KSeF, {} failed; UPOs in {}",
        if names.is_empty() {
            "-".to_owned()
        } else {
            names.join(", ")
        },
        failures.len(),
        upo_dir.display()
    ));
    match failures.first() {
        None => Ok(()),
        Some(first) => {
            let kind = if failures.iter().all(|e| e.kind == first.kind) {
                first.kind
            } else {
                ErrorKind::Rejected
            };
            Err(CliError::new(
                kind,
                format!(
                    "{} of {} invoice(s) not accepted: {}",
                    failures.len(),
                    files.len(),
                    first.message
                ),
            ))
        }
    }
}
