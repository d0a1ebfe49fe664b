//! NIP, the Polish tax identification number.

use crate::{IdentifierError, IdentifierKind, digits, split_last, weighted};

const WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];

/// The NIP check digit for the first nine digits, or `None` when the sum gives 10 (no valid NIP
/// starts with these digits).
pub fn nip_check_digit(first9: &[u8; 9]) -> Option<u8> {
    let r = weighted(first9, &WEIGHTS) % 11;
    (r < 10).then_some(r as u8)
}

/// A NIP (Polish tax identification number): 10 digits, the tax-office prefix allowed by the
/// KSeF schemas (`[1-9]((\d[1-9])|([1-9]\d))\d{7}`), and a correct check digit.
///
/// Checked by [`Nip::parse`]/[`Nip::new`]; see the crate documentation for unchecked values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nip(String);

impl Nip {
    /// The 10 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn wrap(value: String) -> Self {
        Self(value)
    }

    fn into_text(self) -> String {
        self.0
    }

    /// The rules of a NIP written as 10 digits (no dashes or spaces).
    fn check(s: &str) -> Result<(), IdentifierError> {
        let kind = IdentifierKind::Nip;
        let d: [u8; 10] = digits(s, kind)?;
        check_prefix(&d, kind)?;
        let (first9, last) = split_last::<9>(&d);
        match nip_check_digit(&first9) {
            Some(c) => crate::check_digit(kind, c, last),
            None => Err(IdentifierError::Checksum {
                kind,
                expected: "none (the weighted sum gives 10, so no NIP has these first nine digits)"
                    .into(),
                found: last.to_string(),
            }),
        }
    }
}

crate::string_identifier!(Nip);

/// The tax-office prefix rule of the KSeF schemas: the first digit is not 0 and the second and
/// third are not both 0. Internal identifiers start with a NIP and follow it too.
pub(crate) fn check_prefix(d: &[u8], kind: IdentifierKind) -> Result<(), IdentifierError> {
    match d {
        [0, ..] => Err(IdentifierError::Format {
            kind,
            reason: "a NIP must not start with 0",
        }),
        [_, 0, 0, ..] => Err(IdentifierError::Format {
            kind,
            reason: "a NIP's second and third digits must not both be 0",
        }),
        _ => Ok(()),
    }
}
