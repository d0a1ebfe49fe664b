//! Validation of constrained strings (`pattern`, `minLength`, `maxLength` in the spec).
//!
//! Constrained values are validated when *we* build them (`new`, `FromStr`, `TryFrom`), so a
//! request never carries a value the spec forbids. Values decoded from the server are taken as
//! sent (the server is the authority and has been seen to break its own patterns); call
//! `validate()` on them when that matters.

use std::sync::OnceLock;

use regex_lite::Regex;

/// A value does not satisfy the constraints the spec gives for its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {type_name}: {reason}")]
pub struct ConstraintError {
    /// The name of the constrained type.
    pub type_name: &'static str,
    /// What is wrong with the value.
    pub reason: String,
}

/// The constraints of one string type, as given by the spec.
#[derive(Debug)]
pub struct StringConstraints {
    /// The Rust type name, for error messages.
    pub type_name: &'static str,
    /// Minimum length in characters.
    pub min_length: Option<usize>,
    /// Maximum length in characters.
    pub max_length: Option<usize>,
    /// The regular expression the whole value must match.
    pub pattern: Option<&'static str>,
    /// Lazily compiled `pattern`.
    pub compiled: &'static OnceLock<Option<Regex>>,
}

impl StringConstraints {
    /// Checks `value` against the constraints.
    pub fn check(&self, value: &str) -> Result<(), ConstraintError> {
        let err = |reason: String| ConstraintError {
            type_name: self.type_name,
            reason,
        };
        let len = value.chars().count();
        if let Some(min) = self.min_length
            && len < min
        {
            return Err(err(format!("{len} characters, at least {min} expected")));
        }
        if let Some(max) = self.max_length
            && len > max
        {
            return Err(err(format!("{len} characters, at most {max} allowed")));
        }
        if let Some(pattern) = self.pattern {
            let regex = self.compiled.get_or_init(|| Regex::new(pattern).ok());
            match regex {
                Some(regex) if regex.is_match(value) => {}
                Some(_) => {
                    return Err(err(format!(
                        "{:?} does not match the pattern {pattern}",
                        shorten(value)
                    )));
                }
                None => return Err(err(format!("the pattern {pattern} cannot be compiled"))),
            }
        }
        Ok(())
    }
}

/// An identifier schema whose type is `ksef-ids`' (NIP, PESEL, internal identifier, KSeF
/// number): its own `new`/`parse` check the check digits and embedded dates, which imply the
/// spec's constraints; these are the spec's constraints alone, e.g. to check only a value's
/// shape where a server does not check more.
pub trait SpecConstrained {
    /// The spec's constraints of the schema.
    fn spec_constraints() -> &'static StringConstraints;

    /// Checks `value` against the spec's constraints only (no check digits).
    fn check_spec(value: &str) -> Result<(), ConstraintError> {
        Self::spec_constraints().check(value)
    }
}

/// The [`crate::rt::Validate`] of an identifier type: the spec's constraints
/// ([`crate::rt::Rule::Pattern`]), then the identifier's own rules
/// ([`crate::rt::Rule::Identifier`]).
pub fn validate_identifier(
    spec: &StringConstraints,
    value: &str,
    own: Result<(), ksef_ids::IdentifierError>,
    pointer: &str,
    out: &mut Vec<crate::rt::Invalid>,
) {
    let (rule, reason) = match (spec.check(value), own) {
        (Err(e), _) => (crate::rt::Rule::Pattern, e.reason),
        (Ok(()), Err(e)) => (crate::rt::Rule::Identifier, e.to_string()),
        (Ok(()), Ok(())) => return,
    };
    out.push(crate::rt::Invalid {
        pointer: pointer.to_owned(),
        rule,
        reason,
    });
}

fn shorten(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut s: String = value.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    const C: StringConstraints = StringConstraints {
        type_name: "Nip",
        min_length: Some(10),
        max_length: Some(10),
        pattern: Some(r"^[1-9]((\d[1-9])|([1-9]\d))\d{7}$"),
        compiled: &RE,
    };

    #[test]
    fn checks_length_and_pattern() {
        assert!(C.check("5265877635").is_ok());
        let e = C.check("123").unwrap_err();
        assert!(e.to_string().contains("at least 10"), "{e}");
        let e = C.check("0265877635").unwrap_err();
        assert!(e.to_string().contains("pattern"), "{e}");
    }
}
