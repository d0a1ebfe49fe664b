//! Request extractors that answer malformed input in the API's error format.
//!
//! [`ApiJson`] is `axum::Json` whose rejection (bad content type, unreadable or mismatching
//! JSON) becomes a 400 with exception code 21405 instead of axum's plain-text 4xx. Before the
//! handler sees it, the body is checked against the operation's generated request type
//! (`validate()`: the spec's lengths, patterns, enumerations, array sizes and bounds), and a
//! violation is a 400/21405 naming the field by its JSON pointer.
//! [`ApiQuery`] does the same for query strings.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use ksef_model::rt::Rule;

use crate::error::EmuError;

/// A JSON request body; a body that does not deserialize into `T` is a 400/21405.
#[derive(Debug, Clone)]
pub(crate) struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = EmuError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let operation = req
            .extensions()
            .get::<crate::pipeline::ResolvedOperation>()
            .map(|r| r.0.name);
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(EmuError::validation(rejection.body_text())),
        };
        // The spec's constraints, checked by the generated request type of the operation.
        // Array sizes are left to the handlers: the spec gives several of them their own
        // exception code (e.g. 21161 for more than 50 batch parts). Identifier check digits too:
        // the handlers check them where KSeF does (see `routes::wire`).
        if let Some(Err(mut invalid)) =
            operation.and_then(|op| ksef_model::registry::validate_request_body(op, &value))
        {
            invalid
                .violations
                .retain(|v| v.rule != Rule::Items && v.rule != Rule::Identifier);
            if !invalid.violations.is_empty() {
                return Err(invalid_body(&invalid));
            }
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(|e| EmuError::validation(format!("Nieprawidłowa treść żądania: {e}")))
    }
}

/// The 400/21405 for a body that breaks the spec's constraints: each violation with the JSON
/// pointer of its field.
fn invalid_body(invalid: &ksef_model::rt::ValidationError) -> EmuError {
    let details: Vec<String> = invalid
        .violations
        .iter()
        .map(|v| violation(&v.pointer, &v.reason))
        .collect();
    EmuError::validation(format!(
        "Błąd walidacji danych wejściowych: {}",
        details.join("; ")
    ))
}

fn violation(pointer: &str, reason: &str) -> String {
    let at = if pointer.is_empty() { "/" } else { pointer };
    format!("{at}: {reason}")
}

/// The 400/21405 for one field of a request body, named by its JSON pointer, that breaks a
/// rule the handler adds to the spec's schema (see [`crate::routes::wire`]).
pub(crate) fn invalid_field(pointer: &str, reason: &str) -> EmuError {
    EmuError::validation(format!(
        "Błąd walidacji danych wejściowych: {}",
        violation(pointer, reason)
    ))
}

/// A JSON body that the spec lets the client leave empty (then `{}`), decoded into the
/// operation's generated request type and checked by its `validate()` like [`ApiJson`].
pub(crate) fn optional_json<T>(raw: &[u8]) -> Result<T, EmuError>
where
    T: DeserializeOwned + ksef_model::rt::Validate,
{
    let value = if raw.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(serde_json::Map::new())
    } else {
        match serde_json::from_slice::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Null) => serde_json::Value::Object(serde_json::Map::new()),
            Ok(v @ serde_json::Value::Object(_)) => v,
            Ok(_) => {
                return Err(EmuError::validation(
                    "Treść żądania musi być obiektem JSON.",
                ));
            }
            Err(e) => return Err(EmuError::validation(format!("Nieprawidłowy JSON: {e}"))),
        }
    };
    let typed: T = serde_json::from_value(value)
        .map_err(|e| EmuError::validation(format!("Nieprawidłowa treść żądania: {e}")))?;
    if let Err(mut invalid) = typed.check_constraints() {
        invalid
            .violations
            .retain(|v| v.rule != Rule::Items && v.rule != Rule::Identifier);
        if !invalid.violations.is_empty() {
            return Err(invalid_body(&invalid));
        }
    }
    Ok(typed)
}

/// A query string; one that does not deserialize into `T` is a 400/21405.
#[derive(Debug, Clone)]
pub(crate) struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = EmuError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(EmuError::validation(rejection.body_text())),
        }
    }
}

/// The unread rest of a request body, taken back after the handler answered (see [`share`]).
#[derive(Debug, Clone)]
pub(crate) struct Remainder(std::sync::Arc<tokio::sync::Mutex<Option<axum::body::BodyDataStream>>>);

/// Most bytes of an unread request body that are read and discarded after an early answer.
const DRAIN_CAP: u64 = 256 * 1024 * 1024;
/// How long discarding an unread request body may take.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// Splits a request body into the body handed to the handler and a [`Remainder`] for the
/// pipeline. A handler (or extractor) that answers before reading the whole body — an oversized
/// body, a rejection — leaves the rest in the remainder, which [`Remainder::drain`] reads
/// and discards, so the client finishes sending and reads the answer instead of seeing its
/// upload cut off ("broken pipe").
pub(crate) fn share(body: axum::body::Body) -> (axum::body::Body, Remainder) {
    use futures::StreamExt as _;
    let shared = std::sync::Arc::new(tokio::sync::Mutex::new(Some(body.into_data_stream())));
    let remainder = Remainder(shared.clone());
    let stream = futures::stream::unfold(shared, |shared| async move {
        let next = {
            let mut guard = shared.lock().await;
            match guard.as_mut() {
                Some(stream) => stream.next().await,
                None => None,
            }
        };
        next.map(|item| (item, shared))
    });
    (axum::body::Body::from_stream(stream), remainder)
}

impl Remainder {
    /// Reads and discards what the handler left unread (at most 256 MiB, for at most 30 s).
    pub(crate) async fn drain(self) {
        use futures::StreamExt as _;
        let Some(mut stream) = self.0.lock().await.take() else {
            return;
        };
        let discard = async {
            let mut seen: u64 = 0;
            while let Some(Ok(chunk)) = stream.next().await {
                seen = seen.saturating_add(chunk.len() as u64);
                if seen > DRAIN_CAP {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_TIME, discard).await;
    }
}
