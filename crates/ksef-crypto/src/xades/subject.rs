//! Signer identity rules of KSeF (`auth/podpis-xades.md`), by plain string scanning.
//!
//! - person: `serialNumber` (2.5.4.5) matching `(PNOPL|PESEL).*?(\d{11})` or
//!   `(TINPL|NIP).*?(\d{10})`;
//! - seal: `organizationIdentifier` (2.5.4.97) matching `(VATPL).*?(\d{10})`, and no
//!   `givenName`/`surname`;
//! - otherwise only `certificateFingerprint` (SHA-256 of the certificate) identifies the signer.

use crate::credentials::{Certificate, oids};

/// Who signed, as KSeF sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignerIdentity {
    /// A natural person identified by PESEL (11 digits).
    Pesel(String),
    /// A natural person identified by NIP (10 digits).
    PersonNip(String),
    /// An organisation seal identified by NIP (10 digits).
    SealNip(String),
    /// Identified by the certificate fingerprint (64 uppercase hex characters).
    Fingerprint(String),
}

/// Finds `(prefix1|prefix2).*?(\d{n})` in `s` with regex semantics (leftmost start, lazy gap,
/// `.` not matching a line feed) and returns the digits.
fn scan(s: &str, prefixes: &[&str], n: usize) -> Option<String> {
    let bytes = s.as_bytes();
    for start in 0..bytes.len() {
        for p in prefixes {
            let Some(rest) = bytes.get(start..) else {
                continue;
            };
            if !rest.starts_with(p.as_bytes()) {
                continue;
            }
            let mut j = start + p.len();
            while j < bytes.len() {
                if let Some(window) = bytes.get(j..j + n) {
                    if window.iter().all(u8::is_ascii_digit) {
                        return std::str::from_utf8(window).ok().map(str::to_owned);
                    }
                } else {
                    break;
                }
                if bytes.get(j) == Some(&b'\n') {
                    break;
                }
                j += 1;
            }
        }
    }
    None
}

/// Applies `(PNOPL|PESEL).*?(\d{11})` to a `serialNumber` value.
pub fn match_pesel_serial(serial_number: &str) -> Option<String> {
    scan(serial_number, &["PNOPL", "PESEL"], 11)
}

/// Applies `(TINPL|NIP).*?(\d{10})` to a `serialNumber` value.
pub fn match_nip_serial(serial_number: &str) -> Option<String> {
    scan(serial_number, &["TINPL", "NIP"], 10)
}

/// Applies `(VATPL).*?(\d{10})` to an `organizationIdentifier` value.
pub fn match_vatpl_org_id(organization_identifier: &str) -> Option<String> {
    scan(organization_identifier, &["VATPL"], 10)
}

/// The identity from the certificate subject, if the subject follows the KSeF rules.
pub fn identity_from_subject(cert: &Certificate) -> Option<SignerIdentity> {
    let has_person_names =
        cert.subject_has_attribute(oids::GIVEN_NAME) || cert.subject_has_attribute(oids::SURNAME);
    for serial in cert.subject_attributes(oids::SERIAL_NUMBER) {
        if let Some(pesel) = match_pesel_serial(&serial) {
            return Some(SignerIdentity::Pesel(pesel));
        }
        if let Some(nip) = match_nip_serial(&serial) {
            return Some(SignerIdentity::PersonNip(nip));
        }
    }
    if !has_person_names {
        for org in cert.subject_attributes(oids::ORGANIZATION_IDENTIFIER) {
            if let Some(nip) = match_vatpl_org_id(&org) {
                return Some(SignerIdentity::SealNip(nip));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_patterns() {
        assert_eq!(
            match_pesel_serial("PNOPL-90010112345").as_deref(),
            Some("90010112345")
        );
        assert_eq!(match_pesel_serial("PESEL:9001011234").as_deref(), None);
        assert_eq!(
            match_pesel_serial("x PESEL abc 123 900101123456").as_deref(),
            Some("90010112345")
        );
        assert_eq!(
            match_nip_serial("TINPL-1234563218").as_deref(),
            Some("1234563218")
        );
        assert_eq!(match_nip_serial("NIP: 123-456-32-18").as_deref(), None);
        assert_eq!(
            match_nip_serial("NIP1234563218").as_deref(),
            Some("1234563218")
        );
        assert_eq!(match_nip_serial("1234563218").as_deref(), None);
        assert_eq!(match_nip_serial("NIP\n1234563218").as_deref(), None);
        assert_eq!(
            match_nip_serial("NIPNIP\n TINPL1234563218").as_deref(),
            Some("1234563218")
        );
        assert_eq!(
            match_vatpl_org_id("VATPL-1234563218").as_deref(),
            Some("1234563218")
        );
        assert_eq!(match_vatpl_org_id("VATDE-1234563218").as_deref(), None);
        assert_eq!(
            match_pesel_serial("PNOPL-ąę90010112345").as_deref(),
            Some("90010112345")
        );
    }
}
