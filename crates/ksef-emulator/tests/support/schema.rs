//! Response validation against the OpenAPI document of the KSeF API.
//!
//! The spec is OpenAPI 3.0; its component schemas are converted to JSON Schema 2020-12
//! (`nullable: true` → `anyOf [.., null]`; `format` kept only for `date-time` and `date`, which
//! are validated; every `#/components/schemas/X` reference resolves inside one document that
//! holds all converted components). [`assert_valid`] looks up the response schema of an operation
//! (by its `ksef_model` operation name) for a status and panics with every violation found.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

/// The spec file, next to the workspace in the shared docs.
fn spec_path() -> PathBuf {
    if let Ok(p) = std::env::var("KSEF_OPENAPI") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ksef-api-2.9.0/open-api.json")
}

/// The parsed OpenAPI document.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = spec_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the OpenAPI document is needed for schema validation: cannot read {} ({e}); \
                 set KSEF_OPENAPI to its path",
                path.display()
            )
        });
        serde_json::from_str(&text).expect("the OpenAPI document is not JSON")
    })
}

/// Converts one OpenAPI 3.0 schema object (recursively) to JSON Schema 2020-12.
fn convert(node: &Value) -> Value {
    match node {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut nullable = false;
            for (k, v) in map {
                match k.as_str() {
                    "nullable" => nullable = v.as_bool().unwrap_or(false),
                    "example" | "examples" | "discriminator" | "xml" | "externalDocs" => {}
                    "format" => {
                        if matches!(v.as_str(), Some("date-time" | "date")) {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    // Keyword maps whose keys are names, not keywords.
                    "properties" => {
                        let props = v
                            .as_object()
                            .map(|p| p.iter().map(|(n, s)| (n.clone(), convert(s))).collect())
                            .unwrap_or_default();
                        out.insert(k.clone(), Value::Object(props));
                    }
                    "enum" | "required" | "default" => {
                        out.insert(k.clone(), v.clone());
                    }
                    // OpenAPI 3.0's boolean form (2.9: `minimum: 0, exclusiveMinimum: true`)
                    // is a number in JSON Schema 2020-12.
                    "exclusiveMinimum" | "exclusiveMaximum" if v.is_boolean() => {
                        let bound = if k == "exclusiveMinimum" {
                            "minimum"
                        } else {
                            "maximum"
                        };
                        if v.as_bool() == Some(true)
                            && let Some(n) = map.get(bound)
                        {
                            out.insert(k.clone(), n.clone());
                        }
                    }
                    _ => {
                        out.insert(k.clone(), convert(v));
                    }
                }
            }
            let converted = Value::Object(out);
            if nullable {
                json!({"anyOf": [converted, {"type": "null"}]})
            } else {
                converted
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        other => other.clone(),
    }
}

/// All component schemas, converted.
fn components() -> &'static Value {
    static C: OnceLock<Value> = OnceLock::new();
    C.get_or_init(|| {
        let schemas = spec()
            .pointer("/components/schemas")
            .expect("the spec has no components");
        json!({"schemas": convert(schemas)})
    })
}

type Cache = Mutex<HashMap<String, Arc<jsonschema::Validator>>>;

/// A validator for `schema` (an OpenAPI schema object, usually `{"$ref": …}`).
fn validator_for(schema: &Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = schema.to_string();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return v.clone();
    }
    let mut root = match convert(schema) {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("allOf".into(), json!([other]));
            m
        }
    };
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("components".into(), components().clone());
    let root = Value::Object(root);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("cannot build a validator for {schema}: {e}"));
    let validator = Arc::new(validator);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, validator.clone());
    validator
}

/// Validates `value` against an OpenAPI schema object of the spec (e.g. a response's
/// `content.*.schema`); the violations, if any. Panics if the schema cannot be compiled.
pub fn violations(schema: &Value, value: &Value) -> Vec<String> {
    validator_for(schema)
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Validates `value` against the component schema `name`; the violations, if any.
pub fn violations_of_component(name: &str, value: &Value) -> Vec<String> {
    let validator = validator_for(&json!({"$ref": format!("#/components/schemas/{name}")}));
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Panics unless `value` is valid against the component schema `name`.
pub fn assert_component(name: &str, value: &Value) {
    let errors = violations_of_component(name, value);
    assert!(
        errors.is_empty(),
        "response does not match schema {name}:\n  {}\nvalue: {value:#}",
        errors.join("\n  ")
    );
}

/// The spec's operation object for a `ksef_model` operation name.
fn operation(
    name: &str,
) -> (
    &'static ksef_model::catalogue::OperationMeta,
    &'static Value,
) {
    let meta = ksef_model::operations::OPERATIONS
        .iter()
        .find(|op| op.name == name)
        .unwrap_or_else(|| panic!("unknown operation {name}"));
    let method = meta.method.as_str().to_ascii_lowercase();
    let op = spec()
        .get("paths")
        .and_then(|p| {
            p.get(meta.path)
                .or_else(|| p.get(format!("/v2{}", meta.path)))
        })
        .and_then(|p| p.get(&method))
        .unwrap_or_else(|| panic!("operation {name} ({method} {}) not in the spec", meta.path));
    (meta, op)
}

/// Panics unless `body` is a documented response of operation `operation_name` (a
/// `ksef_model` name such as `post_tokens`) with HTTP `status`: the status must be documented
/// and the body must match one of its content schemas (`Value::Null` for an empty body where
/// the spec documents none).
pub fn assert_valid(operation_name: &str, status: u16, body: &Value) {
    let (_, op) = operation(operation_name);
    let response = op
        .get("responses")
        .and_then(|r| r.get(status.to_string()))
        .unwrap_or_else(|| {
            panic!("{operation_name}: status {status} is not documented; body: {body:#}")
        });
    let schemas: Vec<&Value> = response
        .get("content")
        .and_then(Value::as_object)
        .map(|c| c.values().filter_map(|m| m.get("schema")).collect())
        .unwrap_or_default();
    if schemas.is_empty() {
        assert!(
            body.is_null(),
            "{operation_name}: status {status} documents no body, got {body:#}"
        );
        return;
    }
    let mut all = Vec::new();
    for schema in &schemas {
        let errors: Vec<String> = validator_for(schema)
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            return;
        }
        all.push(format!("against {schema}:\n    {}", errors.join("\n    ")));
    }
    panic!(
        "{operation_name} {status}: response matches none of the documented schemas\n  {}\nbody: {body:#}",
        all.join("\n  ")
    );
}
