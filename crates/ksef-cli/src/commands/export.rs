//! `ksef export`: schedules an export, waits, downloads and verifies every part, decrypts and
//! unpacks it safely into a directory — continuing with further packages while KSeF truncates.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use ksef::batch::unpack::UnpackLimits;
use ksef::model::rt::datetime::format_date_time;
use ksef::model::{CompressionType, InvoiceMetadata, InvoicePackage, InvoiceQueryDateType};
use serde_json::json;
use time::OffsetDateTime;

use crate::commands::Ctx;
use crate::commands::filters::FilterArgs;
use crate::error::{CliError, CliResult};
use crate::files::write_atomic;
use crate::output::{Format, Report};

/// The file with the metadata of all exported invoices.
const METADATA_FILE: &str = "_metadata.json";

/// Options of `ksef export`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
KSeF puts at most 10,000 invoices (or 1 GB) in one package; when a package is cut short, the
export continues from the last invoice's date with another package (up to --max-packages).
KSeF allows about 20 exports an hour. Every part is checked (size and SHA-256, encrypted and
decrypted); archive entries that would escape DIR are refused.

Examples:
  ksef export --from 2026-11-01 --to 2026-11-30 --out invoices/2026-11
  ksef export -s buyer --from 7d --only-metadata --out received")]
pub struct Args {
    /// Which invoices.
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Directory to unpack into (created if missing): DIR/<ksef-number>.xml per invoice, and
    /// DIR/_metadata.json with the metadata of all of them ({"invoices": […]}).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Export only the metadata (DIR/_metadata.json), not the invoice files.
    #[arg(long)]
    pub only_metadata: bool,
    /// Longest wait for KSeF to prepare one package, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    /// Package parts downloaded at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=16))]
    pub parallel: u8,
    /// Most packages to fetch while KSeF keeps truncating (each holds up to 10,000 invoices).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_packages: u32,
}

/// A spinner on stderr in text mode (none in JSON mode or when stderr is not a terminal).
pub fn spinner(format: Format, message: String) -> Option<indicatif::ProgressBar> {
    if format != Format::Text {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

/// Where the next package starts when `package` was truncated.
fn next_from(package: &InvoicePackage, date_type: &InvoiceQueryDateType) -> Option<OffsetDateTime> {
    match date_type {
        InvoiceQueryDateType::PermanentStorage => package.last_permanent_storage_date,
        InvoiceQueryDateType::Invoicing => package.last_invoicing_date,
        InvoiceQueryDateType::Issue => package
            .last_issue_date
            .map(|day| crate::commands::filters::When::Day(day).start(OffsetDateTime::now_utc())),
        InvoiceQueryDateType::Unknown(_) => None,
    }
}

/// Runs `ksef export`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let mut filters = args.filters.to_filters(OffsetDateTime::now_utc())?;
    let client = ctx.conn.login().await?;
    let timeout = Duration::from_secs(args.timeout);
    let mut metadata: Vec<InvoiceMetadata> = Vec::new();
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    let mut exports = Vec::new();
    let mut hwm = None;
    let mut continue_from = None;
    loop {
        let export = client
            .start_export(filters.clone(), args.only_metadata, CompressionType::Zip)
            .await
            .map_err(|e| CliError::from(e).context("starting the export"))?;
        let reference = export.reference_number().as_str().to_owned();
        let bar = spinner(
            ctx.format,
            format!("export {reference}: waiting for KSeF to prepare the package"),
        );
        let package = export.wait(timeout).await;
        let package = match package {
            Ok(p) => p,
            Err(e) => {
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                return Err(CliError::from(e).context(format!("export {reference}")));
            }
        };
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "export {reference}: downloading {} part(s), {} bytes",
                package.parts.len(),
                package.size
            ));
        }
        let contents = export
            .download(
                &package,
                &args.out,
                &UnpackLimits::default(),
                usize::from(args.parallel),
            )
            .await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let contents =
            contents.map_err(|e| CliError::from(e).context(format!("export {reference}")))?;
        report.progress(&format!(
            "export {reference}: {} invoice(s){}",
            package.invoice_count,
            if package.is_truncated {
                ", truncated"
            } else {
                ""
            }
        ));
        exports.push(json!({
            "referenceNumber": reference,
            "invoiceCount": package.invoice_count,
            "parts": package.parts.len(),
            "size": package.size,
            "isTruncated": package.is_truncated,
        }));
        for meta in contents.metadata {
            if seen.insert(meta.ksef_number.as_str().to_owned()) {
                metadata.push(meta);
            }
        }
        files.extend(contents.files.into_iter().map(|f| f.path));
        hwm = package.permanent_storage_hwm_date.or(hwm);
        if !package.is_truncated {
            break;
        }
        let from = filters.date_range.from;
        let next = next_from(&package, &filters.date_range.date_type)
            .filter(|next| *next > from)
            .ok_or_else(|| {
                CliError::failure(format!(
                    "export {reference} was truncated but does not move past {}: narrow the \
                     filters (e.g. a shorter --from/--to range or --date-type permanent-storage)",
                    format_date_time(&from)
                ))
            })?;
        if exports.len() >= args.max_packages as usize {
            continue_from = Some(next);
            break;
        }
        filters.date_range.from = next;
    }
    files.sort();
    files.dedup();
    let metadata_path = args.out.join(METADATA_FILE);
    let document = serde_json::to_vec_pretty(&json!({ "invoices": metadata }))
        .map_err(|e| CliError::failure(e.to_string()))?;
    write_atomic(&metadata_path, &document)?;

    report.line(format!(
        "exported {} invoice(s) into {} ({} package(s))",
        metadata.len(),
        args.out.display(),
        exports.len()
    ));
    if !args.only_metadata {
        report.line(format!("invoice files: {}", files.len()));
    }
    report.line(format!("metadata:      {}", metadata_path.display()));
    if let Some(hwm) = hwm {
        report.line(format!("HWM:           {}", format_date_time(&hwm)));
    }
    if let Some(next) = continue_from {
        let next = format_date_time(&next);
        report.warn(&format!(
            "stopped after --max-packages {}: more invoices match; continue with --from {next}",
            args.max_packages
        ));
        report.line(format!("incomplete:    continue with --from {next}"));
    }
    report.field("dir", json!(args.out.display().to_string()));
    report.field("invoiceCount", json!(metadata.len()));
    report.field(
        "files",
        json!(
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
        ),
    );
    report.field("metadataFile", json!(metadata_path.display().to_string()));
    report.field("exports", json!(exports));
    report.field(
        "permanentStorageHwmDate",
        json!(hwm.map(|h| format_date_time(&h))),
    );
    report.field(
        "continueFrom",
        json!(continue_from.map(|n| format_date_time(&n))),
    );
    Ok(())
}
