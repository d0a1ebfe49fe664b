//! [`Client`] (no login) and [`AuthenticatedClient`] (holding access and refresh tokens).

use std::sync::Arc;
use std::time::Duration;

use ksef_http::{ApiResponse, BearerToken, HttpClient, RetryPolicy, ThrottleConfig, Transport};
use ksef_model::catalogue::Operation;
use time::OffsetDateTime;

use crate::call::Call;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::executor::{Executor, Session, TimedToken};
use crate::keys::KeyCache;

/// A client that is not logged in: authentication, public keys, test data, Peppol, status.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

#[derive(Debug)]
struct ClientInner {
    http: HttpClient,
    environment: Environment,
    keys: KeyCache,
    auth_poll_interval: Duration,
    auth_timeout: Duration,
}

/// Builder of [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    environment: Environment,
    http: ksef_http::HttpClientBuilder,
    auth_poll_interval: Duration,
    auth_timeout: Duration,
    allow_insecure_http: bool,
}

/// Whether `url` may be used: `https`, or plain `http` to a loopback host (the local
/// emulator), or plain `http` anywhere when the caller opted in.
fn check_scheme(url: &url::Url, allow_insecure_http: bool) -> Result<()> {
    if url.scheme() != "http" || allow_insecure_http {
        return Ok(());
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if loopback {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "refusing plain http:// to {}: tokens and invoices would travel unencrypted; use \
             https://, or opt in explicitly (ClientBuilder::allow_insecure_http, \
             ksef --allow-insecure-http)",
            url.host_str().unwrap_or("?")
        )))
    }
}

impl ClientBuilder {
    /// Allows a plain `http://` API root on a host other than loopback (a TLS-terminating
    /// proxy on a trusted network). Off by default: such a URL is refused by
    /// [`ClientBuilder::build`]. Loopback hosts (`127.0.0.1`, `::1`, `localhost`: the local
    /// emulator) never need it.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The environment (default: TEST).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// A custom API root including `/v2` (the emulator, a proxy): shorthand for
    /// `environment(Environment::custom(url))`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.environment = Environment::custom(url);
        self
    }

    /// A custom transport (your own HTTP stack, a test double, a capture).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.http = self.http.transport(transport);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.http = self.http.user_agent(ua);
        self
    }

    /// Retry settings.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.http = self.http.retry(retry);
        self
    }

    /// Client-side throttling settings (on by default).
    pub fn throttle(mut self, throttle: ThrottleConfig) -> Self {
        self.http = self.http.throttle(throttle);
        self
    }

    /// How often the authentication status is polled (default 1 s).
    pub fn auth_poll_interval(mut self, interval: Duration) -> Self {
        self.auth_poll_interval = interval;
        self
    }

    /// How long an authentication may stay in progress (default 2 min).
    pub fn auth_timeout(mut self, timeout: Duration) -> Self {
        self.auth_timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let url = self.environment.parsed_api_url().map_err(|e| {
            Error::InvalidInput(format!("bad API URL {:?}: {e}", self.environment.api_url()))
        })?;
        check_scheme(&url, self.allow_insecure_http)?;
        let http = self.http.base_url(self.environment.api_url()).build()?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                environment: self.environment,
                keys: KeyCache::default(),
                auth_poll_interval: self.auth_poll_interval,
                auth_timeout: self.auth_timeout,
            }),
        })
    }
}

impl Client {
    /// A client for `environment` with default settings.
    pub fn new(environment: Environment) -> Result<Self> {
        Self::builder().environment(environment).build()
    }

    /// A builder (default environment: TEST).
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            environment: Environment::Test,
            http: HttpClient::builder(),
            auth_poll_interval: Duration::from_secs(1),
            auth_timeout: Duration::from_secs(120),
            allow_insecure_http: false,
        }
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// The underlying HTTP client (for pre-signed URLs and custom calls).
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    pub(crate) fn keys(&self) -> &KeyCache {
        &self.inner.keys
    }

    pub(crate) fn auth_timing(&self) -> (Duration, Duration) {
        (self.inner.auth_poll_interval, self.inner.auth_timeout)
    }

    pub(crate) fn executor(&self) -> Executor {
        Executor::new(self.inner.http.clone(), None)
    }

    /// Prepares any catalogue operation that needs no access token.
    pub fn call<O: Operation + Send + Sync + 'static>(&self, request: O) -> Call<O>
    where
        O::Response: Send + 'static,
    {
        Call::new(self.executor(), request)
    }

    /// Sends an operation with an explicit bearer token (the authentication token of
    /// `GET /auth/{referenceNumber}` and `POST /auth/token/redeem`, or a refresh token).
    pub async fn execute_with_token<O: Operation>(
        &self,
        request: &O,
        token: &BearerToken,
    ) -> Result<ApiResponse<O::Response>> {
        Ok(self.inner.http.execute(request, Some(token)).await?)
    }
}

/// A logged-in client: every operation, with the access token sent and refreshed transparently
/// (before it expires, and once after a 401). `Clone + Send + Sync`: clones share one login.
/// Tokens are never printed and never saved by the SDK.
#[derive(Debug, Clone)]
pub struct AuthenticatedClient {
    client: Client,
    session: Arc<Session>,
    exec: Executor,
}

impl AuthenticatedClient {
    pub(crate) fn new(
        client: Client,
        reference_number: String,
        access: TimedToken,
        refresh: TimedToken,
    ) -> Self {
        let session = Arc::new(Session::new(reference_number, access, refresh));
        let exec = Executor::new(client.http().clone(), Some(session.clone()));
        Self {
            client,
            session,
            exec,
        }
    }

    /// A logged-in client from tokens issued to another process or worker — to share one login
    /// across workers without a login each (KSeF limits how often one may log in).
    ///
    /// Take the tokens from the login's [`AuthenticatedClient::access_token`] and
    /// [`AuthenticatedClient::refresh_token`] and hand them over in memory or through a channel
    /// you trust: they are secrets, as good as the certificate or KSeF token they came from
    /// until they expire. The SDK never saves them. The new client refreshes the access token
    /// by itself like any other; [`AuthenticatedClient::reference_number`] is empty (the
    /// authentication operation is not known from the tokens).
    pub fn from_tokens(client: &Client, access: TimedToken, refresh: TimedToken) -> Self {
        Self::new(client.clone(), String::new(), access, refresh)
    }

    /// The unauthenticated client this login came from.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn executor(&self) -> Executor {
        self.exec.clone()
    }

    /// The reference number of the authentication operation (empty for a client made by
    /// [`AuthenticatedClient::from_tokens`]).
    pub fn reference_number(&self) -> &str {
        self.session.reference_number()
    }

    /// When the refresh token expires (a new login is needed after that).
    pub fn refresh_valid_until(&self) -> OffsetDateTime {
        self.session.refresh_token().valid_until
    }

    /// The refresh token of this login and until when it is valid — for
    /// [`AuthenticatedClient::from_tokens`] in another worker. A secret: kept out of `Debug`
    /// output; never log or store it (the SDK never does).
    pub fn refresh_token(&self) -> TimedToken {
        self.session.refresh_token().clone()
    }

    /// Prepares any catalogue operation, sent with the access token when it needs one.
    pub fn call<O: Operation + Send + Sync + 'static>(&self, request: O) -> Call<O>
    where
        O::Response: Send + 'static,
    {
        Call::new(self.exec.clone(), request)
    }

    /// The current access token (refreshed first when it is about to expire) and until when it
    /// is valid — for [`AuthenticatedClient::from_tokens`] in another worker, or for another
    /// tool (e.g. `curl` while debugging). It is a secret: [`BearerToken`] keeps it out of
    /// `Debug` output; never log or store it.
    pub async fn access_token(&self) -> Result<(BearerToken, OffsetDateTime)> {
        let token = self.session.access_token(self.client.http()).await?;
        let valid_until = self.session.current_access().await.valid_until;
        Ok((token, valid_until))
    }

    /// Forces a refresh of the access token now.
    pub async fn refresh_access_token(&self) -> Result<()> {
        let current = self.session.current_access().await.token;
        self.session.refresh(self.client.http(), &current).await?;
        Ok(())
    }
}
