//! [`TestDataScope`]: test data that cleans up after itself.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use futures::FutureExt as _;

use ksef_model::catalogue::Operation;
use ksef_model::operations::{
    DeleteTestdataLimitsContextSession, DeleteTestdataLimitsSubjectCertificate,
    DeleteTestdataRateLimits, PostTestdataAttachment, PostTestdataAttachmentRevoke,
    PostTestdataContextBlock, PostTestdataContextUnblock, PostTestdataLimitsContextSession,
    PostTestdataLimitsSubjectCertificate, PostTestdataPermissions, PostTestdataPermissionsRevoke,
    PostTestdataPerson, PostTestdataPersonRemove, PostTestdataRateLimits,
    PostTestdataRateLimitsProduction, PostTestdataSubject, PostTestdataSubjectRemove,
};
use ksef_model::{
    AttachmentPermissionGrantRequest, AttachmentPermissionRevokeRequest,
    BlockContextAuthenticationRequest, PersonCreateRequest, PersonRemoveRequest,
    SetRateLimitsRequest, SetSessionLimitsRequest, SetSubjectLimitsRequest, SubjectCreateRequest,
    SubjectRemoveRequest, TestDataPermissionsGrantRequest, TestDataPermissionsRevokeRequest,
    UnblockContextAuthenticationRequest,
};

use crate::api::TestData;
use crate::error::{Error, Result};
use crate::executor::Executor;

/// Test data that is undone together: every successful create, grant, block or limit change
/// records its undo step, and [`TestDataScope::cleanup`] runs the steps in reverse order.
///
/// Get it with [`crate::api::TestData::scope`]. The limit setters need a logged-in client
/// (`AuthenticatedClient::testdata().scope()`); the other methods work on any client.
/// Dropping a scope with steps still pending logs a warning (nothing is sent from `Drop`).
///
/// | Call | Undone by |
/// |---|---|
/// | `POST /testdata/subject` | `POST /testdata/subject/remove` |
/// | `POST /testdata/person` | `POST /testdata/person/remove` |
/// | `POST /testdata/permissions` | `POST /testdata/permissions/revoke` |
/// | `POST /testdata/attachment` | `POST /testdata/attachment/revoke` |
/// | `POST /testdata/context/block` | `POST /testdata/context/unblock` |
/// | `POST /testdata/limits/context/session` | `DELETE /testdata/limits/context/session` |
/// | `POST /testdata/limits/subject/certificate` | `DELETE /testdata/limits/subject/certificate` |
/// | `POST /testdata/rate-limits`, `POST /testdata/rate-limits/production` | `DELETE /testdata/rate-limits` |
#[derive(Debug)]
pub struct TestDataScope {
    exec: Executor,
    undo: Mutex<Vec<Undo>>,
}

/// One recorded undo step.
#[derive(Debug)]
enum Undo {
    RemoveSubject(SubjectRemoveRequest),
    RemovePerson(PersonRemoveRequest),
    RevokePermissions(TestDataPermissionsRevokeRequest),
    RevokeAttachment(AttachmentPermissionRevokeRequest),
    Unblock(UnblockContextAuthenticationRequest),
    ResetSessionLimits,
    ResetCertificateLimits,
    ResetRateLimits,
}

impl TestDataScope {
    pub(crate) fn new(exec: Executor) -> Self {
        Self {
            exec,
            undo: Mutex::new(Vec::new()),
        }
    }

    fn steps(&self) -> MutexGuard<'_, Vec<Undo>> {
        self.undo.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn run<O: Operation>(&self, request: O, undo: Undo) -> Result<()> {
        self.exec.run(&request).await?;
        self.steps().push(undo);
        Ok(())
    }

    /// How many undo steps are recorded.
    pub fn pending(&self) -> usize {
        self.steps().len()
    }

    /// `POST /testdata/subject`; undone by `POST /testdata/subject/remove`.
    pub async fn create_subject(&self, request: SubjectCreateRequest) -> Result<()> {
        let undo = Undo::RemoveSubject(SubjectRemoveRequest::new(request.subject_nip.clone()));
        self.run(PostTestdataSubject::new(request), undo).await
    }

    /// `POST /testdata/person`; undone by `POST /testdata/person/remove`.
    pub async fn create_person(&self, request: PersonCreateRequest) -> Result<()> {
        let undo = Undo::RemovePerson(PersonRemoveRequest::new(request.nip.clone()));
        self.run(PostTestdataPerson::new(request), undo).await
    }

    /// `POST /testdata/permissions`; undone by `POST /testdata/permissions/revoke`.
    pub async fn grant_permissions(&self, request: TestDataPermissionsGrantRequest) -> Result<()> {
        let undo = Undo::RevokePermissions(TestDataPermissionsRevokeRequest::new(
            request.context_identifier.clone(),
            request.authorized_identifier.clone(),
        ));
        self.run(PostTestdataPermissions::new(request), undo).await
    }

    /// `POST /testdata/attachment`; undone by `POST /testdata/attachment/revoke`.
    pub async fn grant_attachment(&self, request: AttachmentPermissionGrantRequest) -> Result<()> {
        let undo =
            Undo::RevokeAttachment(AttachmentPermissionRevokeRequest::new(request.nip.clone()));
        self.run(PostTestdataAttachment::new(request), undo).await
    }

    /// `POST /testdata/context/block`; undone by `POST /testdata/context/unblock`.
    pub async fn block_context(&self, request: BlockContextAuthenticationRequest) -> Result<()> {
        let mut unblock = UnblockContextAuthenticationRequest::new();
        unblock.context_identifier = request.context_identifier.clone();
        let undo = Undo::Unblock(unblock);
        self.run(PostTestdataContextBlock::new().with_body(request), undo)
            .await
    }

    /// `POST /testdata/limits/context/session` (logged-in client); undone by
    /// `DELETE /testdata/limits/context/session`.
    pub async fn set_session_limits(&self, request: SetSessionLimitsRequest) -> Result<()> {
        self.run(
            PostTestdataLimitsContextSession::new(request),
            Undo::ResetSessionLimits,
        )
        .await
    }

    /// `POST /testdata/limits/subject/certificate` (logged-in client); undone by
    /// `DELETE /testdata/limits/subject/certificate`.
    pub async fn set_certificate_limits(&self, request: SetSubjectLimitsRequest) -> Result<()> {
        let call = PostTestdataLimitsSubjectCertificate::new().with_body(request);
        self.run(call, Undo::ResetCertificateLimits).await
    }

    /// `POST /testdata/rate-limits` (logged-in client); undone by `DELETE /testdata/rate-limits`.
    pub async fn set_rate_limits(&self, request: SetRateLimitsRequest) -> Result<()> {
        self.run(PostTestdataRateLimits::new(request), Undo::ResetRateLimits)
            .await
    }

    /// `POST /testdata/rate-limits/production` (logged-in client); undone by
    /// `DELETE /testdata/rate-limits`.
    pub async fn set_production_rate_limits(&self) -> Result<()> {
        self.run(
            PostTestdataRateLimitsProduction::new(),
            Undo::ResetRateLimits,
        )
        .await
    }

    /// Undoes every recorded step, newest first. A failed step does not stop the others: every
    /// error is returned, in the order the steps ran.
    pub async fn cleanup(self) -> Result<(), Vec<Error>> {
        self.undo_all().await
    }

    async fn undo_all(&self) -> Result<(), Vec<Error>> {
        let steps = std::mem::take(&mut *self.steps());
        let mut errors = Vec::new();
        for step in steps.into_iter().rev() {
            let outcome = match step {
                Undo::RemoveSubject(r) => self
                    .exec
                    .run(&PostTestdataSubjectRemove::new(r))
                    .await
                    .map(drop),
                Undo::RemovePerson(r) => self
                    .exec
                    .run(&PostTestdataPersonRemove::new(r))
                    .await
                    .map(drop),
                Undo::RevokePermissions(r) => self
                    .exec
                    .run(&PostTestdataPermissionsRevoke::new(r))
                    .await
                    .map(drop),
                Undo::RevokeAttachment(r) => self
                    .exec
                    .run(&PostTestdataAttachmentRevoke::new(r))
                    .await
                    .map(drop),
                Undo::Unblock(r) => {
                    let request = PostTestdataContextUnblock::new().with_body(r);
                    self.exec.run(&request).await.map(drop)
                }
                Undo::ResetSessionLimits => self
                    .exec
                    .run(&DeleteTestdataLimitsContextSession::new())
                    .await
                    .map(drop),
                Undo::ResetCertificateLimits => self
                    .exec
                    .run(&DeleteTestdataLimitsSubjectCertificate::new())
                    .await
                    .map(drop),
                Undo::ResetRateLimits => self
                    .exec
                    .run(&DeleteTestdataRateLimits::new())
                    .await
                    .map(drop),
            };
            if let Err(e) = outcome {
                tracing::warn!(error = %e, "test data cleanup step failed; continuing");
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What [`TestData::scoped`] returns: the body's result, and the outcome of the cleanup (every
/// failed undo step's error).
pub type ScopedResult<T, E = Error> = (Result<T, E>, Result<(), Vec<Error>>);

impl TestData {
    /// Runs `body` with a fresh [`TestDataScope`] and then undoes everything it recorded —
    /// also when `body` returns an error or panics (the panic goes on after the cleanup).
    /// Returns the body's result together with the cleanup's. The body may fail with any error
    /// type; a body ending in `Ok(..)` names it, e.g. `Ok::<_, ksef::Error>(())`.
    ///
    /// ```no_run
    /// # async fn demo(client: ksef::Client, nip: ksef::model::Nip) -> ksef::Result<()> {
    /// use ksef::api::testdata_requests::subject;
    /// let (result, cleanup) = client.testdata().scoped(|t| async move {
    ///     t.create_subject(subject(&nip, ksef::model::SubjectType::VatGroup, "group")).await
    /// }).await;
    /// result?;
    /// assert!(cleanup.is_ok());
    /// # Ok(()) }
    /// ```
    pub async fn scoped<T, E, F, Fut>(&self, body: F) -> ScopedResult<T, E>
    where
        F: FnOnce(Arc<TestDataScope>) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let scope = Arc::new(self.scope());
        let outcome = AssertUnwindSafe(body(scope.clone())).catch_unwind().await;
        let cleanup = scope.undo_all().await;
        match outcome {
            Ok(result) => (result, cleanup),
            Err(panic) => {
                if let Err(errors) = &cleanup {
                    tracing::warn!(?errors, "test data cleanup after a panic failed");
                }
                std::panic::resume_unwind(panic)
            }
        }
    }
}

impl Drop for TestDataScope {
    fn drop(&mut self) {
        let pending = self.steps().len();
        if pending > 0 {
            tracing::warn!(
                pending,
                "TestDataScope dropped with undo steps pending: call cleanup().await"
            );
        }
    }
}
