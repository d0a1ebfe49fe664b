//! Session status, session lists, invoice statuses and UPO downloads.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ksef_model::rt::SpecConstrained;
use ksef_model::{
    InvoiceStatusInfo, InvoicingMode, KsefNumber, ReferenceNumber, SessionInvoiceStatusResponse,
    SessionInvoicesResponse, SessionStatusResponse, Sha256HashBase64, StatusInfo, UpoPageResponse,
    UpoResponse,
};
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiQuery;
use crate::pipeline::Caller;
use crate::sessions::common::{
    check_reference, continuation_token, in_context, no_session, page_size, parse_continuation,
};
use crate::sessions::model::{SessionInvoice, SessionKind, SessionRecord, Status};
use crate::sessions::process::{self, UPO_LINK_TTL, invoice_upo_key, session_upo_key};
use crate::storage::{Blob, presign, sha256_b64};

/// How long a batch session may stay open before it is cancelled.
const BATCH_TIMEOUT: time::Duration = time::Duration::hours(12);

/// Closes online sessions whose validity ended and cancels batch sessions left open for 12
/// hours (as KSeF does automatically).
pub(crate) fn expire(state: &AppState, session: &mut SessionRecord, now: OffsetDateTime) {
    if session.kind == SessionKind::Batch
        && session.status.code == 100
        && now >= session.created + BATCH_TIMEOUT
    {
        process::set_session_status(session, 440, vec!["Przekroczono czas wysyłki".into()]);
        session.closed = Some(now);
        state.close_uploads(&format!("batch/{}/", session.reference));
        return;
    }
    if session.kind == SessionKind::Online
        && session.status.code == 100
        && session.valid_until.is_some_and(|v| now >= v)
    {
        process::set_session_status(session, 170, Vec::new());
        session.closed = Some(now);
        if session.all_final() {
            process::finish(state, session);
        } else {
            process::finish_when_processed(state.clone(), session.reference.clone());
        }
    }
}

/// Looks a session of the caller's context up (21173 otherwise), with lazy expiry applied.
pub(crate) fn with_session<T>(
    state: &AppState,
    caller: &Caller,
    reference: &str,
    f: impl FnOnce(&SessionRecord) -> EmuResult<T>,
) -> EmuResult<T> {
    check_reference(reference)?;
    let mut store = state.store();
    let session = store
        .sessions
        .sessions
        .get_mut(reference)
        .filter(|s| in_context(s, caller))
        .ok_or_else(|| no_session(reference))?;
    expire(state, session, OffsetDateTime::now_utc());
    f(session)
}

fn status_info(s: &Status) -> StatusInfo {
    let mut info = StatusInfo::new(s.code, s.description.clone());
    info.details = (!s.details.is_empty()).then(|| s.details.clone());
    info
}

/// `GET /sessions/{referenceNumber}`.
pub(crate) async fn session_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<Json<SessionStatusResponse>> {
    let expires = OffsetDateTime::now_utc() + UPO_LINK_TTL;
    with_session(&state, &caller, &reference, |s| {
        let mut r = SessionStatusResponse::new(status_info(&s.status), s.created, s.updated);
        r.valid_until = s.valid_until;
        r.invoice_count = Some(i32::try_from(s.invoices.len()).unwrap_or(i32::MAX));
        r.successful_invoice_count = Some(i32::try_from(s.successful()).unwrap_or(i32::MAX));
        r.failed_invoice_count = Some(i32::try_from(s.failed()).unwrap_or(i32::MAX));
        for p in &s.upo {
            let key = session_upo_key(&s.reference, &p.reference);
            if state.blobs().get(&key).is_none() {
                put_xml(&state, &key, p.xml.clone());
            }
        }
        if !s.upo.is_empty() {
            r.upo = Some(UpoResponse::new(
                s.upo
                    .iter()
                    .map(|p| {
                        UpoPageResponse::new(
                            ReferenceNumber::new_unchecked(p.reference.clone()),
                            presign(
                                &state,
                                "GET",
                                &session_upo_key(&s.reference, &p.reference),
                                expires,
                            ),
                            expires,
                        )
                    })
                    .collect(),
            ));
        }
        Ok(Json(r))
    })
}

fn invoice_status(
    state: &AppState,
    session: &SessionRecord,
    inv: &SessionInvoice,
) -> SessionInvoiceStatusResponse {
    let mut status = InvoiceStatusInfo::new(inv.status.code, inv.status.description.clone());
    status.details = (!inv.status.details.is_empty()).then(|| inv.status.details.clone());
    status.extensions = (!inv.status.extensions.is_empty()).then(|| {
        inv.status
            .extensions
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect()
    });
    let mut r = SessionInvoiceStatusResponse::new(
        inv.ordinal,
        ReferenceNumber::new_unchecked(inv.reference.clone()),
        inv.invoicing_date,
        status,
    );
    r.invoice_number = inv.invoice_number.clone();
    r.ksef_number = inv.ksef_number.clone().map(KsefNumber::new_unchecked);
    r.invoice_hash = Some(Sha256HashBase64::new_unchecked(inv.invoice_hash.clone()));
    r.invoice_file_name = inv.file_name.clone();
    r.acquisition_date = inv.acquisition_date;
    r.permanent_storage_date = inv.permanent_storage_date;
    r.invoicing_mode = Some(if inv.offline {
        InvoicingMode::Offline
    } else {
        InvoicingMode::Online
    });
    if inv.status.code == 200 {
        let key = invoice_upo_key(&session.reference, &inv.reference);
        if state.blobs().get(&key).is_none()
            && let Some(xml) = signed_invoice_upo(state, session, inv)
        {
            put_xml(state, &key, xml);
        }
        let expires = OffsetDateTime::now_utc() + UPO_LINK_TTL;
        r.upo_download_url = Some(presign(
            state,
            "GET",
            &invoice_upo_key(&session.reference, &inv.reference),
            expires,
        ));
        r.upo_download_url_expiration_date = Some(expires);
    }
    r
}

/// `GET /sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}`.
pub(crate) async fn invoice(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((reference, invoice)): Path<(String, String)>,
) -> EmuResult<Json<SessionInvoiceStatusResponse>> {
    check_reference(&invoice)?;
    with_session(&state, &caller, &reference, |s| {
        let inv = s
            .invoices
            .iter()
            .find(|i| i.reference == invoice)
            .ok_or_else(|| {
                EmuError::validation(format!(
                    "Faktura o numerze referencyjnym {invoice} nie została znaleziona w sesji {reference}."
                ))
            })?;
        Ok(Json(invoice_status(&state, s, inv)))
    })
}

/// `pageSize` of the invoice lists.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    page_size: Option<String>,
}

fn list(
    state: &AppState,
    caller: &Caller,
    reference: &str,
    headers: &HeaderMap,
    query: &PageQuery,
    failed_only: bool,
) -> EmuResult<Json<SessionInvoicesResponse>> {
    let size = page_size(query.page_size.as_deref())?;
    let offset = parse_continuation(
        headers
            .get("x-continuation-token")
            .and_then(|v| v.to_str().ok()),
    )?;
    with_session(state, caller, reference, |s| {
        let matching: Vec<&SessionInvoice> = s
            .invoices
            .iter()
            .filter(|i| !failed_only || i.status.code >= 400)
            .collect();
        let page = matching
            .iter()
            .skip(offset)
            .take(size)
            .map(|i| invoice_status(state, s, i))
            .collect();
        let mut r = SessionInvoicesResponse::new(page);
        if offset.saturating_add(size) < matching.len() {
            r.continuation_token = Some(continuation_token(offset.saturating_add(size)));
        }
        Ok(Json(r))
    })
}

/// `GET /sessions/{referenceNumber}/invoices`.
pub(crate) async fn invoices(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> EmuResult<Json<SessionInvoicesResponse>> {
    list(&state, &caller, &reference, &headers, &query, false)
}

/// `GET /sessions/{referenceNumber}/invoices/failed`.
pub(crate) async fn failed_invoices(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> EmuResult<Json<SessionInvoicesResponse>> {
    list(&state, &caller, &reference, &headers, &query, true)
}

/// The signed UPO of an invoice: the one already issued (stored), else a freshly signed one, so
/// that every download returns the same signed document.
fn signed_invoice_upo(
    state: &AppState,
    session: &SessionRecord,
    inv: &SessionInvoice,
) -> Option<String> {
    let stored = state
        .blobs()
        .get(&invoice_upo_key(&session.reference, &inv.reference))
        .and_then(|b| String::from_utf8(b.bytes.to_vec()).ok());
    stored.or_else(|| crate::sessions::upo::invoice_upo(session, inv, state.keys().upo_signer()))
}

fn put_xml(state: &AppState, key: &str, xml: String) {
    state.blobs().put(
        key,
        Blob {
            bytes: xml.into_bytes().into(),
            content_type: "application/xml".into(),
        },
    );
}

fn xml_response(state: &AppState, key: &str, xml: String) -> Response {
    let hash = sha256_b64(xml.as_bytes());
    put_xml(state, key, xml.clone());
    let mut r = (StatusCode::OK, xml).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    if let Ok(v) = HeaderValue::from_str(&hash) {
        r.headers_mut().insert("x-ms-meta-hash", v);
    }
    r
}

fn no_upo(detail: String) -> EmuError {
    EmuError::bad_request(
        21178,
        "Nie znaleziono UPO dla podanych kryteriów.",
        [detail],
    )
}

/// `GET /sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo`.
pub(crate) async fn invoice_upo(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((reference, invoice)): Path<(String, String)>,
) -> EmuResult<Response> {
    check_reference(&invoice)?;
    let xml = with_session(&state, &caller, &reference, |s| {
        s.invoices
            .iter()
            .find(|i| i.reference == invoice)
            .and_then(|i| signed_invoice_upo(&state, s, i))
            .ok_or_else(|| {
                no_upo(format!(
                    "UPO faktury o numerze referencyjnym {invoice} w sesji {reference} nie zostało znalezione."
                ))
            })
    })?;
    Ok(xml_response(
        &state,
        &invoice_upo_key(&reference, &invoice),
        xml,
    ))
}

/// `GET /sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo`.
pub(crate) async fn invoice_upo_by_ksef(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((reference, ksef)): Path<(String, String)>,
) -> EmuResult<Response> {
    <KsefNumber as SpecConstrained>::check_spec(ksef.as_str())
        .map_err(|e| EmuError::validation(format!("Nieprawidłowy numer KSeF: {e}")))?;
    let (xml, invoice) = with_session(&state, &caller, &reference, |s| {
        s.invoices
            .iter()
            .find(|i| i.ksef_number.as_deref() == Some(ksef.as_str()))
            .and_then(|i| signed_invoice_upo(&state, s, i).map(|x| (x, i.reference.clone())))
            .ok_or_else(|| {
                no_upo(format!(
                    "UPO o numerze KSeF {ksef} i numerze referencyjnym sesji {reference} nie zostało znalezione."
                ))
            })
    })?;
    Ok(xml_response(
        &state,
        &invoice_upo_key(&reference, &invoice),
        xml,
    ))
}

/// `GET /sessions/{referenceNumber}/upo/{upoReferenceNumber}`.
pub(crate) async fn session_upo(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((reference, upo)): Path<(String, String)>,
) -> EmuResult<Response> {
    check_reference(&upo)?;
    let xml = with_session(&state, &caller, &reference, |s| {
        s.upo
            .iter()
            .find(|p| p.reference == upo)
            .map(|p| p.xml.clone())
            .ok_or_else(|| {
                no_upo(format!(
                    "UPO o numerze referencyjnym {upo} dla sesji {reference} nie zostało znalezione."
                ))
            })
    })?;
    Ok(xml_response(
        &state,
        &session_upo_key(&reference, &upo),
        xml,
    ))
}
