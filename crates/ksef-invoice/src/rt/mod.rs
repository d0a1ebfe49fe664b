//! Runtime support for the generated model: reading elements in schema order, writing XML,
//! simple-value conversions and facet checks. Used by `generated/fa3.rs` only.

mod facets;
mod write;

use std::borrow::Cow;

use roxmltree::Node;

use crate::error::{ParseError, ParseErrorKind};

pub(crate) use facets::{Facets, Validator, Ws, check_str};
pub(crate) use write::{Writer, escape_into};

/// Collapses whitespace as `xsd:whiteSpace="collapse"` does.
pub(crate) fn collapse(s: &str) -> Cow<'_, str> {
    let clean = !s.starts_with([' ', '\t', '\n', '\r'])
        && !s.ends_with([' ', '\t', '\n', '\r'])
        && !s.contains(['\t', '\n', '\r'])
        && !s.contains("  ");
    if clean {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.split([' ', '\t', '\n', '\r'])
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        )
    }
}

/// Replaces tabs and line breaks by spaces as `xsd:whiteSpace="replace"` does.
pub(crate) fn replace(s: &str) -> Cow<'_, str> {
    if s.contains(['\t', '\n', '\r']) {
        Cow::Owned(s.replace(['\t', '\n', '\r'], " "))
    } else {
        Cow::Borrowed(s)
    }
}

/// Path bookkeeping while reading.
#[derive(Debug, Default)]
pub(crate) struct ReadCx {
    /// Element names with their 1-based position among same-named siblings.
    path: Vec<(&'static str, usize)>,
}

/// `/Faktura/Fa/FaWiersz[2]/P_8B`; position 0 marks an attribute (`/@name`).
pub(crate) fn render_path(path: &[(&'static str, usize)]) -> String {
    let mut out = String::new();
    for (name, i) in path {
        out.push('/');
        if *i == 0 {
            out.push('@');
        }
        out.push_str(name);
        if *i > 1 {
            out.push_str(&format!("[{i}]"));
        }
    }
    out
}

impl ReadCx {
    pub(crate) fn new(root: &'static str) -> Self {
        ReadCx {
            path: vec![(root, 1)],
        }
    }

    fn path(&self) -> String {
        render_path(&self.path)
    }

    pub(crate) fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError {
            path: self.path(),
            kind,
        }
    }

    pub(crate) fn expected(&self, names: &[&str], c: &Cursor<'_, '_>) -> ParseError {
        self.error(ParseErrorKind::Expected {
            expected: names.iter().map(|s| (*s).to_owned()).collect(),
            found: c.peek().map(str::to_owned),
        })
    }
}

/// The element children of one element, consumed in schema order.
pub(crate) struct Cursor<'a, 'i> {
    node: Node<'a, 'i>,
    next: Option<Node<'a, 'i>>,
    /// The last element name read and how many times in a row (same-named siblings are
    /// adjacent in a valid document; the count is only used in error paths).
    last: (&'static str, usize),
}

impl<'a, 'i> Cursor<'a, 'i> {
    pub(crate) fn new(node: Node<'a, 'i>, cx: &mut ReadCx) -> Result<Self, ParseError> {
        for child in node.children() {
            if child.is_text() && !child.text().unwrap_or_default().trim().is_empty() {
                return Err(cx.error(ParseErrorKind::UnexpectedText));
            }
        }
        let mut c = Cursor {
            node,
            next: node.first_child(),
            last: ("", 0),
        };
        c.skip_non_elements();
        Ok(c)
    }

    fn skip_non_elements(&mut self) {
        while let Some(n) = self.next {
            if n.is_element() {
                break;
            }
            self.next = n.next_sibling();
        }
    }

    /// Local name of the next element (elements outside the schema namespace never match).
    pub(crate) fn peek(&self) -> Option<&'a str> {
        let n = self.next?;
        let (ours, theirs) = (n.tag_name().namespace(), self.node.tag_name().namespace());
        // Namespaces are interned per document: pointer equality is the fast path.
        let same = match (ours, theirs) {
            (Some(a), Some(b)) => std::ptr::eq(a, b) || a == b,
            (a, b) => a == b,
        };
        if same {
            Some(n.tag_name().name())
        } else {
            Some("{foreign namespace}")
        }
    }

    fn take(&mut self, name: &str) -> Option<Node<'a, 'i>> {
        if self.peek() == Some(name) {
            let n = self.next?;
            self.next = n.next_sibling();
            self.skip_non_elements();
            Some(n)
        } else {
            None
        }
    }

    fn read_one<T>(
        &mut self,
        name: &'static str,
        node: Node<'a, 'i>,
        cx: &mut ReadCx,
        f: impl FnOnce(Node<'a, 'i>, &mut ReadCx) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        self.last = if self.last.0 == name {
            (name, self.last.1 + 1)
        } else {
            (name, 1)
        };
        cx.path.push(self.last);
        let v = f(node, cx)?;
        cx.path.pop();
        Ok(v)
    }

    pub(crate) fn required<T>(
        &mut self,
        name: &'static str,
        cx: &mut ReadCx,
        f: impl FnOnce(Node<'a, 'i>, &mut ReadCx) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        match self.take(name) {
            Some(n) => self.read_one(name, n, cx, f),
            None => Err(cx.error(ParseErrorKind::Expected {
                expected: vec![name.to_owned()],
                found: self.peek().map(str::to_owned),
            })),
        }
    }

    pub(crate) fn optional<T>(
        &mut self,
        name: &'static str,
        cx: &mut ReadCx,
        f: impl FnOnce(Node<'a, 'i>, &mut ReadCx) -> Result<T, ParseError>,
    ) -> Result<Option<T>, ParseError> {
        match self.take(name) {
            Some(n) => self.read_one(name, n, cx, f).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn repeated<T>(
        &mut self,
        name: &'static str,
        cx: &mut ReadCx,
        mut f: impl FnMut(Node<'a, 'i>, &mut ReadCx) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        let mut out = Vec::new();
        while let Some(n) = self.take(name) {
            out.push(self.read_one(name, n, cx, &mut f)?);
        }
        Ok(out)
    }

    /// Fails when elements remain that the schema does not allow here.
    pub(crate) fn end(&self, cx: &mut ReadCx) -> Result<(), ParseError> {
        match self.peek() {
            None => Ok(()),
            Some(found) => Err(cx.error(ParseErrorKind::Unexpected {
                found: found.to_owned(),
            })),
        }
    }
}

/// A simple value of the schema: its lexical mapping and its facet check.
pub(crate) trait XmlValue: Sized {
    fn from_lexical(s: &str) -> Result<Self, String>;
    fn write_lexical(&self, out: &mut String);
    fn check(&self, facets: &Facets, v: &mut Validator);
}

fn text_of<'a>(node: Node<'a, '_>) -> Option<Cow<'a, str>> {
    let mut text: Option<Cow<'a, str>> = None;
    for c in node.children() {
        if c.is_element() {
            return None;
        }
        if let Some(t) = c.text() {
            text = Some(match text {
                None => Cow::Borrowed(t),
                Some(prev) => Cow::Owned(format!("{prev}{t}")),
            });
        }
    }
    Some(text.unwrap_or(Cow::Borrowed("")))
}

pub(crate) fn read_text<T: XmlValue>(node: Node<'_, '_>, cx: &mut ReadCx) -> Result<T, ParseError> {
    let text = text_of(node).ok_or_else(|| cx.error(ParseErrorKind::UnexpectedChildElement))?;
    T::from_lexical(&text).map_err(|reason| cx.error(ParseErrorKind::InvalidValue { reason }))
}

pub(crate) fn required_attr<T: XmlValue>(
    node: Node<'_, '_>,
    name: &str,
    cx: &mut ReadCx,
) -> Result<T, ParseError> {
    match optional_attr(node, name, cx)? {
        Some(v) => Ok(v),
        None => Err(cx.error(ParseErrorKind::MissingAttribute {
            name: name.to_owned(),
        })),
    }
}

pub(crate) fn optional_attr<T: XmlValue>(
    node: Node<'_, '_>,
    name: &str,
    cx: &mut ReadCx,
) -> Result<Option<T>, ParseError> {
    match node.attribute(name) {
        None => Ok(None),
        Some(text) => T::from_lexical(text).map(Some).map_err(|reason| {
            cx.error(ParseErrorKind::InvalidAttribute {
                name: name.to_owned(),
                reason,
            })
        }),
    }
}
