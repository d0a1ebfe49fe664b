//! Retry, rate-limit and error behaviour on the replay transport with a paused clock.

use std::sync::Arc;
use std::time::Duration;

use ksef_http::testing::{ReplayTransport, Reply};
use ksef_http::{
    BearerToken, Error, HttpClient, RetryPolicy, ThrottleConfig, TransportErrorKind, UrlRequest,
};
use ksef_model::operations::{
    GetSessionsByReferenceNumber, PostSessionsOnlineByReferenceNumberInvoices,
};
use ksef_model::{
    ExceptionCode, ReferenceNumber, SendInvoiceRequest, Sha256HashBase64, rt::Base64Data,
};
use serde_json::json;
use tokio::time::Instant;

const REF: &str = "20250625-SO-2C3E6C8000-B675CF5D68-07";

fn client(replay: &Arc<ReplayTransport>) -> HttpClient {
    HttpClient::builder()
        .base_url("https://ksef.invalid/v2")
        .transport(replay.clone())
        .retry(RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        })
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .build()
        .unwrap()
}

fn status_body() -> serde_json::Value {
    json!({"status": {"code": 100, "description": "Sesja interaktywna otwarta"},
           "dateCreated": "2025-09-18T15:00:30+00:00", "dateUpdated": "2025-09-18T15:00:30+00:00"})
}

fn get_status() -> GetSessionsByReferenceNumber {
    GetSessionsByReferenceNumber::new(ReferenceNumber::new(REF).unwrap())
}

fn send_invoice() -> PostSessionsOnlineByReferenceNumberInvoices {
    PostSessionsOnlineByReferenceNumberInvoices::new(
        ReferenceNumber::new(REF).unwrap(),
        SendInvoiceRequest::new(
            Sha256HashBase64::encode([1u8; 32]).unwrap(),
            10,
            Sha256HashBase64::encode([2u8; 32]).unwrap(),
            16,
            Base64Data::encode([0u8; 16]),
        ),
    )
}

#[tokio::test(start_paused = true)]
async fn retry_after_30s_is_honoured() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(
        Reply::json(
            429,
            json!({"title": "Too Many Requests", "status": 429, "detail": "Przekroczono limit"}),
        )
        .header("retry-after", "30"),
    );
    replay.push(Reply::json(200, status_body()));
    let start = Instant::now();
    let resp = client(&replay).execute(&get_status(), None).await.unwrap();
    assert_eq!(resp.value.status.code, 100);
    assert!(
        start.elapsed() >= Duration::from_secs(30),
        "waited {:?}",
        start.elapsed()
    );
    assert!(start.elapsed() < Duration::from_secs(31));
    assert_eq!(replay.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn long_retry_after_is_a_typed_error_at_once() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::json(429, json!({"status": {"code": 429, "description": "Too Many Requests", "details": ["Spróbuj ponownie po 3000 sekundach."]}})).header("retry-after", "3000"));
    let start = Instant::now();
    let err = client(&replay)
        .execute(&get_status(), None)
        .await
        .unwrap_err();
    match &err {
        Error::RateLimited {
            retry_after,
            response,
            ..
        } => {
            assert_eq!(*retry_after, Duration::from_secs(3000));
            assert!(response.details[0].details[0].contains("3000"));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(replay.requests().len(), 1);
}

/// A 429 that keeps coming back until the retries run out is still `RateLimited` — never a
/// plain API error, which callers (the CLI's exit code 5) would read as KSeF rejecting the
/// request. Found by the chaos soak: an invoice download during a duplicate check.
#[tokio::test(start_paused = true)]
async fn a_429_after_the_last_retry_is_rate_limited() {
    let replay = Arc::new(ReplayTransport::new());
    let attempts = RetryPolicy::default().max_attempts;
    for _ in 0..attempts {
        replay.push(
            Reply::json(
                429,
                json!({"status": {"code": 429, "description": "Too Many Requests", "details": ["Spróbuj ponownie po 1 sekundach."]}}),
            )
            .header("retry-after", "1"),
        );
    }
    let err = client(&replay)
        .execute(&get_status(), None)
        .await
        .unwrap_err();
    match &err {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Duration::from_secs(1));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert!(!err.may_have_reached_server());
    assert_eq!(replay.requests().len(), attempts as usize);
}

#[tokio::test(start_paused = true)]
async fn waf_html_503_is_retried() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::body(
        503,
        "text/html",
        "<html><body><h1>Service Unavailable</h1>The request was rejected.</body></html>",
    ));
    replay.push(Reply::json(200, status_body()));
    let resp = client(&replay).execute(&get_status(), None).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(replay.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn waf_html_error_keeps_status_and_excerpt() {
    let replay = Arc::new(ReplayTransport::new());
    for _ in 0..5 {
        replay.push(Reply::body(
            503,
            "text/html",
            "<html><body><h1>Service Unavailable</h1>Support ID: 123</body></html>",
        ));
    }
    let err = client(&replay)
        .execute(&get_status(), None)
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert!(api.html && api.status == 503);
    assert!(
        api.body_excerpt
            .as_deref()
            .unwrap()
            .contains("Support ID: 123")
    );
    assert!(err.is_retryable());
    assert!(err.to_string().contains("HTML"));
    assert_eq!(
        replay.requests().len(),
        5,
        "max_attempts bounds the retries"
    );
}

#[tokio::test(start_paused = true)]
async fn post_send_is_not_retried_after_a_reset() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::Fail(TransportErrorKind::Interrupted));
    replay.push(Reply::json(202, json!({"referenceNumber": REF})));
    let err = client(&replay)
        .execute(&send_invoice(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        replay.requests().len(),
        1,
        "a send that may have reached the server is not repeated"
    );
}

#[tokio::test(start_paused = true)]
async fn post_send_is_retried_when_never_sent_or_rate_limited() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::Fail(TransportErrorKind::Connect));
    replay.push(Reply::json(429, json!({})).header("retry-after", "2"));
    replay.push(Reply::json(202, json!({"referenceNumber": REF})));
    let resp = client(&replay)
        .execute(&send_invoice(), None)
        .await
        .unwrap();
    assert_eq!(resp.value.reference_number.as_str(), REF);
    assert_eq!(replay.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn post_send_is_not_retried_on_502() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::status(502));
    let err = client(&replay)
        .execute(&send_invoice(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(replay.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn get_retries_timeouts_with_backoff() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::Fail(TransportErrorKind::Timeout));
    replay.push(Reply::status(504));
    replay.push(Reply::json(200, status_body()));
    let start = Instant::now();
    client(&replay).execute(&get_status(), None).await.unwrap();
    // 0.5 s then 1 s of backoff without jitter.
    assert_eq!(start.elapsed(), Duration::from_millis(1500));
}

#[tokio::test]
async fn problem_details_are_kept() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::body(400, "application/problem+json", json!({
        "title": "Bad Request", "status": 400, "instance": "/sessions/online", "detail": "Błędy walidacji",
        "errors": [
            {"code": 21405, "description": "Błąd walidacji danych wejściowych.", "details": ["formCode jest wymagane"]},
            {"code": 21157, "description": "Nieprawidłowy rozmiar części pakietu.", "details": []}
        ],
        "timestamp": "2025-10-11T12:23:56Z", "traceId": "0HNG8FUM2GFQ3:00000001"
    }).to_string()));
    let err = client(&replay)
        .execute(&get_status(), None)
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 400);
    assert!(
        err.has_code(ExceptionCode::ValidationError)
            && err.has_code(ExceptionCode::InvalidPartSize)
    );
    assert_eq!(api.trace_id.as_deref(), Some("0HNG8FUM2GFQ3:00000001"));
    assert!(!err.is_retryable());
    let shown = err.to_string();
    assert!(
        shown.contains("21405")
            && shown.contains("formCode jest wymagane")
            && shown.contains("0HNG8FUM2GFQ3"),
        "{shown}"
    );
}

#[tokio::test]
async fn forbidden_reason_and_security_are_kept() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::body(403, "application/problem+json", json!({
        "title": "Forbidden", "status": 403, "detail": "Brak uprawnień", "reasonCode": "missing-permissions",
        "security": {"requiredAnyOfPermissions": ["InvoiceWrite"], "presentPermissions": []},
        "traceId": "abc", "timestamp": "2025-10-11T12:23:56Z"
    }).to_string()));
    let err = client(&replay)
        .execute(&get_status(), None)
        .await
        .unwrap_err();
    let problem = err.api().unwrap().problem.clone().unwrap();
    assert_eq!(problem.reason_code.as_deref(), Some("missing-permissions"));
    assert_eq!(
        problem.security.unwrap()["requiredAnyOfPermissions"][0],
        "InvoiceWrite"
    );
}

#[tokio::test]
async fn legacy_exception_shape_is_read() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::json(400, json!({"exception": {"exceptionDetailList": [
        {"exceptionCode": 21170, "exceptionDescription": "Sesja nie istnieje.", "details": ["x"]}],
        "referenceNumber": "a1b2c3", "serviceCode": "00-abc", "timestamp": "2025-10-11T12:23:56.0154302"}})));
    let err = client(&replay)
        .execute(&get_status(), None)
        .await
        .unwrap_err();
    assert!(err.has_code(ExceptionCode::Unknown(21170)));
    assert_eq!(err.api().unwrap().trace_id.as_deref(), Some("a1b2c3"));
}

#[tokio::test]
async fn headers_and_warnings() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::json(200, status_body()).header(
        "x-system-warning",
        "[W1]: Planowana przerwa techniczna | [W2]: Druga",
    ));
    let token = BearerToken::new("secret-access-token");
    let resp = client(&replay)
        .execute(&get_status(), Some(&token))
        .await
        .unwrap();
    assert_eq!(resp.warnings.len(), 2);
    assert_eq!(resp.warnings[0].code, "W1");
    let req = &replay.requests()[0];
    assert_eq!(
        req.header("authorization"),
        Some("Bearer secret-access-token")
    );
    assert_eq!(req.header("x-error-format"), Some("problem-details"));
    assert!(req.header("user-agent").unwrap().starts_with("ksef-rs/"));
    assert_eq!(
        req.url.as_str(),
        format!("https://ksef.invalid/v2/sessions/{REF}")
    );
    assert!(!format!("{token:?}").contains("secret"));
}

#[tokio::test]
async fn presigned_requests_carry_no_token_and_exact_headers() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::status(201));
    let resp = client(&replay)
        .send_to_url(UrlRequest {
            method: http::Method::PUT,
            url: "https://storage.invalid/part/1?sig=abc".into(),
            headers: vec![("x-ms-blob-type".into(), "BlockBlob".into())],
            body: ksef_http::Body::Bytes(bytes::Bytes::from_static(b"part")),
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 201);
    let req = &replay.requests()[0];
    assert!(req.header("authorization").is_none());
    assert_eq!(req.header("x-ms-blob-type"), Some("BlockBlob"));
    assert_eq!(&req.body[..], b"part");
}

#[tokio::test]
async fn undecodable_success_is_a_decode_error() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::body(200, "application/json", "{not json"));
    let err = client(&replay)
        .execute(&get_status(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }));
    assert!(err.to_string().contains("get_sessions_by_reference_number"));
}
