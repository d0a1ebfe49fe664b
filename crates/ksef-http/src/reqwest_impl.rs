//! The default transport, on reqwest with rustls (ring) — no OpenSSL anywhere.

use std::time::Duration;

use futures::TryStreamExt;

use crate::transport::{
    Body, HttpRequest, HttpResponse, ResponseBody, Transport, TransportError, TransportErrorKind,
};

/// Settings of [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestConfig {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request (headers and body), `None` for no limit (large
    /// transfers set their own).
    pub timeout: Option<Duration>,
    /// How long idle pooled connections are kept.
    pub pool_idle_timeout: Duration,
}

impl Default for ReqwestConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(120)),
            pool_idle_timeout: Duration::from_secs(90),
        }
    }
}

/// [`Transport`] on reqwest: rustls TLS with the webpki roots, HTTP/2 when the server offers it
/// (ALPN), connection pooling, no redirects.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with default settings.
    pub fn new() -> Result<Self, TransportError> {
        Self::with_config(&ReqwestConfig::default())
    }

    /// A transport with the given settings.
    pub fn with_config(config: &ReqwestConfig) -> Result<Self, TransportError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(config.pool_idle_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(t) = config.timeout {
            builder = builder.timeout(t);
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::new(TransportErrorKind::Other, e.to_string()))?;
        Ok(Self { client })
    }

    /// Wraps an existing reqwest client (its own settings apply).
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
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

fn describe(e: &reqwest::Error) -> String {
    // reqwest's Display stops at the outermost error; include the cause chain.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
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
            .map_err(|e| TransportError::new(classify(&e), describe(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let stream = response
            .bytes_stream()
            .map_err(|e| std::io::Error::other(describe(&e)));
        Ok(HttpResponse {
            status,
            headers,
            body: ResponseBody::from_stream(Box::pin(stream)),
        })
    }
}
