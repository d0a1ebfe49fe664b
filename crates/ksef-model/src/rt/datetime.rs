//! `date-time` and `date` values.
//!
//! The API exchanges ISO 8601 / RFC 3339 timestamps. The documentation states that a timestamp
//! **without** an offset is local time in Europe/Warsaw, and the server has been seen to send
//! such values (for example in `ExceptionResponse.timestamp`), so decoding accepts them and
//! applies the Polish civil-time offset: CET (UTC+1) in winter and CEST (UTC+2) from 01:00 UTC on
//! the last Sunday of March to 01:00 UTC on the last Sunday of October (the EU rule, in force in
//! Poland since 1996; the API does not deal with earlier dates). Encoding always writes RFC 3339
//! with an explicit offset.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, UtcOffset, Weekday};

/// A timestamp or date could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {reason}")]
pub struct DateTimeError {
    kind: &'static str,
    value: String,
    reason: String,
}

/// Parses an RFC 3339 timestamp; a timestamp without an offset is read as Europe/Warsaw time.
pub fn parse_date_time(text: &str) -> Result<OffsetDateTime, DateTimeError> {
    if let Ok(value) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(value);
    }
    let local_format = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    match PrimitiveDateTime::parse(text, local_format) {
        Ok(local) => Ok(from_warsaw_local(local)),
        Err(e) => Err(DateTimeError {
            kind: "date-time",
            value: text.chars().take(64).collect(),
            reason: e.to_string(),
        }),
    }
}

/// Formats a timestamp as RFC 3339 (keeping its offset).
pub fn format_date_time(value: &OffsetDateTime) -> String {
    // Formatting an OffsetDateTime as RFC 3339 only fails for years outside 0..=9999 or offsets
    // with seconds; fall back to UTC (then the ISO form) rather than panicking.
    value
        .format(&Rfc3339)
        .ok()
        .or_else(|| {
            value
                .checked_to_offset(UtcOffset::UTC)
                .and_then(|utc| utc.format(&Rfc3339).ok())
        })
        .unwrap_or_else(|| value.to_string())
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Result<Date, DateTimeError> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|e| DateTimeError {
        kind: "date",
        value: text.chars().take(64).collect(),
        reason: e.to_string(),
    })
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(value: &Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        value.year(),
        u8::from(value.month()),
        value.day()
    )
}

/// The Europe/Warsaw offset in force at a UTC instant.
pub fn warsaw_offset_at(utc: OffsetDateTime) -> UtcOffset {
    // An instant whose UTC reading falls outside the supported years (e.g. 9999-12-31T23:00-05:00)
    // is far from any switch: winter time.
    let Some(utc) = utc.checked_to_offset(UtcOffset::UTC) else {
        return CET;
    };
    let year = utc.year();
    let start = summer_time_switch(year, Month::March);
    let end = summer_time_switch(year, Month::October);
    match (start, end) {
        (Some(start), Some(end)) if utc >= start && utc < end => CEST,
        _ => CET,
    }
}

/// The same instant read on the Polish wall clock (Europe/Warsaw). An instant whose Polish
/// reading falls outside the supported years (after 9999-12-31 local time) is returned unchanged
/// rather than panicking.
pub fn to_warsaw(instant: OffsetDateTime) -> OffsetDateTime {
    instant
        .checked_to_offset(warsaw_offset_at(instant))
        .unwrap_or(instant)
}

/// The calendar date in Poland at `instant` (invoice and issue dates are Polish dates; instants
/// are often UTC).
pub fn warsaw_date(instant: OffsetDateTime) -> Date {
    to_warsaw(instant).date()
}

/// Today's date in Poland.
pub fn warsaw_today() -> Date {
    warsaw_date(OffsetDateTime::now_utc())
}

/// A Polish wall-clock time as an instant (with the Europe/Warsaw offset in force then; see
/// [`warsaw_offset_for_local`] for the hours that occur twice or not at all).
pub fn from_warsaw_local(local: PrimitiveDateTime) -> OffsetDateTime {
    local.assume_offset(warsaw_offset_for_local(local))
}

/// The start (midnight) of a Polish calendar day, as an instant.
pub fn warsaw_midnight(day: Date) -> OffsetDateTime {
    from_warsaw_local(day.midnight())
}

/// The Europe/Warsaw offset for a local wall-clock time. In the autumn hour that occurs twice the
/// earlier (summer) reading is chosen; a time in the spring gap is read with the winter offset.
pub fn warsaw_offset_for_local(local: PrimitiveDateTime) -> UtcOffset {
    let as_summer = local.assume_offset(CEST);
    if warsaw_offset_at(as_summer) == CEST {
        CEST
    } else {
        CET
    }
}

const CET: UtcOffset = match UtcOffset::from_hms(1, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};
const CEST: UtcOffset = match UtcOffset::from_hms(2, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// 01:00 UTC on the last Sunday of `month` (March or October) of `year`.
fn summer_time_switch(year: i32, month: Month) -> Option<OffsetDateTime> {
    let last = Date::from_calendar_date(year, month, 31).ok()?;
    let back = last.weekday().number_days_from_sunday();
    let sunday = last.checked_sub(time::Duration::days(i64::from(back)))?;
    debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
    Some(sunday.with_hms(1, 0, 0).ok()?.assume_utc())
}

/// Serde adapter for required `date-time` fields.
pub mod date_time {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    /// Serializes as RFC 3339.
    pub fn serialize<S: Serializer>(value: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date_time(value))
    }

    /// Deserializes RFC 3339, or a Europe/Warsaw local time without offset.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        super::parse_date_time(&text).map_err(serde::de::Error::custom)
    }

    /// Serde adapter for optional `date-time` fields.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        /// Serializes `Some` as RFC 3339 and `None` as `null`.
        pub fn serialize<S: Serializer>(
            value: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => s.serialize_str(&super::super::format_date_time(v)),
                None => s.serialize_none(),
            }
        }

        /// Deserializes `null` as `None`.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            let text = Option::<std::borrow::Cow<'de, str>>::deserialize(d)?;
            text.map(|t| super::super::parse_date_time(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

/// Serde adapter for required `date` fields.
pub mod date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Serializes as `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(value: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(value))
    }

    /// Deserializes `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        super::parse_date(&text).map_err(serde::de::Error::custom)
    }

    /// Serde adapter for optional `date` fields.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::Date;

        /// Serializes `Some` as `YYYY-MM-DD` and `None` as `null`.
        pub fn serialize<S: Serializer>(value: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => s.serialize_str(&super::super::format_date(v)),
                None => s.serialize_none(),
            }
        }

        /// Deserializes `null` as `None`.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            let text = Option::<std::borrow::Cow<'de, str>>::deserialize(d)?;
            text.map(|t| super::super::parse_date(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn offsetless_is_warsaw_time() {
        let winter = parse_date_time("2025-01-11T12:23:56.0154302").unwrap();
        assert_eq!(winter.offset(), CET);
        assert_eq!(winter.nanosecond(), 15_430_200);
        let summer = parse_date_time("2025-10-11T12:23:56").unwrap();
        assert_eq!(summer.offset(), CEST);
        assert_eq!(
            summer.to_offset(UtcOffset::UTC),
            datetime!(2025-10-11 10:23:56 UTC)
        );
    }

    #[test]
    fn switch_days() {
        // 2025: summer time from 30 March 01:00 UTC to 26 October 01:00 UTC.
        assert_eq!(warsaw_offset_at(datetime!(2025-03-30 00:59:59 UTC)), CET);
        assert_eq!(warsaw_offset_at(datetime!(2025-03-30 01:00:00 UTC)), CEST);
        assert_eq!(warsaw_offset_at(datetime!(2025-10-26 00:59:59 UTC)), CEST);
        assert_eq!(warsaw_offset_at(datetime!(2025-10-26 01:00:00 UTC)), CET);
        // The repeated autumn hour reads as summer time; the spring gap as winter time.
        assert_eq!(warsaw_offset_for_local(datetime!(2025-10-26 02:30)), CEST);
        assert_eq!(warsaw_offset_for_local(datetime!(2025-03-30 02:30)), CET);
    }

    #[test]
    fn rfc3339_kept_and_errors_typed() {
        let t = parse_date_time("2025-07-11T12:23:56.123+00:00").unwrap();
        assert_eq!(format_date_time(&t), "2025-07-11T12:23:56.123Z");
        assert!(parse_date_time("yesterday").is_err());
        assert_eq!(
            format_date(&parse_date("2026-02-01").unwrap()),
            "2026-02-01"
        );
        assert!(parse_date("2026-02-30").is_err());
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        // Year 10000 in UTC: no summer time, no panic, unchanged where Poland's reading would
        // leave the supported years.
        let late = parse_date_time("9999-12-31T23:00:00-05:00").unwrap();
        assert_eq!(warsaw_offset_at(late), CET);
        assert_eq!(to_warsaw(late), late);
        assert!(!format_date_time(&late).is_empty());
        let last = datetime!(9999-12-31 23:59:59 UTC);
        assert_eq!(to_warsaw(last), last);
        let early = datetime!(0000-01-01 00:00:00 +01:00);
        assert_eq!(warsaw_offset_at(early), CET);
        assert_eq!(to_warsaw(early).offset(), CET);
    }
}
