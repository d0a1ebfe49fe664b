//! Test doubles: a scripted [`ReplayTransport`] and a recording [`CaptureTransport`].
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use ksef_http::testing::{Reply, ReplayTransport};
//! use ksef_http::HttpClient;
//! use ksef_model::operations::PostAuthChallenge;
//!
//! let replay = Arc::new(ReplayTransport::new());
//! replay.push(Reply::json(200, serde_json::json!({
//!     "challenge": "20250514-CR-226FB7B000-3ACF9BE4C0-10",
//!     "timestamp": "2025-07-11T12:23:56.0154302+00:00",
//!     "timestampMs": 1752236636015_i64,
//!     "clientIp": "127.0.0.1"
//! })));
//! let client = HttpClient::builder()
//!     .base_url("http://ksef.invalid/v2")
//!     .transport(replay.clone())
//!     .build()?;
//! let challenge = client.execute(&PostAuthChallenge::new(), None).await?;
//! assert_eq!(challenge.value.client_ip, "127.0.0.1");
//! assert_eq!(replay.requests()[0].url.path(), "/v2/auth/challenge");
//! # Ok::<(), ksef_http::Error>(())
//! # }).unwrap();
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::transport::{
    Body, HttpRequest, HttpResponse, ResponseBody, Transport, TransportError, TransportErrorKind,
};

/// A request as a test double saw it, with the body read into memory.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The URL.
    pub url: url::Url,
    /// The headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Bytes,
}

impl RecordedRequest {
    /// A header value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP response.
    Response {
        /// Status.
        status: u16,
        /// Headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: Bytes,
    },
    /// A transport failure.
    Fail(TransportErrorKind),
}

impl Reply {
    /// A response with a JSON body.
    pub fn json(status: u16, value: serde_json::Value) -> Self {
        Reply::Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(value.to_string()),
        }
    }

    /// A response with the given content type and body.
    pub fn body(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Reply::Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// A response without a body.
    pub fn status(status: u16) -> Self {
        Reply::Response {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Response { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Responder = dyn Fn(&RecordedRequest) -> Reply + Send + Sync;

/// A transport that answers from a script (then, optionally, from a function) and records every
/// request. An exhausted script without a responder answers with a transport error.
#[derive(Default)]
pub struct ReplayTransport {
    script: Mutex<VecDeque<Reply>>,
    responder: Option<Box<Responder>>,
    seen: Mutex<Vec<RecordedRequest>>,
}

impl std::fmt::Debug for ReplayTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayTransport").finish_non_exhaustive()
    }
}

impl ReplayTransport {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers every request not covered by the script with `responder`.
    pub fn with_responder(
        responder: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self {
            responder: Some(Box::new(responder)),
            ..Self::default()
        }
    }

    /// Appends an answer to the script.
    pub fn push(&self, reply: Reply) -> &Self {
        self.script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(reply);
        self
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Answers not used yet.
    pub fn remaining(&self) -> usize {
        self.script.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

async fn record(request: HttpRequest) -> Result<RecordedRequest, TransportError> {
    let body = match request.body {
        Body::Empty => Bytes::new(),
        Body::Bytes(b) => b,
        Body::Stream { mut stream, .. } => {
            let mut buf = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| {
                    TransportError::new(TransportErrorKind::Interrupted, e.to_string())
                })?;
                buf.extend_from_slice(&chunk);
            }
            Bytes::from(buf)
        }
    };
    Ok(RecordedRequest {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body,
    })
}

fn into_response(reply: Reply) -> Result<HttpResponse, TransportError> {
    match reply {
        Reply::Fail(kind) => Err(TransportError::new(kind, "scripted failure")),
        Reply::Response {
            status,
            headers,
            body,
        } => {
            let mut map = HeaderMap::new();
            for (k, v) in headers {
                if let (Ok(k), Ok(v)) = (
                    HeaderName::from_bytes(k.as_bytes()),
                    HeaderValue::from_str(&v),
                ) {
                    map.append(k, v);
                }
            }
            Ok(HttpResponse {
                status,
                headers: map,
                body: ResponseBody::from_bytes(body),
            })
        }
    }
}

#[async_trait::async_trait]
impl Transport for ReplayTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let recorded = record(request).await?;
        let scripted = self
            .script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front();
        let reply = match (scripted, &self.responder) {
            (Some(r), _) => r,
            (None, Some(f)) => f(&recorded),
            (None, None) => {
                let message = format!(
                    "replay script exhausted at {} {}",
                    recorded.method, recorded.url
                );
                self.seen
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(recorded);
                return Err(TransportError::new(TransportErrorKind::Other, message));
            }
        };
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(recorded);
        into_response(reply)
    }
}

/// An exchange seen by [`CaptureTransport`].
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request.
    pub request: RecordedRequest,
    /// The response status, or the transport error.
    pub outcome: Result<(u16, HeaderMap, Bytes), TransportError>,
}

/// A transport that forwards to another one and records every exchange (bodies included).
#[derive(Debug)]
pub struct CaptureTransport {
    inner: Arc<dyn Transport>,
    log: Mutex<Vec<Exchange>>,
    body_limit: usize,
}

impl CaptureTransport {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Transport>) -> Self {
        Self {
            inner,
            log: Mutex::new(Vec::new()),
            body_limit: 64 << 20,
        }
    }

    /// Everything recorded so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait::async_trait]
impl Transport for CaptureTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let kind = request.kind;
        let recorded = record(request).await?;
        let forward = HttpRequest {
            method: recorded.method.clone(),
            url: recorded.url.clone(),
            headers: recorded.headers.clone(),
            body: if recorded.body.is_empty() {
                Body::Empty
            } else {
                Body::Bytes(recorded.body.clone())
            },
            kind,
        };
        let outcome = match self.inner.send(forward).await {
            Ok(resp) => {
                let status = resp.status;
                let headers = resp.headers;
                resp.body
                    .collect(self.body_limit)
                    .await
                    .map(|b| (status, headers, b))
            }
            Err(e) => Err(e),
        };
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Exchange {
                request: recorded,
                outcome: outcome.clone(),
            });
        outcome.map(|(status, headers, body)| HttpResponse {
            status,
            headers,
            body: ResponseBody::from_bytes(body),
        })
    }
}
