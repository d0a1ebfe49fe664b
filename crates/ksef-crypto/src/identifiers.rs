//! Polish identifiers used by KSeF, with their checksums: NIP, PESEL, internal identifiers
//! (`InternalId`), KSeF invoice numbers and collective identifiers.
//!
//! Parsers never panic and say precisely what is wrong. Random valid NIP, PESEL and internal
//! identifiers, for test data only: [`Nip::random`], [`Pesel::random`],
//! [`InternalId::random_under`] (the operating system's random source), or with a `rand`
//! generator the functions of [`generate`] (feature `test-data`).
//!
//! Every check is the same with and without the `dates` feature, including the date parts
//! (a PESEL birth date and a KSeF number's `YYYYMMDD` must be days of the Gregorian calendar).
//! `dates` adds the dates as `time::Date` values (`KsefNumber::date`, `Pesel::birth_date`) and
//! the constructors that take `time` values.

mod collective;
pub mod generate;
mod ksef_number;

use std::fmt;

pub use collective::CollectiveIdentifierNumber;
pub use ksef_number::{KsefNumber, ksef_crc8};

/// Which identifier an [`IdentifierError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierKind {
    /// Tax identification number (10 digits).
    Nip,
    /// Personal identification number (11 digits).
    Pesel,
    /// Internal identifier of a subunit, `NIP-NNNNN`.
    InternalId,
    /// KSeF invoice number.
    KsefNumber,
    /// Collective identifier of a group of invoices (API 2.9).
    CollectiveIdentifier,
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Nip => "NIP",
            Self::Pesel => "PESEL",
            Self::InternalId => "internal identifier",
            Self::KsefNumber => "KSeF number",
            Self::CollectiveIdentifier => "collective identifier",
        })
    }
}

/// Why an identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// The input is empty or only whitespace.
    #[error("{kind} is empty")]
    Empty {
        /// The identifier concerned.
        kind: IdentifierKind,
    },
    /// The input has the wrong number of characters.
    #[error("{kind} has length {actual}; expected {expected}")]
    Length {
        /// The identifier concerned.
        kind: IdentifierKind,
        /// The accepted length(s), in words.
        expected: &'static str,
        /// The length seen (in characters).
        actual: usize,
    },
    /// A character is not allowed at its position.
    #[error("{kind} has {found:?} at position {position}; expected {expected}")]
    InvalidChar {
        /// The identifier concerned.
        kind: IdentifierKind,
        /// 1-based character position.
        position: usize,
        /// The character seen.
        found: char,
        /// What is allowed there.
        expected: &'static str,
    },
    /// The structure is wrong in a way other than a single character.
    #[error("{kind} is malformed: {reason}")]
    Format {
        /// The identifier concerned.
        kind: IdentifierKind,
        /// What is wrong.
        reason: &'static str,
    },
    /// The embedded date does not exist.
    #[error("{kind} contains an invalid date {value}")]
    InvalidDate {
        /// The identifier concerned.
        kind: IdentifierKind,
        /// The date digits as found.
        value: String,
    },
    /// The check digit(s) do not match.
    #[error("{kind} has a wrong checksum: expected {expected}, found {found}")]
    Checksum {
        /// The identifier concerned.
        kind: IdentifierKind,
        /// The checksum computed from the other characters.
        expected: String,
        /// The checksum in the input.
        found: String,
    },
}

/// Checks that `s` is exactly `len` ASCII digits and returns their values.
fn digits<const N: usize>(s: &str, kind: IdentifierKind) -> Result<[u8; N], IdentifierError> {
    if s.trim().is_empty() {
        return Err(IdentifierError::Empty { kind });
    }
    let count = s.chars().count();
    if count != N {
        return Err(IdentifierError::Length {
            kind,
            expected: match kind {
                IdentifierKind::Nip => "10 digits",
                IdentifierKind::Pesel => "11 digits",
                IdentifierKind::InternalId => "16 characters (NIP-NNNNN)",
                IdentifierKind::KsefNumber | IdentifierKind::CollectiveIdentifier => {
                    "35 characters"
                }
            },
            actual: count,
        });
    }
    let mut out = [0u8; N];
    for ((i, c), slot) in s.chars().enumerate().zip(out.iter_mut()) {
        *slot =
            c.to_digit(10)
                .filter(|_| c.is_ascii_digit())
                .ok_or(IdentifierError::InvalidChar {
                    kind,
                    position: i + 1,
                    found: c,
                    expected: "a digit 0-9",
                })? as u8;
    }
    Ok(out)
}

/// Weighted sum of digits.
fn weighted(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum()
}

const NIP_WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];

/// The NIP check digit for the first nine digits, or `None` when the sum gives 10 (no valid NIP
/// starts with these digits).
pub fn nip_check_digit(first9: &[u8; 9]) -> Option<u8> {
    let r = weighted(first9, &NIP_WEIGHTS) % 11;
    (r < 10).then_some(r as u8)
}

/// A valid NIP (Polish tax identification number): 10 digits, the tax-office prefix allowed by
/// the KSeF schemas (`[1-9]((\d[1-9])|([1-9]\d))\d{7}`), and a correct check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nip(String);

impl Nip {
    /// Parses and validates a NIP written as 10 digits (no dashes or spaces).
    pub fn parse(s: &str) -> Result<Self, IdentifierError> {
        let kind = IdentifierKind::Nip;
        let d: [u8; 10] = digits(s, kind)?;
        let [first, second, third, ..] = d;
        if first == 0 {
            return Err(IdentifierError::Format {
                kind,
                reason: "it must not start with 0",
            });
        }
        if second == 0 && third == 0 {
            return Err(IdentifierError::Format {
                kind,
                reason: "its second and third digits must not both be 0",
            });
        }
        let (first9, last) = split_last::<9>(&d);
        match nip_check_digit(&first9) {
            Some(c) if c == last => Ok(Self(s.to_owned())),
            Some(c) => Err(IdentifierError::Checksum {
                kind,
                expected: c.to_string(),
                found: last.to_string(),
            }),
            None => Err(IdentifierError::Checksum {
                kind,
                expected: "none (the weighted sum gives 10, so no NIP has these first nine digits)"
                    .into(),
                found: last.to_string(),
            }),
        }
    }

    /// The 10 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Splits `N + 1` digits into the first `N` and the last.
fn split_last<const N: usize>(d: &[u8]) -> ([u8; N], u8) {
    let mut head = [0u8; N];
    for (slot, &v) in head.iter_mut().zip(d) {
        *slot = v;
    }
    (head, d.get(N).copied().unwrap_or(0))
}

const PESEL_WEIGHTS: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];

/// The PESEL check digit for the first ten digits.
pub fn pesel_check_digit(first10: &[u8; 10]) -> u8 {
    ((10 - weighted(first10, &PESEL_WEIGHTS) % 10) % 10) as u8
}

/// A valid PESEL: 11 digits, an existing date of birth (century encoded in the month) and a
/// correct check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pesel {
    value: String,
    #[cfg(feature = "dates")]
    birth_date: time::Date,
}

impl Pesel {
    /// Parses and validates a PESEL.
    pub fn parse(s: &str) -> Result<Self, IdentifierError> {
        let kind = IdentifierKind::Pesel;
        let d: [u8; 11] = digits(s, kind)?;
        let invalid_date = || IdentifierError::InvalidDate {
            kind,
            value: s.chars().take(6).collect(),
        };
        let (year, month, day) = pesel_birth_date(&d).ok_or_else(invalid_date)?;
        #[cfg(feature = "dates")]
        let birth_date = calendar_date(year, month, day).ok_or_else(invalid_date)?;
        #[cfg(not(feature = "dates"))]
        let _ = (year, month, day);
        let (first10, last) = split_last::<10>(&d);
        let expected = pesel_check_digit(&first10);
        if expected != last {
            return Err(IdentifierError::Checksum {
                kind,
                expected: expected.to_string(),
                found: last.to_string(),
            });
        }
        Ok(Self {
            value: s.to_owned(),
            #[cfg(feature = "dates")]
            birth_date,
        })
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The date of birth encoded in the first six digits (feature `dates`).
    #[cfg(feature = "dates")]
    pub fn birth_date(&self) -> time::Date {
        self.birth_date
    }

    /// Whether the sex digit (the 10th) is even, which PESEL uses for women.
    pub fn is_female(&self) -> bool {
        self.value
            .as_bytes()
            .get(9)
            .is_some_and(|b| b.is_multiple_of(2))
    }
}

/// Decodes the PESEL date as (year, month, day) if that day exists: the month carries the
/// century (+80 for 1800s, +0 for 1900s, +20 for 2000s, +40 for 2100s, +60 for 2200s).
fn pesel_birth_date(d: &[u8; 11]) -> Option<(i32, u8, u8)> {
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

/// The number of days of a month (1–12) of the Gregorian calendar, or `None` for another month.
pub(crate) fn days_in_month(year: i32, month: u8) -> Option<u8> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 => Some(if leap { 29 } else { 28 }),
        _ => None,
    }
}

/// Whether `year-month-day` is a day of the Gregorian calendar: the date check of PESEL and
/// KSeF numbers, the same with and without the `dates` feature.
pub(crate) fn is_calendar_date(year: i32, month: u8, day: u8) -> bool {
    days_in_month(year, month).is_some_and(|days| (1..=days).contains(&day))
}

/// The `time::Date` of a day that [`is_calendar_date`] accepted.
#[cfg(feature = "dates")]
pub(crate) fn calendar_date(year: i32, month: u8, day: u8) -> Option<time::Date> {
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// Encodes a date for the first six PESEL digits, or `None` outside 1800–2299.
pub(crate) fn pesel_date_digits(year: i32, month: u8, day: u8) -> Option<[u8; 6]> {
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

/// The check digit of an internal identifier: weights 1 and 3 alternating over the first 14
/// digits (the NIP and four more), sum mod 10.
pub fn internal_id_check_digit(first14: &[u8; 14]) -> u8 {
    const W: [u32; 14] = [1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3];
    (weighted(first14, &W) % 10) as u8
}

/// An internal identifier (`InternalId`) of a subunit: `NIP-NNNNN`, whose last digit is the
/// check digit of [`internal_id_check_digit`]. The NIP part is checked for format only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InternalId(String);

impl InternalId {
    /// Parses and validates an internal identifier.
    pub fn parse(s: &str) -> Result<Self, IdentifierError> {
        let kind = IdentifierKind::InternalId;
        if s.trim().is_empty() {
            return Err(IdentifierError::Empty { kind });
        }
        let count = s.chars().count();
        if count != 16 {
            return Err(IdentifierError::Length {
                kind,
                expected: "16 characters (NIP-NNNNN)",
                actual: count,
            });
        }
        let mut d = [0u8; 15];
        let mut slots = d.iter_mut();
        for (i, c) in s.chars().enumerate() {
            if i == 10 {
                if c != '-' {
                    return Err(IdentifierError::InvalidChar {
                        kind,
                        position: 11,
                        found: c,
                        expected: "'-' between the NIP and the five digits",
                    });
                }
                continue;
            }
            let v = c.to_digit(10).filter(|_| c.is_ascii_digit()).ok_or(
                IdentifierError::InvalidChar {
                    kind,
                    position: i + 1,
                    found: c,
                    expected: "a digit 0-9",
                },
            )?;
            if let Some(slot) = slots.next() {
                *slot = v as u8;
            }
        }
        let (first14, last) = split_last::<14>(&d);
        let expected = internal_id_check_digit(&first14);
        if expected != last {
            return Err(IdentifierError::Checksum {
                kind,
                expected: expected.to_string(),
                found: last.to_string(),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The whole identifier, `NIP-NNNNN`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The NIP part (first 10 digits).
    pub fn nip_part(&self) -> &str {
        self.0.get(..10).unwrap_or_default()
    }
}

macro_rules! string_identifier {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl std::str::FromStr for $t {
            type Err = IdentifierError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    )*};
}
string_identifier!(Nip, Pesel, InternalId, KsefNumber);

#[cfg(test)]
mod tests;
