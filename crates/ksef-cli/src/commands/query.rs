//! `ksef query`: searches invoice metadata (all pages, oldest first).

use futures::StreamExt;
use serde_json::json;

use crate::commands::Ctx;
use crate::commands::filters::{FilterArgs, invoice_table};
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// Options of `ksef query`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  ksef query --from 7d                               issued in the last 7 days (by storage date)
  ksef query -s buyer --from 2026-11-01 --to 2026-11-30 --date-type issue
  ksef --output json query --seller-nip 5265877635 --min-amount 1000 --limit 50

Text output: one line per invoice (KSeF number, invoice number, issue date, seller NIP, buyer,
gross amount and currency). JSON: {\"invoices\": [metadata…], \"count\": N, \"more\": bool}.")]
pub struct Args {
    /// Which invoices.
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Show at most N invoices (the oldest first). Default: all that match.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,
}

/// Runs `ksef query`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let filters = args.filters.to_filters(time::OffsetDateTime::now_utc())?;
    let client = ctx.conn.login().await?;
    let mut stream = std::pin::pin!(client.query_invoices(filters));
    let limit = args.limit.map(|l| l as usize);
    let mut invoices = Vec::new();
    let mut more = false;
    while let Some(item) = stream.next().await {
        let metadata = item.map_err(|e| CliError::from(e).context("invoice query"))?;
        if limit.is_some_and(|l| invoices.len() >= l) {
            more = true;
            break;
        }
        invoices.push(metadata);
    }
    if invoices.is_empty() {
        report.line("no invoices match");
    } else {
        for line in invoice_table(&invoices) {
            report.line(line);
        }
        let suffix = if more {
            format!(" (stopped at --limit {}; more match)", invoices.len())
        } else {
            String::new()
        };
        report.line(format!("{} invoice(s){suffix}", invoices.len()));
    }
    report.field("count", json!(invoices.len()));
    report.field("more", json!(more));
    report.field(
        "invoices",
        serde_json::to_value(&invoices).map_err(|e| CliError::failure(e.to_string()))?,
    );
    Ok(())
}
