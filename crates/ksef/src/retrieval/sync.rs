//! Incremental synchronisation of invoices with the high-water mark (HWM), as the documentation
//! prescribes: exports by `PermanentStorage` date restricted to the HWM, one continuation point
//! per subject type, windows that touch without overlapping, the next start taken from
//! `lastPermanentStorageDate` when a package was truncated and from `permanentStorageHwmDate`
//! otherwise, and deduplication by KSeF number.
//!
//! The state is a small JSON file written atomically after each package, *after* the package's
//! invoices are in place: a crashed or restarted sync repeats at most the last package, and the
//! files are keyed by KSeF number, so the directory converges to exactly the server's set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ksef_batch::unpack::UnpackLimits;
use ksef_model::{
    CompressionType, InvoiceMetadata, InvoiceQueryDateRange, InvoiceQueryDateType,
    InvoiceQueryFilters, InvoiceQuerySubjectType,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};
use crate::retrieval::PackageProblem;

/// The persisted progress of a sync.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncState {
    /// Continuation point per subject type (`Subject1`, `Subject2`, …).
    pub points: BTreeMap<String, OffsetDateTime>,
    /// When each subject type was last exported.
    pub last_run: BTreeMap<String, OffsetDateTime>,
    /// KSeF numbers already delivered.
    pub seen: BTreeSet<String>,
}

impl SyncState {
    /// Loads the state, or an empty one when the file does not exist yet.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::InvalidInput(format!("bad sync state {}: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::io(path)(e)),
        }
    }

    /// Saves the state atomically (temporary file + rename), owner-only.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_json(path, self, crate::fsutil::Access::OwnerOnly)
    }
}

/// A newly synchronised invoice.
#[derive(Debug, Clone)]
pub struct SyncedInvoice {
    /// Its metadata.
    pub metadata: InvoiceMetadata,
    /// The subject type it was found under.
    pub subject_type: String,
    /// Where its XML was written.
    pub path: PathBuf,
}

/// Settings of [`IncrementalSync`].
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Subject types to follow (default: Subject1, Subject2, Subject3).
    pub subject_types: Vec<InvoiceQuerySubjectType>,
    /// Where a subject type starts when it has no continuation point yet.
    pub start: OffsetDateTime,
    /// Least time between two runs of one subject type (default 15 minutes; the API allows 20
    /// exports per hour in total).
    pub min_interval: Duration,
    /// Unpacking limits.
    pub limits: UnpackLimits,
    /// Parts downloaded at once.
    pub concurrency: usize,
    /// How long to wait for one export.
    pub export_timeout: Duration,
}

impl SyncOptions {
    /// Defaults, starting at `start`.
    pub fn starting_at(start: OffsetDateTime) -> Self {
        Self {
            subject_types: vec![
                InvoiceQuerySubjectType::Subject1,
                InvoiceQuerySubjectType::Subject2,
                InvoiceQuerySubjectType::Subject3,
            ],
            start,
            min_interval: Duration::from_secs(15 * 60),
            limits: UnpackLimits::default(),
            concurrency: 4,
            export_timeout: Duration::from_secs(600),
        }
    }
}

/// Incremental sync into a directory: `{dir}/{subjectType}/{ksefNumber}.xml` plus a
/// `{ksefNumber}.json` with the metadata, and the state in `{dir}/.ksef-sync.json`.
#[derive(Debug)]
pub struct IncrementalSync {
    client: AuthenticatedClient,
    dir: PathBuf,
    options: SyncOptions,
    state: SyncState,
    /// Held (an OS file lock on `.ksef-sync.lock`) while this value lives, so that two syncs
    /// into one directory cannot interleave; the OS releases it if the process dies.
    _lock: std::fs::File,
}

/// Takes the directory's lock file (`.ksef-sync.lock`) without waiting.
fn lock_dir(dir: &std::path::Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    let path = dir.join(".ksef-sync.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(Error::io(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked {
            path,
            what: "another sync",
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(path)(e)),
    }
}

impl IncrementalSync {
    /// Opens (or starts) a sync into `dir`, creating it if needed. Only one sync at a time may
    /// use a directory: while this value lives it holds a lock, and a second `open` of the same
    /// directory (in any process) fails with [`Error::Locked`].
    pub fn open(
        client: AuthenticatedClient,
        dir: impl Into<PathBuf>,
        options: SyncOptions,
    ) -> Result<Self> {
        let dir = dir.into();
        let lock = lock_dir(&dir)?;
        let state = SyncState::load(&dir.join(".ksef-sync.json"))?;
        Ok(Self {
            client,
            dir,
            options,
            state,
            _lock: lock,
        })
    }

    /// The current state.
    pub fn state(&self) -> &SyncState {
        &self.state
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join(".ksef-sync.json")
    }

    /// Runs one round: for every subject type due (see `min_interval`), exports from its
    /// continuation point up to the HWM — several packages while truncated — and stores the new
    /// invoices. Returns the invoices new in this round.
    pub async fn run_once(&mut self) -> Result<Vec<SyncedInvoice>> {
        let mut new = Vec::new();
        for subject in self.options.subject_types.clone() {
            let key = subject.as_str().to_owned();
            let due =
                self.state.last_run.get(&key).is_none_or(|last| {
                    OffsetDateTime::now_utc() - *last >= self.options.min_interval
                });
            if !due {
                continue;
            }
            new.extend(self.sync_subject(&subject).await?);
        }
        Ok(new)
    }

    async fn sync_subject(
        &mut self,
        subject: &InvoiceQuerySubjectType,
    ) -> Result<Vec<SyncedInvoice>> {
        let key = subject.as_str().to_owned();
        let mut new = Vec::new();
        loop {
            let from = self
                .state
                .points
                .get(&key)
                .copied()
                .unwrap_or(self.options.start);
            let mut range =
                InvoiceQueryDateRange::new(InvoiceQueryDateType::PermanentStorage, from);
            range.restrict_to_permanent_storage_hwm_date = Some(true);
            let filters = InvoiceQueryFilters::new(subject.clone(), range);
            let export = self
                .client
                .start_export(filters, false, CompressionType::Zip)
                .await?;
            let package = export.wait(self.options.export_timeout).await?;
            let staging = tempfile::Builder::new()
                .prefix(".ksef-sync-")
                .tempdir_in(ensure_dir(&self.dir)?)
                .map_err(Error::io(&self.dir))?;
            let contents = export
                .download(
                    &package,
                    staging.path(),
                    &self.options.limits,
                    self.options.concurrency,
                )
                .await?;
            let subject_dir = self.dir.join(&key);
            ensure_dir(&subject_dir)?;
            // The metadata files are written as one batch: one flush of the file system for
            // the whole package instead of two `fsync`s per invoice.
            let metadata_files = crate::fsutil::DurableBatch::new();
            let unpacked: std::collections::HashMap<&str, &ksef_batch::unpack::UnpackedFile> =
                contents
                    .files
                    .iter()
                    .map(|f| (f.name.as_str(), f))
                    .collect();
            for meta in &contents.metadata {
                let number = meta.ksef_number.as_str().to_owned();
                if self.state.seen.contains(&number) {
                    continue;
                }
                let name = format!("{number}.xml");
                let Some(file) = unpacked.get(name.as_str()) else {
                    return Err(Error::ExportPackage(PackageProblem::MissingFile(name)));
                };
                let path = subject_dir.join(&name);
                let json_path = subject_dir.join(format!("{number}.json"));
                crate::fsutil::stage_json(
                    &metadata_files,
                    &json_path,
                    meta,
                    crate::fsutil::Access::Shared,
                )?;
                // The unpacker made the file durable before naming it; only its new name
                // remains, made durable by the commit below.
                std::fs::rename(&file.path, &path).map_err(Error::io(&path))?;
                self.state.seen.insert(number);
                new.push(SyncedInvoice {
                    metadata: meta.clone(),
                    subject_type: key.clone(),
                    path,
                });
            }
            let next = match (
                package.is_truncated,
                package.last_permanent_storage_date,
                package.permanent_storage_hwm_date,
            ) {
                (true, Some(last), _) => last,
                (_, _, Some(hwm)) => hwm,
                (false, _, None) => from,
                (true, None, None) => {
                    return Err(Error::IncompleteAnswer {
                        operation: "export status",
                        reference_number: export.reference_number().as_str().to_owned(),
                        status: ksef_model::status::invoice_export::READY,
                        missing: "lastPermanentStorageDate",
                    });
                }
            };
            // The files are durable before the state that records them. Every invoice renamed
            // into the subject directory above staged its metadata there too, so the commit's
            // flush of that directory also makes the invoices' new names durable.
            metadata_files.commit().map_err(Error::io(&subject_dir))?;
            self.state.points.insert(key.clone(), next);
            self.state
                .last_run
                .insert(key.clone(), OffsetDateTime::now_utc());
            self.state.save(&self.state_path())?;
            drop(staging);
            if !package.is_truncated {
                return Ok(new);
            }
        }
    }
}

fn ensure_dir(path: &Path) -> Result<&Path> {
    std::fs::create_dir_all(path).map_err(Error::io(path))?;
    Ok(path)
}
