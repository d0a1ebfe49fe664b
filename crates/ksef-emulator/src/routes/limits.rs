//! Limits: the effective session, subject and request limits of the caller, and the TEST
//! endpoints that override and reset them (the rules are in [`crate::state::limits`]);
//! request-limit overrides go to the limiter and change what the pipeline enforces for the
//! caller's context.

use std::collections::HashMap;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use crate::app_state::AppState;
use crate::error::EmuResult;
use crate::extract::{ApiJson, invalid_field};
use crate::limiter::GroupLimits;
use crate::pipeline::Caller;
use crate::state::limits::{
    SessionKindLimits, SessionLimits, effective_session_limits, effective_subject_limits, key,
};

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/limits/context", get(context_limits))
        .route("/limits/subject", get(subject_limits))
        .route("/rate-limits", get(rate_limits))
        .route(
            "/testdata/limits/context/session",
            post(set_session).delete(reset_session),
        )
        .route(
            "/testdata/limits/subject/certificate",
            post(set_subject).delete(reset_subject),
        )
        .route("/testdata/rate-limits", post(set_rate).delete(reset_rate))
        .route("/testdata/rate-limits/production", post(production_rate))
}

fn kind_json(k: &SessionKindLimits) -> Value {
    json!({
        "maxInvoiceSizeInMB": k.max_invoice_size_mb,
        "maxInvoiceWithAttachmentSizeInMB": k.max_invoice_with_attachment_size_mb,
        "maxInvoices": k.max_invoices,
    })
}

async fn context_limits(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let l = effective_session_limits(&state.store(), state.config(), &caller.context());
    Json(json!({
        "onlineSession": kind_json(&l.online),
        "batchSession": kind_json(&l.batch),
        "collectiveIdentifier": {"maxInvoices": l.collective_max_invoices},
    }))
}

async fn subject_limits(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let store = state.store();
    let subject = crate::state::permissions::author_of(&store, &caller.subject());
    let l = effective_subject_limits(&store, &subject);
    Json(json!({
        "enrollment": {"maxEnrollments": l.max_enrollments},
        "certificate": {"maxCertificates": l.max_certificates},
    }))
}

/// The thirteen groups of `ApiRateLimitsOverride` (what `/testdata/rate-limits` sets).
const GROUPS: &[&str] = &[
    "onlineSession",
    "batchSession",
    "invoiceSend",
    "invoiceStatus",
    "sessionList",
    "sessionInvoiceList",
    "sessionMisc",
    "invoiceMetadata",
    "invoiceExport",
    "invoiceExportStatus",
    "invoiceDownload",
    "collectiveIdentifier",
    "other",
];

/// The groups `GET /rate-limits` reports beyond [`GROUPS`] (API 2.9): closing sessions, the
/// anonymous operations and the per-IP global limit.
const REPORTED_ONLY: &[&str] = &[
    "onlineSessionClose",
    "batchSessionClose",
    ksef_model::catalogue::ANONYMOUS_GROUP,
    ksef_model::catalogue::GLOBAL_GROUP,
];

fn who(caller: &Caller) -> String {
    format!("{}:{}", caller.claims.ctx_type, caller.claims.ctx)
}

async fn rate_limits(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let who = who(&caller);
    let mut out = serde_json::Map::new();
    for group in GROUPS.iter().chain(REPORTED_ONLY) {
        // No limit in a window is reported as -1, as the spec's example does.
        let [s, m, h] = state
            .limiter()
            .effective(group, &who)
            .or_else(|| crate::limiter::spec_group_limits(group))
            .unwrap_or([u32::MAX; 3])
            .map(|n| {
                if n == u32::MAX {
                    -1
                } else {
                    i32::try_from(n).unwrap_or(i32::MAX)
                }
            });
        out.insert(
            (*group).to_owned(),
            json!({"perSecond": s, "perMinute": m, "perHour": h}),
        );
    }
    Json(Value::Object(out))
}

/// A count the request carries, within the bounds the spec's schema states (checked by the
/// extractor) or, where it states none, at least 0.
fn count(n: i32, pointer: &str) -> EmuResult<u32> {
    u32::try_from(n).map_err(|_| invalid_field(pointer, "nie może być ujemne."))
}

fn session_kind(size: i32, with_attachment: i32, invoices: i32) -> SessionKindLimits {
    // The generated type's validate() held these to the spec's 0–5, 0–10 and 0–100000.
    let unsigned = |n: i32| u32::try_from(n).unwrap_or(0);
    SessionKindLimits {
        max_invoice_size_mb: unsigned(size),
        max_invoice_with_attachment_size_mb: unsigned(with_attachment),
        max_invoices: unsigned(invoices),
    }
}

async fn set_session(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<ksef_model::SetSessionLimitsRequest>,
) -> EmuResult<()> {
    let (online, batch) = (&body.online_session, &body.batch_session);
    let limits = SessionLimits {
        online: session_kind(
            online.max_invoice_size_in_mb,
            online.max_invoice_with_attachment_size_in_mb,
            online.max_invoices,
        ),
        batch: session_kind(
            batch.max_invoice_size_in_mb,
            batch.max_invoice_with_attachment_size_in_mb,
            batch.max_invoices,
        ),
        collective_max_invoices: u32::try_from(body.collective_identifier.max_invoices)
            .unwrap_or(2),
    };
    state
        .store()
        .limits
        .session
        .insert(key(&caller.context()), limits);
    Ok(())
}

async fn reset_session(State(state): State<AppState>, Extension(caller): Extension<Caller>) {
    state.store().limits.session.remove(&key(&caller.context()));
}

async fn set_subject(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<ksef_model::SetSubjectLimitsRequest>,
) -> EmuResult<()> {
    // `subjectIdentifierType` only describes the caller; its values are checked by the type.
    let enrollments = body.enrollment.and_then(|e| e.max_enrollments);
    let certificates = body.certificate.and_then(|c| c.max_certificates);
    let mut store = state.store();
    let subject = crate::state::permissions::author_of(&store, &caller.subject());
    let mut limits = effective_subject_limits(&store, &subject);
    if let Some(n) = enrollments {
        limits.max_enrollments = u32::try_from(n).unwrap_or(0);
    }
    if let Some(n) = certificates {
        limits.max_certificates = u32::try_from(n).unwrap_or(0);
    }
    store.limits.subject.insert(key(&subject), limits);
    Ok(())
}

async fn reset_subject(State(state): State<AppState>, Extension(caller): Extension<Caller>) {
    let mut store = state.store();
    let subject = crate::state::permissions::author_of(&store, &caller.subject());
    store.limits.subject.remove(&key(&subject));
}

async fn set_rate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<ksef_model::SetRateLimitsRequest>,
) -> EmuResult<()> {
    let r = &body.rate_limits;
    let groups = [
        &r.online_session,
        &r.batch_session,
        &r.invoice_send,
        &r.invoice_status,
        &r.session_list,
        &r.session_invoice_list,
        &r.session_misc,
        &r.invoice_metadata,
        &r.invoice_export,
        &r.invoice_export_status,
        &r.invoice_download,
        &r.collective_identifier,
        &r.other,
    ];
    let mut limits: HashMap<String, GroupLimits> = HashMap::new();
    for (group, values) in GROUPS.iter().zip(groups) {
        let at = |unit: &str| format!("/rateLimits/{group}/{unit}");
        let values = [
            count(values.per_second, &at("perSecond"))?,
            count(values.per_minute, &at("perMinute"))?,
            count(values.per_hour, &at("perHour"))?,
        ];
        limits.insert((*group).to_owned(), values);
    }
    state.limiter().set_overrides(&who(&caller), limits);
    Ok(())
}

async fn reset_rate(State(state): State<AppState>, Extension(caller): Extension<Caller>) {
    state.limiter().clear_overrides(&who(&caller));
}

async fn production_rate(State(state): State<AppState>, Extension(caller): Extension<Caller>) {
    // The spec's `x-rate-limits` are the production values.
    let limits = GROUPS
        .iter()
        .filter_map(|g| crate::limiter::spec_group_limits(g).map(|l| ((*g).to_owned(), l)))
        .collect();
    state.limiter().set_overrides(&who(&caller), limits);
}
