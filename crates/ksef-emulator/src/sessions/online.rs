//! Online (interactive) sessions: open, send an invoice, close.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine as _;
use ksef_model::{
    OpenOnlineSessionRequest, OpenOnlineSessionResponse, ReferenceNumber, SendInvoiceRequest,
    SendInvoiceResponse,
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
use crate::sessions::invoice::{Form, Rejection, invoice_status_description};
use crate::sessions::model::{SessionInvoice, SessionKind, Status};
use crate::sessions::process::{self, InvoiceContext};
use crate::storage::sha256_b64;

/// How long an online session is valid.
const SESSION_TTL: time::Duration = time::Duration::hours(12);

/// `POST /sessions/online`.
pub(crate) async fn open(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<OpenOnlineSessionRequest>,
) -> EmuResult<(StatusCode, Json<OpenOnlineSessionResponse>)> {
    let Some(form) = Form::from_code(&body.form_code) else {
        return Err(EmuError::validation(format!(
            "Nieobsługiwany kod formularza: {}/{}/{}.",
            body.form_code.system_code, body.form_code.schema_version, body.form_code.value
        )));
    };
    check_form_permission(&caller, form)?;
    let key = unwrap_key(&state, &body.encryption)?;
    let now = OffsetDateTime::now_utc();
    let mut session = new_session(
        &state,
        &caller,
        SessionKind::Online,
        body.form_code,
        key,
        now,
    );
    session.valid_until = Some(now + SESSION_TTL);
    let response = OpenOnlineSessionResponse::new(
        ReferenceNumber::new_unchecked(session.reference.clone()),
        now + SESSION_TTL,
    );
    state
        .store()
        .sessions
        .sessions
        .insert(session.reference.clone(), session);
    Ok((StatusCode::CREATED, Json(response)))
}

fn size_error() -> EmuError {
    EmuError::bad_request(
        21402,
        "Nieprawidłowy rozmiar pliku.",
        ["Długość treści nie zgadza się z rozmiarem pliku.".to_owned()],
    )
}

fn hash_error() -> EmuError {
    EmuError::bad_request(
        21403,
        "Nieprawidłowy skrót pliku.",
        ["Skrót treści nie zgadza się ze skrótem pliku.".to_owned()],
    )
}

/// What the checks under the store lock found out about the session.
struct Admitted {
    key: Option<ksef_crypto::symmetric::SymmetricKey>,
    max_bytes: u64,
    max_with_attachments: u64,
    attachments_allowed: bool,
    form: Form,
    context_nip: Option<String>,
}

fn admit(
    state: &AppState,
    caller: &Caller,
    reference: &str,
    body: &SendInvoiceRequest,
) -> EmuResult<Admitted> {
    if body.invoice_size < 1 || body.encrypted_invoice_size < 1 {
        // The spec's `minimum: 1` for both sizes.
        return Err(EmuError::validation(
            "Pola invoiceSize i encryptedInvoiceSize muszą wynosić co najmniej 1.",
        ));
    }
    let now = OffsetDateTime::now_utc();
    let store = state.store();
    let session = store
        .sessions
        .sessions
        .get(reference)
        .filter(|s| s.kind == SessionKind::Online && in_context(s, caller))
        .ok_or_else(|| no_session(reference))?;
    if session.status.code != 100 || session.valid_until.is_some_and(|v| now >= v) {
        return Err(session_state_error(session.status.code, "wysyłkę faktur"));
    }
    if session.invoices.len() as u64 >= session.invoice_limit {
        return Err(EmuError::bad_request(
            21155,
            "Przekroczono dozwoloną liczbę faktur w sesji.",
            [format!(
                "Sesja o numerze referencyjnym {reference} osiągnęła dozwolony limit liczby faktur {}.",
                session.invoice_limit
            )],
        ));
    }
    if let Some(original) = &body.hash_of_corrected_invoice {
        if body.offline_mode != Some(true) {
            return Err(EmuError::validation(
                "Korekta techniczna (hashOfCorrectedInvoice) wymaga offlineMode = true.",
            ));
        }
        if store.sessions.corrections.contains_key(original.as_str()) {
            return Err(EmuError::bad_request(
                21166,
                "Korekta techniczna niedostępna.",
                ["Faktura posiada już przetworzoną prawidłowo korektę techniczną.".to_owned()],
            ));
        }
        if store
            .sessions
            .accepted_hashes
            .contains_key(original.as_str())
        {
            return Err(EmuError::bad_request(
                21167,
                "Status faktury nie pozwala na korektę techniczną.",
                [
                    "Nie można wysłać korekty technicznej do prawidłowo przetworzonej faktury."
                        .to_owned(),
                ],
            ));
        }
    }
    let form = Form::from_code(&session.form_code).unwrap_or(Form::Fa3);
    let context_nip = session.context.nip().map(str::to_owned);
    Ok(Admitted {
        key: session.key.as_ref().and_then(|k| k.to_key()),
        max_bytes: session.max_invoice_bytes,
        max_with_attachments: session.max_invoice_with_attachments_bytes,
        attachments_allowed: context_nip
            .as_deref()
            .is_some_and(|nip| crate::state::testdata::attachments_allowed(&store, nip)),
        form,
        context_nip,
    })
}

/// `POST /sessions/online/{referenceNumber}/invoices`.
pub(crate) async fn send_invoice(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<SendInvoiceRequest>,
) -> EmuResult<(StatusCode, Json<SendInvoiceResponse>)> {
    check_reference(&reference)?;
    let admitted = admit(&state, &caller, &reference, &body)?;
    let encrypted = base64::engine::general_purpose::STANDARD
        .decode(body.encrypted_invoice_content.as_str().trim())
        .map_err(|_| {
            EmuError::validation(
                "Pole encryptedInvoiceContent nie zawiera poprawnych danych Base64.",
            )
        })?;
    if i64::try_from(encrypted.len()).ok() != Some(body.encrypted_invoice_size) {
        return Err(size_error());
    }
    if sha256_b64(&encrypted) != body.encrypted_invoice_hash.as_str() {
        return Err(hash_error());
    }
    let decrypted = admitted
        .key
        .as_ref()
        .and_then(|k| k.decrypt(&encrypted).ok());
    if let Some(plain) = &decrypted {
        if i64::try_from(plain.len()).ok() != Some(body.invoice_size) {
            return Err(size_error());
        }
        if sha256_b64(plain) != body.invoice_hash.as_str() {
            return Err(hash_error());
        }
    }
    let now = OffsetDateTime::now_utc();
    let invoice_reference = crate::ids::reference_number("EE", now);
    let offline_requested = body.offline_mode.unwrap_or(false);
    let hash_of_corrected = body
        .hash_of_corrected_invoice
        .as_ref()
        .map(|h| h.as_str().to_owned());
    let index = {
        let mut store = state.store();
        let session = store
            .sessions
            .sessions
            .get_mut(&reference)
            .ok_or_else(|| no_session(&reference))?;
        if session.status.code != 100 {
            return Err(session_state_error(session.status.code, "wysyłkę faktur"));
        }
        if session.invoices.len() as u64 >= session.invoice_limit {
            return Err(EmuError::bad_request(
                21155,
                "Przekroczono dozwoloną liczbę faktur w sesji.",
                [format!(
                    "Sesja o numerze referencyjnym {reference} osiągnęła dozwolony limit liczby faktur {}.",
                    session.invoice_limit
                )],
            ));
        }
        let index = session.invoices.len();
        session.invoices.push(SessionInvoice {
            ordinal: i32::try_from(index + 1).unwrap_or(i32::MAX),
            reference: invoice_reference.clone(),
            invoice_number: None,
            ksef_number: None,
            invoice_hash: body.invoice_hash.as_str().to_owned(),
            file_name: None,
            invoicing_date: now,
            acquisition_date: None,
            permanent_storage_date: None,
            offline: offline_requested,
            status: Status::new(150, invoice_status_description(150)),
            hash_of_corrected: hash_of_corrected.clone(),
            issue_date: None,
            seller_nip: None,
        });
        session.updated = now;
        index
    };
    let ctx = InvoiceContext {
        form: admitted.form,
        context_nip: admitted.context_nip,
        kind: SessionKind::Online,
        correction: hash_of_corrected.is_some(),
        max_bytes: admitted.max_bytes,
        max_with_attachments: admitted.max_with_attachments,
        attachments_allowed: admitted.attachments_allowed,
        invoicing_date: now,
    };
    let delay = state.config().invoice_processing_ms;
    let task_state = state.clone();
    let task_reference = reference.clone();
    let work = move || {
        let (outcome, xml) = match decrypted {
            Some(xml) => (process::evaluate(&xml, &ctx), xml),
            None => (
                Err(Rejection::new(
                    435,
                    "Nie udało się odszyfrować faktury kluczem sesji.",
                )),
                Vec::new(),
            ),
        };
        process::register(
            &task_state,
            &task_reference,
            index,
            outcome,
            xml,
            offline_requested,
        );
    };
    if delay == 0 {
        work();
    } else {
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            work();
        });
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(SendInvoiceResponse::new(ReferenceNumber::new_unchecked(
            invoice_reference,
        ))),
    ))
}

/// `POST /sessions/online/{referenceNumber}/close`.
pub(crate) async fn close(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<StatusCode> {
    check_reference(&reference)?;
    {
        let mut store = state.store();
        let session = store
            .sessions
            .sessions
            .get_mut(&reference)
            .filter(|s| s.kind == SessionKind::Online && in_context(s, &caller))
            .ok_or_else(|| no_session(&reference))?;
        if session.status.code != 100 {
            return Err(session_state_error(session.status.code, "jej zamknięcie"));
        }
        process::set_session_status(session, 170, Vec::new());
        session.closed = Some(OffsetDateTime::now_utc());
    }
    process::finish_when_processed(state, reference);
    Ok(StatusCode::NO_CONTENT)
}
