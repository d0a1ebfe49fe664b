//! The transport abstraction: one HTTP exchange as plain values.
//!
//! [`Transport`] is **object-safe** (through `async_trait`) so that a client can hold an
//! `Arc<dyn Transport>` chosen at run time — the reqwest default, a user's own HTTP stack, a
//! proxy, or a test double — without making every SDK type generic over it. The cost is one
//! boxed future per request, negligible next to a network round trip.

use std::fmt;
use std::pin::Pin;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use http::{HeaderMap, Method};

/// A stream of body chunks.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static>>;

/// A request body.
pub enum Body {
    /// No body.
    Empty,
    /// A body held in memory.
    Bytes(Bytes),
    /// A streamed body (large uploads) with its exact length when known.
    Stream {
        /// The chunks.
        stream: ByteStream,
        /// The total length, sent as `Content-Length` when present.
        length: Option<u64>,
    },
}

impl Body {
    /// The body length when it is known up front.
    pub fn len_hint(&self) -> Option<u64> {
        match self {
            Body::Empty => Some(0),
            Body::Bytes(b) => Some(b.len() as u64),
            Body::Stream { length, .. } => *length,
        }
    }

    /// A copy of the body for a repeated attempt; `None` for streams, which cannot be replayed.
    pub fn try_clone(&self) -> Option<Body> {
        match self {
            Body::Empty => Some(Body::Empty),
            Body::Bytes(b) => Some(Body::Bytes(b.clone())),
            Body::Stream { .. } => None,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Body::Stream { length, .. } => write!(f, "Stream(length: {length:?})"),
        }
    }
}

/// What a request is, for the transport's time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestKind {
    /// An API call: bounded by the transport's per-request total timeout.
    #[default]
    Api,
    /// A transfer to or from pre-signed storage (a batch part upload, an export part download):
    /// no total time limit — a 100 MB part on a slow link may take many minutes — only the
    /// transport's idle (read) timeout, which fires when no byte moves for that long.
    Transfer,
}

/// One HTTP request.
#[derive(Debug)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: url::Url,
    /// Headers to send (the transport adds `Content-Length` and `Host` itself).
    pub headers: HeaderMap,
    /// The body.
    pub body: Body,
    /// Which time limits apply.
    pub kind: RequestKind,
}

/// The body of a response: a stream of chunks that can also be collected.
pub struct ResponseBody {
    stream: ByteStream,
}

impl ResponseBody {
    /// Wraps a stream.
    pub fn from_stream(stream: ByteStream) -> Self {
        Self { stream }
    }

    /// A body held in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self {
            stream: Box::pin(futures::stream::once(async move { Ok(bytes) })),
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self {
            stream: Box::pin(futures::stream::empty()),
        }
    }

    /// The chunks, for streaming consumers (large downloads).
    pub fn into_stream(self) -> ByteStream {
        self.stream
    }

    /// Reads the whole body, refusing to hold more than `limit` bytes.
    pub async fn collect(mut self, limit: usize) -> Result<Bytes, TransportError> {
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.stream.next().await {
            let chunk =
                chunk.map_err(|e| TransportError::new(TransportErrorKind::Body, e.to_string()))?;
            if out.len() + chunk.len() > limit {
                return Err(TransportError::new(
                    TransportErrorKind::Body,
                    format!("response body larger than the {limit}-byte limit"),
                ));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseBody")
    }
}

/// One HTTP response, with a body not yet read.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: ResponseBody,
}

/// What went wrong below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The connection could not be made: the request was certainly **not** sent.
    Connect,
    /// The request timed out: it may have reached the server.
    Timeout,
    /// The connection failed while sending or receiving: it may have reached the server.
    Interrupted,
    /// Reading the response body failed (or it exceeded a limit).
    Body,
    /// The request could not be built (bad URL, bad header value).
    Request,
    /// Anything else.
    Other,
}

/// A failure below HTTP.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct TransportError {
    /// The kind.
    pub kind: TransportErrorKind,
    /// What happened.
    pub message: String,
}

impl TransportError {
    /// Creates an error.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Whether the server cannot have seen the request (so even a non-idempotent call may be
    /// repeated).
    pub fn certainly_not_sent(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::Request
        )
    }

    /// Whether the request may have reached the server (the opposite of
    /// [`TransportError::certainly_not_sent`]).
    pub fn may_have_been_sent(&self) -> bool {
        !self.certainly_not_sent()
    }

    /// Whether trying again may help.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Connect
                | TransportErrorKind::Timeout
                | TransportErrorKind::Interrupted
        )
    }
}

/// Sends HTTP requests. Implement this to plug in another HTTP stack, a proxy or a test double.
///
/// Implementations must not follow redirects for non-GET methods, must not add authentication of
/// their own, and should report failures with the [`TransportErrorKind`] that says whether the
/// request may have reached the server — retry decisions depend on it.
#[async_trait::async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends one request and returns the response head with a streaming body.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}
