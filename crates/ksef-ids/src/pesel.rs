//! PESEL, the Polish personal identification number.

use crate::{IdentifierError, IdentifierKind, digits, is_calendar_date, split_last, weighted};

const WEIGHTS: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];

/// The PESEL check digit for the first ten digits.
pub fn pesel_check_digit(first10: &[u8; 10]) -> u8 {
    ((10 - weighted(first10, &WEIGHTS) % 10) % 10) as u8
}

/// A PESEL: 11 digits, an existing date of birth (century encoded in the month) and a correct
/// check digit.
///
/// Checked by [`Pesel::parse`]/[`Pesel::new`]; see the crate documentation for unchecked values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pesel(String);

impl Pesel {
    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date of birth encoded in the first six digits (feature `time`); `None` only for an
    /// unchecked value without a valid date.
    #[cfg(feature = "time")]
    pub fn birth_date(&self) -> Option<time::Date> {
        let d: [u8; 11] = digits(&self.0, IdentifierKind::Pesel).ok()?;
        let (year, month, day) = birth_date(&d)?;
        crate::calendar_date(year, month, day)
    }

    /// Whether the sex digit (the 10th) is even, which PESEL uses for women.
    pub fn is_female(&self) -> bool {
        self.0
            .as_bytes()
            .get(9)
            .is_some_and(|b| b.is_multiple_of(2))
    }

    fn wrap(value: String) -> Self {
        Self(value)
    }

    fn into_text(self) -> String {
        self.0
    }

    fn check(s: &str) -> Result<(), IdentifierError> {
        let kind = IdentifierKind::Pesel;
        let d: [u8; 11] = digits(s, kind)?;
        if birth_date(&d).is_none() {
            return Err(IdentifierError::InvalidDate {
                kind,
                value: s.chars().take(6).collect(),
            });
        }
        let (first10, last) = split_last::<10>(&d);
        crate::check_digit(kind, pesel_check_digit(&first10), last)
    }
}

crate::string_identifier!(Pesel);

/// Decodes the PESEL date as (year, month, day) if that day exists: the month carries the
/// century (+80 for 1800s, +0 for 1900s, +20 for 2000s, +40 for 2100s, +60 for 2200s).
fn birth_date(d: &[u8; 11]) -> Option<(i32, u8, u8)> {
    let [y1, y2, m1, m2, d1, d2, ..] = *d;
    let yy = i32::from(y1) * 10 + i32::from(y2);
    let mm = m1 * 10 + m2;
    let (century, month) = match mm {
        81..=92 => (1800, mm - 80),
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        41..=52 => (2100, mm - 40),
        61..=72 => (2200, mm - 60),
        _ => return None,
    };
    let (year, day) = (century + yy, d1 * 10 + d2);
    is_calendar_date(year, month, day).then_some((year, month, day))
}

/// Encodes a date for the first six PESEL digits, or `None` outside 1800–2299.
#[cfg(any(feature = "random", feature = "rand"))]
pub(crate) fn date_digits(year: i32, month: u8, day: u8) -> Option<[u8; 6]> {
    let offset = match year {
        1800..=1899 => 80,
        1900..=1999 => 0,
        2000..=2099 => 20,
        2100..=2199 => 40,
        2200..=2299 => 60,
        _ => return None,
    };
    let yy = (year % 100) as u8;
    let mm = month + offset;
    Some([yy / 10, yy % 10, mm / 10, mm % 10, day / 10, day % 10])
}
