//! Interactive (online) sessions: each invoice encrypted with the session key and sent alone.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use ksef_crypto::symmetric::{SymmetricKey, sha256_base64};
use ksef_model::catalogue::{Operation as _, RawBody};
use ksef_model::operations::PostSessionsOnlineByReferenceNumberInvoices;
use ksef_model::rt::Base64Data;
use ksef_model::{
    KsefNumber, OpenOnlineSessionRequest, ReferenceNumber, SendInvoiceRequest,
    SessionInvoiceStatusResponse, SessionStatusResponse, Sha256HashBase64,
};
use time::OffsetDateTime;

use super::duplicate::DuplicateCheck;
use super::form::InvoiceForm;
use super::state::{KeyMaterial, OnlineSessionState, SentRecord};
use super::xml::InvoiceXml;
use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};
use ksef_model::status::session_invoice as invoice;

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
    valid_until: Option<OffsetDateTime>,
    state_file: Mutex<Option<PathBuf>>,
    closed: AtomicBool,
}

/// How often invoice statuses are polled.
const POLL: Duration = Duration::from_millis(500);

impl AuthenticatedClient {
    /// `POST /sessions/online`: opens an online session for `form` with a fresh key.
    pub async fn open_online(&self, form: InvoiceForm) -> Result<OnlineSession> {
        let key = SymmetricKey::generate();
        let opened = self
            .client()
            .with_current_keys(|| async {
                let encryption = self.client().session_encryption(&key).await?;
                let body = OpenOnlineSessionRequest::new(form.form_code(), encryption);
                self.sessions().online().open(body).send().await
            })
            .await?;
        tracing::info!(session = %opened.reference_number, "online session opened");
        Ok(OnlineSession {
            client: self.clone(),
            reference: opened.reference_number,
            form,
            key,
            sent: Mutex::new(Vec::new()),
            valid_until: Some(opened.valid_until),
            state_file: Mutex::new(None),
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
            valid_until: state.valid_until,
            state_file: Mutex::new(None),
            closed: AtomicBool::new(false),
        })
    }
}

/// Attempts of one invoice send whose answers are lost (each followed by a look for the invoice
/// among the session's invoices before the next).
const SEND_ATTEMPTS: u32 = 3;

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
            valid_until: self.valid_until,
        }
    }

    /// Keeps `path` up to date with [`OnlineSession::state`]: written now and after every
    /// invoice sent (atomically, mode 0600 — it holds the session key), so that another process
    /// can continue with [`AuthenticatedClient::resume_online`]. Removed by a successful
    /// [`OnlineSession::close`] (a closed session takes no more invoices).
    pub fn save_state_to(&self, path: impl Into<PathBuf>) -> Result<()> {
        let path = path.into();
        self.state().save(&path)?;
        *self.state_file.lock().unwrap_or_else(|p| p.into_inner()) = Some(path);
        Ok(())
    }

    fn state_file(&self) -> Option<PathBuf> {
        self.state_file
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Until when the session accepts invoices (`validUntil` of the open answer; `None` for a
    /// session resumed from a state saved without it).
    pub fn valid_until(&self) -> Option<OffsetDateTime> {
        self.valid_until
    }

    /// `GET /sessions/{ref}`: the session status now (code, invoice counters, UPO once closed).
    pub async fn status(&self) -> Result<SessionStatusResponse> {
        self.client
            .sessions()
            .status(self.reference.clone())
            .send()
            .await
    }

    /// Encrypts and sends one invoice: XML bytes (UTF-8 without BOM) or a typed
    /// `ksef_invoice::Invoice` (see [`InvoiceXml`]).
    pub async fn send_invoice(&self, invoice: &(impl InvoiceXml + ?Sized)) -> Result<SentInvoice> {
        self.send_invoice_with(invoice, &SendOptions::default())
            .await
    }

    /// Encrypts and sends one invoice with options. A send whose answer was lost is repeated
    /// once with the same content (see the module docs on duplicate safety).
    pub async fn send_invoice_with(
        &self,
        invoice: &(impl InvoiceXml + ?Sized),
        options: &SendOptions,
    ) -> Result<SentInvoice> {
        let xml = invoice.invoice_xml();
        let xml: &[u8] = &xml;
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::InvalidInput("the session is closed".into()));
        }
        // Both hashes are computed inside the encryption loop (one pass over each side).
        let (encrypted, digests) = self.key.encrypt_with_digests(xml);
        let plain_hash = digests.plain.sha256_base64();
        let hash =
            |h: &str| Sha256HashBase64::new(h).map_err(|e| Error::InvalidInput(e.to_string()));
        let mut body = SendInvoiceRequest::new(
            hash(&plain_hash)?,
            xml.len() as i64,
            hash(&digests.cipher.sha256_base64())?,
            encrypted.len() as i64,
            Base64Data::encode(&encrypted),
        );
        drop(encrypted);
        body.offline_mode = Some(options.offline_mode);
        if let Some(corrected) = &options.hash_of_corrected_invoice {
            body.hash_of_corrected_invoice = Some(hash(corrected)?);
        }
        // One prepared call, sent again as it is if its answer is lost.
        let call = self
            .client
            .sessions()
            .online()
            .send_invoice(self.reference.clone(), body);
        let mut attempt = 0;
        let reference = loop {
            attempt += 1;
            let lost = match call.send_again().await {
                Ok(response) => break response.reference_number,
                Err(e) if e.may_have_reached_server() => e,
                Err(e) => return Err(e),
            };
            // KSeF may hold the invoice although the answer was lost: look for it by hash
            // before sending again (a repeat that KSeF did take would be a 440 duplicate, which
            // `wait_for_invoice` resolves by hash too — see the module docs).
            tracing::warn!(session = %self.reference, attempt, error = %lost, "send answer lost; looking for the invoice in the session");
            let unknown = |source: Error| Error::OutcomeUnknown {
                operation: PostSessionsOnlineByReferenceNumberInvoices::META.name,
                session_reference: Some(self.reference.as_str().to_owned()),
                invoice_hash: Some(plain_hash.clone()),
                source: Box::new(source),
            };
            match self.find_by_hash(&plain_hash).await {
                Ok(Some(found)) => break found,
                Ok(None) if attempt < SEND_ATTEMPTS => continue,
                Ok(None) => return Err(unknown(lost)),
                Err(lookup) => {
                    tracing::warn!(error = %lookup, "cannot list the session's invoices");
                    return Err(unknown(lost));
                }
            }
        };
        let sent = SentInvoice {
            reference_number: reference,
            invoice_hash: plain_hash,
        };
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(SentRecord {
                reference_number: sent.reference_number.as_str().to_owned(),
                invoice_hash: sent.invoice_hash.clone(),
            });
        if let Some(path) = self.state_file() {
            // KSeF holds the invoice now: a state that cannot be written is reported, but the
            // send is not (the caller would send it again).
            if let Err(e) = self.state().save(&path) {
                tracing::warn!(error = %e, "cannot save the online session state");
            }
        }
        Ok(sent)
    }

    /// The reference number of the session's invoice with SHA-256 `hash`, if KSeF holds one
    /// (the reconciliation of an [`Error::OutcomeUnknown`] send).
    pub async fn find_by_hash(&self, hash: &str) -> Result<Option<ReferenceNumber>> {
        let mut invoices = std::pin::pin!(self.invoices());
        while let Some(item) = invoices.try_next().await? {
            if item
                .invoice_hash
                .as_ref()
                .is_some_and(|h| h.as_str() == hash)
            {
                return Ok(Some(item.reference_number));
            }
        }
        Ok(None)
    }

    /// Sends one invoice whose earlier send ended in [`Error::OutcomeUnknown`]: finds it in the
    /// session by hash when KSeF took it, and sends it otherwise.
    pub async fn reconcile_invoice(
        &self,
        invoice: &(impl InvoiceXml + ?Sized),
        options: &SendOptions,
    ) -> Result<SentInvoice> {
        let xml = invoice.invoice_xml();
        let hash = sha256_base64(&xml);
        match self.find_by_hash(&hash).await? {
            Some(reference_number) => Ok(SentInvoice {
                reference_number,
                invoice_hash: hash,
            }),
            None => self.send_invoice_with(&*xml, options).await,
        }
    }

    /// Sends every invoice and waits for each result, `concurrency` at a time (the client's
    /// throttle keeps the pace within the API's limits). Results come back in input order; a
    /// failed invoice does not stop the others.
    pub async fn send_all(
        &self,
        invoices: &[impl InvoiceXml + Sync],
        concurrency: usize,
        timeout: Duration,
    ) -> Vec<Result<AcceptedInvoice>> {
        use futures::StreamExt as _;
        // Mapped by index, not by reference: a closure taking `&X` would make this future not
        // `Send` "for every lifetime" (a limit of the compiler), so it could not be spawned.
        futures::stream::iter(0..invoices.len())
            .map(|i| {
                let xml = &invoices[i];
                async move {
                    let sent = self.send_invoice(xml).await?;
                    self.wait_for_invoice(&sent, timeout).await
                }
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
    /// 440 duplicate whose original — from this session or an earlier one — is stored with the
    /// same SHA-256 as this invoice; see [`AuthenticatedClient::check_duplicate`]), otherwise
    /// `Err(Error::Rejected(InvoiceRejected))` with the code, description and details.
    pub async fn wait_for_invoice(
        &self,
        sent: &SentInvoice,
        timeout: Duration,
    ) -> Result<AcceptedInvoice> {
        let what = crate::WaitingFor::Invoice;
        let pace = crate::waiting::Pace::every(POLL);
        let reference = sent.reference_number.as_str();
        crate::waiting::poll(what, reference, timeout, pace, || async {
            let status = self.invoice_status(&sent.reference_number).await?;
            match status.status.code {
                invoice::RECEIVED | invoice::PROCESSING => Ok(None),
                invoice::ACCEPTED => {
                    let ksef_number =
                        status
                            .ksef_number
                            .clone()
                            .ok_or_else(|| Error::IncompleteAnswer {
                                operation: "invoice status",
                                reference_number: reference.to_owned(),
                                status: invoice::ACCEPTED,
                                missing: "ksefNumber",
                            })?;
                    Ok(Some(AcceptedInvoice {
                        ksef_number,
                        reference_number: sent.reference_number.clone(),
                        was_duplicate_of_own_send: false,
                        status,
                    }))
                }
                code => self.resolve_failure(sent, status, code).await.map(Some),
            }
        })
        .await
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
        if code == invoice::DUPLICATE
            && let Some(check) = self
                .client
                .check_duplicate_status(&status, Some(&sent.invoice_hash))
                .await?
        {
            match check {
                DuplicateCheck::SameInvoice { ksef_number, .. } => {
                    tracing::info!(ksef_number = %ksef_number, "duplicate of an invoice we delivered before (same hash): resolved to the original");
                    return Ok(AcceptedInvoice {
                        ksef_number,
                        reference_number: sent.reference_number.clone(),
                        was_duplicate_of_own_send: true,
                        status,
                    });
                }
                DuplicateCheck::DifferentInvoice {
                    original_ksef_number,
                    ..
                } => {
                    tracing::warn!(original = %original_ksef_number, "440: the number belongs to a different invoice; this one was rejected");
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
    ///
    /// The session counts as closed only once KSeF confirmed it: after a failure `close` may be
    /// called again. A close whose answer was lost is confirmed through the session status (a
    /// session past status 100 is closed; 21180 answers a close of such a session).
    pub async fn close(&self) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            return Ok(());
        }
        let result = self
            .client
            .sessions()
            .online()
            .close(self.reference.clone())
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(e)
                if e.has_code(ksef_model::ExceptionCode::SessionStatusForbidsOperation)
                    || e.may_have_reached_server() =>
            {
                if self.status().await?.status.code == ksef_model::status::session::OPEN {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        self.closed.store(true, Ordering::SeqCst);
        if let Some(path) = self.state_file()
            && let Err(e) = std::fs::remove_file(&path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, path = %path.display(), "cannot remove the session state file");
        }
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
