//! The operation catalogue: static metadata about every API operation and the [`Operation`]
//! trait that every generated request type implements.
//!
//! Requests are plain data. A transport turns one into an HTTP call with
//! [`Operation::path`], [`Operation::query`], [`Operation::headers`] and [`Operation::body`], and
//! turns the success response back into a typed value with [`Operation::decode_response`]. The
//! [`OperationMeta`] of each operation carries what policies need: the rate-limit group and limits,
//! whether a bearer token is required, the pagination style and the documented error codes.

use std::fmt;

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method name in upper case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether repeating the request has no additional effect (RFC 9110 §9.2.2). Retry
    /// policies use this: a non-idempotent request is not repeated blindly once it may have
    /// reached the server.
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The request limits of an operation (`x-rate-limits`), counted per (context, client IP) in
/// sliding windows of one second, one minute and one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// The limit group named in the operation's 429 documentation (`onlineSession`,
    /// `invoiceSend`, `other`, …). Operations of one group share the counters; `None` when the
    /// spec names no group: such an operation counts in [`ANONYMOUS_GROUP`]
    /// (see [`RateLimit::group_name`]).
    pub group: Option<&'static str>,
    /// Requests per second.
    pub per_second: Option<u32>,
    /// Requests per minute.
    pub per_minute: Option<u32>,
    /// Requests per hour.
    pub per_hour: Option<u32>,
}

/// The group of the operations whose 429 documentation names no group: since API 2.9 the
/// anonymous (not authenticated) operations share one set of counters under this name
/// (`EffectiveApiRateLimits.anonymous`).
pub const ANONYMOUS_GROUP: &str = "anonymous";

/// The group counting every operation per client IP address (`EffectiveApiRateLimits.global`,
/// API 2.9), on top of the operation's own group.
pub const GLOBAL_GROUP: &str = "global";

/// The default limits of [`GLOBAL_GROUP`], as the 2.9 spec's example of `GET /rate-limits`
/// states them: 75 requests per second, no minute or hour limit. (No operation's
/// `x-rate-limits` carries them.)
pub const GLOBAL_RATE_LIMIT: RateLimit = RateLimit {
    group: Some(GLOBAL_GROUP),
    per_second: Some(75),
    per_minute: None,
    per_hour: None,
};

impl RateLimit {
    /// The group whose counters the operation shares: the one its 429 documentation names,
    /// else [`ANONYMOUS_GROUP`].
    pub fn group_name(&self) -> &'static str {
        self.group.unwrap_or(ANONYMOUS_GROUP)
    }

    /// The limits per window of [`RATE_WINDOWS`] (`None`: no limit).
    pub fn windows(&self) -> [Option<u32>; 3] {
        [self.per_second, self.per_minute, self.per_hour]
    }
}

/// The three sliding windows the API counts requests in: one second, one minute, one hour.
pub const RATE_WINDOWS: [std::time::Duration; 3] = [
    std::time::Duration::from_secs(1),
    std::time::Duration::from_secs(60),
    std::time::Duration::from_secs(3600),
];

/// How long to wait before one more request fits every window, given the ages of the earlier
/// requests (time since each was sent), **newest first**, and the limit per window of
/// [`RATE_WINDOWS`] (`None`: no limit; `Some(0)`: nothing is allowed for the whole window).
/// Shared by the client's throttle and the emulator's enforcement, so both count alike.
pub fn sliding_window_wait<I>(
    ages_newest_first: I,
    limits: [Option<usize>; 3],
) -> std::time::Duration
where
    I: Iterator<Item = std::time::Duration> + Clone,
{
    let mut wait = std::time::Duration::ZERO;
    for (window, limit) in RATE_WINDOWS.iter().zip(limits) {
        match limit {
            None => {}
            Some(0) => wait = wait.max(*window),
            // The n-th newest request must leave the window before one more fits.
            Some(n) => {
                if let Some(age) = ages_newest_first.clone().nth(n - 1)
                    && age < *window
                {
                    wait = wait.max(*window - age);
                }
            }
        }
    }
    wait
}

/// How an operation returns long results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pagination {
    /// Not paginated.
    None,
    /// Request header `x-continuation-token`, answered by `continuationToken` in the body; an
    /// absent or empty token means the last page.
    ContinuationToken,
    /// Query parameters `pageOffset` and `pageSize`; the body says whether there is more.
    PageOffset,
}

/// The kind of a request or response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// No body.
    None,
    /// `application/json`.
    Json,
    /// `application/xml` (or another XML media type).
    Xml,
    /// Raw bytes (`application/octet-stream` or any other media type).
    Binary,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A `{name}` segment of the path template.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamMeta {
    /// The name on the wire.
    pub name: &'static str,
    /// Where it travels.
    pub location: ParamLocation,
    /// Whether the spec requires it.
    pub required: bool,
    /// Whether it is an array sent as a repeated key (`?a=1&a=2`).
    pub repeated: bool,
}

/// Static metadata of one API operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationMeta {
    /// Stable snake_case name derived from the method and path (the spec has no operation ids),
    /// e.g. `get_sessions_by_reference_number`.
    pub name: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template relative to the API root, e.g. `/sessions/{referenceNumber}`.
    pub path: &'static str,
    /// The spec's tag (the API area, in Polish).
    pub tag: &'static str,
    /// The spec's one-line summary (Polish).
    pub summary: &'static str,
    /// The documented success status.
    pub success_status: u16,
    /// Media type of the request body, if any.
    pub request_content_type: Option<&'static str>,
    /// Kind of the request body.
    pub request_body: BodyKind,
    /// Media type of the success response body, if any.
    pub response_content_type: Option<&'static str>,
    /// Kind of the success response body.
    pub response_body: BodyKind,
    /// Name of the component schema of the request body, if it is one.
    pub request_schema: Option<&'static str>,
    /// Name of the component schema of the success response (for arrays, of the items).
    pub response_schema: Option<&'static str>,
    /// Whether the success response is a JSON array of `response_schema`.
    pub response_is_array: bool,
    /// Rate limits (`x-rate-limits`), if the spec gives them.
    pub rate_limit: Option<RateLimit>,
    /// Permissions of which at least one is required (`x-required-permissions`).
    pub required_permissions: &'static [&'static str],
    /// Whether an access token (`Authorization: Bearer`) must be sent.
    pub requires_bearer: bool,
    /// Pagination style.
    pub pagination: Pagination,
    /// Every parameter of the operation.
    pub params: &'static [ParamMeta],
    /// Response headers documented for the success status (e.g. `x-ms-meta-hash`).
    pub response_headers: &'static [&'static str],
    /// Error statuses documented for the operation.
    pub error_statuses: &'static [u16],
    /// Exception codes listed in the operation's 400 documentation.
    pub exception_codes: &'static [u32],
    /// Whether the spec marks the operation deprecated.
    pub deprecated: bool,
}

impl OperationMeta {
    /// Whether an interrupted call may be repeated without risk of doing the work twice.
    pub const fn is_idempotent(&self) -> bool {
        self.method.is_idempotent()
    }
}

/// A request body ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestBody {
    /// The `Content-Type` to send.
    pub content_type: &'static str,
    /// The encoded body.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies may carry signed documents or encrypted invoices: show only their size.
        f.debug_struct("RequestBody")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A raw (non-JSON) response body such as an invoice or UPO XML document.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawBody(pub Vec<u8>);

impl RawBody {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the body and returns the bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The body as UTF-8 text.
    pub fn to_text(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.0)
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawBody({} bytes)", self.0.len())
    }
}

/// A request could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// JSON serialization failed.
    #[error("cannot encode the request body as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A success response could not be decoded into its type.
#[derive(Debug, thiserror::Error)]
#[error("cannot decode the response of {operation}: {source}")]
pub struct DecodeError {
    /// The operation name.
    pub operation: &'static str,
    /// The underlying JSON error (with line and column).
    #[source]
    pub source: serde_json::Error,
}

/// An API operation as plain data, implemented by every generated request type.
pub trait Operation {
    /// The decoded success response.
    type Response;

    /// Static metadata of the operation.
    const META: &'static OperationMeta;

    /// The path relative to the API root with every path parameter filled in and
    /// percent-encoded.
    fn path(&self) -> String;

    /// Query parameters in order; array parameters appear once per element.
    fn query(&self) -> Vec<(&'static str, String)>;

    /// Header parameters.
    fn headers(&self) -> Vec<(&'static str, String)>;

    /// The request body, if the operation has one.
    fn body(&self) -> Result<Option<RequestBody>, EncodeError>;

    /// Decodes a success response body.
    fn decode_response(body: &[u8]) -> Result<Self::Response, DecodeError>;
}

/// Decodes a JSON body for an operation (helper for generated code).
pub fn decode_json<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<T, DecodeError> {
    serde_json::from_slice(body).map_err(|source| DecodeError { operation, source })
}

/// Encodes a JSON body (helper for generated code).
pub fn encode_json<T: serde::Serialize>(value: &T) -> Result<Option<RequestBody>, EncodeError> {
    Ok(Some(RequestBody {
        content_type: "application/json",
        bytes: serde_json::to_vec(value)?,
    }))
}

/// Finds an operation by method and path template.
pub fn find(
    operations: &'static [&'static OperationMeta],
    method: Method,
    path: &str,
) -> Option<&'static OperationMeta> {
    operations
        .iter()
        .copied()
        .find(|op| op.method == method && op.path == path)
}

/// Where the next page of a paginated operation starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageInfo {
    /// The continuation token of the page (`None` or empty on the last page).
    pub continuation_token: Option<String>,
    /// Whether more results follow (page-offset operations).
    pub has_more: Option<bool>,
}

/// An operation whose results come in pages, implemented by the generated request types of
/// every paginated operation whose response has a single list.
pub trait Paginated: Operation {
    /// One result.
    type Item;

    /// Splits a response into its items and the information about the next page.
    fn into_page(response: Self::Response) -> (Vec<Self::Item>, PageInfo);

    /// Moves the request to the next page; `false` when the page was the last one.
    fn advance(&mut self, page: &PageInfo) -> bool;

    /// Asks for the largest pages the API allows unless the caller chose a page size, so that
    /// reading every page takes the fewest (rate-limited) requests. Operations without a page
    /// size leave the request as it is.
    fn use_largest_pages(&mut self) {}
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::sliding_window_wait;

    #[test]
    fn windows() {
        let ms = |v: u64| Duration::from_millis(v);
        // 2 per second, the 2nd newest sent 300 ms ago: wait 700 ms.
        assert_eq!(
            sliding_window_wait([ms(100), ms(300)].into_iter(), [Some(2), None, None]),
            ms(700)
        );
        assert_eq!(
            sliding_window_wait([ms(100)].into_iter(), [Some(2), None, None]),
            Duration::ZERO
        );
        assert_eq!(
            sliding_window_wait([ms(100), ms(1500)].into_iter(), [Some(2), None, None]),
            Duration::ZERO
        );
        // The minute window binds.
        let ages = (0..10).map(|i| Duration::from_secs(i * 5 + 2));
        assert_eq!(
            sliding_window_wait(ages, [Some(5), Some(10), None]),
            Duration::from_secs(13)
        );
        assert_eq!(
            sliding_window_wait(std::iter::empty(), [Some(0), None, None]),
            Duration::from_secs(1)
        );
    }
}
