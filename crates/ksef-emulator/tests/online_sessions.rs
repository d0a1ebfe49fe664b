//! Online sessions end to end over HTTP: open, send, statuses, KSeF numbers, UPO, close.
mod sending;
mod support;

use ksef_crypto::identifiers::KsefNumber;
use ksef_crypto::symmetric::SymmetricKey;
use sending::*;
use serde_json::Value;

#[tokio::test]
async fn online_session_accepts_invoices_and_issues_upo() {
    let (h, nip, token) = owner().await;
    let key = SymmetricKey::generate();
    let session = open_online(&h, &token, &key).await;

    let mut refs = Vec::new();
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let number = unique_number("FV/ONL");
        let xml = invoice(&nip, &number, &today());
        refs.push(send(&h, &token, &session, &key, xml.as_bytes()).await);
        numbers.push(number);
    }
    let mut ksef_numbers = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        let st = invoice_status(&h, &token, &session, r).await;
        assert_eq!(st["status"]["code"], 200, "{st:#}");
        assert_eq!(st["ordinalNumber"], i as i64 + 1);
        assert_eq!(st["invoiceNumber"], numbers[i].as_str());
        assert_eq!(st["invoicingMode"], "Online");
        let ksef = st["ksefNumber"].as_str().expect("ksefNumber");
        assert!(ksef.starts_with(&nip));
        KsefNumber::parse(ksef).expect("KSeF number with a valid checksum");
        assert!(st["acquisitionDate"].is_string() && st["permanentStorageDate"].is_string());
        // The invoice UPO, through the pre-signed link (no token) and through the API.
        let url = st["upoDownloadUrl"].as_str().expect("upoDownloadUrl");
        let (code, hash, body) = download(&h, url).await;
        assert_eq!(code, 200);
        assert_eq!(hash.as_deref(), Some(sha(&body).as_str()));
        assert_valid_upo(&body);
        let api = h
            .call(
                "GET",
                &format!("/sessions/{session}/invoices/ksef/{ksef}/upo"),
                Some(&token),
                Value::Null,
            )
            .await;
        assert_eq!(api.status, 200);
        let text = api.body.as_str().expect("XML body");
        assert_eq!(
            api.headers
                .get("x-ms-meta-hash")
                .and_then(|v| v.to_str().ok()),
            Some(sha(text.as_bytes()).as_str())
        );
        assert!(text.contains(ksef));
        ksef_numbers.push(ksef.to_owned());
    }

    // Metadata kept for the query and export areas.
    {
        let store = h.emulator.state().store();
        let rec = store
            .invoices
            .get(&ksef_numbers[0])
            .expect("stored invoice");
        let m = &rec.metadata;
        assert_eq!(m.seller.nip.as_str(), nip);
        assert_eq!(m.buyer.identifier.value.as_deref(), Some("7010002139"));
        assert_eq!(
            (m.net_amount, m.vat_amount, m.gross_amount),
            (100.0, 23.0, 123.0)
        );
        assert_eq!(m.currency, "PLN");
        assert_eq!(m.invoice_type.as_str(), "Vat");
        assert_eq!(m.invoice_number, numbers[0]);
        assert!(!m.has_attachment && !m.is_self_invoicing);
        assert_eq!(m.form_code.system_code, "FA (3)");
        assert_eq!(rec.session_reference, session);
    }

    let list = h
        .checked(
            "get_sessions_by_reference_number_invoices",
            "GET",
            &format!("/sessions/{session}/invoices?pageSize=10"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(list.body["invoices"].as_array().map(Vec::len), Some(3));

    let close = h
        .checked(
            "post_sessions_online_by_reference_number_close",
            "POST",
            &format!("/sessions/online/{session}/close"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(close.status, 204);
    let st = session_status(&h, &token, &session, &[100, 170]).await;
    assert_eq!(st["status"]["code"], 200, "{st:#}");
    assert_eq!(st["invoiceCount"], 3);
    assert_eq!(st["successfulInvoiceCount"], 3);
    assert_eq!(st["failedInvoiceCount"], 0);
    let page = &st["upo"]["pages"][0];
    let (code, hash, body) = download(&h, page["downloadUrl"].as_str().expect("url")).await;
    assert_eq!(code, 200);
    assert_eq!(hash.as_deref(), Some(sha(&body).as_str()));
    assert_valid_upo(&body);
    let text = String::from_utf8(body).expect("utf-8");
    assert_eq!(text.matches("<Dokument>").count(), 3);
    let upo_ref = page["referenceNumber"].as_str().expect("upo ref");
    let api = h
        .call(
            "GET",
            &format!("/sessions/{session}/upo/{upo_ref}"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(api.status, 200);
    assert_eq!(api.body.as_str(), Some(text.as_str()));

    // Closed: no more invoices, no second close.
    let xml = invoice(&nip, &unique_number("FV/LATE"), &today());
    let late = send_raw(&h, &token, &session, send_body(&key, xml.as_bytes())).await;
    assert_eq!((late.status, late.exception_code()), (400, Some(21180)));
    let again = h
        .call(
            "POST",
            &format!("/sessions/online/{session}/close"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(again.exception_code(), Some(21180));

    // The session list.
    let sessions = h
        .checked(
            "get_sessions",
            "GET",
            "/sessions?sessionType=Online&statuses=Succeeded&pageSize=10",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(sessions.status, 200);
    let items = sessions.body["sessions"].as_array().expect("sessions");
    assert!(
        items
            .iter()
            .any(|s| s["referenceNumber"] == session.as_str())
    );
    let none = h
        .call(
            "GET",
            "/sessions?sessionType=Batch",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(none.body["sessions"].as_array().map(Vec::len), Some(0));
    let missing_type = h.call("GET", "/sessions", Some(&token), Value::Null).await;
    assert_eq!(missing_type.exception_code(), Some(21405));
    let bad_size = h
        .call(
            "GET",
            "/sessions?sessionType=Online&pageSize=5",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(bad_size.exception_code(), Some(21405));
    let bad_token = h
        .call_with(
            "GET",
            "/sessions?sessionType=Online",
            Some(&token),
            Value::Null,
            &[("x-continuation-token", "garbage")],
        )
        .await;
    assert_eq!(bad_token.exception_code(), Some(21418));
}

#[tokio::test]
async fn session_list_pages_with_continuation_tokens() {
    let (h, _nip, token) = owner().await;
    let key = SymmetricKey::generate();
    for _ in 0..12 {
        open_online(&h, &token, &key).await;
    }
    let first = h
        .checked(
            "get_sessions",
            "GET",
            "/sessions?sessionType=Online&pageSize=10",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(first.body["sessions"].as_array().map(Vec::len), Some(10));
    let ct = first.body["continuationToken"]
        .as_str()
        .expect("more pages");
    let second = h
        .call_with(
            "GET",
            "/sessions?sessionType=Online&pageSize=10",
            Some(&token),
            Value::Null,
            &[("x-continuation-token", ct)],
        )
        .await;
    assert_eq!(second.body["sessions"].as_array().map(Vec::len), Some(2));
    assert!(second.body.get("continuationToken").is_none());
}

#[tokio::test]
async fn open_rejects_unknown_keys_and_forms() {
    let (h, _nip, token) = owner().await;
    let key = SymmetricKey::generate();
    let mut enc = encryption(&h, &key).await;
    enc["publicKeyId"] = Value::String("A".repeat(43) + "=");
    let r = h
        .call(
            "POST",
            "/sessions/online",
            Some(&token),
            serde_json::json!({"formCode": fa3(), "encryption": enc}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21470), "{:#}", r.body);

    let enc = encryption(&h, &key).await;
    let r = h
        .call(
            "POST",
            "/sessions/online",
            Some(&token),
            serde_json::json!({"formCode": {"systemCode": "FA (9)", "schemaVersion": "1-0E", "value": "FA"}, "encryption": enc}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405));

    // PEF needs PefInvoiceWrite, which an owner does not have.
    let enc = encryption(&h, &key).await;
    let r = h
        .call(
            "POST",
            "/sessions/online",
            Some(&token),
            serde_json::json!({"formCode": {"systemCode": "PEF (3)", "schemaVersion": "2-1", "value": "PEF"}, "encryption": enc}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["reasonCode"].as_str()),
        (403, Some("missing-permissions"))
    );

    // A key that cannot be unwrapped: the session opens with status 415 and takes no invoices.
    let mut enc = encryption(&h, &key).await;
    enc["encryptedSymmetricKey"] = Value::String(sha(b"not a wrapped key"));
    let r = h
        .call(
            "POST",
            "/sessions/online",
            Some(&token),
            serde_json::json!({"formCode": fa3(), "encryption": enc}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let session = r.body["referenceNumber"].as_str().expect("ref").to_owned();
    let st = session_status(&h, &token, &session, &[]).await;
    assert_eq!(st["status"]["code"], 415);
    let sent = send_raw(&h, &token, &session, send_body(&key, b"<x/>")).await;
    assert_eq!(sent.exception_code(), Some(21180));
}
