//! The status service ("Latarnia"): lenient decoding and environments without one.

mod common;

use std::sync::Arc;

use ksef::api::LighthouseState;
use ksef::http::ThrottleConfig;
use ksef::http::testing::{ReplayTransport, Reply};
use ksef::{Client, Environment, Error};
use serde_json::json;

fn client_with_lighthouse(replay: Arc<ReplayTransport>) -> Client {
    Client::builder()
        .environment(Environment::Custom {
            api: common::BASE.into(),
            qr: "https://qr.invalid".into(),
            lighthouse: Some("http://lighthouse.invalid/".into()),
        })
        .transport(replay)
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .build()
        .expect("client")
}

#[tokio::test]
async fn status_and_messages_decode() {
    let replay = Arc::new(ReplayTransport::with_responder(|r| match r.url.path() {
        "/status" => Reply::json(200, json!({"status": "MAINTENANCE", "messages": []})),
        "/messages" => Reply::json(
            200,
            json!([
                {"id": 7, "title": "Prace serwisowe", "text": "Przerwa techniczna", "start": "2025-11-21T20:00:00Z", "end": "2025-11-21T22:00:00Z", "category": "MAINTENANCE"},
                {"id": 8, "title": 42}
            ]),
        ),
        _ => Reply::status(404),
    }));
    let client = client_with_lighthouse(replay.clone());

    let status = client.lighthouse().status().await.expect("status");
    assert_eq!(status.status, LighthouseState::Maintenance);
    assert_eq!(status.raw["messages"], json!([]));

    let messages = client.lighthouse().messages().await.expect("messages");
    assert_eq!(messages.len(), 2);
    let first = messages.first().expect("first");
    assert_eq!(first.title.as_deref(), Some("Prace serwisowe"));
    assert_eq!(first.text.as_deref(), Some("Przerwa techniczna"));
    assert_eq!(first.start.as_deref(), Some("2025-11-21T20:00:00Z"));
    assert_eq!(first.end.as_deref(), Some("2025-11-21T22:00:00Z"));
    assert_eq!(first.raw["category"], "MAINTENANCE");
    let second = messages.get(1).expect("second");
    assert_eq!(second.title, None, "a non-string title is left out");
    assert_eq!(second.raw["title"], 42);

    let urls: Vec<String> = replay
        .requests()
        .iter()
        .map(|r| r.url.to_string())
        .collect();
    assert_eq!(
        urls,
        [
            "http://lighthouse.invalid/status",
            "http://lighthouse.invalid/messages"
        ]
    );
    assert!(
        replay
            .requests()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
}

#[tokio::test]
async fn every_known_state_and_an_unknown_one() {
    for (text, state) in [
        ("AVAILABLE", LighthouseState::Available),
        ("MAINTENANCE", LighthouseState::Maintenance),
        ("FAILURE", LighthouseState::Failure),
        ("TOTAL_FAILURE", LighthouseState::TotalFailure),
        (
            "PARTIAL_OUTAGE",
            LighthouseState::Unknown("PARTIAL_OUTAGE".into()),
        ),
    ] {
        let replay = Arc::new(ReplayTransport::with_responder(move |_| {
            Reply::json(200, json!({"status": text, "extra": {"kept": true}}))
        }));
        let status = client_with_lighthouse(replay)
            .lighthouse()
            .status()
            .await
            .expect("status");
        assert_eq!(status.status, state);
        assert_eq!(status.raw["extra"]["kept"], true);
    }
}

#[tokio::test]
async fn messages_inside_an_object_and_bad_answers() {
    let replay = Arc::new(ReplayTransport::new());
    replay.push(Reply::json(200, json!({"messages": [{"title": "t"}]})));
    replay.push(Reply::body(200, "text/html", "<html>maintenance</html>"));
    replay.push(Reply::json(200, json!({"nothing": "here"})));
    let lighthouse = client_with_lighthouse(replay).lighthouse();

    let messages = lighthouse.messages().await.expect("object with messages");
    assert_eq!(messages.first().and_then(|m| m.title.as_deref()), Some("t"));
    assert!(matches!(
        lighthouse.status().await,
        Err(Error::StatusService {
            resource: "status",
            ..
        })
    ));
    assert!(matches!(
        lighthouse.messages().await,
        Err(Error::StatusService {
            resource: "messages",
            ..
        })
    ));
}

#[tokio::test]
async fn an_environment_without_a_status_service_is_invalid_input() {
    let replay = Arc::new(ReplayTransport::new());
    let client = common::client(replay.clone());
    assert!(matches!(
        client.lighthouse().status().await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        client.lighthouse().messages().await,
        Err(Error::InvalidInput(_))
    ));
    assert!(replay.requests().is_empty());
}
