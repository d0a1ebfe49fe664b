//! `ksef sync`: incremental synchronisation into a directory with the high-water mark (HWM),
//! resumable, for cron (one round per run) or as a long-running `--watch`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ksef::AuthenticatedClient;
use ksef::model::rt::datetime::format_date_time;
use ksef::retrieval::{IncrementalSync, SyncOptions, SyncState, SyncedInvoice};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::commands::Ctx;
use crate::commands::export::spinner;
use crate::commands::filters::{Subject, When, check_range, parse_when};
use crate::error::{CliError, CliResult, ErrorKind};
use crate::output::Report;

/// The state file the facade keeps in the sync directory.
const STATE_FILE: &str = ".ksef-sync.json";

/// Options of `ksef sync`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Layout: DIR/<subject>/<ksef-number>.xml and .json (the metadata), e.g. DIR/Subject1/…; the
progress is in DIR/.ksef-sync.json (one continuation point per subject type). A run that stops
half-way repeats at most the last package next time; nothing is delivered twice.

KSeF makes invoices visible up to its high-water mark (HWM), which trails real time slightly:
invoices stored in the last moments arrive in the next round. KSeF allows about 20 exports an
hour in total, hence --min-interval.

Cron, every 15 minutes:  */15 * * * *  ksef sync --dir $HOME/invoices
Long-running:            ksef sync --dir invoices --watch 15")]
pub struct Args {
    /// Directory to synchronise into (created if missing); re-running resumes from its state.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Where a subject type starts when DIR has no continuation point for it yet (the first
    /// run): RFC 3339, a day (2026-11-20) or a span before now (24h, 7d). At most 3 months
    /// back. Default: 24h. Ignored for subject types DIR already follows.
    #[arg(long, value_name = "TIME", value_parser = parse_when)]
    pub since: Option<When>,
    /// Subject types to follow, repeatable or comma-separated: subject1 (issued), subject2
    /// (received), subject3, authorized. Default: subject1,subject2,subject3.
    #[arg(
        long = "subject",
        short = 's',
        value_name = "SUBJECT",
        value_enum,
        value_delimiter = ','
    )]
    pub subjects: Vec<Subject>,
    /// Least time between two exports of one subject type, in minutes (also across runs: a
    /// subject exported more recently is skipped this round; up to a minute of grace, so cron
    /// at the same interval is never skipped). KSeF recommends 15 or more.
    #[arg(long, value_name = "MINUTES", default_value_t = 15)]
    pub min_interval: u64,
    /// Keep running: a round every MINUTES until Ctrl-C (the report comes at the end; progress
    /// on stderr). Without it, one round and exit — for cron.
    #[arg(long, value_name = "MINUTES", value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub watch: Option<u64>,
    /// Longest wait for KSeF to prepare one export package, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    /// Package parts downloaded at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=16))]
    pub parallel: u8,
    /// Also write a PDF beside each downloaded invoice (`<ksef-number>.pdf`, with KOD I).
    #[arg(long)]
    pub pdf: bool,
}

/// What the runs so far have done.
#[derive(Debug, Default)]
struct Totals {
    rounds: u32,
    new: Vec<SyncedInvoice>,
    points: BTreeMap<String, OffsetDateTime>,
    skipped: Vec<(String, OffsetDateTime)>,
    failed_rounds: u32,
    /// `--pdf`: the PDFs written beside the invoices.
    pdfs_written: usize,
    /// `--pdf`: the invoices whose PDF could not be made, with why.
    pdf_failures: Vec<String>,
}

/// Settings fixed for the whole command.
struct Plan<'a> {
    ctx: &'a Ctx,
    dir: &'a Path,
    subjects: Vec<Subject>,
    start: OffsetDateTime,
    min_interval: Duration,
    timeout: Duration,
    parallel: usize,
    /// `--pdf`: the QR host for the PDFs beside the invoices.
    pdf: Option<ksef::crypto::qr::QrEnvironment>,
}

/// `--min-interval` less a grace of a fifth of it, at most a minute: a cron job running exactly
/// every 15 minutes finds the subjects due although the previous run recorded its export a few
/// seconds after it started.
fn effective_interval(minutes: u64) -> Duration {
    let interval = Duration::from_secs(minutes.saturating_mul(60));
    interval.saturating_sub((interval / 5).min(Duration::from_secs(60)))
}

fn usage(message: String) -> CliError {
    CliError::new(ErrorKind::Usage, message)
}

fn load_state(dir: &Path) -> CliResult<SyncState> {
    SyncState::load(&dir.join(STATE_FILE)).map_err(CliError::from)
}

/// A logged-in client, logging in again when the refresh token is about to expire.
async fn session(
    plan: &Plan<'_>,
    cached: &mut Option<AuthenticatedClient>,
) -> CliResult<AuthenticatedClient> {
    let fresh_enough = |c: &AuthenticatedClient| {
        c.refresh_valid_until() - OffsetDateTime::now_utc() > time::Duration::minutes(10)
    };
    if let Some(client) = cached.as_ref().filter(|c| fresh_enough(c)) {
        return Ok(client.clone());
    }
    let client = plan.ctx.conn.login().await?;
    *cached = Some(client.clone());
    Ok(client)
}

/// One round: exports every due subject type up to the HWM.
async fn round(
    plan: &Plan<'_>,
    cached: &mut Option<AuthenticatedClient>,
    totals: &mut Totals,
) -> CliResult {
    let state = load_state(plan.dir)?;
    let now = OffsetDateTime::now_utc();
    let interval = time::Duration::try_from(plan.min_interval).unwrap_or(time::Duration::MAX);
    let mut due = Vec::new();
    totals.skipped.clear();
    for subject in &plan.subjects {
        let key = subject.to_model().as_str().to_owned();
        match state.last_run.get(&key) {
            Some(last) if now - *last < interval => totals.skipped.push((key, *last + interval)),
            _ => due.push(subject.to_model()),
        }
    }
    totals.rounds += 1;
    totals.points = state.points;
    if due.is_empty() {
        return Ok(());
    }
    let client = session(plan, cached).await?;
    let mut options = SyncOptions::starting_at(plan.start);
    options.subject_types = due;
    options.min_interval = plan.min_interval;
    options.export_timeout = plan.timeout;
    options.concurrency = plan.parallel;
    let mut sync = IncrementalSync::open(client, plan.dir, options)?;
    let bar = spinner(plan.ctx.format, "exporting and unpacking…".into());
    let result = sync.run_once().await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Whatever happened, the state on disk is the truth (saved after every package).
    totals.points = sync.state().points.clone();
    let new = result.map_err(|e| CliError::from(e).context("sync"))?;
    if let Some(env) = &plan.pdf {
        // A PDF that cannot be made is reported; the invoice itself is saved either way.
        for invoice in &new {
            match super::render::pdf_beside(
                &invoice.path,
                invoice.metadata.ksef_number.as_str(),
                env,
            ) {
                Ok(_) => totals.pdfs_written += 1,
                Err(e) => totals.pdf_failures.push(e.to_string()),
            }
        }
    }
    totals.new.extend(new);
    Ok(())
}

/// Runs `ksef sync`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let now = OffsetDateTime::now_utc();
    let start = args
        .since
        .unwrap_or(When::Ago(time::Duration::hours(24)))
        .start(now);
    if start > now {
        return Err(usage(format!(
            "--since {} is in the future",
            format_date_time(&start)
        )));
    }
    check_range(start, now).map_err(|_| {
        usage(
            "--since is more than 3 months back, which KSeF does not allow in one export: \
               fetch older invoices with `ksef export --from … --to …` first"
                .into(),
        )
    })?;
    let mut subjects = if args.subjects.is_empty() {
        vec![Subject::Subject1, Subject::Subject2, Subject::Subject3]
    } else {
        args.subjects.clone()
    };
    let mut unique = Vec::new();
    subjects.retain(|s| {
        let fresh = !unique.contains(s);
        unique.push(*s);
        fresh
    });
    let state = load_state(&args.dir)?;
    if args.since.is_some() {
        for s in &subjects {
            let key = s.to_model().as_str().to_owned();
            if let Some(point) = state.points.get(&key) {
                report.warn(&format!(
                    "--since ignored for {key}: {} continues from {}",
                    args.dir.display(),
                    format_date_time(point)
                ));
            }
        }
    }
    if let Some(minutes) = args.watch
        && minutes < args.min_interval
    {
        report.warn(&format!(
            "each subject type is exported at most every {} minutes (--min-interval); rounds in \
             between skip it",
            args.min_interval
        ));
    }
    let plan = Plan {
        ctx,
        dir: &args.dir,
        subjects,
        start,
        min_interval: effective_interval(args.min_interval),
        timeout: Duration::from_secs(args.timeout),
        parallel: usize::from(args.parallel),
        pdf: if args.pdf {
            Some(super::qr::environment(None, ctx)?)
        } else {
            None
        },
    };
    let mut totals = Totals::default();
    let mut cached = None;
    let outcome = match args.watch {
        None => round(&plan, &mut cached, &mut totals).await,
        Some(minutes) => watch(&plan, minutes, &mut cached, &mut totals, report).await,
    };
    show(&plan, &totals, report);
    outcome
}

/// Rounds every `minutes` until Ctrl-C; failed rounds are reported and retried next time,
/// except for configuration and authentication problems.
async fn watch(
    plan: &Plan<'_>,
    minutes: u64,
    cached: &mut Option<AuthenticatedClient>,
    totals: &mut Totals,
    report: &Report,
) -> CliResult {
    let mut stop = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let before = totals.new.len();
        tokio::select! {
            result = round(plan, cached, totals) => match result {
                Ok(()) => report.progress(&format!(
                    "round {}: {} new invoice(s)",
                    totals.rounds,
                    totals.new.len() - before
                )),
                Err(e) if matches!(e.kind, ErrorKind::Config | ErrorKind::Auth | ErrorKind::Usage) => {
                    return Err(e);
                }
                Err(e) => {
                    totals.failed_rounds += 1;
                    *cached = None;
                    report.warn(&format!("round {} failed (retrying next round): {e}", totals.rounds));
                }
            },
            _ = &mut stop => return Ok(()),
        }
        report.progress(&format!("next round in {minutes} min (Ctrl-C to stop)"));
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(minutes.saturating_mul(60))) => {}
            _ = &mut stop => return Ok(()),
        }
    }
}

fn invoice_json(invoice: &SyncedInvoice) -> Value {
    json!({
        "ksefNumber": invoice.metadata.ksef_number.as_str(),
        "invoiceNumber": invoice.metadata.invoice_number,
        "subjectType": invoice.subject_type,
        "path": invoice.path.display().to_string(),
        "metadataPath": invoice.path.with_extension("json").display().to_string(),
    })
}

fn show(plan: &Plan<'_>, totals: &Totals, report: &mut Report) {
    report.line(format!(
        "{} new invoice(s) in {}",
        totals.new.len(),
        plan.dir.display()
    ));
    for invoice in &totals.new {
        report.line(format!(
            "  {:<9} {}  {}  {}",
            invoice.subject_type,
            invoice.metadata.ksef_number,
            invoice.metadata.invoice_number,
            invoice.path.display()
        ));
    }
    for (subject, point) in &totals.points {
        report.line(format!(
            "{subject}: synchronised up to {} (HWM)",
            format_date_time(point)
        ));
    }
    for (subject, next) in &totals.skipped {
        report.line(format!(
            "{subject}: skipped, exported less than --min-interval ago (due again at {})",
            format_date_time(next)
        ));
    }
    for failure in &totals.pdf_failures {
        report.warn(&format!("no PDF: {failure}"));
    }
    if plan.pdf.is_some() {
        report.field("pdfFailures", json!(totals.pdf_failures));
    }
    report.field("dir", json!(plan.dir.display().to_string()));
    report.field("rounds", json!(totals.rounds));
    report.field("failedRounds", json!(totals.failed_rounds));
    report.field("newCount", json!(totals.new.len()));
    report.field(
        "filesWritten",
        json!(totals.new.len() * 2 + totals.pdfs_written),
    );
    report.field(
        "new",
        Value::Array(totals.new.iter().map(invoice_json).collect()),
    );
    report.field(
        "points",
        Value::Object(
            totals
                .points
                .iter()
                .map(|(k, v)| (k.clone(), json!(format_date_time(v))))
                .collect(),
        ),
    );
    report.field(
        "skipped",
        Value::Array(
            totals
                .skipped
                .iter()
                .map(|(k, next)| json!({"subjectType": k, "nextDue": format_date_time(next)}))
                .collect(),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_has_a_little_grace_for_cron() {
        assert_eq!(effective_interval(15), Duration::from_secs(14 * 60));
        assert_eq!(effective_interval(1), Duration::from_secs(48));
        assert_eq!(effective_interval(0), Duration::ZERO);
    }
}
