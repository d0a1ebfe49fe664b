//! What `ksef query`, `ksef export` and `ksef sync` share: subject types, points in time given on
//! the command line, and the invoice filters.

use ksef::model::rt::datetime::{format_date_time, parse_date, parse_date_time, warsaw_midnight};
use ksef::model::{
    AmountType, BuyerIdentifierType, CurrencyCode, InvoiceMetadata, InvoiceQueryAmount,
    InvoiceQueryBuyerIdentifier, InvoiceQueryDateRange, InvoiceQueryDateType, InvoiceQueryFilters,
    InvoiceQuerySubjectType, KsefNumber, Nip,
};
use time::{Date, OffsetDateTime};

use crate::error::{CliError, CliResult, ErrorKind};

/// Longest date range KSeF accepts in one query or export (3 calendar months; checked here
/// loosely, KSeF has the last word).
const MAX_RANGE_DAYS: i64 = 92;

/// Default length of the `--from`/`--to` range when `--from` is not given.
const DEFAULT_RANGE_DAYS: i64 = 30;

/// Whose invoices: the role of the logged-in context on the invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Subject {
    /// Invoices issued: the context is the seller (Podmiot 1). Aliases: seller, issued.
    #[value(alias = "seller", alias = "issued")]
    Subject1,
    /// Invoices received: the context is the buyer (Podmiot 2). Aliases: buyer, received.
    #[value(alias = "buyer", alias = "received")]
    Subject2,
    /// Invoices naming the context as a third party (Podmiot 3).
    Subject3,
    /// Invoices the context may see as an authorised entity (podmiot upoważniony).
    Authorized,
}

impl Subject {
    /// The model's subject type.
    pub fn to_model(self) -> InvoiceQuerySubjectType {
        match self {
            Subject::Subject1 => InvoiceQuerySubjectType::Subject1,
            Subject::Subject2 => InvoiceQuerySubjectType::Subject2,
            Subject::Subject3 => InvoiceQuerySubjectType::Subject3,
            Subject::Authorized => InvoiceQuerySubjectType::SubjectAuthorized,
        }
    }
}

/// Which date of the invoice `--from`/`--to` refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateKind {
    /// The issue date written on the invoice (P_1).
    Issue,
    /// When the invoice was sent to KSeF.
    Invoicing,
    /// When KSeF stored it permanently (the order KSeF lists invoices in; recommended).
    PermanentStorage,
}

impl DateKind {
    /// The model's date type.
    pub fn to_model(self) -> InvoiceQueryDateType {
        match self {
            DateKind::Issue => InvoiceQueryDateType::Issue,
            DateKind::Invoicing => InvoiceQueryDateType::Invoicing,
            DateKind::PermanentStorage => InvoiceQueryDateType::PermanentStorage,
        }
    }
}

/// Which amount `--min-amount`/`--max-amount` refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AmountKind {
    /// The gross amount (brutto).
    Gross,
    /// The net amount (netto).
    Net,
    /// The VAT amount.
    Vat,
}

/// A point in time given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// An exact instant (RFC 3339; without an offset it is Polish time).
    At(OffsetDateTime),
    /// A calendar day in Polish time.
    Day(Date),
    /// This long before now.
    Ago(time::Duration),
}

/// The longest span before now that `--from 90d`-style arguments accept (KSeF holds invoices
/// for 10 years).
const MAX_SPAN: time::Duration = time::Duration::days(3660);

/// Parses `2026-11-20T08:00:00Z` (RFC 3339; no offset = Polish time), `2026-11-20` (a day in
/// Polish time) or a span before now: `90m`, `24h`, `7d`, `2w`.
pub fn parse_when(text: &str) -> Result<When, String> {
    let text = text.trim();
    if let Ok(day) = parse_date(text) {
        return Ok(When::Day(day));
    }
    if let Ok(at) = parse_date_time(text) {
        return Ok(When::At(at));
    }
    let unit_at = text.len().saturating_sub(1);
    if let (Some(number), Some(unit)) = (text.get(..unit_at), text.get(unit_at..))
        && let Ok(n) = number.parse::<u32>()
    {
        let n = i64::from(n);
        let span = match unit {
            "m" => Some(time::Duration::minutes(n)),
            "h" => Some(time::Duration::hours(n)),
            "d" => Some(time::Duration::days(n)),
            "w" => Some(time::Duration::weeks(n)),
            _ => None,
        };
        if let Some(span) = span {
            if span > MAX_SPAN {
                return Err(format!(
                    "{text:?} reaches back more than {} days; give a date instead",
                    MAX_SPAN.whole_days()
                ));
            }
            return Ok(When::Ago(span));
        }
    }
    Err(format!(
        "{text:?} is not a time: use RFC 3339 (2026-11-20T08:00:00Z; without an offset it is \
         Polish time), a day (2026-11-20) or a span before now (90m, 24h, 7d, 2w)"
    ))
}

/// Midnight of `day` in Polish time.
fn polish_midnight(day: Date) -> OffsetDateTime {
    warsaw_midnight(day)
}

impl When {
    /// The instant as the start of a range (a day: its first moment).
    pub fn start(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            When::At(at) => at,
            When::Day(day) => polish_midnight(day),
            When::Ago(span) => now - span,
        }
    }

    /// The instant as the (inclusive) end of a range (a day: its last millisecond).
    pub fn end(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            When::Day(day) => match day.next_day() {
                Some(next) => polish_midnight(next) - time::Duration::milliseconds(1),
                None => polish_midnight(day),
            },
            other => other.start(now),
        }
    }
}

/// Parses a NIP, checking its check digit.
pub fn parse_nip(text: &str) -> Result<Nip, String> {
    Nip::parse(text.trim()).map_err(|e| e.to_string())
}

/// Parses a KSeF number, checking its checksum.
pub fn parse_ksef_number(text: &str) -> Result<KsefNumber, String> {
    KsefNumber::parse(text.trim()).map_err(|e| e.to_string())
}

/// Parses an ISO 4217 currency code KSeF knows.
pub fn parse_currency(text: &str) -> Result<CurrencyCode, String> {
    let code = CurrencyCode::from(text.trim().to_ascii_uppercase().as_str());
    if code.is_known() {
        Ok(code)
    } else {
        Err(format!(
            "{text:?} is not a currency code KSeF knows (e.g. PLN, EUR, USD)"
        ))
    }
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::new(ErrorKind::Usage, message)
}

/// Checks that `from..to` is a range KSeF can answer (not reversed, at most about 3 months).
pub fn check_range(from: OffsetDateTime, to: OffsetDateTime) -> CliResult {
    if from > to {
        return Err(usage(format!(
            "--from {} is after --to {}",
            format_date_time(&from),
            format_date_time(&to)
        )));
    }
    if to - from > time::Duration::days(MAX_RANGE_DAYS) {
        return Err(usage(
            "the date range is longer than KSeF allows (3 months): split it into several runs",
        ));
    }
    Ok(())
}

/// Which invoices: the filters of `ksef query` and `ksef export`.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Whose invoices: subject1 = issued (you are the seller), subject2 = received (you are
    /// the buyer), subject3 = you are a third party, authorized = as an authorised entity.
    #[arg(long, short = 's', value_enum, default_value_t = Subject::Subject1)]
    pub subject: Subject,
    /// Start of the date range: RFC 3339 (2026-11-20T08:00:00Z; without an offset it is Polish
    /// time), a day (2026-11-20, from its first moment) or a span before now (24h, 7d).
    /// Default: 30 days before --to. The range may span at most 3 months.
    #[arg(long, value_name = "TIME", value_parser = parse_when)]
    pub from: Option<When>,
    /// End of the date range, inclusive (a day: up to its last moment). Default: now.
    #[arg(long, value_name = "TIME", value_parser = parse_when)]
    pub to: Option<When>,
    /// Which date of the invoice --from/--to refer to.
    #[arg(long, value_enum, default_value_t = DateKind::PermanentStorage)]
    pub date_type: DateKind,
    /// Only the invoice with this KSeF number.
    #[arg(long, value_name = "KSEF_NUMBER", value_parser = parse_ksef_number)]
    pub ksef_number: Option<KsefNumber>,
    /// Only invoices with this invoice number (P_2, exact match).
    #[arg(long, value_name = "NUMBER")]
    pub invoice_number: Option<String>,
    /// Only invoices of this seller (10-digit NIP).
    #[arg(long, value_name = "NIP", value_parser = parse_nip)]
    pub seller_nip: Option<Nip>,
    /// Only invoices to this buyer (10-digit NIP).
    #[arg(long, value_name = "NIP", value_parser = parse_nip)]
    pub buyer_nip: Option<Nip>,
    /// Only invoices in these currencies (ISO 4217, repeatable or comma-separated: PLN,EUR).
    #[arg(long = "currency", value_name = "CODE", value_delimiter = ',', value_parser = parse_currency)]
    pub currencies: Vec<CurrencyCode>,
    /// Which amount --min-amount/--max-amount refer to.
    #[arg(long, value_enum, default_value_t = AmountKind::Gross)]
    pub amount_type: AmountKind,
    /// Only invoices with at least this amount (in the invoice's currency, e.g. 100.50).
    #[arg(long, value_name = "AMOUNT")]
    pub min_amount: Option<f64>,
    /// Only invoices with at most this amount (in the invoice's currency).
    #[arg(long, value_name = "AMOUNT")]
    pub max_amount: Option<f64>,
}

impl FilterArgs {
    /// The API filters, with the times resolved against `now`.
    pub fn to_filters(&self, now: OffsetDateTime) -> CliResult<InvoiceQueryFilters> {
        let to = self.to.map(|t| t.end(now));
        let from = match self.from {
            Some(f) => f.start(now),
            None => to.unwrap_or(now) - time::Duration::days(DEFAULT_RANGE_DAYS),
        };
        check_range(from, to.unwrap_or(now))?;
        let mut range = InvoiceQueryDateRange::new(self.date_type.to_model(), from);
        range.to = to;
        let mut filters = InvoiceQueryFilters::new(self.subject.to_model(), range);
        filters.ksef_number = self.ksef_number.clone();
        filters.invoice_number = self.invoice_number.clone();
        filters.seller_nip = self.seller_nip.clone();
        if let Some(nip) = &self.buyer_nip {
            let mut buyer = InvoiceQueryBuyerIdentifier::new(BuyerIdentifierType::Nip);
            buyer.value = Some(nip.as_str().to_owned());
            filters.buyer_identifier = Some(buyer);
        }
        if !self.currencies.is_empty() {
            filters.currency_codes = Some(self.currencies.clone());
        }
        if self.min_amount.is_some() || self.max_amount.is_some() {
            if let (Some(lo), Some(hi)) = (self.min_amount, self.max_amount)
                && lo > hi
            {
                return Err(usage(format!(
                    "--min-amount {lo} is above --max-amount {hi}"
                )));
            }
            let kind = match self.amount_type {
                AmountKind::Gross => AmountType::Brutto,
                AmountKind::Net => AmountType::Netto,
                AmountKind::Vat => AmountType::Vat,
            };
            let mut amount = InvoiceQueryAmount::new(kind);
            amount.from = self.min_amount;
            amount.to = self.max_amount;
            filters.amount = Some(amount);
        }
        Ok(filters)
    }
}

/// The buyer's identifier as text (`-` when the invoice has none).
pub fn buyer_text(m: &InvoiceMetadata) -> String {
    let id = &m.buyer.identifier;
    match (&id.r#type, &id.value) {
        (BuyerIdentifierType::Nip, Some(v)) => v.clone(),
        (BuyerIdentifierType::None, _) | (_, None) => "-".into(),
        (kind, Some(v)) => format!("{}:{v}", kind.as_str()),
    }
}

/// One invoice per line: KSeF number, invoice number, issue date, seller NIP, buyer, gross
/// amount and currency — in aligned columns, with a header.
pub fn invoice_table(invoices: &[InvoiceMetadata]) -> Vec<String> {
    let rows: Vec<[String; 6]> = invoices
        .iter()
        .map(|m| {
            [
                m.ksef_number.as_str().to_owned(),
                m.invoice_number.clone(),
                ksef::model::rt::datetime::format_date(&m.issue_date),
                m.seller.nip.as_str().to_owned(),
                buyer_text(m),
                format!("{:.2} {}", m.gross_amount, m.currency),
            ]
        })
        .collect();
    let header = [
        "KSEF NUMBER",
        "INVOICE NUMBER",
        "ISSUED",
        "SELLER",
        "BUYER",
        "GROSS",
    ]
    .map(str::to_owned);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    std::iter::once(&header)
        .chain(&rows)
        .map(|row| {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                if i + 1 == row.len() {
                    line.push_str(&format!("{cell:>w$}"));
                } else {
                    line.push_str(&format!("{cell:<w$}  "));
                }
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_all_three_forms() {
        let now = OffsetDateTime::now_utc();
        assert!(matches!(parse_when("2026-11-20"), Ok(When::Day(_))));
        assert!(matches!(
            parse_when("2026-11-20T08:00:00Z"),
            Ok(When::At(_))
        ));
        assert!(matches!(parse_when("2026-11-20T08:00:00"), Ok(When::At(_))));
        assert_eq!(parse_when("24h"), Ok(When::Ago(time::Duration::hours(24))));
        assert_eq!(parse_when("2w"), Ok(When::Ago(time::Duration::weeks(2))));
        assert!(parse_when("yesterday").is_err());
        assert!(parse_when("5y").is_err());
        let day = parse_when("2026-01-15").unwrap();
        // Winter: Polish time is UTC+1.
        assert_eq!(
            format_date_time(&day.start(now).to_offset(time::UtcOffset::UTC)),
            "2026-01-14T23:00:00Z"
        );
        assert_eq!(
            day.end(now) - day.start(now),
            time::Duration::days(1) - time::Duration::milliseconds(1)
        );
    }

    #[test]
    fn ranges_are_checked() {
        let now = OffsetDateTime::now_utc();
        assert!(check_range(now - time::Duration::days(10), now).is_ok());
        assert!(check_range(now, now - time::Duration::days(1)).is_err());
        assert!(check_range(now - time::Duration::days(120), now).is_err());
    }

    #[test]
    fn identifiers_are_validated() {
        assert!(parse_nip("5265877635").is_ok());
        assert_eq!(
            parse_nip("5265877636").unwrap_err(),
            "NIP has a wrong checksum: expected 5, found 6"
        );
        assert!(parse_currency("eur").is_ok());
        assert!(parse_currency("XXQ").is_err());
        assert!(parse_ksef_number("5265877635-20250826-0100001AF629-AF").is_ok());
        assert!(parse_ksef_number("5265877635-20250826-0100001AF629-AE").is_err());
    }
}
