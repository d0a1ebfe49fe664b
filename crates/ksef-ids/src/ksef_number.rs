//! KSeF invoice numbers: `NIP(10)-YYYYMMDD-HEX12-CRC2` (35 characters).

use crate::{IdentifierError, IdentifierKind};

const KIND: IdentifierKind = IdentifierKind::KsefNumber;
/// Layout of the 35-character form: `D` digit, `H` uppercase hex digit, `-` itself.
const TEMPLATE: &[u8; 35] = b"DDDDDDDDDD-DDDDDDDD-HHHHHHHHHHHH-HH";
/// Layout of the 36-character KSeF 1.0 form accepted on input.
const LEGACY_TEMPLATE: &[u8; 36] = b"DDDDDDDDDD-DDDDDDDD-HHHHHH-HHHHHH-HH";

/// CRC-8 as KSeF numbers use it: polynomial 0x07, initial value 0, no reflection, no final XOR
/// (the catalogue's CRC-8/SMBUS).
pub fn ksef_crc8(data: &[u8]) -> u8 {
    data.iter().fold(0u8, |crc, &byte| {
        (0..8).fold(crc ^ byte, |c, _| {
            if c & 0x80 != 0 {
                (c << 1) ^ 0x07
            } else {
                c << 1
            }
        })
    })
}

fn hex2(v: u8) -> String {
    format!("{v:02X}")
}

/// A KSeF invoice number: `NIP(10)-YYYYMMDD-HEX12-CRC2`, with a verified CRC-8.
///
/// Parsing accepts the 35-character form and the 36-character KSeF 1.0 form
/// (`NIP-YYYYMMDD-HEX6-HEX6-CRC2`, whose checksum may cover either the 35-character form's first
/// 32 characters or its own first 33; the KSeF 1.0 rule is not documented). The date must be a
/// day of 2020 or later (the KSeF schemas' rule). [`KsefNumber::as_str`] gives the text as it was
/// given and [`KsefNumber::canonical`] the 35-character form, with the 35-character checksum.
///
/// Checked by [`KsefNumber::parse`]/[`KsefNumber::new`]; see the crate documentation for
/// unchecked values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KsefNumber {
    value: String,
    /// A function of `value` (see [`canonical_form`]), so the derived traits agree with `value`.
    canonical: String,
}

impl KsefNumber {
    /// Builds a number from its parts and computes the checksum (as KSeF issues them).
    ///
    /// `technical` becomes the 12 hex digits of the technical part. Fails only for a date
    /// outside the years 2020–9999. Feature `time`.
    #[cfg(feature = "time")]
    pub fn compose(
        nip: &crate::Nip,
        date: time::Date,
        technical: [u8; 6],
    ) -> Result<Self, IdentifierError> {
        let hex: String = technical.iter().map(|b| hex2(*b)).collect();
        Self::from_parts(nip.as_str(), date, &hex)
    }

    /// Builds a number from textual parts (10-digit NIP, date, 12 uppercase hex digits) and
    /// computes the checksum. The NIP is checked for format only. Feature `time`.
    #[cfg(feature = "time")]
    pub fn from_parts(
        nip: &str,
        date: time::Date,
        technical: &str,
    ) -> Result<Self, IdentifierError> {
        let data = format!(
            "{nip}-{:04}{:02}{:02}-{technical}",
            date.year(),
            u8::from(date.month()),
            date.day()
        );
        let crc = hex2(ksef_crc8(data.as_bytes()));
        Self::new(format!("{data}-{crc}"))
    }

    /// The number as it was given (35 characters, or 36 in the KSeF 1.0 form).
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The 35-character form.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Whether the number was given in the 36-character KSeF 1.0 form.
    pub fn is_legacy(&self) -> bool {
        self.value.len() == 36
    }

    /// The seller's NIP (first 10 digits; format-checked only).
    pub fn nip(&self) -> &str {
        self.canonical.get(..10).unwrap_or_default()
    }

    /// The date the invoice was accepted for processing (feature `time`); `None` only for an
    /// unchecked value without a valid date.
    #[cfg(feature = "time")]
    pub fn date(&self) -> Option<time::Date> {
        let (year, month, day) = parse_yyyymmdd(self.canonical.get(11..19)?)?;
        crate::calendar_date(year, month, day)
    }

    /// The 12 hex digits of the technical part.
    pub fn technical_part(&self) -> &str {
        self.canonical.get(20..32).unwrap_or_default()
    }

    /// The two hex digits of the checksum.
    pub fn checksum(&self) -> &str {
        self.canonical.get(33..35).unwrap_or_default()
    }

    fn wrap(value: String) -> Self {
        let canonical = canonical_form(&value);
        Self { value, canonical }
    }

    fn into_text(self) -> String {
        self.value
    }

    fn check(s: &str) -> Result<(), IdentifierError> {
        if s.trim().is_empty() {
            return Err(IdentifierError::Empty { kind: KIND });
        }
        let count = s.chars().count();
        let legacy = match count {
            35 => false,
            36 => true,
            _ => {
                return Err(IdentifierError::Length {
                    kind: KIND,
                    expected: "35 characters (or 36 in the KSeF 1.0 form)",
                    actual: count,
                });
            }
        };
        let template: &[u8] = if legacy { LEGACY_TEMPLATE } else { TEMPLATE };
        crate::check_template(s, template, KIND)?;
        // From here on the text is ASCII, so byte slicing is on character boundaries.
        let nip: Vec<u8> = s.bytes().take(10).map(|b| b - b'0').collect();
        crate::nip::check_prefix(&nip, KIND)?;
        let canonical = canonical_form(s);
        let date_text = canonical.get(11..19).unwrap_or_default();
        let (year, ..) = parse_yyyymmdd(date_text).ok_or_else(|| IdentifierError::InvalidDate {
            kind: KIND,
            value: date_text.to_owned(),
        })?;
        if year < 2020 {
            return Err(IdentifierError::Format {
                kind: KIND,
                reason: "its date lies before 2020",
            });
        }
        let found = s.get(count - 2..).unwrap_or_default();
        let expected = hex2(ksef_crc8(
            canonical.as_bytes().get(..32).unwrap_or_default(),
        ));
        // The KSeF 1.0 checksum may have covered the 33 characters before it, dash included.
        let legacy_ok =
            legacy && hex2(ksef_crc8(s.as_bytes().get(..33).unwrap_or_default())) == found;
        if expected != found && !legacy_ok {
            return Err(IdentifierError::Checksum {
                kind: KIND,
                expected,
                found: found.to_owned(),
            });
        }
        Ok(())
    }
}

crate::string_identifier!(KsefNumber);

/// The 35-character form of a number: the 36-character KSeF 1.0 form without its third dash
/// and with the checksum of the 35-character form; any other text as it is.
fn canonical_form(s: &str) -> String {
    match (s.len(), s.get(..26), s.get(26..27), s.get(27..33)) {
        (36, Some(head), Some("-"), Some(tail)) => {
            let data = format!("{head}{tail}");
            let crc = hex2(ksef_crc8(data.as_bytes()));
            format!("{data}-{crc}")
        }
        _ => s.to_owned(),
    }
}

/// The (year, month, day) of `YYYYMMDD` if that day exists.
fn parse_yyyymmdd(s: &str) -> Option<(i32, u8, u8)> {
    let year: i32 = s.get(..4)?.parse().ok()?;
    let month: u8 = s.get(4..6)?.parse().ok()?;
    let day: u8 = s.get(6..8)?.parse().ok()?;
    crate::is_calendar_date(year, month, day).then_some((year, month, day))
}
