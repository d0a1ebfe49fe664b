//! The seven grant operations: validation of the request, then an asynchronous operation that
//! adds one [`GrantRecord`] per granted permission.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Change, start_operation};
use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiJson;
use crate::pipeline::Caller;
use crate::routes::check;
use crate::state::permissions::new_permission_id;
use crate::state::{GrantRecord, Ident};

type Accepted = EmuResult<(StatusCode, Json<Value>)>;

const SUBJECT_KINDS: &[&str] = &["Nip", "Pesel", "Fingerprint"];

/// The person's details of a grant request, in the shape the queries return them
/// (`PermissionsSubjectPersonDetails`).
fn person_details(body: &Value, allowed: &[&str]) -> EmuResult<Value> {
    let kind = check::req_enum(body, "/subjectDetails/subjectDetailsType", allowed)?;
    let (key, details_type) = match kind.as_str() {
        "PersonByIdentifier" => ("personById", "PersonByIdentifier"),
        "PersonByFingerprintWithIdentifier" => {
            ("personByFpWithId", "PersonByFingerprintWithIdentifier")
        }
        "PersonByFingerprintWithoutIdentifier" => {
            ("personByFpNoId", "PersonByFingerprintWithoutIdentifier")
        }
        _ => ("entityByFp", "EntityByFingerprint"),
    };
    let base = format!("/subjectDetails/{key}");
    if key == "entityByFp" {
        let full_name = check::req_str(body, &format!("{base}/fullName"), 1, 100)?;
        let address = check::req_str(body, &format!("{base}/address"), 1, 512)?;
        return Ok(
            json!({"subjectDetailsType": details_type, "fullName": full_name, "address": address}),
        );
    }
    let first = check::req_str(body, &format!("{base}/firstName"), 2, 30)?;
    let last = check::req_str(body, &format!("{base}/lastName"), 2, 81)?;
    let mut out = json!({"subjectDetailsType": details_type, "firstName": first, "lastName": last});
    match key {
        "personByFpWithId" => {
            let id = check::req_ident(body, &format!("{base}/identifier"), &["Pesel", "Nip"])?;
            out["personIdentifier"] = json!({"type": id.kind, "value": id.value});
        }
        "personByFpNoId" => {
            let birth = check::req_str(body, &format!("{base}/birthDate"), 10, 10)?;
            ksef_model::rt::datetime::parse_date(&birth)
                .map_err(|_| EmuError::validation("'birthDate' musi być datą (RRRR-MM-DD)."))?;
            let doc_type = check::req_str(body, &format!("{base}/idDocument/type"), 1, 20)?;
            let number = check::req_str(body, &format!("{base}/idDocument/number"), 1, 20)?;
            let country = check::req_str(body, &format!("{base}/idDocument/country"), 2, 2)?;
            out["birthDate"] = json!(birth);
            out["idDocument"] = json!({"type": doc_type, "number": number, "country": country});
        }
        _ => {}
    }
    Ok(out)
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

fn unsupported_context(caller: &Caller, allowed: &[&str]) -> EmuResult<()> {
    if allowed.contains(&caller.claims.ctx_type.as_str()) {
        Ok(())
    } else {
        Err(EmuError::validation(format!(
            "Operacja niedostępna w kontekście typu {}.",
            caller.claims.ctx_type
        )))
    }
}

/// The spec's values (generated).
const PERSON_PERMISSIONS: &[&str] = ksef_model::PersonPermissionType::KNOWN;

const PERSON_DETAILS: &[&str] = &[
    "PersonByIdentifier",
    "PersonByFingerprintWithIdentifier",
    "PersonByFingerprintWithoutIdentifier",
];

/// `POST /permissions/persons/grants`.
pub(super) async fn persons(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> Accepted {
    unsupported_context(&caller, &["Nip", "InternalId"])?;
    let subject = check::req_ident(&body, "/subjectIdentifier", SUBJECT_KINDS)?;
    let permissions = check::enum_list(&body, "/permissions", PERSON_PERMISSIONS, true)?;
    let description = check::req_str(&body, "/description", 5, 256)?;
    let details = person_details(&body, PERSON_DETAILS)?;
    if permissions.iter().any(|p| p == "EnforcementOperations")
        && !caller
            .claims
            .perms
            .iter()
            .any(|p| p == "EnforcementOperations")
    {
        return Err(EmuError::validation(
            "Uprawnienie EnforcementOperations może nadać tylko organ egzekucyjny lub komornik.",
        ));
    }
    let context = check::context_of(&caller);
    let author = crate::state::permissions::author_of(&state.store(), &check::subject_of(&caller));
    let grants = permissions
        .iter()
        .map(|p| {
            record(
                &context,
                &subject,
                p,
                &description,
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
    ApiJson(body): ApiJson<Value>,
) -> Accepted {
    unsupported_context(&caller, &["Nip", "InternalId"])?;
    let subject = check::req_ident(&body, "/subjectIdentifier", &["Nip"])?;
    let description = check::req_str(&body, "/description", 5, 256)?;
    let full_name = check::req_str(&body, "/subjectDetails/fullName", 5, 90)?;
    let list = body
        .get("permissions")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| EmuError::validation("'permissions' jest wymagane."))?;
    let context = check::context_of(&caller);
    let author = crate::state::permissions::author_of(&state.store(), &check::subject_of(&caller));
    let mut grants = Vec::new();
    for i in 0..list.len() {
        let p = check::req_enum(
            &body,
            &format!("/permissions/{i}/type"),
            ksef_model::EntityPermissionType::KNOWN,
        )?;
        let can_delegate =
            check::opt_bool(&body, &format!("/permissions/{i}/canDelegate"))?.unwrap_or(false);
        grants.push(record(
            &context,
            &subject,
            &p,
            &description,
            &author,
            &context,
            "entity",
            json!({"canDelegate": can_delegate, "fullName": full_name}),
        ));
    }
    Ok(start_operation(&state, &caller, Change::Add(grants)))
}

/// `POST /permissions/authorizations/grants`.
pub(super) async fn authorizations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> Accepted {
    unsupported_context(&caller, &["Nip"])?;
    let subject = check::req_ident(&body, "/subjectIdentifier", &["Nip", "PeppolId"])?;
    let permission = check::req_enum(
        &body,
        "/permission",
        &[
            "SelfInvoicing",
            "RRInvoicing",
            "TaxRepresentative",
            "PefInvoicing",
        ],
    )?;
    if (permission == "PefInvoicing") != (subject.kind == "PeppolId") {
        return Err(EmuError::validation(
            "Uprawnienie PefInvoicing nadaje się wyłącznie dostawcy usług Peppol (PeppolId).",
        ));
    }
    let description = check::req_str(&body, "/description", 5, 256)?;
    let full_name = check::req_str(&body, "/subjectDetails/fullName", 5, 90)?;
    let context = check::context_of(&caller);
    let author = crate::state::permissions::author_of(&state.store(), &check::subject_of(&caller));
    let grant = record(
        &context,
        &subject,
        &permission,
        &description,
        &author,
        &context,
        "authorization",
        json!({"fullName": full_name}),
    );
    Ok(start_operation(&state, &caller, Change::Add(vec![grant])))
}

/// `POST /permissions/indirect/grants`.
pub(super) async fn indirect(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> Accepted {
    unsupported_context(&caller, &["Nip"])?;
    let subject = check::req_ident(&body, "/subjectIdentifier", SUBJECT_KINDS)?;
    let target = check::opt_ident(
        &body,
        "/targetIdentifier",
        &["Nip", "AllPartners", "InternalId"],
    )?
    .unwrap_or_else(|| Ident::new("AllPartners", ""));
    if target.kind != "AllPartners" && target.value.is_empty() {
        return Err(EmuError::validation(
            "'targetIdentifier.value' jest wymagane.",
        ));
    }
    let permissions = check::enum_list(
        &body,
        "/permissions",
        ksef_model::IndirectPermissionType::KNOWN,
        true,
    )?;
    let description = check::req_str(&body, "/description", 5, 256)?;
    let details = person_details(&body, PERSON_DETAILS)?;
    let origin = check::context_of(&caller);
    // A specific target is the context the permission works in. "All partners" is kept
    // under a pseudo-context of the intermediary, so it adds no login permission there.
    let context = if target.kind == "AllPartners" {
        Ident::new("AllPartners", origin.value.clone())
    } else {
        target.clone()
    };
    let author = crate::state::permissions::author_of(&state.store(), &check::subject_of(&caller));
    let grants = permissions
        .iter()
        .map(|p| {
            record(
                &context,
                &subject,
                p,
                &description,
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
    ApiJson(body): ApiJson<Value>,
) -> Accepted {
    unsupported_context(&caller, &["Nip"])?;
    let subject = check::req_ident(&body, "/subjectIdentifier", SUBJECT_KINDS)?;
    let subunit = check::req_ident(&body, "/contextIdentifier", &["InternalId", "Nip"])?;
    let description = check::req_str(&body, "/description", 5, 256)?;
    let subunit_name = check::opt_str(&body, "/subunitName", 5, 256)?;
    let details = person_details(&body, PERSON_DETAILS)?;
    let origin = check::context_of(&caller);
    if subunit.kind == "InternalId" && subunit.nip() != origin.nip() {
        return Err(EmuError::validation(
            "Identyfikator wewnętrzny nie należy do bieżącego kontekstu.",
        ));
    }
    if subunit.kind == "InternalId" && subunit_name.is_none() {
        return Err(EmuError::validation(
            "'subunitName' jest wymagane dla identyfikatora wewnętrznego.",
        ));
    }
    let author = crate::state::permissions::author_of(&state.store(), &check::subject_of(&caller));
    let grant = record(
        &subunit,
        &subject,
        "CredentialsManage",
        &description,
        &author,
        &origin,
        "subunit",
        json!({"subjectPersonDetails": details, "subunitName": subunit_name}),
    );
    Ok(start_operation(&state, &caller, Change::Add(vec![grant])))
}

const EU_DETAILS: &[&str] = &[
    "PersonByFingerprintWithIdentifier",
    "PersonByFingerprintWithoutIdentifier",
    "EntityByFingerprint",
];

/// `POST /permissions/eu-entities/administration/grants`.
pub(super) async fn eu_entities_administration(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> Accepted {
    unsupported_context(&caller, &["Nip"])?;
    let subject = check::req_ident(&body, "/subjectIdentifier", &["Fingerprint"])?;
    let eu_context = check::req_ident(&body, "/contextIdentifier", &["NipVatUe"])?;
    let description = check::req_str(&body, "/description", 5, 256)?;
    let eu_name = check::req_str(&body, "/euEntityName", 5, 256)?;
    let details = person_details(&body, EU_DETAILS)?;
    let eu_full_name = check::req_str(&body, "/euEntityDetails/fullName", 1, 100)?;
    let eu_address = check::req_str(&body, "/euEntityDetails/address", 1, 512)?;
    let origin = check::context_of(&caller);
    if eu_context.nip() != origin.nip() {
        return Err(EmuError::validation(
            "Identyfikator NipVatUe nie zawiera NIP bieżącego kontekstu.",
        ));
    }
    let author = crate::state::permissions::author_of(&state.store(), &check::subject_of(&caller));
    let grant = record(
        &eu_context,
        &subject,
        "VatUeManage",
        &description,
        &author,
        &origin,
        "euEntityAdministration",
        json!({
            "subjectDetails": details, "euEntityName": eu_name,
            "euEntityDetails": {"fullName": eu_full_name, "address": eu_address},
        }),
    );
    Ok(start_operation(&state, &caller, Change::Add(vec![grant])))
}

/// `POST /permissions/eu-entities/grants`.
pub(super) async fn eu_entities(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> Accepted {
    unsupported_context(&caller, &["NipVatUe"])?;
    let subject = check::req_ident(&body, "/subjectIdentifier", &["Fingerprint"])?;
    let permissions = check::enum_list(
        &body,
        "/permissions",
        ksef_model::EuEntityPermissionType::KNOWN,
        true,
    )?;
    let description = check::req_str(&body, "/description", 5, 256)?;
    let details = person_details(&body, EU_DETAILS)?;
    let context = check::context_of(&caller);
    let author = crate::state::permissions::author_of(&state.store(), &check::subject_of(&caller));
    let grants = permissions
        .iter()
        .map(|p| {
            record(
                &context,
                &subject,
                p,
                &description,
                &author,
                &context,
                "euEntity",
                json!({"subjectDetails": details}),
            )
        })
        .collect();
    Ok(start_operation(&state, &caller, Change::Add(grants)))
}
