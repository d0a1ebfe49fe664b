//! `GET /sessions`: the sessions of the context, filtered and paged.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use ksef_model::{ReferenceNumber, SessionsQueryResponse, SessionsQueryResponseItem, StatusInfo};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiQuery;
use crate::pipeline::Caller;
use crate::sessions::common::{continuation_token, in_context, page_size, parse_continuation};
use crate::sessions::model::SessionRecord;
use crate::sessions::status::expire;

/// The `CommonSessionStatus` of a status code.
fn common_status(code: i32) -> &'static str {
    match code {
        100 | 150 | 170 => "InProgress",
        200 => "Succeeded",
        440 => "Cancelled",
        _ => "Failed",
    }
}

#[derive(Debug, Default)]
struct Filters {
    session_type: Option<String>,
    reference: Option<String>,
    statuses: Vec<String>,
    ranges: Vec<(&'static str, bool, OffsetDateTime)>,
    page_size: Option<String>,
}

fn parse_filters(pairs: Vec<(String, String)>) -> EmuResult<Filters> {
    let mut f = Filters::default();
    for (k, v) in pairs {
        let range = |field: &'static str,
                     from: bool|
         -> EmuResult<(&'static str, bool, OffsetDateTime)> {
            OffsetDateTime::parse(&v, &Rfc3339)
                .map(|t| (field, from, t))
                .map_err(|_| EmuError::validation(format!("Nieprawidłowa data w parametrze {k}.")))
        };
        match k.as_str() {
            "sessionType" => f.session_type = Some(v.clone()),
            "referenceNumber" => f.reference = Some(v.clone()),
            "statuses" => {
                if !["InProgress", "Succeeded", "Failed", "Cancelled"].contains(&v.as_str()) {
                    return Err(EmuError::validation(format!(
                        "Nieprawidłowy status sesji: {v}."
                    )));
                }
                f.statuses.push(v.clone());
            }
            "pageSize" => f.page_size = Some(v.clone()),
            "dateCreatedFrom" => f.ranges.push(range("created", true)?),
            "dateCreatedTo" => f.ranges.push(range("created", false)?),
            "dateClosedFrom" => f.ranges.push(range("closed", true)?),
            "dateClosedTo" => f.ranges.push(range("closed", false)?),
            "dateModifiedFrom" => f.ranges.push(range("updated", true)?),
            "dateModifiedTo" => f.ranges.push(range("updated", false)?),
            _ => {}
        }
    }
    Ok(f)
}

fn matches(s: &SessionRecord, f: &Filters) -> bool {
    if f.session_type.as_deref() != Some(s.kind.as_str()) {
        return false;
    }
    if f.reference.as_ref().is_some_and(|r| *r != s.reference) {
        return false;
    }
    if !f.statuses.is_empty()
        && !f
            .statuses
            .iter()
            .any(|st| st == common_status(s.status.code))
    {
        return false;
    }
    f.ranges.iter().all(|(field, from, t)| {
        let value = match *field {
            "created" => Some(s.created),
            "closed" => s.closed,
            _ => Some(s.updated),
        };
        match value {
            Some(v) if *from => v >= *t,
            Some(v) => v <= *t,
            None => false,
        }
    })
}

/// `GET /sessions`.
pub(crate) async fn list_sessions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> EmuResult<Json<SessionsQueryResponse>> {
    let filters = parse_filters(pairs)?;
    match filters.session_type.as_deref() {
        Some("Online" | "Batch") => {}
        _ => {
            return Err(EmuError::validation(
                "Parametr sessionType jest wymagany (Online lub Batch).",
            ));
        }
    }
    let size = page_size(filters.page_size.as_deref())?;
    let offset = parse_continuation(
        headers
            .get("x-continuation-token")
            .and_then(|v| v.to_str().ok()),
    )?;
    let claims = &caller.claims;
    let sees_all = claims
        .perms
        .iter()
        .any(|p| p == "Introspection" || p == "EnforcementOperations");
    let now = OffsetDateTime::now_utc();
    let mut store = state.store();
    let mut found: Vec<SessionsQueryResponseItem> = Vec::new();
    for s in store.sessions.sessions.values_mut() {
        if !in_context(s, &caller) {
            continue;
        }
        if !sees_all && (s.creator.kind != claims.sub_type || s.creator.value != claims.sub) {
            continue;
        }
        expire(&state, s, now);
        if !matches(s, &filters) {
            continue;
        }
        let mut status = StatusInfo::new(s.status.code, s.status.description.clone());
        status.details = (!s.status.details.is_empty()).then(|| s.status.details.clone());
        let mut item = SessionsQueryResponseItem::new(
            ReferenceNumber::new_unchecked(s.reference.clone()),
            status,
            s.created,
            s.updated,
            i32::try_from(s.invoices.len()).unwrap_or(i32::MAX),
            i32::try_from(s.successful()).unwrap_or(i32::MAX),
            i32::try_from(s.failed()).unwrap_or(i32::MAX),
        );
        item.valid_until = s.valid_until;
        found.push(item);
    }
    drop(store);
    found.sort_by(|a, b| {
        b.date_created
            .cmp(&a.date_created)
            .then_with(|| b.reference_number.cmp(&a.reference_number))
    });
    let total = found.len();
    let page: Vec<_> = found.into_iter().skip(offset).take(size).collect();
    let mut r = SessionsQueryResponse::new(page);
    if offset.saturating_add(size) < total {
        r.continuation_token = Some(continuation_token(offset.saturating_add(size)));
    }
    Ok(Json(r))
}
