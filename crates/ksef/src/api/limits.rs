//! Limits (`/limits`, `/rate-limits`) and, on TEST, their setters under `/testdata`.

use ksef_model::operations::{
    DeleteTestdataLimitsContextSession, DeleteTestdataLimitsSubjectCertificate,
    DeleteTestdataRateLimits, GetLimitsContext, GetLimitsSubject, GetRateLimits,
    PostTestdataLimitsContextSession, PostTestdataLimitsSubjectCertificate, PostTestdataRateLimits,
    PostTestdataRateLimitsProduction,
};
use ksef_model::{SetRateLimitsRequest, SetSessionLimitsRequest, SetSubjectLimitsRequest};

use crate::call::Call;
use crate::client::AuthenticatedClient;
use crate::executor::Executor;

/// The limits in force for the current context and subject. Get it with
/// [`AuthenticatedClient::limits`].
///
/// The `set_*`/`reset_*` methods exist on the TEST environment only.
#[derive(Debug, Clone)]
pub struct Limits {
    exec: Executor,
}

impl AuthenticatedClient {
    /// Limits (`/limits`, `/rate-limits`, TEST setters under `/testdata`).
    pub fn limits(&self) -> Limits {
        Limits {
            exec: self.executor(),
        }
    }
}

impl Limits {
    /// `GET /limits/context`: session and invoice limits of the current context.
    pub fn context(&self) -> Call<GetLimitsContext> {
        Call::new(self.exec.clone(), GetLimitsContext::new())
    }

    /// `GET /limits/subject`: certificate and enrollment limits of the authenticated subject.
    pub fn subject(&self) -> Call<GetLimitsSubject> {
        Call::new(self.exec.clone(), GetLimitsSubject::new())
    }

    /// `GET /rate-limits`: the request rate limits in force.
    pub fn api_rate_limits(&self) -> Call<GetRateLimits> {
        Call::new(self.exec.clone(), GetRateLimits::new())
    }

    /// `POST /testdata/limits/context/session` (TEST): changes the session limits of the
    /// current context.
    pub fn set_session_limits(
        &self,
        limits: SetSessionLimitsRequest,
    ) -> Call<PostTestdataLimitsContextSession> {
        Call::new(
            self.exec.clone(),
            PostTestdataLimitsContextSession::new(limits),
        )
    }

    /// `DELETE /testdata/limits/context/session` (TEST): restores the default session limits.
    pub fn reset_session_limits(&self) -> Call<DeleteTestdataLimitsContextSession> {
        Call::new(self.exec.clone(), DeleteTestdataLimitsContextSession::new())
    }

    /// `POST /testdata/limits/subject/certificate` (TEST): changes the certificate limits of
    /// the authenticated subject.
    pub fn set_certificate_limits(
        &self,
        limits: SetSubjectLimitsRequest,
    ) -> Call<PostTestdataLimitsSubjectCertificate> {
        Call::new(
            self.exec.clone(),
            PostTestdataLimitsSubjectCertificate::new().with_body(limits),
        )
    }

    /// `DELETE /testdata/limits/subject/certificate` (TEST): restores the default certificate
    /// limits.
    pub fn reset_certificate_limits(&self) -> Call<DeleteTestdataLimitsSubjectCertificate> {
        Call::new(
            self.exec.clone(),
            DeleteTestdataLimitsSubjectCertificate::new(),
        )
    }

    /// `POST /testdata/rate-limits` (TEST): changes the request rate limits of the current
    /// context.
    pub fn set_rate_limits(&self, limits: SetRateLimitsRequest) -> Call<PostTestdataRateLimits> {
        Call::new(self.exec.clone(), PostTestdataRateLimits::new(limits))
    }

    /// `DELETE /testdata/rate-limits` (TEST): restores the default request rate limits.
    pub fn reset_rate_limits(&self) -> Call<DeleteTestdataRateLimits> {
        Call::new(self.exec.clone(), DeleteTestdataRateLimits::new())
    }

    /// `POST /testdata/rate-limits/production` (TEST): applies the production rate limits to
    /// the current context.
    pub fn set_production_rate_limits(&self) -> Call<PostTestdataRateLimitsProduction> {
        Call::new(self.exec.clone(), PostTestdataRateLimitsProduction::new())
    }
}
