//! Invoice templates: FA(3) XML with `#name#` placeholders filled from a map, XML-escaped, then
//! read and validated.
//!
//! A placeholder is `#`, a name (`[A-Za-z_][A-Za-z0-9_.-]*`), `#`; any other `#` is text. Every
//! placeholder must get a value and every value must match a placeholder: a misspelt key is an
//! error, not an invoice with `#nip#` left in it.

use std::collections::{BTreeMap, BTreeSet};

use crate::Invoice;
use crate::error::{ParseError, ValidationErrors};
use crate::rt::escape_into;

/// Why a template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// Placeholders of the template without a value.
    #[error("no value for placeholder(s) {}", .0.iter().map(|n| format!("#{n}#")).collect::<Vec<_>>().join(", "))]
    Unresolved(Vec<String>),
    /// Values whose key matches no placeholder of the template.
    #[error("unknown placeholder(s) {}", .0.iter().map(|n| format!("#{n}#")).collect::<Vec<_>>().join(", "))]
    Unknown(Vec<String>),
    /// A key that is not a placeholder name.
    #[error("{0:?} is not a placeholder name ([A-Za-z_][A-Za-z0-9_.-]*, optionally within #…#)")]
    BadKey(String),
    /// The filled template is not an FA(3) document.
    #[error("the filled template cannot be read: {0}")]
    Parse(ParseError),
    /// The filled template fails validation.
    #[error("the filled template is not valid: {0}")]
    Invalid(ValidationErrors),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Placeholder(String),
}

/// A parsed template.
///
/// ```
/// use ksef_invoice::template::Template;
///
/// let template = Template::parse(r#"<P_2>#invoice_number#</P_2>"#);
/// assert_eq!(template.placeholders().collect::<Vec<_>>(), ["invoice_number"]);
/// let xml = template.render([("#invoice_number#", "FV/1 & 2")])?;
/// assert_eq!(xml, "<P_2>FV/1 &amp; 2</P_2>");
/// # Ok::<(), ksef_invoice::template::TemplateError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
    names: BTreeSet<String>,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

impl Template {
    /// Finds the placeholders of a template.
    pub fn parse(text: &str) -> Template {
        let mut pieces = Vec::new();
        let mut names = BTreeSet::new();
        let mut text_start = 0;
        let mut i = 0;
        while let Some(open) = text[i..].find('#').map(|p| p + i) {
            match text[open + 1..].find('#').map(|p| p + open + 1) {
                Some(close) if is_name(&text[open + 1..close]) => {
                    if open > text_start {
                        pieces.push(Piece::Text(text[text_start..open].to_owned()));
                    }
                    let name = text[open + 1..close].to_owned();
                    names.insert(name.clone());
                    pieces.push(Piece::Placeholder(name));
                    text_start = close + 1;
                    i = close + 1;
                }
                Some(_) => i = open + 1,
                None => break,
            }
        }
        if text_start < text.len() {
            pieces.push(Piece::Text(text[text_start..].to_owned()));
        }
        Template { pieces, names }
    }

    /// The placeholder names (without `#`), sorted.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The template with every placeholder replaced by its XML-escaped value. Keys may be given
    /// as `nip` or `#nip#`.
    pub fn render<K: AsRef<str>, V: AsRef<str>>(
        &self,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Result<String, TemplateError> {
        let mut map = BTreeMap::new();
        for (k, v) in values {
            let k = k.as_ref();
            let name = k
                .strip_prefix('#')
                .and_then(|k| k.strip_suffix('#'))
                .unwrap_or(k);
            if !is_name(name) {
                return Err(TemplateError::BadKey(k.to_owned()));
            }
            map.insert(name.to_owned(), v.as_ref().to_owned());
        }
        let unknown: Vec<String> = map
            .keys()
            .filter(|k| !self.names.contains(*k))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(TemplateError::Unknown(unknown));
        }
        let missing: Vec<String> = self
            .names
            .iter()
            .filter(|n| !map.contains_key(*n))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(TemplateError::Unresolved(missing));
        }
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Placeholder(n) => {
                    // Escaped for text and for attributes in either quote.
                    for (i, part) in map[n].split('\'').enumerate() {
                        if i > 0 {
                            out.push_str("&apos;");
                        }
                        escape_into(&mut out, part, true);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Renders, reads and validates (schema and business rules) the invoice.
    pub fn fill<K: AsRef<str>, V: AsRef<str>>(
        &self,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Invoice, TemplateError> {
        let xml = self.render(values)?;
        let invoice = Invoice::from_xml(xml.as_bytes()).map_err(TemplateError::Parse)?;
        invoice.validate().map_err(TemplateError::Invalid)?;
        Ok(invoice)
    }
}
