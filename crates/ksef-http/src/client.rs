//! Executing catalogue operations over a [`Transport`] with the policies applied.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use ksef_model::catalogue::{BodyKind, Operation, OperationMeta};
use tracing::Instrument;
use url::Url;

use crate::error::{ApiError, Error, parse_error_body};
use crate::retry::{RetryPolicy, is_safe_to_repeat, retry_after};
use crate::throttle::{Throttle, ThrottleConfig};
use crate::token::BearerToken;
use crate::transport::{Body, HttpRequest, HttpResponse, RequestKind, Transport};
use crate::warning::{SystemWarning, parse_system_warnings};

/// A decoded success response with its metadata.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    /// The decoded body.
    pub value: T,
    /// The status.
    pub status: u16,
    /// The response headers (e.g. `x-ms-meta-hash`).
    pub headers: HeaderMap,
    /// Parsed `X-System-Warning` items (also logged through `tracing`).
    pub warnings: Vec<SystemWarning>,
}

/// A request to an absolute URL outside the API root — a pre-signed URL (batch part upload,
/// UPO or export part download) or the status service (Latarnia): sent without the bearer token
/// and not rate limited. `Debug` hides the URL's query (a pre-signed URL's signature).
pub struct UrlRequest {
    /// The method (e.g. `PUT` for uploads, `GET` for downloads).
    pub method: Method,
    /// The absolute URL as returned by the API.
    pub url: String,
    /// Exactly the headers the API returned for this URL.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl std::fmt::Debug for UrlRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlRequest")
            .field("method", &self.method)
            .field("url", &redact_presigned_url(&self.url))
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// A pre-signed URL fit for logs, errors and `Debug`: scheme, host and path, with the query
/// (which carries the signature, `sig=…`, and the other grant parameters) replaced by
/// `?[redacted]`.
pub fn redact_presigned_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?[redacted]"),
        None => url.to_owned(),
    }
}

/// Builder of [`HttpClient`].
#[derive(Debug)]
pub struct HttpClientBuilder {
    base_url: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    user_agent: String,
    retry: RetryPolicy,
    throttle: ThrottleConfig,
    problem_details: bool,
    max_response_bytes: usize,
}

impl HttpClientBuilder {
    /// The API root including `/v2`, e.g. `https://api-test.ksef.mf.gov.pl/v2` or
    /// `http://127.0.0.1:8080/v2`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The transport (default: [`crate::ReqwestTransport`] when the `reqwest` feature is on).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The throttle settings.
    pub fn throttle(mut self, throttle: ThrottleConfig) -> Self {
        self.throttle = throttle;
        self
    }

    /// Whether to ask for problem-details errors (`X-Error-Format: problem-details`; default on).
    pub fn problem_details(mut self, on: bool) -> Self {
        self.problem_details = on;
        self
    }

    /// The largest success body [`HttpClient::execute`] reads into memory (default 256 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<HttpClient, Error> {
        let invalid = |message: String| Error::InvalidRequest {
            operation: "client",
            message,
        };
        let base = self.base_url.ok_or_else(|| invalid("no base URL".into()))?;
        let base = Url::parse(base.trim_end_matches('/'))
            .map_err(|e| invalid(format!("bad base URL {base:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid(format!("base URL must be http(s): {base}")));
        }
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport()?,
        };
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|e| invalid(format!("bad user agent: {e}")))?;
        Ok(HttpClient {
            inner: Arc::new(Inner {
                transport,
                base,
                user_agent,
                retry: self.retry,
                throttle: Throttle::new(self.throttle),
                problem_details: self.problem_details,
                max_response_bytes: self.max_response_bytes,
            }),
        })
    }
}

#[cfg(feature = "reqwest")]
fn default_transport() -> Result<Arc<dyn Transport>, Error> {
    crate::ReqwestTransport::new()
        .map(|t| Arc::new(t) as Arc<dyn Transport>)
        .map_err(|source| Error::Transport {
            operation: "client",
            source,
        })
}

#[cfg(not(feature = "reqwest"))]
fn default_transport() -> Result<Arc<dyn Transport>, Error> {
    Err(Error::InvalidRequest {
        operation: "client",
        message: "no transport given and the `reqwest` feature is off".into(),
    })
}

#[derive(Debug)]
struct Inner {
    transport: Arc<dyn Transport>,
    base: Url,
    user_agent: HeaderValue,
    retry: RetryPolicy,
    throttle: Throttle,
    problem_details: bool,
    max_response_bytes: usize,
}

/// Executes operations: builds the HTTP request from the plain request value, applies
/// throttling and retries, and decodes the answer or the error. Cheap to clone; clones share the
/// transport and the throttle counters.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

const ERROR_BODY_LIMIT: usize = 1 << 20;

impl HttpClient {
    /// A builder with defaults: reqwest transport, retries, throttling on, problem details on.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder {
            base_url: None,
            transport: None,
            user_agent: concat!("ksef-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            throttle: ThrottleConfig::default(),
            problem_details: true,
            max_response_bytes: 256 << 20,
        }
    }

    /// The API root.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The transport.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.inner.transport
    }

    /// Executes `op`, sending `bearer` as `Authorization` when given.
    pub async fn execute<O: Operation>(
        &self,
        op: &O,
        bearer: Option<&BearerToken>,
    ) -> Result<ApiResponse<O::Response>, Error> {
        let meta = O::META;
        let (status, headers, body) = self.execute_bytes(op, bearer).await?;
        let value = O::decode_response(&body).map_err(|source| Error::Decode { source })?;
        let warnings = warnings_of(meta, &headers);
        Ok(ApiResponse {
            value,
            status,
            headers,
            warnings,
        })
    }

    /// Executes `op` and returns the raw success body (status, headers, bytes).
    pub async fn execute_bytes<O: Operation>(
        &self,
        op: &O,
        bearer: Option<&BearerToken>,
    ) -> Result<(u16, HeaderMap, Bytes), Error> {
        let meta = O::META;
        let url = self.url_for(op)?;
        let mut headers = HeaderMap::new();
        headers.insert(http::header::USER_AGENT, self.inner.user_agent.clone());
        let accept = match meta.response_body {
            BodyKind::Xml => "application/xml",
            BodyKind::Binary => "application/octet-stream",
            _ => "application/json",
        };
        headers.insert(http::header::ACCEPT, HeaderValue::from_static(accept));
        if self.inner.problem_details {
            headers.insert(
                "x-error-format",
                HeaderValue::from_static("problem-details"),
            );
        }
        if let Some(token) = bearer {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    Error::InvalidRequest {
                        operation: meta.name,
                        message: "the bearer token is not a valid header value".into(),
                    }
                })?;
            value.set_sensitive(true);
            headers.insert(http::header::AUTHORIZATION, value);
        }
        for (name, value) in op.headers() {
            let name = HeaderName::from_bytes(name.as_bytes());
            let value = HeaderValue::from_str(&value);
            match (name, value) {
                (Ok(n), Ok(v)) => {
                    headers.insert(n, v);
                }
                _ => {
                    return Err(Error::InvalidRequest {
                        operation: meta.name,
                        message: "a header parameter is not a valid header value".into(),
                    });
                }
            }
        }
        let body = match op.body().map_err(|e| Error::InvalidRequest {
            operation: meta.name,
            message: e.to_string(),
        })? {
            Some(b) => {
                headers.insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static(b.content_type),
                );
                Bytes::from(b.bytes)
            }
            None => Bytes::new(),
        };
        let method = to_http_method(meta.method);
        let span = tracing::info_span!(
            "ksef.operation",
            operation = meta.name,
            group = meta.rate_limit.and_then(|r| r.group).unwrap_or(meta.name),
            // The path carries the reference numbers and KSeF numbers involved, never secrets.
            path = %url.path(),
        );
        async move {
            let response = self
                .send_with_policies(meta, method, url, headers, body)
                .await?;
            let status = response.status;
            let headers = response.headers;
            let body = response
                .body
                .collect(self.inner.max_response_bytes)
                .await
                .map_err(|source| Error::Transport {
                    operation: meta.name,
                    source,
                })?;
            Ok((status, headers, body))
        }
        .instrument(span)
        .await
    }

    fn url_for<O: Operation>(&self, op: &O) -> Result<Url, Error> {
        let text = format!(
            "{}{}",
            self.inner.base.as_str().trim_end_matches('/'),
            op.path()
        );
        let mut url = Url::parse(&text).map_err(|e| Error::InvalidRequest {
            operation: O::META.name,
            message: format!("bad URL {text:?}: {e}"),
        })?;
        let query = op.query();
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    async fn send_with_policies(
        &self,
        meta: &'static OperationMeta,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<HttpResponse, Error> {
        let policy = &self.inner.retry;
        let repeatable = is_safe_to_repeat(meta);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.inner.throttle.acquire(meta).await;
            let request = HttpRequest {
                method: method.clone(),
                url: url.clone(),
                headers: headers.clone(),
                body: if body.is_empty() {
                    Body::Empty
                } else {
                    Body::Bytes(body.clone())
                },
                kind: RequestKind::Api,
            };
            let can_retry = attempt < policy.max_attempts;
            match self.inner.transport.send(request).await {
                Err(source) => {
                    if can_retry
                        && source.is_transient()
                        && (repeatable || source.certainly_not_sent())
                    {
                        let wait = policy.backoff(attempt);
                        tracing::warn!(attempt, error = %source, wait_ms = wait.as_millis() as u64, "transport failure, retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(Error::Transport {
                        operation: meta.name,
                        source,
                    });
                }
                Ok(response) if (200..300).contains(&response.status) => return Ok(response),
                Ok(response) => {
                    let err = read_error(meta.name, response).await;
                    match self.retry_decision(&err, attempt, repeatable) {
                        Decision::Retry(wait) => {
                            tracing::warn!(
                                attempt,
                                status = err.status,
                                wait_ms = wait.as_millis() as u64,
                                "retrying"
                            );
                            tokio::time::sleep(wait).await;
                        }
                        Decision::Fail => return Err(into_error(meta.name, err, policy)),
                    }
                }
            }
        }
    }

    fn retry_decision(&self, err: &ApiError, attempt: u32, repeatable: bool) -> Decision {
        let policy = &self.inner.retry;
        if attempt >= policy.max_attempts {
            return Decision::Fail;
        }
        if err.status == 429 {
            // Rejected before processing: safe to repeat even for non-idempotent calls.
            let wait = err.retry_after.unwrap_or_else(|| policy.backoff(attempt));
            return if wait > policy.max_retry_after {
                Decision::Fail
            } else {
                Decision::Retry(wait)
            };
        }
        if err.is_transient() && repeatable {
            let wait = err.retry_after.unwrap_or_else(|| policy.backoff(attempt));
            if wait <= policy.max_retry_after {
                return Decision::Retry(wait.max(policy.backoff(attempt)));
            }
        }
        Decision::Fail
    }

    /// Sends a request to an absolute URL outside the API root (a pre-signed URL, the status
    /// service): no bearer token, no throttling. Retried on transient
    /// failures when the method is idempotent and the body can be replayed (uploads of in-memory
    /// parts with `PUT`, downloads with `GET`).
    pub async fn send_to_url(&self, request: UrlRequest) -> Result<HttpResponse, Error> {
        const OP: &str = "presigned";
        let url = Url::parse(&request.url).map_err(|e| Error::InvalidRequest {
            operation: OP,
            message: format!("bad pre-signed URL: {e}"),
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(http::header::USER_AGENT, self.inner.user_agent.clone());
        for (name, value) in &request.headers {
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                (Ok(n), Ok(v)) => {
                    headers.insert(n, v);
                }
                _ => {
                    return Err(Error::InvalidRequest {
                        operation: OP,
                        message: format!("header {name:?} from the API is not a valid header"),
                    });
                }
            }
        }
        let policy = &self.inner.retry;
        let idempotent = matches!(
            request.method,
            Method::GET | Method::PUT | Method::HEAD | Method::DELETE
        );
        let mut body = Some(request.body);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(current) = body.take() else {
                return Err(Error::InvalidRequest {
                    operation: OP,
                    message: "a streamed body cannot be sent twice".into(),
                });
            };
            let replay = current.try_clone();
            let can_retry = attempt < policy.max_attempts && idempotent && replay.is_some();
            let req = HttpRequest {
                method: request.method.clone(),
                url: url.clone(),
                headers: headers.clone(),
                body: current,
                kind: RequestKind::Transfer,
            };
            let outcome = self.inner.transport.send(req).await;
            body = replay;
            match outcome {
                Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp),
                Ok(resp) => {
                    // A redirect is a failure too: storage never redirects a pre-signed
                    // transfer, and an upload "answered" by a 3xx did not store the part.
                    let err = read_error(OP, resp).await;
                    if can_retry && err.is_transient() {
                        tokio::time::sleep(
                            err.retry_after
                                .unwrap_or_else(|| policy.backoff(attempt))
                                .min(policy.max_retry_after),
                        )
                        .await;
                        continue;
                    }
                    return Err(Error::Api(Box::new(err)));
                }
                Err(source) if can_retry && source.is_transient() => {
                    tracing::warn!(attempt, error = %source, "pre-signed request failed, retrying");
                    tokio::time::sleep(policy.backoff(attempt)).await;
                }
                Err(source) => {
                    return Err(Error::Transport {
                        operation: OP,
                        source,
                    });
                }
            }
        }
    }
}

enum Decision {
    Retry(Duration),
    Fail,
}

async fn read_error(operation: &'static str, response: HttpResponse) -> ApiError {
    let content_type = response
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let wait = retry_after(&response.headers, SystemTime::now());
    let body = response
        .body
        .collect(ERROR_BODY_LIMIT)
        .await
        .unwrap_or_default();
    parse_error_body(
        operation,
        response.status,
        content_type.as_deref(),
        &body,
        wait,
    )
}

/// The error for an answer that is not retried (again). A 429 is always
/// [`Error::RateLimited`] — whether its wait is beyond the cap or the retries ran out — never a
/// plain [`Error::Api`]: the request was refused unprocessed, which callers must not read as
/// KSeF rejecting it.
fn into_error(operation: &'static str, err: ApiError, policy: &RetryPolicy) -> Error {
    if err.status == 429 {
        return Error::RateLimited {
            operation,
            retry_after: err.retry_after.unwrap_or(policy.max_delay),
            response: Box::new(err),
        };
    }
    Error::Api(Box::new(err))
}

fn warnings_of(meta: &OperationMeta, headers: &HeaderMap) -> Vec<SystemWarning> {
    let warnings: Vec<SystemWarning> = headers
        .get_all("x-system-warning")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_system_warnings)
        .collect();
    for w in &warnings {
        tracing::warn!(operation = meta.name, code = %w.code, message = %w.message, "KSeF system warning");
    }
    warnings
}

fn to_http_method(m: ksef_model::catalogue::Method) -> Method {
    use ksef_model::catalogue::Method as M;
    match m {
        M::Get => Method::GET,
        M::Post => Method::POST,
        M::Put => Method::PUT,
        M::Patch => Method::PATCH,
        M::Delete => Method::DELETE,
    }
}
