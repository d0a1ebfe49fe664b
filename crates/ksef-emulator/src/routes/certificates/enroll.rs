//! `POST /certificates/enrollments`: checks a PKCS#10 CSR (format, signature algorithm, key
//! type and size, signature, subject = enrollment data, limits) and issues the certificate
//! with the emulator's CA; the enrollment reports 100 for `certificate_processing_ms`, then
//! 200 with the serial number (or 400 when the key is already certified for another subject).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use ksef_crypto::credentials::{
    Certificate, HashAlgorithm, SignatureAlgorithm, VerifyError, oids, verify_signature,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use x509_cert::request::CertReq;

use super::{CertificateRecord, EnrollmentRecord, b64, ca, enrollment_dn, usage};
use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::ApiJson;
use crate::pipeline::Caller;
use crate::routes::wire;

const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

fn bad_csr(detail: impl Into<String>) -> EmuError {
    EmuError::bad_request(
        25004,
        "Niepoprawny format CSR lub niepoprawny podpis CSR.",
        [detail.into()],
    )
}

fn bad_key(detail: impl Into<String>) -> EmuError {
    EmuError::bad_request(
        25010,
        "Nieprawidłowy typ lub długość klucza.",
        [detail.into()],
    )
}

fn hash_of(oid: &ObjectIdentifier) -> Option<HashAlgorithm> {
    match oid.to_string().as_str() {
        "1.3.14.3.2.26" => Some(HashAlgorithm::Sha1),
        "2.16.840.1.101.3.4.2.1" => Some(HashAlgorithm::Sha256),
        "2.16.840.1.101.3.4.2.2" => Some(HashAlgorithm::Sha384),
        "2.16.840.1.101.3.4.2.3" => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

/// The signature algorithm of the CSR, if it is one KSeF accepts.
fn signature_algorithm(csr: &CertReq) -> Option<SignatureAlgorithm> {
    use HashAlgorithm::*;
    let alg = &csr.algorithm;
    Some(match alg.oid.to_string().as_str() {
        "1.2.840.113549.1.1.5" => SignatureAlgorithm::RsaPkcs1(Sha1),
        "1.2.840.113549.1.1.11" => SignatureAlgorithm::RsaPkcs1(Sha256),
        "1.2.840.113549.1.1.12" => SignatureAlgorithm::RsaPkcs1(Sha384),
        "1.2.840.113549.1.1.13" => SignatureAlgorithm::RsaPkcs1(Sha512),
        "1.2.840.10045.4.1" => SignatureAlgorithm::EcdsaP256(Sha1),
        "1.2.840.10045.4.3.2" => SignatureAlgorithm::EcdsaP256(Sha256),
        "1.2.840.10045.4.3.3" => SignatureAlgorithm::EcdsaP256(Sha384),
        "1.2.840.10045.4.3.4" => SignatureAlgorithm::EcdsaP256(Sha512),
        _ if alg.oid == PSS => {
            let params = alg.parameters.as_ref()?.to_der().ok()?;
            let pss = pkcs1::RsaPssParams::from_der(&params).ok()?;
            SignatureAlgorithm::RsaPss(hash_of(&pss.hash.oid)?)
        }
        _ => return None,
    })
}

/// Checks the key: RSA of exactly 2048 bits or EC P-256.
fn check_key(csr: &CertReq) -> EmuResult<()> {
    let spki = &csr.info.public_key;
    if spki.algorithm.oid == RSA {
        let key = pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes())
            .map_err(|e| bad_key(format!("Nieczytelny klucz RSA: {e}")))?;
        let modulus = key.modulus.as_bytes();
        let bits = modulus.iter().skip_while(|b| **b == 0).count() * 8;
        if bits != 2048 {
            return Err(bad_key(format!(
                "Klucz RSA ma {bits} bitów; wymagane 2048."
            )));
        }
        return Ok(());
    }
    if spki.algorithm.oid == EC {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        if curve == Some(P256) {
            return Ok(());
        }
        return Err(bad_key("Dozwolona jest wyłącznie krzywa NIST P-256."));
    }
    Err(bad_key(format!(
        "Nieobsługiwany typ klucza {}.",
        spki.algorithm.oid
    )))
}

/// The CSR subject must carry exactly the enrollment data (and no other identifier).
fn check_subject(cert: &Certificate, dn: &BTreeMap<&'static str, String>) -> EmuResult<()> {
    let fields = [
        ("commonName", oids::COMMON_NAME),
        ("countryName", oids::COUNTRY_NAME),
        ("givenName", oids::GIVEN_NAME),
        ("surname", oids::SURNAME),
        ("serialNumber", oids::SERIAL_NUMBER),
        ("uniqueIdentifier", oids::UNIQUE_IDENTIFIER),
        ("organizationName", oids::ORGANIZATION_NAME),
        ("organizationIdentifier", oids::ORGANIZATION_IDENTIFIER),
    ];
    for (name, oid) in fields {
        let present = cert.subject_attribute(oid);
        let expected = dn.get(name);
        let identity = matches!(name, "serialNumber" | "organizationIdentifier");
        let ok = match (expected, present) {
            (Some(e), Some(p)) => *e == p,
            (Some(_), None) => false,
            (None, Some(_)) => !identity,
            (None, None) => true,
        };
        if !ok {
            return Err(EmuError::bad_request(
                25003,
                "Dane w CSR nie zgadzają się z danymi w użytym wektorze uwierzytelniającym.",
                [format!(
                    "Atrybut {name} nie zgadza się z danymi do wniosku."
                )],
            ));
        }
    }
    Ok(())
}

pub(super) async fn enroll(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<ksef_model::EnrollCertificateRequest>,
) -> EmuResult<(StatusCode, Json<Value>)> {
    // The name's length and characters are the spec's (`CertificateName`, checked on decoding).
    let name = body.certificate_name.into_string();
    let kind = wire::spelling(&body.certificate_type);
    let csr_b64 = body.csr.into_string();
    wire::not_empty(&csr_b64, "/csr")?;
    wire::at_most(&csr_b64, 100_000, "/csr")?;
    let valid_from = body.valid_from;
    let dn = {
        let store = state.store();
        if store
            .auth_operations
            .get(&caller.claims.auth)
            .is_none_or(|op| op.method == "Token")
            || caller.claims.sub_type == "Token"
        {
            return Err(EmuError::bad_request(
                25002,
                "Brak możliwości złożenia wniosku certyfikacyjnego dla wykorzystanego sposobu uwierzytelnienia.",
                [],
            ));
        }
        enrollment_dn(&store, &caller)?
    };

    let der = ksef_model::rt::base64::decode_str(&csr_b64)
        .map_err(|_| bad_csr("CSR nie jest poprawnym ciągiem Base64."))?;
    let csr = CertReq::from_der(&der).map_err(|e| bad_csr(format!("Nieczytelny CSR: {e}")))?;
    let algorithm = signature_algorithm(&csr).ok_or_else(|| {
        EmuError::bad_request(
            25011,
            "Nieprawidłowy algorytm podpisu CSR.",
            [format!(
                "Algorytm {} nie jest dozwolony.",
                csr.algorithm.oid
            )],
        )
    })?;
    check_key(&csr)?;

    let ca = ca::ca().map_err(EmuError::internal)?;
    let now = OffsetDateTime::now_utc();
    let from = valid_from.unwrap_or(now);
    let to = from
        .checked_add(time::Duration::days(730))
        .ok_or_else(|| EmuError::validation("'validFrom' wykracza poza obsługiwany zakres dat."))?;
    let (serial_bytes, serial) = ca::new_serial();
    let cert = ca
        .issue(
            &serial_bytes,
            csr.info.subject.clone(),
            csr.info.public_key.clone(),
            from,
            to,
            kind == "Offline",
        )
        .map_err(EmuError::internal)?;
    let info = csr.info.to_der().map_err(|e| bad_csr(e.to_string()))?;
    verify_signature(&cert, algorithm, &info, csr.signature.raw_bytes()).map_err(|e| match e {
        VerifyError::UnsupportedKey(d) => bad_key(d),
        VerifyError::RsaKeyTooSmall { bits } => bad_key(format!("Klucz RSA ma {bits} bitów.")),
        other => bad_csr(other.to_string()),
    })?;
    check_subject(&cert, &dn)?;
    let key_hash: String = csr
        .info
        .public_key
        .to_der()
        .map(|d| {
            ksef_crypto::symmetric::sha256(&d)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .unwrap_or_default();

    let subject = caller.subject();
    let reference = crate::ids::reference_number("CE", now);
    let delay = i64::try_from(state.config().certificate_processing_ms).unwrap_or(0);
    let ready_at = now.saturating_add(time::Duration::milliseconds(delay));
    let mut store = state.store();
    let limits = crate::state::limits::effective_subject_limits(&store, &subject);
    let (enrollments, active) = usage(&store, &subject);
    if enrollments >= usize::try_from(limits.max_enrollments).unwrap_or(usize::MAX) {
        return Err(EmuError::bad_request(
            25006,
            "Osiągnięto limit możliwych do złożenia wniosków certyfikacyjnych.",
            [],
        ));
    }
    if active >= usize::try_from(limits.max_certificates).unwrap_or(usize::MAX) {
        return Err(EmuError::bad_request(
            25007,
            "Osiągnięto limit dopuszczalnej liczby posiadanych certyfikatów.",
            [],
        ));
    }
    let taken = store
        .certificates
        .certificates
        .values()
        .any(|c| c.key_hash == key_hash && c.subject != subject);
    let (outcome, issued) = if taken {
        (
            (
                400,
                "Wniosek odrzucony".to_owned(),
                vec!["Klucz publiczny został już certyfikowany przez inny podmiot.".to_owned()],
            ),
            None,
        )
    } else {
        (
            (
                200,
                "Wniosek obsłużony (certyfikat wygenerowany)".to_owned(),
                Vec::new(),
            ),
            Some(serial.clone()),
        )
    };
    if issued.is_some() {
        let common_name = cert
            .subject_attribute(oids::COMMON_NAME)
            .unwrap_or_default();
        store.certificates.certificates.insert(
            serial.clone(),
            CertificateRecord {
                serial: serial.clone(),
                name,
                certificate_type: kind,
                common_name,
                subject: subject.clone(),
                der_b64: b64(cert.der()),
                key_hash,
                valid_from: from,
                valid_to: to,
                requested: now,
                available_from: ready_at,
                status: "Active".to_owned(),
                revocation_reason: None,
            },
        );
    }
    store.certificates.enrollments.insert(
        reference.clone(),
        EnrollmentRecord {
            reference: reference.clone(),
            subject,
            requested: now,
            ready_at,
            outcome,
            serial: issued,
        },
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"referenceNumber": reference, "timestamp": wire::rfc3339(now)})),
    ))
}
