//! Permissions (`/permissions`): grants, revocations, queries and operation status.
//!
//! Grants and revocations are asynchronous: they answer with a reference number to follow
//! with [`Permissions::operation_status`].

use ksef_model::operations::{
    DeletePermissionsAuthorizationsGrantsByPermissionId,
    DeletePermissionsCommonGrantsByPermissionId, GetPermissionsAttachmentsStatus,
    GetPermissionsOperationsByReferenceNumber, GetPermissionsQueryEntitiesRoles,
    PostPermissionsAuthorizationsGrants, PostPermissionsEntitiesGrants,
    PostPermissionsEuEntitiesAdministrationGrants, PostPermissionsEuEntitiesGrants,
    PostPermissionsIndirectGrants, PostPermissionsPersonsGrants,
    PostPermissionsQueryAuthorizationsGrants, PostPermissionsQueryEntitiesGrants,
    PostPermissionsQueryEuEntitiesGrants, PostPermissionsQueryPersonalGrants,
    PostPermissionsQueryPersonsGrants, PostPermissionsQuerySubordinateEntitiesRoles,
    PostPermissionsQuerySubunitsGrants, PostPermissionsSubunitsGrants,
};
use ksef_model::{
    EntityAuthorizationPermissionsGrantRequest, EntityAuthorizationPermissionsQueryRequest,
    EntityPermissionsGrantRequest, EuEntityAdministrationPermissionsGrantRequest,
    EuEntityPermissionsGrantRequest, IndirectPermissionsGrantRequest, PermissionId,
    PersonPermissionsGrantRequest, PersonPermissionsQueryRequest, ReferenceNumber,
    SubunitPermissionsGrantRequest,
};

use crate::call::Call;
use crate::client::AuthenticatedClient;
use crate::executor::Executor;

/// Permissions in the current context. Get it with [`AuthenticatedClient::permissions`].
///
/// Queries whose filter is optional take none here: set it with `.with(|r| r.body = Some(..))`.
/// Every query is paginated: stream it with `.items()`.
#[derive(Debug, Clone)]
pub struct Permissions {
    exec: Executor,
}

impl AuthenticatedClient {
    /// Permissions (`/permissions`).
    pub fn permissions(&self) -> Permissions {
        Permissions {
            exec: self.executor(),
        }
    }
}

impl Permissions {
    fn call<O>(&self, request: O) -> Call<O>
    where
        O: ksef_model::catalogue::Operation + Send + Sync + 'static,
        O::Response: Send + 'static,
    {
        Call::new(self.exec.clone(), request)
    }

    /// `POST /permissions/persons/grants`: grants permissions to natural persons.
    pub fn grant_to_persons(
        &self,
        request: PersonPermissionsGrantRequest,
    ) -> Call<PostPermissionsPersonsGrants> {
        self.call(PostPermissionsPersonsGrants::new(request))
    }

    /// `POST /permissions/entities/grants`: grants permissions to entities (invoice handling).
    pub fn grant_to_entities(
        &self,
        request: EntityPermissionsGrantRequest,
    ) -> Call<PostPermissionsEntitiesGrants> {
        self.call(PostPermissionsEntitiesGrants::new(request))
    }

    /// `POST /permissions/authorizations/grants`: grants entity authorizations (self-invoicing,
    /// tax representative, …).
    pub fn grant_authorizations(
        &self,
        request: EntityAuthorizationPermissionsGrantRequest,
    ) -> Call<PostPermissionsAuthorizationsGrants> {
        self.call(PostPermissionsAuthorizationsGrants::new(request))
    }

    /// `POST /permissions/indirect/grants`: grants permissions indirectly (through an
    /// intermediary entity).
    pub fn grant_indirect(
        &self,
        request: IndirectPermissionsGrantRequest,
    ) -> Call<PostPermissionsIndirectGrants> {
        self.call(PostPermissionsIndirectGrants::new(request))
    }

    /// `POST /permissions/subunits/grants`: grants administration of a subunit.
    pub fn grant_to_subunits(
        &self,
        request: SubunitPermissionsGrantRequest,
    ) -> Call<PostPermissionsSubunitsGrants> {
        self.call(PostPermissionsSubunitsGrants::new(request))
    }

    /// `POST /permissions/eu-entities/administration/grants`: grants administration of an EU
    /// entity's context.
    pub fn grant_eu_entity_administration(
        &self,
        request: EuEntityAdministrationPermissionsGrantRequest,
    ) -> Call<PostPermissionsEuEntitiesAdministrationGrants> {
        self.call(PostPermissionsEuEntitiesAdministrationGrants::new(request))
    }

    /// `POST /permissions/eu-entities/grants`: grants permissions to representatives of an EU
    /// entity.
    pub fn grant_to_eu_entities(
        &self,
        request: EuEntityPermissionsGrantRequest,
    ) -> Call<PostPermissionsEuEntitiesGrants> {
        self.call(PostPermissionsEuEntitiesGrants::new(request))
    }

    /// `DELETE /permissions/common/grants/{permissionId}`: revokes a permission.
    pub fn revoke(
        &self,
        permission_id: PermissionId,
    ) -> Call<DeletePermissionsCommonGrantsByPermissionId> {
        self.call(DeletePermissionsCommonGrantsByPermissionId::new(
            permission_id,
        ))
    }

    /// `DELETE /permissions/authorizations/grants/{permissionId}`: revokes an entity
    /// authorization.
    pub fn revoke_authorization(
        &self,
        permission_id: PermissionId,
    ) -> Call<DeletePermissionsAuthorizationsGrantsByPermissionId> {
        self.call(DeletePermissionsAuthorizationsGrantsByPermissionId::new(
            permission_id,
        ))
    }

    /// `POST /permissions/query/personal/grants`: the caller's own permissions.
    pub fn query_personal(&self) -> Call<PostPermissionsQueryPersonalGrants> {
        self.call(PostPermissionsQueryPersonalGrants::new())
    }

    /// `POST /permissions/query/persons/grants`: permissions of natural persons.
    pub fn query_persons(
        &self,
        query: PersonPermissionsQueryRequest,
    ) -> Call<PostPermissionsQueryPersonsGrants> {
        self.call(PostPermissionsQueryPersonsGrants::new(query))
    }

    /// `POST /permissions/query/subunits/grants`: subunit administrator permissions.
    pub fn query_subunits(&self) -> Call<PostPermissionsQuerySubunitsGrants> {
        self.call(PostPermissionsQuerySubunitsGrants::new())
    }

    /// `POST /permissions/query/entities/grants`: permissions granted to entities.
    pub fn query_entities(&self) -> Call<PostPermissionsQueryEntitiesGrants> {
        self.call(PostPermissionsQueryEntitiesGrants::new())
    }

    /// `GET /permissions/query/entities/roles`: the roles of the current entity.
    pub fn query_entity_roles(&self) -> Call<GetPermissionsQueryEntitiesRoles> {
        self.call(GetPermissionsQueryEntitiesRoles::new())
    }

    /// `POST /permissions/query/subordinate-entities/roles`: the roles of subordinate entities.
    pub fn query_subordinate_entity_roles(
        &self,
    ) -> Call<PostPermissionsQuerySubordinateEntitiesRoles> {
        self.call(PostPermissionsQuerySubordinateEntitiesRoles::new())
    }

    /// `POST /permissions/query/authorizations/grants`: entity authorizations.
    pub fn query_authorizations(
        &self,
        query: EntityAuthorizationPermissionsQueryRequest,
    ) -> Call<PostPermissionsQueryAuthorizationsGrants> {
        self.call(PostPermissionsQueryAuthorizationsGrants::new(query))
    }

    /// `POST /permissions/query/eu-entities/grants`: permissions of EU entities.
    pub fn query_eu_entities(&self) -> Call<PostPermissionsQueryEuEntitiesGrants> {
        self.call(PostPermissionsQueryEuEntitiesGrants::new())
    }

    /// `GET /permissions/operations/{referenceNumber}`: the status of a grant or revocation.
    pub fn operation_status(
        &self,
        reference_number: ReferenceNumber,
    ) -> Call<GetPermissionsOperationsByReferenceNumber> {
        self.call(GetPermissionsOperationsByReferenceNumber::new(
            reference_number,
        ))
    }

    /// `GET /permissions/attachments/status`: whether the context may send invoices with
    /// attachments.
    pub fn attachments_status(&self) -> Call<GetPermissionsAttachmentsStatus> {
        self.call(GetPermissionsAttachmentsStatus::new())
    }
}
