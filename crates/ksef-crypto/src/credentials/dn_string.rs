//! RFC 4514 string form of distinguished names, as Java's `X500Principal.getName(RFC2253)` writes
//! it: the RFC's own keywords (CN, L, ST, O, OU, C, STREET, DC, UID) with string values, every
//! other attribute as `dotted.oid=#hex-of-DER`. This is the most interoperable form for
//! `X509IssuerName` (no ambiguous keywords such as `SN`).

use der::Encode;
use der::asn1::ObjectIdentifier;
use x509_cert::name::Name;

use super::certificate::{attribute_value_string, hex_upper};

const KEYWORDS: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.6", "C"),
    ("2.5.4.9", "STREET"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
];

fn keyword(oid: &ObjectIdentifier) -> Option<&'static str> {
    let dotted = oid.to_string();
    KEYWORDS.iter().find(|(o, _)| *o == dotted).map(|(_, k)| *k)
}

/// Escapes an attribute value per RFC 4514 §2.4.
fn escape_value(out: &mut String, value: &str) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
}

/// The RFC 4514 string of `name` (most significant RDN last).
pub(crate) fn rfc4514(name: &Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match (keyword(&atv.oid), attribute_value_string(&atv.value)) {
                (Some(k), Some(v)) => {
                    out.push_str(k);
                    out.push('=');
                    escape_value(&mut out, &v);
                }
                _ => {
                    out.push_str(&atv.oid.to_string());
                    out.push_str("=#");
                    let der_bytes = atv.value.to_der().unwrap_or_default();
                    out.push_str(&hex_upper(&der_bytes).to_ascii_lowercase());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let mut s = String::new();
        escape_value(&mut s, " #a,b+c\\ ");
        assert_eq!(s, "\\ #a\\,b\\+c\\\\\\ ");
        let mut s = String::new();
        escape_value(&mut s, "#x");
        assert_eq!(s, "\\#x");
    }
}
