//! The KSeF status service ("Latarnia"): availability and announcements.
//!
//! This service is **not part of the official OpenAPI specification**; its shape is known from
//! the Ministry of Finance's own client. The answers are therefore decoded leniently: the
//! fields the SDK understands are extracted and the whole JSON document is kept in `raw`.

use ksef_http::{Body, UrlRequest};
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};

/// The largest answer read from the status service.
const MAX_BODY: usize = 1 << 20;

/// The availability of KSeF as reported by the status service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LighthouseState {
    /// `AVAILABLE`: the system works normally.
    Available,
    /// `MAINTENANCE`: planned maintenance.
    Maintenance,
    /// `FAILURE`: a partial failure.
    Failure,
    /// `TOTAL_FAILURE`: the system is unavailable.
    TotalFailure,
    /// A value this version does not know (kept as sent), or an absent `status` field (empty).
    Unknown(String),
}

impl LighthouseState {
    /// Maps the service's `status` value.
    pub fn from_api(value: &str) -> Self {
        match value {
            "AVAILABLE" => Self::Available,
            "MAINTENANCE" => Self::Maintenance,
            "FAILURE" => Self::Failure,
            "TOTAL_FAILURE" => Self::TotalFailure,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

/// The answer of `GET {lighthouse}/status` (not in the official spec: decoded leniently).
#[derive(Debug, Clone, PartialEq)]
pub struct LighthouseStatus {
    /// The `status` field.
    pub status: LighthouseState,
    /// The whole answer.
    pub raw: Value,
}

/// One announcement of `GET {lighthouse}/messages` (not in the official spec: the text fields
/// are extracted when present, everything is kept in `raw`).
#[derive(Debug, Clone, PartialEq)]
pub struct LighthouseMessage {
    /// The `title` field, if it is a string.
    pub title: Option<String>,
    /// The `text` field, if it is a string.
    pub text: Option<String>,
    /// The `start` field (as sent), if it is a string.
    pub start: Option<String>,
    /// The `end` field (as sent), if it is a string.
    pub end: Option<String>,
    /// The whole message.
    pub raw: Value,
}

impl LighthouseMessage {
    fn from_value(raw: Value) -> Self {
        let field = |name: &str| raw.get(name).and_then(Value::as_str).map(str::to_owned);
        Self {
            title: field("title"),
            text: field("text"),
            start: field("start"),
            end: field("end"),
            raw,
        }
    }
}

/// The KSeF status service ("Latarnia"), not described by the official OpenAPI spec. Get it
/// with [`Client::lighthouse`]; it exists for the TEST and production environments (or a
/// custom environment that names one).
#[derive(Debug, Clone)]
pub struct Lighthouse {
    client: Client,
}

impl Client {
    /// The KSeF status service ("Latarnia").
    pub fn lighthouse(&self) -> Lighthouse {
        Lighthouse {
            client: self.clone(),
        }
    }
}

impl Lighthouse {
    /// `GET {lighthouse}/status`: the current availability of KSeF.
    ///
    /// Fails with [`Error::InvalidInput`] when the environment has no status service.
    pub async fn status(&self) -> Result<LighthouseStatus> {
        let raw = self.get("status").await?;
        let status = match raw.get("status") {
            Some(Value::String(s)) => LighthouseState::from_api(s),
            Some(other) => LighthouseState::Unknown(other.to_string()),
            None => LighthouseState::Unknown(String::new()),
        };
        Ok(LighthouseStatus { status, raw })
    }

    /// `GET {lighthouse}/messages`: the current announcements (a JSON array, or an object
    /// holding one in `messages`).
    ///
    /// Fails with [`Error::InvalidInput`] when the environment has no status service.
    pub async fn messages(&self) -> Result<Vec<LighthouseMessage>> {
        let items = match self.get("messages").await? {
            Value::Array(items) => items,
            Value::Object(mut map) => match map.remove("messages") {
                Some(Value::Array(items)) => items,
                _ => {
                    return Err(Error::StatusService {
                        resource: "messages",
                        problem: "an object without a `messages` list".into(),
                    });
                }
            },
            Value::Null => Vec::new(),
            _ => {
                return Err(Error::StatusService {
                    resource: "messages",
                    problem: "neither a list nor an object holding one".into(),
                });
            }
        };
        Ok(items
            .into_iter()
            .map(LighthouseMessage::from_value)
            .collect())
    }

    async fn get(&self, resource: &'static str) -> Result<Value> {
        let base = self.client.environment().lighthouse_url().ok_or_else(|| {
            Error::InvalidInput("this environment has no status service (Latarnia)".into())
        })?;
        let url = format!("{}/{resource}", base.trim_end_matches('/'));
        let response = self
            .client
            .http()
            .send_to_url(UrlRequest {
                method: http::Method::GET,
                url,
                headers: Vec::new(),
                body: Body::Empty,
            })
            .await?;
        let bytes = response.body.collect(MAX_BODY).await.map_err(|source| {
            Error::Http(ksef_http::Error::Transport {
                operation: "status service",
                source,
            })
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| Error::StatusService {
            resource,
            problem: format!("not JSON: {e}"),
        })
    }
}
