//! The default transport, on reqwest with rustls (ring) — no OpenSSL anywhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};

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
    /// The idle timeout of transfers to and from pre-signed storage: the longest time without
    /// a byte moving (a stalled transfer fails after it; a slow but moving one never does —
    /// a 100 MB part on a 1 MB/s link takes minutes). Waiting for the storage's answer after
    /// the last byte of an upload was handed to the operating system counts as idle time too
    /// (so it includes draining the socket buffers).
    pub idle_timeout: Duration,
    /// How long idle pooled connections are kept.
    pub pool_idle_timeout: Duration,
}

impl Default for ReqwestConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(120)),
            idle_timeout: Duration::from_secs(120),
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
    idle_timeout: Duration,
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
            .redirect(reqwest::redirect::Policy::none());
        let client = builder
            .build()
            .map_err(|e| TransportError::new(TransportErrorKind::Other, describe(e)))?;
        Ok(Self {
            client,
            api_timeout: config.timeout,
            idle_timeout: config.idle_timeout,
        })
    }

    /// Wraps an existing reqwest client (its own settings apply; no per-call timeout is added).
    pub fn from_client(client: reqwest::Client) -> Self {
        Self {
            client,
            api_timeout: None,
            idle_timeout: ReqwestConfig::default().idle_timeout,
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
    let url = e
        .url()
        .map(|u| crate::client::redact_presigned_url(u.as_str()));
    let e = e.without_url();
    // reqwest's Display stops at the outermost error; include the cause chain.
    let mut message = e.to_string();
    if let Some(url) = url {
        message.push_str(&format!(" ({url})"));
    }
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// When a transfer last moved a byte, for the idle watchdog.
#[derive(Clone)]
struct Activity {
    start: tokio::time::Instant,
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: tokio::time::Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Resolves once nothing moved for `idle`.
    async fn stalled(&self, idle: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let due = last + idle;
            if tokio::time::Instant::now() >= due {
                return;
            }
            tokio::time::sleep_until(due).await;
        }
    }
}

fn idle_error(idle: Duration) -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout,
        format!("no byte moved for {idle:?}"),
    )
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let transfer = request.kind == RequestKind::Transfer;
        let activity = Activity::new();
        let mut builder = self
            .client
            .request(request.method, request.url)
            .headers(request.headers);
        if let (RequestKind::Api, Some(t)) = (request.kind, self.api_timeout) {
            builder = builder.timeout(t);
        }
        builder = match request.body {
            Body::Empty => builder,
            Body::Bytes(b) if !transfer => builder.body(b),
            Body::Bytes(b) => {
                // Chunked so that the watchdog sees the upload progress.
                let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = (0..b.len())
                    .step_by(TRANSFER_CHUNK)
                    .map(|at| Ok(b.slice(at..(at + TRANSFER_CHUNK).min(b.len()))))
                    .collect();
                let length = b.len() as u64;
                let touched = activity.clone();
                let stream = futures::stream::iter(chunks).inspect(move |_| touched.touch());
                builder
                    .header(http::header::CONTENT_LENGTH, length)
                    .body(reqwest::Body::wrap_stream(stream))
            }
            Body::Stream { stream, length } => {
                if let Some(len) = length {
                    builder = builder.header(http::header::CONTENT_LENGTH, len);
                }
                let touched = activity.clone();
                builder.body(reqwest::Body::wrap_stream(
                    stream.inspect(move |_| touched.touch()),
                ))
            }
        };
        let sent = builder.send();
        let response = if transfer {
            let idle = self.idle_timeout;
            let watchdog = activity.stalled(idle);
            futures::pin_mut!(sent, watchdog);
            match futures::future::select(sent, watchdog).await {
                futures::future::Either::Left((r, _)) => r,
                futures::future::Either::Right(_) => return Err(idle_error(idle)),
            }
        } else {
            sent.await
        };
        let response = response.map_err(|e| TransportError::new(classify(&e), describe(e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let stream = response
            .bytes_stream()
            .map_err(|e| std::io::Error::other(describe(e)));
        let body: crate::transport::ByteStream = if transfer {
            let idle = self.idle_timeout;
            Box::pin(futures::stream::unfold(
                Box::pin(stream),
                move |mut stream| async move {
                    match tokio::time::timeout(idle, stream.next()).await {
                        Ok(Some(item)) => Some((item, stream)),
                        Ok(None) => None,
                        Err(_) => Some((
                            Err(std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                idle_error(idle).message,
                            )),
                            stream,
                        )),
                    }
                },
            ))
        } else {
            Box::pin(stream)
        };
        Ok(HttpResponse {
            status,
            headers,
            body: ResponseBody::from_stream(body),
        })
    }
}

/// The chunk size of in-memory transfer bodies (progress granularity of the idle watchdog).
const TRANSFER_CHUNK: usize = 64 * 1024;
