//! Test data (`/testdata/...`): subjects (VAT groups, local-government units, enforcement
//! authorities), persons (sole traders, bailiffs), permissions granted directly, the
//! attachment permission and blocked authentication contexts.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use ksef_model::{
    AttachmentPermissionGrantRequest, AttachmentPermissionRevokeRequest,
    BlockContextAuthenticationRequest, PersonCreateRequest, PersonRemoveRequest,
    SubjectCreateRequest, SubjectRemoveRequest, TestDataPermissionsGrantRequest,
    TestDataPermissionsRevokeRequest, UnblockContextAuthenticationRequest,
};
use serde_json::Value;
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiJson;
use crate::routes::wire;
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
    ApiJson(body): ApiJson<SubjectCreateRequest>,
) -> EmuResult<()> {
    let nip = wire::nip(&body.subject_nip, "/subjectNip")?;
    let subject_type = wire::spelling(&body.subject_type);
    let description = body.description;
    let explicit = body.created_date;
    let created = explicit.unwrap_or_else(OffsetDateTime::now_utc);
    let mut subunits = Vec::new();
    for (i, sub) in body.subunits.unwrap_or_default().into_iter().enumerate() {
        let sub_nip = wire::nip(&sub.subject_nip, &format!("/subunits/{i}/subjectNip"))?;
        subunits.push((sub_nip, sub.description));
    }
    let mut store = state.store();
    let previous = store.testdata.subjects.get(&nip).map(|p| p.created);
    if !crate::state::testdata::may_create(previous, explicit) {
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
    ApiJson(body): ApiJson<SubjectRemoveRequest>,
) -> EmuResult<()> {
    let nip = wire::nip(&body.subject_nip, "/subjectNip")?;
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
    ApiJson(body): ApiJson<PersonCreateRequest>,
) -> EmuResult<()> {
    let nip = wire::nip(&body.nip, "/nip")?;
    let pesel = wire::pesel(&body.pesel, "/pesel")?;
    let is_bailiff = body.is_bailiff;
    let is_deceased = body.is_deceased.unwrap_or(false);
    let description = body.description;
    let explicit = body.created_date;
    let created = explicit.unwrap_or_else(OffsetDateTime::now_utc);
    let mut store = state.store();
    let previous = store.testdata.persons.get(&nip).map(|p| p.created);
    if !crate::state::testdata::may_create(previous, explicit) {
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
    ApiJson(body): ApiJson<PersonRemoveRequest>,
) -> EmuResult<()> {
    let nip = wire::nip(&body.nip, "/nip")?;
    let mut store = state.store();
    store.testdata.persons.remove(&nip);
    let ctx = Ident::new("Nip", nip);
    store
        .grants
        .retain(|g| !(g.kind == "testdata-person" && g.context == ctx));
    Ok(())
}

async fn grant_permissions(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TestDataPermissionsGrantRequest>,
) -> EmuResult<()> {
    let context = wire::ident(&body.context_identifier, "/contextIdentifier")?;
    let subject = wire::ident(&body.authorized_identifier, "/authorizedIdentifier")?;
    let grants: Vec<GrantRecord> = body
        .permissions
        .iter()
        .map(|p| {
            testdata_grant(
                context.clone(),
                subject.clone(),
                &wire::spelling(&p.permission_type),
                &p.description,
            )
        })
        .collect();
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
    ApiJson(body): ApiJson<TestDataPermissionsRevokeRequest>,
) -> EmuResult<()> {
    let context = wire::ident(&body.context_identifier, "/contextIdentifier")?;
    let subject = wire::ident(&body.authorized_identifier, "/authorizedIdentifier")?;
    state
        .store()
        .grants
        .retain(|g| !(g.kind == "testdata" && g.context == context && g.subject == subject));
    Ok(())
}

async fn grant_attachment(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AttachmentPermissionGrantRequest>,
) -> EmuResult<()> {
    let nip = wire::nip(&body.nip, "/nip")?;
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
    ApiJson(body): ApiJson<AttachmentPermissionRevokeRequest>,
) -> EmuResult<()> {
    let nip = wire::nip(&body.nip, "/nip")?;
    let end = body
        .expected_end_date
        .map_or_else(OffsetDateTime::now_utc, |d| d.midnight().assume_utc());
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

async fn block_context(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<BlockContextAuthenticationRequest>,
) -> EmuResult<()> {
    if let Some(context) = wire::opt_ident(body.context_identifier.as_ref(), "/contextIdentifier")?
    {
        state.store().testdata.blocked.insert(context);
    }
    Ok(())
}

async fn unblock_context(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<UnblockContextAuthenticationRequest>,
) -> EmuResult<()> {
    if let Some(context) = wire::opt_ident(body.context_identifier.as_ref(), "/contextIdentifier")?
    {
        state.store().testdata.blocked.remove(&context);
    }
    Ok(())
}
