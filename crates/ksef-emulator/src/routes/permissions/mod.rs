//! Permissions: the seven grant operations, the two revocations, the eight queries, the status
//! of permission operations and the attachment-permission status.
//!
//! Grants and revocations are asynchronous operations (`EG` reference numbers): the request is
//! validated at once (400/21405), the change is applied after `permission_processing_ms`, and
//! `GET /permissions/operations/{ref}` reports 100 until then and 200 (or a failure) after.
//! Granted permissions are [`GrantRecord`]s in `Store::grants`, so a later login of the subject
//! in the context receives them (`Store::permissions_of`).

mod grants;
mod queries;

use axum::extract::{Path, State};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::pipeline::Caller;
use crate::routes::wire;
use crate::state::permissions::PermissionOperationRecord;
use crate::state::{GrantRecord, Ident, Store};

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/permissions/persons/grants", post(grants::persons))
        .route("/permissions/entities/grants", post(grants::entities))
        .route(
            "/permissions/authorizations/grants",
            post(grants::authorizations),
        )
        .route("/permissions/indirect/grants", post(grants::indirect))
        .route("/permissions/subunits/grants", post(grants::subunits))
        .route(
            "/permissions/eu-entities/administration/grants",
            post(grants::eu_entities_administration),
        )
        .route("/permissions/eu-entities/grants", post(grants::eu_entities))
        .route(
            "/permissions/common/grants/{permissionId}",
            delete(revoke_common),
        )
        .route(
            "/permissions/authorizations/grants/{permissionId}",
            delete(revoke_authorization),
        )
        .route(
            "/permissions/operations/{referenceNumber}",
            get(operation_status),
        )
        .route("/permissions/attachments/status", get(attachment_status))
        .route(
            "/permissions/query/personal/grants",
            post(queries::personal),
        )
        .route("/permissions/query/persons/grants", post(queries::persons))
        .route(
            "/permissions/query/subunits/grants",
            post(queries::subunits),
        )
        .route(
            "/permissions/query/entities/grants",
            post(queries::entities),
        )
        .route(
            "/permissions/query/entities/roles",
            get(queries::entity_roles),
        )
        .route(
            "/permissions/query/subordinate-entities/roles",
            post(queries::subordinate_roles),
        )
        .route(
            "/permissions/query/authorizations/grants",
            post(queries::authorizations),
        )
        .route(
            "/permissions/query/eu-entities/grants",
            post(queries::eu_entities),
        )
}

/// A change to apply when the operation completes.
pub(crate) enum Change {
    /// Add these grants.
    Add(Vec<GrantRecord>),
    /// Remove the grant with this id (if it is still there).
    Remove(String),
}

fn apply(store: &mut Store, change: Change) {
    match change {
        Change::Add(list) => store.grants.extend(list),
        Change::Remove(id) => store.grants.retain(|g| g.id != id),
    }
}

/// Registers an operation whose `change` is applied after the configured processing time;
/// returns the 202 answer.
pub(crate) fn start_operation(
    state: &AppState,
    caller: &Caller,
    change: Change,
) -> (axum::http::StatusCode, Json<Value>) {
    let now = OffsetDateTime::now_utc();
    let reference = crate::ids::reference_number("EG", now);
    let delay_ms = state.config().permission_processing_ms;
    let ready_at = now + time::Duration::milliseconds(i64::try_from(delay_ms).unwrap_or(0));
    let record = PermissionOperationRecord {
        reference: reference.clone(),
        context: caller.context(),
        created: now,
        ready_at,
        outcome: (200, "Operacja zakończona sukcesem".to_owned(), Vec::new()),
    };
    {
        let mut store = state.store();
        store
            .permission_operations
            .insert(reference.clone(), record);
        if delay_ms == 0 {
            apply(&mut store, change);
        } else {
            let state = state.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
                apply(&mut state.store(), change);
            });
        }
    }
    (
        axum::http::StatusCode::ACCEPTED,
        Json(json!({ "referenceNumber": reference })),
    )
}

fn check_permission_id(id: &str) -> EmuResult<()> {
    if id.len() != 36 {
        return Err(EmuError::validation(
            "'permissionId' musi mieć długość 36 znaków.",
        ));
    }
    Ok(())
}

/// Whether a grant was given in (and may be revoked from) the caller's context.
fn granted_in(grant: &GrantRecord, context: &Ident) -> bool {
    let origin = grant
        .extra
        .get("grantedIn")
        .and_then(|v| serde_json::from_value::<Ident>(v.clone()).ok());
    origin.as_ref() == Some(context) || (origin.is_none() && grant.context == *context)
}

async fn revoke_common(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> EmuResult<(axum::http::StatusCode, Json<Value>)> {
    revoke(&state, &caller, &id, false)
}

async fn revoke_authorization(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> EmuResult<(axum::http::StatusCode, Json<Value>)> {
    revoke(&state, &caller, &id, true)
}

fn revoke(
    state: &AppState,
    caller: &Caller,
    id: &str,
    authorization: bool,
) -> EmuResult<(axum::http::StatusCode, Json<Value>)> {
    check_permission_id(id)?;
    let context = caller.context();
    let found = {
        let store = state.store();
        store.grants.iter().any(|g| {
            g.id == id
                && (g.kind == "authorization") == authorization
                && !g.kind.starts_with("testdata")
                && granted_in(g, &context)
        })
    };
    if !found {
        return Err(EmuError::validation(format!(
            "Uprawnienie o identyfikatorze {id} nie istnieje w bieżącym kontekście."
        )));
    }
    Ok(start_operation(
        state,
        caller,
        Change::Remove(id.to_owned()),
    ))
}

async fn operation_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<Json<Value>> {
    if reference.len() != 36 {
        return Err(EmuError::validation(
            "'referenceNumber' musi mieć długość 36 znaków.",
        ));
    }
    let store = state.store();
    let context = caller.context();
    let op = store
        .permission_operations
        .get(&reference)
        .filter(|op| op.context == context)
        .ok_or_else(|| {
            EmuError::validation(format!(
                "Operacja o numerze referencyjnym {reference} nie istnieje."
            ))
        })?;
    if OffsetDateTime::now_utc() < op.ready_at {
        return Ok(Json(json!({"status": {
            "code": 100, "description": "Operacja przyjęta do realizacji"
        }})));
    }
    let (code, description, details) = &op.outcome;
    let mut status = json!({"code": code, "description": description});
    if !details.is_empty() {
        status["details"] = json!(details);
    }
    Ok(Json(json!({ "status": status })))
}

async fn attachment_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let context = caller.context();
    let store = state.store();
    let nip = context.nip().unwrap_or_default().to_owned();
    let record = store.testdata.attachments.get(&nip);
    let allowed = crate::state::testdata::attachments_allowed(&store, &nip);
    let mut out = json!({ "isAttachmentAllowed": allowed });
    if let Some(revoked) = record.and_then(|r| r.revoked) {
        out["revokedDate"] = json!(wire::rfc3339(revoked));
    }
    Json(out)
}
