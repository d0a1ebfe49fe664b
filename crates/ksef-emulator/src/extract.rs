//! Request extractors that answer malformed input in the API's error format.
//!
//! [`ApiJson`] is `axum::Json` whose rejection (bad content type, unreadable or mismatching
//! JSON) becomes a 400 with exception code 21405 instead of axum's plain-text 4xx.
//! [`ApiQuery`] does the same for query strings.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::EmuError;

/// A JSON request body; a body that does not deserialize into `T` is a 400/21405.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = EmuError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(EmuError::validation(rejection.body_text())),
        }
    }
}

/// A query string; one that does not deserialize into `T` is a 400/21405.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

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
