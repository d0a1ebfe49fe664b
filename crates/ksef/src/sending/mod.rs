//! Sending invoices: encrypted online sessions and batch sessions, with resumable state and
//! duplicate-safe retries.
//!
//! ## Duplicate safety
//!
//! A send whose answer is lost (timeout or reset after the request may have reached KSeF) is
//! never repeated blindly by the transport. [`OnlineSession::send_invoice`] repeats it itself,
//! with the same bytes: if the first attempt was in fact accepted, KSeF rejects the repeat as a
//! duplicate (status 440) naming the original KSeF number, and [`OnlineSession::wait_for_invoice`]
//! resolves that to the original — but only after checking that the original carries *our*
//! invoice hash. Any other duplicate is a typed error ([`InvoiceRejected`]); nothing is ever
//! created twice silently and nothing is reported accepted that was not.

mod batch;
mod form;
mod online;
mod state;

pub use batch::{BatchOutcome, BatchSession, BatchStatus, NamedInvoiceStatus};
pub use form::InvoiceForm;
pub use online::{AcceptedInvoice, InvoiceRejected, OnlineSession, SendOptions, SentInvoice};
pub use state::{BatchSessionState, OnlineSessionState};

/// Encryption data for the open requests: a fresh key wrapped with the current
/// `SymmetricKeyEncryption` public key.
pub(crate) async fn session_encryption(
    client: &crate::Client,
    key: &ksef_crypto::symmetric::SymmetricKey,
) -> crate::Result<ksef_model::EncryptionInfo> {
    use ksef_model::rt::Base64Data;
    let public = client
        .keys()
        .get(
            client,
            ksef_crypto::public_key::KeyUsage::SymmetricKeyEncryption,
        )
        .await?;
    let wrapped = public
        .wrap_symmetric_key(key)
        .map_err(|e| crate::Error::Crypto(e.to_string()))?;
    let mut info = ksef_model::EncryptionInfo::new(
        Base64Data::from_text(wrapped.encrypted_key_b64),
        Base64Data::from_text(wrapped.iv_b64),
    );
    info.public_key_id = Some(Base64Data::from_text(wrapped.public_key_id));
    Ok(info)
}
