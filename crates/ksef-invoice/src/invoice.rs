//! The invoice document: reading, writing and validating a whole FA(3) `Faktura`.

use crate::error::{ParseError, ParseErrorKind, Rule, ValidationError, ValidationErrors};
use crate::generated::fa3;
use crate::rt::{ReadCx, Validator, Writer};

/// An FA(3) invoice (the schema's root element `Faktura`).
pub type Invoice = fa3::Faktura;

impl fa3::Faktura {
    /// Reads an FA(3) document. Fails on anything that is not well-formed XML, on a root other
    /// than `Faktura` in the FA(3) namespace, and on content the schema's structure does not
    /// allow (missing or misplaced elements, unknown elements, values outside an enumeration or
    /// not of the element's type). Facets (patterns, lengths, digits, bounds) are checked by
    /// [`Invoice::validate`].
    pub fn from_xml(xml: &[u8]) -> Result<Self, ParseError> {
        let text = std::str::from_utf8(xml).map_err(|e| ParseError {
            path: "/".into(),
            kind: ParseErrorKind::Xml(format!("not UTF-8: {e}")),
        })?;
        let doc = roxmltree::Document::parse(text).map_err(|e| ParseError {
            path: "/".into(),
            kind: ParseErrorKind::Xml(e.to_string()),
        })?;
        let root = doc.root_element();
        if root.tag_name().name() != fa3::ROOT_ELEMENT
            || root.tag_name().namespace() != Some(fa3::NAMESPACE)
        {
            return Err(ParseError {
                path: "/".into(),
                kind: ParseErrorKind::WrongRoot {
                    expected: fa3::ROOT_ELEMENT.into(),
                    namespace: fa3::NAMESPACE.into(),
                    found: format!(
                        "{{{}}}{}",
                        root.tag_name().namespace().unwrap_or(""),
                        root.tag_name().name()
                    ),
                },
            });
        }
        let mut cx = ReadCx::new(fa3::ROOT_ELEMENT);
        fa3::Root::read_element(root, &mut cx)
    }

    /// Writes the invoice as an FA(3) document (UTF-8, with an XML declaration), the schema's
    /// namespace as the default namespace and elements in schema order.
    pub fn to_xml(&self) -> Vec<u8> {
        self.to_xml_string().into_bytes()
    }

    /// [`Invoice::to_xml`] as a string.
    pub fn to_xml_string(&self) -> String {
        let mut decls = vec![("xmlns".to_owned(), fa3::NAMESPACE.to_owned())];
        decls.extend(
            fa3::EXTRA_NAMESPACES
                .iter()
                .map(|(p, u)| (format!("xmlns:{p}"), (*u).to_owned())),
        );
        let mut w = Writer {
            out: String::with_capacity(8 * 1024),
            root_namespaces: Some(decls),
            scratch: String::new(),
        };
        w.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.write_element(fa3::ROOT_ELEMENT, &mut w);
        w.out
    }

    /// Every schema constraint not already enforced by the types (patterns, lengths,
    /// totalDigits/fractionDigits, bounds, fixed values, occurrences) followed by the business
    /// checks. Returns every problem found.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let errors = self.validation_errors();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors { errors })
        }
    }

    /// Schema constraints only (what `xmllint --schema` checks), every problem found.
    pub fn schema_errors(&self) -> Vec<ValidationError> {
        let mut v = Validator::new(fa3::ROOT_ELEMENT);
        self.validate_content(&mut v);
        v.errors
    }

    /// Business checks only: NIP and internal-identifier checksums, line values against
    /// quantity × price, totals against the lines (VAT and correction invoices), dates in order,
    /// currency and exchange rate together.
    pub fn business_errors(&self) -> Vec<ValidationError> {
        crate::business::check(self)
    }

    fn validation_errors(&self) -> Vec<ValidationError> {
        let mut errors = self.schema_errors();
        errors.extend(self.business_errors());
        errors
    }
}

/// Reads and validates an FA(3) document: the invoice when it passes every check, otherwise
/// every problem (a document that cannot be read gives one [`Rule::Structure`] error).
pub fn validate_xml(xml: &[u8]) -> Result<Invoice, ValidationErrors> {
    let invoice = Invoice::from_xml(xml).map_err(|e| ValidationErrors {
        errors: vec![ValidationError {
            path: e.path,
            rule: Rule::Structure(e.kind),
        }],
    })?;
    invoice.validate()?;
    Ok(invoice)
}
