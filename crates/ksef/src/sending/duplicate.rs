//! The one rule for a 440 duplicate: is the original *this* invoice?
//!
//! KSeF recognises a duplicate by business data — the seller's NIP (`Podmiot1`), the invoice
//! kind (`RodzajFaktury`) and the invoice number (`P_2`) — not by the file's hash. A 440 therefore
//! means either "you already delivered this invoice" (a repeat after a lost answer, a restarted
//! run) or "another invoice already uses this number" (a corrected version, a numbering bug).
//! Only the first may be reported as delivered. The check: download the original by the KSeF
//! number the 440 names (the download is hash-verified against `x-ms-meta-hash`) and compare its
//! SHA-256 with this file's. Every sender in the SDK and the CLI calls this one function.

use ksef_model::{KsefNumber, SessionInvoiceStatusResponse};

use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};

/// What a 440 duplicate turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DuplicateCheck {
    /// The original stored in KSeF has this file's hash: the invoice was delivered before (by
    /// this session or an earlier one) and `ksef_number` is its number.
    SameInvoice {
        /// The KSeF number of the original.
        ksef_number: KsefNumber,
        /// The session that delivered the original, when KSeF named it.
        original_session: Option<String>,
    },
    /// The number belongs to a different invoice: this file was rejected and is not in KSeF.
    DifferentInvoice {
        /// The KSeF number of the original.
        original_ksef_number: KsefNumber,
        /// SHA-256 (base64) of the original as stored.
        original_hash: String,
    },
}

/// `originalKsefNumber` / `originalSessionReferenceNumber` of a 440 status, when present.
pub(crate) fn duplicate_original(
    status: &SessionInvoiceStatusResponse,
) -> Option<(String, Option<String>)> {
    if status.status.code != ksef_model::status::session_invoice::DUPLICATE {
        return None;
    }
    let ext = status.status.extensions.as_ref()?;
    let original = ext.get("originalKsefNumber").cloned().flatten()?;
    let session = ext.get("originalSessionReferenceNumber").cloned().flatten();
    Some((original, session))
}

impl AuthenticatedClient {
    /// Checks whether the original named by a 440 is the invoice whose SHA-256 (base64) is
    /// `invoice_hash` (see the module docs of [`crate::sending`]).
    pub async fn check_duplicate(
        &self,
        original_ksef_number: &str,
        original_session: Option<&str>,
        invoice_hash: &str,
    ) -> Result<DuplicateCheck> {
        let number = KsefNumber::new(original_ksef_number).map_err(|source| Error::Identifier {
            value: original_ksef_number.to_owned(),
            source,
        })?;
        let original = self.download_invoice(&number).await?;
        Ok(if original.sha256 == invoice_hash {
            DuplicateCheck::SameInvoice {
                ksef_number: number,
                original_session: original_session.map(str::to_owned),
            }
        } else {
            DuplicateCheck::DifferentInvoice {
                original_ksef_number: number,
                original_hash: original.sha256,
            }
        })
    }

    /// For an invoice status: `None` unless it is a 440 naming its original; otherwise the
    /// result of [`AuthenticatedClient::check_duplicate`] against `invoice_hash` (the hash of
    /// the file that was sent; defaults to the hash KSeF reports in the status).
    pub async fn check_duplicate_status(
        &self,
        status: &SessionInvoiceStatusResponse,
        invoice_hash: Option<&str>,
    ) -> Result<Option<DuplicateCheck>> {
        let Some((original, session)) = duplicate_original(status) else {
            return Ok(None);
        };
        let hash = invoice_hash
            .or(status.invoice_hash.as_ref().map(|h| h.as_str()))
            .ok_or_else(|| Error::IncompleteAnswer {
                operation: "invoice status",
                reference_number: status.reference_number.as_str().to_owned(),
                status: status.status.code,
                missing: "invoiceHash",
            })?;
        self.check_duplicate(&original, session.as_deref(), hash)
            .await
            .map(Some)
    }
}
