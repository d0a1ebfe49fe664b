//! Collective identifiers (API 2.9) as the spec's descriptions define them: generation and its
//! refusals (71001, 71002's limit, 71004, 71005, the context limit), the identifier's format and
//! checksum, who sees which identifiers, hidden details, order and paging — every answer checked
//! against the 2.9 schemas.
mod support;

use ksef_crypto::identifiers::CollectiveIdentifierNumber;
use ksef_crypto::xades::ContextIdentifier;
use serde_json::{Value, json};
use support::Harness;
use support::seed;

async fn owner(h: &Harness, nip: &str) -> String {
    h.login_person_nip(nip, ContextIdentifier::Nip(nip.to_owned()))
        .await
}

async fn generate(h: &Harness, token: &str, body: Value) -> support::Reply {
    h.checked(
        "post_collective_identifiers",
        "POST",
        "/collective-identifiers",
        Some(token),
        body,
    )
    .await
}

fn invoices(numbers: &[&String]) -> Value {
    json!({"invoices": numbers.iter().map(|k| json!({"ksefNumber": k})).collect::<Vec<_>>()})
}

fn day_window() -> Value {
    let now = time::OffsetDateTime::now_utc();
    json!({
        "dateCreatedFrom": seed::rfc3339(now - time::Duration::days(1)),
        "dateCreatedTo": seed::rfc3339(now + time::Duration::minutes(1)),
    })
}

#[tokio::test]
async fn generation_follows_the_rules_and_the_identifier_is_well_formed() {
    let h = Harness::fast().await;
    let (seller, buyer, other_seller) = (support::nip(), support::nip(), support::nip());
    let mine = seed::insert(&h.emulator, seed::series(&seller, &buyer, 3, 0));
    let theirs = seed::insert(&h.emulator, seed::series(&other_seller, &buyer, 1, 0));
    let token = owner(&h, &seller).await;

    let body = json!({"invoices": [
        {"ksefNumber": mine[0], "payment": {"amount": 100, "currency": "PLN"}, "description": "Rata 1"},
        {"ksefNumber": mine[1], "payment": {"amount": 45.5, "currency": "EUR"}, "description": null},
        {"ksefNumber": mine[2], "payment": null}
    ]});
    let r = generate(&h, &token, body).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let number = r.body["collectiveIdentifierNumber"].as_str().unwrap();
    let parsed = CollectiveIdentifierNumber::parse(number).expect("format and CRC-8");
    assert_eq!(parsed.nip(), seller);
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(
        &number[11..19],
        format!("IZ{:04}{:02}", now.year(), u8::from(now.month()))
    );

    // One invoice is too few; the same number twice is 71005; an unknown one 71001; an
    // invoice the context cannot see is unknown to it too; another seller is 71004.
    let r = generate(&h, &token, invoices(&[&mine[0]])).await;
    assert_eq!(r.exception_code(), Some(21405), "{:#}", r.body);
    let r = generate(&h, &token, invoices(&[&mine[0], &mine[0]])).await;
    assert_eq!(r.exception_code(), Some(71005), "{:#}", r.body);
    let unknown = seed::invoice(&seller, &buyer, now, 0)
        .metadata
        .ksef_number
        .as_str()
        .to_owned();
    let r = generate(&h, &token, invoices(&[&mine[0], &unknown])).await;
    assert_eq!(r.exception_code(), Some(71001), "{:#}", r.body);
    let r = generate(&h, &token, invoices(&[&mine[0], &theirs[0]])).await;
    assert_eq!(r.exception_code(), Some(71001), "{:#}", r.body);
    // The buyer sees invoices of both sellers: mixing them is 71004.
    let buyer_token = owner(&h, &buyer).await;
    let r = generate(&h, &buyer_token, invoices(&[&mine[0], &theirs[0]])).await;
    assert_eq!(r.exception_code(), Some(71004), "{:#}", r.body);
    // A bad currency and an over-long description are validation errors.
    let r = generate(
        &h,
        &token,
        json!({"invoices": [
            {"ksefNumber": mine[0], "payment": {"amount": 1, "currency": "XXQ"}},
            {"ksefNumber": mine[1]}
        ]}),
    )
    .await;
    assert_eq!(r.exception_code(), Some(21405), "{:#}", r.body);

    // The context limit (collectiveIdentifier.maxInvoices) applies.
    let limits = json!({
        "onlineSession": {"maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 3, "maxInvoices": 100},
        "batchSession": {"maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 3, "maxInvoices": 100},
        "collectiveIdentifier": {"maxInvoices": 2}
    });
    let r = h
        .checked(
            "post_testdata_limits_context_session",
            "POST",
            "/testdata/limits/context/session",
            Some(&token),
            limits,
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let r = generate(&h, &token, invoices(&[&mine[0], &mine[1], &mine[2]])).await;
    assert_eq!(r.exception_code(), Some(21405), "{:#}", r.body);
    let r = generate(&h, &token, invoices(&[&mine[0], &mine[1]])).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
}

#[tokio::test]
async fn an_invoice_belongs_to_at_most_132_identifiers_of_a_context() {
    let h = Harness::fast().await;
    let (seller, buyer) = (support::nip(), support::nip());
    let k = seed::insert(&h.emulator, seed::series(&seller, &buyer, 3, 0));
    let token = owner(&h, &seller).await;
    for i in 0..132 {
        let r = h
            .call(
                "POST",
                "/collective-identifiers",
                Some(&token),
                invoices(&[&k[0], &k[1 + i % 2]]),
            )
            .await;
        assert_eq!(r.status, 201, "{i}: {:#}", r.body);
    }
    let r = generate(&h, &token, invoices(&[&k[0], &k[1]])).await;
    assert_eq!(r.exception_code(), Some(71002), "{:#}", r.body);
    // Another context (the buyer) has its own 132.
    let buyer_token = owner(&h, &buyer).await;
    let r = generate(&h, &buyer_token, invoices(&[&k[0], &k[1]])).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
}

#[tokio::test]
async fn queries_show_what_each_context_may_see_in_order_and_in_pages() {
    let h = Harness::fast().await;
    let (seller, buyer, stranger) = (support::nip(), support::nip(), support::nip());
    let k = seed::insert(&h.emulator, seed::series(&seller, &buyer, 4, 0));
    let seller_token = owner(&h, &seller).await;
    let buyer_token = owner(&h, &buyer).await;
    let stranger_token = owner(&h, &stranger).await;

    // The buyer groups two invoices with details; the seller groups the others, eleven times.
    let r = generate(
        &h,
        &buyer_token,
        json!({"invoices": [
            {"ksefNumber": k[0], "payment": {"amount": 10, "currency": "PLN"}, "description": "a"},
            {"ksefNumber": k[1], "payment": {"amount": 20, "currency": "PLN"}, "description": "b"}
        ]}),
    )
    .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let by_buyer = r.body["collectiveIdentifierNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut by_seller = Vec::new();
    for _ in 0..11 {
        let r = generate(&h, &seller_token, invoices(&[&k[2], &k[3]])).await;
        by_seller.push(
            r.body["collectiveIdentifierNumber"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // The seller (NIP context, Podmiot 1 of every invoice) sees all twelve, newest first, in
    // pages of ten with a continuation token.
    let first = h
        .checked(
            "post_collective_identifiers_query",
            "POST",
            "/collective-identifiers/query?pageSize=10",
            Some(&seller_token),
            day_window(),
        )
        .await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    let items = first.body["collectiveIdentifiers"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    let token = first.body["continuationToken"]
        .as_str()
        .expect("more pages");
    let second = h
        .checked_with(
            "post_collective_identifiers_query",
            "POST",
            "/collective-identifiers/query?pageSize=10",
            Some(&seller_token),
            day_window(),
            &[("x-continuation-token", token)],
        )
        .await;
    let rest = second.body["collectiveIdentifiers"].as_array().unwrap();
    assert_eq!(rest.len(), 2);
    assert!(second.body["continuationToken"].is_null());
    let all: Vec<&Value> = items.iter().chain(rest).collect();
    let keys: Vec<(String, String)> = all
        .iter()
        .map(|i| {
            (
                i["dateCreated"].as_str().unwrap().to_owned(),
                i["collectiveIdentifierNumber"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted, "dateCreated desc, number desc");
    let buyers_item = all
        .iter()
        .find(|i| i["collectiveIdentifierNumber"] == by_buyer.as_str())
        .expect("the seller sees the buyer's identifier");
    assert_eq!(buyers_item["createdInCurrentContext"], false);
    assert_eq!(buyers_item["invoiceCount"], 2);

    // Filters: only those created here; by number; by invoice count.
    let mut mine_only = day_window();
    mine_only["createdInCurrentContext"] = json!(true);
    let r = h
        .checked(
            "post_collective_identifiers_query",
            "POST",
            "/collective-identifiers/query?pageSize=200",
            Some(&seller_token),
            mine_only,
        )
        .await;
    assert_eq!(
        r.body["collectiveIdentifiers"].as_array().unwrap().len(),
        11
    );
    let mut one = day_window();
    one["collectiveIdentifierNumber"] = json!(by_buyer);
    let r = h
        .checked(
            "post_collective_identifiers_query",
            "POST",
            "/collective-identifiers/query",
            Some(&buyer_token),
            one,
        )
        .await;
    assert_eq!(
        r.body["collectiveIdentifiers"][0]["createdInCurrentContext"],
        true
    );
    // More than 100 days, a page size out of range, a bad token: 400.
    let now = time::OffsetDateTime::now_utc();
    let long = json!({
        "dateCreatedFrom": seed::rfc3339(now - time::Duration::days(101)),
        "dateCreatedTo": seed::rfc3339(now),
    });
    let r = h
        .checked(
            "post_collective_identifiers_query",
            "POST",
            "/collective-identifiers/query",
            Some(&seller_token),
            long,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let r = h
        .checked(
            "post_collective_identifiers_query",
            "POST",
            "/collective-identifiers/query?pageSize=201",
            Some(&seller_token),
            day_window(),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));
    let r = h
        .checked_with(
            "post_collective_identifiers_query",
            "POST",
            "/collective-identifiers/query",
            Some(&seller_token),
            day_window(),
            &[("x-continuation-token", "garbage")],
        )
        .await;
    assert_eq!(r.exception_code(), Some(21418));
    // A stranger sees nothing.
    let r = h
        .checked(
            "post_collective_identifiers_query",
            "POST",
            "/collective-identifiers/query",
            Some(&stranger_token),
            day_window(),
        )
        .await;
    assert_eq!(r.body["collectiveIdentifiers"], json!([]));

    // Invoices: the creator sees the details; the seller is a party of the invoices and sees
    // them too; the stranger gets nothing.
    let body = json!({"collectiveIdentifierNumbers": [by_buyer]});
    for token in [&buyer_token, &seller_token] {
        let r = h
            .checked(
                "post_collective_identifiers_invoices",
                "POST",
                "/collective-identifiers/invoices",
                Some(token),
                body.clone(),
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        let list = r.body["invoices"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert!(
            list[0]["ksefNumber"].as_str() > list[1]["ksefNumber"].as_str(),
            "KSeF number desc"
        );
        for item in list {
            assert_eq!(item["detailsHidden"], false);
            assert_eq!(item["collectiveIdentifierNumber"], by_buyer.as_str());
            assert!(item["payment"]["amount"].is_number());
        }
    }
    let r = h
        .checked(
            "post_collective_identifiers_invoices",
            "POST",
            "/collective-identifiers/invoices",
            Some(&stranger_token),
            body,
        )
        .await;
    assert_eq!(r.body["invoices"], json!([]));
    let eleven: Vec<&String> = by_seller.iter().collect();
    let r = h
        .checked(
            "post_collective_identifiers_invoices",
            "POST",
            "/collective-identifiers/invoices",
            Some(&seller_token),
            json!({"collectiveIdentifierNumbers": eleven}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405), "at most 10 identifiers");
    let r = h
        .checked(
            "post_collective_identifiers_invoices",
            "POST",
            "/collective-identifiers/invoices?pageSize=10",
            Some(&seller_token),
            json!({"collectiveIdentifierNumbers": &by_seller[..10]}),
        )
        .await;
    assert_eq!(r.body["invoices"].as_array().unwrap().len(), 10);
    assert!(
        r.body["continuationToken"].is_string(),
        "20 invoices in pages of 10"
    );

    // By KSeF number: k[2] is in the seller's eleven; k[0] only in the buyer's one.
    let r = h
        .checked(
            "get_collective_identifiers_ksef_by_ksef_number",
            "GET",
            &format!("/collective-identifiers/ksef/{}?pageSize=200", k[2]),
            Some(&seller_token),
            Value::Null,
        )
        .await;
    assert_eq!(
        r.body["collectiveIdentifiers"].as_array().unwrap().len(),
        11
    );
    let r = h
        .checked(
            "get_collective_identifiers_ksef_by_ksef_number",
            "GET",
            &format!("/collective-identifiers/ksef/{}", k[0]),
            Some(&buyer_token),
            Value::Null,
        )
        .await;
    let list = r.body["collectiveIdentifiers"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["collectiveIdentifierNumber"], by_buyer.as_str());
    assert_eq!(list[0]["createdInCurrentContext"], true);
    let r = h
        .checked(
            "get_collective_identifiers_ksef_by_ksef_number",
            "GET",
            &format!("/collective-identifiers/ksef/{}", k[0]),
            Some(&stranger_token),
            Value::Null,
        )
        .await;
    assert_eq!(r.body["collectiveIdentifiers"], json!([]));
}

#[tokio::test]
async fn details_are_hidden_from_a_context_that_is_no_party_of_the_invoice() {
    let h = Harness::fast().await;
    let (seller, buyer_a, buyer_b) = (support::nip(), support::nip(), support::nip());
    let a = seed::insert(&h.emulator, seed::series(&seller, &buyer_a, 1, 0));
    let b = seed::insert(&h.emulator, seed::series(&seller, &buyer_b, 1, 0));
    let seller_token = owner(&h, &seller).await;
    let r = generate(
        &h,
        &seller_token,
        json!({"invoices": [
            {"ksefNumber": a[0], "payment": {"amount": 1, "currency": "PLN"}, "description": "A"},
            {"ksefNumber": b[0]}
        ]}),
    )
    .await;
    let number = r.body["collectiveIdentifierNumber"].as_str().unwrap();
    // Buyer A is a party of its own invoice only: B's invoice shows no details (it had none,
    // so they are not "hidden"); A's shows them.
    let token_a = owner(&h, &buyer_a).await;
    let r = h
        .checked(
            "post_collective_identifiers_invoices",
            "POST",
            "/collective-identifiers/invoices",
            Some(&token_a),
            json!({"collectiveIdentifierNumbers": [number]}),
        )
        .await;
    let list = r.body["invoices"].as_array().unwrap();
    let of = |k: &str| list.iter().find(|i| i["ksefNumber"] == k).unwrap().clone();
    assert_eq!(of(&a[0])["detailsHidden"], false);
    assert_eq!(of(&a[0])["description"], "A");
    assert_eq!(of(&b[0])["detailsHidden"], false);
    // Buyer B sees A's invoice with its details withheld.
    let token_b = owner(&h, &buyer_b).await;
    let r = h
        .checked(
            "post_collective_identifiers_invoices",
            "POST",
            "/collective-identifiers/invoices",
            Some(&token_b),
            json!({"collectiveIdentifierNumbers": [number]}),
        )
        .await;
    let list = r.body["invoices"].as_array().unwrap();
    let hidden = list
        .iter()
        .find(|i| i["ksefNumber"] == a[0].as_str())
        .unwrap();
    assert_eq!(hidden["detailsHidden"], true);
    assert!(hidden.get("payment").is_none_or(Value::is_null));
    assert!(hidden.get("description").is_none_or(Value::is_null));
}

#[tokio::test]
async fn collective_identifiers_need_one_of_their_permissions() {
    let h = Harness::fast().await;
    let r = h
        .checked(
            "post_collective_identifiers",
            "POST",
            "/collective-identifiers",
            None,
            json!({"invoices": []}),
        )
        .await;
    assert_eq!(r.status, 401);
}
