//! Test data (`/testdata/...`): subjects (VAT groups, local-government units, enforcement
//! authorities), persons (sole traders, bailiffs), permissions granted directly, the
//! attachment permission and blocked authentication contexts.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde_json::Value;
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiJson;
use crate::routes::check;
use crate::state::testdata::{AttachmentRecord, PersonRecord, SubjectRecord};
use crate::state::{GrantRecord, Ident, OWNER_PERMISSIONS};

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/testdata/subject", post(create_subject))
        .route("/testdata/subject/remove", post(remove_subject))
        .route("/testdata/person", post(create_person))
        .route("/testdata/person/remove", post(remove_person))
        .route("/testdata/permissions", post(grant_permissions))
        .route("/testdata/permissions/revoke", post(revoke_permissions))
        .route("/testdata/attachment", post(grant_attachment))
        .route("/testdata/attachment/revoke", post(revoke_attachment))
        .route("/testdata/context/block", post(block_context))
        .route("/testdata/context/unblock", post(unblock_context))
}

fn exists() -> EmuError {
    EmuError::bad_request(30001, "Podmiot lub uprawnienie już istnieje.", [])
}

fn testdata_grant(
    context: Ident,
    subject: Ident,
    permission: &str,
    description: &str,
) -> GrantRecord {
    GrantRecord {
        id: crate::state::permissions::new_permission_id(),
        context,
        subject,
        permissions: vec![permission.to_owned()],
        description: description.to_owned(),
        granted_by: None,
        start: OffsetDateTime::now_utc(),
        kind: "testdata".to_owned(),
        extra: Value::Null,
    }
}

async fn create_subject(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let nip = check::req_nip(&body, "/subjectNip")?;
    let subject_type = check::req_enum(
        &body,
        "/subjectType",
        &["EnforcementAuthority", "VatGroup", "JST"],
    )?;
    let description = check::req_str(&body, "/description", 5, 256)?;
    let explicit = check::opt_datetime(&body, "/createdDate")?;
    let created = explicit.unwrap_or_else(OffsetDateTime::now_utc);
    let mut subunits = Vec::new();
    if let Some(list) = body.get("subunits").and_then(Value::as_array) {
        for i in 0..list.len() {
            let sub_nip = check::req_nip(&body, &format!("/subunits/{i}/subjectNip"))?;
            let sub_desc = check::req_str(&body, &format!("/subunits/{i}/description"), 5, 256)?;
            subunits.push((sub_nip, sub_desc));
        }
    } else if !matches!(body.get("subunits"), None | Some(Value::Null)) {
        return Err(EmuError::validation("'subunits' musi być listą."));
    }
    let mut store = state.store();
    if let Some(previous) = store.testdata.subjects.get(&nip)
        && (explicit.is_none() || previous.created >= created)
    {
        return Err(exists());
    }
    store.testdata.subjects.insert(
        nip.clone(),
        SubjectRecord {
            nip,
            subject_type,
            description,
            subunits,
            created,
        },
    );
    Ok(())
}

async fn remove_subject(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let nip = check::req_nip(&body, "/subjectNip")?;
    let mut store = state.store();
    store.testdata.subjects.remove(&nip);
    let ctx = Ident::new("Nip", nip);
    store
        .grants
        .retain(|g| !(g.kind == "testdata" && g.context == ctx));
    Ok(())
}

async fn create_person(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let nip = check::req_nip(&body, "/nip")?;
    let pesel = check::req_str(&body, "/pesel", 11, 11)?;
    check::check_identifier("Pesel", &pesel).map_err(EmuError::validation)?;
    let is_bailiff = check::opt_bool(&body, "/isBailiff")?
        .ok_or_else(|| EmuError::validation("'isBailiff' jest wymagane."))?;
    let is_deceased = check::opt_bool(&body, "/isDeceased")?.unwrap_or(false);
    let description = check::req_str(&body, "/description", 5, 256)?;
    let explicit = check::opt_datetime(&body, "/createdDate")?;
    let created = explicit.unwrap_or_else(OffsetDateTime::now_utc);
    let mut store = state.store();
    if let Some(previous) = store.testdata.persons.get(&nip)
        && (explicit.is_none() || previous.created >= created)
    {
        return Err(exists());
    }
    // The person logging in with the PESEL in the context of the NIP is its owner; a bailiff
    // also gets EnforcementOperations (with the NIP the owner rule of the store applies).
    let ctx = Ident::new("Nip", nip.clone());
    store
        .grants
        .retain(|g| !(g.kind == "testdata-person" && g.context == ctx));
    let mut perms: Vec<String> = OWNER_PERMISSIONS.iter().map(|p| (*p).to_owned()).collect();
    if is_bailiff {
        perms.push("EnforcementOperations".to_owned());
    }
    for subject in [
        Ident::new("Pesel", pesel.clone()),
        Ident::new("Nip", nip.clone()),
    ] {
        let mut grant = testdata_grant(ctx.clone(), subject, "", &description);
        grant.permissions = perms.clone();
        grant.kind = "testdata-person".to_owned();
        store.grants.push(grant);
    }
    store.testdata.persons.insert(
        nip.clone(),
        PersonRecord {
            nip,
            pesel,
            is_bailiff,
            is_deceased,
            description,
            created,
        },
    );
    Ok(())
}

async fn remove_person(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let nip = check::req_nip(&body, "/nip")?;
    let mut store = state.store();
    store.testdata.persons.remove(&nip);
    let ctx = Ident::new("Nip", nip);
    store
        .grants
        .retain(|g| !(g.kind == "testdata-person" && g.context == ctx));
    Ok(())
}

/// The spec's values (generated).
const TESTDATA_PERMISSIONS: &[&str] = ksef_model::TestDataPermissionType::KNOWN;

async fn grant_permissions(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let context = check::req_ident(&body, "/contextIdentifier", &["Nip"])?;
    let subject = check::req_ident(
        &body,
        "/authorizedIdentifier",
        &["Nip", "Pesel", "Fingerprint"],
    )?;
    let list = body
        .get("permissions")
        .and_then(Value::as_array)
        .ok_or_else(|| EmuError::validation("'permissions' jest wymagane."))?;
    let mut grants = Vec::new();
    for i in 0..list.len() {
        let permission = check::req_enum(
            &body,
            &format!("/permissions/{i}/permissionType"),
            TESTDATA_PERMISSIONS,
        )?;
        let description = check::req_str(&body, &format!("/permissions/{i}/description"), 5, 256)?;
        grants.push(testdata_grant(
            context.clone(),
            subject.clone(),
            &permission,
            &description,
        ));
    }
    let mut store = state.store();
    for grant in grants {
        let duplicate = store.grants.iter().any(|g| {
            g.kind == "testdata"
                && g.context == grant.context
                && g.subject == grant.subject
                && g.permissions == grant.permissions
        });
        if !duplicate {
            store.grants.push(grant);
        }
    }
    Ok(())
}

async fn revoke_permissions(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let context = check::req_ident(&body, "/contextIdentifier", &["Nip"])?;
    let subject = check::req_ident(
        &body,
        "/authorizedIdentifier",
        &["Nip", "Pesel", "Fingerprint"],
    )?;
    state
        .store()
        .grants
        .retain(|g| !(g.kind == "testdata" && g.context == context && g.subject == subject));
    Ok(())
}

async fn grant_attachment(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let nip = check::req_nip(&body, "/nip")?;
    state.store().testdata.attachments.insert(
        nip,
        AttachmentRecord {
            allowed: true,
            revoked: None,
        },
    );
    Ok(())
}

async fn revoke_attachment(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    let nip = check::req_nip(&body, "/nip")?;
    let end = match check::opt_str(&body, "/expectedEndDate", 1, 32)? {
        None => OffsetDateTime::now_utc(),
        Some(d) => ksef_model::rt::datetime::parse_date(&d)
            .map_err(|_| EmuError::validation("'expectedEndDate' musi być datą (RRRR-MM-DD)."))?
            .midnight()
            .assume_utc(),
    };
    let mut store = state.store();
    let record = store
        .testdata
        .attachments
        .entry(nip)
        .or_insert(AttachmentRecord {
            allowed: false,
            revoked: None,
        });
    record.revoked = Some(end);
    Ok(())
}

const AUTH_CONTEXTS: &[&str] = &["Nip", "InternalId", "NipVatUe", "PeppolId"];

async fn block_context(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    if let Some(context) = check::opt_ident(&body, "/contextIdentifier", AUTH_CONTEXTS)? {
        state.store().testdata.blocked.insert(context);
    }
    Ok(())
}

async fn unblock_context(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> EmuResult<()> {
    if let Some(context) = check::opt_ident(&body, "/contextIdentifier", AUTH_CONTEXTS)? {
        state.store().testdata.blocked.remove(&context);
    }
    Ok(())
}
