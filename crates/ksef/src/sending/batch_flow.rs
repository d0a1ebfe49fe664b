//! Batch sessions in one call ([`AuthenticatedClient::submit_batch`],
//! [`AuthenticatedClient::submit_batch_from_paths`]) or scoped to a closure
//! ([`AuthenticatedClient::with_batch_session`]), and waiting for a batch known only by its
//! reference number ([`AuthenticatedClient::wait_for_batch`]).
//!
//! The spooled parts live in a temporary directory that is removed when the session value goes
//! away — after success, after any error and while a panic unwinds — unless a state file was
//! asked for: then the parts are what resuming needs, so they stay (with the state file) until
//! the session finishes.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ksef_batch::upload::UploadOptions;
use ksef_batch::{InvoiceSource, NoProgress, PackageBuilder, Progress};
use ksef_crypto::symmetric::SymmetricKey;
use ksef_model::ReferenceNumber;

use super::batch::{BatchOutcome, BatchSession, BatchStatus};
use super::form::InvoiceForm;
use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};

/// How often a batch session's status is read while waiting for it.
const BATCH_POLL: Duration = Duration::from_secs(1);

/// Settings of [`AuthenticatedClient::submit_batch`]; every field has a sane default.
#[derive(Clone)]
pub struct BatchOptions {
    /// Part uploads (concurrency, attempts).
    pub upload: UploadOptions,
    /// Progress reports of preparation and upload (default: none).
    pub progress: Option<Arc<dyn Progress>>,
    /// Keep this file up to date with the session state (it holds the session key: written
    /// atomically, mode 0600), so that an interrupted run can be continued with
    /// [`AuthenticatedClient::resume_batch`]. Removed, with the spooled parts, once the session
    /// has finished. Default: none (nothing is left on disk, whatever happens).
    pub state_file: Option<PathBuf>,
    /// How long to wait for KSeF to process the session (default 30 minutes).
    pub timeout: Duration,
    /// `offlineMode`: the invoices were issued offline (default false).
    pub offline_mode: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            upload: UploadOptions::default(),
            progress: None,
            state_file: None,
            timeout: Duration::from_secs(30 * 60),
            offline_mode: false,
        }
    }
}

impl std::fmt::Debug for BatchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchOptions")
            .field("upload", &self.upload)
            .field("progress", &self.progress.as_ref().map(|_| "…"))
            .field("state_file", &self.state_file)
            .field("timeout", &self.timeout)
            .field("offline_mode", &self.offline_mode)
            .finish()
    }
}

/// A package of invoice files: each path is an invoice file, or a directory whose `*.xml` files
/// (not its subdirectories) are taken. The entry names are the file names.
pub fn package_from_paths<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
) -> Result<PackageBuilder> {
    let mut files = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let unreadable =
            |e: std::io::Error| Error::InvalidInput(format!("cannot read {}: {e}", path.display()));
        if std::fs::metadata(path).map_err(unreadable)?.is_dir() {
            files.extend(crate::fsutil::xml_files_in(path).map_err(unreadable)?);
        } else {
            files.push(path.to_path_buf());
        }
    }
    if files.is_empty() {
        return Err(Error::InvalidInput("no invoice files to send".into()));
    }
    Ok(PackageBuilder::new().extend(files.into_iter().map(InvoiceSource::from_file)))
}

impl AuthenticatedClient {
    /// Sends invoice files in one batch session and waits for the result: each path is an
    /// invoice file or a directory of `*.xml` files. A fresh key is made inside; the spooled
    /// parts are removed on every exit path. Uses the [`BatchOptions`] defaults — see
    /// [`AuthenticatedClient::submit_batch`] (with [`package_from_paths`]) for a state file,
    /// progress reports or another timeout.
    ///
    /// ```no_run
    /// # async fn demo(session: ksef::AuthenticatedClient) -> ksef::Result<()> {
    /// let outcome = session.submit_batch_from_paths(ksef::InvoiceForm::Fa3, ["invoices/"]).await?;
    /// for invoice in &outcome.invoices {
    ///     println!("{:?} → {:?}", invoice.name, invoice.status.ksef_number);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn submit_batch_from_paths<P: AsRef<Path>>(
        &self,
        form: InvoiceForm,
        paths: impl IntoIterator<Item = P>,
    ) -> Result<BatchOutcome> {
        let package = package_from_paths(paths)?;
        self.submit_batch(form, package, &BatchOptions::default())
            .await
    }

    /// The whole flow in one call: prepare (with a fresh key), open, upload, close, wait for the
    /// result, and list every invoice's status with its name. With
    /// [`BatchOptions::state_file`] the state is kept up to date so that an interrupted run can
    /// be resumed with [`AuthenticatedClient::resume_batch`]; without one, nothing is left on
    /// disk whatever happens (error, panic, cancellation).
    pub async fn submit_batch(
        &self,
        form: InvoiceForm,
        builder: PackageBuilder,
        options: &BatchOptions,
    ) -> Result<BatchOutcome> {
        let progress = options
            .progress
            .clone()
            .unwrap_or_else(|| Arc::new(NoProgress));
        let key = SymmetricKey::generate();
        let package = self
            .prepare_batch(builder.progress(progress.clone()), &key)
            .await?;
        let mut session = self
            .open_batch(form, package, key, options.offline_mode)
            .await?;
        if let Some(path) = &options.state_file {
            session.save_state_to(path.clone())?;
        }
        session.upload(&options.upload, progress).await?;
        session.close().await?;
        let status = session.wait_for_completion(options.timeout).await?;
        let invoices = session.invoice_statuses().await?;
        let reference_number = session.reference_number().clone();
        session.finish()?;
        Ok(BatchOutcome {
            reference_number,
            status: status.status,
            invoices,
        })
    }

    /// Prepares `builder` with a fresh key, opens a batch session, runs `work` with it (upload
    /// the parts there: [`BatchSession::upload_parts`]) and closes the session whatever `work`
    /// returned; the spooled parts are removed in the end, also after an error or a panic.
    /// Returns what `work` returned; wait for the result afterwards with
    /// [`AuthenticatedClient::wait_for_batch`] (closing starts KSeF's processing).
    ///
    /// A session closed with parts missing is failed by KSeF; one left open by a panic expires.
    pub async fn with_batch_session<T, F, Fut>(
        &self,
        form: InvoiceForm,
        builder: PackageBuilder,
        work: F,
    ) -> Result<T>
    where
        F: FnOnce(Arc<BatchSession>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let key = SymmetricKey::generate();
        let package = self.prepare_batch(builder, &key).await?;
        let session = Arc::new(self.open_batch(form, package, key, false).await?);
        let result = work(session.clone()).await;
        let closed = session.close().await;
        drop(session);
        match (result, closed) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(e)) => Err(e),
            (Err(e), closed) => {
                if let Err(close) = closed {
                    tracing::warn!(error = %close, "closing the batch session after a failure failed too");
                }
                Err(e)
            }
        }
    }

    /// Waits until the batch session `reference` has been processed — one opened by another
    /// process or known only from its reference number: `Ok` for status 200,
    /// [`Error::SessionFailed`] for a failure status, [`Error::Timeout`] after `timeout`.
    pub async fn wait_for_batch(
        &self,
        reference: &ReferenceNumber,
        timeout: Duration,
    ) -> Result<BatchStatus> {
        use ksef_model::status::session;
        let what = crate::WaitingFor::BatchSession;
        let pace = crate::waiting::Pace::every(BATCH_POLL);
        crate::waiting::poll(what, reference.as_str(), timeout, pace, || async {
            let status = self.sessions().status(reference.clone()).send().await?;
            match status.status.code {
                session::OPEN | session::PROCESSING | session::CLOSED => Ok(None),
                session::PROCESSED => Ok(Some(BatchStatus { status })),
                code => Err(Error::SessionFailed {
                    reference_number: reference.as_str().to_owned(),
                    code,
                    description: status.status.description.clone(),
                    details: status.status.details.clone().unwrap_or_default(),
                }),
            }
        })
        .await
    }
}
