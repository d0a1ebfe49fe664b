//! `xsd:date` and `xsd:dateTime` values.

use std::fmt;
use std::str::FromStr;

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Parses `YYYY-MM-DD` (the schema's dates carry no time zone).
pub(crate) fn parse_date(s: &str) -> Result<Date, String> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(format!("{s:?} is not a date YYYY-MM-DD"));
    }
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return Err(format!("{s:?} is not a date YYYY-MM-DD"));
    };
    let month = u8::try_from(m).ok().and_then(|m| Month::try_from(m).ok());
    month
        .and_then(|month| Date::from_calendar_date(y as i32, month, d as u8).ok())
        .ok_or_else(|| format!("{s:?} is not a valid calendar date"))
}

pub(crate) fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// An `xsd:dateTime`: the instant plus the text it was written as (kept for writing back).
/// A value without a time zone is taken as UTC.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    text: String,
    value: OffsetDateTime,
}

impl DateTime {
    /// The instant, written in RFC 3339 (`2026-02-01T10:00:00Z`).
    pub fn new(value: OffsetDateTime) -> Self {
        let value = value.replace_nanosecond(0).unwrap_or(value);
        let text = value.format(&Rfc3339).unwrap_or_default();
        DateTime { text, value }
    }

    /// The current time, to the second.
    pub fn now_utc() -> Self {
        Self::new(OffsetDateTime::now_utc())
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The instant.
    pub fn to_offset_date_time(&self) -> OffsetDateTime {
        self.value
    }
}

impl FromStr for DateTime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a date-time YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]");
        let (date, rest) = s.split_once('T').ok_or_else(bad)?;
        let date = parse_date(date).map_err(|_| bad())?;
        let (clock, offset) = match rest.find(['Z', '+', '-']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let offset = match offset {
            "" | "Z" => UtcOffset::UTC,
            o => {
                let (sign, hm) = o.split_at(1);
                let (h, m) = hm.split_once(':').ok_or_else(bad)?;
                if h.len() != 2 || m.len() != 2 {
                    return Err(bad());
                }
                let h: i8 = h.parse().map_err(|_| bad())?;
                let m: i8 = m.parse().map_err(|_| bad())?;
                let (h, m) = if sign == "-" { (-h, -m) } else { (h, m) };
                UtcOffset::from_hms(h, m, 0).map_err(|_| bad())?
            }
        };
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let parts: Vec<&str> = hms.split(':').collect();
        if parts.len() != 3
            || parts
                .iter()
                .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        if clock.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
            return Err(bad());
        }
        let n = |p: &str| p.parse::<u8>().map_err(|_| bad());
        let (h, mi, se) = (n(parts[0])?, n(parts[1])?, n(parts[2])?);
        let nanos: u32 = format!("{:0<9}", &frac[..frac.len().min(9)])
            .parse()
            .map_err(|_| bad())?;
        let (time, next_day) = if h == 24 && mi == 0 && se == 0 && nanos == 0 {
            (Time::MIDNIGHT, true)
        } else {
            (
                Time::from_hms_nano(h, mi, se, nanos).map_err(|_| bad())?,
                false,
            )
        };
        let mut value = PrimitiveDateTime::new(date, time).assume_offset(offset);
        if next_day {
            value += time::Duration::DAY;
        }
        Ok(DateTime {
            text: s.to_owned(),
            value,
        })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({})", self.text)
    }
}
