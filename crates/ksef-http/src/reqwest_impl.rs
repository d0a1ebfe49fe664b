//! The default transport, on reqwest with rustls (ring) — no OpenSSL anywhere.

use std::time::Duration;

use futures::TryStreamExt;

use crate::transport::{
    Body, HttpRequest, HttpResponse, RequestKind, ResponseBody, Transport, TransportError,
    TransportErrorKind,
};

/// Settings of [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestConfig {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole API call (headers and body), `None` for no limit. Transfers to
    /// and from pre-signed storage ([`RequestKind::Transfer`]) have no total limit.
    pub timeout: Option<Duration>,
    /// The idle timeout of every request: the longest time without a byte read from the
    /// connection (a stalled transfer fails after it; a slow but moving one never does).
    pub read_timeout: Duration,
    /// How long idle pooled connections are kept.
    pub pool_idle_timeout: Duration,
}

impl Default for ReqwestConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(120)),
            read_timeout: Duration::from_secs(120),
            pool_idle_timeout: Duration::from_secs(90),
        }
    }
}

/// [`Transport`] on reqwest: rustls TLS with the webpki roots, HTTP/2 when the server offers it
/// (ALPN), connection pooling, no redirects.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    api_timeout: Option<Duration>,
}

impl ReqwestTransport {
    /// A transport with default settings.
    pub fn new() -> Result<Self, TransportError> {
        Self::with_config(&ReqwestConfig::default())
    }

    /// A transport with the given settings.
    pub fn with_config(config: &ReqwestConfig) -> Result<Self, TransportError> {
        let builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(config.pool_idle_timeout)
            .read_timeout(config.read_timeout)
            .redirect(reqwest::redirect::Policy::none());
        let client = builder
            .build()
            .map_err(|e| TransportError::new(TransportErrorKind::Other, describe(e)))?;
        Ok(Self {
            client,
            api_timeout: config.timeout,
        })
    }

    /// Wraps an existing reqwest client (its own settings apply; no per-call timeout is added).
    pub fn from_client(client: reqwest::Client) -> Self {
        Self {
            client,
            api_timeout: None,
        }
    }
}

fn classify(e: &reqwest::Error) -> TransportErrorKind {
    if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_builder() {
        TransportErrorKind::Request
    } else if e.is_body() || e.is_decode() {
        TransportErrorKind::Body
    } else if e.is_request() {
        TransportErrorKind::Interrupted
    } else {
        TransportErrorKind::Other
    }
}

/// The error with its cause chain, without the URL: a pre-signed URL carries its signature
/// (`sig=…`) in the query, which must never reach a log or an error message.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    // reqwest's Display stops at the outermost error; include the cause chain.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut builder = self
            .client
            .request(request.method, request.url)
            .headers(request.headers);
        if let (RequestKind::Api, Some(t)) = (request.kind, self.api_timeout) {
            builder = builder.timeout(t);
        }
        builder = match request.body {
            Body::Empty => builder,
            Body::Bytes(b) => builder.body(b),
            Body::Stream { stream, length } => {
                if let Some(len) = length {
                    builder = builder.header(http::header::CONTENT_LENGTH, len);
                }
                builder.body(reqwest::Body::wrap_stream(stream))
            }
        };
        let response = builder
            .send()
            .await
            .map_err(|e| TransportError::new(classify(&e), describe(e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let stream = response
            .bytes_stream()
            .map_err(|e| std::io::Error::other(describe(e)));
        Ok(HttpResponse {
            status,
            headers,
            body: ResponseBody::from_stream(Box::pin(stream)),
        })
    }
}
