//! Batch sessions: open (with pre-signed part upload URLs) and close.

use std::collections::{BTreeMap, BTreeSet};

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ksef_model::{
    CompressionType, OpenBatchSessionRequest, OpenBatchSessionResponse, PartUploadRequest,
    ReferenceNumber,
};
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiJson;
use crate::pipeline::Caller;
use crate::sessions::common::{
    check_form_permission, check_reference, in_context, new_session, no_session,
    session_state_error, unwrap_key,
};
use crate::sessions::invoice::Form;
use crate::sessions::model::{BatchDeclaration, DeclaredPart, SessionKind};
use crate::sessions::process;

/// Most parts of a package.
const MAX_PARTS: usize = 50;
/// Largest part before encryption.
const MAX_PART_PLAIN: i64 = 100_000_000;
/// Largest package.
const MAX_PACKAGE: i64 = 5_000_000_000;

/// The blob key of an uploaded part.
pub(crate) fn part_key(session: &str, ordinal: i32) -> String {
    format!("batch/{session}/{ordinal}")
}

fn declaration(
    body: &OpenBatchSessionRequest,
    now: OffsetDateTime,
    secs_per_part: u64,
) -> EmuResult<BatchDeclaration> {
    let file = &body.batch_file;
    if file.file_parts.is_empty() {
        return Err(EmuError::validation(
            "Paczka musi mieć co najmniej jedną część.",
        ));
    }
    if file.file_parts.len() > MAX_PARTS {
        return Err(EmuError::bad_request(
            21161,
            "Przekroczono dozwoloną liczbę części pakietu.",
            [format!(
                "Zadeklarowano {} części; dozwolone maksimum to {MAX_PARTS}.",
                file.file_parts.len()
            )],
        ));
    }
    if !(1..=MAX_PACKAGE).contains(&file.file_size) {
        return Err(EmuError::validation(format!(
            "Rozmiar paczki (fileSize) musi mieścić się w zakresie 1–{MAX_PACKAGE}."
        )));
    }
    let compression = match &file.compression_type {
        None | Some(CompressionType::Zip) => "Zip",
        Some(CompressionType::TarGz) => "TarGz",
        Some(CompressionType::Unknown(v)) => {
            return Err(EmuError::validation(format!(
                "Nieobsługiwany typ kompresji: {v}."
            )));
        }
    };
    let mut ordinals = BTreeSet::new();
    for part in &file.file_parts {
        if part.ordinal_number < 1 || !ordinals.insert(part.ordinal_number) {
            return Err(EmuError::validation(format!(
                "Nieprawidłowy lub powtórzony numer części: {}.",
                part.ordinal_number
            )));
        }
        // Encryption adds 1–16 bytes of padding to the part.
        if part.file_size < 1 || part.file_size > MAX_PART_PLAIN + 16 {
            return Err(EmuError::bad_request(
                21157,
                "Nieprawidłowy rozmiar części pakietu.",
                [format!(
                    "Rozmiar części '{}' przekracza dozwolone 100 MB przed zaszyfrowaniem.",
                    part.ordinal_number
                )],
            ));
        }
    }
    let per_part = time::Duration::seconds(i64::try_from(secs_per_part).unwrap_or(1200));
    let count = i32::try_from(file.file_parts.len()).unwrap_or(i32::MAX);
    Ok(BatchDeclaration {
        file_size: file.file_size,
        file_hash: file.file_hash.as_str().to_owned(),
        compression: compression.to_owned(),
        parts: file
            .file_parts
            .iter()
            .map(|p| DeclaredPart {
                ordinal: p.ordinal_number,
                size: p.file_size,
                hash: p.file_hash.as_str().to_owned(),
            })
            .collect(),
        upload_deadline: per_part
            .checked_mul(count)
            .and_then(|d| now.checked_add(d))
            .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc()),
        offline_mode: body.offline_mode.unwrap_or(false),
    })
}

/// `POST /sessions/batch`.
pub(crate) async fn open(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<OpenBatchSessionRequest>,
) -> EmuResult<(StatusCode, Json<OpenBatchSessionResponse>)> {
    if !Form::from_code(&body.form_code).is_some_and(Form::batch_allowed) {
        return Err(EmuError::validation(format!(
            "Kod formularza {}/{}/{} nie jest obsługiwany w sesji wsadowej.",
            body.form_code.system_code, body.form_code.schema_version, body.form_code.value
        )));
    }
    if let Some(form) = Form::from_code(&body.form_code) {
        check_form_permission(&caller, form)?;
    }
    let now = OffsetDateTime::now_utc();
    let decl = declaration(&body, now, state.config().batch_upload_secs_per_part)?;
    let key = unwrap_key(&state, &body.encryption)?;
    let mut session = new_session(
        &state,
        &caller,
        SessionKind::Batch,
        body.form_code.clone(),
        key,
        now,
    );
    let headers = BTreeMap::from([("x-ms-blob-type".to_owned(), Some("BlockBlob".to_owned()))]);
    let requests = decl
        .parts
        .iter()
        .map(|p| {
            PartUploadRequest::new(
                p.ordinal,
                "PUT".to_owned(),
                crate::storage::presign(
                    &state,
                    "PUT",
                    &part_key(&session.reference, p.ordinal),
                    decl.upload_deadline,
                ),
                headers.clone(),
            )
        })
        .collect();
    // A key that cannot be unwrapped fails the batch session only when it is processed (415).
    process::set_session_status(&mut session, 100, Vec::new());
    session.batch = Some(decl);
    let response = OpenBatchSessionResponse::new(
        ReferenceNumber::new_unchecked(session.reference.clone()),
        requests,
    );
    state
        .store()
        .sessions
        .sessions
        .insert(session.reference.clone(), session);
    Ok((StatusCode::CREATED, Json(response)))
}

/// `POST /sessions/batch/{referenceNumber}/close`.
pub(crate) async fn close(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<StatusCode> {
    check_reference(&reference)?;
    let now = OffsetDateTime::now_utc();
    {
        let mut store = state.store();
        let session = store
            .sessions
            .sessions
            .get_mut(&reference)
            .filter(|s| s.kind == SessionKind::Batch && in_context(s, &caller))
            .ok_or_else(|| no_session(&reference))?;
        if session.status.code != 100 {
            return Err(session_state_error(session.status.code, "jej zamknięcie"));
        }
        let Some(decl) = session.batch.clone() else {
            return Err(session_state_error(session.status.code, "jej zamknięcie"));
        };
        if now > decl.upload_deadline {
            process::set_session_status(session, 440, vec!["Przekroczono czas wysyłki".into()]);
            session.closed = Some(now);
            state.close_uploads(&format!("batch/{reference}/"));
            return Err(EmuError::bad_request(
                21208,
                "Czas oczekiwania na requesty upload lub finish został przekroczony.",
                ["Sesja anulowana, przekroczony czas wysyłki.".to_owned()],
            ));
        }
        for part in &decl.parts {
            let Some(blob) = state.blobs().get(&part_key(&reference, part.ordinal)) else {
                return Err(EmuError::bad_request(
                    21205,
                    "Pakiet nie może być pusty.",
                    [format!(
                        "Nie przesłano zadeklarowanej '{}' części pliku.",
                        part.ordinal
                    )],
                ));
            };
            if i64::try_from(blob.bytes.len()).ok() != Some(part.size) {
                return Err(EmuError::bad_request(
                    21157,
                    "Nieprawidłowy rozmiar części pakietu.",
                    [format!(
                        "Zadeklarowany rozmiar części '{}' nie zgadza się z rzeczywistym.",
                        part.ordinal
                    )],
                ));
            }
        }
        state.close_uploads(&format!("batch/{reference}/"));
        process::set_session_status(session, 150, Vec::new());
        session.closed = Some(now);
    }
    let delay = state.config().batch_processing_ms;
    tokio::spawn(async move {
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        crate::sessions::batch_process::run(state, reference).await;
    });
    Ok(StatusCode::NO_CONTENT)
}
