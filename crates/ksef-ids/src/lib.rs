//! Polish identifiers used by KSeF, with their checksums: NIP, PESEL, internal identifiers
//! (`InternalId`), KSeF invoice numbers and collective identifiers.
//!
//! These are the identifier types of the whole workspace: `ksef-model` uses [`Nip`], [`Pesel`],
//! [`InternalId`] and [`KsefNumber`] for the spec's schemas of the same names (so a request takes
//! them directly) and `ksef-crypto` re-exports this crate as `ksef_crypto::identifiers`.
//!
//! # Checked and unchecked values
//!
//! [`Nip::parse`] (and `new`, [`std::str::FromStr`], `TryFrom`) checks everything the
//! identifier carries: length, characters, the prefixes the KSeF schemas allow, embedded dates
//! and the check digit(s), and says precisely what is wrong. Values that come from KSeF — decoded
//! from JSON (feature `serde`) or wrapped with `new_unchecked` — are taken as they are: the TEST
//! environment accepts invoices whose NIPs have wrong check digits, and such values must still
//! decode. `validate()` checks such a value later.
//!
//! # Test data
//!
//! Random valid NIP, PESEL and internal identifiers, for test data only: [`Nip::random`],
//! [`Pesel::random`], [`InternalId::random_under`] (feature `random`, a small non-cryptographic
//! generator seeded by the standard library), or with a `rand` generator the functions of
//! [`generate`] (feature `rand`).
//!
//! # Features
//!
//! | Feature | Adds |
//! |---|---|
//! | `time` | the embedded dates as `time::Date` ([`KsefNumber::date`], [`Pesel::birth_date`]) and the constructors that take them; without it the date parts are still checked against the Gregorian calendar |
//! | `serde` | `Serialize`/`Deserialize` as JSON strings (decoding does not check, see above) |
//! | `random` | `Nip::random`, `Pesel::random`, `InternalId::random_under` |
//! | `rand` | [`generate`]: the same from any `rand` generator (e.g. a seeded one) |
//!
//! ```
//! use ksef_ids::{IdentifierError, Nip};
//!
//! let nip: Nip = "5265877635".parse()?;
//! assert_eq!(nip.as_str(), "5265877635");
//! assert!(matches!(
//!     Nip::parse("5265877636"),
//!     Err(IdentifierError::Checksum { .. })
//! ));
//! # Ok::<(), IdentifierError>(())
//! ```
#![forbid(unsafe_code)]

mod collective;
#[cfg(any(feature = "random", feature = "rand"))]
pub mod generate;
mod internal_id;
mod ksef_number;
mod nip;
mod pesel;

use std::fmt;

pub use collective::CollectiveIdentifierNumber;
pub use internal_id::{InternalId, internal_id_check_digit};
pub use ksef_number::{KsefNumber, ksef_crc8};
pub use nip::{Nip, nip_check_digit};
pub use pesel::{Pesel, pesel_check_digit};

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

impl IdentifierError {
    /// The identifier concerned.
    pub fn kind(&self) -> IdentifierKind {
        match self {
            Self::Empty { kind }
            | Self::Length { kind, .. }
            | Self::InvalidChar { kind, .. }
            | Self::Format { kind, .. }
            | Self::InvalidDate { kind, .. }
            | Self::Checksum { kind, .. } => *kind,
        }
    }
}

/// Checks that `s` is exactly `N` ASCII digits and returns their values.
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
        *slot = digit_value(c).ok_or(IdentifierError::InvalidChar {
            kind,
            position: i + 1,
            found: c,
            expected: "a digit 0-9",
        })?;
    }
    Ok(out)
}

/// Checks `s` against a layout: `D` a digit, `H` an uppercase hex digit, any other byte that
/// character itself. The lengths must already match.
fn check_template(s: &str, template: &[u8], kind: IdentifierKind) -> Result<(), IdentifierError> {
    for (i, (c, &t)) in s.chars().zip(template).enumerate() {
        let (ok, expected) = match t {
            b'D' => (c.is_ascii_digit(), "a digit 0-9"),
            b'H' => (
                c.is_ascii_digit() || ('A'..='F').contains(&c),
                "an uppercase hex digit 0-9 or A-F",
            ),
            b'I' => (c == 'I', "'I'"),
            b'Z' => (c == 'Z', "'Z'"),
            _ => (c == '-', "'-'"),
        };
        if !ok {
            return Err(IdentifierError::InvalidChar {
                kind,
                position: i + 1,
                found: c,
                expected,
            });
        }
    }
    Ok(())
}

/// Compares a check digit with the one computed from the other digits.
fn check_digit(kind: IdentifierKind, expected: u8, found: u8) -> Result<(), IdentifierError> {
    if expected == found {
        Ok(())
    } else {
        Err(IdentifierError::Checksum {
            kind,
            expected: expected.to_string(),
            found: found.to_string(),
        })
    }
}

/// The value of an ASCII digit.
fn digit_value(c: char) -> Option<u8> {
    c.is_ascii_digit().then(|| c as u8 - b'0')
}

/// Weighted sum of digits.
fn weighted(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum()
}

/// Splits `N + 1` digits into the first `N` and the last.
fn split_last<const N: usize>(d: &[u8]) -> ([u8; N], u8) {
    let mut head = [0u8; N];
    for (slot, &v) in head.iter_mut().zip(d) {
        *slot = v;
    }
    (head, d.get(N).copied().unwrap_or(0))
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
/// KSeF numbers, the same with and without the `time` feature.
pub(crate) fn is_calendar_date(year: i32, month: u8, day: u8) -> bool {
    days_in_month(year, month).is_some_and(|days| (1..=days).contains(&day))
}

/// The `time::Date` of a day that [`is_calendar_date`] accepted.
#[cfg(feature = "time")]
pub(crate) fn calendar_date(year: i32, month: u8, day: u8) -> Option<time::Date> {
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// The API every identifier type shares with the string types of `ksef-model`: checked and
/// unchecked construction, the text, and the standard conversions.
macro_rules! string_identifier {
    ($t:ident) => {
        impl $t {
            /// Checks `value` like `parse` and keeps it (the constructor every constrained
            /// string type of `ksef-model` has).
            pub fn new(value: impl Into<String>) -> Result<Self, $crate::IdentifierError> {
                let value = value.into();
                Self::check(&value)?;
                Ok(Self::wrap(value))
            }

            /// Parses and checks an identifier.
            pub fn parse(s: &str) -> Result<Self, $crate::IdentifierError> {
                Self::new(s)
            }

            /// Wraps a value without checking it (for values that come from KSeF; see the
            /// crate documentation). [`Self::validate`] checks it later.
            pub fn new_unchecked(value: impl Into<String>) -> Self {
                Self::wrap(value.into())
            }

            /// Checks the value (it may have been made with `new_unchecked` or decoded from
            /// JSON).
            pub fn validate(&self) -> Result<(), $crate::IdentifierError> {
                Self::check(self.as_str())
            }

            /// Consumes the value and returns the text.
            pub fn into_string(self) -> String {
                self.into_text()
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::str::FromStr for $t {
            type Err = $crate::IdentifierError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $t {
            type Error = $crate::IdentifierError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $t {
            type Error = $crate::IdentifierError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$t> for String {
            fn from(value: $t) -> String {
                value.into_string()
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        /// Decodes without checking: values in JSON come from KSeF (see the crate docs).
        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::new_unchecked)
            }
        }
    };
}
pub(crate) use string_identifier;

#[cfg(test)]
mod tests;
