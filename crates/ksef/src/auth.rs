//! Authentication: challenge → XAdES signature or encrypted KSeF token → status polling →
//! token redemption → [`AuthenticatedClient`].

use ksef_crypto::credentials::Credentials;
use ksef_crypto::public_key::KeyUsage;
use ksef_crypto::xades::{self, AuthTokenRequest, SignOptions};
use ksef_http::BearerToken;
use ksef_model::operations::{
    GetAuthByReferenceNumber, PostAuthChallenge, PostAuthKsefToken, PostAuthTokenRedeem,
    PostAuthXadesSignature,
};
use ksef_model::rt::Base64Data;
use ksef_model::{
    AuthenticationContextIdentifier, AuthenticationContextIdentifierType,
    AuthenticationInitResponse, Challenge, InitTokenAuthenticationRequest,
};

pub use ksef_crypto::xades::{
    AllowedIps, AuthSchemaVersion, ContextIdentifier, SubjectIdentifierType,
};

use crate::client::{AuthenticatedClient, Client};
use crate::error::{AuthFailure, Error, Result};
use crate::executor::TimedToken;

/// Options of a XAdES login.
#[derive(Debug, Clone)]
pub struct XadesOptions {
    /// How the signer is identified (default: by certificate subject).
    pub subject_identifier_type: SubjectIdentifierType,
    /// Schema namespace of the `AuthTokenRequest` (default 2.0; 2.1 is accepted too).
    pub schema: AuthSchemaVersion,
    /// IP restrictions of the issued tokens.
    pub allowed_ips: Option<AllowedIps>,
    /// `verifyCertificateChain`: force OCSP/CRL checks on TEST.
    pub verify_certificate_chain: Option<bool>,
}

impl Default for XadesOptions {
    fn default() -> Self {
        Self {
            subject_identifier_type: SubjectIdentifierType::CertificateSubject,
            schema: AuthSchemaVersion::V2_0,
            allowed_ips: None,
            verify_certificate_chain: None,
        }
    }
}

impl Client {
    /// Logs in with a qualified signature/seal, a KSeF certificate or (on TEST) a self-signed
    /// certificate: signs the challenge as XAdES and waits for the result. A failure that a fresh
    /// start can cure (a 5xx, a lost answer) starts the login over with a new challenge, up to
    /// [`LOGIN_ATTEMPTS`] times.
    pub async fn login_xades(
        &self,
        credentials: &Credentials,
        context: ContextIdentifier,
        options: &XadesOptions,
    ) -> Result<AuthenticatedClient> {
        self.starting_over(|| self.try_login_xades(credentials, &context, options))
            .await
    }

    async fn try_login_xades(
        &self,
        credentials: &Credentials,
        context: &ContextIdentifier,
        options: &XadesOptions,
    ) -> Result<AuthenticatedClient> {
        let challenge = self.call(PostAuthChallenge::new()).send().await?;
        let mut request = AuthTokenRequest::new(
            challenge.challenge.as_str(),
            context.clone(),
            options.subject_identifier_type,
        );
        request.version = options.schema;
        request.allowed_ips = options.allowed_ips.clone();
        let signed = xades::sign_auth_request(&request, credentials, &SignOptions::default())?;
        let mut init = PostAuthXadesSignature::new(signed);
        init.verify_certificate_chain = options.verify_certificate_chain;
        let started = self.call(init).send().await?;
        self.finish_login(started).await
    }

    /// Logs in with a KSeF token: encrypts `"{token}|{timestampMs}"` with the current
    /// `KsefTokenEncryption` key (re-fetching the keys and retrying once on 21470) and waits for
    /// the result. A failure that a fresh start can cure (a 5xx, a lost answer) starts the login
    /// over with a new challenge, up to [`LOGIN_ATTEMPTS`] times.
    pub async fn login_token(
        &self,
        ksef_token: &str,
        context: ContextIdentifier,
    ) -> Result<AuthenticatedClient> {
        self.starting_over(|| async {
            let started = self
                .with_current_keys(|| self.start_token_login(ksef_token, &context))
                .await?;
            self.finish_login(started).await
        })
        .await
    }

    /// Runs a whole login (`attempt`: challenge → start → wait → redeem) and, when it fails in a
    /// way a fresh start can cure — a 5xx or a lost answer on a step that must not be repeated
    /// as such (a challenge is used once, a token redeemed once), a cancelled authentication —
    /// starts over with a new challenge, up to [`LOGIN_ATTEMPTS`] times, 1 s and then 2 s apart.
    /// A half-finished authentication left behind expires on its own; it gives no access to
    /// anyone, as its tokens were never handed out. Rejections (bad token, no permission) and a
    /// timeout of the wait are returned at once.
    async fn starting_over<F, Fut>(&self, mut attempt: F) -> Result<AuthenticatedClient>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<AuthenticatedClient>>,
    {
        let mut tried = 1;
        loop {
            match attempt().await {
                Err(error) if tried < LOGIN_ATTEMPTS && worth_starting_over(&error) => {
                    tracing::warn!(attempt = tried, %error, "login failed; starting over");
                    tokio::time::sleep(std::time::Duration::from_secs(1 << (tried - 1))).await;
                    tried += 1;
                }
                outcome => return outcome,
            }
        }
    }

    async fn start_token_login(
        &self,
        ksef_token: &str,
        context: &ContextIdentifier,
    ) -> Result<AuthenticationInitResponse> {
        let challenge = self.call(PostAuthChallenge::new()).send().await?;
        let key = self.public_key(KeyUsage::KsefTokenEncryption).await?;
        let encrypted = key.encrypt_ksef_token(ksef_token, challenge.timestamp_ms)?;
        let (kind, value) = context_parts(context);
        let mut body = InitTokenAuthenticationRequest::new(
            Challenge::new_unchecked(challenge.challenge.as_str()),
            AuthenticationContextIdentifier::new(kind, value.to_owned()),
            Base64Data::from_text(encrypted.encrypted_token_b64),
        );
        body.public_key_id = Some(Base64Data::from_text(encrypted.public_key_id));
        self.call(PostAuthKsefToken::new(body)).send().await
    }

    /// Polls the authentication operation until it finishes, then redeems the tokens.
    pub async fn finish_login(
        &self,
        started: AuthenticationInitResponse,
    ) -> Result<AuthenticatedClient> {
        let auth_token = BearerToken::new(started.authentication_token.token.clone());
        let reference = started.reference_number.clone();
        let (interval, timeout) = self.auth_timing();
        use ksef_model::status::authentication_operation as auth;
        let what = crate::WaitingFor::Authentication;
        let pace = crate::waiting::Pace::every(interval);
        crate::waiting::poll(what, reference.as_str(), timeout, pace, || async {
            let status = self
                .execute_with_token(
                    &GetAuthByReferenceNumber::new(reference.clone()),
                    &auth_token,
                )
                .await?
                .value
                .status;
            match status.code {
                auth::IN_PROGRESS => Ok(None),
                auth::SUCCEEDED => Ok(Some(())),
                code => Err(Error::AuthFailed {
                    code,
                    kind: AuthFailure::from_code(code),
                    description: status.description,
                    details: status.details.unwrap_or_default(),
                }),
            }
        })
        .await?;
        let tokens = self
            .execute_with_token(&PostAuthTokenRedeem::new(), &auth_token)
            .await?
            .value;
        tracing::info!(reference = %reference, "authenticated");
        Ok(AuthenticatedClient::new(
            self.clone(),
            reference.into_string(),
            TimedToken {
                token: BearerToken::new(tokens.access_token.token),
                valid_until: tokens.access_token.valid_until,
            },
            TimedToken {
                token: BearerToken::new(tokens.refresh_token.token),
                valid_until: tokens.refresh_token.valid_until,
            },
        ))
    }
}

/// How many times [`Client::login_token`] and [`Client::login_xades`] start a login at most.
pub const LOGIN_ATTEMPTS: u32 = 3;

/// Whether a failed login is worth starting over from a new challenge (see
/// [`Client::login_token`]): what a retry may cure, or a step whose outcome is unknown.
fn worth_starting_over(error: &Error) -> bool {
    !matches!(error, Error::Timeout { .. })
        && (error.is_retryable() || error.may_have_reached_server())
}

fn context_parts(context: &ContextIdentifier) -> (AuthenticationContextIdentifierType, &str) {
    match context {
        ContextIdentifier::Nip(v) => (AuthenticationContextIdentifierType::Nip, v),
        ContextIdentifier::InternalId(v) => (AuthenticationContextIdentifierType::InternalId, v),
        ContextIdentifier::NipVatUe(v) => (AuthenticationContextIdentifierType::NipVatUe, v),
        ContextIdentifier::PeppolId(v) => (AuthenticationContextIdentifierType::PeppolId, v),
    }
}
