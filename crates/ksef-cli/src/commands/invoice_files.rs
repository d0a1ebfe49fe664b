//! Reading invoice files for `send` and `batch`: the schema (form) and the checks KSeF makes,
//! so that bad input is refused before a session is opened.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use ksef::InvoiceForm;

use crate::error::{CliError, CliResult};

/// The invoice schema of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormArg {
    /// Detected from the files' `KodFormularza kodSystemowy` (FA (2), FA (3), FA_RR (1)).
    Auto,
    /// FA(3).
    Fa3,
    /// FA(2) (TEST only since 2026).
    Fa2,
    /// FA_RR(1).
    FaRr,
    /// PEF(3) (online only).
    Pef,
    /// PEF_KOR(3) (online only).
    PefKor,
}

/// The form declared by an invoice, if recognisable.
pub fn detect_form(xml: &[u8]) -> Option<InvoiceForm> {
    let head = xml.get(..4096.min(xml.len()))?;
    // The cut at 4096 bytes may split a character: read the valid start.
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(head.get(..e.valid_up_to())?).ok()?,
    };
    let start = text.find("kodSystemowy=\"")? + "kodSystemowy=\"".len();
    let end = start + text.get(start..)?.find('"')?;
    match text.get(start..end)? {
        "FA (3)" => Some(InvoiceForm::Fa3),
        "FA (2)" => Some(InvoiceForm::Fa2),
        "FA_RR (1)" => Some(InvoiceForm::FaRr1),
        _ => None,
    }
}

fn explicit(form: FormArg) -> Option<InvoiceForm> {
    match form {
        FormArg::Auto => None,
        FormArg::Fa3 => Some(InvoiceForm::Fa3),
        FormArg::Fa2 => Some(InvoiceForm::Fa2),
        FormArg::FaRr => Some(InvoiceForm::FaRr1),
        FormArg::Pef => Some(InvoiceForm::Pef3),
        FormArg::PefKor => Some(InvoiceForm::PefKor3),
    }
}

/// One invoice read from disk.
#[derive(Debug)]
pub struct InvoiceFile {
    /// Where it came from.
    pub path: PathBuf,
    /// The bytes as they will be sent.
    pub xml: Vec<u8>,
}

/// Reads and checks every file (UTF-8 without BOM, XML, size) and settles the form: the given
/// one, or the one all files declare. Nothing is sent when any file is bad.
pub fn read_invoices(
    paths: &[PathBuf],
    form: FormArg,
) -> CliResult<(InvoiceForm, Vec<InvoiceFile>)> {
    let limits = ksef::batch::BatchLimits::default();
    let mut files = Vec::with_capacity(paths.len());
    let mut problems = Vec::new();
    for path in paths {
        let xml = ksef::batch::read_bounded(path, limits.max_invoice_with_attachments_size)
            .map_err(|e| CliError::config(format!("cannot read {}: {e}", path.display())))?;
        if let Err(problem) = ksef::batch::check_invoice(&xml, &limits) {
            problems.push(format!("{}: {problem}", path.display()));
            continue;
        }
        files.push(InvoiceFile {
            path: path.clone(),
            xml,
        });
    }
    if !problems.is_empty() {
        return Err(CliError::config(format!(
            "{} invoice file(s) cannot be sent (nothing was sent):\n  {}",
            problems.len(),
            problems.join("\n  ")
        )));
    }
    let form = match explicit(form) {
        Some(f) => f,
        None => settle_form(&files)?,
    };
    Ok((form, files))
}

/// Checks FA(3) files against the schema before a session is opened (KSeF would reject a
/// schema-invalid invoice with code 450 after it was sent): add each file, then [`finish`]. Every
/// bad file is named with its errors; business-rule findings (check digits, totals) do not stop
/// sending: they come back as warnings, since KSeF does not check them.
///
/// [`finish`]: Fa3Check::finish
#[derive(Debug, Default)]
pub struct Fa3Check {
    problems: Vec<String>,
    warnings: Vec<String>,
}

impl Fa3Check {
    /// Checks one file.
    pub fn add(&mut self, path: &Path, xml: &[u8]) {
        match ksef_invoice::Invoice::from_xml(xml) {
            Err(e) => self.problems.push(format!("{}: {e}", path.display())),
            Ok(invoice) => {
                let schema = invoice.schema_errors();
                let (list, errors) = if schema.is_empty() {
                    (&mut self.warnings, invoice.business_errors())
                } else {
                    (&mut self.problems, schema)
                };
                list.extend(errors.iter().map(|e| format!("{}: {e}", path.display())));
            }
        }
    }

    /// The warnings, or an error listing every schema problem.
    pub fn finish(self) -> CliResult<Vec<String>> {
        if self.problems.is_empty() {
            Ok(self.warnings)
        } else {
            Err(CliError::config(format!(
                "invoice file(s) fail the FA(3) schema (nothing was sent; --no-validate skips this check):\n  {}",
                self.problems.join("\n  ")
            )))
        }
    }
}

fn settle_form(files: &[InvoiceFile]) -> CliResult<InvoiceForm> {
    let mut found: Option<(InvoiceForm, &Path)> = None;
    for file in files {
        let form = detect_form(&file.xml).ok_or_else(|| {
            CliError::config(format!(
                "{}: cannot tell the schema (no KodFormularza kodSystemowy FA (2)/FA (3)/FA_RR (1)); give --form",
                file.path.display()
            ))
        })?;
        match found {
            Some((f, first)) if f != form => {
                return Err(CliError::config(format!(
                    "{} is {form:?} but {} is {f:?}: one session takes one schema; send them separately",
                    file.path.display(),
                    first.display()
                )));
            }
            Some(_) => {}
            None => found = Some((form, &file.path)),
        }
    }
    found
        .map(|(f, _)| f)
        .ok_or_else(|| CliError::config("no invoice files given"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_fixture_forms() {
        let fa3 = include_bytes!("../../../../fixtures/invoices/fa3-basic.xml");
        let rr = include_bytes!("../../../../fixtures/invoices/fa-rr-basic.xml");
        assert_eq!(detect_form(fa3), Some(InvoiceForm::Fa3));
        assert_eq!(detect_form(rr), Some(InvoiceForm::FaRr1));
        assert_eq!(detect_form(b"<x/>"), None);
        assert_eq!(detect_form(&[0xff, 0xfe]), None);
    }

    #[test]
    fn detects_the_form_when_byte_4096_splits_a_character() {
        let fa3 = include_bytes!("../../../../fixtures/invoices/fa3-basic.xml");
        let text = std::str::from_utf8(fa3).unwrap();
        let at = text.find("</Naglowek>").unwrap() + "</Naglowek>".len();
        // Pad with a comment of 'ż' (2 bytes) so that byte 4096 falls inside one.
        let mut padded = text[..at].to_owned();
        padded.push_str("<!--");
        while padded.len() < 4095 {
            padded.push('a');
        }
        if padded.len() == 4096 {
            padded.pop();
        }
        padded.push('ż');
        padded.push_str("-->");
        padded.push_str(&text[at..]);
        assert!(!padded.is_char_boundary(4096));
        assert_eq!(detect_form(padded.as_bytes()), Some(InvoiceForm::Fa3));
    }
}
