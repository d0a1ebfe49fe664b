//! Shared helpers of the model's integration tests.
#![allow(dead_code)]

use serde_json::Value;

/// The official spec, read from `../shared` beside the repository (where CI has it too).
pub(crate) fn spec() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ksef-api-2.9.0/open-api.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("the official spec is needed at ../shared/ksef-api-2.9.0/open-api.json beside the repository: {e}")
    });
    serde_json::from_str(&text).expect("the spec is JSON")
}

/// Whether two JSON documents say the same thing: `null` and an absent key are equal, numbers
/// compare by value, and strings that are timestamps compare as instants (the model re-encodes
/// offset-less Warsaw times with their offset and may shorten fractions).
pub(crate) fn equivalent(a: &Value, b: &Value) -> Result<(), String> {
    equivalent_at(a, b, "$")
}

fn equivalent_at(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let va = x.get(k).unwrap_or(&Value::Null);
                let vb = y.get(k).unwrap_or(&Value::Null);
                equivalent_at(va, vb, &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{at}: arrays of {} and {} items", x.len(), y.len()));
            }
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                equivalent_at(va, vb, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => Ok(()),
        (Value::String(x), Value::String(y)) if x != y => {
            match (
                ksef_model::rt::datetime::parse_date_time(x),
                ksef_model::rt::datetime::parse_date_time(y),
            ) {
                (Ok(tx), Ok(ty)) if tx == ty => Ok(()),
                _ => Err(format!("{at}: {x:?} became {y:?}")),
            }
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: {a} became {b}")),
    }
}

/// Every example of a media-type object (`example` and each `examples.*.value`).
pub(crate) fn examples_of(media: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(e) = media.get("example") {
        out.push(("example".to_owned(), e.clone()));
    }
    if let Some(map) = media.get("examples").and_then(Value::as_object) {
        for (name, e) in map {
            if let Some(v) = e.get("value") {
                out.push((name.clone(), v.clone()));
            }
        }
    }
    out
}
