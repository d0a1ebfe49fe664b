//! Exports: schedule with a fresh key, wait, download the parts in parallel, verify every
//! part's encrypted and plain size and hash, decrypt, concatenate and unpack safely.
//!
//! The package is unpacked while its parts arrive: each part is decrypted into its place in one
//! plaintext file and raises its watermark there ([`ksef_batch::arrival`]); an unpacking thread
//! reads the file in order as far as the watermarks allow, walks the ZIP's local headers and
//! inflates and stages the entries on all cores. Nothing gets its name before every part has
//! passed its size and hash checks and the ZIP's central directory has been checked against the
//! local headers ([`ksef_batch::unpack::stage_zip_arriving`]); a failed part stops the unpacker
//! and removes what it staged.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use std::sync::Arc;

use ksef_batch::arrival::Arrivals;
use ksef_batch::unpack::{UnpackLimits, UnpackedFile, stage_tar_gz, stage_zip_arriving};
use ksef_crypto::symmetric::{FileDigest, SymmetricKey};
use ksef_http::{TransportError, TransportErrorKind, UrlRequest};
use ksef_model::{
    CompressionType, InvoiceExportRequest, InvoiceMetadata, InvoicePackage, InvoicePackagePart,
    InvoiceQueryFilters, ReferenceNumber,
};

use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};

/// What went wrong with one part of an export package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartProblem {
    /// The downloaded (encrypted) bytes have another size than announced.
    #[error("encrypted size {actual} instead of {expected}")]
    EncryptedSize {
        /// Announced.
        expected: u64,
        /// Received.
        actual: u64,
    },
    /// The downloaded bytes have another hash than announced.
    #[error("encrypted hash {actual} instead of {expected}")]
    EncryptedHash {
        /// Announced.
        expected: String,
        /// Received.
        actual: String,
    },
    /// The part does not decrypt (bad padding, truncated).
    #[error("does not decrypt: {0}")]
    Decrypt(String),
    /// The decrypted bytes have another size than announced.
    #[error("plain size {actual} instead of {expected}")]
    PlainSize {
        /// Announced.
        expected: u64,
        /// Decrypted.
        actual: u64,
    },
    /// The status announces a negative size for the part.
    #[error("announced size {0} is negative")]
    NegativeSize(i64),
    /// The decrypted bytes have another hash than announced.
    #[error("plain hash {actual} instead of {expected}")]
    PlainHash {
        /// Announced.
        expected: String,
        /// Decrypted.
        actual: String,
    },
}

/// A scheduled export.
#[derive(Debug)]
pub struct Export {
    client: AuthenticatedClient,
    reference: ReferenceNumber,
    key: SymmetricKey,
    compression: CompressionType,
    only_metadata: bool,
}

/// The contents of a downloaded export.
#[derive(Debug, Clone)]
pub struct ExportContents {
    /// The package description from the status (truncation, HWM, last dates).
    pub package: InvoicePackage,
    /// The invoice files written (`{ksefNumber}.xml`), `_metadata.json` excluded.
    pub files: Vec<UnpackedFile>,
    /// The metadata of `_metadata.json`.
    pub metadata: Vec<InvoiceMetadata>,
}

impl AuthenticatedClient {
    /// `POST /invoices/exports`: schedules an export of the invoices matching `filters`,
    /// encrypted with a fresh key.
    pub async fn start_export(
        &self,
        filters: InvoiceQueryFilters,
        only_metadata: bool,
        compression: CompressionType,
    ) -> Result<Export> {
        let key = SymmetricKey::generate();
        let started = self
            .client()
            .with_current_keys(|| async {
                let encryption = self.client().session_encryption(&key).await?;
                let mut body = InvoiceExportRequest::new(encryption, filters.clone());
                body.only_metadata = Some(only_metadata);
                if compression != CompressionType::Zip {
                    body.compression_type = Some(compression.clone());
                }
                self.invoices().export(body).send().await
            })
            .await?;
        Ok(Export {
            client: self.clone(),
            reference: started.reference_number,
            key,
            compression,
            only_metadata,
        })
    }
}

const POLL: Duration = Duration::from_secs(1);

fn hash_b64(d: &FileDigest) -> String {
    d.sha256_base64()
}

impl Export {
    /// The export reference number.
    pub fn reference_number(&self) -> &ReferenceNumber {
        &self.reference
    }

    /// Waits until the package is ready (200); the failure statuses (210 expired, 415 key
    /// error, 420 `from` beyond the HWM, 500, 550) become [`Error::ExportFailed`].
    pub async fn wait(&self, timeout: Duration) -> Result<InvoicePackage> {
        use ksef_model::status::invoice_export as export;
        let what = crate::WaitingFor::Export;
        let pace = crate::waiting::Pace::every(POLL);
        crate::waiting::poll(what, self.reference.as_str(), timeout, pace, || async {
            let status = self
                .client
                .invoices()
                .export_status(self.reference.clone())
                .send()
                .await?;
            match status.status.code {
                export::IN_PROGRESS => Ok(None),
                export::READY => status
                    .package
                    .map(Some)
                    .ok_or_else(|| Error::IncompleteAnswer {
                        operation: "export status",
                        reference_number: self.reference.as_str().to_owned(),
                        status: export::READY,
                        missing: "package",
                    }),
                code => Err(Error::ExportFailed {
                    reference_number: self.reference.as_str().to_owned(),
                    kind: crate::ExportFailure::from_code(code),
                    code,
                    description: status.status.description,
                }),
            }
        })
        .await
    }

    /// Downloads, verifies, decrypts and unpacks `package` into `target`.
    pub async fn download(
        &self,
        package: &InvoicePackage,
        target: &Path,
        limits: &UnpackLimits,
        concurrency: usize,
    ) -> Result<ExportContents> {
        let contents = if self.only_metadata {
            Contents::MetadataOnly
        } else {
            Contents::Invoices
        };
        Download {
            package,
            key: &self.key,
            compression: self.compression.clone(),
            target,
            limits,
            concurrency,
            contents,
        }
        .run(self.client.client())
        .await
    }
}

/// Chunks of a part queued between the download and the decrypting thread.
const PART_QUEUE: usize = 8;

/// Downloads one part (number `index` of `arrivals`) and, in the same pass, hashes and decrypts
/// it into `out` at the part's place in the package, raising its watermark in `arrivals` as the
/// plain bytes are written; then checks the encrypted size and hash, the decryption and the
/// plain size and hash, in that order. Nothing encrypted is spooled: each byte is received,
/// hashed, decrypted and written once.
async fn fetch_part(
    client: &crate::Client,
    part: &InvoicePackagePart,
    key: &SymmetricKey,
    out: &Path,
    (arrivals, index): (&Arc<Arrivals>, usize),
    helper_threads: bool,
) -> Result<()> {
    let ordinal = part.ordinal_number;
    let expected = u64::try_from(part.encrypted_part_size).unwrap_or(0);
    let method = http::Method::from_bytes(part.method.as_bytes()).unwrap_or(http::Method::GET);
    let response = client
        .http()
        .send_to_url(UrlRequest {
            method,
            url: part.url.clone(),
            headers: Vec::new(),
            body: ksef_http::Body::Empty,
        })
        .await?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(out)
        .map_err(Error::io(out))?;
    file.seek(SeekFrom::Start(arrivals.start(index)))
        .map_err(Error::io(out))?;
    let file = arrivals.writer(index, file);
    let key = SymmetricKey::from_parts(*key.key_bytes(), *key.iv());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(PART_QUEUE);
    // Hashing and decryption run on a blocking thread, fed by the download; the decrypting
    // writer hashes both the ciphertext and the plaintext.
    let worker = tokio::task::spawn_blocking(move || {
        let mut writer = key
            .decrypting_writer(file)
            .with_parallel_hashing(helper_threads);
        let mut failed = None;
        while let Some(chunk) = rx.blocking_recv() {
            // After a failed write the rest is still received, so that its size is checked.
            if failed.is_none()
                && let Err(e) = writer.write_all(&chunk)
            {
                failed = Some(e);
            }
        }
        match failed {
            Some(e) => Err(e),
            None => writer.finish_verifying(),
        }
    });
    let mut stream = response.body.into_stream();
    let mut received = 0u64;
    let mut download = Ok(());
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => {
                received += chunk.len() as u64;
                // Never more than announced: the plain bytes would run into the next part.
                if received > expected || tx.send(chunk).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                let source = TransportError::new(TransportErrorKind::Body, e.to_string());
                let operation = "export part download";
                download = Err(Error::Http(ksef_http::Error::Transport {
                    operation,
                    source,
                }));
                break;
            }
        }
    }
    drop(tx);
    let finished = worker.await.map_err(|source| Error::WorkerStopped {
        task: "export part decryption",
        source,
    })?;
    download?;
    let fail = |problem| Err(Error::ExportPart { ordinal, problem });
    if received != expected {
        return fail(PartProblem::EncryptedSize {
            expected,
            actual: received,
        });
    }
    let (got, decrypted) = finished.map_err(Error::io(out))?;
    if hash_b64(&got) != part.encrypted_part_hash.as_str() {
        return fail(PartProblem::EncryptedHash {
            expected: part.encrypted_part_hash.as_str().to_owned(),
            actual: hash_b64(&got),
        });
    }
    let plain = match decrypted {
        Ok((_, plain)) => plain,
        Err(e) => return fail(PartProblem::Decrypt(e.to_string())),
    };
    if plain.size != part.part_size as u64 {
        return fail(PartProblem::PlainSize {
            expected: part.part_size as u64,
            actual: plain.size,
        });
    }
    if hash_b64(&plain) != part.part_hash.as_str() {
        return fail(PartProblem::PlainHash {
            expected: part.part_hash.as_str().to_owned(),
            actual: hash_b64(&plain),
        });
    }
    Ok(())
}

/// Downloads an export package whose key the caller holds: fetches the parts (pre-signed URLs,
/// no token) `concurrency` at a time, verifies each part's encrypted size and hash, decrypts each
/// part separately and checks its plain size and hash — a mismatch names the part — while the
/// concatenation is unpacked safely into `target` as it arrives (the files are named only once
/// every part is verified), then reads `_metadata.json`.
pub async fn download_package(
    client: &crate::Client,
    package: &InvoicePackage,
    key: &SymmetricKey,
    compression: CompressionType,
    target: &Path,
    limits: &UnpackLimits,
    concurrency: usize,
) -> Result<ExportContents> {
    Download {
        package,
        key,
        compression,
        target,
        limits,
        concurrency,
        contents: Contents::Invoices,
    }
    .run(client)
    .await
}

/// What an export package holds besides `_metadata.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contents {
    /// `{ksefNumber}.xml` for every invoice of the metadata.
    Invoices,
    /// Nothing (`onlyMetadata` exports).
    MetadataOnly,
}

/// One download of an export package: what is downloaded, with which key, and how it is
/// unpacked and checked.
struct Download<'a> {
    package: &'a InvoicePackage,
    key: &'a SymmetricKey,
    compression: CompressionType,
    /// The directory the invoices are unpacked into.
    target: &'a Path,
    limits: &'a UnpackLimits,
    /// Parts downloaded at once.
    concurrency: usize,
    contents: Contents,
}

impl Download<'_> {
    /// Downloads and verifies every part, unpacks the package and checks its contents.
    async fn run(self, client: &crate::Client) -> Result<ExportContents> {
        let Self {
            package,
            key,
            compression,
            target,
            limits,
            concurrency,
            contents,
        } = self;
        let work = tempfile::Builder::new()
            .prefix("ksef-export-")
            .tempdir()
            .map_err(Error::io(std::env::temp_dir()))?;
        let mut parts = package.parts.clone();
        parts.sort_by_key(|p| p.ordinal_number);
        // Each part is decrypted straight into its place in the package: part k starts where the
        // plain sizes of the parts before it end.
        let sizes = parts
            .iter()
            .map(|p| {
                u64::try_from(p.part_size).map_err(|_| Error::ExportPart {
                    ordinal: p.ordinal_number,
                    problem: PartProblem::NegativeSize(p.part_size),
                })
            })
            .collect::<Result<Vec<u64>>>()?;
        let arrivals = Arrivals::new(&sizes);
        // However this download ends (an error, a cancelled future), an unpacker still waiting
        // for bytes is woken and stops.
        let _abandon = Abandon(Arc::clone(&arrivals));
        let plain_path = work.path().join("package");
        std::fs::File::create(&plain_path).map_err(Error::io(&plain_path))?;
        // The package is unpacked while its parts arrive; the files stay staged (unnamed) until
        // every part has been verified.
        let reader = std::fs::File::open(&plain_path).map_err(Error::io(&plain_path))?;
        let reader = arrivals.reader(reader);
        let unpacker = tokio::task::spawn_blocking({
            let (archive, target, limits) =
                (plain_path.clone(), target.to_path_buf(), limits.clone());
            move || {
                if compression == CompressionType::TarGz {
                    stage_tar_gz(std::io::BufReader::new(reader), &target, &limits)
                } else {
                    stage_zip_arriving(reader, &archive, &target, &limits)
                }
            }
        });
        // Several parts at once already use the cores; hashing helper threads (and their buffers)
        // only pay off for a lone part.
        let concurrency = concurrency.max(1);
        let helper_threads = concurrency == 1 || parts.len() == 1;
        // Mapped by index, not over references (the future stays `Send` for every lifetime, so
        // a download can be spawned).
        let (parts, plain) = (&parts, &plain_path);
        let fetched = futures::stream::iter(0..parts.len())
            .map(|index| {
                let arrival = (&arrivals, index);
                fetch_part(client, &parts[index], key, plain, arrival, helper_threads)
            })
            .buffer_unordered(concurrency)
            .try_collect::<()>()
            .await;
        if let Err(e) = fetched {
            // A part failed: the unpacker stops, and its staged files are removed before the
            // error is returned. The part's error is the one that counts.
            arrivals.abandon();
            let _ = unpacker.await;
            return Err(e);
        }
        let stopped = |source| Error::WorkerStopped {
            task: "export unpacking",
            source,
        };
        let staged = unpacker.await.map_err(stopped)?.map_err(Error::Unpack)?;
        let unpacked = tokio::task::spawn_blocking(move || {
            // The decrypted package goes before the flush that makes the invoices durable, so
            // that the flush does not write it to disk too.
            drop(work);
            staged.commit()
        })
        .await
        .map_err(stopped)?
        .map_err(Error::Unpack)?;
        let (meta, files): (Vec<UnpackedFile>, Vec<UnpackedFile>) =
            unpacked.into_iter().partition(|f| f.name == METADATA_FILE);
        let metadata = read_metadata(meta.first())?;
        check_contents(package, &metadata, &files, contents)?;
        Ok(ExportContents {
            package: package.clone(),
            files,
            metadata,
        })
    }
}

/// Abandons the arrivals of a download when dropped (see [`Arrivals::abandon`]).
struct Abandon(Arc<Arrivals>);

impl Drop for Abandon {
    fn drop(&mut self) {
        self.0.abandon();
    }
}

/// The name of the metadata file in an export package.
const METADATA_FILE: &str = "_metadata.json";

/// Reads `_metadata.json` (and removes it from the target); a package without one is an error.
fn read_metadata(file: Option<&UnpackedFile>) -> Result<Vec<InvoiceMetadata>> {
    #[derive(serde::Deserialize)]
    struct MetadataFile {
        invoices: Vec<InvoiceMetadata>,
    }
    let file = file.ok_or(Error::ExportPackage(PackageProblem::MissingMetadata))?;
    let bytes = std::fs::read(&file.path).map_err(Error::io(&file.path))?;
    let _ = std::fs::remove_file(&file.path);
    serde_json::from_slice::<MetadataFile>(&bytes)
        .map(|m| m.invoices)
        .map_err(|e| Error::ExportPackage(PackageProblem::BadMetadata(e.to_string())))
}

/// A package is complete only when `_metadata.json` lists exactly `invoiceCount` invoices, each
/// with a valid KSeF number and (unless only the metadata was exported) its `{ksefNumber}.xml`,
/// and there is no other file.
fn check_contents(
    package: &InvoicePackage,
    metadata: &[InvoiceMetadata],
    files: &[UnpackedFile],
    contents: Contents,
) -> Result<()> {
    let fail = |p| Err(Error::ExportPackage(p));
    let announced = u64::try_from(package.invoice_count).unwrap_or(u64::MAX);
    let expected_files = match contents {
        Contents::Invoices => announced,
        Contents::MetadataOnly => 0,
    };
    if metadata.len() as u64 != announced || files.len() as u64 != expected_files {
        return fail(PackageProblem::CountMismatch {
            announced: package.invoice_count,
            metadata: metadata.len(),
            files: files.len(),
        });
    }
    let names: std::collections::HashSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for m in metadata {
        let number = m.ksef_number.as_str();
        if let Err(e) = ksef_crypto::identifiers::KsefNumber::parse(number) {
            return fail(PackageProblem::InvalidKsefNumber {
                ksef_number: number.to_owned(),
                reason: e.to_string(),
            });
        }
        if contents == Contents::Invoices && !names.contains(format!("{number}.xml").as_str()) {
            return fail(PackageProblem::MissingFile(format!("{number}.xml")));
        }
    }
    Ok(())
}

/// Why a downloaded export package is not complete (the window must be exported again).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackageProblem {
    /// There is no `_metadata.json`.
    #[error("the package has no _metadata.json")]
    MissingMetadata,
    /// `_metadata.json` cannot be read.
    #[error("bad _metadata.json: {0}")]
    BadMetadata(String),
    /// The counts of the status, the metadata and the invoice files differ.
    #[error(
        "the status announces {announced} invoice(s), _metadata.json lists {metadata}, the package holds {files} file(s)"
    )]
    CountMismatch {
        /// `invoiceCount` of the status.
        announced: i64,
        /// Entries of `_metadata.json`.
        metadata: usize,
        /// Invoice files in the package.
        files: usize,
    },
    /// A KSeF number in the metadata is not valid (it would become a file name).
    #[error("invalid KSeF number {ksef_number:?} in _metadata.json: {reason}")]
    InvalidKsefNumber {
        /// The text as received.
        ksef_number: String,
        /// Why it is invalid.
        reason: String,
    },
    /// An invoice of the metadata has no file.
    #[error("_metadata.json lists an invoice without its file {0}")]
    MissingFile(String),
}
