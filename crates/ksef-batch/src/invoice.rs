//! Invoices to package: where they come from and the checks KSeF would otherwise fail later.

use std::path::PathBuf;

use bytes::Bytes;

use crate::error::{BatchError, InvoiceProblem};
use crate::limits::BatchLimits;

/// Where an invoice's bytes come from.
#[derive(Debug, Clone)]
pub enum InvoiceData {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A file, read when the package is built (one invoice in memory at a time).
    File(PathBuf),
}

/// One invoice of a package: its name inside the archive and its data.
#[derive(Debug, Clone)]
pub struct InvoiceSource {
    /// Name inside the archive (e.g. `FV-2026-001.xml`).
    pub name: String,
    /// The data.
    pub data: InvoiceData,
}

impl InvoiceSource {
    /// An invoice held in memory.
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            name: name.into(),
            data: InvoiceData::Bytes(bytes.into()),
        }
    }

    /// An invoice file; its name in the archive is the file name.
    pub fn from_file(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.to_string_lossy().into_owned());
        Self {
            name,
            data: InvoiceData::File(path),
        }
    }

    /// Reads the bytes (files are read now).
    pub fn read(&self) -> Result<Bytes, BatchError> {
        match &self.data {
            InvoiceData::Bytes(b) => Ok(b.clone()),
            InvoiceData::File(path) => read_bounded(
                path,
                BatchLimits::default().max_invoice_with_attachments_size,
            )
            .map(Bytes::from)
            .map_err(|source| BatchError::ReadInvoice {
                path: path.clone(),
                source,
            }),
        }
    }
}

/// Reads a file of at most `limit` bytes. Anything else is an error before a byte is held in
/// memory: a path that is not a regular file (a device such as `/dev/zero`, a FIFO, a
/// directory) or a file larger than `limit` (a 20 GB file given by mistake).
pub fn read_bounded(path: &std::path::Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let too_large = |size: u64| {
        Error::new(
            ErrorKind::InvalidData,
            format!("{size} bytes or more, larger than the {limit}-byte limit of an invoice"),
        )
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        // The file grew while it was read.
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Checks an invoice the way KSeF will: UTF-8 without BOM, well-formed XML without processing
/// instructions or a DTD, within the size limit (the larger limit applies when it has
/// attachments).
pub fn check_invoice(bytes: &[u8], limits: &BatchLimits) -> Result<(), InvoiceProblem> {
    if bytes.is_empty() {
        return Err(InvoiceProblem::Empty);
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(InvoiceProblem::Bom);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| InvoiceProblem::NotUtf8(e.valid_up_to()))?;
    let size = bytes.len() as u64;
    if size > limits.max_invoice_with_attachments_size {
        return Err(InvoiceProblem::TooLarge {
            size,
            limit: limits.max_invoice_with_attachments_size,
        });
    }
    let facts = crate::xml_check::check_well_formed(text).map_err(InvoiceProblem::NotXml)?;
    if facts.processing_instruction {
        return Err(InvoiceProblem::ProcessingInstruction);
    }
    if !facts.has_attachment && size > limits.max_invoice_size {
        return Err(InvoiceProblem::TooLarge {
            size,
            limit: limits.max_invoice_size,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        let l = BatchLimits::default();
        assert!(check_invoice(b"<Faktura/>", &l).is_ok());
        assert_eq!(check_invoice(b"", &l), Err(InvoiceProblem::Empty));
        assert_eq!(
            check_invoice(b"\xEF\xBB\xBF<a/>", &l),
            Err(InvoiceProblem::Bom)
        );
        assert!(matches!(
            check_invoice(b"<a>\xff</a>", &l),
            Err(InvoiceProblem::NotUtf8(3))
        ));
        assert!(matches!(
            check_invoice(b"<a>", &l),
            Err(InvoiceProblem::NotXml(_))
        ));
        assert_eq!(
            check_invoice(b"<?xml version=\"1.0\"?><?pi x?><a/>", &l),
            Err(InvoiceProblem::ProcessingInstruction)
        );
        let big = format!("<a>{}</a>", "x".repeat(1_000_001));
        assert!(matches!(
            check_invoice(big.as_bytes(), &l),
            Err(InvoiceProblem::TooLarge {
                limit: 1_000_000,
                ..
            })
        ));
        let with_attachment = format!("<a><Zalacznik/>{}</a>", "x".repeat(1_000_001));
        assert!(check_invoice(with_attachment.as_bytes(), &l).is_ok());
    }

    #[test]
    fn well_formed_documents_pass() {
        let l = BatchLimits::default();
        for ok in [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Faktura xmlns=\"urn:x\" xmlns:e=\"urn:e\"><e:P a=\"1 &amp; 2\" e:b='&#x41;'>x &lt; y &#169; &quot;</e:P></Faktura>\n",
            "<!-- before --><a><![CDATA[<not a tag>]]><b/><!-- in --></a>\r\n",
            "<a>zażółć</a>",
        ] {
            assert_eq!(check_invoice(ok.as_bytes(), &l), Ok(()), "{ok}");
        }
        let fixture = include_bytes!("../../../fixtures/invoices/fa3-basic.xml");
        assert_eq!(check_invoice(fixture, &l), Ok(()));
    }

    #[test]
    fn what_is_not_well_formed_is_refused() {
        let l = BatchLimits::default();
        for bad in [
            "<a>",
            "<a><b></a>",
            "<a></b>",
            "</a>",
            "<a/><b/>",
            "text<a/>",
            "<a/>text",
            "<a/><![CDATA[x]]>",
            "<1a/>",
            "<a 1b=\"x\"/>",
            "<a b=\"1\" b=\"2\"/>",
            "<a b=1/>",
            "<a b=\"<\"/>",
            "<a b=\"&nbsp;\"/>",
            "<a>&nbsp;</a>",
            "<a>& b</a>",
            "<p:a/>",
            "<a p:b=\"1\"/>",
            "<a><!-- x -- y --></a>",
            "<!DOCTYPE a><a/>",
            "<a/><?xml version=\"1.0\"?>",
            "<a>\u{1}</a>",
            "<a></a><",
            "   ",
        ] {
            assert!(
                matches!(
                    check_invoice(bad.as_bytes(), &l),
                    Err(InvoiceProblem::NotXml(_))
                ),
                "{bad:?}: {:?}",
                check_invoice(bad.as_bytes(), &l)
            );
        }
        assert_eq!(
            check_invoice(b"<a><?pi x?></a>", &l),
            Err(InvoiceProblem::ProcessingInstruction)
        );
    }
}
