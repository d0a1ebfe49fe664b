//! Checking whole values against the spec's constraints: every generated type implements
//! [`Validate`], which walks the value and reports each violation with the JSON pointer of the
//! field (`/invoices/1/description`), as a server validating the request would.
//!
//! The constraints checked are the spec's: string lengths and patterns, enumerations (a value
//! the model does not know), array sizes and numeric bounds. Required fields are enforced by
//! the types themselves (a missing required field does not decode).

use std::fmt;

/// One violation: where (a JSON pointer into the value), which rule and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// JSON pointer of the offending field (`""` for the value itself).
    pub pointer: String,
    /// The kind of constraint broken.
    pub rule: Rule,
    /// What is wrong, in English.
    pub reason: String,
}

/// The kind of constraint a value breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// Not the JSON shape of the type (a missing required field, a wrong JSON type).
    Shape,
    /// `minLength`/`maxLength` of a plain string.
    Length,
    /// The `pattern` or length of a constrained string type.
    Pattern,
    /// A value outside the enumeration.
    Enumeration,
    /// `minItems`/`maxItems` of an array.
    Items,
    /// `minimum`/`maximum` of a number.
    Range,
    /// The rules of an identifier beyond the spec's pattern: a NIP's, PESEL's or internal
    /// identifier's check digit, a KSeF number's CRC-8, an embedded date (`ksef-ids`).
    Identifier,
}

/// A value breaks the spec's constraints; [`ValidationError::violations`] lists every one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// Every violation found, in field order.
    pub violations: Vec<Invalid>,
}

impl ValidationError {
    /// The first violation (there is always at least one).
    pub fn first(&self) -> Option<&Invalid> {
        self.violations.first()
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self
            .violations
            .iter()
            .map(|v| format!("{}: {}", display_pointer(&v.pointer), v.reason))
            .collect();
        f.write_str(&shown.join("; "))
    }
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// A value that can be checked against the spec's constraints.
pub trait Validate {
    /// Appends the violations of this value, found at `pointer`, to `out`.
    fn validate_at(&self, pointer: &str, out: &mut Vec<Invalid>);

    /// Every violation of the value, or `Ok(())`.
    fn check_constraints(&self) -> Result<(), ValidationError> {
        let mut violations = Vec::new();
        self.validate_at("", &mut violations);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { violations })
        }
    }
}

macro_rules! unconstrained {
    ($($t:ty),*) => {$(
        impl Validate for $t {
            fn validate_at(&self, _: &str, _: &mut Vec<Invalid>) {}
        }
    )*};
}
unconstrained!(
    String,
    i32,
    i64,
    f64,
    bool,
    time::OffsetDateTime,
    time::Date,
    serde_json::Value,
    super::Base64Data
);

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, pointer: &str, out: &mut Vec<Invalid>) {
        if let Some(v) = self {
            v.validate_at(pointer, out);
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, pointer: &str, out: &mut Vec<Invalid>) {
        for (i, v) in self.iter().enumerate() {
            v.validate_at(&format!("{pointer}/{i}"), out);
        }
    }
}

impl<T: Validate> Validate for std::collections::BTreeMap<String, T> {
    fn validate_at(&self, pointer: &str, out: &mut Vec<Invalid>) {
        for (k, v) in self {
            let key = k.replace('~', "~0").replace('/', "~1");
            v.validate_at(&format!("{pointer}/{key}"), out);
        }
    }
}

/// Checks the length of a string field (in characters).
pub fn check_length(
    value: &str,
    min: Option<usize>,
    max: Option<usize>,
    pointer: &str,
    out: &mut Vec<Invalid>,
) {
    let len = value.chars().count();
    if min.is_some_and(|m| len < m) || max.is_some_and(|m| len > m) {
        out.push(Invalid {
            pointer: pointer.to_owned(),
            rule: Rule::Length,
            reason: format!("{len} characters, {} expected", range(min, max)),
        });
    }
}

/// Checks the number of items of an array field.
pub fn check_items(
    count: usize,
    min: Option<usize>,
    max: Option<usize>,
    pointer: &str,
    out: &mut Vec<Invalid>,
) {
    if min.is_some_and(|m| count < m) || max.is_some_and(|m| count > m) {
        out.push(Invalid {
            pointer: pointer.to_owned(),
            rule: Rule::Items,
            reason: format!("{count} items, {} expected", range(min, max)),
        });
    }
}

/// Checks a numeric field against `minimum`/`maximum` (exclusive when the flags say so).
pub fn check_number(
    value: f64,
    min: Option<(f64, bool)>,
    max: Option<(f64, bool)>,
    pointer: &str,
    out: &mut Vec<Invalid>,
) {
    let below = min.is_some_and(|(m, exclusive)| if exclusive { value <= m } else { value < m });
    let above = max.is_some_and(|(m, exclusive)| if exclusive { value >= m } else { value > m });
    if below || above {
        let bound = |b: Option<(f64, bool)>, strict: &str, loose: &str| {
            b.map(|(m, exclusive)| format!("{} {m}", if exclusive { strict } else { loose }))
        };
        let parts: Vec<String> = [bound(min, ">", "≥"), bound(max, "<", "≤")]
            .into_iter()
            .flatten()
            .collect();
        out.push(Invalid {
            pointer: pointer.to_owned(),
            rule: Rule::Range,
            reason: format!("{value} is out of range ({})", parts.join(", ")),
        });
    }
}

fn range(min: Option<usize>, max: Option<usize>) -> String {
    match (min, max) {
        (Some(a), Some(b)) if a == b => format!("exactly {a}"),
        (Some(a), Some(b)) => format!("{a} to {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "any number".to_owned(),
    }
}
