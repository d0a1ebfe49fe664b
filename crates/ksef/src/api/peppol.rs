//! Peppol service providers (`/peppol`).

use ksef_model::operations::GetPeppolQuery;

use crate::call::Call;
use crate::client::{AuthenticatedClient, Client};
use crate::executor::Executor;

/// Peppol service providers registered in KSeF. Get it with [`Client::peppol`] or
/// [`AuthenticatedClient::peppol`].
#[derive(Debug, Clone)]
pub struct Peppol {
    exec: Executor,
}

impl Client {
    /// Peppol service providers (`/peppol`).
    pub fn peppol(&self) -> Peppol {
        Peppol {
            exec: self.executor(),
        }
    }
}

impl AuthenticatedClient {
    /// Peppol service providers (`/peppol`).
    pub fn peppol(&self) -> Peppol {
        Peppol {
            exec: self.executor(),
        }
    }
}

impl Peppol {
    /// `GET /peppol/query`: the registered Peppol providers (stream with `.items()`).
    pub fn providers(&self) -> Call<GetPeppolQuery> {
        Call::new(self.exec.clone(), GetPeppolQuery::new())
    }
}
