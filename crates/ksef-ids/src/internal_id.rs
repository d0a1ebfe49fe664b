//! Internal identifiers (`InternalId`) of subunits: `NIP-NNNNN`.

use crate::{IdentifierError, IdentifierKind, digit_value, split_last, weighted};

/// The check digit of an internal identifier: weights 1 and 3 alternating over the first 14
/// digits (the NIP and four more), sum mod 10.
pub fn internal_id_check_digit(first14: &[u8; 14]) -> u8 {
    const W: [u32; 14] = [1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3];
    (weighted(first14, &W) % 10) as u8
}

/// An internal identifier (`InternalId`) of a subunit: `NIP-NNNNN`, whose last digit is the
/// check digit of [`internal_id_check_digit`]. The NIP part is checked for its format (the
/// tax-office prefix of the KSeF schemas), not for its own check digit.
///
/// Checked by [`InternalId::parse`]/[`InternalId::new`]; see the crate documentation for
/// unchecked values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InternalId(String);

impl InternalId {
    /// The whole identifier, `NIP-NNNNN`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The NIP part (first 10 digits).
    pub fn nip_part(&self) -> &str {
        self.0.get(..10).unwrap_or_default()
    }

    fn wrap(value: String) -> Self {
        Self(value)
    }

    fn into_text(self) -> String {
        self.0
    }

    fn check(s: &str) -> Result<(), IdentifierError> {
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
            let v = digit_value(c).ok_or(IdentifierError::InvalidChar {
                kind,
                position: i + 1,
                found: c,
                expected: "a digit 0-9",
            })?;
            if let Some(slot) = slots.next() {
                *slot = v;
            }
        }
        crate::nip::check_prefix(&d, kind)?;
        let (first14, last) = split_last::<14>(&d);
        crate::check_digit(kind, internal_id_check_digit(&first14), last)
    }
}

crate::string_identifier!(InternalId);
