//! `ksef status`: recent sessions, one session with its invoices, or one invoice.

use futures::StreamExt as _;
use ksef::model::{ReferenceNumber, SessionType};
use serde_json::json;

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// Options of `ksef status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A session reference number (without it: the recent sessions).
    pub session: Option<String>,
    /// An invoice reference number in that session.
    pub invoice: Option<String>,
    /// Sessions: only this kind (default both).
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// Sessions: created in the last N hours.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// A session's invoices: only the failed ones.
    #[arg(long)]
    pub failed: bool,
    /// At most this many sessions or invoices.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

/// A session kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Online (interactive) sessions.
    Online,
    /// Batch sessions.
    Batch,
}

/// Parses a reference number given by the user.
pub fn reference(text: &str, what: &str) -> CliResult<ReferenceNumber> {
    ReferenceNumber::new(text).map_err(|e| CliError::config(format!("{what} {text:?}: {e}")))
}

async fn collect<T, S>(stream: S, limit: usize) -> CliResult<Vec<T>>
where
    S: futures::Stream<Item = ksef::Result<T>>,
{
    let items: Vec<ksef::Result<T>> = stream.take(limit).collect().await;
    items
        .into_iter()
        .map(|r| r.map_err(CliError::from))
        .collect()
}

/// Runs `ksef status`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let session = ctx.conn.login().await?;
    let sessions = session.sessions();
    match (&args.session, &args.invoice) {
        (None, _) => {
            let since =
                time::OffsetDateTime::now_utc() - time::Duration::hours(i64::from(args.hours));
            let kinds = match args.kind {
                Some(Kind::Online) => vec![SessionType::Online],
                Some(Kind::Batch) => vec![SessionType::Batch],
                None => vec![SessionType::Online, SessionType::Batch],
            };
            let mut all = Vec::new();
            for kind in kinds {
                let found = collect(
                    sessions
                        .list(kind.clone())
                        .with(|r| r.date_created_from = Some(since))
                        .items(),
                    args.limit,
                )
                .await?;
                for s in &found {
                    report.line(format!(
                        "{:<7} {}  {} {}  invoices {}/{} ok, {} failed",
                        format!("{kind:?}").to_lowercase(),
                        s.reference_number,
                        s.status.code,
                        s.status.description,
                        s.successful_invoice_count,
                        s.total_invoice_count,
                        s.failed_invoice_count
                    ));
                }
                all.push(json!({"kind": format!("{kind:?}").to_lowercase(), "sessions": serde_json::to_value(&found).unwrap_or_default()}));
            }
            if report.format() == crate::output::Format::Text
                && all
                    .iter()
                    .all(|k| k["sessions"].as_array().is_some_and(|a| a.is_empty()))
            {
                report.line(format!("no sessions in the last {} hour(s)", args.hours));
            }
            report.field("sessions", json!(all));
        }
        (Some(reference_text), None) => {
            let r = reference(reference_text, "session")?;
            let status = sessions.status(r.clone()).send().await?;
            report.show_serialized("session", &status);
            let invoices = if args.failed {
                collect(sessions.failed_invoices(r).items(), args.limit).await?
            } else {
                collect(sessions.invoices(r).items(), args.limit).await?
            };
            report.line("invoices:");
            for i in &invoices {
                report.line(format!(
                    "  {:>5}  {}  {} {}  {}",
                    i.ordinal_number,
                    i.reference_number,
                    i.status.code,
                    i.status.description,
                    i.ksef_number.as_ref().map(|k| k.as_str()).unwrap_or("-")
                ));
            }
            report.field(
                "invoices",
                serde_json::to_value(&invoices).unwrap_or_default(),
            );
        }
        (Some(s), Some(i)) => {
            let status = sessions
                .invoice_status(reference(s, "session")?, reference(i, "invoice")?)
                .send()
                .await?;
            report.show_serialized("invoice", &status);
        }
    }
    Ok(())
}
