//! `TestDataScope` undoes what it created, newest first, and keeps going after a failure.

mod common;

use ksef::Error;
use ksef::http::testing::Reply;
use serde_json::{Value, json};

/// Decodes a hand-written JSON body into the type the call site expects.
macro_rules! body {
    ($json:expr) => {
        serde_json::from_value($json).expect("hand-written body")
    };
}

fn subject() -> Value {
    json!({"subjectNip": "7762811692", "subjectType": "EnforcementAuthority", "description": "test subject"})
}

fn person() -> Value {
    json!({"nip": "7762811693", "pesel": "90010112345", "isBailiff": false, "description": "test person"})
}

fn grant() -> Value {
    json!({
        "contextIdentifier": {"type": "Nip", "value": "7762811692"},
        "authorizedIdentifier": {"type": "Nip", "value": "7762811693"},
        "permissions": [{"permissionType": "InvoiceRead", "description": "read"}]
    })
}

fn context() -> Value {
    json!({"contextIdentifier": {"type": "Nip", "value": "7762811692"}})
}

fn session_limits() -> Value {
    json!({
        "onlineSession": {"maxInvoices": 10, "maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 2},
        "batchSession": {"maxInvoices": 10, "maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 2},
        "collectiveIdentifier": {"maxInvoices": 10}
    })
}

fn rate_limits() -> Value {
    let values = json!({"perSecond": 1, "perMinute": 2, "perHour": 3});
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
    let map: serde_json::Map<String, Value> = groups
        .iter()
        .map(|g| ((*g).to_owned(), values.clone()))
        .collect();
    json!({ "rateLimits": map })
}

fn failure() -> Reply {
    Reply::json(
        400,
        json!({"exception": {"exceptionDetailList": [{"exceptionCode": 30001, "exceptionDescription": "scripted"}]}}),
    )
}

#[tokio::test]
async fn cleanup_undoes_everything_in_reverse_order() {
    let replay = common::replay_with(|_| None);
    let api = common::login(&replay).await;
    let scope = api.testdata().scope();

    scope
        .create_subject(body!(subject()))
        .await
        .expect("subject");
    scope.create_person(body!(person())).await.expect("person");
    scope
        .grant_permissions(body!(grant()))
        .await
        .expect("permissions");
    scope
        .grant_attachment(body!(json!({"nip": "7762811692"})))
        .await
        .expect("attachment");
    scope.block_context(body!(context())).await.expect("block");
    scope
        .set_session_limits(body!(session_limits()))
        .await
        .expect("session limits");
    scope
        .set_certificate_limits(body!(json!({})))
        .await
        .expect("certificate limits");
    scope
        .set_rate_limits(body!(rate_limits()))
        .await
        .expect("rate limits");
    assert_eq!(scope.pending(), 8);

    let before = replay.requests().len();
    scope.cleanup().await.expect("clean");

    let names = common::operation_names(&replay);
    assert_eq!(
        names.get(before..).expect("cleanup requests"),
        [
            "delete_testdata_rate_limits",
            "delete_testdata_limits_subject_certificate",
            "delete_testdata_limits_context_session",
            "post_testdata_context_unblock",
            "post_testdata_attachment_revoke",
            "post_testdata_permissions_revoke",
            "post_testdata_person_remove",
            "post_testdata_subject_remove",
        ]
    );
    let requests = replay.requests();
    let body = |i: usize| {
        requests
            .get(before + i)
            .and_then(|r| r.json())
            .expect("json body")
    };
    assert_eq!(body(3), context());
    assert_eq!(body(4), json!({"nip": "7762811692"}));
    assert_eq!(
        body(5),
        json!({
            "contextIdentifier": {"type": "Nip", "value": "7762811692"},
            "authorizedIdentifier": {"type": "Nip", "value": "7762811693"}
        })
    );
    assert_eq!(body(6), json!({"nip": "7762811693"}));
    assert_eq!(body(7), json!({"subjectNip": "7762811692"}));
}

#[tokio::test]
async fn cleanup_continues_after_a_failure_and_returns_every_error() {
    let replay = common::replay_with(|r| {
        let path = r.url.path();
        (path == "/v2/testdata/person/remove" || path == "/v2/testdata/attachment/revoke")
            .then(failure)
    });
    let client = common::client(replay.clone());
    let scope = client.testdata().scope();
    scope
        .create_subject(body!(subject()))
        .await
        .expect("subject");
    scope.create_person(body!(person())).await.expect("person");
    scope
        .grant_attachment(body!(json!({"nip": "7762811692"})))
        .await
        .expect("attachment");
    scope.block_context(body!(context())).await.expect("block");

    let before = replay.requests().len();
    let errors = scope.cleanup().await.expect_err("two steps fail");

    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|e| e.has_code(ksef::model::ExceptionCode::AlreadyExists)),
        "{errors:?}"
    );
    let names = common::operation_names(&replay);
    assert_eq!(
        names.get(before..).expect("cleanup requests"),
        [
            "post_testdata_context_unblock",
            "post_testdata_attachment_revoke",
            "post_testdata_person_remove",
            "post_testdata_subject_remove",
        ]
    );
}

#[tokio::test]
async fn failed_calls_are_not_recorded() {
    let replay = common::replay_with(|r| (r.url.path() == "/v2/testdata/person").then(failure));
    let client = common::client(replay.clone());
    let scope = client.testdata().scope();

    scope
        .create_person(body!(person()))
        .await
        .expect_err("scripted failure");
    // Limits need an access token: an anonymous scope refuses before sending anything.
    let refused = scope
        .set_session_limits(body!(session_limits()))
        .await
        .expect_err("not logged in");
    assert!(
        matches!(refused, Error::NotAuthenticated { .. }),
        "{refused:?}"
    );
    assert_eq!(scope.pending(), 0);
    assert_eq!(replay.requests().len(), 1);
    scope.cleanup().await.expect("nothing to undo");
    assert_eq!(replay.requests().len(), 1);
}

#[tokio::test]
async fn dropping_a_scope_with_pending_steps_sends_nothing() {
    let replay = common::replay_with(|_| None);
    let client = common::client(replay.clone());
    let scope = client.testdata().scope();
    scope
        .create_subject(body!(subject()))
        .await
        .expect("subject");
    drop(scope); // logs a warning; no request from Drop
    assert_eq!(common::operation_names(&replay), ["post_testdata_subject"]);
}
