//! Self-check of the schema-validation harness (`support::schema`).
mod support;

use serde_json::{Value, json};
use support::schema::{assert_valid, violations_of_component};

#[test]
fn converts_nullable_and_validates_formats() {
    // A valid and an invalid ExceptionResponse; nullable fields accept null.
    let ok = json!({"exception": {"exceptionDetailList": [{"exceptionCode": 21405,
        "exceptionDescription": "x", "details": null}], "referenceNumber": null,
        "serviceCode": "a", "serviceCtx": "b", "serviceName": "c",
        "timestamp": "2025-01-01T00:00:00Z"}});
    assert!(
        violations_of_component("ExceptionResponse", &ok).is_empty(),
        "{:?}",
        violations_of_component("ExceptionResponse", &ok)
    );
    let bad = json!({"exception": {"exceptionDetailList": [{"exceptionCode": "x"}],
        "timestamp": "yesterday"}});
    assert!(!violations_of_component("ExceptionResponse", &bad).is_empty());
    assert_valid("delete_tokens_by_reference_number", 204, &Value::Null);
}

#[test]
fn every_response_schema_of_the_spec_compiles() {
    // Builds a validator for every documented response of every operation: a spec change
    // that the converter cannot handle fails here, not in some area's test.
    let spec = support::schema::spec();
    let mut count = 0;
    for op in ksef_model::operations::OPERATIONS {
        let path = spec["paths"].get(op.path).expect("path in spec");
        let method = op.method.as_str().to_ascii_lowercase();
        for response in path[&method]["responses"]
            .as_object()
            .expect("responses")
            .values()
        {
            let contents = response.get("content").and_then(Value::as_object);
            for media in contents.into_iter().flat_map(|c| c.values()) {
                // Compiling is the point; whether `{}` matches does not matter.
                let _ = support::schema::violations(&media["schema"], &json!({}));
                count += 1;
            }
        }
    }
    assert!(count > 100, "only {count} response schemas");
}

#[test]
#[should_panic(expected = "not documented")]
fn undocumented_status_fails() {
    assert_valid("get_peppol_query", 418, &Value::Null);
}
