//! KSeF environments: API root, QR-code host and status ("Latarnia") service.

use url::Url;

/// Where the client talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// The public TEST environment (self-signed certificates accepted, test data endpoints).
    Test,
    /// The DEMO (pre-production) environment.
    Demo,
    /// Production.
    Production,
    /// Any other server: the local emulator, a proxy, a mock.
    Custom {
        /// The API root including `/v2`, e.g. `http://127.0.0.1:8080/v2`.
        api: String,
        /// The QR verification host, e.g. `https://qr-test.ksef.mf.gov.pl`.
        qr: String,
        /// The status service root, if there is one.
        lighthouse: Option<String>,
    },
}

impl Environment {
    /// A custom API root; QR links use the TEST host and there is no status service.
    pub fn custom(api: impl Into<String>) -> Self {
        Environment::Custom {
            api: api.into(),
            qr: "https://qr-test.ksef.mf.gov.pl".into(),
            lighthouse: None,
        }
    }

    /// The API root including `/v2`.
    pub fn api_url(&self) -> &str {
        match self {
            Environment::Test => "https://api-test.ksef.mf.gov.pl/v2",
            Environment::Demo => "https://api-demo.ksef.mf.gov.pl/v2",
            Environment::Production => "https://api.ksef.mf.gov.pl/v2",
            Environment::Custom { api, .. } => api,
        }
    }

    /// The host of QR verification links (KOD I / KOD II).
    pub fn qr_url(&self) -> &str {
        match self {
            Environment::Test => "https://qr-test.ksef.mf.gov.pl",
            Environment::Demo => "https://qr-demo.ksef.mf.gov.pl",
            Environment::Production => "https://qr.ksef.mf.gov.pl",
            Environment::Custom { qr, .. } => qr,
        }
    }

    /// The root of the status service ("Latarnia"), known for TEST and production.
    pub fn lighthouse_url(&self) -> Option<&str> {
        match self {
            Environment::Test => Some("https://api-latarnia-test.ksef.mf.gov.pl"),
            Environment::Production => Some("https://api-latarnia.ksef.mf.gov.pl"),
            Environment::Demo => None,
            Environment::Custom { lighthouse, .. } => lighthouse.as_deref(),
        }
    }

    /// Whether self-signed certificates and the `/testdata` endpoints are available.
    pub fn is_test(&self) -> bool {
        matches!(self, Environment::Test | Environment::Custom { .. })
    }

    pub(crate) fn parsed_api_url(&self) -> Result<Url, url::ParseError> {
        Url::parse(self.api_url())
    }
}
