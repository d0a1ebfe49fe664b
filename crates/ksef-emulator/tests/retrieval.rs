//! Invoice download and the metadata query: hash header, context checks, 21164/21165, paging,
//! sorting, filters, the 10,000-record cap and the High Water Mark.
mod support;

use ksef_crypto::xades::ContextIdentifier;
use ksef_emulator::EmulatorConfig;
use serde_json::{Value, json};
use support::Harness;
use support::seed::{self, rfc3339};
use time::OffsetDateTime;

async fn owner(h: &Harness, nip: &str) -> String {
    h.login_person_nip(nip, ContextIdentifier::Nip(nip.to_owned()))
        .await
}

fn window(from: OffsetDateTime) -> Value {
    json!({"dateType": "PermanentStorage", "from": rfc3339(from)})
}

#[tokio::test]
async fn download_returns_the_xml_with_its_hash_and_checks_the_context() {
    let h = Harness::fast().await;
    let (seller, buyer, stranger) = (support::nip(), support::nip(), support::nip());
    let numbers = seed::insert(&h.emulator, seed::series(&seller, &buyer, 1, 50));
    let number = &numbers[0];
    let expected = h.emulator.state().store().invoices[number].xml.clone();

    for nip in [&seller, &buyer] {
        let token = owner(&h, nip).await;
        let resp = h
            .http
            .get(format!("{}/invoices/ksef/{number}", h.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/xml");
        let hash = resp.headers()["x-ms-meta-hash"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = resp.bytes().await.unwrap();
        assert_eq!(body.as_ref(), expected.as_slice());
        assert_eq!(hash, ksef_emulator::storage::sha256_b64(&body));
    }

    let token = owner(&h, &stranger).await;
    let r = h
        .call(
            "GET",
            &format!("/invoices/ksef/{number}"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.exception_code(), Some(21164), "{:#}", r.body);

    let other = seed::invoice(&stranger, &seller, OffsetDateTime::now_utc(), 0);
    let missing = other.metadata.ksef_number.as_str().to_owned();
    let r = h
        .checked(
            "get_invoices_ksef_by_ksef_number",
            "GET",
            &format!("/invoices/ksef/{missing}"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21164));
    let r = h
        .call(
            "GET",
            "/invoices/ksef/not-a-number",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405), "{:#}", r.body);
}

#[tokio::test]
async fn a_fresh_invoice_is_not_yet_available() {
    let h = Harness::start(EmulatorConfig {
        rate_limits: ksef_emulator::RateLimitMode::Off,
        auth_processing_ms: 0,
        download_delay_ms: 60_000,
        ..EmulatorConfig::default()
    })
    .await;
    let (seller, buyer) = (support::nip(), support::nip());
    let fresh = seed::invoice(&seller, &buyer, OffsetDateTime::now_utc(), 0);
    let old = seed::series(&seller, &buyer, 1, 0).remove(0);
    let mut old = old;
    old.metadata.acquisition_date -= time::Duration::minutes(5);
    let numbers = seed::insert(&h.emulator, vec![fresh, old]);
    let token = owner(&h, &seller).await;
    let r = h
        .call(
            "GET",
            &format!("/invoices/ksef/{}", numbers[0]),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21165), "{:#}", r.body);
    let r = h
        .call(
            "GET",
            &format!("/invoices/ksef/{}", numbers[1]),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 200);
}

async fn query(h: &Harness, token: &str, params: &str, filters: Value) -> support::Reply {
    h.checked(
        "post_invoices_query_metadata",
        "POST",
        &format!("/invoices/query/metadata{params}"),
        Some(token),
        filters,
    )
    .await
}

fn numbers_of(body: &Value) -> Vec<String> {
    body["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ksefNumber"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn query_pages_sorts_and_filters_by_subject() {
    let h = Harness::fast().await;
    let (me, partner) = (support::nip(), support::nip());
    let sold = seed::insert(&h.emulator, seed::series(&me, &partner, 25, 0));
    let bought = seed::insert(&h.emulator, seed::series(&partner, &me, 3, 0));
    let token = owner(&h, &me).await;
    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let subject1 = json!({"subjectType": "Subject1", "dateRange": window(from)});

    let mut seen = Vec::new();
    for (page, more) in [(0, true), (1, true), (2, false)] {
        let r = query(
            &h,
            &token,
            &format!("?pageOffset={page}&pageSize=10"),
            subject1.clone(),
        )
        .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        assert_eq!(r.body["hasMore"], more);
        assert_eq!(r.body["isTruncated"], false);
        assert!(r.body["permanentStorageHwmDate"].is_string());
        seen.extend(numbers_of(&r.body));
    }
    assert_eq!(seen, sold, "ascending by permanent storage date");

    let r = query(&h, &token, "?sortOrder=Desc&pageSize=10", subject1.clone()).await;
    let mut newest: Vec<String> = sold.iter().rev().take(10).cloned().collect();
    assert_eq!(numbers_of(&r.body), newest);
    newest.clear();

    let r = query(
        &h,
        &token,
        "?pageSize=250",
        json!({"subjectType": "Subject2", "dateRange": window(from)}),
    )
    .await;
    assert_eq!(numbers_of(&r.body), bought);
    let issue = json!({"subjectType": "Subject2", "dateRange": {"dateType": "Issue", "from": rfc3339(from - time::Duration::days(1))}});
    let r = query(&h, &token, "?pageSize=250", issue).await;
    assert_eq!(numbers_of(&r.body), bought);
    assert!(
        r.body
            .get("permanentStorageHwmDate")
            .is_none_or(Value::is_null)
    );

    // Exact-match filters.
    let target = h.emulator.state().store().invoices[&sold[7]]
        .metadata
        .clone();
    let cases = [
        json!({"ksefNumber": sold[7]}),
        json!({"invoiceNumber": target.invoice_number}),
        json!({"amount": {"type": "Brutto", "from": target.gross_amount, "to": target.gross_amount}}),
        json!({"buyerIdentifier": {"type": "Nip", "value": partner}, "ksefNumber": sold[7]}),
        json!({"sellerNip": me, "currencyCodes": ["PLN"], "invoiceTypes": ["Vat"], "formType": "FA", "ksefNumber": sold[7]}),
    ];
    for extra in cases {
        let mut f = subject1.clone();
        for (k, v) in extra.as_object().unwrap() {
            f[k] = v.clone();
        }
        let r = query(&h, &token, "?pageSize=250", f.clone()).await;
        assert!(numbers_of(&r.body).contains(&sold[7]), "{f:#}");
        assert!(numbers_of(&r.body).len() < sold.len(), "{f:#}");
    }
    for extra in [
        json!({"currencyCodes": ["EUR"]}),
        json!({"hasAttachment": true}),
        json!({"invoicingMode": "Offline"}),
    ] {
        let mut f = subject1.clone();
        for (k, v) in extra.as_object().unwrap() {
            f[k] = v.clone();
        }
        let r = query(&h, &token, "?pageSize=250", f).await;
        assert!(numbers_of(&r.body).is_empty());
    }
}

#[tokio::test]
async fn query_rejects_bad_paging_and_ranges() {
    let h = Harness::fast().await;
    let me = support::nip();
    let token = owner(&h, &me).await;
    let now = OffsetDateTime::now_utc();
    let ok = json!({"subjectType": "Subject1", "dateRange": window(now - time::Duration::days(1))});
    for params in [
        "?pageSize=9",
        "?pageSize=251",
        "?pageOffset=-1",
        "?sortOrder=Up",
        "?pageSize=x",
    ] {
        let r = query(&h, &token, params, ok.clone()).await;
        assert_eq!(r.exception_code(), Some(21405), "{params}: {:#}", r.body);
    }
    let bad = [
        json!({"subjectType": "Subject9", "dateRange": window(now)}),
        json!({"subjectType": "Subject1"}),
        json!({"subjectType": "Subject1", "dateRange": {"dateType": "PermanentStorage", "from": rfc3339(now - time::Duration::days(100))}}),
        json!({"subjectType": "Subject1", "dateRange": {"dateType": "Issue", "from": rfc3339(now), "to": rfc3339(now - time::Duration::days(1))}}),
        json!({"subjectType": "Subject1", "dateRange": window(now), "currencyCodes": ["XXX1"]}),
        json!({"subjectType": "Subject1", "dateRange": window(now), "sellerNip": "1234567890"}),
    ];
    for body in bad {
        let r = query(&h, &token, "", body.clone()).await;
        assert_eq!(r.exception_code(), Some(21405), "{body:#}: {:#}", r.body);
    }
    // Problem-details format on request.
    let r = h
        .call_with(
            "POST",
            "/invoices/query/metadata?pageSize=1",
            Some(&token),
            ok,
            &[("X-Error-Format", "problem-details")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["errors"][0]["code"], 21405);
}

#[tokio::test]
async fn the_high_water_mark_bounds_restricted_queries() {
    let h = Harness::fast().await;
    let (me, partner) = (support::nip(), support::nip());
    let old = seed::insert(&h.emulator, seed::series(&me, &partner, 2, 0));
    // Stored "now": above the HWM (which trails the clock).
    let fresh = seed::insert(
        &h.emulator,
        vec![seed::invoice(
            &me,
            &partner,
            OffsetDateTime::now_utc() + time::Duration::seconds(5),
            0,
        )],
    );
    let token = owner(&h, &me).await;
    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let mut range = window(from);
    range["to"] = json!(rfc3339(
        OffsetDateTime::now_utc() + time::Duration::minutes(1)
    ));
    let open = json!({"subjectType": "Subject1", "dateRange": range.clone()});
    let r = query(&h, &token, "?pageSize=250", open).await;
    assert_eq!(numbers_of(&r.body).len(), 3);

    range["restrictToPermanentStorageHwmDate"] = json!(true);
    let restricted = json!({"subjectType": "Subject1", "dateRange": range.clone()});
    let r = query(&h, &token, "?pageSize=250", restricted).await;
    assert_eq!(numbers_of(&r.body), old);
    let hwm = time::OffsetDateTime::parse(
        r.body["permanentStorageHwmDate"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(hwm <= OffsetDateTime::now_utc());
    assert!(!numbers_of(&r.body).contains(&fresh[0]));

    range["from"] = json!(rfc3339(
        OffsetDateTime::now_utc() + time::Duration::seconds(30)
    ));
    let r = query(
        &h,
        &token,
        "",
        json!({"subjectType": "Subject1", "dateRange": range}),
    )
    .await;
    assert_eq!(r.exception_code(), Some(21183), "{:#}", r.body);
}

#[tokio::test]
async fn query_results_are_capped_at_ten_thousand() {
    let h = Harness::fast().await;
    let (me, partner) = (support::nip(), support::nip());
    seed::insert(&h.emulator, seed::series(&me, &partner, 10_010, 0));
    let token = owner(&h, &me).await;
    let f = json!({"subjectType": "Subject1", "dateRange": window(OffsetDateTime::now_utc() - time::Duration::days(1))});
    let first = query(&h, &token, "?pageSize=250", f.clone()).await;
    assert_eq!(first.body["hasMore"], true);
    assert_eq!(first.body["isTruncated"], false);
    let last = query(&h, &token, "?pageSize=250&pageOffset=39", f).await;
    assert_eq!(numbers_of(&last.body).len(), 250);
    assert_eq!(last.body["hasMore"], true);
    assert_eq!(last.body["isTruncated"], true);
}

#[tokio::test]
async fn third_and_authorized_subjects_see_their_invoices() {
    use ksef_model::{
        InvoiceMetadataAuthorizedSubject, InvoiceMetadataThirdSubject,
        InvoiceMetadataThirdSubjectIdentifier, ThirdSubjectIdentifierType,
    };
    let h = Harness::fast().await;
    let (seller, buyer, third, authorized) = (
        support::nip(),
        support::nip(),
        support::nip(),
        support::nip(),
    );
    let mut record = seed::series(&seller, &buyer, 1, 0).remove(0);
    let mut id = InvoiceMetadataThirdSubjectIdentifier::new(ThirdSubjectIdentifierType::Nip);
    id.value = Some(third.clone());
    record.metadata.third_subjects = Some(vec![InvoiceMetadataThirdSubject::new(id, 4)]);
    record.metadata.authorized_subject = Some(InvoiceMetadataAuthorizedSubject::new(
        ksef_model::Nip::new_unchecked(authorized.as_str()),
        3,
    ));
    let number = seed::insert(&h.emulator, vec![record]).remove(0);
    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    for (nip, subject) in [(&third, "Subject3"), (&authorized, "SubjectAuthorized")] {
        let token = owner(&h, nip).await;
        let r = query(
            &h,
            &token,
            "",
            json!({"subjectType": subject, "dateRange": window(from)}),
        )
        .await;
        assert_eq!(numbers_of(&r.body), vec![number.clone()], "{subject}");
        let r = query(
            &h,
            &token,
            "",
            json!({"subjectType": "Subject1", "dateRange": window(from)}),
        )
        .await;
        assert!(numbers_of(&r.body).is_empty());
        let r = h
            .call(
                "GET",
                &format!("/invoices/ksef/{number}"),
                Some(&token),
                Value::Null,
            )
            .await;
        assert_eq!(r.status, 200, "{subject}");
    }
}
