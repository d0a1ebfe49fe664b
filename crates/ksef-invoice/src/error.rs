//! Errors of parsing and validating invoices.

use std::fmt;

/// Why an XML document could not be read as an invoice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct ParseError {
    /// Path of the element concerned, `/Faktura/Fa/FaWiersz[2]/P_8B`.
    pub path: String,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What is wrong in a [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The bytes are not well-formed XML (or not UTF-8).
    #[error("not well-formed XML: {0}")]
    Xml(String),
    /// The root element is not the schema's root in the schema's namespace.
    #[error("the root element is {found}; expected {{{namespace}}}{expected}")]
    WrongRoot {
        /// The expected root element.
        expected: String,
        /// Its namespace.
        namespace: String,
        /// The root element found (`{namespace}name`).
        found: String,
    },
    /// A required element is missing, or an element appears where the schema does not allow it.
    #[error("expected {}; found {}", expected.join(" or "), found.as_deref().unwrap_or("the end of the element"))]
    Expected {
        /// Elements the schema allows at this position.
        expected: Vec<String>,
        /// The element found instead (`None`: the parent ends).
        found: Option<String>,
    },
    /// An element the schema does not allow follows the content.
    #[error("unexpected element {found}")]
    Unexpected {
        /// The element found.
        found: String,
    },
    /// Text where only elements are allowed.
    #[error("unexpected text between elements")]
    UnexpectedText,
    /// A child element where only text is allowed.
    #[error("unexpected child element in a text-only element")]
    UnexpectedChildElement,
    /// The text does not map to the element's type (an enumeration, a number, a date).
    #[error("invalid value: {reason}")]
    InvalidValue {
        /// Why.
        reason: String,
    },
    /// A required attribute is missing.
    #[error("missing attribute {name}")]
    MissingAttribute {
        /// The attribute.
        name: String,
    },
    /// An attribute's value does not map to its type.
    #[error("invalid attribute {name}: {reason}")]
    InvalidAttribute {
        /// The attribute.
        name: String,
        /// Why.
        reason: String,
    },
}

/// One violated rule, with the path of the element concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {rule}")]
pub struct ValidationError {
    /// Path of the element concerned, `/Faktura/Fa/FaWiersz[2]/P_8B` (attributes as `@name`).
    pub path: String,
    /// The rule violated.
    pub rule: Rule,
}

/// A schema facet or business rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The document cannot be read as an invoice (structure, enumeration or type).
    Structure(ParseErrorKind),
    /// `xsd:pattern`.
    Pattern {
        /// The pattern(s) of one derivation step (any of them must match).
        pattern: String,
        /// The value.
        value: String,
    },
    /// `xsd:length`.
    Length {
        /// Required length in characters.
        expected: u32,
        /// Actual length.
        actual: usize,
    },
    /// `xsd:minLength`.
    MinLength {
        /// Minimum length.
        min: u32,
        /// Actual length.
        actual: usize,
    },
    /// `xsd:maxLength`.
    MaxLength {
        /// Maximum length.
        max: u32,
        /// Actual length.
        actual: usize,
    },
    /// `xsd:totalDigits`.
    TotalDigits {
        /// Maximum number of digits.
        max: u32,
        /// The value.
        value: String,
    },
    /// `xsd:fractionDigits`.
    FractionDigits {
        /// Maximum number of fraction digits.
        max: u32,
        /// The value.
        value: String,
    },
    /// `xsd:minInclusive`.
    MinInclusive {
        /// The bound.
        bound: String,
        /// The value.
        value: String,
    },
    /// `xsd:maxInclusive`.
    MaxInclusive {
        /// The bound.
        bound: String,
        /// The value.
        value: String,
    },
    /// `xsd:minExclusive`.
    MinExclusive {
        /// The bound.
        bound: String,
        /// The value.
        value: String,
    },
    /// `xsd:maxExclusive`.
    MaxExclusive {
        /// The bound.
        bound: String,
        /// The value.
        value: String,
    },
    /// A `fixed` value of the schema.
    Fixed {
        /// The fixed value.
        expected: String,
        /// The value.
        value: String,
    },
    /// `minOccurs`/`maxOccurs` of a repeated element.
    Occurs {
        /// Minimum count.
        min: usize,
        /// Maximum count (`None`: unbounded).
        max: Option<usize>,
        /// Actual count.
        actual: usize,
    },
    /// Business rule: a NIP or PESEL whose check digit is wrong.
    Identifier(ksef_crypto::identifiers::IdentifierError),
    /// Business rule: a total differs from what the lines give.
    Total {
        /// The field (`P_13_1`, `P_15`, …).
        field: String,
        /// The value the lines give.
        expected: String,
        /// The value in the invoice.
        actual: String,
    },
    /// Business rule: a line's value differs from quantity × price.
    LineValue {
        /// The value quantity × price gives.
        expected: String,
        /// The value in the line.
        actual: String,
    },
    /// Business rule: a date is later than the issue date or otherwise implausible.
    Date {
        /// What is wrong.
        reason: String,
    },
    /// Business rule: a foreign-currency invoice lacks an exchange rate where the law needs one,
    /// or a PLN invoice carries one.
    CurrencyRate {
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Structure(k) => write!(f, "structure: {k}"),
            Rule::Pattern { pattern, value } => {
                write!(f, "pattern: {value:?} does not match {pattern}")
            }
            Rule::Length { expected, actual } => {
                write!(f, "length: {actual} characters; must be {expected}")
            }
            Rule::MinLength { min, actual } => {
                write!(f, "minLength: {actual} characters; at least {min}")
            }
            Rule::MaxLength { max, actual } => {
                write!(f, "maxLength: {actual} characters; at most {max}")
            }
            Rule::TotalDigits { max, value } => {
                write!(f, "totalDigits: {value} has more than {max} digits")
            }
            Rule::FractionDigits { max, value } => {
                write!(
                    f,
                    "fractionDigits: {value} has more than {max} fraction digits"
                )
            }
            Rule::MinInclusive { bound, value } => {
                write!(f, "minInclusive: {value} is below {bound}")
            }
            Rule::MaxInclusive { bound, value } => {
                write!(f, "maxInclusive: {value} is above {bound}")
            }
            Rule::MinExclusive { bound, value } => {
                write!(f, "minExclusive: {value} is not above {bound}")
            }
            Rule::MaxExclusive { bound, value } => {
                write!(f, "maxExclusive: {value} is not below {bound}")
            }
            Rule::Fixed { expected, value } => write!(f, "fixed: {value:?}; must be {expected:?}"),
            Rule::Occurs { min, max, actual } => match max {
                Some(max) => write!(f, "occurs: {actual} times; allowed {min}..={max}"),
                None => write!(f, "occurs: {actual} times; at least {min}"),
            },
            Rule::Identifier(e) => write!(f, "identifier: {e}"),
            Rule::Total {
                field,
                expected,
                actual,
            } => {
                write!(f, "total: {field} is {actual}; the lines give {expected}")
            }
            Rule::LineValue { expected, actual } => {
                write!(f, "line value: {actual}; quantity × price gives {expected}")
            }
            Rule::Date { reason } => write!(f, "date: {reason}"),
            Rule::CurrencyRate { reason } => write!(f, "currency and rate: {reason}"),
        }
    }
}

/// Every problem found by [`crate::validate_xml`] or [`crate::Invoice::validate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s): {}", errors.len(), errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors {
    /// The problems, in document order (schema facets first, then business rules).
    pub errors: Vec<ValidationError>,
}

impl ValidationErrors {
    /// Whether any problem is a schema violation (as opposed to a business rule).
    pub fn has_schema_errors(&self) -> bool {
        self.errors.iter().any(|e| e.rule.is_schema())
    }
}

impl Rule {
    /// Whether the rule comes from the XSD (everything except the business checks).
    pub fn is_schema(&self) -> bool {
        !matches!(
            self,
            Rule::Identifier(_)
                | Rule::Total { .. }
                | Rule::LineValue { .. }
                | Rule::Date { .. }
                | Rule::CurrencyRate { .. }
        )
    }
}
