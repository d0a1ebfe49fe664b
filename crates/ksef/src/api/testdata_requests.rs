//! Short constructors of the common test-data requests, for [`crate::api::TestDataScope`] and
//! [`crate::api::TestData`]: a subject, a person, permissions granted directly, a removal, a
//! blocked context.
//!
//! ```no_run
//! # async fn demo(client: ksef::Client, org: ksef::model::Nip, someone: ksef::model::Nip,
//! #     pesel: ksef::model::Pesel) -> ksef::Result<()> {
//! use ksef::api::testdata_requests::{grant, person, subject};
//! use ksef::model::{SubjectType, TestDataPermissionType as P};
//!
//! let (result, cleanup) = client.testdata().scoped(|t| async move {
//!     t.create_subject(subject(&org, SubjectType::EnforcementAuthority, "Test organization")).await?;
//!     t.create_person(person(&someone, &pesel, "Test person")).await?;
//!     t.grant_permissions(grant(&org, &someone, [P::InvoiceWrite])).await?;
//!     // … run tests …
//!     Ok::<_, ksef::Error>(())
//! }).await;
//! # Ok(()) }
//! ```

use ksef_model::{
    BlockContextAuthenticationRequest, Nip, PersonCreateRequest, Pesel, SubjectCreateRequest,
    SubjectRemoveRequest, SubjectType, TestDataAuthenticationContextIdentifier,
    TestDataAuthenticationContextIdentifierType, TestDataAuthorizedIdentifier,
    TestDataAuthorizedIdentifierType, TestDataContextIdentifier, TestDataContextIdentifierType,
    TestDataPermission, TestDataPermissionType, TestDataPermissionsGrantRequest,
    UnblockContextAuthenticationRequest,
};

/// `POST /testdata/subject`: a subject of `kind` without subunits.
pub fn subject(nip: &Nip, kind: SubjectType, description: &str) -> SubjectCreateRequest {
    SubjectCreateRequest::new(nip.clone(), kind, description.to_owned())
}

/// `POST /testdata/person`: a person (not a bailiff) with their own NIP.
pub fn person(nip: &Nip, pesel: &Pesel, description: &str) -> PersonCreateRequest {
    PersonCreateRequest::new(nip.clone(), pesel.clone(), false, description.to_owned())
}

/// `POST /testdata/permissions`: `permissions` in the context of `context`, for the subject
/// with NIP `authorized` (each permission described by its name).
pub fn grant(
    context: &Nip,
    authorized: &Nip,
    permissions: impl IntoIterator<Item = TestDataPermissionType>,
) -> TestDataPermissionsGrantRequest {
    grant_to(
        context,
        TestDataAuthorizedIdentifierType::Nip,
        authorized.as_str(),
        permissions,
    )
}

/// `POST /testdata/permissions`: `permissions` in the context of `context`, for the person with
/// PESEL `authorized`.
pub fn grant_to_pesel(
    context: &Nip,
    authorized: &Pesel,
    permissions: impl IntoIterator<Item = TestDataPermissionType>,
) -> TestDataPermissionsGrantRequest {
    grant_to(
        context,
        TestDataAuthorizedIdentifierType::Pesel,
        authorized.as_str(),
        permissions,
    )
}

fn grant_to(
    context: &Nip,
    kind: TestDataAuthorizedIdentifierType,
    authorized: &str,
    permissions: impl IntoIterator<Item = TestDataPermissionType>,
) -> TestDataPermissionsGrantRequest {
    TestDataPermissionsGrantRequest::new(
        TestDataContextIdentifier::new(
            TestDataContextIdentifierType::Nip,
            context.as_str().to_owned(),
        ),
        TestDataAuthorizedIdentifier::new(kind, authorized.to_owned()),
        permissions
            .into_iter()
            .map(|p| TestDataPermission::new(p.to_string(), p))
            .collect(),
    )
}

/// `POST /testdata/subject/remove`: removes the subject with NIP `nip`.
pub fn remove_subject(nip: &Nip) -> SubjectRemoveRequest {
    SubjectRemoveRequest::new(nip.clone())
}

/// `POST /testdata/context/block`: authentication in the context of NIP `nip` is refused
/// (status 480) until it is unblocked.
pub fn block(nip: &Nip) -> BlockContextAuthenticationRequest {
    BlockContextAuthenticationRequest::new().with_context_identifier(nip_context(nip))
}

/// `POST /testdata/context/unblock`: undoes [`block`].
pub fn unblock(nip: &Nip) -> UnblockContextAuthenticationRequest {
    UnblockContextAuthenticationRequest::new().with_context_identifier(nip_context(nip))
}

fn nip_context(nip: &Nip) -> TestDataAuthenticationContextIdentifier {
    TestDataAuthenticationContextIdentifier::new(
        nip.as_str().to_owned(),
        TestDataAuthenticationContextIdentifierType::Nip,
    )
}
