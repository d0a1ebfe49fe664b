//! The machinery of the bad-input table (`tests/bad_input.rs`): the context every row runs in
//! (an emulator, a logged-in owner with an open online session, tokens of every kind) and the
//! runners that send a row's input and observe the answer.
#![allow(dead_code, unreachable_pub)]

pub mod archives;

use ksef_crypto::csr::csr_with_p256;
use ksef_crypto::symmetric::SymmetricKey;
use ksef_crypto::xades::ContextIdentifier;
use serde_json::{Value, json};

use crate::sending::*;
use crate::support::{self, Harness};
use archives::valid_invoice;

/// Everything the rows need: an emulator, a logged-in owner with an open online session, and
/// tokens of every kind.
pub struct Ctx {
    pub h: Harness,
    pub nip: String,
    pub access: String,
    pub refresh: String,
    pub operation: String,
    pub foreign: String,
    pub key: SymmetricKey,
    pub session: String,
    pub ksef_token: String,
    pub revoked_ksef_token: String,
    pub csr: String,
    /// Keeps the emulator that issued `foreign` running.
    pub _other: Harness,
}

/// Which bearer token a request carries.
#[derive(Debug, Clone, Copy)]
pub enum Tok {
    None,
    Access,
    Refresh,
    Operation,
    /// An access token signed by another emulator.
    Foreign,
    Garbage,
}

/// How the encrypted batch part is spoiled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tamper {
    None,
    /// The part is cut short (not a whole number of AES blocks), declared as cut.
    Truncated,
    /// The last ciphertext block is dropped: the padding check meets content bytes.
    BadPadding,
    /// The declared `fileHash` of the package is wrong.
    WrongFileHash,
}

/// What a row sends.
pub enum Input {
    /// An invoice (built for the owner's NIP) sent in the online session.
    Invoice(fn(&str) -> Vec<u8>),
    /// A send request: the valid request for a valid invoice, changed.
    Send(fn(&SymmetricKey, Value, &[u8]) -> Value),
    /// A batch package (archive built for the owner's NIP) in one encrypted part.
    Batch(&'static str, fn(&str) -> Vec<u8>, Tamper),
    /// A raw request.
    Http {
        method: &'static str,
        path: fn(&Ctx) -> String,
        token: Tok,
        content_type: Option<&'static str>,
        body: fn(&Ctx) -> Vec<u8>,
        headers: &'static [(&'static str, &'static str)],
    },
    /// KSeF-token authentication with the client's clock off by `skew_ms`, or with a revoked
    /// token.
    KsefAuth { skew_ms: i64, revoked: bool },
}

/// The documented answer, and what was observed.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// HTTP status and exception code (the legacy error body's first code).
    Http(u16, Option<i64>),
    /// The final status code of the invoice.
    Invoice(i64),
    /// The final status code of the batch session and its (successful, failed) invoices.
    Session(i64, i64, i64),
    /// The final status code of the authentication operation.
    Auth(i64),
}

pub struct Row {
    pub case: &'static str,
    pub input: Input,
    pub expect: Answer,
}

pub fn legacy_code(body: &Value) -> Option<i64> {
    body.pointer("/exception/exceptionDetailList/0/exceptionCode")
        .and_then(Value::as_i64)
}

pub fn is_json(content_type: &str) -> bool {
    content_type.starts_with("application/json")
        || content_type.starts_with("application/problem+json")
}

/// An HTTP answer as a row outcome; `Err` unless an error answer is JSON.
pub fn http_answer(status: u16, content_type: &str, body: &Value) -> Result<Answer, String> {
    if status >= 400 && !is_json(content_type) {
        return Err(format!("{status} as {content_type:?}: {body}"));
    }
    Ok(Answer::Http(status, legacy_code(body)))
}

pub async fn send_invoice_body(ctx: &Ctx, body: Value) -> Result<Answer, String> {
    let r = send_raw(&ctx.h, &ctx.access, &ctx.session, body).await;
    if r.status != 202 {
        let ct = r
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        return http_answer(r.status, ct, &r.body);
    }
    let reference = r.body["referenceNumber"].as_str().expect("ref");
    let st = invoice_status(&ctx.h, &ctx.access, &ctx.session, reference).await;
    Ok(Answer::Invoice(st["status"]["code"].as_i64().unwrap_or(0)))
}

pub async fn run_batch(
    ctx: &Ctx,
    compression: &str,
    archive: &[u8],
    tamper: Tamper,
) -> Result<Answer, String> {
    let mut part = ctx.key.encrypt(archive);
    match tamper {
        Tamper::Truncated => part.truncate(part.len() - 5),
        Tamper::BadPadding => part.truncate(part.len() - 16),
        Tamper::None | Tamper::WrongFileHash => {}
    }
    let file_hash = if tamper == Tamper::WrongFileHash {
        sha(b"another package")
    } else {
        sha(archive)
    };
    let request = json!({
        "formCode": fa3(),
        "batchFile": {
            "fileSize": archive.len(),
            "fileHash": file_hash,
            "compressionType": compression,
            "fileParts": [{"ordinalNumber": 1, "fileSize": part.len(), "fileHash": sha(&part)}],
        },
        "encryption": encryption(&ctx.h, &ctx.key).await,
    });
    let r = ctx
        .h
        .call("POST", "/sessions/batch", Some(&ctx.access), request)
        .await;
    if r.status != 201 {
        return Ok(Answer::Http(r.status, r.exception_code()));
    }
    let session = r.body["referenceNumber"].as_str().expect("ref").to_owned();
    let upload = &r.body["partUploadRequests"][0];
    let mut put = ctx
        .h
        .http
        .put(upload["url"].as_str().expect("url"))
        .body(part);
    for (k, v) in upload["headers"].as_object().expect("headers") {
        put = put.header(k.as_str(), v.as_str().unwrap_or_default());
    }
    let uploaded = put.send().await.expect("upload").status().as_u16();
    assert_eq!(uploaded, 201);
    let closed = ctx
        .h
        .call(
            "POST",
            &format!("/sessions/batch/{session}/close"),
            Some(&ctx.access),
            Value::Null,
        )
        .await;
    assert_eq!(closed.status, 204, "{:#}", closed.body);
    let st = session_status(&ctx.h, &ctx.access, &session, &[100, 150, 170]).await;
    let n = |k: &str| st[k].as_i64().unwrap_or(0);
    Ok(Answer::Session(
        st["status"]["code"].as_i64().unwrap_or(0),
        n("successfulInvoiceCount"),
        n("failedInvoiceCount"),
    ))
}

pub async fn run_http(
    ctx: &Ctx,
    method: &str,
    path: String,
    token: Tok,
    content_type: Option<&str>,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> Result<Answer, String> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = ctx.h.http.request(method, format!("{}{path}", ctx.h.base));
    let bearer = match token {
        Tok::None => None,
        Tok::Access => Some(ctx.access.as_str()),
        Tok::Refresh => Some(ctx.refresh.as_str()),
        Tok::Operation => Some(ctx.operation.as_str()),
        Tok::Foreign => Some(ctx.foreign.as_str()),
        Tok::Garbage => Some("eyJhbGciOiJub25lIn0.e30."),
    };
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if !body.is_empty() {
        req = req.body(body);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| format!("no answer (the emulator dropped the connection): {e}"))?;
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.map_err(|e| format!("body: {e}"))?;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    http_answer(status, &ct, &body)
}

pub async fn run_auth(ctx: &Ctx, skew_ms: i64, revoked: bool) -> Result<Answer, String> {
    let token = if revoked {
        &ctx.revoked_ksef_token
    } else {
        &ctx.ksef_token
    };
    match ctx
        .h
        .login_ksef_token_skewed(token, "Nip", &ctx.nip, skew_ms)
        .await
    {
        Ok(_) => Ok(Answer::Auth(200)),
        Err(status) => Ok(Answer::Auth(status["code"].as_i64().unwrap_or(0))),
    }
}

pub async fn execute(ctx: &Ctx, input: &Input) -> Result<Answer, String> {
    match input {
        Input::Invoice(build) => {
            let xml = build(&ctx.nip);
            send_invoice_body(ctx, send_body(&ctx.key, &xml)).await
        }
        Input::Send(change) => {
            let xml = valid_invoice(&ctx.nip);
            let body = change(&ctx.key, send_body(&ctx.key, &xml), &xml);
            send_invoice_body(ctx, body).await
        }
        Input::Batch(compression, build, tamper) => {
            run_batch(ctx, compression, &build(&ctx.nip), *tamper).await
        }
        Input::Http {
            method,
            path,
            token,
            content_type,
            body,
            headers,
        } => {
            run_http(
                ctx,
                method,
                path(ctx),
                *token,
                *content_type,
                body(ctx),
                headers,
            )
            .await
        }
        Input::KsefAuth { skew_ms, revoked } => run_auth(ctx, *skew_ms, *revoked).await,
    }
}

/// The DN the emulator expects in the owner's CSR.
pub async fn csr(h: &Harness, token: &str) -> String {
    let data = h
        .call(
            "GET",
            "/certificates/enrollments/data",
            Some(token),
            Value::Null,
        )
        .await;
    assert_eq!(data.status, 200, "{:#}", data.body);
    let dn = support::dn_from(&data.body);
    csr_with_p256(&dn).expect("csr").base64()
}

pub async fn new_ksef_token(h: &Harness, access: &str) -> (String, String) {
    let r = h
        .call(
            "POST",
            "/tokens",
            Some(access),
            json!({"permissions": ["InvoiceWrite", "InvoiceRead"], "description": "bad-input table"}),
        )
        .await;
    assert_eq!(r.status, 202, "{:#}", r.body);
    (
        r.body["referenceNumber"].as_str().expect("ref").to_owned(),
        r.body["token"].as_str().expect("token").to_owned(),
    )
}

pub async fn context() -> Ctx {
    let h = Harness::fast().await;
    let nip = support::nip();
    let context = ContextIdentifier::Nip(nip.clone());
    let (reference, operation) = h.start_xades(&nip, context.clone()).await;
    // Redeem by hand to keep the refresh token too.
    loop {
        let st = h
            .call(
                "GET",
                &format!("/auth/{reference}"),
                Some(&operation),
                Value::Null,
            )
            .await;
        if st.body["status"]["code"] == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let redeemed = h
        .call("POST", "/auth/token/redeem", Some(&operation), Value::Null)
        .await;
    assert_eq!(redeemed.status, 200, "{:#}", redeemed.body);
    let access = redeemed.body["accessToken"]["token"]
        .as_str()
        .expect("access")
        .to_owned();
    let refresh = redeemed.body["refreshToken"]["token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let (_, operation) = h.start_xades(&nip, context).await;
    let other = Harness::fast().await;
    let foreign = other
        .login_person_nip(&nip, ContextIdentifier::Nip(nip.clone()))
        .await;
    let key = SymmetricKey::generate();
    let session = open_online(&h, &access, &key).await;
    let (_, ksef_token) = new_ksef_token(&h, &access).await;
    let (revoked_ref, revoked_ksef_token) = new_ksef_token(&h, &access).await;
    let revoked = h
        .call(
            "DELETE",
            &format!("/tokens/{revoked_ref}"),
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(revoked.status, 204, "{:#}", revoked.body);
    let csr = csr(&h, &access).await;
    Ctx {
        h,
        nip,
        access,
        refresh,
        operation,
        foreign,
        key,
        session,
        ksef_token,
        revoked_ksef_token,
        csr,
        _other: other,
    }
}

pub fn no_body(_: &Ctx) -> Vec<u8> {
    Vec::new()
}

pub fn json_bytes(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).expect("json")
}

/// A metadata query over the given date range.
pub fn metadata_query(from: &str, to: &str) -> Vec<u8> {
    json_bytes(json!({
        "subjectType": "Subject1",
        "dateRange": {"dateType": "Issue", "from": from, "to": to},
    }))
}

pub const JSON: Option<&str> = Some("application/json");

/// Standard base64.
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
