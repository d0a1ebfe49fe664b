//! `ksef collective`: collective identifiers (API 2.9) — generate one for a group of invoices
//! of one seller, list those of the context, show the invoices of identifiers, and find the
//! identifiers an invoice belongs to.

use futures::{Stream, StreamExt as _};
use ksef::crypto::identifiers::CollectiveIdentifierNumber;
use ksef::model::{
    CollectiveIdentifierInvoice, CollectiveIdentifierInvoicePayment,
    CollectiveIdentifierInvoicesQueryRequest, CollectiveIdentifiersQueryRequest,
    GenerateCollectiveIdentifierRequest, KsefNumber,
};
use serde_json::{Value, json};

use crate::commands::Ctx;
use crate::commands::filters::{parse_currency, parse_ksef_number, parse_when};
use crate::commands::tokens::short_time;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::output::Report;

/// The most identifiers `POST /collective-identifiers/invoices` takes at once.
const MAX_IDENTIFIERS_PER_QUERY: usize = 10;
/// The longest creation-date range `POST /collective-identifiers/query` accepts.
const MAX_QUERY_DAYS: i64 = 100;

/// Options of `ksef collective`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions of `ksef collective`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Generates a collective identifier for two or more invoices of one seller. Each INVOICE is
    /// a KSeF number, optionally with a payment and a description:
    /// `KSEF_NUMBER[,AMOUNT,CURRENCY[,DESCRIPTION]]`, e.g.
    /// `5265877635-20260612-6310EC800000-DA,100.00,PLN,"Rata 1"`.
    Generate {
        /// The invoices (at least two).
        #[arg(required = true, num_args = 2.., value_name = "INVOICE")]
        invoices: Vec<String>,
    },
    /// Lists the collective identifiers of the context created in a date range (newest first,
    /// all pages).
    List(ListArgs),
    /// Lists the invoices of up to ten collective identifiers (all pages).
    Invoices {
        /// The collective identifiers.
        #[arg(required = true, num_args = 1..=MAX_IDENTIFIERS_PER_QUERY, value_parser = parse_identifier)]
        identifiers: Vec<CollectiveIdentifierNumber>,
        /// Stop after this many invoices (default: all).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Lists the collective identifiers an invoice belongs to (newest first, all pages).
    Of {
        /// The invoice's KSeF number.
        #[arg(value_parser = parse_ksef_number)]
        ksef_number: KsefNumber,
        /// Stop after this many identifiers (default: all).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
}

/// Options of `ksef collective list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Created from (RFC 3339, a day, or a span before now such as 30d); default 30 days ago.
    #[arg(long, value_parser = parse_when, default_value = "30d")]
    pub from: crate::commands::filters::When,
    /// Created until (same forms); default now. At most 100 days after --from.
    #[arg(long, value_parser = parse_when)]
    pub to: Option<crate::commands::filters::When>,
    /// Only this identifier.
    #[arg(long, value_parser = parse_identifier)]
    pub number: Option<CollectiveIdentifierNumber>,
    /// Only identifiers of at least this many invoices.
    #[arg(long, value_name = "N")]
    pub min_invoices: Option<i32>,
    /// Only identifiers of at most this many invoices.
    #[arg(long, value_name = "N")]
    pub max_invoices: Option<i32>,
    /// Only identifiers generated in this context (not those naming it as buyer).
    #[arg(long)]
    pub mine: bool,
    /// Stop after this many identifiers (default: all).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

fn parse_identifier(text: &str) -> Result<CollectiveIdentifierNumber, String> {
    CollectiveIdentifierNumber::parse(text.trim()).map_err(|e| e.to_string())
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::new(ErrorKind::Usage, message)
}

/// Parses `KSEF_NUMBER[,AMOUNT,CURRENCY[,DESCRIPTION]]`.
fn parse_invoice(text: &str) -> CliResult<CollectiveIdentifierInvoice> {
    let mut parts = text.splitn(4, ',');
    let number = parts.next().unwrap_or_default();
    let mut invoice = CollectiveIdentifierInvoice::new(
        parse_ksef_number(number).map_err(|e| usage(format!("{text:?}: {e}")))?,
    );
    match (parts.next(), parts.next()) {
        (None, _) => {}
        (Some(amount), Some(currency)) => {
            let amount: f64 = amount
                .trim()
                .replace(' ', "")
                .parse()
                .ok()
                .filter(|a: &f64| a.is_finite())
                .ok_or_else(|| usage(format!("{text:?}: {amount:?} is not an amount")))?;
            let currency = parse_currency(currency).map_err(|e| usage(format!("{text:?}: {e}")))?;
            invoice.payment = Some(CollectiveIdentifierInvoicePayment::new(amount, currency));
        }
        (Some(_), None) => {
            return Err(usage(format!(
                "{text:?}: a payment needs an amount and a currency: KSEF_NUMBER,AMOUNT,CURRENCY"
            )));
        }
    }
    if let Some(description) = parts.next() {
        if description.chars().count() > 512 {
            return Err(usage(format!(
                "{number}: the description is longer than 512 characters"
            )));
        }
        invoice.description = Some(description.to_owned());
    }
    Ok(invoice)
}

/// Runs `ksef collective`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    match args.action {
        Action::Generate { invoices } => generate(&invoices, ctx, report).await,
        Action::List(a) => list(a, ctx, report).await,
        Action::Invoices { identifiers, limit } => invoices(identifiers, limit, ctx, report).await,
        Action::Of { ksef_number, limit } => of(ksef_number, limit, ctx, report).await,
    }
}

async fn generate(specs: &[String], ctx: &Ctx, report: &mut Report) -> CliResult {
    let invoices = specs
        .iter()
        .map(|s| parse_invoice(s))
        .collect::<CliResult<Vec<_>>>()?;
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = invoices
        .iter()
        .find(|i| !seen.insert(i.ksef_number.as_str()))
    {
        return Err(usage(format!(
            "{} is given twice",
            twice.ksef_number.as_str()
        )));
    }
    let session = ctx.conn.login().await?;
    let made = session
        .collective_identifiers()
        .generate(GenerateCollectiveIdentifierRequest::new(invoices))
        .send()
        .await
        .map_err(|e| CliError::from(e).context("generating the collective identifier"))?;
    report.show(
        "collectiveIdentifierNumber",
        json!(made.collective_identifier_number),
    );
    Ok(())
}

/// Collects up to `limit` items of a paginated stream as JSON, with one text line each.
async fn collect<T: serde::Serialize>(
    stream: impl Stream<Item = ksef::Result<T>>,
    limit: Option<usize>,
    line: impl Fn(&T) -> String,
) -> CliResult<(Vec<Value>, Vec<String>)> {
    let mut stream = std::pin::pin!(stream);
    let (mut items, mut lines) = (Vec::new(), Vec::new());
    while let Some(item) = stream.next().await {
        if limit.is_some_and(|l| items.len() >= l) {
            break;
        }
        let item = item?;
        lines.push(line(&item));
        items.push(serde_json::to_value(&item).unwrap_or(Value::Null));
    }
    Ok((items, lines))
}

fn print(
    report: &mut Report,
    key: &str,
    header: String,
    (items, lines): (Vec<Value>, Vec<String>),
) {
    if lines.is_empty() {
        report.line(format!("no {key}"));
    } else {
        report.line(header);
        for line in lines {
            report.line(line);
        }
    }
    report.field("count", json!(items.len()));
    report.field(key, Value::Array(items));
}

async fn list(args: ListArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let now = time::OffsetDateTime::now_utc();
    let from = args.from.start(now);
    let to = args.to.map_or(now, |t| t.end(now));
    if from > to {
        return Err(usage("--from is after --to"));
    }
    if to - from > time::Duration::days(MAX_QUERY_DAYS) {
        return Err(usage(
            "KSeF lists collective identifiers created within at most 100 days: narrow --from/--to",
        ));
    }
    let mut request = CollectiveIdentifiersQueryRequest::new(from, to);
    request.collective_identifier_number = args.number.map(|n| n.as_str().to_owned());
    request.invoice_count_from = args.min_invoices;
    request.invoice_count_to = args.max_invoices;
    request.created_in_current_context = args.mine.then_some(true);
    let session = ctx.conn.login().await?;
    let found = collect(
        session.collective_identifiers().query(request).items(),
        args.limit,
        |i| {
            format!(
                "{:<35}  {:<20}  {:>8}  {}",
                i.collective_identifier_number,
                short_time(i.date_created),
                i.invoice_count,
                if i.created_in_current_context {
                    "yes"
                } else {
                    "no"
                }
            )
        },
    )
    .await?;
    let header = format!(
        "{:<35}  {:<20}  {:>8}  MINE",
        "IDENTIFIER", "CREATED", "INVOICES"
    );
    print(report, "collectiveIdentifiers", header, found);
    Ok(())
}

async fn invoices(
    identifiers: Vec<CollectiveIdentifierNumber>,
    limit: Option<usize>,
    ctx: &Ctx,
    report: &mut Report,
) -> CliResult {
    let request = CollectiveIdentifierInvoicesQueryRequest::new(
        identifiers.iter().map(|i| i.as_str().to_owned()).collect(),
    );
    let session = ctx.conn.login().await?;
    let found = collect(
        session.collective_identifiers().invoices(request).items(),
        limit,
        |i| {
            let payment = i
                .payment
                .as_ref()
                .map(|p| format!("{:.2} {}", p.amount, p.currency))
                .unwrap_or_else(|| {
                    if i.details_hidden {
                        "(hidden)".into()
                    } else {
                        "-".into()
                    }
                });
            format!(
                "{:<35}  {:<35}  {:>16}  {}",
                i.ksef_number.as_str(),
                i.collective_identifier_number.as_deref().unwrap_or("-"),
                payment,
                i.description.as_deref().unwrap_or("")
            )
        },
    )
    .await?;
    let header = format!(
        "{:<35}  {:<35}  {:>16}  DESCRIPTION",
        "KSEF NUMBER", "IDENTIFIER", "PAYMENT"
    );
    print(report, "invoices", header, found);
    Ok(())
}

async fn of(
    ksef_number: KsefNumber,
    limit: Option<usize>,
    ctx: &Ctx,
    report: &mut Report,
) -> CliResult {
    let session = ctx.conn.login().await?;
    let found = collect(
        session
            .collective_identifiers()
            .by_ksef_number(ksef_number)
            .items(),
        limit,
        |i| {
            format!(
                "{:<35}  {:<20}  {}",
                i.collective_identifier_number,
                short_time(i.date_created),
                if i.created_in_current_context {
                    "yes"
                } else {
                    "no"
                }
            )
        },
    )
    .await?;
    let header = format!("{:<35}  {:<20}  MINE", "IDENTIFIER", "CREATED");
    print(report, "collectiveIdentifiers", header, found);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_specs() {
        let plain = parse_invoice("5265877635-20250826-0100001AF629-AF").unwrap();
        assert!(plain.payment.is_none() && plain.description.is_none());
        let full =
            parse_invoice("5265877635-20250826-0100001AF629-AF,100.50,eur,Rata 1, część").unwrap();
        let payment = full.payment.unwrap();
        assert_eq!(payment.amount, 100.5);
        assert_eq!(payment.currency.as_str(), "EUR");
        assert_eq!(full.description.as_deref(), Some("Rata 1, część"));
        assert!(parse_invoice("5265877635-20250826-0100001AF629-AF,100").is_err());
        assert!(parse_invoice("5265877635-20250826-0100001AF629-AF,x,PLN").is_err());
        assert!(parse_invoice("5265877635-20250826-0100001AF629-AF,1,QQQ").is_err());
        assert!(parse_invoice("not-a-number").is_err());
    }
}
