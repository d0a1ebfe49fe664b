//! The catalogue is exactly the spec's paths × methods, with the spec's metadata.

mod support;

use std::collections::BTreeSet;

use ksef_model::catalogue::{Pagination, ParamLocation};
use ksef_model::operations::OPERATIONS;
use serde_json::Value;

#[test]
fn catalogue_matches_spec_paths_and_methods() {
    let spec = support::spec();
    let mut in_spec = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            in_spec.insert((method.to_ascii_uppercase(), path.clone()));
        }
    }
    let in_catalogue: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|op| (op.method.as_str().to_owned(), op.path.to_owned()))
        .collect();
    assert_eq!(in_spec, in_catalogue);
    assert_eq!(OPERATIONS.len(), 83);
    let names: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.name).collect();
    assert_eq!(names.len(), OPERATIONS.len(), "operation names are unique");
}

#[test]
fn metadata_matches_spec() {
    let spec = support::spec();
    for op in OPERATIONS {
        let raw = &spec["paths"][op.path][op.method.as_str().to_ascii_lowercase()];
        let limits = &raw["x-rate-limits"];
        let rl = op.rate_limit.expect("every 2.9 operation has rate limits");
        assert_eq!(
            rl.per_second.map(u64::from),
            limits["perSecond"].as_u64(),
            "{}",
            op.name
        );
        assert_eq!(
            rl.per_minute.map(u64::from),
            limits["perMinute"].as_u64(),
            "{}",
            op.name
        );
        assert_eq!(
            rl.per_hour.map(u64::from),
            limits["perHour"].as_u64(),
            "{}",
            op.name
        );
        let perms: Vec<&str> = raw["x-required-permissions"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(op.required_permissions, perms.as_slice(), "{}", op.name);
        assert_eq!(
            op.requires_bearer,
            raw.get("security").is_some(),
            "{}",
            op.name
        );
        let success: Vec<u16> = raw["responses"]
            .as_object()
            .unwrap()
            .keys()
            .filter_map(|k| k.parse().ok())
            .filter(|c: &u16| (200..300).contains(c))
            .collect();
        assert_eq!(success, vec![op.success_status], "{}", op.name);
        assert_eq!(op.tag, raw["tags"][0].as_str().unwrap(), "{}", op.name);
    }
}

#[test]
fn known_operations_have_expected_shape() {
    let find = |m, p| ksef_model::operations::find(m, p).expect("operation exists");
    use ksef_model::catalogue::Method::*;
    let send = find(Post, "/sessions/online/{referenceNumber}/invoices");
    assert_eq!(
        send.name,
        "post_sessions_online_by_reference_number_invoices"
    );
    assert_eq!(send.rate_limit.unwrap().group, Some("invoiceSend"));
    assert!(send.exception_codes.contains(&21402) && send.exception_codes.contains(&21403));
    assert!(!send.is_idempotent());
    let sessions = find(Get, "/sessions");
    assert_eq!(sessions.pagination, Pagination::ContinuationToken);
    let statuses = sessions
        .params
        .iter()
        .find(|p| p.name == "statuses")
        .unwrap();
    assert!(statuses.repeated && statuses.location == ParamLocation::Query);
    assert_eq!(
        find(Post, "/invoices/query/metadata").pagination,
        Pagination::PageOffset
    );
    let keys = find(Get, "/security/public-key-certificates");
    assert!(!keys.requires_bearer && keys.response_is_array);
    assert_eq!(keys.rate_limit.unwrap().group, None);
    let download = find(Get, "/invoices/ksef/{ksefNumber}");
    assert!(download.response_headers.contains(&"x-ms-meta-hash"));
    let xades = find(Post, "/auth/xades-signature");
    assert_eq!(xades.request_content_type, Some("application/xml"));
}
