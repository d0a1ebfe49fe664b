//! Time helpers.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, in UTC.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Now as RFC 3339.
pub(crate) fn now_rfc3339() -> String {
    now().format(&Rfc3339).unwrap_or_default()
}

/// Unix milliseconds of a timestamp.
pub(crate) fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
