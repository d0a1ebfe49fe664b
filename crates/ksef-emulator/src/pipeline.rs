//! The request pipeline every API call goes through, driven by the operation catalogue:
//! operation lookup (404/405), fault injection, token validation (401), permission checks
//! (403 `missing-permissions`), request limits (429 + `Retry-After`), error rendering in the
//! requested format, and `X-System-Warning`. Whatever a handler or an extractor refuses without
//! an `EmuError` (axum's plain-text rejections of bodies, query strings and paths, an
//! oversized body) becomes the API's 400/21405, so every 4xx of an operation is one the spec
//! documents for it; a panic becomes a JSON 500 (see [`catch_panic`]).

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ksef_model::catalogue::OperationMeta;
use ksef_model::operations::OPERATIONS;
use serde_json::json;

use crate::app_state::AppState;
use crate::conn::Connection;
use crate::error::EmuError;
use crate::faults::Fault;
use crate::jwt::{Claims, TokenKind};

/// The API prefix.
pub const PREFIX: &str = "/v2";

/// The authenticated caller of an operation that needs a token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's claims.
    pub claims: Claims,
    /// The raw token (for operations that act on "the current" token).
    pub token: String,
}

impl Caller {
    /// The context the caller works in, as an identifier.
    pub(crate) fn context(&self) -> crate::state::Ident {
        crate::state::Ident::new(self.claims.ctx_type.clone(), self.claims.ctx.clone())
    }

    /// The caller's subject, as an identifier.
    pub(crate) fn subject(&self) -> crate::state::Ident {
        crate::state::Ident::new(self.claims.sub_type.clone(), self.claims.sub.clone())
    }
}

/// The operation a request was resolved to.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedOperation(pub &'static OperationMeta);

type Template = (&'static OperationMeta, Vec<Option<&'static str>>);

fn templates() -> &'static Vec<Template> {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| {
        OPERATIONS
            .iter()
            .map(|op| {
                let segs = op
                    .path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| if s.starts_with('{') { None } else { Some(s) })
                    .collect();
                (*op, segs)
            })
            .collect()
    })
}

/// Finds the operation for a method and a path below the API prefix. Literal segments win over
/// parameters (`/auth/sessions` is not `/auth/{referenceNumber}`). `Err(true)` when the path
/// exists with other methods (405), `Err(false)` when it does not exist (404).
pub fn resolve(method: &Method, path: &str) -> Result<&'static OperationMeta, bool> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<(&'static OperationMeta, usize)> = None;
    let mut path_exists = false;
    for (op, template) in templates() {
        if template.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let matches = template.iter().zip(&segs).all(|(t, s)| match t {
            Some(lit) => {
                literal += 1;
                lit == s
            }
            None => !s.is_empty(),
        });
        if !matches {
            continue;
        }
        path_exists = true;
        if op.method.as_str() == method.as_str() && best.is_none_or(|(_, l)| literal > l) {
            best = Some((op, literal));
        }
    }
    best.map(|(op, _)| op).ok_or(path_exists)
}

fn expected_token(op: &OperationMeta) -> TokenKind {
    match op.name {
        "get_auth_by_reference_number" | "post_auth_token_redeem" => TokenKind::Operation,
        "post_auth_token_refresh" => TokenKind::Refresh,
        _ => TokenKind::Access,
    }
}

fn bearer(request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_owned())
}

fn trace_id() -> String {
    let n: u64 = rand::random();
    format!("emu-{n:016x}")
}

/// The middleware. Wrap the API router with `axum::middleware::from_fn_with_state`.
pub async fn pipeline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with(PREFIX) {
        return checks(state, request, next).await;
    }
    let (parts, body) = request.into_parts();
    let (body, remainder) = crate::extract::share(body);
    let response = checks(state, Request::from_parts(parts, body), next).await;
    remainder.drain().await;
    response
}

async fn checks(state: AppState, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let connection = request
        .extensions()
        .get::<ConnectInfo<Connection>>()
        .map(|c| c.0.clone());
    if let Some(c) = &connection {
        request.extensions_mut().insert(ConnectInfo(c.addr));
    }
    let problem = request
        .headers()
        .get("x-error-format")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("problem-details"));
    let finish = |e: EmuError| e.render(&path, problem, &trace_id());

    // Pre-signed storage URLs live outside the API prefix and have their own checks.
    let Some(api_path) = path.strip_prefix(PREFIX) else {
        let response = next.run(request).await;
        return render_error(response, &path, problem);
    };
    let op = match resolve(request.method(), api_path) {
        Ok(op) => op,
        Err(true) => return finish(EmuError::method_not_allowed()),
        Err(false) => {
            return finish(EmuError::not_found(format!(
                "Nie znaleziono zasobu {path}."
            )));
        }
    };
    request.extensions_mut().insert(ResolvedOperation(op));

    let fault = state.faults().draw(op.name);
    match fault {
        Fault::InternalError => {
            return finish(EmuError::internal("Wstrzyknięty błąd serwera (emulator)."));
        }
        Fault::BadGateway => return (StatusCode::BAD_GATEWAY, "Bad Gateway").into_response(),
        Fault::Unavailable => {
            let mut e = EmuError::internal("Usługa chwilowo niedostępna (emulator).");
            e.status = StatusCode::SERVICE_UNAVAILABLE;
            return finish(e);
        }
        Fault::WafHtml => {
            let page = "<html><head><title>Request Rejected</title></head><body><h1>Service Unavailable</h1>\
                        <p>The requested URL was rejected. Please consult with your administrator.</p>\
                        <p>Your support ID is: 1234567890123456789</p></body></html>";
            let mut r = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
            r.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            return r;
        }
        Fault::TooManyRequests => {
            let seconds = state.faults().retry_after_secs();
            return finish(EmuError::too_many_requests(
                seconds,
                format!("Przekroczono limit żądań. Spróbuj ponownie po {seconds} sekundach."),
            ));
        }
        Fault::Reset => return reset(connection.as_ref()),
        Fault::Slow => {
            tokio::time::sleep(std::time::Duration::from_millis(state.faults().slow_ms())).await
        }
        Fault::None | Fault::DropAfterCommit => {}
    }

    let mut who = "anonymous".to_owned();
    if op.requires_bearer {
        let Some(token) = bearer(&request) else {
            return finish(EmuError::unauthorized("Brak tokenu uwierzytelniającego."));
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = match crate::jwt::verify(state.jwt_secret(), &token, now) {
            Ok(c) => c,
            Err(why) => {
                return finish(EmuError::unauthorized(format!(
                    "Nieprawidłowy token: {why}."
                )));
            }
        };
        if claims.typ != expected_token(op) {
            return finish(EmuError::unauthorized(
                "Nieprawidłowy rodzaj tokenu dla tej operacji.",
            ));
        }
        if !op.required_permissions.is_empty()
            && !op
                .required_permissions
                .iter()
                .any(|p| claims.perms.iter().any(|h| h == p))
        {
            return finish(EmuError::forbidden(
                "missing-permissions",
                "Brak wymaganych uprawnień do wykonania operacji.",
                json!({"requiredAnyOfPermissions": op.required_permissions, "presentPermissions": claims.perms}),
            ));
        }
        who = format!("{}:{}", claims.ctx_type, claims.ctx);
        request.extensions_mut().insert(Caller { claims, token });
    }

    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".to_owned());
    if let Err(seconds) = state.limiter().check(op, &who, &ip) {
        return finish(EmuError::too_many_requests(
            seconds,
            format!("Przekroczono limit żądań. Spróbuj ponownie po {seconds} sekundach."),
        ));
    }

    let mut response = next.run(request).await;
    if fault == Fault::DropAfterCommit {
        // The handler has run: whatever it changed is committed. The answer is lost.
        return reset(connection.as_ref());
    }
    if response.status().is_client_error() && response.extensions().get::<EmuError>().is_none() {
        response = rejection(response).await;
    }
    if response.status().is_success()
        && let Some(warning) = &state.config().system_warning
        && let Ok(v) = HeaderValue::from_str(warning)
    {
        response.headers_mut().insert("x-system-warning", v);
    }
    render_error(response, &path, problem)
}

fn render_error(response: Response, path: &str, problem: bool) -> Response {
    match response.extensions().get::<EmuError>() {
        Some(e) => e.render(path, problem, &trace_id()),
        None => response,
    }
}

/// A 4xx that did not come from the emulator's own checks (an extractor's plain-text rejection
/// of the body, the query string or the path; axum's 413 for an oversized body) as the API's
/// validation error 400/21405, keeping the reason as its detail.
async fn rejection(response: Response) -> Response {
    let status = response.status();
    let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "Treść żądania przekracza dopuszczalny rozmiar.".to_owned()
    } else {
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).trim().to_owned();
        if text.is_empty() {
            format!("Nieprawidłowe żądanie ({status}).")
        } else {
            text
        }
    };
    EmuError::validation(detail).into_response()
}

/// What a panic in a handler (inner layer) or in the pipeline (outer layer) answers: a 500 in
/// the API's error format instead of a dropped connection. `inner` leaves the rendering to the
/// pipeline, which knows the request's error format.
pub fn catch_panic(
    inner: bool,
) -> impl Fn(Box<dyn std::any::Any + Send + 'static>) -> Response + Clone + Send + Sync + 'static {
    move |panic| {
        let what = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("?");
        tracing::error!(panic = what, "a request handler panicked");
        let e = EmuError::internal("Wewnętrzny błąd serwera (emulator).");
        if inner {
            e.into_response()
        } else {
            e.render("", false, &trace_id())
        }
    }
}

/// Resets the request's connection (a real TCP reset when it came through the emulator's
/// listener); elsewhere (a service called directly) a body that fails at once.
fn reset(connection: Option<&Connection>) -> Response {
    if let Some(c) = connection {
        c.reset();
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    dropped_connection()
}

/// A response whose body fails at once: the connection is closed without a complete answer.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::other(
            "connection dropped (emulator fault)",
        ))
    });
    Response::new(Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_a_json_500() {
        // Outer layer: rendered at once in the legacy exception format.
        let r = catch_panic(false)(Box::new("boom"));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.headers()["content-type"], "application/json");
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v["exception"]["exceptionDetailList"][0]["exceptionCode"],
            500
        );
        // Inner layer: carries the error for the pipeline to render in the requested format.
        let r = catch_panic(true)(Box::new(String::from("boom")));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(r.extensions().get::<EmuError>().is_some());
    }

    #[test]
    fn literal_segments_win() {
        assert_eq!(
            resolve(&Method::GET, "/auth/sessions").unwrap().name,
            "get_auth_sessions"
        );
        assert_eq!(
            resolve(&Method::GET, "/auth/20250514-AU-2DFC46C000-3AC6D5877F-D4")
                .unwrap()
                .name,
            "get_auth_by_reference_number"
        );
        assert_eq!(
            resolve(&Method::DELETE, "/auth/sessions/current")
                .unwrap()
                .name,
            "delete_auth_sessions_current"
        );
        assert_eq!(
            resolve(&Method::GET, "/sessions/x/invoices/failed")
                .unwrap()
                .name,
            "get_sessions_by_reference_number_invoices_failed"
        );
        assert!(
            resolve(&Method::PATCH, "/auth/challenge").unwrap_err(),
            "405: the path exists"
        );
        assert!(
            !resolve(&Method::GET, "/nothing/here").unwrap_err(),
            "404: no such path"
        );
    }
}
