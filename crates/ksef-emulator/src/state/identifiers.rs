//! Identifier rules the spec's schemas do not state: the check digits of NIP and PESEL, the
//! make-up of a VAT-UE number, a Peppol id and a certificate fingerprint. The schemas give only
//! lengths (and for some a pattern); the service refuses a well-shaped identifier whose check
//! digit is wrong, and so does the emulator.

use super::Ident;

/// Checks an identifier `value` of `kind`; the error is the service's description of it.
pub(crate) fn check(kind: &str, value: &str) -> Result<(), String> {
    use ksef_crypto::identifiers::{InternalId, Nip, Pesel};
    let ok = match kind {
        "Nip" => Nip::parse(value).is_ok(),
        "Pesel" => Pesel::parse(value).is_ok(),
        "InternalId" => InternalId::parse(value).is_ok(),
        "NipVatUe" => {
            (15..=25).contains(&value.len())
                && value.get(..10).is_some_and(|n| Nip::parse(n).is_ok())
                && value.as_bytes().get(10) == Some(&b'-')
        }
        "PeppolId" => {
            let b = value.as_bytes();
            b.len() == 9
                && b[0] == b'P'
                && b[1..3].iter().all(u8::is_ascii_uppercase)
                && b[3..].iter().all(u8::is_ascii_digit)
        }
        "Fingerprint" => value.len() == 64 && value.bytes().all(|c| c.is_ascii_hexdigit()),
        "AllPartners" | "System" => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Nieprawidłowa wartość identyfikatora typu {kind}: '{value}'."
        ))
    }
}

/// The identifier `(kind, value)` once its value passes [`check`]. The kinds that name no
/// single party (`AllPartners`, `System`) take an empty value; every other kind needs one.
pub(crate) fn checked(kind: &str, value: &str) -> Result<Ident, String> {
    if value.is_empty() {
        return if matches!(kind, "AllPartners" | "System") {
            Ok(Ident::new(kind, ""))
        } else {
            Err(format!("Identyfikator typu {kind} wymaga wartości."))
        };
    }
    check(kind, value)?;
    Ok(Ident::new(kind, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_and_shapes_are_checked() {
        assert!(check("Nip", "5265877635").is_ok());
        assert!(check("Nip", "5265877636").is_err());
        assert!(check("Pesel", "44051401359").is_ok());
        assert!(check("Pesel", "44051401358").is_err());
        assert!(check("NipVatUe", "5265877635-DE123456").is_ok());
        assert!(check("NipVatUe", "5265877635DE1234567").is_err());
        assert!(check("PeppolId", "PAB123456").is_ok());
        assert!(check("PeppolId", "Pab123456").is_err());
        assert!(check("Fingerprint", &"a".repeat(64)).is_ok());
        assert!(check("Fingerprint", &"g".repeat(64)).is_err());
        assert!(check("Token", "x").is_err());
    }

    #[test]
    fn only_the_partyless_kinds_take_an_empty_value() {
        assert_eq!(
            checked("AllPartners", ""),
            Ok(Ident::new("AllPartners", ""))
        );
        assert!(checked("Nip", "").is_err());
        assert_eq!(
            checked("Nip", "5265877635"),
            Ok(Ident::new("Nip", "5265877635"))
        );
    }
}
