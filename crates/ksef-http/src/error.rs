//! The error type of API calls, keeping everything the server said.

use std::time::Duration;

use ksef_model::ExceptionCode;
use serde_json::Value;

use crate::transport::TransportError;

/// One entry of the server's error list (`exceptionDetailList` in the legacy shape, `errors` in
/// problem details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionDetail {
    /// The KSeF exception code (e.g. 21405).
    pub code: i64,
    /// The description.
    pub description: String,
    /// Extra details.
    pub details: Vec<String>,
}

impl ExceptionDetail {
    /// The code by name ([`ExceptionCode::Unknown`] for a code the spec does not list).
    pub fn exception_code(&self) -> ExceptionCode {
        ExceptionCode::from_code(self.code)
    }
}

/// Problem details (`application/problem+json`) fields beyond the error list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Problem {
    /// `title`
    pub title: Option<String>,
    /// `detail`
    pub detail: Option<String>,
    /// `instance`
    pub instance: Option<String>,
    /// `reasonCode` (403: `missing-permissions`, `ip-not-allowed`, …).
    pub reason_code: Option<String>,
    /// `security` (403): required/present permissions, client IP, incident id, …
    pub security: Option<serde_json::Map<String, Value>>,
    /// `timestamp`
    pub timestamp: Option<String>,
}

/// A non-success HTTP response from the API.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The operation name from the catalogue (or `"presigned"` for storage URLs).
    pub operation: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Every exception code, description and details.
    pub details: Vec<ExceptionDetail>,
    /// Problem-details fields, when the body was problem+json.
    pub problem: Option<Problem>,
    /// Trace id (`traceId`, or the legacy `referenceNumber`/`serviceCode` of the exception).
    pub trace_id: Option<String>,
    /// Whether the body was an HTML page (a WAF or gateway page, not the API itself).
    pub html: bool,
    /// The start of the body when it could not be read as a known shape.
    pub body_excerpt: Option<String>,
    /// `Retry-After`, when the response carried one.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Whether repeating the same request later may succeed (rate limiting, gateway and
    /// availability errors, WAF pages).
    pub fn is_transient(&self) -> bool {
        matches!(self.status, 429 | 502 | 503 | 504) || (self.html && self.status >= 500)
    }

    /// Whether the error list contains `code` (e.g. [`ExceptionCode::UnknownPublicKey`]).
    pub fn has_code(&self, code: ExceptionCode) -> bool {
        self.details.iter().any(|d| d.code == code.code())
    }

    /// The first exception code, if any.
    pub fn code(&self) -> Option<ExceptionCode> {
        self.details.first().map(ExceptionDetail::exception_code)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        for d in &self.details {
            write!(f, "; [{}] {}", d.code, d.description)?;
            if !d.details.is_empty() {
                write!(f, " ({})", d.details.join("; "))?;
            }
        }
        if let Some(p) = &self.problem {
            if let Some(reason) = &p.reason_code {
                write!(f, "; reason: {reason}")?;
            }
            if self.details.is_empty()
                && let Some(detail) = p.detail.as_ref().or(p.title.as_ref())
            {
                write!(f, "; {detail}")?;
            }
        }
        if self.html {
            f.write_str("; an HTML error page (WAF or gateway) was returned")?;
        }
        if let (Some(excerpt), true) = (&self.body_excerpt, self.details.is_empty()) {
            write!(f, "; body: {excerpt}")?;
        }
        if let Some(t) = &self.trace_id {
            write!(f, " (trace id {t})")?;
        }
        Ok(())
    }
}

/// The error of an API call.
///
/// `#[non_exhaustive]`: later versions may add variants; keep a `_` arm when matching.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The API answered 429 and the request was given up: the wait it asked for is longer than
    /// the configured cap, or it still answered 429 after every retry the policy allows. The
    /// request was refused unprocessed; it may be sent again later.
    #[error("{operation} is rate limited: retry after {retry_after:?}")]
    RateLimited {
        /// The operation.
        operation: &'static str,
        /// How long the server asked to wait (the policy's longest backoff when it named no
        /// wait).
        retry_after: Duration,
        /// The 429 response as received.
        response: Box<ApiError>,
    },
    /// The request did not complete below HTTP.
    #[error("{operation}: transport failure: {source}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// What happened.
        #[source]
        source: TransportError,
    },
    /// The success response could not be decoded into its type.
    #[error("{source}")]
    Decode {
        /// The decoding error (names the operation, line and column).
        #[source]
        source: ksef_model::catalogue::DecodeError,
    },
    /// The request could not be encoded or built.
    #[error("cannot build the request for {operation}: {message}")]
    InvalidRequest {
        /// The operation.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Whether trying the same call again later makes sense.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_transient(),
            Error::RateLimited { .. } => true,
            Error::Transport { source, .. } => source.is_transient(),
            Error::Decode { .. } | Error::InvalidRequest { .. } => false,
        }
    }

    /// Whether a non-idempotent call that failed with this error may nevertheless have been
    /// received — and committed — by KSeF, so that its outcome is unknown until reconciled:
    /// a transport failure after the request may have left (timeout, reset), any 5xx (a plain
    /// 500/503 from the API, a gateway's 502/504 or an HTML page in front of it may all come
    /// after the API committed), or a 2xx whose body could not be decoded. A 4xx, a 429 and a
    /// request that never left are definite: nothing was done.
    pub fn may_have_reached_server(&self) -> bool {
        match self {
            Error::Transport { source, .. } => source.may_have_been_sent(),
            Error::Api(e) => e.status >= 500,
            Error::Decode { .. } => true,
            Error::RateLimited { .. } | Error::InvalidRequest { .. } => false,
        }
    }

    /// The API error, when the server answered with one (including rate limiting).
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::RateLimited { response, .. } => Some(response),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    /// Whether the server's error list contains `code`.
    pub fn has_code(&self, code: ExceptionCode) -> bool {
        self.api().is_some_and(|e| e.has_code(code))
    }
}

/// Reads an error body in any of the API's shapes: legacy `ExceptionResponse`, problem details
/// (400/401/403/410/429), the legacy 429 `{status:{…}}`, or an HTML page.
pub fn parse_error_body(
    operation: &'static str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    retry_after: Option<Duration>,
) -> ApiError {
    let mut err = ApiError {
        operation,
        status,
        details: Vec::new(),
        problem: None,
        trace_id: None,
        html: false,
        body_excerpt: None,
        retry_after,
    };
    let text = String::from_utf8_lossy(body);
    let looks_html = content_type.is_some_and(|c| c.contains("html"))
        || text.trim_start().get(..1) == Some("<") && text.to_ascii_lowercase().contains("<html");
    if looks_html {
        err.html = true;
        err.body_excerpt = Some(excerpt(&strip_tags(&text)));
        return err;
    }
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        if !text.trim().is_empty() {
            err.body_excerpt = Some(excerpt(&text));
        }
        return err;
    };
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let list = |v: Option<&Value>| -> Vec<ExceptionDetail> {
        v.and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|item| ExceptionDetail {
                        code: item
                            .get("exceptionCode")
                            .or_else(|| item.get("code"))
                            .and_then(Value::as_i64)
                            .unwrap_or_default(),
                        description: s(item, "exceptionDescription")
                            .or_else(|| s(item, "description"))
                            .unwrap_or_default(),
                        details: strings(item.get("details")),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(exception) = json.get("exception") {
        err.details = list(exception.get("exceptionDetailList"));
        err.trace_id = s(exception, "referenceNumber").or_else(|| s(exception, "serviceCode"));
    } else if let Some(st) = json.get("status").filter(|v| v.is_object()) {
        // Legacy 429: {"status":{"code":429,"description":…,"details":[…]}}
        err.details = vec![ExceptionDetail {
            code: st
                .get("code")
                .and_then(Value::as_i64)
                .unwrap_or(i64::from(status)),
            description: s(st, "description").unwrap_or_default(),
            details: strings(st.get("details")),
        }];
    } else if json.get("title").is_some()
        || json.get("detail").is_some()
        || json.get("errors").is_some()
    {
        err.details = list(json.get("errors"));
        err.trace_id = s(&json, "traceId");
        err.problem = Some(Problem {
            title: s(&json, "title"),
            detail: s(&json, "detail"),
            instance: s(&json, "instance"),
            reason_code: s(&json, "reasonCode"),
            security: json.get("security").and_then(Value::as_object).cloned(),
            timestamp: s(&json, "timestamp"),
        });
    } else {
        err.body_excerpt = Some(excerpt(&text));
    }
    err
}

/// The strings of a JSON array (other items and non-arrays give nothing).
fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn excerpt(text: &str) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = collapsed.chars().take(300).collect();
    if collapsed.chars().count() > 300 {
        out.push('…');
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
