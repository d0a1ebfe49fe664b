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
use crate::extract::ApiJson;
use crate::limiter::GroupLimits;
use crate::pipeline::Caller;
use crate::routes::check;
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
    let l = effective_session_limits(&state.store(), state.config(), &check::context_of(&caller));
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
    let subject = crate::state::permissions::author_of(&store, &check::subject_of(&caller));
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

fn session_kind(body: &Value, name: &str) -> EmuResult<SessionKindLimits> {
    let size = check::req_int(body, &format!("/{name}/maxInvoiceSizeInMB"), 0, 5)?;
    let with_att = check::req_int(
        body,
        &format!("/{name}/maxInvoiceWithAttachmentSizeInMB"),
        0,
        10,
    )?;
    let count = check::req_int(body, &format!("/{name}/maxInvoices"), 0, 100_000)?;
    Ok(SessionKindLimits {
        max_invoice_size_mb: u32::try_from(size).unwrap_or(0),
        max_invoice_with_attachment_size_mb: u32::try_from(with_att).unwrap_or(0),
        max_invoices: u32::try_from(count).unwrap_or(0),
    })
}

async fn set_session(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let collective = check::req_int(&body, "/collectiveIdentifier/maxInvoices", 2, 5000)?;
    let limits = SessionLimits {
        online: session_kind(&body, "onlineSession")?,
        batch: session_kind(&body, "batchSession")?,
        collective_max_invoices: u32::try_from(collective).unwrap_or(2),
    };
    state
        .store()
        .limits
        .session
        .insert(key(&check::context_of(&caller)), limits);
    Ok(())
}

async fn reset_session(State(state): State<AppState>, Extension(caller): Extension<Caller>) {
    state
        .store()
        .limits
        .session
        .remove(&key(&check::context_of(&caller)));
}

async fn set_subject(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    check::opt_enum(
        &body,
        "/subjectIdentifierType",
        &["Nip", "Pesel", "Fingerprint"],
    )?;
    let enrollments = check::opt_int(&body, "/enrollment/maxEnrollments", 0, i64::from(i32::MAX))?;
    let certificates = check::opt_int(
        &body,
        "/certificate/maxCertificates",
        0,
        i64::from(i32::MAX),
    )?;
    let mut store = state.store();
    let subject = crate::state::permissions::author_of(&store, &check::subject_of(&caller));
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
    let subject = crate::state::permissions::author_of(&store, &check::subject_of(&caller));
    store.limits.subject.remove(&key(&subject));
}

async fn set_rate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let mut limits: HashMap<String, GroupLimits> = HashMap::new();
    for group in GROUPS {
        let mut values = [0u32; 3];
        for (slot, unit) in values.iter_mut().zip(["perSecond", "perMinute", "perHour"]) {
            let n = check::req_int(
                &body,
                &format!("/rateLimits/{group}/{unit}"),
                0,
                i64::from(i32::MAX),
            )?;
            *slot = u32::try_from(n).unwrap_or(0);
        }
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
