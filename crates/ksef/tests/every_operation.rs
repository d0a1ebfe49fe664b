//! Every one of the catalogue's operations is reachable through the facade's area methods.
//!
//! A replay transport answers each request with the spec's example response (or a small
//! hand-written one); the test logs in with a KSeF token, calls every area method once and
//! checks that the recorded requests cover every operation of the catalogue.

mod common;

use std::collections::BTreeSet;

use ksef::http::BearerToken;
use ksef::model::operations::OPERATIONS;
use ksef::model::{
    CertificateSerialNumber, KsefNumber, PermissionId, ReferenceNumber, SessionType,
};
use serde_json::json;

/// Decodes the spec's request example of `METHOD path` into the type the call site expects.
macro_rules! example {
    ($spec:expr, $method:literal, $path:literal) => {
        serde_json::from_value(common::request_example(&$spec, $method, $path))
            .unwrap_or_else(|e| panic!("request example of {} {}: {e}", $method, $path))
    };
}

/// Decodes a hand-written JSON body into the type the call site expects.
macro_rules! body {
    ($json:expr) => {
        serde_json::from_value($json).expect("hand-written body")
    };
}

fn reference() -> ReferenceNumber {
    ReferenceNumber::new_unchecked("20250625-EE-319D7EE000-B67F415CAD-2C")
}

fn ksef_number() -> KsefNumber {
    KsefNumber::new_unchecked("5265877635-20250826-0100001AF629-AF")
}

fn rate_limits() -> serde_json::Value {
    let values = json!({"perSecond": 10, "perMinute": 100, "perHour": 1000});
    let groups = [
        "batchSession",
        "collectiveIdentifier",
        "invoiceDownload",
        "invoiceExport",
        "invoiceExportStatus",
        "invoiceMetadata",
        "invoiceSend",
        "invoiceStatus",
        "onlineSession",
        "other",
        "sessionInvoiceList",
        "sessionList",
        "sessionMisc",
    ];
    let map: serde_json::Map<String, serde_json::Value> = groups
        .iter()
        .map(|g| ((*g).to_owned(), values.clone()))
        .collect();
    json!({ "rateLimits": map })
}

#[tokio::test]
async fn every_operation_is_reachable_through_the_facade() {
    let spec = common::spec();
    let (replay, api) = common::logged_in().await;
    let client = api.client().clone();
    let token = BearerToken::new("some-token");

    // Authentication steps.
    let auth = client.auth();
    auth.challenge().await.expect("challenge");
    auth.xades_signature("<AuthTokenRequest/>".into())
        .await
        .expect("xades");
    auth.ksef_token(example!(spec, "POST", "/auth/ksef-token"))
        .await
        .expect("ksef token");
    auth.status(reference(), &token).await.expect("auth status");
    auth.redeem(&token).await.expect("redeem");
    auth.refresh(&token).await.expect("refresh");

    // Active authentication sessions.
    let auth_sessions = api.auth_sessions();
    auth_sessions.list().await.expect("auth sessions");
    auth_sessions
        .terminate_current()
        .await
        .expect("terminate current");
    auth_sessions
        .terminate(reference())
        .await
        .expect("terminate");

    // Sessions.
    let sessions = api.sessions();
    sessions.list(SessionType::Online).await.expect("sessions");
    sessions.status(reference()).await.expect("session status");
    sessions
        .invoices(reference())
        .await
        .expect("session invoices");
    sessions
        .failed_invoices(reference())
        .await
        .expect("failed invoices");
    sessions
        .invoice_status(reference(), reference())
        .await
        .expect("invoice status");
    sessions
        .invoice_upo(reference(), reference())
        .await
        .expect("invoice upo");
    sessions
        .invoice_upo_by_ksef_number(reference(), ksef_number())
        .await
        .expect("upo by ksef number");
    sessions
        .session_upo(reference(), reference())
        .await
        .expect("session upo");
    sessions
        .online()
        .open(example!(spec, "POST", "/sessions/online"))
        .await
        .expect("open online");
    sessions
        .online()
        .send_invoice(
            reference(),
            example!(spec, "POST", "/sessions/online/{referenceNumber}/invoices"),
        )
        .await
        .expect("send invoice");
    sessions
        .online()
        .close(reference())
        .await
        .expect("close online");
    sessions
        .batch()
        .open(example!(spec, "POST", "/sessions/batch"))
        .await
        .expect("open batch");
    sessions
        .batch()
        .close(reference())
        .await
        .expect("close batch");

    // Invoices.
    let invoices = api.invoices();
    invoices.download(ksef_number()).await.expect("download");
    invoices
        .query_metadata(example!(spec, "POST", "/invoices/query/metadata"))
        .await
        .expect("metadata");
    invoices
        .export(example!(spec, "POST", "/invoices/exports"))
        .await
        .expect("export");
    invoices
        .export_status(reference())
        .await
        .expect("export status");

    // Tokens.
    let tokens = api.tokens();
    tokens
        .generate(example!(spec, "POST", "/tokens"))
        .await
        .expect("generate token");
    tokens.list().await.expect("tokens");
    tokens.status(reference()).await.expect("token status");
    tokens.revoke(reference()).await.expect("revoke token");

    // Permissions.
    let permissions = api.permissions();
    let id = || PermissionId::new_unchecked("0c9a72e8-f344-457f-9c16-7c640eb60242");
    permissions
        .grant_to_persons(example!(spec, "POST", "/permissions/persons/grants"))
        .await
        .expect("persons");
    permissions
        .grant_to_entities(example!(spec, "POST", "/permissions/entities/grants"))
        .await
        .expect("entities");
    permissions
        .grant_authorizations(example!(spec, "POST", "/permissions/authorizations/grants"))
        .await
        .expect("authorizations");
    permissions
        .grant_indirect(example!(spec, "POST", "/permissions/indirect/grants"))
        .await
        .expect("indirect");
    permissions
        .grant_to_subunits(example!(spec, "POST", "/permissions/subunits/grants"))
        .await
        .expect("subunits");
    permissions
        .grant_eu_entity_administration(example!(
            spec,
            "POST",
            "/permissions/eu-entities/administration/grants"
        ))
        .await
        .expect("eu administration");
    permissions
        .grant_to_eu_entities(example!(spec, "POST", "/permissions/eu-entities/grants"))
        .await
        .expect("eu");
    permissions.revoke(id()).await.expect("revoke");
    permissions
        .revoke_authorization(id())
        .await
        .expect("revoke authorization");
    let personal = example!(spec, "POST", "/permissions/query/personal/grants");
    permissions
        .query_personal()
        .with(|r| r.body = Some(personal))
        .await
        .expect("query personal");
    permissions
        .query_persons(example!(spec, "POST", "/permissions/query/persons/grants"))
        .await
        .expect("query persons");
    let subunits = example!(spec, "POST", "/permissions/query/subunits/grants");
    permissions
        .query_subunits()
        .with(|r| r.body = Some(subunits))
        .await
        .expect("query subunits");
    let entities = example!(spec, "POST", "/permissions/query/entities/grants");
    permissions
        .query_entities()
        .with(|r| r.body = Some(entities))
        .await
        .expect("query entities");
    permissions
        .query_entity_roles()
        .await
        .expect("entity roles");
    let subordinate = example!(
        spec,
        "POST",
        "/permissions/query/subordinate-entities/roles"
    );
    permissions
        .query_subordinate_entity_roles()
        .with(|r| r.body = Some(subordinate))
        .await
        .expect("subordinate");
    permissions
        .query_authorizations(example!(
            spec,
            "POST",
            "/permissions/query/authorizations/grants"
        ))
        .await
        .expect("query authorizations");
    let eu = example!(spec, "POST", "/permissions/query/eu-entities/grants");
    permissions
        .query_eu_entities()
        .with(|r| r.body = Some(eu))
        .await
        .expect("query eu");
    permissions
        .operation_status(reference())
        .await
        .expect("operation status");
    permissions
        .attachments_status()
        .await
        .expect("attachments status");

    // Certificates.
    let certificates = api.certificates();
    certificates.limits().await.expect("certificate limits");
    certificates
        .enrollment_data()
        .await
        .expect("enrollment data");
    certificates
        .enroll(example!(spec, "POST", "/certificates/enrollments"))
        .await
        .expect("enroll");
    certificates
        .enrollment_status(reference())
        .await
        .expect("enrollment status");
    let query = example!(spec, "POST", "/certificates/query");
    certificates
        .query()
        .with(|r| r.body = Some(query))
        .await
        .expect("certificate query");
    certificates
        .retrieve(example!(spec, "POST", "/certificates/retrieve"))
        .await
        .expect("retrieve");
    certificates
        .revoke(CertificateSerialNumber::new_unchecked("0182A2C45F3C3D1F"))
        .await
        .expect("revoke cert");
    certificates
        .update_test_certificate(
            CertificateSerialNumber::new_unchecked("0182A2C45F3C3D1F"),
            body!(json!({"validTo": "2026-01-01T00:00:00Z"})),
        )
        .await
        .expect("update test certificate");

    // Collective identifiers.
    let collective = api.collective_identifiers();
    collective
        .generate(example!(spec, "POST", "/collective-identifiers"))
        .await
        .expect("generate collective identifier");
    collective
        .query(example!(spec, "POST", "/collective-identifiers/query"))
        .await
        .expect("query collective identifiers");
    collective
        .invoices(body!(json!({
            "collectiveIdentifierNumbers": ["1111111111-IZ202607-65ED02180000-E7"]
        })))
        .await
        .expect("collective identifier invoices");
    collective
        .by_ksef_number(ksef_number())
        .await
        .expect("collective identifiers by KSeF number");

    // Limits (TEST setters included).
    let limits = api.limits();
    limits.context().await.expect("context limits");
    limits.subject().await.expect("subject limits");
    limits.api_rate_limits().await.expect("rate limits");
    let session_limits = json!({
        "onlineSession": {"maxInvoices": 10, "maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 2},
        "batchSession": {"maxInvoices": 10, "maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 2},
        "collectiveIdentifier": {"maxInvoices": 10}
    });
    limits
        .set_session_limits(body!(session_limits))
        .await
        .expect("set session limits");
    limits
        .reset_session_limits()
        .await
        .expect("reset session limits");
    limits
        .set_certificate_limits(body!(json!({})))
        .await
        .expect("set certificate limits");
    limits
        .reset_certificate_limits()
        .await
        .expect("reset certificate limits");
    limits
        .set_rate_limits(body!(rate_limits()))
        .await
        .expect("set rate limits");
    limits.reset_rate_limits().await.expect("reset rate limits");
    limits
        .set_production_rate_limits()
        .await
        .expect("production rate limits");

    // Test data, through the anonymous client.
    let testdata = client.testdata();
    testdata
        .create_subject(example!(spec, "POST", "/testdata/subject"))
        .await
        .expect("subject");
    testdata
        .remove_subject(example!(spec, "POST", "/testdata/subject/remove"))
        .await
        .expect("remove subject");
    testdata
        .create_person(example!(spec, "POST", "/testdata/person"))
        .await
        .expect("person");
    testdata
        .remove_person(example!(spec, "POST", "/testdata/person/remove"))
        .await
        .expect("remove person");
    testdata
        .grant_permissions(example!(spec, "POST", "/testdata/permissions"))
        .await
        .expect("grant");
    testdata
        .revoke_permissions(example!(spec, "POST", "/testdata/permissions/revoke"))
        .await
        .expect("revoke");
    testdata
        .grant_attachment(example!(spec, "POST", "/testdata/attachment"))
        .await
        .expect("attachment");
    testdata
        .revoke_attachment(example!(spec, "POST", "/testdata/attachment/revoke"))
        .await
        .expect("revoke att.");
    let context = json!({"contextIdentifier": {"type": "Nip", "value": "5265877635"}});
    testdata
        .block_context(body!(context.clone()))
        .await
        .expect("block");
    testdata
        .unblock_context(body!(context))
        .await
        .expect("unblock");

    // Public areas, on both clients.
    client
        .security()
        .public_key_certificates()
        .await
        .expect("public keys");
    api.security()
        .public_key_certificates()
        .await
        .expect("public keys (logged in)");
    client.peppol().providers().await.expect("peppol");
    api.peppol().providers().await.expect("peppol (logged in)");

    // The access token travels exactly with the operations that need one.
    for request in replay.requests() {
        let op = common::match_operation(request.method.as_str(), request.url.path())
            .expect("known operation");
        let bearer = request
            .header("authorization")
            .is_some_and(|h| h.starts_with("Bearer "));
        assert_eq!(
            bearer, op.requires_bearer,
            "authorization header of {}",
            op.name
        );
    }

    let seen: BTreeSet<&str> = common::operation_names(&replay).into_iter().collect();
    let all: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.name).collect();
    let missing: Vec<&&str> = all.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "operations not reached through the facade: {missing:?}"
    );
    assert_eq!(all.len(), 83, "the catalogue changed size");
    assert_eq!(seen, all);
}

#[test]
fn the_template_matcher_prefers_literal_segments() {
    let op = |m, p| common::match_operation(m, p).map(|o| o.name);
    assert_eq!(
        op("GET", "/v2/sessions/X/invoices/failed"),
        Some("get_sessions_by_reference_number_invoices_failed")
    );
    assert_eq!(
        op("GET", "/v2/sessions/X/invoices/Y"),
        Some("get_sessions_by_reference_number_invoices_by_invoice_reference_number")
    );
    assert_eq!(op("GET", "/v2/auth/sessions"), Some("get_auth_sessions"));
    assert_eq!(
        op("GET", "/v2/auth/R"),
        Some("get_auth_by_reference_number")
    );
    assert_eq!(op("PUT", "/v2/auth/R"), None);
}
