//! Issue 14: the generated structs are `#[non_exhaustive]`, so code outside the crate (this test)
//! builds them with `new(required…)` and the `with_*` setters, and matches them with `..`.

use ksef_model::catalogue::Operation;
use ksef_model::operations::{GetAuthSessions, PostInvoicesQueryMetadata};
use ksef_model::*;
use serde_json::json;

#[test]
fn a_request_body_is_built_with_new_and_setters() {
    let from = time::macros::datetime!(2026-01-03 13:45 UTC);
    let filters = InvoiceQueryFilters::new(
        InvoiceQuerySubjectType::Subject1,
        InvoiceQueryDateRange::new(InvoiceQueryDateType::Issue, from)
            .with_to(from + time::Duration::days(1)),
    )
    .with_invoice_number("FV/1/2026".to_owned())
    .with_has_attachment(false);
    assert_eq!(
        serde_json::to_value(&filters).unwrap(),
        json!({
            "subjectType": "Subject1",
            "dateRange": {
                "dateType": "Issue",
                "from": "2026-01-03T13:45:00Z",
                "to": "2026-01-04T13:45:00Z"
            },
            "invoiceNumber": "FV/1/2026",
            "hasAttachment": false
        })
    );
    assert!(filters.validate().is_ok());

    // The operation itself: required parts in `new`, optional ones by setter.
    let request = PostInvoicesQueryMetadata::new(filters.clone())
        .with_page_size(50)
        .with_page_offset(2);
    let query = request.query();
    assert!(query.contains(&("pageSize", "50".to_owned())));
    assert!(query.contains(&("pageOffset", "2".to_owned())));
    let body = request.body().unwrap().expect("a JSON body");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body.bytes).unwrap(),
        serde_json::to_value(&filters).unwrap()
    );
}

#[test]
fn structs_without_required_fields_start_empty() {
    let ips = AllowedIps::new().with_ip4_addresses(vec![Ip4Address::new("10.0.0.1").unwrap()]);
    assert_eq!(
        serde_json::to_value(&ips).unwrap(),
        json!({"ip4Addresses": ["10.0.0.1"]})
    );
    assert_eq!(AllowedIps::new(), AllowedIps::default());

    let request = GetAuthSessions::new().with_page_size(10);
    assert_eq!(request.query(), vec![("pageSize", "10".to_owned())]);
}

#[test]
fn a_response_is_matched_with_rest_patterns() {
    let response: AuthenticationChallengeResponse = serde_json::from_value(json!({
        "challenge": "20250514-CR-226FB7B000-3ACF9BE4C0-10",
        "timestamp": "2025-07-11T12:23:56.0154302+00:00",
        "timestampMs": 1752236636015i64,
        "clientIp": "127.0.0.1"
    }))
    .unwrap();
    let AuthenticationChallengeResponse { timestamp_ms, .. } = response;
    assert_eq!(timestamp_ms, 1752236636015);
}
