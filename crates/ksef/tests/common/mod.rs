//! Shared helpers of the facade tests: the OpenAPI spec, a path-template matcher, a responder
//! that answers with the spec's examples, and a login through the replay transport.
#![allow(dead_code)]

pub(crate) mod archives;

use std::path::PathBuf;
use std::sync::Arc;

use ksef::http::ThrottleConfig;
use ksef::http::testing::{RecordedRequest, ReplayTransport, Reply};
use ksef::model::catalogue::OperationMeta;
use ksef::model::operations::OPERATIONS;
use ksef::{AuthenticatedClient, Client};
use serde_json::{Value, json};

/// The API root used by every test client.
pub(crate) const BASE: &str = "https://ksef.invalid/v2";

/// The official OpenAPI spec (`KSEF_OPENAPI_SPEC`, or `shared/ksef-api-2.9.0/open-api.json` next to
/// the workspace, where `cargo xtask regen` reads it). Fails loudly when it is missing.
pub(crate) fn spec() -> Value {
    let path = std::env::var_os("KSEF_OPENAPI_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/ksef-api-2.9.0/open-api.json")
        });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the OpenAPI spec is needed by this test: cannot read {}: {e} (set KSEF_OPENAPI_SPEC)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("the OpenAPI spec is not JSON")
}

/// The catalogue operation a request hit: the same method and the path template that matches
/// with the most literal segments (so `/invoices/failed` beats `/invoices/{ref}`).
pub(crate) fn match_operation(method: &str, url_path: &str) -> Option<&'static OperationMeta> {
    let path = url_path.strip_prefix("/v2").unwrap_or(url_path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(usize, &'static OperationMeta)> = None;
    for op in OPERATIONS.iter().copied() {
        if op.method.as_str() != method {
            continue;
        }
        let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
        if template.len() != segments.len() {
            continue;
        }
        let mut literals = 0;
        let fits = template.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                !s.is_empty()
            } else {
                literals += 1;
                t == s
            }
        });
        if fits && best.is_none_or(|(score, _)| literals > score) {
            best = Some((literals, op));
        }
    }
    best.map(|(_, op)| op)
}

/// The operation names of every recorded request (in order); panics on a request that matches
/// no operation.
pub(crate) fn operation_names(replay: &ReplayTransport) -> Vec<&'static str> {
    replay
        .requests()
        .iter()
        .map(|r| {
            match_operation(r.method.as_str(), r.url.path())
                .unwrap_or_else(|| panic!("{} {} matches no operation", r.method, r.url))
                .name
        })
        .collect()
}

/// The spec's JSON request-body example of an operation.
pub(crate) fn request_example(spec: &Value, method: &str, path: &str) -> Value {
    let example = &spec["paths"][path][method.to_ascii_lowercase()]["requestBody"]["content"]["application/json"]
        ["example"];
    assert!(!example.is_null(), "no request example for {method} {path}");
    example.clone()
}

/// Far in the future, for token validity.
pub(crate) const FAR_FUTURE: &str = "2099-01-01T00:00:00+00:00";

/// The base64 DER of the RSA test certificate of the crypto fixtures.
pub(crate) fn rsa_certificate_b64() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/crypto/rsa-person.crt.pem");
    let pem = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect()
}

/// Answers a request of the login flow or from the spec's example for its operation.
pub(crate) fn answer(spec: &Value, request: &RecordedRequest) -> Reply {
    let Some(op) = match_operation(request.method.as_str(), request.url.path()) else {
        return Reply::json(404, json!({"title": "no such operation"}));
    };
    if let Some(reply) = hand_written(op.name) {
        return reply;
    }
    let responses = &spec["paths"][op.path][op.method.as_str().to_ascii_lowercase()]["responses"];
    let status = op.success_status;
    let content = &responses[status.to_string()]["content"];
    if let Some(example) = content["application/json"].get("example") {
        return Reply::json(status, example.clone());
    }
    if content.get("application/xml").is_some() {
        return Reply::body(status, "application/xml", "<Dokument/>");
    }
    if content.is_null() || content.as_object().is_some_and(|c| c.is_empty()) {
        return Reply::status(status);
    }
    panic!("no example answer for {}", op.name)
}

fn hand_written(name: &str) -> Option<Reply> {
    let body = match name {
        "get_security_public_key_certificates" => {
            let cert = rsa_certificate_b64();
            json!([{
                "certificate": cert,
                "certificateId": "AQID",
                "publicKeyId": "BAUG",
                "validFrom": "2020-01-01T00:00:00+00:00",
                "validTo": FAR_FUTURE,
                "usage": ["KsefTokenEncryption", "SymmetricKeyEncryption"]
            }])
        }
        "get_auth_by_reference_number" => json!({
            "startDate": "2025-01-01T00:00:00+00:00",
            "authenticationMethod": "Token",
            "status": {"code": 200, "description": "Uwierzytelnianie zakończone sukcesem"}
        }),
        "post_auth_token_redeem" => json!({
            "accessToken": {"token": "access-token", "validUntil": FAR_FUTURE},
            "refreshToken": {"token": "refresh-token", "validUntil": FAR_FUTURE}
        }),
        "get_certificates_limits" => json!({
            "canRequest": true,
            "enrollment": {"remaining": 5, "limit": 6},
            "certificate": {"remaining": 1, "limit": 2}
        }),
        "get_permissions_attachments_status" => json!({"isAttachmentAllowed": true}),
        _ => return None,
    };
    Some(Reply::json(200, body))
}

/// A client on the replay transport with throttling off.
pub(crate) fn client(replay: Arc<ReplayTransport>) -> Client {
    Client::builder()
        .base_url(BASE)
        .transport(replay)
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .build()
        .expect("client")
}

/// A replay transport that answers with `overrides` first, then from the spec's examples.
pub(crate) fn replay_with(
    overrides: impl Fn(&RecordedRequest) -> Option<Reply> + Send + Sync + 'static,
) -> Arc<ReplayTransport> {
    let spec = spec();
    Arc::new(ReplayTransport::with_responder(move |r| {
        overrides(r).unwrap_or_else(|| answer(&spec, r))
    }))
}

/// Logs in with a KSeF token through `replay` (which must answer the login flow).
pub(crate) async fn login(replay: &Arc<ReplayTransport>) -> AuthenticatedClient {
    let context = ksef::auth::ContextIdentifier::Nip("5265877635".into());
    client(replay.clone())
        .login_token("test-ksef-token", context)
        .await
        .expect("login through the replay transport")
}

/// A replay transport that answers everything from the spec, and a client logged in through
/// it with a KSeF token.
pub(crate) async fn logged_in() -> (Arc<ReplayTransport>, AuthenticatedClient) {
    let replay = replay_with(|_| None);
    let api = login(&replay).await;
    (replay, api)
}
