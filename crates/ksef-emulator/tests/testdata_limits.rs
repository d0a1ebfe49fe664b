//! Test data (subjects, persons, permissions, blocked contexts) and limits (effective values,
//! overrides, request-limit overrides enforced by the pipeline). Every response is checked
//! against the spec's schema.

mod support;

use ksef_crypto::test_certs::PersonIdentifier;
use ksef_crypto::xades::ContextIdentifier;
use serde_json::{Value, json};
use support::{Harness, nip, pesel};

#[tokio::test]
async fn persons_and_subjects() {
    let h = Harness::fast().await;
    let n = nip();
    let p = pesel();
    let body = json!({"nip": n, "pesel": p, "isBailiff": true, "description": "Komornik sądowy"});
    let r = h
        .checked(
            "post_testdata_person",
            "POST",
            "/testdata/person",
            None,
            body.clone(),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let dup = h
        .checked(
            "post_testdata_person",
            "POST",
            "/testdata/person",
            None,
            body,
        )
        .await;
    assert_eq!(dup.exception_code(), Some(30001));

    // The person logs in with the PESEL in the NIP context as owner and bailiff.
    let token = h
        .login(
            PersonIdentifier::Pesel(p.clone()),
            ContextIdentifier::Nip(n.clone()),
        )
        .await
        .expect("person is owner");
    let personal = h
        .checked(
            "get_permissions_query_entities_roles",
            "GET",
            "/permissions/query/entities/roles",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(
        personal.body["roles"][0]["role"], "CourtBailiff",
        "{:#}",
        personal.body
    );
    let r = h
        .checked(
            "post_testdata_person_remove",
            "POST",
            "/testdata/person/remove",
            None,
            json!({"nip": n}),
        )
        .await;
    assert_eq!(r.status, 200);
    let gone = h
        .login(PersonIdentifier::Pesel(p), ContextIdentifier::Nip(n))
        .await;
    assert_eq!(gone.expect_err("removed")["code"], 415);

    for bad in [
        json!({"nip": "1234567890", "pesel": pesel(), "isBailiff": false, "description": "Zły NIP"}),
        json!({"nip": nip(), "pesel": "123", "isBailiff": false, "description": "Zły PESEL"}),
        json!({"nip": nip(), "pesel": pesel(), "description": "Brak flagi"}),
        json!({"nip": nip(), "pesel": pesel(), "isBailiff": false, "description": "abc"}),
    ] {
        let r = h
            .checked(
                "post_testdata_person",
                "POST",
                "/testdata/person",
                None,
                bad.clone(),
            )
            .await;
        assert_eq!(r.exception_code(), Some(21405), "{bad} → {:#}", r.body);
    }

    let s = nip();
    let subject = json!({"subjectNip": s, "subjectType": "JST", "description": "Gmina testowa"});
    let r = h
        .checked(
            "post_testdata_subject",
            "POST",
            "/testdata/subject",
            None,
            subject.clone(),
        )
        .await;
    assert_eq!(r.status, 200);
    let dup = h
        .checked(
            "post_testdata_subject",
            "POST",
            "/testdata/subject",
            None,
            subject,
        )
        .await;
    assert_eq!(dup.exception_code(), Some(30001));
    let bad = h
        .checked(
            "post_testdata_subject",
            "POST",
            "/testdata/subject",
            None,
            json!({"subjectNip": nip(), "subjectType": "Kingdom", "description": "Nieznany typ"}),
        )
        .await;
    assert_eq!(bad.exception_code(), Some(21405));
    let r = h
        .checked(
            "post_testdata_subject_remove",
            "POST",
            "/testdata/subject/remove",
            None,
            json!({"subjectNip": s}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = h
        .checked(
            "post_testdata_subject_remove",
            "POST",
            "/testdata/subject/remove",
            None,
            json!({}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
}

#[tokio::test]
async fn testdata_permissions_and_blocked_contexts() {
    let h = Harness::fast().await;
    let ctx = nip();
    let who = nip();
    let grant = json!({
        "contextIdentifier": {"type": "nip", "value": ctx},
        "authorizedIdentifier": {"type": "Nip", "value": who},
        "permissions": [
            {"permissionType": "InvoiceRead", "description": "Odczyt faktur"},
            {"permissionType": "CredentialsManage", "description": "Zarządzanie uprawnieniami"}
        ]
    });
    let r = h
        .checked(
            "post_testdata_permissions",
            "POST",
            "/testdata/permissions",
            None,
            grant,
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let token = h
        .login(
            PersonIdentifier::Nip(who.clone()),
            ContextIdentifier::Nip(ctx.clone()),
        )
        .await
        .expect("granted by test data");
    let persons = h
        .checked("post_permissions_query_persons_grants", "POST", "/permissions/query/persons/grants", Some(&token),
            json!({"queryType": "PermissionsInCurrentContext", "authorIdentifier": {"type": "System"}}))
        .await;
    assert_eq!(
        persons.body["permissions"].as_array().unwrap().len(),
        2,
        "{:#}",
        persons.body
    );

    let revoke = json!({"contextIdentifier": {"type": "Nip", "value": ctx}, "authorizedIdentifier": {"type": "Nip", "value": who}});
    let r = h
        .checked(
            "post_testdata_permissions_revoke",
            "POST",
            "/testdata/permissions/revoke",
            None,
            revoke,
        )
        .await;
    assert_eq!(r.status, 200);
    let denied = h
        .login(
            PersonIdentifier::Nip(who.clone()),
            ContextIdentifier::Nip(ctx.clone()),
        )
        .await;
    assert_eq!(denied.expect_err("revoked")["code"], 415);
    let bad = h
        .checked("post_testdata_permissions", "POST", "/testdata/permissions", None,
            json!({"contextIdentifier": {"type": "Pesel", "value": pesel()}, "authorizedIdentifier": {"type": "Nip", "value": who}, "permissions": []}))
        .await;
    assert_eq!(bad.exception_code(), Some(21405));

    // A blocked context refuses new logins with 480 until it is unblocked.
    let block = json!({"contextIdentifier": {"type": "Nip", "value": ctx}});
    let r = h
        .checked(
            "post_testdata_context_block",
            "POST",
            "/testdata/context/block",
            None,
            block.clone(),
        )
        .await;
    assert_eq!(r.status, 200);
    let blocked = h
        .login(
            PersonIdentifier::Nip(ctx.clone()),
            ContextIdentifier::Nip(ctx.clone()),
        )
        .await;
    assert_eq!(blocked.expect_err("blocked")["code"], 480);
    let r = h
        .checked(
            "post_testdata_context_unblock",
            "POST",
            "/testdata/context/unblock",
            None,
            block,
        )
        .await;
    assert_eq!(r.status, 200);
    h.login(
        PersonIdentifier::Nip(ctx.clone()),
        ContextIdentifier::Nip(ctx),
    )
    .await
    .expect("unblocked");
    let bad = h
        .checked(
            "post_testdata_context_block",
            "POST",
            "/testdata/context/block",
            None,
            json!({"contextIdentifier": {"type": "Nip", "value": "0000000000"}}),
        )
        .await;
    assert_eq!(bad.exception_code(), Some(21405));
}

#[tokio::test]
async fn session_and_subject_limits() {
    let h = Harness::fast().await;
    let n = nip();
    let token = h
        .login_person_nip(&n, ContextIdentifier::Nip(n.clone()))
        .await;
    let defaults = h
        .checked(
            "get_limits_context",
            "GET",
            "/limits/context",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(
        defaults.body["onlineSession"]["maxInvoiceSizeInMB"], 1,
        "{:#}",
        defaults.body
    );
    assert_eq!(defaults.body["batchSession"]["maxInvoices"], 10_000);
    assert_eq!(defaults.body["collectiveIdentifier"]["maxInvoices"], 500);
    let set = json!({
        "onlineSession": {"maxInvoiceSizeInMB": 4, "maxInvoiceWithAttachmentSizeInMB": 5, "maxInvoices": 20},
        "batchSession": {"maxInvoiceSizeInMB": 2, "maxInvoiceWithAttachmentSizeInMB": 6, "maxInvoices": 30},
        "collectiveIdentifier": {"maxInvoices": 7}
    });
    let r = h
        .checked(
            "post_testdata_limits_context_session",
            "POST",
            "/testdata/limits/context/session",
            Some(&token),
            set,
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let now = h
        .checked(
            "get_limits_context",
            "GET",
            "/limits/context",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(now.body["onlineSession"]["maxInvoices"], 20);
    assert_eq!(now.body["collectiveIdentifier"]["maxInvoices"], 7);
    assert_eq!(
        now.body["batchSession"]["maxInvoiceWithAttachmentSizeInMB"],
        6
    );
    let r = h
        .checked(
            "delete_testdata_limits_context_session",
            "DELETE",
            "/testdata/limits/context/session",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 200);
    let back = h
        .checked(
            "get_limits_context",
            "GET",
            "/limits/context",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(back.body, defaults.body);
    let too_big = json!({
        "onlineSession": {"maxInvoiceSizeInMB": 6, "maxInvoiceWithAttachmentSizeInMB": 5, "maxInvoices": 20},
        "batchSession": {"maxInvoiceSizeInMB": 2, "maxInvoiceWithAttachmentSizeInMB": 6, "maxInvoices": 30},
        "collectiveIdentifier": {"maxInvoices": 7}
    });
    let r = h
        .checked(
            "post_testdata_limits_context_session",
            "POST",
            "/testdata/limits/context/session",
            Some(&token),
            too_big,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let one_invoice = json!({
        "onlineSession": {"maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 5, "maxInvoices": 20},
        "batchSession": {"maxInvoiceSizeInMB": 2, "maxInvoiceWithAttachmentSizeInMB": 6, "maxInvoices": 30},
        "collectiveIdentifier": {"maxInvoices": 1}
    });
    let r = h
        .checked(
            "post_testdata_limits_context_session",
            "POST",
            "/testdata/limits/context/session",
            Some(&token),
            one_invoice,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405), "{:#}", r.body);

    let subject = h
        .checked(
            "get_limits_subject",
            "GET",
            "/limits/subject",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(subject.body["certificate"]["maxCertificates"], 100);
    let r = h
        .checked("post_testdata_limits_subject_certificate", "POST", "/testdata/limits/subject/certificate", Some(&token),
            json!({"subjectIdentifierType": "Nip", "enrollment": {"maxEnrollments": 3}, "certificate": {"maxCertificates": 2}}))
        .await;
    assert_eq!(r.status, 200);
    let subject = h
        .checked(
            "get_limits_subject",
            "GET",
            "/limits/subject",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(subject.body["enrollment"]["maxEnrollments"], 3);
    assert_eq!(subject.body["certificate"]["maxCertificates"], 2);
    let r = h
        .checked(
            "post_testdata_limits_subject_certificate",
            "POST",
            "/testdata/limits/subject/certificate",
            Some(&token),
            json!({"enrollment": {"maxEnrollments": -1}}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let r = h
        .checked(
            "delete_testdata_limits_subject_certificate",
            "DELETE",
            "/testdata/limits/subject/certificate",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 200);
    let subject = h
        .checked(
            "get_limits_subject",
            "GET",
            "/limits/subject",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(subject.body["enrollment"]["maxEnrollments"], 300);
}

fn rate_body(other_per_second: u32) -> Value {
    let groups = [
        "onlineSession",
        "batchSession",
        "invoiceSend",
        "invoiceStatus",
        "sessionList",
        "sessionInvoiceList",
        "sessionMisc",
        "invoiceMetadata",
        "invoiceExport",
        "invoiceExportStatus",
        "invoiceDownload",
        "collectiveIdentifier",
        "other",
    ];
    let mut limits = serde_json::Map::new();
    for g in groups {
        let per_second = if g == "other" { other_per_second } else { 100 };
        limits.insert(
            g.to_owned(),
            json!({"perSecond": per_second, "perMinute": 1000, "perHour": 10000}),
        );
    }
    json!({"rateLimits": limits})
}

#[tokio::test]
async fn rate_limit_overrides_are_enforced() {
    let h = Harness::fast().await;
    let n = nip();
    let token = h
        .login_person_nip(&n, ContextIdentifier::Nip(n.clone()))
        .await;
    let spec = h
        .checked(
            "get_rate_limits",
            "GET",
            "/rate-limits",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(spec.status, 200, "{:#}", spec.body);
    // The 2.9 groups, with the spec's values (-1: no limit in that window).
    assert_eq!(spec.body["global"]["perSecond"], 75);
    assert_eq!(spec.body["global"]["perHour"], -1);
    assert_eq!(spec.body["anonymous"]["perSecond"], 60);
    assert_eq!(spec.body["anonymous"]["perMinute"], -1);
    assert_eq!(spec.body["onlineSessionClose"]["perMinute"], 60);
    assert_eq!(spec.body["batchSessionClose"]["perMinute"], 40);
    assert_eq!(spec.body["collectiveIdentifier"]["perHour"], 240);
    let r = h
        .checked(
            "post_testdata_rate_limits",
            "POST",
            "/testdata/rate-limits",
            Some(&token),
            rate_body(3),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = h
            .checked(
                "get_rate_limits",
                "GET",
                "/rate-limits",
                Some(&token),
                Value::Null,
            )
            .await;
        if r.status == 200 {
            assert_eq!(r.body["other"]["perSecond"], 3);
        } else {
            assert!(r.headers.get("retry-after").is_some());
        }
        statuses.push(r.status);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = h
        .checked(
            "delete_testdata_rate_limits",
            "DELETE",
            "/testdata/rate-limits",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 200);
    for _ in 0..5 {
        let r = h
            .checked(
                "get_rate_limits",
                "GET",
                "/rate-limits",
                Some(&token),
                Value::Null,
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let r = h
        .checked(
            "post_testdata_rate_limits_production",
            "POST",
            "/testdata/rate-limits/production",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 200);
    let prod = h
        .checked(
            "get_rate_limits",
            "GET",
            "/rate-limits",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(
        prod.body, spec.body,
        "the spec's limits are the production values"
    );
    let mut bad = rate_body(3);
    bad["rateLimits"]["other"]["perHour"] = json!("many");
    let r = h
        .checked(
            "post_testdata_rate_limits",
            "POST",
            "/testdata/rate-limits",
            Some(&token),
            bad,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let r = h
        .checked(
            "post_testdata_rate_limits",
            "POST",
            "/testdata/rate-limits",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
}
