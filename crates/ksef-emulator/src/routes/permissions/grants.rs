//! The seven grant operations: the request decoded into its generated type (the spec's
//! constraints checked by the extractor), the grant rules of
//! [`crate::state::permissions::grant_rules`], then an asynchronous operation that adds one
//! [`GrantRecord`] per granted permission.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use ksef_model::{
    EntityAuthorizationPermissionsGrantRequest, EntityByFingerprintDetails,
    EntityPermissionsGrantRequest, EuEntityAdministrationPermissionsGrantRequest,
    EuEntityPermissionSubjectDetails, EuEntityPermissionsGrantRequest,
    IndirectPermissionsGrantRequest, PersonByFingerprintWithIdentifierDetails,
    PersonByFingerprintWithoutIdentifierDetails, PersonDetails, PersonPermissionSubjectDetails,
    PersonPermissionsGrantRequest, SubunitPermissionsGrantRequest,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Change, start_operation};
use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiJson;
use crate::pipeline::Caller;
use crate::routes::wire;
use crate::state::permissions::{grant_rules, new_permission_id};
use crate::state::{GrantRecord, Ident};

type Accepted = EmuResult<(StatusCode, Json<Value>)>;

/// The details blocks a grant request may carry, whichever of them its type names.
#[derive(Default)]
struct Details<'a> {
    kind: String,
    by_id: Option<&'a PersonDetails>,
    fp_with_id: Option<&'a PersonByFingerprintWithIdentifierDetails>,
    fp_no_id: Option<&'a PersonByFingerprintWithoutIdentifierDetails>,
    entity: Option<&'a EntityByFingerprintDetails>,
}

impl<'a> From<&'a PersonPermissionSubjectDetails> for Details<'a> {
    fn from(d: &'a PersonPermissionSubjectDetails) -> Self {
        Self {
            kind: wire::spelling(&d.subject_details_type),
            by_id: d.person_by_id.as_ref(),
            fp_with_id: d.person_by_fp_with_id.as_ref(),
            fp_no_id: d.person_by_fp_no_id.as_ref(),
            entity: None,
        }
    }
}

impl<'a> From<&'a EuEntityPermissionSubjectDetails> for Details<'a> {
    fn from(d: &'a EuEntityPermissionSubjectDetails) -> Self {
        Self {
            kind: wire::spelling(&d.subject_details_type),
            by_id: None,
            fp_with_id: d.person_by_fp_with_id.as_ref(),
            fp_no_id: d.person_by_fp_no_id.as_ref(),
            entity: d.entity_by_fp.as_ref(),
        }
    }
}

/// The subject's details of a grant request, in the shape the queries return them
/// (`PermissionsSubjectPersonDetails`): the block the details type names is required.
fn subject_details(details: Details<'_>) -> EmuResult<Value> {
    const AT: &str = "/subjectDetails";
    let kind = details.kind.as_str();
    let names = |first: &str, last: &str| json!({"subjectDetailsType": kind, "firstName": first, "lastName": last});
    match kind {
        "PersonByIdentifier" => {
            let d = wire::required(details.by_id, &format!("{AT}/personById"))?;
            Ok(names(&d.first_name, &d.last_name))
        }
        "PersonByFingerprintWithIdentifier" => {
            let at = format!("{AT}/personByFpWithId");
            let d = wire::required(details.fp_with_id, &at)?;
            let id = wire::ident(&d.identifier, &format!("{at}/identifier"))?;
            let mut out = names(&d.first_name, &d.last_name);
            out["personIdentifier"] = json!({"type": id.kind, "value": id.value});
            Ok(out)
        }
        "PersonByFingerprintWithoutIdentifier" => {
            let at = format!("{AT}/personByFpNoId");
            let d = wire::required(details.fp_no_id, &at)?;
            let doc = &d.id_document;
            wire::not_empty(&doc.r#type, &format!("{at}/idDocument/type"))?;
            wire::not_empty(&doc.number, &format!("{at}/idDocument/number"))?;
            let mut out = names(&d.first_name, &d.last_name);
            out["birthDate"] = json!(ksef_model::rt::datetime::format_date(&d.birth_date));
            out["idDocument"] =
                json!({"type": doc.r#type, "number": doc.number, "country": doc.country});
            Ok(out)
        }
        _ => {
            let at = format!("{AT}/entityByFp");
            let d = wire::required(details.entity, &at)?;
            wire::not_empty(&d.full_name, &format!("{at}/fullName"))?;
            wire::not_empty(&d.address, &format!("{at}/address"))?;
            Ok(json!({"subjectDetailsType": kind, "fullName": d.full_name, "address": d.address}))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn record(
    context: &Ident,
    subject: &Ident,
    permission: &str,
    description: &str,
    author: &Ident,
    origin: &Ident,
    kind: &str,
    mut extra: Value,
) -> GrantRecord {
    extra["grantedIn"] = json!(origin);
    GrantRecord {
        id: new_permission_id(),
        context: context.clone(),
        subject: subject.clone(),
        permissions: vec![permission.to_owned()],
        description: description.to_owned(),
        granted_by: Some(author.clone()),
        start: OffsetDateTime::now_utc(),
        kind: kind.to_owned(),
        extra,
    }
}

/// A grant rule's refusal as the 400/21405 the service answers.
fn rule(result: Result<(), String>) -> EmuResult<()> {
    result.map_err(EmuError::validation)
}

/// `POST /permissions/persons/grants`.
pub(super) async fn persons(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<PersonPermissionsGrantRequest>,
) -> Accepted {
    let context = caller.context();
    rule(grant_rules::context_kind(&context, &["Nip", "InternalId"]))?;
    let subject = wire::ident(&body.subject_identifier, "/subjectIdentifier")?;
    wire::at_least_one(&body.permissions, "/permissions")?;
    let permissions = wire::spellings(&body.permissions);
    let details = subject_details(Details::from(&body.subject_details))?;
    rule(grant_rules::enforcement(&permissions, &caller.claims.perms))?;
    let author = crate::state::permissions::author_of(&state.store(), &caller.subject());
    let grants = permissions
        .iter()
        .map(|p| {
            record(
                &context,
                &subject,
                p,
                &body.description,
                &author,
                &context,
                "person",
                json!({"subjectPersonDetails": details, "canDelegate": false}),
            )
        })
        .collect();
    Ok(start_operation(&state, &caller, Change::Add(grants)))
}

/// `POST /permissions/entities/grants`.
pub(super) async fn entities(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<EntityPermissionsGrantRequest>,
) -> Accepted {
    let context = caller.context();
    rule(grant_rules::context_kind(&context, &["Nip", "InternalId"]))?;
    let subject = wire::ident(&body.subject_identifier, "/subjectIdentifier")?;
    wire::at_least_one(&body.permissions, "/permissions")?;
    let full_name = &body.subject_details.full_name;
    let author = crate::state::permissions::author_of(&state.store(), &caller.subject());
    let grants = body
        .permissions
        .iter()
        .map(|p| {
            record(
                &context,
                &subject,
                &wire::spelling(&p.r#type),
                &body.description,
                &author,
                &context,
                "entity",
                json!({"canDelegate": p.can_delegate.unwrap_or(false), "fullName": full_name}),
            )
        })
        .collect();
    Ok(start_operation(&state, &caller, Change::Add(grants)))
}

/// `POST /permissions/authorizations/grants`.
pub(super) async fn authorizations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<EntityAuthorizationPermissionsGrantRequest>,
) -> Accepted {
    let context = caller.context();
    rule(grant_rules::context_kind(&context, &["Nip"]))?;
    let subject = wire::ident(&body.subject_identifier, "/subjectIdentifier")?;
    let permission = wire::spelling(&body.permission);
    rule(grant_rules::peppol(&permission, &subject))?;
    let author = crate::state::permissions::author_of(&state.store(), &caller.subject());
    let grant = record(
        &context,
        &subject,
        &permission,
        &body.description,
        &author,
        &context,
        "authorization",
        json!({"fullName": body.subject_details.full_name}),
    );
    Ok(start_operation(&state, &caller, Change::Add(vec![grant])))
}

/// `POST /permissions/indirect/grants`.
pub(super) async fn indirect(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<IndirectPermissionsGrantRequest>,
) -> Accepted {
    let origin = caller.context();
    rule(grant_rules::context_kind(&origin, &["Nip"]))?;
    let subject = wire::ident(&body.subject_identifier, "/subjectIdentifier")?;
    let target = wire::opt_ident(body.target_identifier.as_ref(), "/targetIdentifier")?
        .unwrap_or_else(|| Ident::new("AllPartners", ""));
    wire::at_least_one(&body.permissions, "/permissions")?;
    let permissions = wire::spellings(&body.permissions);
    let details = subject_details(Details::from(&body.subject_details))?;
    // A specific target is the context the permission works in. "All partners" is kept
    // under a pseudo-context of the intermediary, so it adds no login permission there.
    let context = if target.kind == "AllPartners" {
        Ident::new("AllPartners", origin.value.clone())
    } else {
        target.clone()
    };
    let author = crate::state::permissions::author_of(&state.store(), &caller.subject());
    let grants = permissions
        .iter()
        .map(|p| {
            record(
                &context,
                &subject,
                p,
                &body.description,
                &author,
                &origin,
                "indirect",
                json!({"subjectPersonDetails": details, "target": target, "canDelegate": false}),
            )
        })
        .collect();
    Ok(start_operation(&state, &caller, Change::Add(grants)))
}

/// `POST /permissions/subunits/grants`.
pub(super) async fn subunits(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<SubunitPermissionsGrantRequest>,
) -> Accepted {
    let origin = caller.context();
    rule(grant_rules::context_kind(&origin, &["Nip"]))?;
    let subject = wire::ident(&body.subject_identifier, "/subjectIdentifier")?;
    let subunit = wire::ident(&body.context_identifier, "/contextIdentifier")?;
    let details = subject_details(Details::from(&body.subject_details))?;
    let subunit_name = body.subunit_name.as_deref();
    rule(grant_rules::subunit(&subunit, subunit_name, &origin))?;
    let author = crate::state::permissions::author_of(&state.store(), &caller.subject());
    let grant = record(
        &subunit,
        &subject,
        "CredentialsManage",
        &body.description,
        &author,
        &origin,
        "subunit",
        json!({"subjectPersonDetails": details, "subunitName": subunit_name}),
    );
    Ok(start_operation(&state, &caller, Change::Add(vec![grant])))
}

/// `POST /permissions/eu-entities/administration/grants`.
pub(super) async fn eu_entities_administration(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<EuEntityAdministrationPermissionsGrantRequest>,
) -> Accepted {
    let origin = caller.context();
    rule(grant_rules::context_kind(&origin, &["Nip"]))?;
    let subject = wire::ident(&body.subject_identifier, "/subjectIdentifier")?;
    let eu_context = wire::ident(&body.context_identifier, "/contextIdentifier")?;
    let details = subject_details(Details::from(&body.subject_details))?;
    let eu = &body.eu_entity_details;
    wire::not_empty(&eu.full_name, "/euEntityDetails/fullName")?;
    wire::not_empty(&eu.address, "/euEntityDetails/address")?;
    rule(grant_rules::eu_entity(&eu_context, &origin))?;
    let author = crate::state::permissions::author_of(&state.store(), &caller.subject());
    let grant = record(
        &eu_context,
        &subject,
        "VatUeManage",
        &body.description,
        &author,
        &origin,
        "euEntityAdministration",
        json!({
            "subjectDetails": details, "euEntityName": body.eu_entity_name,
            "euEntityDetails": {"fullName": eu.full_name, "address": eu.address},
        }),
    );
    Ok(start_operation(&state, &caller, Change::Add(vec![grant])))
}

/// `POST /permissions/eu-entities/grants`.
pub(super) async fn eu_entities(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<EuEntityPermissionsGrantRequest>,
) -> Accepted {
    let context = caller.context();
    rule(grant_rules::context_kind(&context, &["NipVatUe"]))?;
    let subject = wire::ident(&body.subject_identifier, "/subjectIdentifier")?;
    wire::at_least_one(&body.permissions, "/permissions")?;
    let permissions = wire::spellings(&body.permissions);
    let details = subject_details(Details::from(&body.subject_details))?;
    let author = crate::state::permissions::author_of(&state.store(), &caller.subject());
    let grants = permissions
        .iter()
        .map(|p| {
            record(
                &context,
                &subject,
                p,
                &body.description,
                &author,
                &context,
                "euEntity",
                json!({"subjectDetails": details}),
            )
        })
        .collect();
    Ok(start_operation(&state, &caller, Change::Add(grants)))
}
