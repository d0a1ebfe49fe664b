//! The verification QR codes of an invoice, built with `ksef_crypto::qr`: KOD I (every
//! invoice; labelled with the KSeF number, or `OFFLINE` before the invoice has one) and KOD II
//! (offline invoices; signed with the key of an Offline KSeF certificate, labelled
//! `CERTYFIKAT`).

use ksef_crypto::identifiers::KsefNumber;
use ksef_crypto::qr::render::{LABEL_CERTIFICATE, LABEL_OFFLINE};
use ksef_crypto::qr::{self, ContextIdentifierType};

use crate::doc::Code;
use crate::{InvoiceDocument, InvoiceRenderOptions, RenderError};

/// A private key that signs KOD II links: `ksef_crypto`'s signing keys and credentials.
pub use ksef_crypto::qr::QrSigner as OfflineSigner;

/// Caption above KOD I.
const KOD1_CAPTION: &str = "Sprawdź, czy Twoja faktura znajduje się w KSeF!";
/// Caption above KOD II.
const KOD2_CAPTION: &str = "Zweryfikuj wystawcę faktury (certyfikat KSeF)";

/// Builds and signs the KOD II link of an offline invoice: the context the invoice is issued
/// in, the serial of the Offline KSeF certificate and its private key. The seller NIP and the
/// invoice hash come from the document.
pub fn kod2_url(
    environment: &qr::QrEnvironment,
    invoice: &InvoiceDocument,
    context_type: ContextIdentifierType,
    context_value: &str,
    certificate_serial: &str,
    signer: &(impl OfflineSigner + ?Sized),
) -> Result<String, RenderError> {
    qr::certificate_verification_url(
        environment,
        context_type,
        context_value,
        &invoice.invoice().podmiot1.dane_identyfikacyjne.nip,
        certificate_serial,
        &qr::invoice_hash_b64url(invoice.xml()),
        signer,
    )
    .map_err(|e| RenderError::Qr(e.to_string()))
}

/// The codes to print for these options (none without a QR environment).
pub(crate) fn invoice_codes(
    invoice: &InvoiceDocument,
    options: &InvoiceRenderOptions,
) -> Result<Vec<Code>, RenderError> {
    let Some(env) = &options.qr_environment else {
        if options.kod2_url.is_some() {
            return Err(RenderError::InvalidOption {
                what: "KOD II link",
                reason: "KOD II is printed with KOD I; give the QR environment too".into(),
            });
        }
        return Ok(Vec::new());
    };
    let label = match &options.ksef_number {
        Some(n) => KsefNumber::parse(n)
            .map_err(|e| RenderError::InvalidOption {
                what: "KSeF number",
                reason: e.to_string(),
            })?
            .as_str()
            .to_owned(),
        None => LABEL_OFFLINE.to_owned(),
    };
    let fa = invoice.invoice();
    let kod1 = qr::invoice_verification_url(
        env,
        &fa.podmiot1.dane_identyfikacyjne.nip,
        fa.fa.p_1,
        invoice.xml(),
    );
    let mut codes = vec![Code {
        caption: KOD1_CAPTION.into(),
        url: kod1,
        label,
    }];
    if let Some(url) = &options.kod2_url {
        qr::Kod2Link::parse(url).map_err(|e| RenderError::InvalidOption {
            what: "KOD II link",
            reason: e.to_string(),
        })?;
        codes.push(Code {
            caption: KOD2_CAPTION.into(),
            url: url.clone(),
            label: LABEL_CERTIFICATE.into(),
        });
    }
    Ok(codes)
}
