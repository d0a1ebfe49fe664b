//! KSeF invoice numbers: `NIP(10)-YYYYMMDD-HEX12-CRC2` (35 characters).

use super::{IdentifierError, IdentifierKind};

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

/// A KSeF invoice number with a verified checksum.
///
/// Parsing accepts the 35-character form and the 36-character KSeF 1.0 form
/// (`NIP-YYYYMMDD-HEX6-HEX6-CRC2`, whose checksum may cover either the 35-character form's first
/// 32 characters or its own first 33; the KSeF 1.0 rule is not documented).
/// [`KsefNumber::as_str`] gives the text as it was given and [`KsefNumber::canonical`] the
/// 35-character form, with the 35-character checksum.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KsefNumber {
    value: String,
    canonical: String,
    #[cfg(feature = "dates")]
    date: time::Date,
}

impl KsefNumber {
    /// Parses and validates a KSeF number.
    pub fn parse(s: &str) -> Result<Self, IdentifierError> {
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
        for (i, (c, &t)) in s.chars().zip(template).enumerate() {
            let (ok, expected) = match t {
                b'D' => (c.is_ascii_digit(), "a digit 0-9"),
                b'H' => (
                    c.is_ascii_digit() || ('A'..='F').contains(&c),
                    "an uppercase hex digit 0-9 or A-F",
                ),
                _ => (c == '-', "'-'"),
            };
            if !ok {
                return Err(IdentifierError::InvalidChar {
                    kind: KIND,
                    position: i + 1,
                    found: c,
                    expected,
                });
            }
        }
        // From here on the text is ASCII, so byte slicing is on character boundaries.
        let canonical = if legacy {
            format!(
                "{}{}",
                s.get(..26).unwrap_or_default(),
                s.get(27..).unwrap_or_default()
            )
        } else {
            s.to_owned()
        };
        let date_text = canonical.get(11..19).unwrap_or_default();
        let invalid_date = || IdentifierError::InvalidDate {
            kind: KIND,
            value: date_text.to_owned(),
        };
        let (year, month, day) = parse_yyyymmdd(date_text).ok_or_else(invalid_date)?;
        #[cfg(feature = "dates")]
        let date = super::calendar_date(year, month, day).ok_or_else(invalid_date)?;
        #[cfg(not(feature = "dates"))]
        let _ = (year, month, day);
        let found = canonical.get(33..35).unwrap_or_default().to_owned();
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
                found,
            });
        }
        // The canonical form always carries the checksum of the 35-character form.
        let canonical = format!("{}{expected}", canonical.get(..33).unwrap_or_default());
        Ok(Self {
            value: s.to_owned(),
            canonical,
            #[cfg(feature = "dates")]
            date,
        })
    }

    /// Builds a number from its parts and computes the checksum (as the emulator issues them).
    ///
    /// `technical` becomes the 12 hex digits of the technical part. Fails only for a date
    /// outside the years 0000–9999. Feature `dates`.
    #[cfg(feature = "dates")]
    pub fn new(
        nip: &super::Nip,
        date: time::Date,
        technical: [u8; 6],
    ) -> Result<Self, IdentifierError> {
        let hex: String = technical.iter().map(|b| hex2(*b)).collect();
        Self::from_parts(nip.as_str(), date, &hex)
    }

    /// Builds a number from textual parts (10-digit NIP, date, 12 uppercase hex digits) and
    /// computes the checksum. The NIP is checked for format only. Feature `dates`.
    #[cfg(feature = "dates")]
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
        Self::parse(&format!("{data}-{crc}"))
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

    /// The date the invoice was accepted for processing (feature `dates`).
    #[cfg(feature = "dates")]
    pub fn date(&self) -> time::Date {
        self.date
    }

    /// The 12 hex digits of the technical part.
    pub fn technical_part(&self) -> &str {
        self.canonical.get(20..32).unwrap_or_default()
    }

    /// The two hex digits of the checksum.
    pub fn checksum(&self) -> &str {
        self.canonical.get(33..35).unwrap_or_default()
    }
}

/// The (year, month, day) of `YYYYMMDD` if that day exists.
fn parse_yyyymmdd(s: &str) -> Option<(i32, u8, u8)> {
    let year: i32 = s.get(..4)?.parse().ok()?;
    let month: u8 = s.get(4..6)?.parse().ok()?;
    let day: u8 = s.get(6..8)?.parse().ok()?;
    super::is_calendar_date(year, month, day).then_some((year, month, day))
}
