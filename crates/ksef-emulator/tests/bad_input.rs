//! The emulator's rows of the bad-input table: one row per case of malformed, oversized,
//! hostile or confused input — invoices in online sessions, encrypted content, batch packages
//! (ZIP and tar.gz), tokens, authentication, extreme dates and continuation tokens, malformed
//! JSON and query strings. Every row states the documented answer (HTTP status and exception
//! code, or the invoice / session / authentication status code); every answer must be exactly
//! that, in JSON, and the emulator must keep serving afterwards (no panic, no dropped
//! connection).
mod bad_input_support;
mod sending;
mod support;

use std::io::Write as _;

use bad_input_support::archives::*;
use bad_input_support::{
    Answer, Input, JSON, Row, Tamper, Tok, base64_encode, context, execute, json_bytes,
    metadata_query, no_body,
};
use sending::*;
use serde_json::{Value, json};

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    use Answer::{Auth, Http, Invoice, Session};
    vec![
        // Invoices in an online session (final invoice status; 430 = invalid file, 410 =
        // seller outside the context, 435 = decryption failed).
        Row { case: "malformed XML invoice", input: Input::Invoice(|_| b"<Faktura><Naglowek></Faktura>".to_vec()), expect: Invoice(430) },
        Row { case: "not XML at all", input: Input::Invoice(|_| b"%PDF-1.7 not an invoice".to_vec()), expect: Invoice(430) },
        Row { case: "empty invoice", input: Input::Invoice(|_| Vec::new()), expect: Http(400, Some(21405)) },
        Row { case: "BOM before the XML declaration", input: Input::Invoice(|nip| [b"\xEF\xBB\xBF".as_slice(), &valid_invoice(nip)].concat()), expect: Invoice(430) },
        Row { case: "non-UTF-8 bytes in a UTF-8 invoice", input: Input::Invoice(|nip| { let xml = String::from_utf8(valid_invoice(nip)).expect("utf8"); xml.replace("Sprzedawca", "Sprzedawca \u{fffd}") .replace('\u{fffd}', "\u{1}") .into_bytes() .into_iter() .map(|b| if b == 1 { 0xB1 } else { b }) .collect() }), expect: Invoice(430) },
        Row { case: "UTF-16 invoice", input: Input::Invoice(|nip| { let xml = String::from_utf8(valid_invoice(nip)) .expect("utf8") .replace("UTF-8", "UTF-16"); xml.encode_utf16().flat_map(u16::to_le_bytes).collect() }), expect: Invoice(430) },
        Row { case: "oversized invoice (over 1 MB)", input: Input::Invoice(|nip| { let xml = String::from_utf8(valid_invoice(nip)).expect("utf8"); xml.replacen("<Naglowek>", &format!("<!--{}--><Naglowek>", "x".repeat(1_000_100)), 1) .into_bytes() }), expect: Invoice(430) },
        Row { case: "entity expansion bomb", input: Input::Invoice(|nip| { let xml = String::from_utf8(valid_invoice(nip)).expect("utf8"); let dtd = "<!DOCTYPE Faktura [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"; xml.replacen("<Faktura", &format!("{dtd}<Faktura"), 1) .replacen("ksef-rs tests", "&d;&d;&d;&d;", 1) .into_bytes() }), expect: Invoice(430) },
        Row { case: "invalid seller NIP inside the invoice", input: Input::Invoice(|nip| { let bad = format!("{}{}", &nip[..9], (nip.as_bytes()[9] - b'0' + 1) % 10); String::from_utf8(valid_invoice(nip)) .expect("utf8") .replacen(&format!("<NIP>{nip}</NIP>"), &format!("<NIP>{bad}</NIP>"), 1) .into_bytes() }), expect: Invoice(410) },
        Row { case: "invalid buyer NIP checksum (checked only in production, as documented)", input: Input::Invoice(|nip| { String::from_utf8(valid_invoice(nip)) .expect("utf8") .replace("<NIP>7010002139</NIP>", "<NIP>7010002138</NIP>") .into_bytes() }), expect: Invoice(200) },
        // Send requests (400 with 21403 = hash mismatch, 21402 = size mismatch, 21405 =
        // validation).
        Row { case: "wrong invoice hash", input: Input::Send(|_, mut b, _| { b["invoiceHash"] = json!(sha(b"other")); b }), expect: Http(400, Some(21403)) },
        Row { case: "wrong encrypted invoice hash", input: Input::Send(|_, mut b, _| { b["encryptedInvoiceHash"] = json!(sha(b"other")); b }), expect: Http(400, Some(21403)) },
        Row { case: "wrong invoice size", input: Input::Send(|_, mut b, xml| { b["invoiceSize"] = json!(xml.len() + 1); b }), expect: Http(400, Some(21402)) },
        Row { case: "encrypted content not base64", input: Input::Send(|_, mut b, _| { b["encryptedInvoiceContent"] = json!("%%% not base64 %%%"); b }), expect: Http(400, Some(21405)) },
        Row { case: "truncated encrypted invoice", input: Input::Send(|key, _, xml| { let mut enc = key.encrypt(xml); enc.truncate(enc.len() - 5); json!({"invoiceHash": sha(xml), "invoiceSize": xml.len(), "encryptedInvoiceHash": sha(&enc), "encryptedInvoiceSize": enc.len(), "encryptedInvoiceContent": base64_encode(&enc)}) }), expect: Invoice(435) },
        Row { case: "wrongly padded encrypted invoice", input: Input::Send(|key, _, _| { let xml = block_aligned_invoice("5265877635"); let mut enc = key.encrypt(&xml); enc.truncate(enc.len() - 16); json!({"invoiceHash": sha(&xml), "invoiceSize": xml.len(), "encryptedInvoiceHash": sha(&enc), "encryptedInvoiceSize": enc.len(), "encryptedInvoiceContent": base64_encode(&enc)}) }), expect: Invoice(435) },
        Row { case: "negative invoice size", input: Input::Send(|_, mut b, _| { b["invoiceSize"] = json!(-1); b }), expect: Http(400, Some(21405)) },
        // Batch packages (session status; 200 = processed, 405 = package check failed, 430 =
        // cannot decompress, 435 = cannot decrypt).
        Row { case: "zip-slip entry name in a ZIP", input: Input::Batch("Zip", |nip| zip_of(&[("../../etc/faktura.xml", valid_invoice(nip))]), Tamper::None), expect: Session(200, 1, 0) },
        Row { case: "absolute entry name in a ZIP", input: Input::Batch("Zip", |nip| zip_of(&[("/tmp/faktura.xml", valid_invoice(nip))]), Tamper::None), expect: Session(200, 1, 0) },
        Row { case: "symlink entry in a ZIP", input: Input::Batch("Zip", |nip| { let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new())); let opts = zip::write::SimpleFileOptions::default(); w.add_symlink("link.xml", "/etc/passwd", opts) .expect("symlink"); w.start_file("a.xml", opts).expect("entry"); w.write_all(&valid_invoice(nip)).expect("write"); w.finish().expect("zip").into_inner() }, Tamper::None), expect: Session(200, 1, 0) },
        Row { case: "duplicate entry names a.xml and ./a.xml in a ZIP", input: Input::Batch("Zip", |nip| { let xml = valid_invoice(nip); zip_of(&[("a.xml", xml.clone()), ("./a.xml", xml)]) }, Tamper::None), expect: Session(200, 1, 1) },
        Row { case: "zip-slip entry name in a tar.gz", input: Input::Batch("TarGz", |nip| { tar_gz_raw(&[("../../etc/faktura.xml", tar::EntryType::Regular, "", valid_invoice(nip))]) }, Tamper::None), expect: Session(200, 1, 0) },
        Row { case: "absolute entry name in a tar.gz", input: Input::Batch("TarGz", |nip| { tar_gz_raw(&[("/tmp/faktura.xml", tar::EntryType::Regular, "", valid_invoice(nip))]) }, Tamper::None), expect: Session(200, 1, 0) },
        Row { case: "symlink and hard link entries in a tar.gz", input: Input::Batch("TarGz", |nip| { tar_gz_raw(&[("link.xml", tar::EntryType::Symlink, "/etc/passwd", Vec::new()), ("hard.xml", tar::EntryType::Link, "/etc/shadow", Vec::new()), ("a.xml", tar::EntryType::Regular, "", valid_invoice(nip)),]) }, Tamper::None), expect: Session(200, 1, 0) },
        Row { case: "duplicate entry names a.xml and ./a.xml in a tar.gz", input: Input::Batch("TarGz", |nip| { let xml = valid_invoice(nip); tar_gz_raw(&[("a.xml", tar::EntryType::Regular, "", xml.clone()), ("./a.xml", tar::EntryType::Regular, "", xml),]) }, Tamper::None), expect: Session(200, 1, 1) },
        Row { case: "tar.gz GNU long-name header bomb", input: Input::Batch("TarGz", |nip| tar_gz_header_bomb(nip, tar::EntryType::GNULongName, 50_000_000), Tamper::None), expect: Session(430, 0, 0) },
        Row { case: "tar.gz PAX header bomb", input: Input::Batch("TarGz", |nip| tar_gz_header_bomb(nip, tar::EntryType::XHeader, 50_000_000), Tamper::None), expect: Session(430, 0, 0) },
        Row { case: "not an archive", input: Input::Batch("Zip", |_| b"PK\x03\x04 but nothing else".to_vec(), Tamper::None), expect: Session(430, 0, 0) },
        Row { case: "truncated encrypted part", input: Input::Batch("Zip", |nip| zip_of(&[("a.xml", valid_invoice(nip))]), Tamper::Truncated), expect: Session(435, 0, 0) },
        Row { case: "wrongly padded encrypted part", input: Input::Batch("Zip", block_aligned_zip, Tamper::BadPadding), expect: Session(435, 0, 0) },
        Row { case: "wrong package hash", input: Input::Batch("Zip", |nip| zip_of(&[("a.xml", valid_invoice(nip))]), Tamper::WrongFileHash), expect: Session(405, 0, 0) },
        // Tokens (401 = not authenticated).
        Row { case: "refresh token used as access token", input: Input::Http { method: "GET", path: |_| "/tokens".into(), token: Tok::Refresh, content_type: None, body: no_body, headers: &[] }, expect: Http(401, None) },
        Row { case: "operation token used as access token", input: Input::Http { method: "GET", path: |_| "/tokens".into(), token: Tok::Operation, content_type: None, body: no_body, headers: &[] }, expect: Http(401, None) },
        Row { case: "access token used to refresh", input: Input::Http { method: "POST", path: |_| "/auth/token/refresh".into(), token: Tok::Access, content_type: None, body: no_body, headers: &[] }, expect: Http(401, None) },
        Row { case: "token signed by another server", input: Input::Http { method: "GET", path: |_| "/tokens".into(), token: Tok::Foreign, content_type: None, body: no_body, headers: &[] }, expect: Http(401, None) },
        Row { case: "unsigned token", input: Input::Http { method: "GET", path: |_| "/tokens".into(), token: Tok::Garbage, content_type: None, body: no_body, headers: &[] }, expect: Http(401, None) },
        Row { case: "no token", input: Input::Http { method: "GET", path: |_| "/tokens".into(), token: Tok::None, content_type: None, body: no_body, headers: &[] }, expect: Http(401, None) },
        Row { case: "revoked KSeF token", input: Input::KsefAuth { skew_ms: 0, revoked: true }, expect: Auth(450) },
        // Clock skew: the encrypted timestamp must be the challenge's.
        Row { case: "client clock 5 minutes ahead in KSeF-token auth", input: Input::KsefAuth { skew_ms: 300_000, revoked: false }, expect: Auth(450) },
        Row { case: "client clock 5 minutes behind in KSeF-token auth", input: Input::KsefAuth { skew_ms: -300_000, revoked: false }, expect: Auth(450) },
        Row { case: "KSeF-token auth with a correct clock (control)", input: Input::KsefAuth { skew_ms: 0, revoked: false }, expect: Auth(200) },
        // Extreme dates and continuation tokens (answers, not crashes).
        Row { case: "certificate validFrom 9999-12-31", input: Input::Http { method: "POST", path: |_| "/certificates/enrollments".into(), token: Tok::Access, content_type: JSON, body: |ctx| { json_bytes(json!({"certificateName": "Daleka data", "certificateType": "Authentication", "csr": ctx.csr, "validFrom": "9999-12-31T00:00:00Z"})) }, headers: &[] }, expect: Http(400, Some(21405)) },
        Row { case: "metadata query at 9999-12-31 with a negative offset", input: Input::Http { method: "POST", path: |_| "/invoices/query/metadata".into(), token: Tok::Access, content_type: JSON, body: |_| metadata_query("9999-12-31T00:00:00-05:00", "9999-12-31T23:00:00-05:00"), headers: &[] }, expect: Http(200, None) },
        Row { case: "metadata query ending at the last representable instant", input: Input::Http { method: "POST", path: |_| "/invoices/query/metadata".into(), token: Tok::Access, content_type: JSON, body: |_| { metadata_query("9999-10-01T00:00:00-12:00", "9999-12-31T23:59:59.999-12:00") }, headers: &[] }, expect: Http(200, None) },
        Row { case: "huge continuation token on the session list", input: Input::Http { method: "GET", path: |_| "/sessions?sessionType=Online".into(), token: Tok::Access, content_type: None, body: no_body, headers: &[("x-continuation-token", "ct-ffffffffffffffff")] }, expect: Http(200, None) },
        Row { case: "huge continuation token on a session's invoices", input: Input::Http { method: "GET", path: |ctx| format!("/sessions/{}/invoices", ctx.session), token: Tok::Access, content_type: None, body: no_body, headers: &[("x-continuation-token", "ct-ffffffffffffffff")] }, expect: Http(200, None) },
        Row { case: "huge continuation token on a session's failed invoices", input: Input::Http { method: "GET", path: |ctx| format!("/sessions/{}/invoices/failed", ctx.session), token: Tok::Access, content_type: None, body: no_body, headers: &[("x-continuation-token", "ct-ffffffffffffffff")] }, expect: Http(200, None) },
        Row { case: "continuation token beyond usize", input: Input::Http { method: "GET", path: |_| "/sessions?sessionType=Online".into(), token: Tok::Access, content_type: None, body: no_body, headers: &[("x-continuation-token", "ct-ffffffffffffffffffffffffffff")] }, expect: Http(400, Some(21418)) },
        // Malformed JSON and query strings (400/21405 in JSON, never 422 or text/plain).
        Row { case: "ksef-token auth with a wrong field type", input: Input::Http { method: "POST", path: |_| "/auth/ksef-token".into(), token: Tok::None, content_type: JSON, body: |_| { json_bytes(json!({"challenge": 5, "contextIdentifier": {"type": "Nip", "value": "5265877635"}, "encryptedToken": "AAAA"})) }, headers: &[] }, expect: Http(400, Some(21405)) },
        Row { case: "ksef-token auth with a non-JSON body", input: Input::Http { method: "POST", path: |_| "/auth/ksef-token".into(), token: Tok::None, content_type: JSON, body: |_| b"challenge=abc".to_vec(), headers: &[] }, expect: Http(400, Some(21405)) },
        Row { case: "ksef-token auth with an empty body", input: Input::Http { method: "POST", path: |_| "/auth/ksef-token".into(), token: Tok::None, content_type: JSON, body: no_body, headers: &[] }, expect: Http(400, Some(21405)) },
        Row { case: "xades-signature with verifyCertificateChain=null", input: Input::Http { method: "POST", path: |_| "/auth/xades-signature?verifyCertificateChain=null".into(), token: Tok::None, content_type: Some("application/xml"), body: |_| b"<AuthTokenRequest/>".to_vec(), headers: &[] }, expect: Http(400, Some(21405)) },
        Row { case: "auth sessions with pageSize=abc", input: Input::Http { method: "GET", path: |_| "/auth/sessions?pageSize=abc".into(), token: Tok::Access, content_type: None, body: no_body, headers: &[] }, expect: Http(400, Some(21405)) },
        Row { case: "open a session with a text/plain body", input: Input::Http { method: "POST", path: |_| "/sessions/online".into(), token: Tok::Access, content_type: Some("text/plain"), body: |_| b"{}".to_vec(), headers: &[] }, expect: Http(400, Some(21405)) },
        Row { case: "open a session with an oversized body", input: Input::Http { method: "POST", path: |_| "/sessions/online".into(), token: Tok::Access, content_type: JSON, body: |_| [br#"{"x":""#.as_slice(), &vec![b'a'; 5_000_000], br#""}"#].concat(), headers: &[] }, expect: Http(400, Some(21405)) },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_gets_its_documented_answer() {
    let ctx = context().await;
    let rows = rows();
    assert!(rows.len() >= 30, "only {} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        match execute(&ctx, &row.input).await {
            Ok(seen) if seen == row.expect => {}
            Ok(seen) => failures.push(format!(
                "{}: expected {:?}, got {seen:?}",
                row.case, row.expect
            )),
            Err(why) => failures.push(format!("{}: {why}", row.case)),
        }
        // The emulator keeps serving.
        let alive = ctx
            .h
            .call(
                "GET",
                "/security/public-key-certificates",
                None,
                Value::Null,
            )
            .await;
        assert_eq!(alive.status, 200, "after {}", row.case);
    }
    eprintln!("{} bad-input rows", rows.len());
    assert!(
        failures.is_empty(),
        "{} of {} rows off:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// Durations that still fit an `i64` of seconds, so nothing but checked arithmetic stops them.
const HUGE: u64 = i64::MAX as u64;

/// Absurd durations in the configuration mean "practically forever", not an overflow: logins,
/// sessions, exports and token refreshes still work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_config_durations_do_not_panic() {
    let h = support::Harness::start(ksef_emulator::EmulatorConfig {
        rate_limits: ksef_emulator::RateLimitMode::Off,
        auth_processing_ms: 0,
        access_token_ttl_secs: HUGE,
        refresh_token_ttl_secs: HUGE,
        operation_token_ttl_secs: HUGE,
        challenge_ttl_secs: HUGE,
        batch_upload_secs_per_part: HUGE,
        export_package_ttl_secs: HUGE,
        export_retention_secs: HUGE,
        hwm_lag_ms: HUGE,
        permission_processing_ms: HUGE,
        certificate_processing_ms: HUGE,
        token_activation_ms: HUGE,
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
    let key = ksef_crypto::symmetric::SymmetricKey::generate();
    let session = open_online(&h, &token, &key).await;
    assert!(!session.is_empty());
    let batch = h
        .call(
            "POST",
            "/sessions/batch",
            Some(&token),
            json!({"formCode": fa3(), "encryption": encryption(&h, &key).await,
                   "batchFile": {"fileSize": 100, "fileHash": sha(b"x"), "compressionType": "Zip",
                                 "fileParts": [{"ordinalNumber": 1, "fileSize": 112, "fileHash": sha(b"y")}]}}),
        )
        .await;
    assert_eq!(batch.status, 201, "{:#}", batch.body);
    let tokens = h
        .call(
            "POST",
            "/tokens",
            Some(&token),
            json!({"permissions": ["InvoiceRead"], "description": "forever"}),
        )
        .await;
    assert_eq!(tokens.status, 202, "{:#}", tokens.body);
    let query = h
        .call(
            "POST",
            "/invoices/query/metadata",
            Some(&token),
            json!({"subjectType": "Subject1", "dateRange": {"dateType": "PermanentStorage",
                   "from": "2026-01-01T00:00:00Z"}}),
        )
        .await;
    assert!(
        query.status == 200 || query.status == 400,
        "{:#}",
        query.body
    );
}
