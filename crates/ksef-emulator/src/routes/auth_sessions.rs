//! Authentication sessions: list (`GET /auth/sessions`) and termination of the current or a
//! given one (`DELETE /auth/sessions/current`, `DELETE /auth/sessions/{referenceNumber}`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use ksef_model::{
    AuthenticationListItem, AuthenticationListResponse, AuthenticationMethod, ReferenceNumber,
};
use serde::Deserialize;

use super::auth::{method_info, status_info};
use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::pipeline::Caller;
use crate::state::AuthOperation;

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/sessions", get(list_sessions))
        .route("/auth/sessions/current", delete(terminate_current))
        .route("/auth/sessions/{referenceNumber}", delete(terminate))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageQuery {
    page_size: Option<i64>,
}

async fn list_sessions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> EmuResult<Json<AuthenticationListResponse>> {
    let size = usize::try_from(query.page_size.unwrap_or(10)).unwrap_or(0);
    if !(10..=100).contains(&size) {
        return Err(EmuError::validation(
            "pageSize musi mieścić się w zakresie 10–100.",
        ));
    }
    let offset = match headers
        .get("x-continuation-token")
        .and_then(|v| v.to_str().ok())
    {
        None | Some("") => 0,
        Some(t) => t.parse::<usize>().map_err(|_| {
            EmuError::bad_request(
                21418,
                "Przekazany token kontynuacji ma nieprawidłowy format.",
                [],
            )
        })?,
    };
    let store = state.store();
    let context = caller.context();
    let mut ops: Vec<&AuthOperation> = store
        .auth_operations
        .values()
        .filter(|o| o.context == context && o.redeemed)
        .collect();
    ops.sort_by_key(|o| std::cmp::Reverse(o.start));
    let items: Vec<AuthenticationListItem> = ops
        .iter()
        .skip(offset)
        .take(size)
        .map(|op| {
            let mut item = AuthenticationListItem::new(
                op.start,
                AuthenticationMethod::from(op.method.as_str()),
                method_info(&op.method),
                status_info(op),
                ReferenceNumber::new_unchecked(op.reference.clone()),
            );
            item.is_current = Some(op.reference == caller.claims.auth);
            item.is_token_redeemed = Some(op.redeemed);
            item.last_token_refresh_date = op.last_refresh;
            item.refresh_token_valid_until = op.refresh_valid_until;
            item
        })
        .collect();
    let next = offset.saturating_add(items.len());
    let mut response = AuthenticationListResponse::new(items);
    response.continuation_token = (next < ops.len()).then(|| next.to_string());
    Ok(Json(response))
}

fn revoke(state: &AppState, caller: &Caller, reference: &str) -> EmuResult<StatusCode> {
    let mut store = state.store();
    let context = caller.context();
    match store.auth_operations.get_mut(reference) {
        Some(op) if op.context == context => {
            op.revoked = true;
            Ok(StatusCode::NO_CONTENT)
        }
        _ => Err(EmuError::validation(format!(
            "Sesja uwierzytelniania {reference} nie istnieje w bieżącym kontekście."
        ))),
    }
}

async fn terminate_current(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> EmuResult<StatusCode> {
    let reference = caller.claims.auth.clone();
    revoke(&state, &caller, &reference)
}

async fn terminate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<StatusCode> {
    revoke(&state, &caller, &reference)
}
