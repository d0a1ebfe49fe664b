//! Runtime support for the generated model: reading elements in schema order, writing XML,
//! simple-value conversions and facet checks. Used by `generated/fa3.rs` only.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;
use roxmltree::Node;

use crate::error::{ParseError, ParseErrorKind, Rule, ValidationError};

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
fn render_path(path: &[(&'static str, usize)]) -> String {
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

/// Whitespace rule of a simple type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ws {
    Preserve,
    Replace,
    Collapse,
}

/// The constraining facets of one simple type (plus a fixed value of the element using it).
#[derive(Debug)]
pub(crate) struct Facets {
    pub(crate) ws: Ws,
    pub(crate) length: Option<u32>,
    pub(crate) min_length: Option<u32>,
    pub(crate) max_length: Option<u32>,
    pub(crate) total_digits: Option<u32>,
    pub(crate) fraction_digits: Option<u32>,
    pub(crate) min_inclusive: &'static [&'static str],
    pub(crate) max_inclusive: &'static [&'static str],
    pub(crate) min_exclusive: &'static [&'static str],
    pub(crate) max_exclusive: &'static [&'static str],
    /// One entry per derivation step; each step's alternatives are ORed, steps are ANDed.
    pub(crate) patterns: &'static [&'static [&'static str]],
    pub(crate) fixed: Option<&'static str>,
    pub(crate) compiled: OnceLock<Vec<Regex>>,
}

/// Translates an XSD regular expression (implicitly anchored) into the `regex` syntax.
fn xsd_regex(alternatives: &[&str]) -> Regex {
    let body = alternatives
        .iter()
        .map(|p| {
            format!(
                "(?:{})",
                p.replace(r"\d", "[0-9]").replace(r"\s", r"[ \t\n\r]")
            )
        })
        .collect::<Vec<_>>()
        .join("|");
    // The patterns come from the schema at generation time and are tested to compile.
    Regex::new(&format!("^(?:{body})$"))
        .unwrap_or_else(|e| panic!("schema pattern {body:?} does not compile: {e}"))
}

impl Facets {
    fn regexes(&self) -> &[Regex] {
        self.compiled
            .get_or_init(|| self.patterns.iter().map(|step| xsd_regex(step)).collect())
    }

    fn check_patterns(&self, lexical: &str, v: &mut Validator) {
        for (step, re) in self.patterns.iter().zip(self.regexes()) {
            if !re.is_match(lexical) {
                v.error(Rule::Pattern {
                    pattern: step.join(" | "),
                    value: lexical.to_owned(),
                });
            }
        }
    }

    fn check_fixed(&self, lexical: &str, v: &mut Validator) {
        if let Some(fixed) = self.fixed
            && lexical != fixed
        {
            v.error(Rule::Fixed {
                expected: fixed.to_owned(),
                value: lexical.to_owned(),
            });
        }
    }
}

pub(crate) fn check_str(raw: &str, f: &Facets, v: &mut Validator) {
    let value = match f.ws {
        Ws::Preserve => Cow::Borrowed(raw),
        Ws::Replace => replace(raw),
        Ws::Collapse => collapse(raw),
    };
    let len = value.chars().count();
    if let Some(l) = f.length
        && len != l as usize
    {
        v.error(Rule::Length {
            expected: l,
            actual: len,
        });
    }
    if let Some(l) = f.min_length
        && len < l as usize
    {
        v.error(Rule::MinLength {
            min: l,
            actual: len,
        });
    }
    if let Some(l) = f.max_length
        && len > l as usize
    {
        v.error(Rule::MaxLength {
            max: l,
            actual: len,
        });
    }
    f.check_patterns(&value, v);
    f.check_fixed(&value, v);
}

/// Checks bounds given as schema literals against a value of an ordered type.
pub(crate) fn check_bounds<T: PartialOrd>(
    value: &T,
    lexical: &str,
    f: &Facets,
    parse: impl Fn(&str) -> Option<T>,
    v: &mut Validator,
) {
    let mut cmp = |bounds: &[&str], ok: fn(&T, &T) -> bool, rule: fn(String, String) -> Rule| {
        for b in bounds {
            if let Some(bv) = parse(b)
                && !ok(value, &bv)
            {
                v.error(rule((*b).to_owned(), lexical.to_owned()));
            }
        }
    };
    cmp(
        f.min_inclusive,
        |a, b| a >= b,
        |bound, value| Rule::MinInclusive { bound, value },
    );
    cmp(
        f.max_inclusive,
        |a, b| a <= b,
        |bound, value| Rule::MaxInclusive { bound, value },
    );
    cmp(
        f.min_exclusive,
        |a, b| a > b,
        |bound, value| Rule::MinExclusive { bound, value },
    );
    cmp(
        f.max_exclusive,
        |a, b| a < b,
        |bound, value| Rule::MaxExclusive { bound, value },
    );
}

impl XmlValue for String {
    fn from_lexical(s: &str) -> Result<Self, String> {
        Ok(s.to_owned())
    }
    fn write_lexical(&self, out: &mut String) {
        out.push_str(self);
    }
    fn check(&self, facets: &Facets, v: &mut Validator) {
        check_str(self, facets, v);
    }
}

impl XmlValue for i64 {
    fn from_lexical(s: &str) -> Result<Self, String> {
        let t = s.trim_matches([' ', '\t', '\n', '\r']);
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{s:?} is not an integer"));
        }
        t.parse().map_err(|_| format!("{s:?} is out of range"))
    }
    fn write_lexical(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
    fn check(&self, f: &Facets, v: &mut Validator) {
        let lexical = self.to_string();
        if let Some(td) = f.total_digits {
            let digits = lexical.trim_start_matches('-').len();
            if digits > td as usize {
                v.error(Rule::TotalDigits {
                    max: td,
                    value: lexical.clone(),
                });
            }
        }
        check_bounds(self, &lexical, f, |b| b.parse().ok(), v);
        f.check_patterns(&lexical, v);
        f.check_fixed(&lexical, v);
    }
}

impl XmlValue for crate::Decimal {
    fn from_lexical(s: &str) -> Result<Self, String> {
        s.trim_matches([' ', '\t', '\n', '\r'])
            .parse()
            .map_err(|e| format!("{s:?}: {e}"))
    }
    fn write_lexical(&self, out: &mut String) {
        self.write_to(out);
    }
    fn check(&self, f: &Facets, v: &mut Validator) {
        if f.patterns.is_empty()
            && f.fixed.is_none()
            && f.total_digits.is_none_or(|td| self.total_digits() <= td)
            && f.fraction_digits
                .is_none_or(|fd| self.fraction_digits() <= fd)
            && f.min_inclusive.is_empty()
            && f.max_inclusive.is_empty()
            && f.min_exclusive.is_empty()
            && f.max_exclusive.is_empty()
        {
            return;
        }
        let lexical = self.to_string();
        if let Some(td) = f.total_digits
            && self.total_digits() > td
        {
            v.error(Rule::TotalDigits {
                max: td,
                value: lexical.clone(),
            });
        }
        if let Some(fd) = f.fraction_digits
            && self.fraction_digits() > fd
        {
            v.error(Rule::FractionDigits {
                max: fd,
                value: lexical.clone(),
            });
        }
        check_bounds(self, &lexical, f, |b| b.parse().ok(), v);
        f.check_patterns(&lexical, v);
        f.check_fixed(&lexical, v);
    }
}

impl XmlValue for time::Date {
    fn from_lexical(s: &str) -> Result<Self, String> {
        crate::datetime::parse_date(s.trim_matches([' ', '\t', '\n', '\r']))
    }
    fn write_lexical(&self, out: &mut String) {
        out.push_str(&crate::datetime::format_date(*self));
    }
    fn check(&self, f: &Facets, v: &mut Validator) {
        let lexical = crate::datetime::format_date(*self);
        check_bounds(
            self,
            &lexical,
            f,
            |b| crate::datetime::parse_date(b).ok(),
            v,
        );
        f.check_patterns(&lexical, v);
        f.check_fixed(&lexical, v);
    }
}

impl XmlValue for crate::DateTime {
    fn from_lexical(s: &str) -> Result<Self, String> {
        s.trim_matches([' ', '\t', '\n', '\r']).parse()
    }
    fn write_lexical(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
    fn check(&self, f: &Facets, v: &mut Validator) {
        let lexical = self.as_str();
        let ours = self.to_offset_date_time();
        check_bounds(
            &ours,
            lexical,
            f,
            |b| {
                b.parse::<crate::DateTime>()
                    .ok()
                    .map(|d| d.to_offset_date_time())
            },
            v,
        );
        f.check_patterns(lexical, v);
        f.check_fixed(lexical, v);
    }
}

/// Collects validation errors with the path of the element concerned.
#[derive(Debug)]
pub(crate) struct Validator {
    path: Vec<(&'static str, usize)>,
    pub(crate) errors: Vec<ValidationError>,
}

impl Validator {
    pub(crate) fn new(root: &'static str) -> Self {
        Validator {
            path: vec![(root, 1)],
            errors: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, rule: Rule) {
        let path = render_path(&self.path);
        self.errors.push(ValidationError { path, rule });
    }

    pub(crate) fn enter(&mut self, name: &'static str) {
        self.path.push((name, 1));
    }

    pub(crate) fn enter_index(&mut self, name: &'static str, i: usize) {
        self.path.push((name, i + 1));
    }

    pub(crate) fn leave(&mut self) {
        self.path.pop();
    }

    pub(crate) fn value<T: XmlValue>(&mut self, name: &'static str, value: &T, f: &Facets) {
        self.enter(name);
        value.check(f, self);
        self.leave();
    }

    /// Checks an attribute; `name` is the attribute's name.
    pub(crate) fn attr<T: XmlValue>(&mut self, name: &'static str, value: &T, f: &Facets) {
        self.path.push((name, 0));
        value.check(f, self);
        self.leave();
    }

    pub(crate) fn value_here<T: XmlValue>(&mut self, value: &T, f: &Facets) {
        value.check(f, self);
    }

    pub(crate) fn occurs(
        &mut self,
        name: &'static str,
        count: usize,
        min: usize,
        max: Option<usize>,
    ) {
        if count < min || max.is_some_and(|m| count > m) {
            self.enter(name);
            self.error(Rule::Occurs {
                min,
                max,
                actual: count,
            });
            self.leave();
        }
    }
}
