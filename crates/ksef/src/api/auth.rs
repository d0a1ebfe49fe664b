//! Authentication (`/auth`): challenge, XAdES or KSeF-token start, status, token redemption
//! and refresh. The high-level logins are [`Client::login_xades`] and [`Client::login_token`];
//! these are the individual steps.

use ksef_http::BearerToken;
use ksef_model::operations::{
    GetAuthByReferenceNumber, PostAuthChallenge, PostAuthKsefToken, PostAuthTokenRedeem,
    PostAuthTokenRefresh, PostAuthXadesSignature,
};
use ksef_model::{
    AuthenticationOperationStatusResponse, AuthenticationTokenRefreshResponse,
    AuthenticationTokensResponse, InitTokenAuthenticationRequest, ReferenceNumber,
};

use crate::call::Call;
use crate::client::Client;
use crate::error::Result;

/// The steps of an authentication. Get it with [`Client::auth`].
///
/// The steps that need the authentication token or the refresh token take it explicitly and
/// are sent at once (they are `async fn`s, not [`Call`]s).
#[derive(Debug, Clone)]
pub struct Auth {
    client: Client,
}

impl Client {
    /// Authentication steps (`/auth`).
    pub fn auth(&self) -> Auth {
        Auth {
            client: self.clone(),
        }
    }
}

impl Auth {
    /// `POST /auth/challenge`: a fresh challenge (valid for a few minutes) and its timestamp.
    pub fn challenge(&self) -> Call<PostAuthChallenge> {
        Call::new(self.client.executor(), PostAuthChallenge::new())
    }

    /// `POST /auth/xades-signature`: starts an authentication with a signed `AuthTokenRequest`
    /// XML document (set `verifyCertificateChain` with `.with(|r| ..)`).
    pub fn xades_signature(&self, signed_xml: String) -> Call<PostAuthXadesSignature> {
        Call::new(
            self.client.executor(),
            PostAuthXadesSignature::new(signed_xml),
        )
    }

    /// `POST /auth/ksef-token`: starts an authentication with an encrypted KSeF token.
    pub fn ksef_token(&self, request: InitTokenAuthenticationRequest) -> Call<PostAuthKsefToken> {
        Call::new(self.client.executor(), PostAuthKsefToken::new(request))
    }

    /// `GET /auth/{referenceNumber}`: the status of an authentication, sent with the
    /// authentication token returned when it started.
    pub async fn status(
        &self,
        reference_number: ReferenceNumber,
        authentication_token: &BearerToken,
    ) -> Result<AuthenticationOperationStatusResponse> {
        let request = GetAuthByReferenceNumber::new(reference_number);
        Ok(self
            .client
            .execute_with_token(&request, authentication_token)
            .await?
            .value)
    }

    /// `POST /auth/token/redeem`: exchanges the authentication token of a finished
    /// authentication for the access and refresh tokens (possible once).
    pub async fn redeem(
        &self,
        authentication_token: &BearerToken,
    ) -> Result<AuthenticationTokensResponse> {
        let request = PostAuthTokenRedeem::new();
        Ok(self
            .client
            .execute_with_token(&request, authentication_token)
            .await?
            .value)
    }

    /// `POST /auth/token/refresh`: a new access token for a refresh token.
    pub async fn refresh(
        &self,
        refresh_token: &BearerToken,
    ) -> Result<AuthenticationTokenRefreshResponse> {
        let request = PostAuthTokenRefresh::new();
        Ok(self
            .client
            .execute_with_token(&request, refresh_token)
            .await?
            .value)
    }
}
