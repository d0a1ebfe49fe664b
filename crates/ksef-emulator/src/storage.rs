//! Pre-signed object storage (not the emulator's state, which is [`crate::AppState`]'s store)
//! served by the emulator itself, outside the API prefix, the way the real service hands out
//! storage URLs: batch part uploads (`PUT`, with the documented `x-ms-blob-type: BlockBlob`
//! header and a time limit), UPO and export part downloads (`GET`).
//! URLs carry an expiry and an HMAC signature; no bearer token is needed or checked.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::app_state::AppState;

/// The path prefix of storage URLs.
pub const STORAGE_PREFIX: &str = "/storage";

/// One stored blob.
#[derive(Debug, Clone)]
pub struct Blob {
    /// The bytes.
    pub bytes: Bytes,
    /// `Content-Type` to serve.
    pub content_type: String,
}

/// The blobs, by key.
#[derive(Debug, Default)]
pub struct BlobStore {
    blobs: Mutex<HashMap<String, Blob>>,
}

impl BlobStore {
    /// Stores (or replaces) a blob.
    pub fn put(&self, key: &str, blob: Blob) {
        self.blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_owned(), blob);
    }

    /// A stored blob.
    pub fn get(&self, key: &str) -> Option<Blob> {
        self.blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// Removes a blob.
    pub fn remove(&self, key: &str) -> Option<Blob> {
        self.blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key)
    }
}

fn signature(secret: &[u8], method: &str, key: &str, expires: i64) -> String {
    let mac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&mac_key, format!("{method}\n{key}\n{expires}").as_bytes());
    URL_SAFE_NO_PAD.encode(tag.as_ref())
}

/// A pre-signed URL for `method` (`GET` or `PUT`) on `key` valid until `expires`. Keys are
/// `/`-separated path segments of safe characters (e.g. `batch/{session}/{part}`).
pub fn presign(state: &AppState, method: &str, key: &str, expires: OffsetDateTime) -> String {
    let exp = expires.unix_timestamp();
    let sig = signature(state.jwt_secret(), method, key, exp);
    format!(
        "{}{STORAGE_PREFIX}/{key}?se={exp}&sig={sig}",
        state.public_url()
    )
}

/// The SHA-256 (base64) of bytes, as in `x-ms-meta-hash`.
pub fn sha256_b64(bytes: &[u8]) -> String {
    ksef_crypto::symmetric::sha256_base64(bytes)
}

/// Largest upload: batch parts are up to 100 MB before encryption (+16 B of padding).
const MAX_UPLOAD: usize = 100_000_016;

/// The storage routes (mounted at the root, not under `/v2`).
pub fn routes() -> Router<AppState> {
    Router::new().route(
        &format!("{STORAGE_PREFIX}/{{*key}}"),
        get(download).put(upload),
    )
}

/// Waits until `moved` bytes have taken at least `moved / rate` seconds since `started`
/// (no wait without a rate).
async fn throttle(rate: u64, moved: usize, started: tokio::time::Instant) {
    if rate == 0 {
        return;
    }
    let due = std::time::Duration::from_secs_f64(moved as f64 / rate as f64);
    tokio::time::sleep_until(started + due).await;
}

/// The size of the slices a throttled download is sent in: about a tenth of a second's worth.
fn slice_len(rate: u64) -> usize {
    usize::try_from(rate / 10)
        .unwrap_or(usize::MAX)
        .clamp(1024, 1 << 20)
}

/// A blob's bytes as a response body, sent at `rate` bytes per second (0: at once).
fn throttled_body(bytes: Bytes, rate: u64) -> axum::body::Body {
    if rate == 0 {
        return axum::body::Body::from(bytes);
    }
    let slice = slice_len(rate);
    let started = tokio::time::Instant::now();
    let stream = futures::stream::unfold(0usize, move |sent| {
        let bytes = bytes.clone();
        async move {
            if sent >= bytes.len() {
                return None;
            }
            let end = sent.saturating_add(slice).min(bytes.len());
            throttle(rate, sent, started).await;
            Some((
                Ok::<_, std::convert::Infallible>(bytes.slice(sent..end)),
                end,
            ))
        }
    });
    axum::body::Body::from_stream(stream)
}

#[derive(Debug, Deserialize)]
struct Signed {
    se: Option<i64>,
    sig: Option<String>,
}

fn storage_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r
}

fn check(state: &AppState, method: &str, key: &str, q: &Signed) -> Result<(), Box<Response>> {
    let (Some(exp), Some(sig)) = (q.se, q.sig.as_deref()) else {
        return Err(Box::new(storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Missing signature.",
        )));
    };
    if signature(state.jwt_secret(), method, key, exp) != sig {
        return Err(Box::new(storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Signature did not match.",
        )));
    }
    if OffsetDateTime::now_utc().unix_timestamp() > exp {
        return Err(Box::new(storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Signed expiry time has passed.",
        )));
    }
    Ok(())
}

async fn download(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
) -> Response {
    if let Err(r) = check(&state, "GET", &key, &q) {
        return *r;
    }
    match state.blobs().get(&key) {
        Some(blob) => {
            let hash = sha256_b64(&blob.bytes);
            let len = blob.bytes.len();
            let body = throttled_body(blob.bytes, state.faults().storage_bytes_per_sec());
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut()
                .insert(axum::http::header::CONTENT_LENGTH, HeaderValue::from(len));
            if let Ok(v) = HeaderValue::from_str(&blob.content_type) {
                r.headers_mut().insert(axum::http::header::CONTENT_TYPE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&hash) {
                r.headers_mut().insert("x-ms-meta-hash", v);
            }
            r
        }
        None => storage_error(
            StatusCode::NOT_FOUND,
            "BlobNotFound",
            "The specified blob does not exist.",
        ),
    }
}

async fn upload(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    if let Err(r) = check(&state, "PUT", &key, &q) {
        return *r;
    }
    if headers.get("x-ms-blob-type").and_then(|v| v.to_str().ok()) != Some("BlockBlob") {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "MissingRequiredHeader",
            "x-ms-blob-type: BlockBlob is required.",
        );
    }
    if !state.upload_allowed(&key) {
        return storage_error(
            StatusCode::FORBIDDEN,
            "AuthorizationFailure",
            "Uploads to this location are closed.",
        );
    }
    let body = match receive(body, state.faults().storage_bytes_per_sec()).await {
        Ok(b) => b,
        Err(r) => return *r,
    };
    state.blobs().put(
        &key,
        Blob {
            bytes: body,
            content_type: "application/octet-stream".into(),
        },
    );
    StatusCode::CREATED.into_response()
}

/// Reads an upload of at most [`MAX_UPLOAD`] bytes as it arrives, at `rate` bytes per second
/// at most (0: as fast as it comes).
async fn receive(body: axum::body::Body, rate: u64) -> Result<Bytes, Box<Response>> {
    use futures::StreamExt as _;
    let started = tokio::time::Instant::now();
    let mut stream = body.into_data_stream();
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Box::new(storage_error(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                &format!("The request body could not be read: {e}"),
            ))
        })?;
        if buf.len().saturating_add(chunk.len()) > MAX_UPLOAD {
            return Err(Box::new(storage_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestBodyTooLarge",
                "The request body is too large.",
            )));
        }
        buf.extend_from_slice(&chunk);
        throttle(rate, buf.len(), started).await;
    }
    Ok(buf.freeze())
}
