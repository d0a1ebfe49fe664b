//! Online sessions: every kind of bad invoice gets its documented code, and none of them
//! disturbs the session or the emulator.
mod sending;
mod support;

use ksef_crypto::symmetric::SymmetricKey;
use sending::*;
use serde_json::{Value, json};

/// Sends `xml` and waits for its final status code.
async fn final_code(
    h: &support::Harness,
    token: &str,
    session: &str,
    key: &SymmetricKey,
    xml: &[u8],
) -> (i64, Value) {
    let r = send(h, token, session, key, xml).await;
    let st = invoice_status(h, token, session, &r).await;
    (st["status"]["code"].as_i64().unwrap_or(0), st)
}

#[tokio::test]
async fn request_level_errors() {
    let (h, nip, token) = owner().await;
    let key = SymmetricKey::generate();
    let session = open_online(&h, &token, &key).await;
    let xml = invoice(&nip, &unique_number("FV/REQ"), &today());
    let good = send_body(&key, xml.as_bytes());

    let mut b = good.clone();
    b["encryptedInvoiceHash"] = json!(sha(b"other"));
    assert_eq!(
        send_raw(&h, &token, &session, b).await.exception_code(),
        Some(21403)
    );
    let mut b = good.clone();
    b["encryptedInvoiceSize"] = json!(good["encryptedInvoiceSize"].as_i64().unwrap_or(0) + 16);
    assert_eq!(
        send_raw(&h, &token, &session, b).await.exception_code(),
        Some(21402)
    );
    let mut b = good.clone();
    b["invoiceHash"] = json!(sha(b"other"));
    assert_eq!(
        send_raw(&h, &token, &session, b).await.exception_code(),
        Some(21403)
    );
    let mut b = good.clone();
    b["invoiceSize"] = json!(xml.len() + 1);
    assert_eq!(
        send_raw(&h, &token, &session, b).await.exception_code(),
        Some(21402)
    );
    let mut b = good.clone();
    b["encryptedInvoiceContent"] = json!("%%% not base64 %%%");
    assert_eq!(
        send_raw(&h, &token, &session, b).await.exception_code(),
        Some(21405)
    );
    let r = send_raw(&h, &token, &session, json!({"invoiceHash": 1})).await;
    assert_eq!((r.status, r.exception_code()), (400, Some(21405)));
    let unknown = "20260101-SO-0000000000-0000000000-00";
    assert_eq!(
        send_raw(&h, &token, unknown, good.clone())
            .await
            .exception_code(),
        Some(21173)
    );

    // Error bodies have the documented shape.
    let mut b = good.clone();
    b["encryptedInvoiceHash"] = json!(sha(b"other"));
    let r = h
        .checked(
            "post_sessions_online_by_reference_number_invoices",
            "POST",
            &format!("/sessions/online/{session}/invoices"),
            Some(&token),
            b,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21403));
    let r = h
        .checked(
            "get_sessions_by_reference_number",
            "GET",
            &format!("/sessions/{unknown}"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21173));

    // Problem-details format on request.
    let mut b = good.clone();
    b["invoiceHash"] = json!(sha(b"other"));
    let r = h
        .call_with(
            "POST",
            &format!("/sessions/online/{session}/invoices"),
            Some(&token),
            b,
            &[("X-Error-Format", "problem-details")],
        )
        .await;
    assert_eq!(r.body["errors"][0]["code"], 21403);

    // Nothing above was registered; the session still works.
    let st = session_status(&h, &token, &session, &[]).await;
    assert_eq!(st["invoiceCount"], 0);
    let (code, _) = final_code(&h, &token, &session, &key, xml.as_bytes()).await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn invoice_level_errors() {
    let (h, nip, token) = owner().await;
    let key = SymmetricKey::generate();
    let session = open_online(&h, &token, &key).await;
    let base = invoice(&nip, &unique_number("FV/BAD"), &today());

    // BOM.
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(base.as_bytes());
    assert_eq!(final_code(&h, &token, &session, &key, &bom).await.0, 430);
    // Not XML.
    assert_eq!(
        final_code(&h, &token, &session, &key, b"this is not xml")
            .await
            .0,
        430
    );
    // A processing instruction.
    let pi = base.replacen("<Faktura", "<?xml-stylesheet href=\"a.xsl\"?>\n<Faktura", 1);
    assert_eq!(
        final_code(&h, &token, &session, &key, pi.as_bytes())
            .await
            .0,
        430
    );
    // Another form (FA(2) namespace in an FA(3) session).
    let fa2 = base.replace("2025/06/25/13775/", "2023/06/29/12648/");
    assert_eq!(
        final_code(&h, &token, &session, &key, fa2.as_bytes())
            .await
            .0,
        430
    );
    // Missing P_2.
    let no_number = base.replace("<P_2>", "<P_2x>").replace("</P_2>", "</P_2x>");
    assert_eq!(
        final_code(&h, &token, &session, &key, no_number.as_bytes())
            .await
            .0,
        430
    );
    // Over 1 MB.
    let padding = format!("<!--{}-->", "x".repeat(1_000_100));
    let big = base.replacen("<Naglowek>", &format!("{padding}<Naglowek>"), 1);
    assert_eq!(
        final_code(&h, &token, &session, &key, big.as_bytes())
            .await
            .0,
        430
    );
    // Another seller.
    let other = invoice(&support::nip(), &unique_number("FV/OTHER"), &today());
    assert_eq!(
        final_code(&h, &token, &session, &key, other.as_bytes())
            .await
            .0,
        410
    );
    // Issued in the future.
    let future = invoice(&nip, &unique_number("FV/FUT"), "2099-01-01");
    assert_eq!(
        final_code(&h, &token, &session, &key, future.as_bytes())
            .await
            .0,
        450
    );
    // An attachment outside batch sessions.
    let att = base.replace(
        "</Fa>\n</Faktura>",
        "</Fa>\n<Zalacznik><BlokDanych><MetaDane><ZKlucz>k</ZKlucz><ZWartosc>v</ZWartosc></MetaDane></BlokDanych></Zalacznik>\n</Faktura>",
    );
    assert_eq!(
        final_code(&h, &token, &session, &key, att.as_bytes())
            .await
            .0,
        415
    );
    // Encrypted with another key: decryption fails (435), or, rarely, the padding happens to
    // be valid and the content does not match its declared hash (21403).
    let other_key = SymmetricKey::generate();
    let enc = other_key.encrypt(base.as_bytes());
    let mut body = send_body(&key, base.as_bytes());
    body["encryptedInvoiceContent"] = json!(base64_encode(&enc));
    body["encryptedInvoiceHash"] = json!(sha(&enc));
    body["encryptedInvoiceSize"] = json!(enc.len());
    let r = send_raw(&h, &token, &session, body).await;
    if r.status == 202 {
        let inv = r.body["referenceNumber"].as_str().expect("ref");
        let st = invoice_status(&h, &token, &session, inv).await;
        assert_eq!(st["status"]["code"], 435);
    } else {
        assert_eq!(r.exception_code(), Some(21403));
    }

    // The original is accepted; a second copy is a duplicate pointing at it.
    let (code, first) = final_code(&h, &token, &session, &key, base.as_bytes()).await;
    assert_eq!(code, 200, "{first:#}");
    let (code, dup) = final_code(&h, &token, &session, &key, base.as_bytes()).await;
    assert_eq!(code, 440);
    assert_eq!(
        dup["status"]["extensions"]["originalKsefNumber"],
        first["ksefNumber"]
    );
    assert_eq!(
        dup["status"]["extensions"]["originalSessionReferenceNumber"],
        session.as_str()
    );

    let failed = h
        .checked(
            "get_sessions_by_reference_number_invoices_failed",
            "GET",
            &format!("/sessions/{session}/invoices/failed?pageSize=100"),
            Some(&token),
            Value::Null,
        )
        .await;
    let failed = failed.body["invoices"].as_array().expect("invoices").len();
    let st = session_status(&h, &token, &session, &[]).await;
    assert_eq!(st["successfulInvoiceCount"], 1);
    assert_eq!(st["failedInvoiceCount"].as_u64(), Some(failed as u64));
    assert_eq!(st["invoiceCount"].as_u64(), Some(failed as u64 + 1));
    // No UPO for a failed invoice.
    let upo = h
        .call(
            "GET",
            &format!(
                "/sessions/{session}/invoices/{}/upo",
                dup["referenceNumber"].as_str().expect("ref")
            ),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(upo.exception_code(), Some(21178));
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn offline_mode_and_technical_correction() {
    let (h, nip, token) = owner().await;
    let key = SymmetricKey::generate();
    let session = open_online(&h, &token, &key).await;

    // Issued yesterday, sent as online: marked offline automatically.
    let yesterday = (time::OffsetDateTime::now_utc() - time::Duration::days(1)).date();
    let y = format!(
        "{:04}-{:02}-{:02}",
        yesterday.year(),
        u8::from(yesterday.month()),
        yesterday.day()
    );
    let late = invoice(&nip, &unique_number("FV/LATE"), &y);
    let (code, st) = final_code(&h, &token, &session, &key, late.as_bytes()).await;
    assert_eq!((code, st["invoicingMode"].as_str()), (200, Some("Offline")));

    // An offline invoice rejected for a technical reason (BOM)…
    let number = unique_number("FV/OFF");
    let fixed = invoice(&nip, &number, &today());
    let mut broken = vec![0xEF, 0xBB, 0xBF];
    broken.extend_from_slice(fixed.as_bytes());
    let mut body = send_body(&key, &broken);
    body["offlineMode"] = json!(true);
    let r = send_raw(&h, &token, &session, body).await;
    let inv = r.body["referenceNumber"].as_str().expect("ref").to_owned();
    assert_eq!(
        invoice_status(&h, &token, &session, &inv).await["status"]["code"],
        430
    );

    // …is corrected once.
    let mut body = send_body(&key, fixed.as_bytes());
    body["offlineMode"] = json!(true);
    body["hashOfCorrectedInvoice"] = json!(sha(&broken));
    let r = send_raw(&h, &token, &session, body.clone()).await;
    assert_eq!(r.status, 202, "{:#}", r.body);
    let st = invoice_status(
        &h,
        &token,
        &session,
        r.body["referenceNumber"].as_str().expect("ref"),
    )
    .await;
    assert_eq!(
        (st["status"]["code"].as_i64(), st["invoicingMode"].as_str()),
        (Some(200), Some("Offline"))
    );
    // A second correction of the same invoice: 21166.
    let again = send_raw(&h, &token, &session, body).await;
    assert_eq!(again.exception_code(), Some(21166));
    // A correction of an invoice that was accepted: 21167.
    let mut body = send_body(
        &key,
        invoice(&nip, &unique_number("FV/X"), &today()).as_bytes(),
    );
    body["offlineMode"] = json!(true);
    body["hashOfCorrectedInvoice"] = json!(sha(fixed.as_bytes()));
    assert_eq!(
        send_raw(&h, &token, &session, body).await.exception_code(),
        Some(21167)
    );
    // A correction must be declared offline.
    let mut body = send_body(
        &key,
        invoice(&nip, &unique_number("FV/Y"), &today()).as_bytes(),
    );
    body["hashOfCorrectedInvoice"] = json!(sha(b"whatever"));
    assert_eq!(
        send_raw(&h, &token, &session, body).await.exception_code(),
        Some(21405)
    );
}

#[tokio::test]
async fn invoice_limit_and_processing_delay() {
    let h = support::Harness::start(ksef_emulator::EmulatorConfig {
        rate_limits: ksef_emulator::RateLimitMode::Off,
        auth_processing_ms: 0,
        invoice_processing_ms: 300,
        max_invoices_per_session: 2,
        ..ksef_emulator::EmulatorConfig::default()
    })
    .await;
    let nip = support::nip();
    let token = h
        .login_person_nip(
            &nip,
            ksef_crypto::xades::ContextIdentifier::Nip(nip.clone()),
        )
        .await;
    let key = SymmetricKey::generate();
    let session = open_online(&h, &token, &key).await;
    let first = send(
        &h,
        &token,
        &session,
        &key,
        invoice(&nip, &unique_number("A"), &today()).as_bytes(),
    )
    .await;
    let now = h
        .call(
            "GET",
            &format!("/sessions/{session}/invoices/{first}"),
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(now.body["status"]["code"], 150);
    send(
        &h,
        &token,
        &session,
        &key,
        invoice(&nip, &unique_number("B"), &today()).as_bytes(),
    )
    .await;
    let third = send_raw(
        &h,
        &token,
        &session,
        send_body(
            &key,
            invoice(&nip, &unique_number("C"), &today()).as_bytes(),
        ),
    )
    .await;
    assert_eq!(third.exception_code(), Some(21155));
    assert_eq!(
        invoice_status(&h, &token, &session, &first).await["status"]["code"],
        200
    );
    // Closing waits for processing, then the UPO is there.
    h.call(
        "POST",
        &format!("/sessions/online/{session}/close"),
        Some(&token),
        Value::Null,
    )
    .await;
    let st = session_status(&h, &token, &session, &[100, 170]).await;
    assert_eq!(
        (
            st["status"]["code"].as_i64(),
            st["successfulInvoiceCount"].as_i64()
        ),
        (Some(200), Some(2))
    );
}

#[tokio::test]
async fn schema_invalid_fa3_is_rejected_with_450_and_the_reasons() {
    let (h, nip, token) = owner().await;
    let key = SymmetricKey::generate();
    let session = open_online(&h, &token, &key).await;
    let xml = invoice(&nip, &unique_number("FV/XSD"), &today())
        .replace("<P_12>23</P_12>", "<P_12>24</P_12>");
    let (code, status) = final_code(&h, &token, &session, &key, xml.as_bytes()).await;
    assert_eq!(code, 450, "{status}");
    let details = status["status"]["details"].to_string();
    assert!(details.contains("/Faktura/Fa/FaWiersz/P_12"), "{details}");
    let xml = invoice(&nip, &unique_number("FV/XSD"), &today()).replace(
        "<Nazwa>Nabywca S.A.</Nazwa>",
        &format!("<Nazwa>{}</Nazwa>", "N".repeat(600)),
    );
    let (code, status) = final_code(&h, &token, &session, &key, xml.as_bytes()).await;
    assert_eq!(code, 450, "{status}");
    assert!(
        status["status"]["details"]
            .to_string()
            .contains("maxLength"),
        "{status}"
    );
}
