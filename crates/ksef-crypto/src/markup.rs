//! Escaping of text for the XML and HTML documents the workspace writes as plain text: QR-code
//! SVG labels, emulator UPOs, rendered HTML invoices. Canonical XML has narrower rules of its own
//! (see the `c14n` module, feature `xades`), and signed XML keeps to those.

/// `s` with the five markup characters `& < > " '` replaced by character references, so that it
/// is safe both as element content and inside an attribute value quoted with either quote mark,
/// in XML and in HTML alike.
///
/// ```
/// assert_eq!(
///     ksef_crypto::markup::escape_markup(r#"<a href="x">Kowalski & 'syn'</a>"#),
///     "&lt;a href=&quot;x&quot;&gt;Kowalski &amp; &#39;syn&#39;&lt;/a&gt;"
/// );
/// ```
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
