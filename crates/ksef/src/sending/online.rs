//! Interactive (online) sessions: each invoice encrypted with the session key and sent alone.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use ksef_crypto::symmetric::{SymmetricKey, sha256_base64};
use ksef_model::catalogue::RawBody;
use ksef_model::rt::Base64Data;
use ksef_model::{
    KsefNumber, OpenOnlineSessionRequest, ReferenceNumber, SendInvoiceRequest,
    SessionInvoiceStatusResponse, Sha256HashBase64,
};

use super::form::InvoiceForm;
use super::state::{KeyMaterial, OnlineSessionState, SentRecord};
use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};

/// Options of one send.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// `offlineMode`: the invoice was issued offline (KOD II on the visualisation).
    pub offline_mode: bool,
    /// `hashOfCorrectedInvoice`: SHA-256 (base64) of the rejected original, for a technical
    /// correction of an offline invoice.
    pub hash_of_corrected_invoice: Option<String>,
}

/// An invoice accepted for processing (`202`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentInvoice {
    /// The invoice reference number in the session.
    pub reference_number: ReferenceNumber,
    /// SHA-256 of the invoice bytes (base64).
    pub invoice_hash: String,
}

/// An invoice KSeF accepted (status 200).
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedInvoice {
    /// The KSeF number.
    pub ksef_number: KsefNumber,
    /// The reference number of the send that produced it (for a duplicate resolved to our
    /// earlier send, the reference of that earlier invoice).
    pub reference_number: ReferenceNumber,
    /// Whether this was a repeated send resolved to the original (see the module docs).
    pub was_duplicate_of_own_send: bool,
    /// The full status.
    pub status: SessionInvoiceStatusResponse,
}

/// KSeF did not accept an invoice.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invoice {reference_number} rejected with status {code}: {description}{}", if details.is_empty() { String::new() } else { format!(" ({})", details.join("; ")) })]
pub struct InvoiceRejected {
    /// The invoice reference number.
    pub reference_number: String,
    /// The status code (405, 410, 415, 430, 435, 440, 450, 500, 550).
    pub code: i32,
    /// Description.
    pub description: String,
    /// Details.
    pub details: Vec<String>,
    /// For 440: the KSeF number of the original.
    pub original_ksef_number: Option<String>,
    /// For 440: the session of the original.
    pub original_session_reference_number: Option<String>,
}

/// An open online session. Close it with [`OnlineSession::close`]; Rust has no async drop, so a
/// session dropped unclosed only logs a warning (it expires on the server after 12 hours) — or
/// use [`AuthenticatedClient::with_online_session`], which always closes.
#[derive(Debug)]
pub struct OnlineSession {
    client: AuthenticatedClient,
    reference: ReferenceNumber,
    form: InvoiceForm,
    key: SymmetricKey,
    sent: Mutex<Vec<SentRecord>>,
    closed: AtomicBool,
}

/// How often invoice statuses are polled.
const POLL: Duration = Duration::from_millis(500);

impl AuthenticatedClient {
    /// `POST /sessions/online`: opens an online session for `form` with a fresh key.
    pub async fn open_online(&self, form: InvoiceForm) -> Result<OnlineSession> {
        let key = SymmetricKey::generate();
        let encryption = super::session_encryption(self.client(), &key).await?;
        let body = OpenOnlineSessionRequest::new(form.form_code(), encryption);
        let opened = self.sessions().online().open(body).send().await?;
        tracing::info!(session = %opened.reference_number, "online session opened");
        Ok(OnlineSession {
            client: self.clone(),
            reference: opened.reference_number,
            form,
            key,
            sent: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        })
    }

    /// Opens an online session, runs `work` with it, and closes it whatever `work` returns.
    /// The closure gets the session behind an `Arc` (clone it into tasks to send concurrently).
    pub async fn with_online_session<T, F, Fut>(&self, form: InvoiceForm, work: F) -> Result<T>
    where
        F: FnOnce(std::sync::Arc<OnlineSession>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let session = std::sync::Arc::new(self.open_online(form).await?);
        let result = work(session.clone()).await;
        let closed = session.close().await;
        let value = result?;
        closed?;
        Ok(value)
    }

    /// Continues an online session saved with [`OnlineSession::state`] (after a fresh login).
    pub fn resume_online(&self, state: OnlineSessionState) -> Result<OnlineSession> {
        Ok(OnlineSession {
            client: self.clone(),
            reference: ReferenceNumber::new(state.reference_number.as_str())
                .map_err(|e| Error::InvalidInput(e.to_string()))?,
            form: state.form,
            key: state.key.key()?,
            sent: Mutex::new(state.sent.clone()),
            closed: AtomicBool::new(false),
        })
    }
}

fn transport_may_have_reached(e: &Error) -> bool {
    matches!(e, Error::Http(ksef_http::Error::Transport { source, .. }) if !source.certainly_not_sent())
        || e.api()
            .is_some_and(|a| matches!(a.status, 502 | 504) || (a.html && a.status >= 500))
}

impl OnlineSession {
    /// The session reference number.
    pub fn reference_number(&self) -> &ReferenceNumber {
        &self.reference
    }

    /// The schema of the session.
    pub fn form(&self) -> InvoiceForm {
        self.form
    }

    /// The state to save for resuming in another process (contains the key: see
    /// [`OnlineSessionState`]).
    pub fn state(&self) -> OnlineSessionState {
        OnlineSessionState {
            reference_number: self.reference.as_str().to_owned(),
            form: self.form,
            key: KeyMaterial::of(&self.key),
            sent: self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }

    /// Encrypts and sends one invoice (XML bytes, UTF-8 without BOM).
    pub async fn send_invoice(&self, xml: &[u8]) -> Result<SentInvoice> {
        self.send_invoice_with(xml, &SendOptions::default()).await
    }

    /// Encrypts and sends one invoice with options. A send whose answer was lost is repeated
    /// once with the same content (see the module docs on duplicate safety).
    pub async fn send_invoice_with(
        &self,
        xml: &[u8],
        options: &SendOptions,
    ) -> Result<SentInvoice> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::InvalidInput("the session is closed".into()));
        }
        let encrypted = self.key.encrypt(xml);
        let plain_hash = sha256_base64(xml);
        let hash =
            |h: &str| Sha256HashBase64::new(h).map_err(|e| Error::InvalidInput(e.to_string()));
        let mut body = SendInvoiceRequest::new(
            hash(&plain_hash)?,
            xml.len() as i64,
            hash(&sha256_base64(&encrypted))?,
            encrypted.len() as i64,
            Base64Data::encode(&encrypted),
        );
        body.offline_mode = Some(options.offline_mode);
        if let Some(corrected) = &options.hash_of_corrected_invoice {
            body.hash_of_corrected_invoice = Some(hash(corrected)?);
        }
        let send = || {
            self.client
                .sessions()
                .online()
                .send(self.reference.clone(), body.clone())
                .send()
        };
        let response = match send().await {
            Err(e) if transport_may_have_reached(&e) => {
                tracing::warn!(session = %self.reference, error = %e, "send answer lost; repeating once (a duplicate is resolved by hash)");
                send().await?
            }
            other => other?,
        };
        let sent = SentInvoice {
            reference_number: response.reference_number,
            invoice_hash: plain_hash,
        };
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(SentRecord {
                reference_number: sent.reference_number.as_str().to_owned(),
                invoice_hash: sent.invoice_hash.clone(),
            });
        Ok(sent)
    }

    /// Sends every invoice and waits for each result, `concurrency` at a time (the client's
    /// throttle keeps the pace within the API's limits). Results come back in input order; a
    /// failed invoice does not stop the others.
    pub async fn send_all(
        &self,
        invoices: &[Vec<u8>],
        concurrency: usize,
        timeout: Duration,
    ) -> Vec<Result<AcceptedInvoice>> {
        use futures::StreamExt as _;
        futures::stream::iter(invoices)
            .map(|xml| async move {
                let sent = self.send_invoice(xml).await?;
                self.wait_for_invoice(&sent, timeout).await
            })
            .buffered(concurrency.max(1))
            .collect()
            .await
    }

    /// `GET /sessions/{ref}/invoices/{invoiceRef}`: the current status of an invoice.
    pub async fn invoice_status(
        &self,
        invoice: &ReferenceNumber,
    ) -> Result<SessionInvoiceStatusResponse> {
        self.client
            .sessions()
            .invoice_status(self.reference.clone(), invoice.clone())
            .send()
            .await
    }

    /// Waits until the invoice has a final status: `Ok` with its KSeF number (status 200, or a
    /// 440 duplicate of an invoice with the same hash sent in this session), otherwise
    /// `Err(Error::Rejected(InvoiceRejected))` with the code, description and details.
    pub async fn wait_for_invoice(
        &self,
        sent: &SentInvoice,
        timeout: Duration,
    ) -> Result<AcceptedInvoice> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let status = self.invoice_status(&sent.reference_number).await?;
            match status.status.code {
                100 | 150 => {
                    if tokio::time::Instant::now() + POLL > deadline {
                        return Err(Error::Unexpected(format!(
                            "invoice {} still processing after {timeout:?}",
                            sent.reference_number
                        )));
                    }
                    tokio::time::sleep(POLL).await;
                }
                200 => {
                    let ksef_number = status.ksef_number.clone().ok_or_else(|| {
                        Error::Unexpected("status 200 without a KSeF number".into())
                    })?;
                    return Ok(AcceptedInvoice {
                        ksef_number,
                        reference_number: sent.reference_number.clone(),
                        was_duplicate_of_own_send: false,
                        status,
                    });
                }
                code => return self.resolve_failure(sent, status, code).await,
            }
        }
    }

    async fn resolve_failure(
        &self,
        sent: &SentInvoice,
        status: SessionInvoiceStatusResponse,
        code: i32,
    ) -> Result<AcceptedInvoice> {
        let ext = status.status.extensions.clone().unwrap_or_default();
        let get = |k: &str| ext.get(k).cloned().flatten();
        let rejected = InvoiceRejected {
            reference_number: sent.reference_number.as_str().to_owned(),
            code,
            description: status.status.description.clone(),
            details: status.status.details.clone().unwrap_or_default(),
            original_ksef_number: get("originalKsefNumber"),
            original_session_reference_number: get("originalSessionReferenceNumber"),
        };
        if code == 440
            && let Some(original) = rejected.original_ksef_number.clone()
            && rejected.original_session_reference_number.as_deref()
                == Some(self.reference.as_str())
        {
            // The original is in this session: accept only if it carries our hash.
            let mut invoices = std::pin::pin!(
                self.client
                    .sessions()
                    .invoices(self.reference.clone())
                    .items()
            );
            while let Some(item) = invoices.try_next().await? {
                let same_number = item
                    .ksef_number
                    .as_ref()
                    .is_some_and(|k| k.as_str() == original);
                if same_number {
                    if item
                        .invoice_hash
                        .as_ref()
                        .is_some_and(|h| h.as_str() == sent.invoice_hash)
                    {
                        tracing::info!(ksef_number = %original, "duplicate of our own earlier send: resolved to the original");
                        return Ok(AcceptedInvoice {
                            ksef_number: item
                                .ksef_number
                                .clone()
                                .ok_or_else(|| Error::Unexpected("no KSeF number".into()))?,
                            reference_number: item.reference_number.clone(),
                            was_duplicate_of_own_send: true,
                            status: item,
                        });
                    }
                    break;
                }
            }
        }
        Err(Error::Rejected(Box::new(rejected)))
    }

    /// `GET …/invoices/{invoiceRef}/upo`: the UPO of one invoice (XML).
    pub async fn upo(&self, invoice: &ReferenceNumber) -> Result<RawBody> {
        self.client
            .sessions()
            .invoice_upo(self.reference.clone(), invoice.clone())
            .send()
            .await
    }

    /// `GET …/invoices/ksef/{ksefNumber}/upo`: the UPO of one invoice by KSeF number (XML).
    pub async fn upo_by_ksef_number(&self, ksef_number: &KsefNumber) -> Result<RawBody> {
        self.client
            .sessions()
            .invoice_upo_by_ksef_number(self.reference.clone(), ksef_number.clone())
            .send()
            .await
    }

    /// The session's invoices (all pages).
    pub fn invoices(
        &self,
    ) -> impl futures::Stream<Item = Result<SessionInvoiceStatusResponse>> + Send + 'static {
        self.client
            .sessions()
            .invoices(self.reference.clone())
            .items()
    }

    /// The session's failed invoices (all pages).
    pub fn failed_invoices(
        &self,
    ) -> impl futures::Stream<Item = Result<SessionInvoiceStatusResponse>> + Send + 'static {
        self.client
            .sessions()
            .failed_invoices(self.reference.clone())
            .items()
    }

    /// After [`OnlineSession::close`]: waits for the session UPO and downloads its pages (one page
    /// per up to 10,000 invoices).
    pub async fn session_upo(&self, timeout: Duration) -> Result<Vec<super::UpoPage>> {
        super::session_upo_pages(&self.client, &self.reference, timeout).await
    }

    /// `POST /sessions/online/{ref}/close`: closes the session; KSeF then prepares the session UPO.
    pub async fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        self.client
            .sessions()
            .online()
            .close(self.reference.clone())
            .send()
            .await?;
        tracing::info!(session = %self.reference, "online session closed");
        Ok(())
    }
}

impl Drop for OnlineSession {
    fn drop(&mut self) {
        if !self.closed.load(Ordering::SeqCst) {
            tracing::warn!(session = %self.reference, "online session dropped without close(); it stays open on the server until it expires");
        }
    }
}
