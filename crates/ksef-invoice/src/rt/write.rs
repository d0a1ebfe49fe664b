//! Writing XML: elements, attributes and escaped text.

use super::XmlValue;

/// Writes XML text with the schema's namespace as the default namespace.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) out: String,
    /// Namespace declarations written on the first element started (the root).
    pub(crate) root_namespaces: Option<Vec<(String, String)>>,
    /// Reused buffer for lexical forms.
    pub(crate) scratch: String,
}

pub(crate) fn escape_into(out: &mut String, s: &str, attribute: bool) {
    let special = |b: &u8| {
        matches!(b, b'&' | b'<' | b'>' | b'\r') || (attribute && matches!(b, b'"' | b'\t' | b'\n'))
    };
    if !s.as_bytes().iter().any(special) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\t' if attribute => out.push_str("&#x9;"),
            '\n' if attribute => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

impl Writer {
    pub(crate) fn start(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        if let Some(decls) = self.root_namespaces.take() {
            for (attr, uri) in decls {
                self.raw_attr(&attr, &uri);
            }
        }
    }

    pub(crate) fn raw_attr(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }

    pub(crate) fn attr<T: XmlValue>(&mut self, name: &str, value: &T) {
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        value.write_lexical(&mut s);
        self.raw_attr(name, &s);
        self.scratch = s;
    }

    pub(crate) fn close_start(&mut self) {
        self.out.push('>');
    }

    pub(crate) fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    pub(crate) fn text<T: XmlValue>(&mut self, value: &T) {
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        value.write_lexical(&mut s);
        escape_into(&mut self.out, &s, false);
        self.scratch = s;
    }

    pub(crate) fn leaf<T: XmlValue>(&mut self, name: &str, value: &T) {
        self.start(name);
        self.close_start();
        self.text(value);
        self.end(name);
    }
}
