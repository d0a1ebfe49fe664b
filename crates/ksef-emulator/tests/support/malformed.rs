//! Malformed requests for an operation of the catalogue: wrong JSON types, nulls, non-JSON,
//! empty, deeply nested, BOM-prefixed and oversized bodies, a wrong content type, bad query
//! values and bad path segments. [`send`] sends one raw and [`check`] holds the answer to the
//! spec: a status the spec documents for that operation, a JSON content type, and a body that
//! validates against the spec's schema for that status.

use ksef_model::catalogue::{BodyKind, OperationMeta, ParamLocation};
use serde_json::{Map, Value};

use super::{Harness, schema};

/// One malformed request.
#[derive(Debug, Clone)]
pub struct Case {
    /// What is wrong with it.
    pub label: String,
    /// Path below the API root, with the query string.
    pub path: String,
    /// `Content-Type` to send.
    pub content_type: Option<&'static str>,
    /// The body to send.
    pub body: Option<Vec<u8>>,
}

/// Bad values for any query parameter.
pub const BAD_QUERY_VALUES: &[&str] = &[
    "null",
    "%FF%FE",
    "-1",
    "99999999999999999999999999",
    "abc",
    "",
    "%00",
    "9999-12-31T23:59:59-05:00",
];

/// Bad values for any path segment (already percent-encoded where needed).
pub const BAD_PATH_VALUES: &[&str] = &["%FF%FE", "..%2F..%2Fetc", "%00", "%20"];

/// A value of another JSON type than `v`.
fn wrong_type(v: &Value) -> Value {
    match v {
        Value::String(_) => Value::from(12345),
        Value::Number(_) | Value::Bool(_) | Value::Null => Value::from("not-the-right-type"),
        Value::Array(_) => Value::from("not-an-array"),
        Value::Object(_) => Value::from(vec![1, 2, 3]),
    }
}

/// `example` with every top-level field replaced by `f(field)`.
fn map_fields(example: &Value, f: impl Fn(&Value) -> Value) -> Value {
    match example {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), f(v)))
                .collect::<Map<_, _>>(),
        ),
        other => f(other),
    }
}

/// The query string of the required parameters with valid values (`sessionType=Online`).
fn required_query(op: &OperationMeta, except: &str) -> Vec<String> {
    op.params
        .iter()
        .filter(|p| p.location == ParamLocation::Query && p.required && p.name != except)
        .map(|p| match p.name {
            "sessionType" => "sessionType=Online".to_owned(),
            name => format!("{name}=1"),
        })
        .collect()
}

fn with_query(path: &str, pairs: &[String]) -> String {
    if pairs.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

/// Every malformed request for `op`; `path` is its path with valid parameter values and
/// `example` the spec's example body (`Null` without one).
pub fn cases(
    op: &OperationMeta,
    path: &str,
    fill: impl Fn(&str) -> String,
    example: &Value,
) -> Vec<Case> {
    let mut out = Vec::new();
    let json = Some("application/json");
    let body_case = |label: &str, content_type, body: Vec<u8>| Case {
        label: label.to_owned(),
        path: with_query(path, &required_query(op, "")),
        content_type,
        body: Some(body),
    };
    for p in op.params {
        match p.location {
            ParamLocation::Query => {
                for bad in BAD_QUERY_VALUES {
                    let mut pairs = required_query(op, p.name);
                    pairs.push(format!("{}={bad}", p.name));
                    out.push(Case {
                        label: format!("query {}={bad}", p.name),
                        path: with_query(path, &pairs),
                        content_type: None,
                        body: None,
                    });
                }
            }
            ParamLocation::Path => {
                for bad in BAD_PATH_VALUES {
                    let mut template = op.path.to_owned();
                    for q in op
                        .params
                        .iter()
                        .filter(|q| q.location == ParamLocation::Path)
                    {
                        let value = if q.name == p.name {
                            (*bad).to_owned()
                        } else {
                            fill(q.name)
                        };
                        template = template.replace(&format!("{{{}}}", q.name), &value);
                    }
                    out.push(Case {
                        label: format!("path {}={bad}", p.name),
                        path: with_query(&template, &required_query(op, "")),
                        content_type: None,
                        body: None,
                    });
                }
            }
            _ => {}
        }
    }
    let oversized = {
        let mut b = br#"{"x":""#.to_vec();
        b.extend(std::iter::repeat_n(b'a', 6_000_000));
        b.extend_from_slice(br#""}"#);
        b
    };
    match op.request_body {
        BodyKind::Json => {
            let example = if example.is_null() {
                Value::Object(Map::new())
            } else {
                example.clone()
            };
            let bytes = |v: &Value| serde_json::to_vec(v).unwrap_or_default();
            out.push(body_case("non-JSON body", json, b"{not json".to_vec()));
            out.push(body_case("empty body", json, Vec::new()));
            out.push(body_case("null body", json, b"null".to_vec()));
            out.push(body_case("array body", json, b"[]".to_vec()));
            out.push(body_case("string body", json, b"\"text\"".to_vec()));
            out.push(body_case(
                "wrong field types",
                json,
                bytes(&map_fields(&example, wrong_type)),
            ));
            out.push(body_case(
                "null fields",
                json,
                bytes(&map_fields(&example, |_| Value::Null)),
            ));
            let mut bom = b"\xEF\xBB\xBF".to_vec();
            bom.extend(bytes(&example));
            out.push(body_case("BOM before JSON", json, bom));
            out.push(body_case(
                "non-UTF-8 JSON",
                json,
                b"{\"x\":\"\xFF\xFE\"}".to_vec(),
            ));
            let mut deep = vec![b'['; 100_000];
            deep.extend(vec![b']'; 100_000]);
            out.push(body_case("deeply nested JSON", json, deep));
            out.push(body_case(
                "text/plain content type",
                Some("text/plain"),
                bytes(&example),
            ));
            out.push(body_case("no content type", None, bytes(&example)));
            out.push(body_case("oversized body", json, oversized));
        }
        BodyKind::Xml => {
            let xml = Some("application/xml");
            out.push(body_case("empty XML body", xml, Vec::new()));
            out.push(body_case("not XML", xml, b"{not xml".to_vec()));
            out.push(body_case("non-UTF-8 XML", xml, b"<a>\xFF\xFE</a>".to_vec()));
            out.push(body_case(
                "BOM before XML",
                xml,
                b"\xEF\xBB\xBF<a/>".to_vec(),
            ));
            out.push(body_case("JSON instead of XML", json, b"{}".to_vec()));
            out.push(body_case("oversized XML body", xml, oversized));
        }
        BodyKind::None | BodyKind::Binary => {}
    }
    out
}

/// The answer to one request: status, content type, body (JSON when it parses).
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Value,
}

/// Sends `case` to `method` with `token` and extra `headers`.
pub async fn send(
    h: &Harness,
    method: &str,
    case: &Case,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = h.http.request(method, format!("{}{}", h.base, case.path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(ct) = case.content_type {
        req = req.header("content-type", ct);
    }
    if let Some(body) = &case.body {
        req = req.body(body.clone());
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.expect("body read");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        content_type,
        body,
    }
}

/// `Err` with the reason unless the answer is one the spec documents for `op`: a documented
/// status below 500, a JSON content type for every error, and a body valid against the schema.
pub fn check(op: &OperationMeta, answer: &Answer) -> Result<(), String> {
    if answer.status >= 500 {
        return Err(format!("server error {}: {}", answer.status, answer.body));
    }
    if answer.status >= 400
        && !(answer.content_type.starts_with("application/json")
            || answer.content_type.starts_with("application/problem+json"))
    {
        return Err(format!(
            "{} with content type {:?}: {}",
            answer.status, answer.content_type, answer.body
        ));
    }
    if answer.status < 300 && op.response_body == BodyKind::Xml {
        return Ok(());
    }
    std::panic::catch_unwind(|| schema::assert_valid(op.name, answer.status, &answer.body)).map_err(
        |panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
                .lines()
                .take(6)
                .collect::<Vec<_>>()
                .join(" | ")
        },
    )
}
