//! What the sending calls accept as an invoice: XML bytes, or (feature `invoice`, on by default)
//! a typed [`ksef_invoice::Invoice`], written to XML when it is sent.

use std::borrow::Cow;

/// An invoice document in the form the sending calls take: anything that yields the invoice's
/// XML bytes (UTF-8 without BOM).
///
/// Implemented for byte slices, arrays (`include_bytes!`), `Vec<u8>`, `bytes::Bytes` and — with
/// the `invoice` feature — [`ksef_invoice::Invoice`], so an invoice built or parsed with
/// `ksef-invoice` goes straight to [`OnlineSession::send_invoice`](super::OnlineSession::send_invoice):
///
/// ```no_run
/// # async fn demo(session: &ksef::OnlineSession, xml: &[u8]) -> ksef::Result<()> {
/// let invoice = ksef::invoice::Invoice::from_xml(xml).expect("an FA(3) invoice");
/// let sent = session.send_invoice(&invoice).await?;
/// # Ok(()) }
/// ```
pub trait InvoiceXml {
    /// The XML bytes to send, borrowed where the value already holds them.
    fn invoice_xml(&self) -> Cow<'_, [u8]>;

    /// The invoice as an entry of a batch package named `name` inside the archive (for
    /// [`PackageBuilder::extend`](ksef_batch::PackageBuilder::extend)).
    fn batch_entry(&self, name: impl Into<String>) -> ksef_batch::InvoiceSource {
        ksef_batch::InvoiceSource::from_bytes(name, self.invoice_xml().into_owned())
    }
}

impl InvoiceXml for [u8] {
    fn invoice_xml(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<const N: usize> InvoiceXml for [u8; N] {
    fn invoice_xml(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl InvoiceXml for Vec<u8> {
    fn invoice_xml(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl InvoiceXml for bytes::Bytes {
    fn invoice_xml(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<T: InvoiceXml + ?Sized> InvoiceXml for &T {
    fn invoice_xml(&self) -> Cow<'_, [u8]> {
        (**self).invoice_xml()
    }
}

#[cfg(feature = "invoice")]
impl InvoiceXml for ksef_invoice::Invoice {
    fn invoice_xml(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.to_xml())
    }
}

#[cfg(test)]
mod tests {
    use super::InvoiceXml;

    #[test]
    fn bytes_are_borrowed_as_they_are() {
        let xml = b"<Faktura/>";
        assert_eq!(&*xml.invoice_xml(), xml);
        assert_eq!(&*xml.to_vec().invoice_xml(), xml);
        assert_eq!(&*xml[..].invoice_xml(), xml);
    }

    #[cfg(feature = "invoice")]
    #[test]
    fn a_typed_invoice_is_sent_as_its_xml() {
        let xml = include_bytes!("../../../../fixtures/invoices/fa3-basic.xml");
        let invoice = ksef_invoice::Invoice::from_xml(xml).expect("the fixture parses");
        assert_eq!(&*invoice.invoice_xml(), invoice.to_xml().as_slice());
        let entry = invoice.batch_entry("a.xml");
        assert_eq!(entry.name, "a.xml");
        assert_eq!(entry.read().expect("in memory"), invoice.to_xml());
    }
}
