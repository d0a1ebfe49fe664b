//! Test data (`/testdata`, TEST environment only): subjects, persons, permissions, attachment
//! permission, context blocking. See [`TestDataScope`] for automatic cleanup.

use ksef_model::operations::{
    PostTestdataAttachment, PostTestdataAttachmentRevoke, PostTestdataContextBlock,
    PostTestdataContextUnblock, PostTestdataPermissions, PostTestdataPermissionsRevoke,
    PostTestdataPerson, PostTestdataPersonRemove, PostTestdataSubject, PostTestdataSubjectRemove,
};
use ksef_model::{
    AttachmentPermissionGrantRequest, AttachmentPermissionRevokeRequest,
    BlockContextAuthenticationRequest, PersonCreateRequest, PersonRemoveRequest,
    SubjectCreateRequest, SubjectRemoveRequest, TestDataPermissionsGrantRequest,
    TestDataPermissionsRevokeRequest, UnblockContextAuthenticationRequest,
};

use crate::api::TestDataScope;
use crate::call::Call;
use crate::client::{AuthenticatedClient, Client};
use crate::executor::Executor;

/// Test data of the TEST environment. Get it with [`Client::testdata`] or
/// [`AuthenticatedClient::testdata`]; these calls need no access token.
#[derive(Debug, Clone)]
pub struct TestData {
    exec: Executor,
}

impl Client {
    /// Test data (`/testdata`, TEST only).
    pub fn testdata(&self) -> TestData {
        TestData {
            exec: self.executor(),
        }
    }
}

impl AuthenticatedClient {
    /// Test data (`/testdata`, TEST only). Through a logged-in client, a [`TestDataScope`]
    /// can also change (and reset) limits.
    pub fn testdata(&self) -> TestData {
        TestData {
            exec: self.executor(),
        }
    }
}

impl TestData {
    /// A scope that records what it creates and undoes it all with
    /// [`TestDataScope::cleanup`].
    pub fn scope(&self) -> TestDataScope {
        TestDataScope::new(self.exec.clone())
    }

    /// `POST /testdata/subject`: creates a subject (company, VAT group, JST) with optional
    /// subunits.
    pub fn create_subject(&self, request: SubjectCreateRequest) -> Call<PostTestdataSubject> {
        Call::new(self.exec.clone(), PostTestdataSubject::new(request))
    }

    /// `POST /testdata/subject/remove`: removes a subject created by
    /// [`TestData::create_subject`].
    pub fn remove_subject(&self, request: SubjectRemoveRequest) -> Call<PostTestdataSubjectRemove> {
        Call::new(self.exec.clone(), PostTestdataSubjectRemove::new(request))
    }

    /// `POST /testdata/person`: creates a natural person (NIP, PESEL, bailiff flag).
    pub fn create_person(&self, request: PersonCreateRequest) -> Call<PostTestdataPerson> {
        Call::new(self.exec.clone(), PostTestdataPerson::new(request))
    }

    /// `POST /testdata/person/remove`: removes a person created by [`TestData::create_person`].
    pub fn remove_person(&self, request: PersonRemoveRequest) -> Call<PostTestdataPersonRemove> {
        Call::new(self.exec.clone(), PostTestdataPersonRemove::new(request))
    }

    /// `POST /testdata/permissions`: grants permissions in a context directly.
    pub fn grant_permissions(
        &self,
        request: TestDataPermissionsGrantRequest,
    ) -> Call<PostTestdataPermissions> {
        Call::new(self.exec.clone(), PostTestdataPermissions::new(request))
    }

    /// `POST /testdata/permissions/revoke`: revokes permissions granted by
    /// [`TestData::grant_permissions`].
    pub fn revoke_permissions(
        &self,
        request: TestDataPermissionsRevokeRequest,
    ) -> Call<PostTestdataPermissionsRevoke> {
        Call::new(
            self.exec.clone(),
            PostTestdataPermissionsRevoke::new(request),
        )
    }

    /// `POST /testdata/attachment`: allows a subject to send invoices with attachments.
    pub fn grant_attachment(
        &self,
        request: AttachmentPermissionGrantRequest,
    ) -> Call<PostTestdataAttachment> {
        Call::new(self.exec.clone(), PostTestdataAttachment::new(request))
    }

    /// `POST /testdata/attachment/revoke`: withdraws the attachment permission.
    pub fn revoke_attachment(
        &self,
        request: AttachmentPermissionRevokeRequest,
    ) -> Call<PostTestdataAttachmentRevoke> {
        Call::new(
            self.exec.clone(),
            PostTestdataAttachmentRevoke::new(request),
        )
    }

    /// `POST /testdata/context/block`: blocks authentication in a context (logins then end
    /// with status 480).
    pub fn block_context(
        &self,
        request: BlockContextAuthenticationRequest,
    ) -> Call<PostTestdataContextBlock> {
        Call::new(
            self.exec.clone(),
            PostTestdataContextBlock::new().with_body(request),
        )
    }

    /// `POST /testdata/context/unblock`: unblocks authentication in a context.
    pub fn unblock_context(
        &self,
        request: UnblockContextAuthenticationRequest,
    ) -> Call<PostTestdataContextUnblock> {
        Call::new(
            self.exec.clone(),
            PostTestdataContextUnblock::new().with_body(request),
        )
    }
}
