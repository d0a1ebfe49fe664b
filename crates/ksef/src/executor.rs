//! What runs a [`crate::Call`]: the HTTP client and, after a login, the tokens of that login
//! (sent and refreshed transparently). Depends on the transport only, so that the client, the
//! calls and the API groups all build on it without depending on each other.

use std::sync::Arc;

use ksef_http::{ApiResponse, BearerToken, HttpClient};
use ksef_model::catalogue::Operation;
use time::OffsetDateTime;
use tokio::sync::{Mutex, RwLock};

use crate::error::{Error, Result};

/// A token and the end of its validity, as KSeF issues them (`accessToken`, `refreshToken`).
///
/// The token is a secret: [`BearerToken`] keeps it out of `Debug` output and wipes it on drop.
/// Never log it, never write it to disk (the SDK itself never does).
#[derive(Debug, Clone)]
pub struct TimedToken {
    /// The token (a JWT).
    pub token: BearerToken,
    /// When KSeF stops accepting it.
    pub valid_until: OffsetDateTime,
}

impl TimedToken {
    /// A token and its validity.
    pub fn new(token: impl Into<String>, valid_until: OffsetDateTime) -> Self {
        Self {
            token: BearerToken::new(token),
            valid_until,
        }
    }
}

/// The tokens of one login, shared by every clone of an [`crate::AuthenticatedClient`].
#[derive(Debug)]
pub(crate) struct Session {
    access: RwLock<TimedToken>,
    refresh: TimedToken,
    refreshing: Mutex<()>,
    reference_number: String,
}

/// Refresh the access token when it has less than this left.
const REFRESH_MARGIN: time::Duration = time::Duration::seconds(60);

impl Session {
    pub(crate) fn new(reference_number: String, access: TimedToken, refresh: TimedToken) -> Self {
        Self {
            access: RwLock::new(access),
            refresh,
            refreshing: Mutex::new(()),
            reference_number,
        }
    }

    pub(crate) fn reference_number(&self) -> &str {
        &self.reference_number
    }

    pub(crate) fn refresh_token(&self) -> &TimedToken {
        &self.refresh
    }

    /// The access token as held now (not refreshed).
    pub(crate) async fn current_access(&self) -> TimedToken {
        self.access.read().await.clone()
    }

    /// The access token, refreshed first when it is about to expire.
    pub(crate) async fn access_token(&self, http: &HttpClient) -> Result<BearerToken> {
        let current = self.current_access().await;
        if current.valid_until - OffsetDateTime::now_utc() > REFRESH_MARGIN {
            return Ok(current.token);
        }
        self.refresh(http, &current.token).await
    }

    /// Refreshes the access token unless another task already replaced `stale`.
    pub(crate) async fn refresh(
        &self,
        http: &HttpClient,
        stale: &BearerToken,
    ) -> Result<BearerToken> {
        let _guard = self.refreshing.lock().await;
        {
            let current = self.access.read().await;
            if current.token != *stale {
                return Ok(current.token.clone());
            }
        }
        tracing::debug!("refreshing the access token");
        let response = http
            .execute(
                &ksef_model::operations::PostAuthTokenRefresh::new(),
                Some(&self.refresh.token),
            )
            .await?;
        let fresh = TimedToken {
            token: BearerToken::new(response.value.access_token.token),
            valid_until: response.value.access_token.valid_until,
        };
        let token = fresh.token.clone();
        *self.access.write().await = fresh;
        Ok(token)
    }
}

/// Runs operations for a [`crate::Call`]: anonymous, or with the access token of a login.
#[derive(Debug, Clone)]
pub(crate) struct Executor {
    http: HttpClient,
    session: Option<Arc<Session>>,
}

impl Executor {
    pub(crate) fn new(http: HttpClient, session: Option<Arc<Session>>) -> Self {
        Self { http, session }
    }

    pub(crate) async fn run<O: Operation>(&self, request: &O) -> Result<ApiResponse<O::Response>> {
        let meta = O::META;
        if !meta.requires_bearer {
            return Ok(self.http.execute(request, None).await?);
        }
        let Some(session) = &self.session else {
            return Err(Error::NotAuthenticated {
                operation: meta.name,
            });
        };
        let token = session.access_token(&self.http).await?;
        match self.http.execute(request, Some(&token)).await {
            // A 401 is answered before any processing: refresh once and repeat.
            Err(e) if e.status() == Some(401) => {
                let token = session.refresh(&self.http, &token).await?;
                Ok(self.http.execute(request, Some(&token)).await?)
            }
            other => Ok(other?),
        }
    }
}
