//! Error responses in both of the API's shapes.
//!
//! Handlers return [`EmuError`]; the response it produces carries the error as an extension and
//! the `error_format` middleware renders it: problem details (`application/problem+json`) for
//! 401/403/404/405/410 always and for 400/429 when the request sent
//! `X-Error-Format: problem-details`, otherwise the legacy `ExceptionResponse` (400) or
//! `{"status": {…}}` (429) body.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One entry of the error list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorItem {
    /// KSeF exception code.
    pub code: i64,
    /// Description.
    pub description: String,
    /// Details.
    pub details: Vec<String>,
}

/// An error answer of the emulator (boxed: handlers return it in `Result`s, so it stays one
/// pointer wide; its fields are reached through `Deref`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EmuError(Box<ErrorBody>);

impl std::ops::Deref for EmuError {
    type Target = ErrorBody;

    fn deref(&self) -> &ErrorBody {
        &self.0
    }
}

impl std::ops::DerefMut for EmuError {
    fn deref_mut(&mut self) -> &mut ErrorBody {
        &mut self.0
    }
}

/// The contents of an [`EmuError`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorBody {
    /// HTTP status.
    pub status: StatusCode,
    /// Error list (400).
    pub errors: Vec<ErrorItem>,
    /// Problem `detail`.
    pub detail: String,
    /// 403 `reasonCode`.
    pub reason_code: Option<&'static str>,
    /// 403 `security`.
    pub security: Option<Value>,
    /// 429 `Retry-After` seconds.
    pub retry_after: Option<u64>,
}

impl EmuError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self(Box::new(ErrorBody {
            status,
            errors: Vec::new(),
            detail: detail.into(),
            reason_code: None,
            security: None,
            retry_after: None,
        }))
    }

    /// 400 with one KSeF exception code.
    pub(crate) fn bad_request(
        code: i64,
        description: impl Into<String>,
        details: impl IntoIterator<Item = String>,
    ) -> Self {
        let description = description.into();
        let mut e = Self::new(StatusCode::BAD_REQUEST, description.clone());
        e.errors.push(ErrorItem {
            code,
            description,
            details: details.into_iter().collect(),
        });
        e
    }

    /// 400/21405: input validation failed.
    pub(crate) fn validation(detail: impl Into<String>) -> Self {
        Self::bad_request(21405, "Błąd walidacji danych wejściowych.", [detail.into()])
    }

    /// 401.
    pub(crate) fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 403 with a reason code and security data.
    pub(crate) fn forbidden(
        reason_code: &'static str,
        detail: impl Into<String>,
        security: Value,
    ) -> Self {
        let mut e = Self::new(StatusCode::FORBIDDEN, detail);
        e.reason_code = Some(reason_code);
        e.security = Some(security);
        e
    }

    /// 404.
    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 405.
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Metoda nie jest obsługiwana dla tego zasobu.",
        )
    }

    /// 410: the resource existed but its data is no longer kept.
    pub(crate) fn gone(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, detail)
    }

    /// 429 with `Retry-After`.
    pub(crate) fn too_many_requests(retry_after: u64, detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, detail);
        e.retry_after = Some(retry_after);
        e
    }

    /// 500.
    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, detail)
    }

    /// Renders the error for a request to `instance`.
    pub(crate) fn render(&self, instance: &str, problem_details: bool, trace_id: &str) -> Response {
        let now = crate::clock::now_rfc3339();
        let title = self.status.canonical_reason().unwrap_or("Error");
        let legacy =
            !problem_details && matches!(self.status.as_u16(), 400 | 429 | 500 | 502 | 503);
        let (content_type, body) = if legacy && self.status == StatusCode::TOO_MANY_REQUESTS {
            (
                "application/json",
                json!({"status": {"code": 429, "description": title, "details": [self.detail]}}),
            )
        } else if legacy {
            let list: Vec<Value> = if self.errors.is_empty() {
                vec![
                    json!({"exceptionCode": self.status.as_u16(), "exceptionDescription": self.detail, "details": []}),
                ]
            } else {
                self.errors
                    .iter()
                    .map(|e| json!({"exceptionCode": e.code, "exceptionDescription": e.description, "details": e.details}))
                    .collect()
            };
            (
                "application/json",
                json!({"exception": {
                    "exceptionDetailList": list,
                    "referenceNumber": crate::ids::reference_number("ER", time::OffsetDateTime::now_utc()),
                    "serviceCode": trace_id,
                    "serviceCtx": "srvEMU",
                    "serviceName": "ksef-emulator",
                    "timestamp": now,
                }}),
            )
        } else {
            let mut body = json!({
                "title": title,
                "status": self.status.as_u16(),
                "instance": instance,
                "detail": self.detail,
                "timestamp": now,
                "traceId": trace_id,
            });
            if self.status == StatusCode::BAD_REQUEST {
                body["errors"] = self
                    .errors
                    .iter()
                    .map(|e| json!({"code": e.code, "description": e.description, "details": e.details}))
                    .collect();
            }
            if let Some(reason) = self.reason_code {
                body["reasonCode"] = json!(reason);
                body["security"] = self.security.clone().unwrap_or_else(|| json!({}));
            }
            ("application/problem+json", body)
        };
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        if let Some(seconds) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

impl IntoResponse for EmuError {
    fn into_response(self) -> Response {
        // Rendered finally by the `error_format` middleware, which knows the request.
        let mut response = self.render("", true, "");
        response.extensions_mut().insert(self);
        response
    }
}

/// A handler result.
pub(crate) type EmuResult<T> = Result<T, EmuError>;
