//! Sending invoices: encrypted online sessions and batch sessions, with resumable state and
//! duplicate-safe retries.
//!
//! ## Duplicate safety
//!
//! A send whose answer is lost (timeout or reset after the request may have reached KSeF, a
//! 5xx, a 2xx that cannot be read — [`ksef_http::Error::may_have_reached_server`]) is never
//! repeated blindly by the transport. [`OnlineSession::send_invoice`] first looks for the invoice
//! among the session's invoices by its SHA-256 and sends again only when KSeF does not hold it;
//! when that cannot be settled the result is [`crate::Error::OutcomeUnknown`], carrying the
//! session and the hash to reconcile with ([`OnlineSession::reconcile_invoice`]).
//!
//! KSeF recognises duplicates by business data (seller NIP, invoice kind, invoice number), not
//! by content, and rejects them with status 440 naming the original. A 440 counts as "already
//! delivered" only when the original stored in KSeF has exactly this file's SHA-256
//! ([`crate::AuthenticatedClient::check_duplicate`], the one place of that rule, used by
//! [`OnlineSession::wait_for_invoice`] and the CLI). A different invoice reusing a number is a
//! rejection ([`InvoiceRejected`]): nothing is ever created twice silently and nothing is
//! reported accepted that KSeF does not hold.

mod batch;
mod batch_flow;
mod duplicate;
mod form;
mod online;
mod state;
mod xml;

pub use batch::{BatchOutcome, BatchSession, BatchStatus, NamedInvoiceStatus};
pub use batch_flow::{BatchOptions, package_from_paths};
pub use duplicate::DuplicateCheck;
pub use form::InvoiceForm;
pub use online::{AcceptedInvoice, InvoiceRejected, OnlineSession, SendOptions, SentInvoice};
pub use state::{BatchSessionState, OnlineSessionState, SentRecord};
pub use xml::InvoiceXml;

/// One page of a session UPO.
#[derive(Debug, Clone)]
pub struct UpoPage {
    /// The UPO reference number.
    pub reference_number: ksef_model::ReferenceNumber,
    /// The UPO XML.
    pub xml: ksef_model::catalogue::RawBody,
}

impl crate::AuthenticatedClient {
    /// Waits until the session `reference` is processed and downloads every page of its UPO —
    /// for a session known only by its reference number (opened by another process or tool).
    pub async fn wait_for_session_upo(
        &self,
        reference: &ksef_model::ReferenceNumber,
        timeout: std::time::Duration,
    ) -> crate::Result<Vec<UpoPage>> {
        session_upo_pages(self, reference, timeout).await
    }
}

/// Waits until the session is processed (status 200 with UPO pages) and downloads every page.
pub(crate) async fn session_upo_pages(
    client: &crate::AuthenticatedClient,
    reference: &ksef_model::ReferenceNumber,
    timeout: std::time::Duration,
) -> crate::Result<Vec<UpoPage>> {
    use ksef_model::status::session;
    let what = crate::WaitingFor::SessionUpo;
    let pace = crate::waiting::Pace::every(std::time::Duration::from_millis(500));
    crate::waiting::poll(what, reference.as_str(), timeout, pace, || async {
        let status = client.sessions().status(reference.clone()).send().await?;
        let pages = status
            .upo
            .as_ref()
            .map(|u| u.pages.clone())
            .unwrap_or_default();
        match status.status.code {
            session::PROCESSED if !pages.is_empty() => {
                let mut out = Vec::with_capacity(pages.len());
                for page in pages {
                    let xml = client
                        .sessions()
                        .session_upo(reference.clone(), page.reference_number.clone())
                        .send()
                        .await?;
                    out.push(UpoPage {
                        reference_number: page.reference_number,
                        xml,
                    });
                }
                Ok(Some(out))
            }
            session::OPEN | session::PROCESSING | session::CLOSED | session::PROCESSED => Ok(None),
            code => Err(crate::Error::SessionFailed {
                reference_number: reference.as_str().to_owned(),
                code,
                description: status.status.description,
                details: status.status.details.unwrap_or_default(),
            }),
        }
    })
    .await
}
