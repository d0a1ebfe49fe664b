//! Invoice exports: `POST /invoices/exports` (asynchronous, encrypted packages) and
//! `GET /invoices/exports/{referenceNumber}` (status with pre-signed part URLs).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use ksef_crypto::symmetric::SymmetricKey;
use ksef_model::{
    CompressionType, ExportInvoicesResponse, InvoiceExportRequest, InvoiceExportStatusResponse,
    InvoicePackage, InvoicePackagePart, InvoiceQueryDateType, ReferenceNumber, Sha256HashBase64,
    StatusInfo,
};
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiJson;
use crate::keys::{MinistryKey, Usage};
use crate::pipeline::Caller;
use crate::retrieval::filter::{self, Criteria};
use crate::retrieval::package::{self, Compression, Limits};
use crate::retrieval::{ExportPackage, ExportPart, ExportRecord};

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/invoices/exports", post(start_export))
        .route("/invoices/exports/{referenceNumber}", get(export_status))
}

/// How long a pre-signed part URL stays valid.
const LINK_TTL: time::Duration = time::Duration::hours(1);

fn duration_ms(ms: u64) -> time::Duration {
    time::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
}

fn duration_secs(s: u64) -> time::Duration {
    time::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 2_000))
}

/// The wrapped key, checked as far as possible before accepting the export.
struct WrappedKey {
    encrypted_key: String,
    iv: String,
    candidates: Vec<Arc<MinistryKey>>,
}

fn check_encryption(state: &AppState, req: &InvoiceExportRequest) -> EmuResult<WrappedKey> {
    let enc = &req.encryption;
    let key = enc.encrypted_symmetric_key.decode().map_err(|_| {
        EmuError::validation("Pole encryption.encryptedSymmetricKey nie jest poprawnym Base64.")
    })?;
    if key.is_empty() {
        return Err(EmuError::validation(
            "Pole encryption.encryptedSymmetricKey jest puste.",
        ));
    }
    let iv = enc.initialization_vector.decode().map_err(|_| {
        EmuError::validation("Pole encryption.initializationVector nie jest poprawnym Base64.")
    })?;
    if iv.len() != 16 {
        return Err(EmuError::validation(
            "Wektor inicjalizujący (encryption.initializationVector) musi mieć 16 bajtów.",
        ));
    }
    let candidates = match &enc.public_key_id {
        Some(id) => {
            let key = state
                .keys()
                .by_id(Usage::SymmetricKeyEncryption, id.as_str())
                .ok_or_else(|| {
                    EmuError::bad_request(
                        21470,
                        "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.",
                        [format!("Klucz o identyfikatorze {} nie jest wspierany.", id.as_str())],
                    )
                })?;
            vec![key]
        }
        None => state.keys().usable(Usage::SymmetricKeyEncryption),
    };
    Ok(WrappedKey {
        encrypted_key: enc.encrypted_symmetric_key.as_str().to_owned(),
        iv: enc.initialization_vector.as_str().to_owned(),
        candidates,
    })
}

fn status_info(code: i32, description: &str, details: &[String]) -> StatusInfo {
    let mut s = StatusInfo::new(code, description.to_owned());
    if !details.is_empty() {
        s.details = Some(details.to_vec());
    }
    s
}

async fn start_export(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(request): ApiJson<InvoiceExportRequest>,
) -> EmuResult<(StatusCode, Json<ExportInvoicesResponse>)> {
    let context = caller.context();
    let subject = caller.subject();
    let compression = match &request.compression_type {
        None | Some(CompressionType::Zip) => Compression::Zip,
        Some(CompressionType::TarGz) => Compression::TarGz,
        Some(other) => {
            return Err(EmuError::validation(format!(
                "Nieobsługiwany typ kompresji compressionType: '{}' (dozwolone: Zip, TarGz).",
                other.as_str()
            )));
        }
    };
    if context.nip().is_none() {
        return Err(EmuError::bad_request(
            21181,
            "Nieprawidłowe żądanie eksportu faktur.",
            [format!(
                "Nie można wyeksportować paczki faktur dla wybranego podmiotu ({}) i zalogowanego identyfikatora kontekstu ({}).",
                request.filters.subject_type.as_str(),
                context.kind
            )],
        ));
    }
    let wrapped = check_encryption(&state, &request)?;
    let now = OffsetDateTime::now_utc();
    prune(&state, now);
    let only_metadata = request.only_metadata.unwrap_or(false);
    let validated = filter::validate(&state, request.filters, context.clone(), now)?;

    let reference = crate::ids::reference_number("EH", now);
    let mut record = ExportRecord {
        reference: reference.clone(),
        context: context.clone(),
        subject: subject.clone(),
        created: now,
        status: 100,
        description: "Eksport faktur w toku".to_owned(),
        details: Vec::new(),
        completed: None,
        package: None,
    };
    if validated.is_err() {
        record.status = 420;
        record.description = "Zakres filtrowania wykracza poza dostępny zakres danych".to_owned();
        record.details = vec!["Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy włączonym restrictToPermanentStorageHwmDate.".to_owned()];
        record.completed = Some(now);
    }
    {
        let mut store = state.store();
        let limit = state.config().max_concurrent_exports;
        let running = store
            .exports
            .values()
            .filter(|e| e.in_progress() && e.context == context && e.subject == subject)
            .count();
        if u64::try_from(running).unwrap_or(u64::MAX) >= limit {
            return Err(EmuError::bad_request(
                21182,
                "Osiągnięto limit trwających eksportów.",
                [format!(
                    "Dla uwierzytelnionego podmiotu w bieżącym kontekście osiągnięto maksymalny limit {limit} równoczesnych eksportów faktur. Spróbuj ponownie później."
                )],
            ));
        }
        store.exports.insert(reference.clone(), record);
    }
    if let Ok(criteria) = validated {
        let job = Job {
            state: state.clone(),
            reference: reference.clone(),
            criteria,
            wrapped,
            compression,
            only_metadata,
            ready_at: now + duration_ms(state.config().export_processing_ms),
        };
        tokio::spawn(job.run());
    }
    Ok((
        StatusCode::CREATED,
        Json(ExportInvoicesResponse::new(ReferenceNumber::new_unchecked(
            reference,
        ))),
    ))
}

/// The background work of one export.
struct Job {
    state: AppState,
    reference: String,
    criteria: Criteria,
    wrapped: WrappedKey,
    compression: Compression,
    only_metadata: bool,
    ready_at: OffsetDateTime,
}

/// The final outcome of an export job.
type Outcome = Result<ExportPackage, (i32, String)>;

impl Job {
    async fn run(self) {
        let state = self.state.clone();
        let reference = self.reference.clone();
        let ready_at = self.ready_at;
        let outcome = tokio::task::spawn_blocking(move || self.build())
            .await
            .unwrap_or_else(|e| Err((500, format!("Nieznany błąd ({e})"))));
        let wait = ready_at - OffsetDateTime::now_utc();
        if wait.is_positive() {
            tokio::time::sleep(wait.unsigned_abs()).await;
        }
        let mut store = state.store();
        let Some(record) = store.exports.get_mut(&reference) else {
            return;
        };
        record.completed = Some(OffsetDateTime::now_utc());
        match outcome {
            Ok(package) => {
                record.status = 200;
                record.description = "Eksport faktur zakończony sukcesem".to_owned();
                record.package = Some(package);
            }
            Err((code, description)) => {
                record.status = code;
                record.description = description;
            }
        }
    }

    fn unwrap_key(&self) -> Option<SymmetricKey> {
        self.wrapped.candidates.iter().find_map(|k| {
            k.decrypt
                .unwrap_symmetric_key(&self.wrapped.encrypted_key, &self.wrapped.iv)
                .ok()
        })
    }

    fn build(self) -> Outcome {
        let Some(key) = self.unwrap_key() else {
            return Err((415, "Błąd odszyfrowania dostarczonego klucza".to_owned()));
        };
        let config = self.state.config();
        let candidates = filter::select(&self.state.store(), &self.criteria, false);
        let limits = Limits {
            max_invoices: usize::try_from(config.export_max_invoices).unwrap_or(usize::MAX),
            max_bytes: config.export_max_package_bytes,
            part_size: usize::try_from(config.export_part_size)
                .unwrap_or(usize::MAX)
                .max(1),
        };
        let archive = package::build(
            self.compression,
            &candidates,
            self.only_metadata,
            limits,
            |k| self.state.store().invoices.get(k).map(|r| r.xml.clone()),
        )
        .map_err(|e| (500, format!("Nieznany błąd ({e})")))?;
        let parts = package::split_and_encrypt(&archive.bytes, limits.part_size, &key);
        let mut stored = Vec::with_capacity(parts.len());
        for (i, part) in parts.into_iter().enumerate() {
            let ordinal = i32::try_from(i + 1).unwrap_or(i32::MAX);
            let name = format!(
                "{}-{ordinal:03}.{}.aes",
                self.reference,
                self.compression.extension()
            );
            let blob_key = format!("exports/{}/{name}", self.reference);
            crate::persist::put_blob(&self.state, &blob_key, part.encrypted.clone());
            stored.push(ExportPart {
                ordinal,
                name,
                blob_key,
                size: i64::try_from(part.size).unwrap_or(i64::MAX),
                hash: part.hash,
                encrypted_size: i64::try_from(part.encrypted.len()).unwrap_or(i64::MAX),
                encrypted_hash: part.encrypted_hash,
            });
        }
        let last = archive.included.last();
        let truncated = archive.truncated;
        let date_type = &self.criteria.filters.date_range.date_type;
        let now = OffsetDateTime::now_utc();
        Ok(ExportPackage {
            invoice_count: i64::try_from(archive.included.len()).unwrap_or(i64::MAX),
            size: i64::try_from(archive.bytes.len()).unwrap_or(i64::MAX),
            is_truncated: truncated,
            last_issue_date: last
                .filter(|_| truncated && *date_type == InvoiceQueryDateType::Issue)
                .map(|m| m.issue_date),
            last_invoicing_date: last
                .filter(|_| truncated && *date_type == InvoiceQueryDateType::Invoicing)
                .map(|m| m.invoicing_date),
            last_permanent_storage_date: last
                .filter(|_| truncated && *date_type == InvoiceQueryDateType::PermanentStorage)
                .map(|m| m.permanent_storage_date),
            permanent_storage_hwm_date: self.criteria.hwm_date,
            expires: now.max(self.ready_at) + duration_secs(config.export_package_ttl_secs),
            parts: stored,
            compression: self.compression,
        })
    }
}

/// Drops the packages (and their parts) of exports older than the retention period; the small
/// records stay so that their status answers 410.
fn prune(state: &AppState, now: OffsetDateTime) {
    let retention = duration_secs(state.config().export_retention_secs);
    let keys: Vec<String> = {
        let mut store = state.store();
        store
            .exports
            .values_mut()
            .filter(|e| now > e.created + retention)
            .filter_map(|e| e.package.take())
            .flat_map(|p| p.parts.into_iter().map(|part| part.blob_key))
            .collect()
    };
    for key in keys {
        crate::persist::remove_blob(state, &key);
    }
}

fn not_found() -> EmuError {
    EmuError::bad_request(
        21175,
        "Wynik zapytania o podanym identyfikatorze nie istnieje.",
        [],
    )
}

async fn export_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<Json<InvoiceExportStatusResponse>> {
    let context = caller.context();
    let now = OffsetDateTime::now_utc();
    let record = state
        .store()
        .exports
        .get(&reference)
        .filter(|e| e.context == context)
        .cloned()
        .ok_or_else(not_found)?;
    if now > record.created + duration_secs(state.config().export_retention_secs) {
        return Err(EmuError::gone("Operacja wygasła i nie jest już dostępna."));
    }
    let mut response = InvoiceExportStatusResponse::new(status_info(
        record.status,
        &record.description,
        &record.details,
    ));
    response.completed_date = record.completed;
    let Some(package) = record.package else {
        return Ok(Json(response));
    };
    response.package_expiration_date = Some(package.expires);
    if now >= package.expires {
        for part in &package.parts {
            crate::persist::remove_blob(&state, &part.blob_key);
        }
        response.status = status_info(
            210,
            "Eksport faktur wygasł i nie jest już dostępny do pobrania",
            &[],
        );
        return Ok(Json(response));
    }
    let link_expires = (now + LINK_TTL).min(package.expires);
    let parts = package
        .parts
        .iter()
        .map(|p| {
            InvoicePackagePart::new(
                p.ordinal,
                p.name.clone(),
                "GET".to_owned(),
                crate::storage::presign(&state, "GET", &p.blob_key, link_expires),
                p.size,
                Sha256HashBase64::new_unchecked(p.hash.clone()),
                p.encrypted_size,
                Sha256HashBase64::new_unchecked(p.encrypted_hash.clone()),
                link_expires,
            )
        })
        .collect();
    let mut out = InvoicePackage::new(
        package.invoice_count,
        package.size,
        parts,
        package.is_truncated,
        package.compression.wire(),
    );
    out.last_issue_date = package.last_issue_date;
    out.last_invoicing_date = package.last_invoicing_date;
    out.last_permanent_storage_date = package.last_permanent_storage_date;
    out.permanent_storage_hwm_date = package.permanent_storage_hwm_date;
    response.package = Some(out);
    Ok(Json(response))
}
