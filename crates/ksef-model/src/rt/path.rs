//! Percent-encoding of path segments for the operation catalogue.

/// Percent-encodes one path segment: everything except RFC 3986 unreserved characters
/// (`A–Z a–z 0–9 - . _ ~`) is escaped, so a value can never change the shape of the path.
pub fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_reserved() {
        assert_eq!(
            super::encode_segment("20250625-EE-319D7EE000-B67F415CDC-2C"),
            "20250625-EE-319D7EE000-B67F415CDC-2C"
        );
        assert_eq!(super::encode_segment("a/b c?ż"), "a%2Fb%20c%3F%C5%BC");
    }
}
