//! The Ministry of Finance public keys (`/security`).

use ksef_model::operations::GetSecurityPublicKeyCertificates;

use crate::call::Call;
use crate::client::{AuthenticatedClient, Client};
use crate::executor::Executor;

/// The public keys used to encrypt KSeF tokens and symmetric keys. Get it with
/// [`Client::security`] or [`AuthenticatedClient::security`].
#[derive(Debug, Clone)]
pub struct Security {
    exec: Executor,
}

impl Client {
    /// The Ministry of Finance public keys (`/security`).
    pub fn security(&self) -> Security {
        Security {
            exec: self.executor(),
        }
    }
}

impl AuthenticatedClient {
    /// The Ministry of Finance public keys (`/security`).
    pub fn security(&self) -> Security {
        Security {
            exec: self.executor(),
        }
    }
}

impl Security {
    /// `GET /security/public-key-certificates`: the current public-key certificates with their
    /// usages and validity (the logins use a cached copy of this list).
    pub fn public_key_certificates(&self) -> Call<GetSecurityPublicKeyCertificates> {
        Call::new(self.exec.clone(), GetSecurityPublicKeyCertificates::new())
    }
}
