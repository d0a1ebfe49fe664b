//! The invoice filters shared by `POST /invoices/query/metadata` and `POST /invoices/exports`:
//! validation of [`InvoiceQueryFilters`], matching against stored invoices relative to the
//! caller's context, ordering by the filtered date type, and the High Water Mark.

use ksef_model::rt::SpecConstrained;
use ksef_model::{
    AmountType, InvoiceMetadata, InvoiceQueryDateType, InvoiceQueryFilters, KsefNumber,
};
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

pub(crate) use crate::state::invoices::{is_subject, visible_to};

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::state::{Ident, InvoiceRecord, Store};

/// Records one filter set can return (query) or one package can hold (export).
pub(crate) const MAX_RECORDS: usize = 10_000;

/// A validated filter set, ready to be matched.
#[derive(Debug, Clone)]
pub(crate) struct Criteria {
    /// The filters as received.
    pub filters: InvoiceQueryFilters,
    /// The caller's context.
    pub context: Ident,
    /// Start of the range (inclusive).
    pub from: OffsetDateTime,
    /// End of the range (inclusive), after the HWM restriction.
    pub to: OffsetDateTime,
    /// The `permanentStorageHwmDate` to report (`PermanentStorage` date type only).
    pub hwm_date: Option<OffsetDateTime>,
}

/// The emulator's High Water Mark: no invoice can appear later with a `permanentStorageDate` at
/// or before it. Invoices get their `permanentStorageDate` when they are stored, so the mark
/// trails the clock by the invoice processing time plus the configured lag.
pub(crate) fn high_water_mark(state: &AppState, now: OffsetDateTime) -> OffsetDateTime {
    let lag = state
        .config()
        .invoice_processing_ms
        .saturating_add(state.config().hwm_lag_ms);
    now - time::Duration::milliseconds(i64::try_from(lag).unwrap_or(i64::MAX / 2))
}

/// The same wall-clock time `months` calendar months later (the day clamped to the month's
/// length), as a local date-time.
fn add_months(t: PrimitiveDateTime, months: u8) -> Option<PrimitiveDateTime> {
    let mut year = t.year();
    let mut month = u8::from(t.month()) + months;
    while month > 12 {
        month -= 12;
        year += 1;
    }
    let month = time::Month::try_from(month).ok()?;
    let day = t.day().min(time::util::days_in_month(month, year));
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(PrimitiveDateTime::new(date, t.time()))
}

/// The documented 3-month maximum, "in UTC or in Europe/Warsaw": the range is accepted when it
/// fits by either calendar. A limit past the last representable date (9999-12-31) admits every
/// `to`.
fn within_three_months(from: OffsetDateTime, to: OffsetDateTime) -> bool {
    let by_utc = from.checked_to_offset(UtcOffset::UTC).is_none_or(|utc| {
        add_months(PrimitiveDateTime::new(utc.date(), utc.time()), 3)
            .is_none_or(|limit| to <= limit.assume_utc())
    });
    let warsaw = ksef_model::rt::datetime::to_warsaw(from);
    let by_warsaw =
        add_months(PrimitiveDateTime::new(warsaw.date(), warsaw.time()), 3).is_none_or(|limit| {
            to <= limit.assume_offset(ksef_model::rt::datetime::warsaw_offset_for_local(limit))
        });
    by_utc || by_warsaw
}

fn unknown(field: &str, value: &str) -> EmuError {
    EmuError::validation(format!("Nieobsługiwana wartość pola {field}: '{value}'."))
}

/// Checks the filters (`Err`: 400/21405) and fixes the effective range. With
/// `restrictToPermanentStorageHwmDate` on, a `from` after the HWM gives `Ok(Err(hwm))`: the
/// caller answers it (21183 for the query, status 420 for an export).
pub(crate) fn validate(
    state: &AppState,
    filters: InvoiceQueryFilters,
    context: Ident,
    now: OffsetDateTime,
) -> EmuResult<Result<Criteria, OffsetDateTime>> {
    let f = &filters;
    if !f.subject_type.is_known() {
        return Err(unknown("subjectType", f.subject_type.as_str()));
    }
    let range = &f.date_range;
    if !range.date_type.is_known() {
        return Err(unknown("dateRange.dateType", range.date_type.as_str()));
    }
    let permanent = range.date_type == InvoiceQueryDateType::PermanentStorage;
    let hwm = high_water_mark(state, now);
    let restrict = permanent && range.restrict_to_permanent_storage_hwm_date == Some(true);
    if restrict && range.from > hwm {
        return Ok(Err(hwm));
    }
    let requested_to = range.to.unwrap_or(now);
    if range.from > requested_to {
        return Err(EmuError::validation(
            "Data początkowa zakresu (dateRange.from) jest późniejsza niż data końcowa (dateRange.to).",
        ));
    }
    if !within_three_months(range.from, requested_to) {
        return Err(EmuError::validation(
            "Zakres dat (dateRange) przekracza maksymalny dozwolony okres 3 miesięcy.",
        ));
    }
    if let Some(k) = &f.ksef_number
        && <KsefNumber as SpecConstrained>::check_spec(k.as_str()).is_err()
    {
        return Err(EmuError::validation(format!(
            "Nieprawidłowy numer KSeF '{k}' (ksefNumber)."
        )));
    }
    if let Some(n) = &f.seller_nip
        && ksef_crypto::identifiers::Nip::parse(n.as_str()).is_err()
    {
        return Err(EmuError::validation(format!(
            "Nieprawidłowy NIP sprzedawcy '{}' (sellerNip).",
            n.as_str()
        )));
    }
    if f.invoice_number
        .as_ref()
        .is_some_and(|n| n.chars().count() > 256)
    {
        return Err(EmuError::validation(
            "Numer faktury (invoiceNumber) jest dłuższy niż 256 znaków.",
        ));
    }
    if let Some(a) = &f.amount {
        if !a.r#type.is_known() {
            return Err(unknown("amount.type", a.r#type.as_str()));
        }
        if let (Some(lo), Some(hi)) = (a.from, a.to)
            && lo > hi
        {
            return Err(EmuError::validation(
                "Kwota początkowa (amount.from) jest większa niż kwota końcowa (amount.to).",
            ));
        }
    }
    if let Some(b) = &f.buyer_identifier {
        if !b.r#type.is_known() {
            return Err(unknown("buyerIdentifier.type", b.r#type.as_str()));
        }
        if b.value.as_ref().is_some_and(|v| v.chars().count() > 50) {
            return Err(EmuError::validation(
                "Identyfikator nabywcy (buyerIdentifier.value) jest dłuższy niż 50 znaków.",
            ));
        }
    }
    for c in f.currency_codes.iter().flatten() {
        if !c.is_known() {
            return Err(unknown("currencyCodes", c.as_str()));
        }
    }
    if let Some(m) = &f.invoicing_mode
        && !m.is_known()
    {
        return Err(unknown("invoicingMode", m.as_str()));
    }
    if let Some(t) = &f.form_type
        && !t.is_known()
    {
        return Err(unknown("formType", t.as_str()));
    }
    for t in f.invoice_types.iter().flatten() {
        if !t.is_known() {
            return Err(unknown("invoiceTypes", t.as_str()));
        }
    }

    let to = if restrict {
        requested_to.min(hwm)
    } else {
        requested_to
    };
    let hwm_date = permanent.then(|| requested_to.min(hwm));
    let from = range.from;
    Ok(Ok(Criteria {
        filters,
        context,
        from,
        to,
        hwm_date,
    }))
}

use ksef_model::rt::datetime::warsaw_date;

fn in_range(c: &Criteria, meta: &InvoiceMetadata) -> bool {
    match c.filters.date_range.date_type {
        InvoiceQueryDateType::Issue => {
            (warsaw_date(c.from)..=warsaw_date(c.to)).contains(&meta.issue_date)
        }
        InvoiceQueryDateType::Invoicing => (c.from..=c.to).contains(&meta.invoicing_date),
        InvoiceQueryDateType::PermanentStorage => {
            (c.from..=c.to).contains(&meta.permanent_storage_date)
        }
        InvoiceQueryDateType::Unknown(_) => false,
    }
}

/// Whether an invoice matches every filter.
pub(crate) fn matches(c: &Criteria, meta: &InvoiceMetadata) -> bool {
    let f = &c.filters;
    if !is_subject(meta, &f.subject_type, &c.context) || !in_range(c, meta) {
        return false;
    }
    if f.ksef_number
        .as_ref()
        .is_some_and(|k| k.as_str() != meta.ksef_number.as_str())
        || f.invoice_number
            .as_ref()
            .is_some_and(|n| *n != meta.invoice_number)
        || f.seller_nip
            .as_ref()
            .is_some_and(|n| n.as_str() != meta.seller.nip.as_str())
        || f.invoicing_mode
            .as_ref()
            .is_some_and(|m| *m != meta.invoicing_mode)
        || f.is_self_invoicing
            .is_some_and(|s| s != meta.is_self_invoicing)
        || f.has_attachment.is_some_and(|a| a != meta.has_attachment)
        || f.form_type
            .as_ref()
            .is_some_and(|t| t.as_str() != meta.form_code.value)
    {
        return false;
    }
    if let Some(codes) = &f.currency_codes
        && !codes.is_empty()
        && !codes.iter().any(|c| c.as_str() == meta.currency)
    {
        return false;
    }
    if let Some(types) = &f.invoice_types
        && !types.is_empty()
        && !types.contains(&meta.invoice_type)
    {
        return false;
    }
    if let Some(a) = &f.amount {
        let value = match a.r#type {
            AmountType::Brutto => meta.gross_amount,
            AmountType::Netto => meta.net_amount,
            AmountType::Vat => meta.vat_amount,
            AmountType::Unknown(_) => return false,
        };
        if a.from.is_some_and(|lo| value < lo) || a.to.is_some_and(|hi| value > hi) {
            return false;
        }
    }
    if let Some(b) = &f.buyer_identifier {
        let id = &meta.buyer.identifier;
        if b.r#type != id.r#type {
            return false;
        }
        if let Some(v) = &b.value
            && id.value.as_deref() != Some(v.as_str())
        {
            return false;
        }
    }
    true
}

/// The ordering key of an invoice for a date type (ties broken by acceptance order).
fn sort_key(date_type: &InvoiceQueryDateType, r: &InvoiceRecord) -> (i128, i128, u64) {
    let m = &r.metadata;
    let stored = m.permanent_storage_date.unix_timestamp_nanos();
    match date_type {
        InvoiceQueryDateType::Issue => {
            (i128::from(m.issue_date.to_julian_day()), stored, r.sequence)
        }
        InvoiceQueryDateType::Invoicing => {
            (m.invoicing_date.unix_timestamp_nanos(), stored, r.sequence)
        }
        _ => (stored, 0, r.sequence),
    }
}

/// The metadata of every matching invoice in the order of the filtered date type (ascending,
/// or descending). Only metadata is copied out, so the store lock is held briefly.
pub(crate) fn select(store: &Store, c: &Criteria, descending: bool) -> Vec<InvoiceMetadata> {
    let date_type = &c.filters.date_range.date_type;
    let mut hits: Vec<&InvoiceRecord> = store
        .invoices
        .values()
        .filter(|r| matches(c, &r.metadata))
        .collect();
    hits.sort_by_key(|r| sort_key(date_type, r));
    if descending {
        hits.reverse();
    }
    hits.into_iter().map(|r| r.metadata.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn three_months_is_calendar_months() {
        let from = datetime!(2025-01-31 10:00 UTC);
        assert!(within_three_months(from, datetime!(2025-04-30 10:00 UTC)));
        assert!(!within_three_months(
            from,
            datetime!(2025-04-30 10:00:01 UTC)
        ));
        let from = datetime!(2025-11-15 00:00 UTC);
        assert!(within_three_months(from, datetime!(2026-02-15 00:00 UTC)));
        assert!(!within_three_months(from, datetime!(2026-02-16 00:00 UTC)));
    }

    #[test]
    fn warsaw_months_also_count() {
        // 14:00 in Warsaw in August (UTC+2) to 14:00 in November (UTC+1): an hour more than by
        // the UTC calendar.
        let from = datetime!(2025-08-15 12:00 UTC);
        assert!(within_three_months(from, datetime!(2025-11-15 12:30 UTC)));
        assert!(!within_three_months(from, datetime!(2025-11-15 13:30 UTC)));
    }
}
