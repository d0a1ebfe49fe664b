//! KSeF certificates (limits, enrollment data, CSR enrollment, status, query, retrieval,
//! revocation) and the Peppol provider list. Every response is checked against the spec's
//! schema.

mod support;

use base64::Engine as _;
use ksef_crypto::credentials::Certificate;
use ksef_crypto::csr::{DnAttributes, csr_with_p256};
use ksef_crypto::xades::ContextIdentifier;
use serde_json::{Value, json};
use support::{Harness, dn_from, nip};

async fn enroll(h: &Harness, token: &str, dn: &DnAttributes, kind: &str) -> support::Reply {
    let csr = csr_with_p256(dn).expect("csr");
    h.checked("post_certificates_enrollments", "POST", "/certificates/enrollments", Some(token),
        json!({"certificateName": "Certyfikat testowy", "certificateType": kind, "csr": csr.base64()}))
        .await
}

#[tokio::test]
async fn enrollment_issue_query_retrieve_revoke() {
    let h = Harness::fast().await;
    let n = nip();
    let token = h
        .login_person_nip(&n, ContextIdentifier::Nip(n.clone()))
        .await;
    let limits = h
        .checked(
            "get_certificates_limits",
            "GET",
            "/certificates/limits",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(limits.body["canRequest"], true, "{:#}", limits.body);
    assert_eq!(limits.body["certificate"]["remaining"], 100);

    let data = h
        .checked(
            "get_certificates_enrollments_data",
            "GET",
            "/certificates/enrollments/data",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(data.status, 200);
    assert_eq!(data.body["serialNumber"], format!("TINPL-{n}"));
    let dn = dn_from(&data.body);

    let accepted = enroll(&h, &token, &dn, "Authentication").await;
    assert_eq!(accepted.status, 202, "{:#}", accepted.body);
    let reference = accepted.body["referenceNumber"].as_str().unwrap();
    let status = h
        .checked(
            "get_certificates_enrollments_by_reference_number",
            "GET",
            &format!("/certificates/enrollments/{reference}"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(status.body["status"]["code"], 200, "{:#}", status.body);
    let serial = status.body["certificateSerialNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(serial.len(), 16);

    let list = h
        .checked(
            "post_certificates_query",
            "POST",
            "/certificates/query",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(
        list.body["certificates"].as_array().unwrap().len(),
        1,
        "{:#}",
        list.body
    );
    assert_eq!(list.body["certificates"][0]["status"], "Active");
    let none = h
        .checked(
            "post_certificates_query",
            "POST",
            "/certificates/query",
            Some(&token),
            json!({"type": "Offline"}),
        )
        .await;
    assert!(none.body["certificates"].as_array().unwrap().is_empty());

    let got = h
        .checked(
            "post_certificates_retrieve",
            "POST",
            "/certificates/retrieve",
            Some(&token),
            json!({"certificateSerialNumbers": [serial]}),
        )
        .await;
    let der = base64::engine::general_purpose::STANDARD
        .decode(got.body["certificates"][0]["certificate"].as_str().unwrap())
        .unwrap();
    let cert = Certificate::from_der(&der).expect("a certificate");
    assert_eq!(cert.serial_hex().to_uppercase(), serial);
    assert!(
        cert.issuer_name().contains("KSeF Emulator CA"),
        "{}",
        cert.issuer_name()
    );
    assert_eq!(
        cert.subject_attribute(ksef_crypto::credentials::oids::SERIAL_NUMBER),
        Some(format!("TINPL-{n}"))
    );

    let limits = h
        .checked(
            "get_certificates_limits",
            "GET",
            "/certificates/limits",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(limits.body["certificate"]["remaining"], 99);
    assert_eq!(limits.body["enrollment"]["remaining"], 299);

    let r = h
        .checked(
            "post_certificates_by_certificate_serial_number_revoke",
            "POST",
            &format!("/certificates/{serial}/revoke"),
            Some(&token),
            json!({"revocationReason": "Superseded"}),
        )
        .await;
    assert_eq!(r.status, 204, "{:#}", r.body);
    let again = h
        .checked(
            "post_certificates_by_certificate_serial_number_revoke",
            "POST",
            &format!("/certificates/{serial}/revoke"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(again.exception_code(), Some(25009));
    let unknown = h
        .checked(
            "post_certificates_by_certificate_serial_number_revoke",
            "POST",
            "/certificates/0123456789ABCDEF/revoke",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(unknown.exception_code(), Some(25008));
    let revoked = h
        .checked(
            "post_certificates_query",
            "POST",
            "/certificates/query",
            Some(&token),
            json!({"status": "Revoked"}),
        )
        .await;
    assert_eq!(revoked.body["certificates"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn enrollment_errors() {
    let h = Harness::fast().await;
    let n = nip();
    let token = h
        .login_person_nip(&n, ContextIdentifier::Nip(n.clone()))
        .await;
    let data = h
        .call(
            "GET",
            "/certificates/enrollments/data",
            Some(&token),
            Value::Null,
        )
        .await;
    let dn = dn_from(&data.body);

    let mut other = dn.clone();
    other.serial_number = Some(format!("TINPL-{}", nip()));
    let r = enroll(&h, &token, &other, "Offline").await;
    assert_eq!(r.exception_code(), Some(25003), "{:#}", r.body);
    let mut renamed = dn.clone();
    renamed.common_name = Some("Ktoś Inny".into());
    let r = enroll(&h, &token, &renamed, "Offline").await;
    assert_eq!(r.exception_code(), Some(25003));

    let r = h
        .checked(
            "post_certificates_enrollments",
            "POST",
            "/certificates/enrollments",
            Some(&token),
            json!({"certificateName": "Zły CSR", "certificateType": "Offline", "csr": "AAAA"}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(25004));
    let mut csr = csr_with_p256(&dn).unwrap().der().to_vec();
    let last = csr.len() - 3;
    csr[last] ^= 0x55;
    let r = h
        .checked(
            "post_certificates_enrollments",
            "POST",
            "/certificates/enrollments",
            Some(&token),
            json!({"certificateName": "Zły podpis", "certificateType": "Offline",
                   "csr": base64::engine::general_purpose::STANDARD.encode(&csr)}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(25004), "{:#}", r.body);
    for body in [
        json!({"certificateName": "abc", "certificateType": "Offline", "csr": "AAAA"}),
        json!({"certificateName": "Nazwa!", "certificateType": "Offline", "csr": "AAAA"}),
        json!({"certificateName": "Poprawna nazwa", "certificateType": "Signing", "csr": "AAAA"}),
        json!({"certificateName": "Poprawna nazwa", "certificateType": "Offline"}),
    ] {
        let r = h
            .checked(
                "post_certificates_enrollments",
                "POST",
                "/certificates/enrollments",
                Some(&token),
                body.clone(),
            )
            .await;
        assert_eq!(r.exception_code(), Some(21405), "{body} → {:#}", r.body);
    }
    let r = h
        .checked(
            "get_certificates_enrollments_by_reference_number",
            "GET",
            "/certificates/enrollments/20250101-CE-0000000000-0000000000-00",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(25005));
    let r = h
        .checked(
            "post_certificates_retrieve",
            "POST",
            "/certificates/retrieve",
            Some(&token),
            json!({"certificateSerialNumbers": ["xyz"]}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let r = h
        .checked(
            "post_certificates_query",
            "POST",
            "/certificates/query?pageSize=60",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));

    // Limits: no enrollments left.
    let r = h
        .checked(
            "post_testdata_limits_subject_certificate",
            "POST",
            "/testdata/limits/subject/certificate",
            Some(&token),
            json!({"enrollment": {"maxEnrollments": 0}}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = enroll(&h, &token, &dn, "Offline").await;
    assert_eq!(r.exception_code(), Some(25006));
    let limits = h
        .checked(
            "get_certificates_limits",
            "GET",
            "/certificates/limits",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(limits.body["canRequest"], false);
    let r = h
        .checked(
            "post_testdata_limits_subject_certificate",
            "POST",
            "/testdata/limits/subject/certificate",
            Some(&token),
            json!({"enrollment": {"maxEnrollments": 10}, "certificate": {"maxCertificates": 0}}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = enroll(&h, &token, &dn, "Offline").await;
    assert_eq!(r.exception_code(), Some(25007));

    // A KSeF-token session cannot ask for certificate data.
    let created = h
        .call(
            "POST",
            "/tokens",
            Some(&token),
            json!({"permissions": ["InvoiceRead"], "description": "Token do testu"}),
        )
        .await;
    let secret = created.body["token"].as_str().unwrap();
    let by_token = h
        .login_ksef_token(secret, "Nip", &n)
        .await
        .expect("token login");
    let r = h
        .checked(
            "get_certificates_enrollments_data",
            "GET",
            "/certificates/enrollments/data",
            Some(&by_token),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(25001));
    let r = enroll(&h, &by_token, &dn, "Offline").await;
    assert_eq!(r.exception_code(), Some(25002));
}

#[tokio::test]
async fn peppol_providers() {
    let h = Harness::fast().await;
    let r = h
        .checked(
            "get_peppol_query",
            "GET",
            "/peppol/query",
            None,
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["peppolProviders"].as_array().unwrap().len(), 3);
    assert_eq!(r.body["hasMore"], false);
    let r = h
        .checked(
            "get_peppol_query",
            "GET",
            "/peppol/query?pageOffset=1&pageSize=10",
            None,
            Value::Null,
        )
        .await;
    assert!(r.body["peppolProviders"].as_array().unwrap().is_empty());
    let r = h
        .checked(
            "get_peppol_query",
            "GET",
            "/peppol/query?pageSize=5",
            None,
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let r = h
        .checked(
            "get_peppol_query",
            "GET",
            "/peppol/query?pageOffset=x",
            None,
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));

    // A provider that received PefInvoicing is listed too.
    let n = nip();
    let token = h
        .login_person_nip(&n, ContextIdentifier::Nip(n.clone()))
        .await;
    let g = h
        .checked("post_permissions_authorizations_grants", "POST", "/permissions/authorizations/grants", Some(&token),
            json!({"subjectIdentifier": {"type": "PeppolId", "value": "PDE123456"}, "permission": "PefInvoicing",
                   "description": "Dostawca Peppol", "subjectDetails": {"fullName": "Peppol Provider GmbH"}}))
        .await;
    assert_eq!(g.status, 202, "{:#}", g.body);
    let r = h
        .checked(
            "get_peppol_query",
            "GET",
            "/peppol/query",
            None,
            Value::Null,
        )
        .await;
    let ids: Vec<&str> = r.body["peppolProviders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"PDE123456"), "{ids:?}");
}
