//! Active authentication sessions (`/auth/sessions`): list and terminate.

use ksef_model::ReferenceNumber;
use ksef_model::operations::{
    DeleteAuthSessionsByReferenceNumber, DeleteAuthSessionsCurrent, GetAuthSessions,
};

use crate::call::Call;
use crate::client::AuthenticatedClient;
use crate::executor::Executor;

/// Active authentication sessions of the current context. Get it with
/// [`AuthenticatedClient::auth_sessions`].
#[derive(Debug, Clone)]
pub struct AuthSessions {
    exec: Executor,
}

impl AuthenticatedClient {
    /// Active authentication sessions (`/auth/sessions`).
    pub fn auth_sessions(&self) -> AuthSessions {
        AuthSessions {
            exec: self.executor(),
        }
    }
}

impl AuthSessions {
    /// `GET /auth/sessions`: the active authentication sessions (stream with `.items()`).
    pub fn list(&self) -> Call<GetAuthSessions> {
        Call::new(self.exec.clone(), GetAuthSessions::new())
    }

    /// `DELETE /auth/sessions/current`: ends the session of this login (its refresh token stops
    /// working).
    pub fn terminate_current(&self) -> Call<DeleteAuthSessionsCurrent> {
        Call::new(self.exec.clone(), DeleteAuthSessionsCurrent::new())
    }

    /// `DELETE /auth/sessions/{referenceNumber}`: ends another authentication session.
    pub fn terminate(
        &self,
        reference_number: ReferenceNumber,
    ) -> Call<DeleteAuthSessionsByReferenceNumber> {
        Call::new(
            self.exec.clone(),
            DeleteAuthSessionsByReferenceNumber::new(reference_number),
        )
    }
}
