//! The value patterns of the `AuthTokenRequest` schemas, checked by hand (no regex engine).
//!
//! Patterns (schema 2.1; 2.0 differs only in how the IPv4 patterns are written):
//! - `Challenge`: `\d{8}-CR-[A-F0-9]{10}-[A-F0-9]{10}-[A-F0-9]{2}` (36 characters);
//! - `Nip`: `[1-9]((\d[1-9])|([1-9]\d))\d{7}`;
//! - `InternalId`: NIP `-\d{5}`;
//! - `NipVatUe`: NIP `-` EU VAT number (checked loosely: two capital letters and 2–12 of
//!   `[A-Z0-9+*]`);
//! - `PeppolId`: `P[A-Z]{2}[0-9]{6}` (the schema writes `^…$`, which strict XSD engines take as
//!   literal characters; the evident intent is anchoring, which is what is checked here);
//! - `Ip4Address`: dotted quad without leading zeros; `Ip4Range`: `a-b`; `Ip4Mask`: `a/0..32`.

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(f)
}

fn is_upper_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

/// `\d{8}-CR-[A-F0-9]{10}-[A-F0-9]{10}-[A-F0-9]{2}`.
pub(crate) fn is_challenge(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [date, "CR", a, b, c] => {
            date.len() == 8
                && all(date, |b| b.is_ascii_digit())
                && a.len() == 10
                && all(a, is_upper_hex)
                && b.len() == 10
                && all(b, is_upper_hex)
                && c.len() == 2
                && all(c, is_upper_hex)
        }
        _ => false,
    }
}

/// `[1-9]((\d[1-9])|([1-9]\d))\d{7}`: ten digits, first non-zero, not both 2nd and 3rd zero.
pub(crate) fn is_nip(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().all(u8::is_ascii_digit)
        && b.first() != Some(&b'0')
        && !(b.get(1) == Some(&b'0') && b.get(2) == Some(&b'0'))
}

/// NIP `-\d{5}`.
pub(crate) fn is_internal_id(s: &str) -> bool {
    match s.split_once('-') {
        Some((nip, n)) => is_nip(nip) && n.len() == 5 && all(n, |b| b.is_ascii_digit()),
        None => false,
    }
}

/// NIP `-` CC `[A-Z0-9+*]{2,12}` (a superset of the schema's per-country alternatives).
pub(crate) fn is_nip_vat_ue(s: &str) -> bool {
    let Some((nip, vat)) = s.split_once('-') else {
        return false;
    };
    let v = vat.as_bytes();
    is_nip(nip)
        && v.len() >= 4
        && v.len() <= 14
        && v.iter().take(2).all(u8::is_ascii_uppercase)
        && v.iter()
            .skip(2)
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'+' || *b == b'*')
}

/// `P[A-Z]{2}[0-9]{6}`.
pub(crate) fn is_peppol_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b.first() == Some(&b'P')
        && b.iter().skip(1).take(2).all(u8::is_ascii_uppercase)
        && b.iter().skip(3).all(u8::is_ascii_digit)
}

/// One decimal octet 0–255 without leading zeros.
fn is_octet(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 3
        && all(s, |b| b.is_ascii_digit())
        && !(s.len() > 1 && s.starts_with('0'))
        && s.parse::<u16>().is_ok_and(|v| v <= 255)
}

/// A dotted-quad IPv4 address.
pub(crate) fn is_ip4_address(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| is_octet(p))
}

/// `address-address`.
pub(crate) fn is_ip4_range(s: &str) -> bool {
    match s.split_once('-') {
        Some((a, b)) => is_ip4_address(a) && is_ip4_address(b),
        None => false,
    }
}

/// `address/prefix` with prefix 0–32 without leading zeros.
pub(crate) fn is_ip4_mask(s: &str) -> bool {
    match s.split_once('/') {
        Some((a, m)) => {
            is_ip4_address(a)
                && !m.is_empty()
                && m.len() <= 2
                && all(m, |b| b.is_ascii_digit())
                && !(m.len() > 1 && m.starts_with('0'))
                && m.parse::<u8>().is_ok_and(|v| v <= 32)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(is_challenge("20250625-CR-20F5EE4000-DA48AE4124-46"));
        assert!(!is_challenge("20250625-CR-20F5EE4000-DA48AE4124-4"));
        assert!(!is_challenge("20250625-CR-20f5EE4000-DA48AE4124-46"));
        assert!(is_nip("5265877635"));
        assert!(is_nip("1010000000") && is_nip("1100000000"));
        assert!(!is_nip("1000000000"));
        assert!(!is_nip("0123456789") && !is_nip("1001234567") && !is_nip("123456789"));
        assert!(is_internal_id("5265877635-12345"));
        assert!(!is_internal_id("5265877635-1234"));
        assert!(is_nip_vat_ue("5265877635-DE123456789"));
        assert!(is_nip_vat_ue("5265877635-NL12345678B+*1"));
        assert!(!is_nip_vat_ue("5265877635-PL") && !is_nip_vat_ue("5265877635-de123"));
        assert!(is_peppol_id("PPL123456"));
        assert!(
            !is_peppol_id("APL123456") && !is_peppol_id("PPL12345") && !is_peppol_id("PPLA12345")
        );
        assert!(is_ip4_address("0.0.0.0") && is_ip4_address("255.255.255.255"));
        assert!(
            !is_ip4_address("256.1.1.1") && !is_ip4_address("01.1.1.1") && !is_ip4_address("1.1.1")
        );
        assert!(is_ip4_range("10.0.0.1-10.0.0.20") && !is_ip4_range("10.0.0.1"));
        assert!(is_ip4_mask("10.0.0.0/8") && is_ip4_mask("0.0.0.0/0") && is_ip4_mask("1.2.3.4/32"));
        assert!(
            !is_ip4_mask("10.0.0.0/33") && !is_ip4_mask("10.0.0.0/08") && !is_ip4_mask("10.0.0.0/")
        );
    }
}
