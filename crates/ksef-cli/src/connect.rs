//! From settings to a connected client: environment, context and login.
//!
//! Access and refresh tokens are never written anywhere: every command logs in afresh from the
//! configured credentials (a KSeF token, a certificate, or a generated TEST certificate), and the
//! tokens live only in memory for the command's duration.

use std::path::Path;

use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::crypto::credentials::Credentials;
use ksef::crypto::test_certs::{self, PersonIdentifier, TestKeyType};
use ksef::{AuthenticatedClient, Client, Environment};
use zeroize::Zeroizing;

use crate::config::{ConnectionArgs, EnvName, Settings};
use crate::error::{CliError, CliResult};

/// The environment variable holding a KSeF token.
pub const TOKEN_VAR: &str = "KSEF_TOKEN";
/// The environment variable holding a key or PKCS#12 password.
pub const PASSWORD_VAR: &str = "KSEF_KEY_PASSWORD";

const NO_CREDENTIALS: &str = "no credentials: set KSEF_TOKEN or --token-file (a KSeF token), \
--cert/--key or --pkcs12 (XAdES, password in KSEF_KEY_PASSWORD), or --test-cert pesel:…|nip:… \
(TEST only) — or name a --profile that has them (see `ksef auth --help`)";

/// How to log in.
pub enum Method {
    /// A KSeF token.
    Token(Zeroizing<String>),
    /// XAdES with a certificate and key.
    Xades(Box<Credentials>),
    /// XAdES with a generated self-signed TEST certificate.
    TestCert(TestIdentity),
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Method::Token(_) => f.write_str("Token([redacted])"),
            Method::Xades(_) => f.write_str("Xades([redacted])"),
            Method::TestCert(id) => write!(f, "TestCert({id:?})"),
        }
    }
}

impl Method {
    /// A short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Token(_) => "ksef-token",
            Method::Xades(_) => "xades",
            Method::TestCert(_) => "test-certificate",
        }
    }
}

/// The identity of a generated TEST certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestIdentity {
    /// A person with this PESEL.
    Pesel(String),
    /// A company seal with this NIP.
    Nip(String),
}

impl TestIdentity {
    /// Parses `pesel:NNNNNNNNNNN` or `nip:NNNNNNNNNN`.
    pub fn parse(text: &str) -> CliResult<Self> {
        let bad = || {
            CliError::config(format!(
                "--test-cert {text:?}: expected pesel:NNNNNNNNNNN or nip:NNNNNNNNNN"
            ))
        };
        let (kind, value) = text.split_once(':').ok_or_else(bad)?;
        match kind.to_ascii_lowercase().as_str() {
            "pesel" => ksef::model::Pesel::new(value)
                .map(|_| TestIdentity::Pesel(value.to_owned()))
                .map_err(|e| CliError::config(format!("--test-cert: {e}"))),
            "nip" => ksef::model::Nip::new(value)
                .map(|_| TestIdentity::Nip(value.to_owned()))
                .map_err(|e| CliError::config(format!("--test-cert: {e}"))),
            _ => Err(bad()),
        }
    }

    /// Generates the certificate.
    pub fn credentials(&self) -> CliResult<Credentials> {
        let made = match self {
            TestIdentity::Pesel(pesel) => test_certs::person_certificate(
                "Jan",
                "Testowy",
                &PersonIdentifier::Pesel(pesel.clone()),
                TestKeyType::P256,
            ),
            TestIdentity::Nip(nip) => {
                test_certs::seal_certificate("ksef-cli test seal", nip, TestKeyType::P256)
            }
        };
        made.map_err(|e| CliError::failure(format!("cannot generate a TEST certificate: {e}")))
    }
}

fn read(path: &Path, what: &str) -> CliResult<Zeroizing<Vec<u8>>> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| CliError::config(format!("cannot read the {what} {}: {e}", path.display())))
}

fn password() -> Option<Zeroizing<String>> {
    std::env::var(PASSWORD_VAR).ok().map(Zeroizing::new)
}

fn load_certificate(cert: &Path, key: Option<&Path>) -> CliResult<Credentials> {
    let cert_bytes = read(cert, "certificate")?;
    let password = password();
    let pw = password.as_ref().map(|p| p.as_str());
    let bad = |e: ksef::crypto::credentials::CredentialsError| {
        CliError::config(format!("{}: {e}", cert.display()))
    };
    match key {
        None => {
            let pem = std::str::from_utf8(&cert_bytes).map_err(|_| {
                CliError::config(format!(
                    "{} is not PEM: give the key with --key (or use --pkcs12)",
                    cert.display()
                ))
            })?;
            Credentials::from_pem_bundle(pem, pw).map_err(bad)
        }
        Some(key_path) => {
            let key_bytes = read(key_path, "key")?;
            match (
                std::str::from_utf8(&cert_bytes),
                std::str::from_utf8(&key_bytes),
            ) {
                (Ok(c), Ok(k)) if c.contains("-----BEGIN") && k.contains("-----BEGIN") => {
                    Credentials::from_pem(c, k, pw).map_err(bad)
                }
                _ => Credentials::from_der(&cert_bytes, &key_bytes).map_err(bad),
            }
        }
    }
}

/// Connection state of one command: settings are resolved on first use, so commands that never
/// connect (e.g. `qr`) are not affected by a broken profile.
#[derive(Debug)]
pub struct Connection {
    args: ConnectionArgs,
}

impl Connection {
    /// Wraps the command line's connection options.
    pub fn new(args: ConnectionArgs) -> Self {
        Self { args }
    }

    /// The base URL given on the command line or in `KSEF_BASE_URL` (not from a profile).
    pub fn explicit_base_url(&self) -> Option<String> {
        self.args.base_url.clone()
    }

    /// The merged settings.
    pub fn settings(&self) -> CliResult<Settings> {
        Settings::resolve(&self.args)
    }

    /// The environment the settings point at.
    pub fn environment(&self) -> CliResult<Environment> {
        let settings = self.settings()?;
        Ok(match (&settings.base_url, settings.env) {
            (Some(url), _) => Environment::custom(url.clone()),
            (None, Some(EnvName::Demo)) => Environment::Demo,
            (None, Some(EnvName::Prod)) => Environment::Production,
            (None, Some(EnvName::Test) | None) => Environment::Test,
        })
    }

    /// An unauthenticated client.
    pub fn client(&self) -> CliResult<Client> {
        let env = self.environment()?;
        Client::builder()
            .environment(env)
            .allow_insecure_http(self.args.allow_insecure_http)
            .throttle(ksef::http::ThrottleConfig {
                enabled: !self.args.no_throttle,
                ..Default::default()
            })
            .user_agent(concat!("ksef-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(CliError::from)
    }

    /// The context from `--context`/`--nip`.
    pub fn context(&self) -> CliResult<ContextIdentifier> {
        let settings = self.settings()?;
        if let Some(context) = &settings.context {
            return parse_context(context);
        }
        match &settings.nip {
            Some(nip) => {
                ksef::model::Nip::new(nip.as_str())
                    .map_err(|e| CliError::config(format!("--nip: {e}")))?;
                Ok(ContextIdentifier::Nip(nip.clone()))
            }
            None => Err(CliError::config(
                "no context: give --nip NIP (or KSEF_NIP), or --context internal:…|nip-vat-ue:…|peppol:…",
            )),
        }
    }

    /// The configured KSeF token: `KSEF_TOKEN`, else the token file, else none.
    pub fn token(&self) -> CliResult<Option<Zeroizing<String>>> {
        if let Ok(token) = std::env::var(TOKEN_VAR).map(Zeroizing::new)
            && !token.trim().is_empty()
        {
            return Ok(Some(Zeroizing::new(token.trim().to_owned())));
        }
        let Some(path) = self.settings()?.token_file else {
            return Ok(None);
        };
        let bytes = read(&path, "token file")?;
        let token = std::str::from_utf8(&bytes)
            .map_err(|_| CliError::config(format!("{} is not text", path.display())))?
            .trim()
            .to_owned();
        if token.is_empty() {
            return Err(CliError::config(format!("{} is empty", path.display())));
        }
        Ok(Some(Zeroizing::new(token)))
    }

    /// The login method the settings select: a KSeF token, else PKCS#12, else certificate and
    /// key, else a generated TEST certificate.
    pub fn method(&self) -> CliResult<Method> {
        if let Some(token) = self.token()? {
            return Ok(Method::Token(token));
        }
        let settings = self.settings()?;
        if settings.pkcs12.is_some() || settings.cert.is_some() {
            return Ok(Method::Xades(Box::new(self.certificate_credentials()?)));
        }
        if let Some(id) = &settings.test_cert {
            return Ok(Method::TestCert(TestIdentity::parse(id)?));
        }
        Err(CliError::config(NO_CREDENTIALS))
    }

    /// Logs in with `method` (or the configured one).
    pub async fn login_with(&self, method: Method) -> CliResult<AuthenticatedClient> {
        let context = self.context()?;
        let client = self.client()?;
        let session = match method {
            Method::Token(token) => client.login_token(&token, context).await?,
            Method::Xades(credentials) => {
                client
                    .login_xades(&credentials, context, &XadesOptions::default())
                    .await?
            }
            Method::TestCert(id) => {
                let credentials = id.credentials()?;
                client
                    .login_xades(&credentials, context, &XadesOptions::default())
                    .await?
            }
        };
        Ok(session)
    }

    /// The certificate and key of `--pkcs12` or `--cert`/`--key` (ignoring KSeF tokens and TEST
    /// certificates), e.g. to sign KOD II links with an offline certificate.
    pub fn certificate_credentials(&self) -> CliResult<Credentials> {
        let settings = self.settings()?;
        if let Some(path) = &settings.pkcs12 {
            let bytes = read(path, "PKCS#12 file")?;
            let password = password().unwrap_or_default();
            return Credentials::from_pkcs12(&bytes, &password)
                .map_err(|e| CliError::config(format!("{}: {e}", path.display())));
        }
        match &settings.cert {
            Some(cert) => load_certificate(cert, settings.key.as_deref()),
            None => Err(CliError::config(
                "no certificate: give --cert FILE --key FILE (PEM or DER) or --pkcs12 FILE \
(password in KSEF_KEY_PASSWORD)",
            )),
        }
    }

    /// Logs in with the configured credentials.
    pub async fn login(&self) -> CliResult<AuthenticatedClient> {
        let method = self.method()?;
        self.login_with(method).await
    }
}

/// Parses `nip:…`, `internal:…`, `nip-vat-ue:…` or `peppol:…`.
pub fn parse_context(text: &str) -> CliResult<ContextIdentifier> {
    let (kind, value) = text.split_once(':').ok_or_else(|| {
        CliError::config(format!(
            "--context {text:?}: expected nip:…, internal:…, nip-vat-ue:… or peppol:…"
        ))
    })?;
    let value = value.to_owned();
    match kind.to_ascii_lowercase().as_str() {
        "nip" => Ok(ContextIdentifier::Nip(value)),
        "internal" | "internalid" => Ok(ContextIdentifier::InternalId(value)),
        "nip-vat-ue" | "nipvatue" => Ok(ContextIdentifier::NipVatUe(value)),
        "peppol" | "peppolid" => Ok(ContextIdentifier::PeppolId(value)),
        other => Err(CliError::config(format!(
            "--context: unknown kind {other:?} (nip, internal, nip-vat-ue, peppol)"
        ))),
    }
}

/// `nip:…`, `internal:…`, `nip-vat-ue:…` or `peppol:…` — the form `--context` accepts.
pub fn context_text(context: &ContextIdentifier) -> String {
    match context {
        ContextIdentifier::Nip(v) => format!("nip:{v}"),
        ContextIdentifier::InternalId(v) => format!("internal:{v}"),
        ContextIdentifier::NipVatUe(v) => format!("nip-vat-ue:{v}"),
        ContextIdentifier::PeppolId(v) => format!("peppol:{v}"),
    }
}
