//! `ksef download`: invoices by KSeF number, hash-verified, saved atomically.

use std::path::{Path, PathBuf};

use futures::StreamExt;
use ksef::AuthenticatedClient;
use ksef::model::KsefNumber;
use serde_json::json;

use crate::commands::Ctx;
use crate::commands::filters::parse_ksef_number;
use crate::error::{CliError, CliResult};
use crate::files::{safe_name, write_atomic};
use crate::output::Report;

/// Options of `ksef download`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each invoice is checked against the SHA-256 KSeF announces and written as DIR/<ksef-number>.xml
(through a temporary file: never a partial file under the final name; an existing file is
replaced). When some numbers fail, the others are still saved, the failures are listed and the
exit code is that of the first failure (5 = KSeF does not know the number).")]
pub struct Args {
    /// KSeF numbers of the invoices (35 characters, e.g. 5265877635-20250826-0100001AF629-AF).
    #[arg(required = true, value_name = "KSEF_NUMBER", value_parser = parse_ksef_number)]
    pub ksef_numbers: Vec<KsefNumber>,
    /// Directory to save the invoices in (created if missing).
    #[arg(long, short, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Invoices downloaded at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=16))]
    pub parallel: u8,
}

/// A saved invoice: where, its SHA-256 (base64) and size.
type Saved = (PathBuf, String, usize);

/// Downloads one invoice (hash-verified) and writes it atomically into `out`.
async fn fetch(client: &AuthenticatedClient, number: &KsefNumber, out: &Path) -> CliResult<Saved> {
    let invoice = client.download_invoice(number).await?;
    let path = out.join(format!("{}.xml", safe_name(number.as_str())));
    write_atomic(&path, &invoice.xml)?;
    Ok((path, invoice.sha256, invoice.xml.len()))
}

/// Runs `ksef download`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let mut numbers = args.ksef_numbers;
    let mut seen = std::collections::HashSet::new();
    numbers.retain(|n| seen.insert(n.as_str().to_owned()));
    let client = ctx.conn.login().await?;
    let total = numbers.len();
    let results: Vec<(KsefNumber, CliResult<Saved>)> = futures::stream::iter(numbers)
        .map(|number| {
            let client = &client;
            let out = &args.out;
            async move {
                let result = fetch(client, &number, out).await;
                (number, result)
            }
        })
        .buffered(usize::from(args.parallel))
        .collect()
        .await;

    let mut saved = Vec::new();
    let mut failed = Vec::new();
    let mut first_error: Option<CliError> = None;
    for (number, result) in results {
        match result {
            Ok((path, sha256, bytes)) => {
                report.line(format!("saved   {}", path.display()));
                saved.push(json!({
                    "ksefNumber": number.as_str(),
                    "path": path.display().to_string(),
                    "sha256": sha256,
                    "bytes": bytes,
                }));
            }
            Err(error) => {
                report.line(format!("FAILED  {number}: {error}"));
                failed.push(json!({
                    "ksefNumber": number.as_str(),
                    "error": error.message,
                    "exitCode": error.kind.exit_code(),
                }));
                first_error.get_or_insert(error);
            }
        }
    }
    report.field("files", json!(saved));
    report.field("failed", json!(failed));
    match first_error {
        None => {
            report.line(format!(
                "{} invoice(s) saved in {}",
                saved.len(),
                args.out.display()
            ));
            Ok(())
        }
        Some(first) => Err(CliError::new(
            first.kind,
            format!(
                "{} of {total} invoice(s) not downloaded (first: {})",
                failed.len(),
                first.message
            ),
        )),
    }
}
