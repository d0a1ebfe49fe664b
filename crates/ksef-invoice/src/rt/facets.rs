//! The schema's facets and the validator that checks them, with the path of each value.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use super::{XmlValue, collapse, render_path, replace};
use crate::error::{Rule, ValidationError};

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
