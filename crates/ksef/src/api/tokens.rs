//! KSeF tokens: generate, list, status, revoke (`/tokens`).

use ksef_model::operations::{
    DeleteTokensByReferenceNumber, GetTokens, GetTokensByReferenceNumber, PostTokens,
};
use ksef_model::{GenerateTokenRequest, ReferenceNumber};

use crate::call::Call;
use crate::client::AuthenticatedClient;
use crate::executor::Executor;

/// KSeF tokens of the current context. Get it with [`AuthenticatedClient::tokens`].
#[derive(Debug, Clone)]
pub struct Tokens {
    exec: Executor,
}

impl AuthenticatedClient {
    /// KSeF tokens (`/tokens`).
    pub fn tokens(&self) -> Tokens {
        Tokens {
            exec: self.executor(),
        }
    }
}

impl Tokens {
    /// `POST /tokens`: generates a new KSeF token with the given permissions. The token text is
    /// returned once; store it as a secret.
    pub fn generate(&self, request: GenerateTokenRequest) -> Call<PostTokens> {
        Call::new(self.exec.clone(), PostTokens::new(request))
    }

    /// `GET /tokens`: lists tokens (filter with `.with(|r| ..)`, stream with `.items()`).
    pub fn list(&self) -> Call<GetTokens> {
        Call::new(self.exec.clone(), GetTokens::new())
    }

    /// `GET /tokens/{referenceNumber}`: the status of one token.
    pub fn status(&self, reference_number: ReferenceNumber) -> Call<GetTokensByReferenceNumber> {
        Call::new(
            self.exec.clone(),
            GetTokensByReferenceNumber::new(reference_number),
        )
    }

    /// `DELETE /tokens/{referenceNumber}`: revokes a token.
    pub fn revoke(&self, reference_number: ReferenceNumber) -> Call<DeleteTokensByReferenceNumber> {
        Call::new(
            self.exec.clone(),
            DeleteTokensByReferenceNumber::new(reference_number),
        )
    }
}
