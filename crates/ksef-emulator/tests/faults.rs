//! Fault injection: every fault appears at about its configured rate (seeded, so the same seed
//! gives the same sequence), in the documented shape (JSON 500/503 and 429 with `Retry-After`
//! in the API's error formats, an HTML WAF page, a real connection reset), a reset after commit
//! keeps the request's effect, and the pre-signed storage throttle slows transfers.
mod support;

use std::time::{Duration, Instant};

use ksef_crypto::xades::ContextIdentifier;
use ksef_emulator::{EmulatorConfig, Faults, RateLimitMode};
use serde_json::{Value, json};
use support::{Harness, nip, schema};

/// An operation without a token, so every request is one draw.
const OP: &str = "get_security_public_key_certificates";
const PATH: &str = "/security/public-key-certificates";
const REQUESTS: usize = 200;

async fn harness(faults: Faults) -> Harness {
    Harness::start(EmulatorConfig {
        rate_limits: RateLimitMode::Off,
        auth_processing_ms: 0,
        faults,
        ..EmulatorConfig::default()
    })
    .await
}

/// What one request saw.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Ok,
    Json(u16),
    TooMany(String),
    Html(u16),
    Plain(u16),
    Reset,
}

async fn observe(h: &Harness) -> Seen {
    let resp = match h.http.get(format!("{}{PATH}", h.base)).send().await {
        Ok(r) => r,
        Err(e) => {
            assert!(is_reset(&e), "only injected resets fail: {e:?}");
            return Seen::Reset;
        }
    };
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Ok(text) = resp.text().await else {
        return Seen::Reset;
    };
    match status {
        200 => Seen::Ok,
        429 => {
            let body: Value = serde_json::from_str(&text).expect("a JSON 429");
            schema::assert_valid(OP, 429, &body);
            Seen::TooMany(retry_after.expect("Retry-After on every 429"))
        }
        _ if content_type.starts_with("text/html") => Seen::Html(status),
        _ if content_type.contains("json") => {
            let body: Value = serde_json::from_str(&text).expect("JSON error body");
            // The API's error format for 5xx: the legacy exception document.
            schema::assert_component("ExceptionResponse", &body);
            Seen::Json(status)
        }
        _ => Seen::Plain(status),
    }
}

/// Whether the error's chain holds an I/O `ConnectionReset` (a TCP `RST` from the server).
fn is_reset(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset)
        {
            return true;
        }
        next = err.source();
    }
    false
}

async fn run(faults: Faults) -> Vec<Seen> {
    let h = harness(faults).await;
    let mut seen = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        seen.push(observe(&h).await);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_appears_at_its_configured_rate() {
    let rate = 0.2;
    type Set = fn(&mut Faults, f64);
    let cases: [(&str, Set, Seen); 7] = [
        (
            "internalError",
            |f, p| f.internal_error = p,
            Seen::Json(500),
        ),
        ("badGateway", |f, p| f.bad_gateway = p, Seen::Plain(502)),
        ("unavailable", |f, p| f.unavailable = p, Seen::Json(503)),
        ("wafHtml", |f, p| f.waf_html = p, Seen::Html(503)),
        (
            "tooManyRequests",
            |f, p| f.too_many_requests = p,
            Seen::TooMany("3".into()),
        ),
        ("reset", |f, p| f.reset = p, Seen::Reset),
        (
            "dropAfterCommit",
            |f, p| f.drop_after_commit = p,
            Seen::Reset,
        ),
    ];
    for (name, set, expected) in cases {
        let mut faults = Faults {
            seed: 42,
            retry_after_secs: 3,
            ..Faults::default()
        };
        set(&mut faults, rate);
        let seen = run(faults.clone()).await;
        let hits = seen.iter().filter(|s| **s == expected).count();
        let others: Vec<&Seen> = seen
            .iter()
            .filter(|s| **s != expected && **s != Seen::Ok)
            .collect();
        assert!(others.is_empty(), "{name}: unexpected answers {others:?}");
        let share = hits as f64 / REQUESTS as f64;
        assert!(
            (rate - 0.1..=rate + 0.1).contains(&share),
            "{name}: {hits} of {REQUESTS} requests faulted, configured {rate}"
        );
        // Seeded: the same seed gives the same sequence.
        assert_eq!(run(faults).await, seen, "{name}: same seed, same faults");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_is_late_but_whole() {
    let h = harness(Faults {
        slow: 1.0,
        slow_ms: 200,
        ..Faults::default()
    })
    .await;
    let started = Instant::now();
    assert_eq!(observe(&h).await, Seen::Ok);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_can_be_limited_to_operations() {
    let h = harness(Faults {
        unavailable: 1.0,
        operations: vec!["post_auth_challenge".into()],
        ..Faults::default()
    })
    .await;
    assert_eq!(observe(&h).await, Seen::Ok);
    let r = h.call("POST", "/auth/challenge", None, Value::Null).await;
    assert_eq!(r.status, 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_after_commit_keeps_the_effect() {
    let h = harness(Faults {
        drop_after_commit: 1.0,
        operations: vec!["post_tokens".into()],
        ..Faults::default()
    })
    .await;
    let owner = nip();
    let token = h
        .login_person_nip(&owner, ContextIdentifier::Nip(owner.clone()))
        .await;
    let sent = h
        .http
        .post(format!("{}/tokens", h.base))
        .bearer_auth(&token)
        .json(&json!({"permissions": ["InvoiceRead"], "description": "after commit"}))
        .send()
        .await;
    let failed = match sent {
        Err(e) => Some(e),
        Ok(resp) => resp.bytes().await.err(),
    };
    let e = failed.expect("the answer is lost");
    assert!(is_reset(&e), "a TCP reset, not an answer: {e:?}");
    // The token was created all the same.
    let list = h.call("GET", "/tokens", Some(&token), Value::Null).await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    let tokens = list.body["tokens"].as_array().expect("tokens");
    assert!(
        tokens.iter().any(|t| t["description"] == "after commit"),
        "{:#}",
        list.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storage_throttle_slows_uploads_and_downloads() {
    let rate = 200_000;
    let h = harness(Faults {
        storage_bytes_per_sec: rate,
        ..Faults::default()
    })
    .await;
    let size = 100_000usize;
    let key = "batch/throttle-test/1";
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let state = h.emulator.state();
    let put = ksef_emulator::storage::presign(state, "PUT", key, expires);
    let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    // Loose lower bound only: the transfer cannot be faster than the throttle allows.
    let least = Duration::from_secs_f64(size as f64 / rate as f64 * 0.8);

    let started = Instant::now();
    let status = h
        .http
        .put(&put)
        .header("x-ms-blob-type", "BlockBlob")
        .body(payload.clone())
        .send()
        .await
        .expect("upload")
        .status();
    assert_eq!(status, 201);
    assert!(
        started.elapsed() >= least,
        "upload took {:?}",
        started.elapsed()
    );

    let get = ksef_emulator::storage::presign(state, "GET", key, expires);
    let started = Instant::now();
    let body = h
        .http
        .get(&get)
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("body");
    assert!(
        started.elapsed() >= least,
        "download took {:?}",
        started.elapsed()
    );
    assert_eq!(body.as_ref(), payload.as_slice());
}
