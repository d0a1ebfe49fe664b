//! Permissions: the grant operations (asynchronous, `EG` operations), their effect on later
//! logins, the queries with their filters and paging, revocation and the main error paths.
//! Every response is checked against the spec's schema.

mod support;

use ksef_crypto::test_certs::PersonIdentifier;
use ksef_crypto::xades::ContextIdentifier;
use serde_json::{Value, json};
use support::{Harness, nip, pesel};

fn person_details() -> Value {
    json!({"subjectDetailsType": "PersonByIdentifier", "personById": {"firstName": "Anna", "lastName": "Nowak"}})
}

async fn wait_done(h: &Harness, access: &str, accepted: &support::Reply) {
    assert_eq!(accepted.status, 202, "{:#}", accepted.body);
    let reference = accepted.body["referenceNumber"].as_str().unwrap();
    for _ in 0..100 {
        let st = h
            .checked(
                "get_permissions_operations_by_reference_number",
                "GET",
                &format!("/permissions/operations/{reference}"),
                Some(access),
                Value::Null,
            )
            .await;
        assert_eq!(st.status, 200, "{:#}", st.body);
        match st.body["status"]["code"].as_i64() {
            Some(100) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            Some(200) => return,
            other => panic!("operation failed: {other:?} {:#}", st.body),
        }
    }
    panic!("operation {reference} did not finish");
}

#[tokio::test]
async fn person_grant_reaches_login_queries_and_revocation() {
    let h = Harness::start(ksef_emulator::EmulatorConfig {
        rate_limits: ksef_emulator::RateLimitMode::Off,
        auth_processing_ms: 0,
        // Long enough that the first status poll sees 100 on a loaded machine.
        permission_processing_ms: 1500,
        ..Default::default()
    })
    .await;
    let a = nip();
    let b = nip();
    let owner = h
        .login_person_nip(&a, ContextIdentifier::Nip(a.clone()))
        .await;

    // B has nothing in A's context yet.
    let denied = h
        .login(
            PersonIdentifier::Nip(b.clone()),
            ContextIdentifier::Nip(a.clone()),
        )
        .await;
    assert_eq!(denied.expect_err("no permissions")["code"], 415);

    let grant = h
        .checked("post_permissions_persons_grants", "POST", "/permissions/persons/grants", Some(&owner),
            json!({"subjectIdentifier": {"type": "Nip", "value": b}, "permissions": ["InvoiceRead", "CredentialsRead"],
                   "description": "Księgowa biura", "subjectDetails": person_details()}))
        .await;
    let reference = grant.body["referenceNumber"].as_str().unwrap().to_owned();
    let st = h
        .checked(
            "get_permissions_operations_by_reference_number",
            "GET",
            &format!("/permissions/operations/{reference}"),
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(st.body["status"]["code"], 100, "processing first");
    wait_done(&h, &owner, &grant).await;

    let b_token = h
        .login(
            PersonIdentifier::Nip(b.clone()),
            ContextIdentifier::Nip(a.clone()),
        )
        .await
        .expect("granted");
    let personal = h
        .checked(
            "post_permissions_query_personal_grants",
            "POST",
            "/permissions/query/personal/grants",
            Some(&b_token),
            json!({}),
        )
        .await;
    assert_eq!(personal.status, 200);
    let scopes: Vec<&str> = personal.body["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["permissionScope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes.len(), 2, "{scopes:?}");
    let filtered = h
        .checked(
            "post_permissions_query_personal_grants",
            "POST",
            "/permissions/query/personal/grants",
            Some(&b_token),
            json!({"permissionTypes": ["CredentialsRead"]}),
        )
        .await;
    assert_eq!(filtered.body["permissions"].as_array().unwrap().len(), 1);

    // B (CredentialsRead) may query persons but not grant.
    let forbidden = h
        .checked(
            "post_permissions_persons_grants",
            "POST",
            "/permissions/persons/grants",
            Some(&b_token),
            json!({"subjectIdentifier": {"type": "Nip", "value": a}, "permissions": ["InvoiceRead"],
                   "description": "Nie wolno", "subjectDetails": person_details()}),
        )
        .await;
    assert_eq!(forbidden.status, 403);

    let persons = h
        .checked("post_permissions_query_persons_grants", "POST", "/permissions/query/persons/grants", Some(&owner),
            json!({"queryType": "PermissionsInCurrentContext", "authorizedIdentifier": {"type": "Nip", "value": b}}))
        .await;
    assert_eq!(persons.status, 200);
    let list = persons.body["permissions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0]["authorIdentifier"],
        json!({"type": "Nip", "value": a})
    );
    assert_eq!(list[0]["subjectPersonDetails"]["firstName"], "Anna");
    let granted = h
        .checked("post_permissions_query_persons_grants", "POST", "/permissions/query/persons/grants", Some(&owner),
            json!({"queryType": "PermissionsGrantedInCurrentContext", "permissionTypes": ["InvoiceRead"]}))
        .await;
    assert_eq!(granted.body["permissions"].as_array().unwrap().len(), 1);
    let inactive = h
        .checked(
            "post_permissions_query_persons_grants",
            "POST",
            "/permissions/query/persons/grants",
            Some(&owner),
            json!({"queryType": "PermissionsInCurrentContext", "permissionState": "Inactive"}),
        )
        .await;
    assert!(inactive.body["permissions"].as_array().unwrap().is_empty());

    // Revoke both; B's next login fails.
    for p in list {
        let id = p["id"].as_str().unwrap();
        let r = h
            .checked(
                "delete_permissions_common_grants_by_permission_id",
                "DELETE",
                &format!("/permissions/common/grants/{id}"),
                Some(&owner),
                Value::Null,
            )
            .await;
        wait_done(&h, &owner, &r).await;
    }
    let denied = h
        .login(
            PersonIdentifier::Nip(b.clone()),
            ContextIdentifier::Nip(a.clone()),
        )
        .await;
    assert_eq!(denied.expect_err("revoked")["code"], 415);
    let gone = h
        .checked(
            "delete_permissions_common_grants_by_permission_id",
            "DELETE",
            &format!(
                "/permissions/common/grants/{}",
                list[0]["id"].as_str().unwrap()
            ),
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(gone.exception_code(), Some(21405));
}

#[tokio::test]
async fn validation_and_paging_errors() {
    let h = Harness::fast().await;
    let a = nip();
    let owner = h
        .login_person_nip(&a, ContextIdentifier::Nip(a.clone()))
        .await;
    let bad_bodies = [
        json!({"subjectIdentifier": {"type": "Nip", "value": "123"}, "permissions": ["InvoiceRead"], "description": "Zły NIP", "subjectDetails": person_details()}),
        json!({"subjectIdentifier": {"type": "Nip", "value": nip()}, "permissions": ["Nothing"], "description": "Złe uprawnienie", "subjectDetails": person_details()}),
        json!({"subjectIdentifier": {"type": "Nip", "value": nip()}, "permissions": ["InvoiceRead"], "description": "abc", "subjectDetails": person_details()}),
        json!({"subjectIdentifier": {"type": "Nip", "value": nip()}, "permissions": ["InvoiceRead"], "description": "Bez danych"}),
        json!({"subjectIdentifier": {"type": "Pesel", "value": pesel()}, "permissions": ["EnforcementOperations"], "description": "Egzekucja", "subjectDetails": person_details()}),
    ];
    for body in bad_bodies {
        let r = h
            .checked(
                "post_permissions_persons_grants",
                "POST",
                "/permissions/persons/grants",
                Some(&owner),
                body.clone(),
            )
            .await;
        assert_eq!(r.exception_code(), Some(21405), "{body} → {:#}", r.body);
    }
    let r = h
        .checked(
            "post_permissions_query_persons_grants",
            "POST",
            "/permissions/query/persons/grants?pageSize=5",
            Some(&owner),
            json!({"queryType": "PermissionsInCurrentContext"}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let r = h
        .checked(
            "post_permissions_query_persons_grants",
            "POST",
            "/permissions/query/persons/grants",
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405), "queryType is required");
    let r = h
        .checked(
            "get_permissions_operations_by_reference_number",
            "GET",
            "/permissions/operations/20250101-EG-0000000000-0000000000-00",
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let r = h
        .checked(
            "delete_permissions_authorizations_grants_by_permission_id",
            "DELETE",
            "/permissions/authorizations/grants/short",
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    // EU entity grants need a NipVatUe context.
    let r = h
        .checked("post_permissions_eu_entities_grants", "POST", "/permissions/eu-entities/grants", Some(&owner),
            json!({"subjectIdentifier": {"type": "Fingerprint", "value": "A".repeat(64)}, "permissions": ["InvoiceRead"],
                   "description": "Przedstawiciel", "subjectDetails": {"subjectDetailsType": "EntityByFingerprint",
                   "entityByFp": {"fullName": "Firma GmbH", "address": "Berlin"}}}))
        .await;
    assert_eq!(r.exception_code(), Some(21405));

    // Paging of persons grants: 12 grants, pages of 10.
    for _ in 0..12 {
        let r = h
            .checked("post_permissions_persons_grants", "POST", "/permissions/persons/grants", Some(&owner),
                json!({"subjectIdentifier": {"type": "Pesel", "value": pesel()}, "permissions": ["InvoiceWrite"],
                       "description": "Wystawca faktur", "subjectDetails": person_details()}))
            .await;
        wait_done(&h, &owner, &r).await;
    }
    let page0 = h
        .checked(
            "post_permissions_query_persons_grants",
            "POST",
            "/permissions/query/persons/grants?pageOffset=0&pageSize=10",
            Some(&owner),
            json!({"queryType": "PermissionsInCurrentContext"}),
        )
        .await;
    assert_eq!(page0.body["permissions"].as_array().unwrap().len(), 10);
    assert_eq!(page0.body["hasMore"], true);
    let page1 = h
        .checked(
            "post_permissions_query_persons_grants",
            "POST",
            "/permissions/query/persons/grants?pageOffset=1&pageSize=10",
            Some(&owner),
            json!({"queryType": "PermissionsInCurrentContext"}),
        )
        .await;
    assert_eq!(page1.body["permissions"].as_array().unwrap().len(), 2);
    assert_eq!(page1.body["hasMore"], false);
}

#[tokio::test]
async fn entity_authorization_indirect_subunit_and_eu_grants() {
    let h = Harness::fast().await;
    let a = nip();
    let c = nip();
    let owner = h
        .login_person_nip(&a, ContextIdentifier::Nip(a.clone()))
        .await;

    let r = h
        .checked("post_permissions_entities_grants", "POST", "/permissions/entities/grants", Some(&owner),
            json!({"subjectIdentifier": {"type": "Nip", "value": c}, "permissions": [{"type": "InvoiceRead", "canDelegate": true}],
                   "description": "Biuro rachunkowe", "subjectDetails": {"fullName": "Biuro Rachunkowe Sp. z o.o."}}))
        .await;
    wait_done(&h, &owner, &r).await;
    let r = h
        .checked("post_permissions_authorizations_grants", "POST", "/permissions/authorizations/grants", Some(&owner),
            json!({"subjectIdentifier": {"type": "Nip", "value": c}, "permission": "SelfInvoicing",
                   "description": "Samofakturowanie", "subjectDetails": {"fullName": "Odbiorca Sp. z o.o."}}))
        .await;
    wait_done(&h, &owner, &r).await;
    let r = h
        .checked("post_permissions_indirect_grants", "POST", "/permissions/indirect/grants", Some(&owner),
            json!({"subjectIdentifier": {"type": "Pesel", "value": pesel()}, "targetIdentifier": {"type": "AllPartners"},
                   "permissions": ["InvoiceRead"], "description": "Pośrednie", "subjectDetails": person_details()}))
        .await;
    wait_done(&h, &owner, &r).await;
    let internal = ksef_crypto::identifiers::generate::random_internal_id(
        &mut rand::thread_rng(),
        &ksef_crypto::identifiers::Nip::parse(&a).unwrap(),
    );
    let r = h
        .checked("post_permissions_subunits_grants", "POST", "/permissions/subunits/grants", Some(&owner),
            json!({"subjectIdentifier": {"type": "Nip", "value": nip()}, "contextIdentifier": {"type": "InternalId", "value": internal.as_str()},
                   "description": "Administrator oddziału", "subunitName": "Oddział Kraków", "subjectDetails": person_details()}))
        .await;
    wait_done(&h, &owner, &r).await;
    let fingerprint = "AB".repeat(32);
    let r = h
        .checked("post_permissions_eu_entities_administration_grants", "POST", "/permissions/eu-entities/administration/grants", Some(&owner),
            json!({"subjectIdentifier": {"type": "Fingerprint", "value": fingerprint},
                   "contextIdentifier": {"type": "NipVatUe", "value": format!("{a}-DE123456789")},
                   "description": "Administrator UE", "euEntityName": "Firma GmbH Berlin",
                   "subjectDetails": {"subjectDetailsType": "PersonByFingerprintWithoutIdentifier",
                       "personByFpNoId": {"firstName": "Hans", "lastName": "Müller", "birthDate": "1980-01-02",
                       "idDocument": {"type": "Passport", "number": "C01X00T47", "country": "DE"}}},
                   "euEntityDetails": {"fullName": "Firma GmbH", "address": "Berlin"}}))
        .await;
    wait_done(&h, &owner, &r).await;

    let sub = h
        .checked(
            "post_permissions_query_subunits_grants",
            "POST",
            "/permissions/query/subunits/grants",
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(sub.status, 200, "{:#}", sub.body);
    assert_eq!(sub.body["permissions"][0]["subunitName"], "Oddział Kraków");
    let eu = h
        .checked(
            "post_permissions_query_eu_entities_grants",
            "POST",
            "/permissions/query/eu-entities/grants",
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(
        eu.body["permissions"].as_array().unwrap().len(),
        1,
        "{:#}",
        eu.body
    );
    assert_eq!(eu.body["permissions"][0]["vatUeIdentifier"], "DE123456789");
    let eu_none = h
        .checked(
            "post_permissions_query_eu_entities_grants",
            "POST",
            "/permissions/query/eu-entities/grants",
            Some(&owner),
            json!({"vatUeIdentifier": "FR12345678901"}),
        )
        .await;
    assert!(eu_none.body["permissions"].as_array().unwrap().is_empty());
    let indirect = h
        .checked("post_permissions_query_persons_grants", "POST", "/permissions/query/persons/grants", Some(&owner),
            json!({"queryType": "PermissionsGrantedInCurrentContext", "targetIdentifier": {"type": "AllPartners"}}))
        .await;
    assert_eq!(
        indirect.body["permissions"].as_array().unwrap().len(),
        1,
        "{:#}",
        indirect.body
    );
    let granted = h
        .checked(
            "post_permissions_query_authorizations_grants",
            "POST",
            "/permissions/query/authorizations/grants",
            Some(&owner),
            json!({"queryType": "Granted"}),
        )
        .await;
    assert_eq!(
        granted.body["authorizationGrants"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // C sees what it received.
    let c_token = h
        .login_person_nip(&c, ContextIdentifier::Nip(c.clone()))
        .await;
    let received = h
        .checked(
            "post_permissions_query_authorizations_grants",
            "POST",
            "/permissions/query/authorizations/grants",
            Some(&c_token),
            json!({"queryType": "Received", "permissionTypes": ["SelfInvoicing"]}),
        )
        .await;
    assert_eq!(
        received.body["authorizationGrants"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let entities = h
        .checked(
            "post_permissions_query_entities_grants",
            "POST",
            "/permissions/query/entities/grants",
            Some(&c_token),
            json!({"contextIdentifier": {"type": "Nip", "value": a}}),
        )
        .await;
    assert_eq!(entities.body["permissions"].as_array().unwrap().len(), 1);
    assert_eq!(entities.body["permissions"][0]["canDelegate"], true);

    // The authorization is revoked through its own endpoint.
    let id = granted.body["authorizationGrants"][0]["id"]
        .as_str()
        .unwrap();
    let wrong = h
        .checked(
            "delete_permissions_common_grants_by_permission_id",
            "DELETE",
            &format!("/permissions/common/grants/{id}"),
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(wrong.exception_code(), Some(21405));
    let r = h
        .checked(
            "delete_permissions_authorizations_grants_by_permission_id",
            "DELETE",
            &format!("/permissions/authorizations/grants/{id}"),
            Some(&owner),
            Value::Null,
        )
        .await;
    wait_done(&h, &owner, &r).await;
    let granted = h
        .checked(
            "post_permissions_query_authorizations_grants",
            "POST",
            "/permissions/query/authorizations/grants",
            Some(&owner),
            json!({"queryType": "Granted"}),
        )
        .await;
    assert!(
        granted.body["authorizationGrants"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
