//! Processing of a closed batch session: part hashes, decryption of every part, the whole
//! package's size and hash, unpacking, and every invoice as in online sessions.

use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::sessions::archive::{self, ArchiveError, Limits};
use crate::sessions::batch::part_key;
use crate::sessions::invoice::{Form, ParsedInvoice, Rejection, invoice_status_description};
use crate::sessions::model::{BatchDeclaration, SessionInvoice, SessionKey, SessionKind, Status};
use crate::sessions::process::{self, InvoiceContext};
use crate::storage::sha256_b64;
use ksef_crypto::symmetric::Sha256Hasher;

/// A failure of the whole session: status code and details.
type SessionFailure = (i32, Vec<String>);

/// One invoice file of the package with the outcome of its checks.
struct Checked {
    name: String,
    xml: Vec<u8>,
    hash: String,
    outcome: Result<ParsedInvoice, Rejection>,
}

struct Job {
    key: Option<SessionKey>,
    decl: BatchDeclaration,
    parts: Vec<Option<bytes::Bytes>>,
    ctx: InvoiceContext,
    limits: Limits,
    invoice_limit: u64,
}

/// The decrypted package, spilled to an anonymous temporary file as it is decrypted.
fn decrypt_package(job: &Job) -> Result<std::fs::File, SessionFailure> {
    use std::io::{Seek as _, Write as _};
    let key = job
        .key
        .as_ref()
        .and_then(SessionKey::to_key)
        .ok_or_else(|| (415, Vec::new()))?;
    let declared = u64::try_from(job.decl.file_size).unwrap_or(0);
    let io_failure = |e: std::io::Error| (500, vec![format!("Błąd zapisu paczki: {e}")]);
    let mut package = PackageWriter {
        file: tempfile::tempfile().map_err(io_failure)?,
        hasher: Sha256Hasher::new(),
        cap: declared,
    };
    for (decl, blob) in job.decl.parts.iter().zip(&job.parts) {
        let Some(blob) = blob else {
            return Err((405, vec![format!("Brak części '{}' paczki.", decl.ordinal)]));
        };
        if i64::try_from(blob.len()).ok() != Some(decl.size) || sha256_b64(blob) != decl.hash {
            return Err((
                405,
                vec![format!(
                    "Rozmiar lub skrót części '{}' nie zgadza się z zadeklarowanym.",
                    decl.ordinal
                )],
            ));
        }
        let mut writer = key.decrypting_writer(&mut package);
        let decrypted = writer
            .write_all(blob)
            .and_then(|()| writer.finish().map(drop));
        if let Err(e) = decrypted {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                return Err(size_mismatch());
            }
            return Err((
                435,
                vec![format!(
                    "Nie udało się odszyfrować części '{}'.",
                    decl.ordinal
                )],
            ));
        }
    }
    let PackageWriter {
        mut file, hasher, ..
    } = package;
    let digest = hasher.finish();
    if digest.size != declared {
        return Err(size_mismatch());
    }
    if digest.sha256_base64() != job.decl.file_hash {
        return Err((
            405,
            vec!["Skrót paczki nie zgadza się z zadeklarowanym (fileHash).".into()],
        ));
    }
    file.flush().map_err(io_failure)?;
    file.rewind().map_err(io_failure)?;
    Ok(file)
}

fn size_mismatch() -> SessionFailure {
    (
        405,
        vec!["Rozmiar paczki nie zgadza się z zadeklarowanym (fileSize).".into()],
    )
}

/// Writes decrypted package bytes to a file, hashing them and refusing more than the declared
/// size (`FileTooLarge`).
struct PackageWriter {
    file: std::fs::File,
    hasher: Sha256Hasher,
    cap: u64,
}

impl std::io::Write for PackageWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.hasher.size().saturating_add(buf.len() as u64) > self.cap {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "more than the declared package size",
            ));
        }
        let n = self.file.write(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn check_package(job: &Job) -> Result<Vec<Checked>, SessionFailure> {
    let package = decrypt_package(job)?;
    let entries =
        archive::unpack(package, &job.decl.compression, job.limits).map_err(|e| match e {
            ArchiveError::TooManyEntries(n) => {
                (420, vec![format!("Paczka zawiera więcej niż {n} faktur.")])
            }
            ArchiveError::Corrupt(detail) => (430, vec![detail]),
        })?;
    if entries.len() as u64 > job.invoice_limit {
        return Err((
            420,
            vec![format!(
                "Paczka zawiera {} faktur; limit sesji to {}.",
                entries.len(),
                job.invoice_limit
            )],
        ));
    }
    Ok(entries
        .into_iter()
        .map(|e| {
            let outcome = if e.oversized {
                Err(Rejection::new(
                    430,
                    "Przekroczono dopuszczalny rozmiar faktury.",
                ))
            } else {
                process::evaluate(&e.bytes, &job.ctx)
            };
            Checked {
                hash: sha256_b64(&e.bytes),
                name: e.name,
                xml: e.bytes,
                outcome,
            }
        })
        .collect())
}

/// Processes the closed batch session `reference` (runs in the background).
pub(crate) async fn run(state: AppState, reference: String) {
    let job = {
        let store = state.store();
        let Some(session) = store.sessions.sessions.get(&reference) else {
            return;
        };
        let Some(decl) = session.batch.clone() else {
            return;
        };
        let parts = decl
            .parts
            .iter()
            .map(|p| {
                state
                    .blobs()
                    .get(&part_key(&reference, p.ordinal))
                    .map(|b| b.bytes)
            })
            .collect();
        let config = state.config();
        let context_nip = session.context.nip().map(str::to_owned);
        let attachments_allowed = context_nip
            .as_deref()
            .is_some_and(|nip| crate::state::testdata::attachments_allowed(&store, nip));
        Job {
            key: session.key.clone(),
            ctx: InvoiceContext {
                form: Form::from_code(&session.form_code).unwrap_or(Form::Fa3),
                context_nip,
                kind: SessionKind::Batch,
                correction: false,
                max_bytes: session.max_invoice_bytes,
                max_with_attachments: session.max_invoice_with_attachments_bytes,
                attachments_allowed,
                invoicing_date: session.created,
            },
            limits: Limits {
                max_entries: 10_000,
                max_entry: session
                    .max_invoice_with_attachments_bytes
                    .max(session.max_invoice_bytes),
                max_total: config.max_batch_unpacked_bytes,
            },
            invoice_limit: session.invoice_limit,
            parts,
            decl,
        }
    };
    let offline = job.decl.offline_mode;
    let result = tokio::task::spawn_blocking(move || check_package(&job))
        .await
        .unwrap_or_else(|_| Err((500, vec!["Przetwarzanie paczki nie powiodło się.".into()])));
    let checked = match result {
        Ok(c) => c,
        Err((code, details)) => {
            if let Some(session) = state.store().sessions.sessions.get_mut(&reference) {
                process::set_session_status(session, code, details);
            }
            return;
        }
    };
    let now = OffsetDateTime::now_utc();
    let first = {
        let mut store = state.store();
        let Some(session) = store.sessions.sessions.get_mut(&reference) else {
            return;
        };
        let first = session.invoices.len();
        for (i, c) in checked.iter().enumerate() {
            session.invoices.push(SessionInvoice {
                ordinal: i32::try_from(first + i + 1).unwrap_or(i32::MAX),
                reference: crate::ids::reference_number("EE", now),
                invoice_number: None,
                ksef_number: None,
                invoice_hash: c.hash.clone(),
                file_name: Some(c.name.chars().take(128).collect()),
                invoicing_date: session.created,
                acquisition_date: None,
                permanent_storage_date: None,
                offline,
                status: Status::new(150, invoice_status_description(150)),
                hash_of_corrected: None,
                issue_date: None,
                seller_nip: None,
            });
        }
        first
    };
    for (i, c) in checked.into_iter().enumerate() {
        process::register(&state, &reference, first + i, c.outcome, c.xml, offline);
    }
    {
        let mut store = state.store();
        if let Some(session) = store.sessions.sessions.get_mut(&reference) {
            process::finish(&state, session);
        }
    }
    if let Some(session) = state.store().sessions.sessions.get(&reference)
        && let Some(decl) = &session.batch
    {
        for p in &decl.parts {
            state.blobs().remove(&part_key(&reference, p.ordinal));
        }
    }
}
