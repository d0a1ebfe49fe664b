//! Collective identifiers (API 2.9): `NIP(10)-IZYYYYMM-HEX12-CRC2` (35 characters), the number
//! KSeF gives a group of invoices of one seller. The checksum is the CRC-8 of KSeF numbers over
//! the first 32 characters.

use crate::{IdentifierError, IdentifierKind, ksef_crc8};

const KIND: IdentifierKind = IdentifierKind::CollectiveIdentifier;
/// Layout: `D` digit, `H` uppercase hex digit, other characters stand for themselves.
const TEMPLATE: &[u8; 35] = b"DDDDDDDDDD-IZDDDDDD-HHHHHHHHHHHH-HH";

/// A collective identifier with a verified checksum.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CollectiveIdentifierNumber {
    value: String,
}

impl CollectiveIdentifierNumber {
    /// Parses and validates a collective identifier.
    pub fn parse(s: &str) -> Result<Self, IdentifierError> {
        if s.trim().is_empty() {
            return Err(IdentifierError::Empty { kind: KIND });
        }
        let count = s.chars().count();
        if count != TEMPLATE.len() {
            return Err(IdentifierError::Length {
                kind: KIND,
                expected: "35 characters",
                actual: count,
            });
        }
        crate::check_template(s, TEMPLATE, KIND)?;
        // ASCII from here on.
        let month: u8 = s.get(17..19).and_then(|m| m.parse().ok()).unwrap_or(0);
        if !(1..=12).contains(&month) {
            return Err(IdentifierError::InvalidDate {
                kind: KIND,
                value: s.get(13..19).unwrap_or_default().to_owned(),
            });
        }
        let expected = format!(
            "{:02X}",
            ksef_crc8(s.as_bytes().get(..32).unwrap_or_default())
        );
        let found = s.get(33..35).unwrap_or_default();
        if expected != found {
            return Err(IdentifierError::Checksum {
                kind: KIND,
                expected,
                found: found.to_owned(),
            });
        }
        Ok(Self {
            value: s.to_owned(),
        })
    }

    /// Builds an identifier from the seller's NIP, the year and month of creation and the six
    /// bytes of the technical part, computing the checksum (as the emulator issues them).
    /// Feature `time`.
    #[cfg(feature = "time")]
    pub fn new(
        nip: &crate::Nip,
        year: i32,
        month: time::Month,
        technical: [u8; 6],
    ) -> Result<Self, IdentifierError> {
        let hex: String = technical.iter().map(|b| format!("{b:02X}")).collect();
        let data = format!("{}-IZ{year:04}{:02}-{hex}", nip.as_str(), u8::from(month));
        let crc = ksef_crc8(data.as_bytes());
        Self::parse(&format!("{data}-{crc:02X}"))
    }

    /// The identifier's text.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The seller's NIP (first 10 digits; format-checked only).
    pub fn nip(&self) -> &str {
        self.value.get(..10).unwrap_or_default()
    }
}

impl std::fmt::Display for CollectiveIdentifierNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_examples_are_valid() {
        // The examples of the 2.9 spec (generation response and a continuation token).
        for s in [
            "1111111111-IZ202607-65ED02180000-E7",
            "8631941578-IZ202607-323B52184000-CD",
        ] {
            let id = CollectiveIdentifierNumber::parse(s).unwrap();
            assert_eq!(id.as_str(), s);
        }
        assert_eq!(
            CollectiveIdentifierNumber::parse("1111111111-IZ202607-65ED02180000-E8")
                .unwrap_err()
                .to_string(),
            "collective identifier has a wrong checksum: expected E7, found E8"
        );
        assert!(CollectiveIdentifierNumber::parse("1111111111-20260612-6310EC800000-DA").is_err());
        assert!(CollectiveIdentifierNumber::parse("1111111111-IZ202613-65ED02180000-E7").is_err());
        assert!(CollectiveIdentifierNumber::parse("").is_err());
    }

    #[cfg(feature = "time")]
    #[test]
    fn built_identifiers_parse_back() {
        use crate::Nip;
        let nip = Nip::parse("1111111111").unwrap();
        let id = CollectiveIdentifierNumber::new(
            &nip,
            2026,
            time::Month::July,
            [0x65, 0xED, 0x02, 0x18, 0x00, 0x00],
        )
        .unwrap();
        assert_eq!(id.as_str(), "1111111111-IZ202607-65ED02180000-E7");
        assert_eq!(id.nip(), "1111111111");
    }
}
