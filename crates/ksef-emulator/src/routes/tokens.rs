//! KSeF tokens (`/tokens`): generation (Nip/InternalId contexts, after a XAdES login), the
//! list with filters and continuation tokens, the status and the revocation.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Extension, Json, Router};
use rand::Rng;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::pipeline::Caller;
use crate::routes::wire;
use crate::state::{Ident, KsefTokenRecord};

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(generate))
        .route("/tokens/{referenceNumber}", get(status).delete(revoke))
}

fn item(t: &KsefTokenRecord) -> Value {
    let mut v = json!({
        "referenceNumber": t.reference,
        "authorIdentifier": {"type": t.author.kind, "value": t.author.value},
        "contextIdentifier": {"type": t.context.kind, "value": t.context.value},
        "description": t.description,
        "requestedPermissions": t.permissions,
        "dateCreated": wire::rfc3339(t.created),
        "status": t.status,
    });
    if let Some(used) = t.last_use {
        v["lastUseDate"] = json!(wire::rfc3339(used));
    }
    v
}

fn activate(state: &AppState, reference: &str) {
    if let Some(t) = state.store().ksef_tokens.get_mut(reference)
        && t.status == "Pending"
    {
        t.status = "Active".to_owned();
    }
}

async fn generate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<ksef_model::GenerateTokenRequest>,
) -> EmuResult<(StatusCode, Json<Value>)> {
    wire::at_least_one(&body.permissions, "/permissions")?;
    let permissions = wire::spellings(&body.permissions);
    let description = body.description;
    let context = caller.context();
    if !matches!(context.kind.as_str(), "Nip" | "InternalId") {
        return Err(EmuError::bad_request(
            26002,
            "Nie można wygenerować tokena dla obecnego typu kontekstu.",
            [format!(
                "Bieżący typ kontekstu: {}. Dozwolone typy kontekstu: Nip, InternalId.",
                context.kind
            )],
        ));
    }
    let method = state
        .store()
        .auth_operations
        .get(&caller.claims.auth)
        .map(|op| op.method.clone())
        .unwrap_or_default();
    if method == "Token" || caller.claims.sub_type == "Token" {
        return Err(EmuError::validation(
            "Token KSeF można wygenerować wyłącznie po uwierzytelnieniu podpisem elektronicznym (XAdES).",
        ));
    }
    let missing: Vec<&String> = permissions
        .iter()
        .filter(|p| !caller.claims.perms.iter().any(|h| h == *p))
        .collect();
    if !missing.is_empty() {
        return Err(EmuError::bad_request(
            26001,
            "Nie można nadać tokenowi uprawnień których nie posiadasz.",
            [format!(
                "Brakujące uprawnienia: {}.",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
        ));
    }
    let now = OffsetDateTime::now_utc();
    let reference = crate::ids::reference_number("EC", now);
    let random: [u8; 32] = rand::thread_rng().r#gen();
    let hex: String = random.iter().map(|b| format!("{b:02X}")).collect();
    let secret = format!(
        "{reference}|{}-{}|{hex}",
        context.kind.to_ascii_lowercase(),
        context.value
    );
    let delay_ms = state.config().token_activation_ms;
    let record = KsefTokenRecord {
        reference: reference.clone(),
        secret: secret.clone(),
        context,
        author: caller.subject(),
        permissions,
        description,
        status: if delay_ms == 0 { "Active" } else { "Pending" }.to_owned(),
        created: now,
        last_use: None,
    };
    state.store().ksef_tokens.insert(reference.clone(), record);
    if delay_ms > 0 {
        let state = state.clone();
        let reference = reference.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
            activate(&state, &reference);
        });
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"referenceNumber": reference, "token": secret})),
    ))
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(params): ApiQuery<Vec<(String, String)>>,
    headers: HeaderMap,
) -> EmuResult<Json<Value>> {
    let mut statuses = Vec::new();
    let mut description = None;
    let mut author = None;
    let mut author_type = None;
    let mut size = 10usize;
    for (key, value) in &params {
        match key.as_str() {
            "status" => statuses.push(wire::query_value::<ksef_model::AuthenticationTokenStatus>(
                value, "status",
            )?),
            "description" | "authorIdentifier" if value.chars().count() < 3 => {
                return Err(EmuError::validation(format!(
                    "'{key}' musi mieć co najmniej 3 znaki."
                )));
            }
            "description" => description = Some(value.to_lowercase()),
            "authorIdentifier" => author = Some(value.to_lowercase()),
            "authorIdentifierType" => {
                author_type = Some(wire::query_value::<ksef_model::TokenAuthorIdentifierType>(
                    value,
                    "authorIdentifierType",
                )?);
            }
            "pageSize" => {
                size = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (10..=100).contains(n))
                    .ok_or_else(|| {
                        EmuError::validation("'pageSize' musi mieścić się w zakresie 10–100.")
                    })?;
            }
            _ => {}
        }
    }
    let offset = match headers
        .get("x-continuation-token")
        .and_then(|v| v.to_str().ok())
    {
        None | Some("") => 0,
        Some(t) => t
            .strip_prefix("tok-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                EmuError::bad_request(
                    21418,
                    "Przekazany token kontynuacji ma nieprawidłowy format.",
                    [],
                )
            })?,
    };
    let context = caller.context();
    let store = state.store();
    let mut tokens: Vec<&KsefTokenRecord> = store
        .ksef_tokens
        .values()
        .filter(|t| t.context == context)
        .filter(|t| statuses.is_empty() || statuses.contains(&t.status))
        .filter(|t| {
            description
                .as_ref()
                .is_none_or(|d| t.description.to_lowercase().contains(d))
        })
        .filter(|t| {
            author
                .as_ref()
                .is_none_or(|a| t.author.value.to_lowercase().contains(a))
        })
        .filter(|t| author_type.as_ref().is_none_or(|k| t.author.kind == *k))
        .collect();
    tokens.sort_by(|a, b| {
        b.created
            .cmp(&a.created)
            .then(a.reference.cmp(&b.reference))
    });
    let page: Vec<Value> = tokens
        .iter()
        .skip(offset)
        .take(size)
        .map(|t| item(t))
        .collect();
    let next = offset.saturating_add(page.len());
    let mut out = json!({ "tokens": page });
    if next < tokens.len() {
        out["continuationToken"] = json!(format!("tok-{next}"));
    }
    Ok(Json(out))
}

fn find<'a>(
    store: &'a mut crate::state::Store,
    context: &Ident,
    reference: &str,
) -> EmuResult<&'a mut KsefTokenRecord> {
    store
        .ksef_tokens
        .get_mut(reference)
        .filter(|t| t.context == *context)
        .ok_or_else(|| {
            EmuError::validation(format!(
                "Token o numerze referencyjnym {reference} nie istnieje w bieżącym kontekście."
            ))
        })
}

async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<Json<Value>> {
    let context = caller.context();
    let mut store = state.store();
    let token = find(&mut store, &context, &reference)?;
    Ok(Json(item(token)))
}

async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<StatusCode> {
    let context = caller.context();
    let mut store = state.store();
    let token = find(&mut store, &context, &reference)?;
    token.status = "Revoked".to_owned();
    Ok(StatusCode::NO_CONTENT)
}
