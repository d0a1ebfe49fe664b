//! Batch sessions: prepare → open → upload → close → wait → per-invoice results → UPO.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use ksef_batch::upload::{UploadOptions, upload_parts};
use ksef_batch::{
    Compression, NoProgress, PackageBuilder, PackagedInvoice, PreparedPackage, PreparedPart,
    Progress,
};
use ksef_crypto::symmetric::SymmetricKey;
use ksef_model::{
    OpenBatchSessionRequest, PartUploadRequest, ReferenceNumber, SessionInvoiceStatusResponse,
    SessionStatusResponse,
};
use time::OffsetDateTime;

use super::form::InvoiceForm;
use super::state::{
    BatchSessionState, KeyMaterial, SavedDigest, SavedInvoice, SavedPart, SavedUpload,
};
use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};
use ksef_model::status::session;

/// A batch session: the prepared package, the open session and what was uploaded. `Debug`
/// shows the upload URLs without their signatures.
pub struct BatchSession {
    client: AuthenticatedClient,
    reference: ReferenceNumber,
    package: PreparedPackage,
    requests: Vec<PartUploadRequest>,
    state: Arc<Mutex<BatchSessionState>>,
    state_file: Option<PathBuf>,
    valid_until: Mutex<Option<OffsetDateTime>>,
}

impl std::fmt::Debug for BatchSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let urls: Vec<String> = self
            .requests
            .iter()
            .map(|r| ksef_http::redact_presigned_url(&r.url))
            .collect();
        f.debug_struct("BatchSession")
            .field("reference", &self.reference)
            .field("package", &self.package)
            .field("upload_urls", &urls)
            .field("state", &self.state)
            .field("state_file", &self.state_file)
            .finish_non_exhaustive()
    }
}

/// The final status of a batch session.
#[derive(Debug, Clone)]
pub struct BatchStatus {
    /// The session status as returned (counters, UPO pages).
    pub status: SessionStatusResponse,
}

/// The status of one invoice of a batch, with the caller's name for it.
#[derive(Debug, Clone)]
pub struct NamedInvoiceStatus {
    /// The entry name in the package, resolved through the invoice hash.
    pub name: Option<String>,
    /// The status as returned.
    pub status: SessionInvoiceStatusResponse,
}

/// The result of [`AuthenticatedClient::submit_batch`].
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    /// The session reference number.
    pub reference_number: ReferenceNumber,
    /// The final session status.
    pub status: SessionStatusResponse,
    /// Every invoice with its status.
    pub invoices: Vec<NamedInvoiceStatus>,
}

impl AuthenticatedClient {
    /// Builds the package on a blocking thread (see [`ksef_batch::package`]).
    pub async fn prepare_batch(
        &self,
        builder: PackageBuilder,
        key: &SymmetricKey,
    ) -> Result<PreparedPackage> {
        let key = SymmetricKey::from_parts(*key.key_bytes(), *key.iv());
        tokio::task::spawn_blocking(move || builder.build(&key))
            .await
            .map_err(|source| Error::WorkerStopped {
                task: "package preparation",
                source,
            })?
            .map_err(Error::Batch)
    }

    /// `POST /sessions/batch`: opens a batch session for a prepared package.
    pub async fn open_batch(
        &self,
        form: InvoiceForm,
        package: PreparedPackage,
        key: SymmetricKey,
        offline_mode: bool,
    ) -> Result<BatchSession> {
        if !form.allowed_in_batch() {
            return Err(Error::InvalidInput(format!(
                "{form:?} invoices cannot be sent in a batch session"
            )));
        }
        let opened = self
            .client()
            .with_current_keys(|| async {
                let encryption = self.client().session_encryption(&key).await?;
                let mut body = OpenBatchSessionRequest::new(
                    form.form_code(),
                    package.batch_file_info(),
                    encryption,
                );
                body.offline_mode = Some(offline_mode);
                self.sessions().batch().open(body).send().await
            })
            .await?;
        // The spool stays a temporary directory (removed when the session is dropped, also on
        // an error or a panic) until a state file makes the session resumable.
        let spool_dir = package.dir().to_path_buf();
        let state = BatchSessionState {
            reference_number: opened.reference_number.as_str().to_owned(),
            form,
            offline_mode,
            key: KeyMaterial::of(&key),
            spool_dir,
            tar_gz: package.compression() == Compression::TarGz,
            package: SavedDigest::of(&package.package_digest()),
            parts: package
                .parts()
                .iter()
                .map(|p| SavedPart {
                    ordinal: p.ordinal,
                    file: p.path.clone(),
                    plain: SavedDigest::of(&p.plain),
                    encrypted: SavedDigest::of(&p.encrypted),
                })
                .collect(),
            invoices: package
                .invoices()
                .iter()
                .map(|i| SavedInvoice {
                    name: i.name.clone(),
                    sha256: i.sha256.clone(),
                    size: i.size,
                })
                .collect(),
            uploads: opened
                .part_upload_requests
                .iter()
                .map(|r| SavedUpload {
                    ordinal: r.ordinal_number,
                    method: r.method.clone(),
                    url: r.url.clone(),
                    headers: r
                        .headers
                        .iter()
                        .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                        .collect(),
                })
                .collect(),
            uploaded: Default::default(),
            closed: false,
        };
        tracing::info!(session = %opened.reference_number, parts = package.parts().len(), "batch session opened");
        Ok(BatchSession {
            client: self.clone(),
            reference: opened.reference_number,
            package,
            requests: opened.part_upload_requests,
            state: Arc::new(Mutex::new(state)),
            state_file: None,
            valid_until: Mutex::new(None),
        })
    }

    /// Continues a batch session saved with [`BatchSession::state`] (after a fresh login): the
    /// spooled parts are checked against their recorded hashes and only missing parts are
    /// uploaded by [`BatchSession::upload`].
    pub fn resume_batch(&self, state: BatchSessionState) -> Result<BatchSession> {
        let parts = state
            .parts
            .iter()
            .map(|p| {
                Ok(PreparedPart {
                    ordinal: p.ordinal,
                    path: p.file.clone(),
                    plain: p.plain.digest()?,
                    encrypted: p.encrypted.digest()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let invoices = state
            .invoices
            .iter()
            .map(|i| PackagedInvoice {
                name: i.name.clone(),
                sha256: i.sha256.clone(),
                size: i.size,
            })
            .collect();
        let compression = if state.tar_gz {
            Compression::TarGz
        } else {
            Compression::Zip
        };
        let package = PreparedPackage::reopen(
            state.spool_dir.clone(),
            compression,
            state.package.digest()?,
            parts,
            invoices,
        )
        .map_err(Error::Batch)?;
        let requests = state
            .uploads
            .iter()
            .map(|u| {
                PartUploadRequest::new(
                    u.ordinal,
                    u.method.clone(),
                    u.url.clone(),
                    u.headers
                        .iter()
                        .map(|(k, v)| (k.clone(), Some(v.clone())))
                        .collect(),
                )
            })
            .collect();
        Ok(BatchSession {
            client: self.clone(),
            reference: ReferenceNumber::new(state.reference_number.as_str())
                .map_err(|e| Error::InvalidInput(e.to_string()))?,
            package,
            requests,
            state: Arc::new(Mutex::new(state)),
            state_file: None,
            valid_until: Mutex::new(None),
        })
    }
}

impl BatchSession {
    /// The session reference number.
    pub fn reference_number(&self) -> &ReferenceNumber {
        &self.reference
    }

    /// The logged-in client the session runs on.
    pub fn client(&self) -> &AuthenticatedClient {
        &self.client
    }

    /// The prepared package.
    pub fn package(&self) -> &PreparedPackage {
        &self.package
    }

    /// The state to save for resuming (contains the key: see [`BatchSessionState`]).
    pub fn state(&self) -> BatchSessionState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Keeps `path` up to date with the state after every change (written now, atomically, 0600).
    ///
    /// This makes the session resumable ([`AuthenticatedClient::resume_batch`]), so the spooled
    /// parts are kept from now on until [`BatchSession::finish`]; without a state file they are
    /// removed when the session is dropped.
    pub fn save_state_to(&mut self, path: PathBuf) -> Result<()> {
        self.package.keep();
        self.state().save(&path)?;
        self.state_file = Some(path);
        Ok(())
    }

    fn update(&self, change: impl FnOnce(&mut BatchSessionState)) -> Result<()> {
        record(&self.state, self.state_file.as_deref(), change)
    }

    /// `GET /sessions/{ref}`: the session status now (also remembers its `validUntil`).
    pub async fn status(&self) -> Result<SessionStatusResponse> {
        let status = self
            .client
            .sessions()
            .status(self.reference.clone())
            .send()
            .await?;
        self.remember(&status);
        Ok(status)
    }

    fn remember(&self, status: &SessionStatusResponse) {
        if status.valid_until.is_some() {
            *self.valid_until.lock().unwrap_or_else(|p| p.into_inner()) = status.valid_until;
        }
    }

    /// Until when the session accepts uploads and its close, as last read by
    /// [`BatchSession::status`] or [`BatchSession::wait_for_completion`] (the answer to the
    /// open request carries none, so it is `None` before the first status read).
    pub fn valid_until(&self) -> Option<OffsetDateTime> {
        *self.valid_until.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Uploads every part not uploaded yet with the default [`UploadOptions`] and no progress
    /// reports.
    pub async fn upload_parts(&self) -> Result<()> {
        self.upload(&UploadOptions::default(), Arc::new(NoProgress))
            .await
    }

    /// Uploads the parts not uploaded yet, in parallel, recording each in the state.
    pub async fn upload(&self, options: &UploadOptions, progress: Arc<dyn Progress>) -> Result<()> {
        let done: HashSet<u32> = self.state().uploaded.iter().copied().collect();
        let tracker = Arc::new(RecordingProgress {
            inner: progress,
            state: self.state.clone(),
            state_file: self.state_file.clone(),
        });
        upload_parts(
            self.client.client().http(),
            &self.requests,
            &self.package,
            &done,
            options,
            tracker,
        )
        .await
        .map_err(Error::Batch)?;
        // Every part was recorded by the progress wrapper as it finished (which only warns when
        // the state file cannot be written); save once more so such a failure surfaces here.
        self.update(|_| ())
    }

    /// `POST /sessions/batch/{ref}/close`: closes the session; KSeF starts processing.
    ///
    /// Safe to call again after a close whose answer was lost (a crash, a reset, a 5xx): the
    /// session status is read first, and a session already past "open" (status 150 or later)
    /// counts as closed — as does a close answered with 21180 ("the session status does not
    /// allow the operation") for such a session.
    pub async fn close(&self) -> Result<()> {
        if self.state().closed {
            return Ok(());
        }
        if self.state().uploaded.len() == self.package.parts().len() && self.left_open().await? {
            tracing::info!(session = %self.reference, "batch session already closed (an earlier close was answered too late)");
            return self.update(|s| s.closed = true);
        }
        let closed = self
            .client
            .sessions()
            .batch()
            .close(self.reference.clone())
            .send()
            .await;
        match closed {
            Ok(_) => {}
            Err(e)
                if e.has_code(ksef_model::ExceptionCode::SessionStatusForbidsOperation)
                    || e.may_have_reached_server() =>
            {
                if !self.left_open().await? {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        self.update(|s| s.closed = true)
    }

    /// Whether the session has left the open status (code 150 or later: closed, processing,
    /// processed or failed).
    async fn left_open(&self) -> Result<bool> {
        Ok(self.status().await?.status.code != session::OPEN)
    }

    /// Waits until processing ends: `Ok` for status 200, [`Error::SessionFailed`] for the
    /// failure statuses (405, 415, 420, 430, 435, 440, 445, 500), [`Error::Timeout`] after
    /// `timeout` (see [`AuthenticatedClient::wait_for_batch`]).
    pub async fn wait_for_completion(&self, timeout: Duration) -> Result<BatchStatus> {
        let done = self.client.wait_for_batch(&self.reference, timeout).await?;
        self.remember(&done.status);
        Ok(done)
    }

    fn named(&self, status: SessionInvoiceStatusResponse) -> NamedInvoiceStatus {
        let name = status
            .invoice_hash
            .as_ref()
            .and_then(|h| self.package.invoice_by_hash(h.as_str()))
            .map(|i| i.name.clone())
            .or_else(|| status.invoice_file_name.clone());
        NamedInvoiceStatus { name, status }
    }

    /// Every invoice of the session with its status, named after the package entries.
    pub async fn invoice_statuses(&self) -> Result<Vec<NamedInvoiceStatus>> {
        let all: Vec<SessionInvoiceStatusResponse> = self
            .client
            .sessions()
            .invoices(self.reference.clone())
            .items()
            .try_collect()
            .await?;
        Ok(all.into_iter().map(|s| self.named(s)).collect())
    }

    /// The invoices that were not accepted, named after the package entries.
    pub async fn failed_invoices(&self) -> Result<Vec<NamedInvoiceStatus>> {
        let all: Vec<SessionInvoiceStatusResponse> = self
            .client
            .sessions()
            .failed_invoices(self.reference.clone())
            .items()
            .try_collect()
            .await?;
        Ok(all.into_iter().map(|s| self.named(s)).collect())
    }

    /// Waits for the session UPO and downloads its pages.
    pub async fn session_upo(&self, timeout: Duration) -> Result<Vec<super::UpoPage>> {
        super::session_upo_pages(&self.client, &self.reference, timeout).await
    }

    /// Removes the spooled parts (after the session is processed) and the state file.
    pub fn finish(self) -> Result<()> {
        if let Some(path) = &self.state_file {
            let _ = std::fs::remove_file(path);
        }
        let spool = self.package.dir().to_path_buf();
        self.package.remove().map_err(Error::io(spool))
    }
}

/// Applies `change` to the state and saves it when a state file is set.
fn record(
    state: &Mutex<BatchSessionState>,
    file: Option<&std::path::Path>,
    change: impl FnOnce(&mut BatchSessionState),
) -> Result<()> {
    let snapshot = {
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        change(&mut state);
        state.clone()
    };
    match file {
        Some(path) => snapshot.save(path),
        None => Ok(()),
    }
}

/// Records each completed part in the session state as soon as it is done, so that a crash
/// mid-upload loses at most the parts in flight.
struct RecordingProgress {
    inner: Arc<dyn Progress>,
    state: Arc<Mutex<BatchSessionState>>,
    state_file: Option<PathBuf>,
}

impl Progress for RecordingProgress {
    fn prepared(&self, done: usize, total: usize, bytes: u64) {
        self.inner.prepared(done, total, bytes);
    }
    fn uploaded(&self, ordinal: u32, bytes: u64) {
        self.inner.uploaded(ordinal, bytes);
    }
    fn part_done(&self, ordinal: u32, parts_done: usize, parts_total: usize) {
        if let Err(e) = record(&self.state, self.state_file.as_deref(), |s| {
            s.uploaded.insert(ordinal);
        }) {
            tracing::warn!(error = %e, "cannot save the batch state");
        }
        self.inner.part_done(ordinal, parts_done, parts_total);
    }
    fn part_retry(&self, ordinal: u32, attempt: u32) {
        self.inner.part_retry(ordinal, attempt);
    }
}
