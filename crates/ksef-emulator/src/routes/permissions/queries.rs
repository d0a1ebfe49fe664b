//! The eight permission queries: filters of the request bodies over `Store::grants` (and the
//! test-data subjects for roles), one page at a time (`pageOffset`, `pageSize` 10–100,
//! `hasMore`).

use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{Value, json};

use crate::app_state::AppState;
use crate::error::EmuResult;
use crate::extract::{ApiJson, ApiQuery, optional_json};
use crate::pipeline::Caller;
use crate::routes::wire::{self, PageQuery};
use crate::state::{GrantRecord, Ident};

fn ident_json(i: &Ident) -> Value {
    if i.value.is_empty() {
        json!({"type": i.kind})
    } else {
        json!({"type": i.kind, "value": i.value})
    }
}

fn scope(g: &GrantRecord) -> &str {
    g.permissions
        .first()
        .map(String::as_str)
        .unwrap_or_default()
}

fn extra_ident(g: &GrantRecord, key: &str) -> Option<Ident> {
    g.extra
        .get(key)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn origin(g: &GrantRecord) -> Ident {
    extra_ident(g, "grantedIn").unwrap_or_else(|| g.context.clone())
}

fn author_json(g: &GrantRecord) -> Value {
    match &g.granted_by {
        Some(a) if a.kind != "Token" => ident_json(a),
        _ => json!({"type": "System"}),
    }
}

fn paged(items: Vec<Value>, key: &str, page: &PageQuery) -> EmuResult<Json<Value>> {
    let (offset, size) = page.checked()?;
    let (items, more) = wire::page(items, offset, size);
    let mut out = json!({ "hasMore": more });
    out[key] = Value::Array(items);
    Ok(Json(out))
}

const PERSON_KINDS: &[&str] = &["person", "indirect", "subunit", "testdata"];
/// The spec's values (generated).
const PERSON_SCOPES: &[&str] = ksef_model::PersonPermissionScope::KNOWN;
/// The spec's values (generated).
const PERSONAL_SCOPES: &[&str] = ksef_model::PersonalPermissionScope::KNOWN;

fn target_matches(g: &GrantRecord, filter: &Option<Ident>) -> bool {
    match filter {
        None => true,
        Some(f) => extra_ident(g, "target")
            .is_some_and(|t| t.kind == f.kind && (f.value.is_empty() || t.value == f.value)),
    }
}

fn person_item(g: &GrantRecord, personal: bool) -> Value {
    let mut item = json!({
        "id": g.id,
        "permissionScope": scope(g),
        "description": g.description,
        "permissionState": "Active",
        "startDate": wire::rfc3339(g.start),
        "canDelegate": g.extra.get("canDelegate").and_then(Value::as_bool).unwrap_or(false),
    });
    if ksef_model::PersonPermissionsContextIdentifierType::KNOWN.contains(&g.context.kind.as_str())
    {
        item["contextIdentifier"] = ident_json(&g.context);
    }
    if let Some(t) = extra_ident(g, "target") {
        item["targetIdentifier"] = ident_json(&t);
    }
    if !personal {
        item["authorizedIdentifier"] = ident_json(&g.subject);
        item["authorIdentifier"] = author_json(g);
    }
    if let Some(d) = g
        .extra
        .get("subjectPersonDetails")
        .filter(|d| d.is_object())
    {
        item["subjectPersonDetails"] = d.clone();
    }
    item
}

/// `POST /permissions/query/personal/grants`.
pub(super) async fn personal(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
    raw: bytes::Bytes,
) -> EmuResult<Json<Value>> {
    let body: ksef_model::PersonalPermissionsQueryRequest = optional_json(&raw)?;
    let context = wire::opt_ident(body.context_identifier.as_ref(), "/contextIdentifier")?;
    let target = wire::opt_ident(body.target_identifier.as_ref(), "/targetIdentifier")?;
    let types = wire::spellings(body.permission_types.as_deref().unwrap_or_default());
    let permission_state = body.permission_state.as_ref().map(wire::spelling);
    page.checked()?;
    let store = state.store();
    let me = crate::state::permissions::author_of(&store, &caller.subject());
    let current = caller.context();
    let items = store
        .grants
        .iter()
        .filter(|g| g.subject == me && !g.kind.starts_with("testdata-"))
        .filter(|g| g.context == current || origin(g) == current)
        .filter(|g| PERSONAL_SCOPES.contains(&scope(g)))
        .filter(|g| context.as_ref().is_none_or(|c| *c == g.context))
        .filter(|g| target_matches(g, &target))
        .filter(|g| types.is_empty() || types.iter().any(|t| t == scope(g)))
        .filter(|_| permission_state.as_deref() != Some("Inactive"))
        .map(|g| person_item(g, true))
        .collect();
    let owner = crate::state::Store::owner_permissions(&current, &caller.subject());
    let Json(mut out) = paged(items, "permissions", &page)?;
    out["ownerPermissions"] = json!(owner);
    Ok(Json(out))
}

/// `POST /permissions/query/persons/grants`.
pub(super) async fn persons(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiJson(body): ApiJson<ksef_model::PersonPermissionsQueryRequest>,
) -> EmuResult<Json<Value>> {
    let query_type = wire::spelling(&body.query_type);
    let author = wire::opt_ident(body.author_identifier.as_ref(), "/authorIdentifier")?;
    let authorized = wire::opt_ident(body.authorized_identifier.as_ref(), "/authorizedIdentifier")?;
    let context = wire::opt_ident(body.context_identifier.as_ref(), "/contextIdentifier")?;
    let target = wire::opt_ident(body.target_identifier.as_ref(), "/targetIdentifier")?;
    let types = wire::spellings(body.permission_types.as_deref().unwrap_or_default());
    let permission_state = body.permission_state.as_ref().map(wire::spelling);
    page.checked()?;
    let current = caller.context();
    let store = state.store();
    let items = store
        .grants
        .iter()
        .filter(|g| PERSON_KINDS.contains(&g.kind.as_str()))
        .filter(|g| PERSON_SCOPES.contains(&scope(g)))
        .filter(|g| {
            if query_type == "PermissionsInCurrentContext" {
                g.context == current
            } else {
                g.kind != "testdata" && origin(g) == current
            }
        })
        .filter(|g| match &author {
            None => true,
            Some(a) if a.kind == "System" => g.granted_by.is_none(),
            Some(a) => g.granted_by.as_ref() == Some(a),
        })
        .filter(|g| authorized.as_ref().is_none_or(|a| *a == g.subject))
        .filter(|g| context.as_ref().is_none_or(|c| *c == g.context))
        .filter(|g| target_matches(g, &target))
        .filter(|g| types.is_empty() || types.iter().any(|t| t == scope(g)))
        .filter(|_| permission_state.as_deref() != Some("Inactive"))
        .map(|g| person_item(g, false))
        .collect();
    paged(items, "permissions", &page)
}

/// `POST /permissions/query/subunits/grants`.
pub(super) async fn subunits(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
    raw: bytes::Bytes,
) -> EmuResult<Json<Value>> {
    let body: ksef_model::SubunitPermissionsQueryRequest = optional_json(&raw)?;
    let subunit = wire::opt_ident(body.subunit_identifier.as_ref(), "/subunitIdentifier")?;
    page.checked()?;
    let current = caller.context();
    let store = state.store();
    let items = store
        .grants
        .iter()
        .filter(|g| g.kind == "subunit" && origin(g) == current)
        .filter(|g| subunit.as_ref().is_none_or(|s| *s == g.context))
        .map(|g| {
            let author = match &g.granted_by {
                Some(a) if a.kind != "Token" => ident_json(a),
                _ => ident_json(&Ident::new("Nip", current.nip().unwrap_or_default())),
            };
            let mut item = json!({
                "id": g.id,
                "authorizedIdentifier": ident_json(&g.subject),
                "subunitIdentifier": ident_json(&g.context),
                "authorIdentifier": author,
                "permissionScope": "CredentialsManage",
                "description": g.description,
                "startDate": wire::rfc3339(g.start),
            });
            if let Some(d) = g
                .extra
                .get("subjectPersonDetails")
                .filter(|d| d.is_object())
            {
                item["subjectPersonDetails"] = d.clone();
            }
            if let Some(n) = g.extra.get("subunitName").filter(|n| n.is_string()) {
                item["subunitName"] = n.clone();
            }
            item
        })
        .collect();
    paged(items, "permissions", &page)
}

/// `POST /permissions/query/entities/grants`.
pub(super) async fn entities(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
    raw: bytes::Bytes,
) -> EmuResult<Json<Value>> {
    let body: ksef_model::EntityPermissionsQueryRequest = optional_json(&raw)?;
    let context = wire::opt_ident(body.context_identifier.as_ref(), "/contextIdentifier")?;
    page.checked()?;
    let current = caller.context();
    let me = Ident::new("Nip", current.nip().unwrap_or_default());
    let store = state.store();
    let items = store
        .grants
        .iter()
        .filter(|g| g.kind == "entity" && g.subject == me)
        .filter(|g| context.as_ref().is_none_or(|c| *c == g.context))
        .map(|g| {
            json!({
                "id": g.id,
                "contextIdentifier": ident_json(&g.context),
                "permissionScope": scope(g),
                "description": g.description,
                "startDate": wire::rfc3339(g.start),
                "canDelegate": g.extra.get("canDelegate").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect();
    paged(items, "permissions", &page)
}

/// The roles of a NIP from the test data: `(role, parent NIP, description, since)`.
fn roles_of(
    store: &crate::state::Store,
    nip: &str,
) -> Vec<(&'static str, Option<String>, String, time::OffsetDateTime)> {
    let data = &store.testdata;
    let mut out = Vec::new();
    if let Some(s) = data.subjects.get(nip) {
        let role = match s.subject_type.as_str() {
            "VatGroup" => "VatGroupUnit",
            "JST" => "LocalGovernmentUnit",
            _ => "EnforcementAuthority",
        };
        out.push((role, None, s.description.clone(), s.created));
    }
    for parent in data.subjects.values() {
        for (sub_nip, description) in &parent.subunits {
            if sub_nip == nip {
                let role = match parent.subject_type.as_str() {
                    "VatGroup" => "VatGroupSubUnit",
                    _ => "LocalGovernmentSubUnit",
                };
                out.push((
                    role,
                    Some(parent.nip.clone()),
                    description.clone(),
                    parent.created,
                ));
            }
        }
    }
    if let Some(p) = data.persons.get(nip).filter(|p| p.is_bailiff) {
        out.push(("CourtBailiff", None, p.description.clone(), p.created));
    }
    out
}

/// `GET /permissions/query/entities/roles`.
pub(super) async fn entity_roles(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> EmuResult<Json<Value>> {
    page.checked()?;
    let current = caller.context();
    let store = state.store();
    let items = roles_of(&store, current.nip().unwrap_or_default())
        .into_iter()
        .map(|(role, parent, description, since)| {
            let mut item = json!({
                "role": role,
                "description": description,
                "startDate": wire::rfc3339(since),
            });
            if let Some(p) = parent {
                item["parentEntityIdentifier"] = json!({"type": "Nip", "value": p});
            }
            item
        })
        .collect();
    paged(items, "roles", &page)
}

/// `POST /permissions/query/subordinate-entities/roles`.
pub(super) async fn subordinate_roles(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
    raw: bytes::Bytes,
) -> EmuResult<Json<Value>> {
    let body: ksef_model::SubordinateEntityRolesQueryRequest = optional_json(&raw)?;
    let wanted = wire::opt_ident(
        body.subordinate_entity_identifier.as_ref(),
        "/subordinateEntityIdentifier",
    )?;
    page.checked()?;
    let current = caller.context();
    let store = state.store();
    let items = store
        .testdata
        .subjects
        .get(current.nip().unwrap_or_default())
        .map(|parent| {
            let role = if parent.subject_type == "VatGroup" {
                "VatGroupSubUnit"
            } else {
                "LocalGovernmentSubUnit"
            };
            parent
                .subunits
                .iter()
                .filter(|(nip, _)| wanted.as_ref().is_none_or(|f| f.value == *nip))
                .map(|(nip, description)| {
                    json!({
                        "subordinateEntityIdentifier": {"type": "Nip", "value": nip},
                        "role": role,
                        "description": description,
                        "startDate": wire::rfc3339(parent.created),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    paged(items, "roles", &page)
}

/// `POST /permissions/query/authorizations/grants`.
pub(super) async fn authorizations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiJson(body): ApiJson<ksef_model::EntityAuthorizationPermissionsQueryRequest>,
) -> EmuResult<Json<Value>> {
    let query_type = wire::spelling(&body.query_type);
    let authorizing = wire::opt_ident(
        body.authorizing_identifier.as_ref(),
        "/authorizingIdentifier",
    )?;
    let authorized = wire::opt_ident(body.authorized_identifier.as_ref(), "/authorizedIdentifier")?;
    let types = wire::spellings(body.permission_types.as_deref().unwrap_or_default());
    page.checked()?;
    let current = caller.context();
    let my_nip = Ident::new("Nip", current.nip().unwrap_or_default());
    let store = state.store();
    let items = store
        .grants
        .iter()
        .filter(|g| g.kind == "authorization")
        .filter(|g| {
            if query_type == "Granted" {
                g.context == my_nip
            } else {
                g.subject == my_nip || g.subject == current
            }
        })
        .filter(|g| authorizing.as_ref().is_none_or(|a| *a == g.context))
        .filter(|g| authorized.as_ref().is_none_or(|a| *a == g.subject))
        .filter(|g| types.is_empty() || types.iter().any(|t| t == scope(g)))
        .map(|g| {
            let mut item = json!({
                "id": g.id,
                "authorizedEntityIdentifier": ident_json(&g.subject),
                "authorizingEntityIdentifier": ident_json(&g.context),
                "authorizationScope": scope(g),
                "description": g.description,
                "startDate": wire::rfc3339(g.start),
            });
            if let Some(a) = g.granted_by.as_ref().filter(|a| a.kind != "Token") {
                item["authorIdentifier"] = ident_json(a);
            }
            if let Some(n) = g.extra.get("fullName").filter(|n| n.is_string()) {
                item["subjectEntityDetails"] =
                    json!({"subjectDetailsType": "EntityByIdentifier", "fullName": n});
            }
            item
        })
        .collect();
    paged(items, "authorizationGrants", &page)
}

/// `POST /permissions/query/eu-entities/grants`.
pub(super) async fn eu_entities(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
    raw: bytes::Bytes,
) -> EmuResult<Json<Value>> {
    let body: ksef_model::EuEntityPermissionsQueryRequest = optional_json(&raw)?;
    let vat_ue = body
        .vat_ue_identifier
        .map(ksef_model::VatUeIdentifier::into_string);
    let fingerprint = body.authorized_fingerprint_identifier;
    let types = wire::spellings(body.permission_types.as_deref().unwrap_or_default());
    page.checked()?;
    let current = caller.context();
    let store = state.store();
    let items = store
        .grants
        .iter()
        .filter(|g| g.kind == "euEntity" || g.kind == "euEntityAdministration")
        .filter(|g| {
            if current.kind == "NipVatUe" {
                g.context == current
            } else {
                g.context.nip() == current.nip()
            }
        })
        .filter(|g| {
            let vat = g.context.value.get(11..).unwrap_or_default();
            vat_ue.as_ref().is_none_or(|v| v == vat)
        })
        .filter(|g| {
            fingerprint
                .as_ref()
                .is_none_or(|f| f.eq_ignore_ascii_case(&g.subject.value))
        })
        .filter(|g| types.is_empty() || types.iter().any(|t| t == scope(g)))
        .map(|g| {
            let author = match &g.granted_by {
                Some(a) if a.kind != "Token" => ident_json(a),
                _ => ident_json(&Ident::new("Nip", g.context.nip().unwrap_or_default())),
            };
            let name = g
                .extra
                .get("euEntityName")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| g.description.clone());
            let mut item = json!({
                "id": g.id,
                "authorIdentifier": author,
                "vatUeIdentifier": g.context.value.get(11..).unwrap_or_default(),
                "euEntityName": name,
                "authorizedFingerprintIdentifier": g.subject.value,
                "permissionScope": scope(g),
                "description": g.description,
                "startDate": wire::rfc3339(g.start),
            });
            if let Some(d) = g.extra.get("subjectDetails").filter(|d| d.is_object()) {
                if d.get("subjectDetailsType").and_then(Value::as_str)
                    == Some("EntityByFingerprint")
                {
                    item["subjectEntityDetails"] = d.clone();
                } else {
                    item["subjectPersonDetails"] = d.clone();
                }
            }
            if let Some(d) = g.extra.get("euEntityDetails").filter(|d| d.is_object()) {
                item["euEntityDetails"] = d.clone();
            }
            item
        })
        .collect();
    paged(items, "permissions", &page)
}
