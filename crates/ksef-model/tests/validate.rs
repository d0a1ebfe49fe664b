//! The generated `validate()` carries the spec's constraints and names the bad field by its JSON
//! pointer.

use ksef_model::{
    GenerateCollectiveIdentifierRequest, GenerateTokenRequest, QueryCertificatesRequest,
    SetSessionLimitsRequest,
};
use serde_json::json;

fn pointers(e: &ksef_model::rt::ValidationError) -> Vec<&str> {
    e.violations.iter().map(|v| v.pointer.as_str()).collect()
}

#[test]
fn nested_lengths_enumerations_patterns_and_array_sizes() {
    let ok: GenerateCollectiveIdentifierRequest = serde_json::from_value(json!({"invoices": [
        {"ksefNumber": "5265877635-20250826-0100001AF629-AF", "payment": {"amount": 1, "currency": "PLN"}},
        {"ksefNumber": "5265877635-20250826-0100001AF629-AF", "description": "Opis"}
    ]}))
    .unwrap();
    ok.validate().unwrap();

    let bad: GenerateCollectiveIdentifierRequest = serde_json::from_value(json!({"invoices": [
        {"ksefNumber": "not-a-ksef-number", "payment": {"amount": 1, "currency": "ABC"}},
        {"ksefNumber": "5265877635-20250826-0100001AF629-AF", "description": "x".repeat(513)}
    ]}))
    .unwrap();
    let e = bad.validate().unwrap_err();
    assert_eq!(
        pointers(&e),
        [
            "/invoices/0/ksefNumber",
            "/invoices/0/payment/currency",
            "/invoices/1/description"
        ],
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("513 characters, at most 512 expected"),
        "{e}"
    );

    let one: GenerateCollectiveIdentifierRequest = serde_json::from_value(
        json!({"invoices": [{"ksefNumber": "5265877635-20250826-0100001AF629-AF"}]}),
    )
    .unwrap();
    let e = one.validate().unwrap_err();
    assert_eq!(pointers(&e), ["/invoices"]);
    assert_eq!(e.violations[0].reason, "1 items, at least 2 expected");
}

#[test]
fn numeric_bounds_and_string_lengths() {
    let limits: SetSessionLimitsRequest = serde_json::from_value(json!({
        "onlineSession": {"maxInvoiceSizeInMB": 6, "maxInvoiceWithAttachmentSizeInMB": 5, "maxInvoices": 20},
        "batchSession": {"maxInvoiceSizeInMB": 2, "maxInvoiceWithAttachmentSizeInMB": 6, "maxInvoices": 30},
        "collectiveIdentifier": {"maxInvoices": 1}
    }))
    .unwrap();
    let e = limits.validate().unwrap_err();
    assert_eq!(
        pointers(&e),
        [
            "/onlineSession/maxInvoiceSizeInMB",
            "/collectiveIdentifier/maxInvoices"
        ],
        "{e}"
    );

    let token: GenerateTokenRequest = serde_json::from_value(
        json!({"permissions": ["InvoiceRead", "Teleport"], "description": "abc"}),
    )
    .unwrap();
    let e = token.validate().unwrap_err();
    assert_eq!(pointers(&e), ["/permissions/1", "/description"], "{e}");

    // Nothing to complain about in an empty optional query.
    QueryCertificatesRequest::default().validate().unwrap();
}

#[test]
fn request_bodies_are_checked_by_operation_name() {
    use ksef_model::registry::validate_request_body;
    let body = json!({"invoices": [{"ksefNumber": "5265877635-20250826-0100001AF629-AF"}]});
    let e = validate_request_body("post_collective_identifiers", &body)
        .expect("a JSON body")
        .unwrap_err();
    assert_eq!(pointers(&e), ["/invoices"]);
    let e = validate_request_body("post_collective_identifiers", &json!({}))
        .unwrap()
        .unwrap_err();
    assert_eq!(pointers(&e), [""]);
    assert!(e.to_string().contains("invoices"), "{e}");
    assert!(validate_request_body("get_sessions", &json!({})).is_none());
}
