//! KSeF certificates: limits, the enrollment data of the caller, enrollment of a PKCS#10 CSR
//! (issued by the emulator's own CA), enrollment status, query, retrieval and revocation.

mod ca;
mod enroll;

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::{ApiJson, ApiQuery, optional_json};
use crate::pipeline::Caller;
use crate::routes::wire::{self, PageQuery};
use crate::state::certificates::{CertificateRecord, EnrollmentRecord};
use crate::state::{Ident, Store};

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/certificates/limits", get(limits))
        .route("/certificates/enrollments/data", get(enrollment_data))
        .route("/certificates/enrollments", post(enroll::enroll))
        .route(
            "/certificates/enrollments/{referenceNumber}",
            get(enrollment_status),
        )
        .route("/certificates/query", post(query))
        .route("/certificates/retrieve", post(retrieve))
        .route(
            "/certificates/{certificateSerialNumber}/revoke",
            post(revoke),
        )
        .route(
            "/testdata/certificates/{serialNumber}",
            axum::routing::put(update_for_tests),
        )
}

/// `PUT /testdata/certificates/{serialNumber}` (TEST): moves the end of validity of one of the
/// subject's certificates earlier (never later), e.g. to try expiry.
async fn update_for_tests(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(serial): Path<String>,
    crate::extract::ApiJson(request): crate::extract::ApiJson<
        ksef_model::TestDataUpdateCertificateRequest,
    >,
) -> EmuResult<()> {
    check_serial(&serial, "serialNumber")?;
    let subject = caller.subject();
    let mut store = state.store();
    let cert = store
        .certificates
        .certificates
        .get_mut(&serial)
        .filter(|c| c.subject == subject)
        .ok_or_else(|| {
            EmuError::bad_request(
                25008,
                "Certyfikat o podanym numerze seryjnym nie istnieje.",
                [],
            )
        })?;
    if request.valid_to > cert.valid_to {
        return Err(EmuError::validation(
            "'validTo' nie może być późniejsze niż obecna data ważności certyfikatu.",
        ));
    }
    cert.valid_to = request.valid_to;
    Ok(())
}

/// `(enrollments used, active certificates)` of `subject`.
fn usage(store: &Store, subject: &Ident) -> (usize, usize) {
    let now = OffsetDateTime::now_utc();
    let enrollments = store
        .certificates
        .enrollments
        .values()
        .filter(|e| e.subject == *subject)
        .count();
    let active = store
        .certificates
        .certificates
        .values()
        .filter(|c| c.subject == *subject && c.status_at(now) == "Active")
        .count();
    (enrollments, active)
}

fn is_token_login(store: &Store, caller: &Caller) -> bool {
    caller.claims.sub_type == "Token"
        || store
            .auth_operations
            .get(&caller.claims.auth)
            .is_some_and(|op| op.method == "Token")
}

async fn limits(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let store = state.store();
    let subject = crate::state::permissions::author_of(&store, &caller.subject());
    let l = crate::state::limits::effective_subject_limits(&store, &subject);
    let (enrollments, active) = usage(&store, &subject);
    let remaining = |limit: u32, used: usize| {
        i64::from(limit)
            .saturating_sub(i64::try_from(used).unwrap_or(i64::MAX))
            .max(0)
    };
    let enroll_left = remaining(l.max_enrollments, enrollments);
    let cert_left = remaining(l.max_certificates, active);
    Json(json!({
        "canRequest": enroll_left > 0 && cert_left > 0 && !is_token_login(&store, &caller),
        "enrollment": {"remaining": enroll_left, "limit": l.max_enrollments},
        "certificate": {"remaining": cert_left, "limit": l.max_certificates},
    }))
}

/// The DN attributes a CSR of `caller` must carry: person (NIP or PESEL in `serialNumber`),
/// seal (`organizationIdentifier`), or a certificate known by its fingerprint.
pub(crate) fn enrollment_dn(
    store: &Store,
    caller: &Caller,
) -> EmuResult<BTreeMap<&'static str, String>> {
    let op = store.auth_operations.get(&caller.claims.auth);
    if is_token_login(store, caller) || op.is_none() {
        return Err(EmuError::bad_request(
            25001,
            "Brak możliwości pobrania danych do CSR dla wykorzystanego sposobu uwierzytelnienia.",
            [],
        ));
    }
    let method = op.map(|o| o.method.as_str()).unwrap_or_default();
    let subject = caller.subject();
    let mut dn = BTreeMap::new();
    dn.insert("countryName", "PL".to_owned());
    match (subject.kind.as_str(), method) {
        ("Nip", "QualifiedSeal") => {
            let name = format!("Podmiot {}", subject.value);
            dn.insert("commonName", name.clone());
            dn.insert("organizationName", name);
            dn.insert("organizationIdentifier", format!("VATPL-{}", subject.value));
        }
        ("Nip" | "Pesel", _) => {
            let prefix = if subject.kind == "Nip" {
                "TINPL"
            } else {
                "PNOPL"
            };
            dn.insert("givenName", "Emulator".to_owned());
            dn.insert("surname", "Testowy".to_owned());
            dn.insert("commonName", "Emulator Testowy".to_owned());
            dn.insert("serialNumber", format!("{prefix}-{}", subject.value));
        }
        _ => {
            dn.insert(
                "commonName",
                format!(
                    "Certyfikat {}",
                    subject.value.get(..16).unwrap_or(&subject.value)
                ),
            );
        }
    }
    Ok(dn)
}

async fn enrollment_data(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> EmuResult<Json<Value>> {
    let dn = enrollment_dn(&state.store(), &caller)?;
    Ok(Json(serde_json::to_value(dn).unwrap_or_default()))
}

async fn enrollment_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<Json<Value>> {
    let store = state.store();
    let subject = crate::state::permissions::author_of(&store, &caller.subject());
    let e = store
        .certificates
        .enrollments
        .get(&reference)
        .filter(|e| e.subject == subject)
        .ok_or_else(|| {
            EmuError::bad_request(
                25005,
                "Wniosek certyfikacyjny o podanym numerze referencyjnym nie istnieje.",
                [],
            )
        })?;
    let mut out = json!({"requestDate": wire::rfc3339(e.requested)});
    if OffsetDateTime::now_utc() < e.ready_at {
        out["status"] = json!({"code": 100, "description": "Wniosek przyjęty do realizacji"});
        return Ok(Json(out));
    }
    let (code, description, details) = &e.outcome;
    out["status"] = json!({"code": code, "description": description});
    if !details.is_empty() {
        out["status"]["details"] = json!(details);
    }
    if let Some(serial) = &e.serial {
        out["certificateSerialNumber"] = json!(serial);
    }
    Ok(Json(out))
}

fn check_serial(serial: &str, field: &str) -> EmuResult<()> {
    if serial.len() == 16
        && serial
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    {
        Ok(())
    } else {
        Err(EmuError::validation(format!(
            "'{field}' musi składać się z 16 cyfr szesnastkowych (0-9, A-F)."
        )))
    }
}

async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<PageQuery>,
    raw: bytes::Bytes,
) -> EmuResult<Json<Value>> {
    // The serial number's length and hex digits are the spec's (`CertificateSerialNumber`).
    let body: ksef_model::QueryCertificatesRequest = optional_json(&raw)?;
    let serial = body
        .certificate_serial_number
        .map(ksef_model::CertificateSerialNumber::into_string);
    if let Some(name) = &body.name {
        wire::at_most(name, 100, "/name")?;
    }
    let name = body.name.map(|n| n.to_lowercase());
    let kind = body.r#type.as_ref().map(wire::spelling);
    let status = body.status.as_ref().map(wire::spelling);
    let expires_after = body.expires_after;
    if page.page_size.is_some_and(|s| s > 50) {
        return Err(EmuError::validation(
            "'pageSize' musi mieścić się w zakresie 10–50.",
        ));
    }
    let (offset, size) = page.checked()?;
    let now = OffsetDateTime::now_utc();
    let store = state.store();
    let subject = crate::state::permissions::author_of(&store, &caller.subject());
    let mut list: Vec<&CertificateRecord> = store
        .certificates
        .certificates
        .values()
        .filter(|c| c.subject == subject && now >= c.available_from)
        .filter(|c| serial.as_ref().is_none_or(|s| *s == c.serial))
        .filter(|c| {
            name.as_ref()
                .is_none_or(|n| c.name.to_lowercase().contains(n))
        })
        .filter(|c| kind.as_ref().is_none_or(|k| *k == c.certificate_type))
        .filter(|c| status.as_ref().is_none_or(|s| s == c.status_at(now)))
        .filter(|c| expires_after.is_none_or(|t| c.valid_to > t))
        .collect();
    list.sort_by_key(|c| std::cmp::Reverse(c.requested));
    let items = list
        .iter()
        .map(|c| {
            json!({
                "certificateSerialNumber": c.serial,
                "name": c.name,
                "type": c.certificate_type,
                "commonName": c.common_name,
                "status": c.status_at(now),
                "subjectIdentifier": {"type": c.subject.kind, "value": c.subject.value},
                "validFrom": wire::rfc3339(c.valid_from),
                "validTo": wire::rfc3339(c.valid_to),
                "requestDate": wire::rfc3339(c.requested),
            })
        })
        .collect();
    let (items, more) = wire::page(items, offset, size);
    Ok(Json(json!({"certificates": items, "hasMore": more})))
}

async fn retrieve(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<ksef_model::RetrieveCertificatesRequest>,
) -> EmuResult<Json<Value>> {
    // Each number's 16 hex digits are the spec's (`CertificateSerialNumber`), the list's 1–10
    // items too, checked here as the extractor leaves array sizes to the handlers.
    let wanted: Vec<String> = body
        .certificate_serial_numbers
        .into_iter()
        .map(ksef_model::CertificateSerialNumber::into_string)
        .collect();
    wire::items(&wanted, 1, 10, "/certificateSerialNumbers")?;
    let store = state.store();
    let subject = crate::state::permissions::author_of(&store, &caller.subject());
    let now = OffsetDateTime::now_utc();
    let items: Vec<Value> = wanted
        .iter()
        .filter_map(|s| store.certificates.certificates.get(s))
        .filter(|c| c.subject == subject && now >= c.available_from)
        .map(|c| {
            json!({
                "certificate": c.der_b64,
                "certificateName": c.name,
                "certificateSerialNumber": c.serial,
                "certificateType": c.certificate_type,
            })
        })
        .collect();
    Ok(Json(json!({ "certificates": items })))
}

async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(serial): Path<String>,
    raw: bytes::Bytes,
) -> EmuResult<StatusCode> {
    let body: ksef_model::RevokeCertificateRequest = optional_json(&raw)?;
    let reason = body.revocation_reason.as_ref().map(wire::spelling);
    check_serial(&serial, "certificateSerialNumber")?;
    let mut store = state.store();
    if is_token_login(&store, &caller) {
        return Err(EmuError::validation(
            "Operacja nie jest dostępna dla podmiotu uwierzytelnionego tokenem KSeF.",
        ));
    }
    let subject = caller.subject();
    let now = OffsetDateTime::now_utc();
    let cert = store
        .certificates
        .certificates
        .get_mut(&serial)
        .filter(|c| c.subject == subject)
        .ok_or_else(|| {
            EmuError::bad_request(
                25008,
                "Certyfikat o podanym numerze seryjnym nie istnieje.",
                [],
            )
        })?;
    if cert.status_at(now) != "Active" {
        return Err(EmuError::bad_request(
            25009,
            "Nie można odwołać wskazanego certyfikatu, ponieważ jest już odwołany, zablokowany lub nieważny.",
            [],
        ));
    }
    cert.status = "Revoked".to_owned();
    cert.revocation_reason = Some(reason.unwrap_or_else(|| "Unspecified".to_owned()));
    Ok(StatusCode::NO_CONTENT)
}

/// Base64 of DER bytes.
fn b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}
