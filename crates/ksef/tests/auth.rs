//! The authentication flows and token refresh, on the replay transport.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::crypto::credentials::Credentials;
use ksef::crypto::public_key::RsaDecryptionKey;
use ksef::crypto::test_certs::{self, PersonIdentifier, TestKeyType};
use ksef::http::ThrottleConfig;
use ksef::http::testing::{RecordedRequest, ReplayTransport, Reply};
use ksef::{AuthFailure, Client, Error};
use serde_json::{Value, json};

const NIP: &str = "5265877635";
const TOKEN: &str = "20251010-EC-1DCE3E3000-12ECB5B36E-45|internalId-5265877635-12345|919f70";

/// The "Ministry" key pair used to serve `/security/public-key-certificates` (generated once).
fn ministry() -> &'static (Credentials, RsaDecryptionKey) {
    static KEY: OnceLock<(Credentials, RsaDecryptionKey)> = OnceLock::new();
    KEY.get_or_init(|| {
        let creds =
            test_certs::seal_certificate("Ministerstwo Testów", NIP, TestKeyType::Rsa2048).unwrap();
        let der = creds.key().to_pkcs8_der().unwrap();
        let decrypt = RsaDecryptionKey::from_pem_or_der(&der).unwrap();
        (creds, decrypt)
    })
}

fn public_keys() -> Value {
    use base64::Engine as _;
    let cert = base64::engine::general_purpose::STANDARD.encode(ministry().0.certificate().der());
    json!([{
        "certificate": cert, "certificateId": "x", "publicKeyId": "y",
        "validFrom": "2020-01-01T00:00:00Z", "validTo": "2099-01-01T00:00:00Z",
        "usage": ["KsefTokenEncryption", "SymmetricKeyEncryption"]
    }])
}

fn challenge() -> Value {
    json!({"challenge": "20250514-CR-226FB7B000-3ACF9BE4C0-10", "timestamp": "2025-07-11T12:23:56.0154302+00:00",
           "timestampMs": 1752236636015_i64, "clientIp": "127.0.0.1"})
}

fn init() -> Value {
    json!({"referenceNumber": "20250514-AU-2DFC46C000-3AC6D5877F-D4",
           "authenticationToken": {"token": "AUTH-TOKEN", "validUntil": "2099-07-11T12:23:56+00:00"}})
}

fn auth_status(code: i32) -> Value {
    json!({"startDate": "2025-07-11T12:23:56+00:00", "authenticationMethod": "Token",
           "status": {"code": code, "description": "opis", "details": ["szczegóły"]}})
}

fn tokens(valid_until: &str) -> Value {
    json!({"accessToken": {"token": "ACCESS-1", "validUntil": valid_until},
           "refreshToken": {"token": "REFRESH-1", "validUntil": "2099-07-18T12:23:56+00:00"}})
}

fn client(replay: &Arc<ReplayTransport>) -> Client {
    Client::builder()
        .base_url("https://ksef.invalid/v2")
        .transport(replay.clone())
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .auth_poll_interval(Duration::from_millis(10))
        .auth_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn script_token_login(replay: &ReplayTransport, status_codes: &[i32], access_valid_until: &str) {
    replay.push(Reply::json(200, challenge()));
    replay.push(Reply::json(200, public_keys()));
    replay.push(Reply::json(202, init()));
    for code in status_codes {
        replay.push(Reply::json(200, auth_status(*code)));
    }
    replay.push(Reply::json(200, tokens(access_valid_until)));
}

fn paths(replay: &ReplayTransport) -> Vec<String> {
    replay
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn token_login_encrypts_the_token_and_redeems() {
    let replay = Arc::new(ReplayTransport::new());
    script_token_login(&replay, &[100, 200], "2099-07-11T12:38:56+00:00");
    let logged_in = client(&replay)
        .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
    assert_eq!(
        logged_in.reference_number(),
        "20250514-AU-2DFC46C000-3AC6D5877F-D4"
    );
    assert_eq!(
        paths(&replay),
        [
            "POST /v2/auth/challenge",
            "GET /v2/security/public-key-certificates",
            "POST /v2/auth/ksef-token",
            "GET /v2/auth/20250514-AU-2DFC46C000-3AC6D5877F-D4",
            "GET /v2/auth/20250514-AU-2DFC46C000-3AC6D5877F-D4",
            "POST /v2/auth/token/redeem",
        ]
    );
    let requests = replay.requests();
    let body = requests[2].json().unwrap();
    assert_eq!(
        body["contextIdentifier"],
        json!({"type": "Nip", "value": NIP})
    );
    let decrypted = ministry()
        .1
        .decrypt_ksef_token(body["encryptedToken"].as_str().unwrap())
        .unwrap();
    assert_eq!(decrypted.token(), TOKEN);
    assert_eq!(decrypted.timestamp_ms(), 1752236636015);
    assert_eq!(
        requests[3].header("authorization"),
        Some("Bearer AUTH-TOKEN")
    );
    assert_eq!(
        requests[5].header("authorization"),
        Some("Bearer AUTH-TOKEN")
    );
    assert!(
        !format!("{logged_in:?}").contains("ACCESS-1"),
        "tokens never printed"
    );
}

#[tokio::test]
async fn unknown_public_key_refetches_and_retries_once() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::json(200, challenge()));
    replay.push(Reply::json(200, public_keys()));
    replay.push(Reply::json(
        400,
        json!({"title": "Bad Request", "status": 400,
        "errors": [{"code": 21470, "description": "Nieznany klucz publiczny.", "details": []}]}),
    ));
    script_token_login(&replay, &[200], "2099-07-11T12:38:56+00:00");
    client(&replay)
        .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
    let key_fetches = paths(&replay)
        .iter()
        .filter(|p| p.ends_with("public-key-certificates"))
        .count();
    assert_eq!(key_fetches, 2, "keys are fetched again after 21470");
}

#[tokio::test]
async fn failure_statuses_are_typed() {
    for (code, kind) in [
        (450, AuthFailure::InvalidToken),
        (460, AuthFailure::Certificate),
        (415, AuthFailure::NoPermissions),
    ] {
        let replay = Arc::new(ReplayTransport::new());
        script_token_login(&replay, &[code], "2099-07-11T12:38:56+00:00");
        let err = client(&replay)
            .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
            .await
            .unwrap_err();
        match err {
            Error::AuthFailed {
                code: c,
                kind: k,
                ref details,
                ..
            } => {
                assert_eq!((c, k), (code, kind));
                assert_eq!(details, &["szczegóły"]);
            }
            other => panic!("expected AuthFailed, got {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_starts_the_login_over_with_a_new_challenge() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::json(200, challenge()));
    replay.push(Reply::json(200, public_keys()));
    // The token POST is not repeated as such (its outcome is unknown after a 500): the whole
    // login starts again, and the keys already fetched are reused.
    replay.push(Reply::json(
        500,
        json!({"exception": {"exceptionDetailList": [{"exceptionCode": 0,
            "exceptionDescription": "Wystąpił nieoczekiwany błąd."}]}}),
    ));
    replay.push(Reply::json(200, challenge()));
    replay.push(Reply::json(202, init()));
    replay.push(Reply::json(200, auth_status(200)));
    replay.push(Reply::json(200, tokens("2099-07-11T12:38:56+00:00")));
    client(&replay)
        .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
    assert_eq!(
        paths(&replay),
        [
            "POST /v2/auth/challenge",
            "GET /v2/security/public-key-certificates",
            "POST /v2/auth/ksef-token",
            "POST /v2/auth/challenge",
            "POST /v2/auth/ksef-token",
            "GET /v2/auth/20250514-AU-2DFC46C000-3AC6D5877F-D4",
            "POST /v2/auth/token/redeem",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_login_cancelled_by_the_system_is_started_at_most_three_times() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::json(200, challenge()));
    replay.push(Reply::json(200, public_keys()));
    for attempt in 0..ksef::auth::LOGIN_ATTEMPTS {
        if attempt > 0 {
            replay.push(Reply::json(200, challenge()));
        }
        replay.push(Reply::json(202, init()));
        replay.push(Reply::json(200, auth_status(550)));
    }
    let err = client(&replay)
        .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::AuthFailed {
                code: 550,
                kind: AuthFailure::CancelledBySystem,
                ..
            }
        ),
        "{err:?}"
    );
    let challenges = paths(&replay)
        .iter()
        .filter(|p| p.ends_with("/auth/challenge"))
        .count();
    assert_eq!(challenges, 3);
}

#[tokio::test(start_paused = true)]
async fn authentication_that_never_finishes_times_out() {
    let replay = Arc::new(ReplayTransport::with_responder(|req: &RecordedRequest| {
        if req.url.path().starts_with("/v2/auth/2025") {
            Reply::json(200, auth_status(100))
        } else {
            Reply::status(500)
        }
    }));
    replay.push(Reply::json(200, challenge()));
    replay.push(Reply::json(200, public_keys()));
    replay.push(Reply::json(202, init()));
    let err = client(&replay)
        .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Timeout { what: ksef::WaitingFor::Authentication, reference_number, .. }
                if !reference_number.is_empty()
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn xades_login_sends_a_verifiable_signature() {
    let creds = test_certs::person_certificate(
        "Jan",
        "Kowalski",
        &PersonIdentifier::Nip(NIP.into()),
        TestKeyType::P256,
    )
    .unwrap();
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::json(200, challenge()));
    replay.push(Reply::json(202, init()));
    replay.push(Reply::json(200, auth_status(200)));
    replay.push(Reply::json(200, tokens("2099-07-11T12:38:56+00:00")));
    client(&replay)
        .login_xades(
            &creds,
            ContextIdentifier::Nip(NIP.into()),
            &XadesOptions::default(),
        )
        .await
        .unwrap();
    let signed = &replay.requests()[1];
    assert_eq!(signed.url.path(), "/v2/auth/xades-signature");
    assert_eq!(signed.header("content-type"), Some("application/xml"));
    let xml = std::str::from_utf8(&signed.body).unwrap();
    let verified = ksef::crypto::xades::verify_auth_request(xml, &Default::default()).unwrap();
    assert_eq!(verified.challenge, "20250514-CR-226FB7B000-3ACF9BE4C0-10");
}

fn logged_in_replay(access_valid_until: &str) -> Arc<ReplayTransport> {
    let replay = Arc::new(ReplayTransport::new());
    script_token_login(&replay, &[200], access_valid_until);
    replay
}

fn session_status() -> Value {
    json!({"status": {"code": 100, "description": "Sesja otwarta"},
           "dateCreated": "2025-09-18T15:00:30+00:00", "dateUpdated": "2025-09-18T15:00:30+00:00"})
}

const SESSION: &str = "20250625-SO-2C3E6C8000-B675CF5D68-07";

fn status_call() -> ksef::model::operations::GetSessionsByReferenceNumber {
    ksef::model::operations::GetSessionsByReferenceNumber::new(
        ksef::model::ReferenceNumber::new(SESSION).unwrap(),
    )
}

#[tokio::test]
async fn a_401_refreshes_once_and_repeats() {
    let replay = logged_in_replay("2099-07-11T12:38:56+00:00");
    let logged_in = client(&replay)
        .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
    replay.push(Reply::body(
        401,
        "application/problem+json",
        json!({"title": "Unauthorized", "status": 401}).to_string(),
    ));
    replay.push(Reply::json(
        200,
        json!({"accessToken": {"token": "ACCESS-2", "validUntil": "2099-07-11T12:38:56+00:00"}}),
    ));
    replay.push(Reply::json(200, session_status()));
    let status = logged_in.call(status_call()).await.unwrap();
    assert_eq!(status.status.code, 100);
    let requests = replay.requests();
    let tail: Vec<(String, Option<String>)> = requests[requests.len() - 3..]
        .iter()
        .map(|r| {
            (
                r.url.path().to_owned(),
                r.header("authorization").map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(tail[0].1.as_deref(), Some("Bearer ACCESS-1"));
    assert_eq!(
        tail[1],
        (
            "/v2/auth/token/refresh".to_owned(),
            Some("Bearer REFRESH-1".to_owned())
        )
    );
    assert_eq!(tail[2].1.as_deref(), Some("Bearer ACCESS-2"));
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_the_call() {
    let replay = logged_in_replay("2000-01-01T00:00:00+00:00");
    let logged_in = client(&replay)
        .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
    replay.push(Reply::json(
        200,
        json!({"accessToken": {"token": "ACCESS-2", "validUntil": "2099-07-11T12:38:56+00:00"}}),
    ));
    replay.push(Reply::json(200, session_status()));
    logged_in.call(status_call()).await.unwrap();
    let requests = replay.requests();
    assert_eq!(
        requests[requests.len() - 2].url.path(),
        "/v2/auth/token/refresh"
    );
    assert_eq!(
        requests[requests.len() - 1].header("authorization"),
        Some("Bearer ACCESS-2")
    );
}

#[tokio::test]
async fn concurrent_tasks_share_one_refresh() {
    let refreshes = Arc::new(Mutex::new(0));
    let counter = refreshes.clone();
    let replay = Arc::new(ReplayTransport::with_responder(
        move |req: &RecordedRequest| {
            if req.url.path() == "/v2/auth/token/refresh" {
                *counter.lock().unwrap() += 1;
                Reply::json(
                    200,
                    json!({"accessToken": {"token": "ACCESS-2", "validUntil": "2099-07-11T12:38:56+00:00"}}),
                )
            } else {
                Reply::json(200, session_status())
            }
        },
    ));
    script_token_login(&replay, &[200], "2000-01-01T00:00:00+00:00");
    let logged_in = client(&replay)
        .login_token(TOKEN, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = logged_in.clone();
        tasks.push(tokio::spawn(async move { c.call(status_call()).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(*refreshes.lock().unwrap(), 1);
}

#[tokio::test]
async fn anonymous_client_refuses_operations_needing_a_token() {
    let replay = Arc::new(ReplayTransport::new());
    let err = client(&replay).call(status_call()).await.unwrap_err();
    assert!(matches!(err, Error::NotAuthenticated { .. }));
    assert!(replay.requests().is_empty());
}
