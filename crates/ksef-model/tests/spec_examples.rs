//! Every JSON example in the spec decodes into the generated type it belongs to and re-encodes
//! to equivalent JSON. The examples are enumerated from the spec, not hand-picked.

mod support;

use ksef_model::catalogue::Method;
use ksef_model::{operations, registry};
use serde_json::Value;

fn method(m: &str) -> Method {
    match m {
        "get" => Method::Get,
        "post" => Method::Post,
        "put" => Method::Put,
        "patch" => Method::Patch,
        "delete" => Method::Delete,
        other => panic!("unexpected method {other}"),
    }
}

fn schema_ref(schema: &Value) -> Option<&str> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.strip_prefix("#/components/schemas/");
    }
    schema
        .get("allOf")?
        .as_array()?
        .first()
        .and_then(schema_ref)
}

#[test]
fn every_json_example_round_trips() {
    let spec = support::spec();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut check =
        |label: String, result: Option<Result<Value, serde_json::Error>>, original: &Value| {
            checked += 1;
            match result {
                None => failures.push(format!("{label}: no generated type to decode into")),
                Some(Err(e)) => failures.push(format!("{label}: does not decode: {e}")),
                Some(Ok(back)) => {
                    if let Err(e) = support::equivalent(original, &back) {
                        failures.push(format!("{label}: re-encodes differently: {e}"));
                    }
                }
            }
        };

    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (m, op) in item.as_object().expect("path item") {
            let meta = operations::find(method(m), path)
                .unwrap_or_else(|| panic!("{m} {path} is not in the catalogue"));
            if let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            {
                for (ct, media) in content {
                    if !ct.contains("json") {
                        continue;
                    }
                    for (name, example) in support::examples_of(media) {
                        let label = format!("{} request body, {name}", meta.name);
                        check(
                            label,
                            registry::round_trip_request_body(meta.name, example.clone()),
                            &example,
                        );
                    }
                }
            }
            for (status, response) in op["responses"].as_object().expect("responses") {
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for (ct, media) in content {
                    if !ct.contains("json") {
                        continue;
                    }
                    for (name, example) in support::examples_of(media) {
                        let label = format!("{} {status} response ({ct}), {name}", meta.name);
                        let result = if status.starts_with('2') {
                            registry::round_trip_response(meta.name, example.clone())
                        } else {
                            schema_ref(&media["schema"])
                                .and_then(|s| registry::round_trip_schema(s, example.clone()))
                        };
                        check(label, result, &example);
                    }
                }
            }
        }
    }
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        if let Some(example) = schema.get("example") {
            check(
                format!("schema {name} example"),
                registry::round_trip_schema(name, example.clone()),
                example,
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The 2.9 spec has 105 JSON examples; fewer means examples
    // are being missed.
    assert!(checked >= 105, "only {checked} examples were found");
    eprintln!("{checked} JSON examples round-trip");
}
