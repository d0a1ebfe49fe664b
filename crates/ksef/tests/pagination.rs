//! `.items()` follows continuation tokens and page offsets across pages.

mod common;

use futures::TryStreamExt as _;
use ksef::http::testing::Reply;
use serde_json::json;

fn token(reference: &str) -> serde_json::Value {
    json!({
        "referenceNumber": reference,
        "authorIdentifier": {"type": "Nip", "value": "5265877635"},
        "contextIdentifier": {"type": "Nip", "value": "5265877635"},
        "description": "test token",
        "requestedPermissions": ["InvoiceRead"],
        "dateCreated": "2025-10-01T13:20:52+00:00",
        "status": "Active"
    })
}

fn provider(id: &str) -> serde_json::Value {
    json!({"id": id, "name": "provider", "dateCreated": "2025-07-11T12:23:56+00:00"})
}

#[tokio::test]
async fn token_list_follows_continuation_tokens_across_three_pages() {
    let replay = common::replay_with(|r| {
        if r.url.path() != "/v2/tokens" {
            return None;
        }
        let page = match r.header("x-continuation-token") {
            None => {
                json!({"tokens": [token("20251001-EC-0000000001-A6B7F19A95-11"), token("20251001-EC-0000000002-A6B7F19A95-11")], "continuationToken": "page-2"})
            }
            Some("page-2") => {
                json!({"tokens": [token("20251001-EC-0000000003-A6B7F19A95-11")], "continuationToken": "page-3"})
            }
            Some("page-3") => json!({"tokens": [token("20251001-EC-0000000004-A6B7F19A95-11")]}),
            Some(other) => panic!("unexpected continuation token {other}"),
        };
        Some(Reply::json(200, page))
    });
    let api = common::login(&replay).await;

    let tokens: Vec<_> = api
        .tokens()
        .list()
        .items()
        .try_collect()
        .await
        .expect("all pages");

    let references: Vec<&str> = tokens.iter().map(|t| t.reference_number.as_str()).collect();
    assert_eq!(
        references,
        [
            "20251001-EC-0000000001-A6B7F19A95-11",
            "20251001-EC-0000000002-A6B7F19A95-11",
            "20251001-EC-0000000003-A6B7F19A95-11",
            "20251001-EC-0000000004-A6B7F19A95-11",
        ]
    );
    let pages: Vec<Option<String>> = replay
        .requests()
        .iter()
        .filter(|r| r.url.path() == "/v2/tokens")
        .map(|r| r.header("x-continuation-token").map(str::to_owned))
        .collect();
    assert_eq!(pages, [None, Some("page-2".into()), Some("page-3".into())]);
}

fn page_offset(r: &ksef::http::testing::RecordedRequest) -> Option<String> {
    r.url
        .query_pairs()
        .find(|(k, _)| k == "pageOffset")
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn peppol_providers_follow_has_more_across_pages() {
    let replay = common::replay_with(|r| {
        if r.url.path() != "/v2/peppol/query" {
            return None;
        }
        let page = match page_offset(r).as_deref() {
            None | Some("0") => {
                json!({"peppolProviders": [provider("P1"), provider("P2")], "hasMore": true})
            }
            Some("1") => json!({"peppolProviders": [provider("P3")], "hasMore": true}),
            Some("2") => json!({"peppolProviders": [provider("P4")], "hasMore": false}),
            Some(other) => panic!("unexpected page offset {other}"),
        };
        Some(Reply::json(200, page))
    });
    let client = common::client(replay.clone());

    let providers: Vec<_> = client
        .peppol()
        .providers()
        .items()
        .try_collect()
        .await
        .expect("all pages");

    let ids: Vec<&str> = providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["P1", "P2", "P3", "P4"]);
    let offsets: Vec<Option<String>> = replay.requests().iter().map(page_offset).collect();
    assert_eq!(offsets.len(), 3, "one request per page: {offsets:?}");
    assert_eq!(offsets[1].as_deref(), Some("1"));
    assert_eq!(offsets[2].as_deref(), Some("2"));
}

#[tokio::test]
async fn permission_query_follows_has_more() {
    let replay = common::replay_with(|r| {
        if r.url.path() != "/v2/permissions/query/entities/roles" {
            return None;
        }
        let role = |n: u32| {
            json!({
                "role": "CourtBailiff",
                "description": format!("role {n}"),
                "startDate": "2025-01-01T00:00:00+00:00"
            })
        };
        let page = match page_offset(r).as_deref() {
            None | Some("0") => json!({"roles": [role(1)], "hasMore": true}),
            Some("1") => json!({"roles": [role(2)], "hasMore": false}),
            Some(other) => panic!("unexpected page offset {other}"),
        };
        Some(Reply::json(200, page))
    });
    let api = common::login(&replay).await;

    let roles: Vec<_> = api
        .permissions()
        .query_entity_roles()
        .items()
        .try_collect()
        .await
        .expect("all pages");

    let descriptions: Vec<&str> = roles.iter().map(|r| r.description.as_str()).collect();
    assert_eq!(descriptions, ["role 1", "role 2"]);
}

#[tokio::test]
async fn items_ask_for_the_largest_pages_unless_a_size_was_chosen() {
    let replay = common::replay_with(|r| {
        if r.url.path() != "/v2/tokens" {
            return None;
        }
        let size = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "pageSize")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        // Echo the page size back through the description of the one token.
        let mut one = token("20251001-EC-0000000001-A6B7F19A95-11");
        one["description"] = json!(format!("pageSize={size}"));
        Some(Reply::json(200, json!({"tokens": [one]})))
    });
    let api = common::login(&replay).await;
    let default: Vec<_> = api.tokens().list().items().try_collect().await.unwrap();
    assert_eq!(
        default[0].description, "pageSize=100",
        "the spec's maximum for GET /tokens"
    );
    let chosen: Vec<_> = api
        .tokens()
        .list()
        .with(|r| r.page_size = Some(10))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(chosen[0].description, "pageSize=10");
}
