//! Short constructors of the common permission grants, for [`crate::api::Permissions`]: a
//! person identified by PESEL or NIP, an entity identified by NIP.
//!
//! ```no_run
//! # async fn demo(auth: ksef::AuthenticatedClient, pesel: ksef::model::Pesel,
//! #     partner: ksef::model::Nip) -> ksef::Result<()> {
//! use ksef::api::permission_requests::{entity_grant, person_grant};
//! use ksef::model::{EntityPermissionType, PersonPermissionType};
//!
//! let read = [PersonPermissionType::InvoiceRead];
//! let grant = person_grant(&pesel, ("Jan", "Kowalski"), read, "Read access");
//! auth.permissions().grant_to_persons(grant).await?;
//! let delegable_read = [(EntityPermissionType::InvoiceRead, true)];
//! let grant = entity_grant(&partner, "Partner Company", delegable_read, "Entity access");
//! auth.permissions().grant_to_entities(grant).await?;
//! # Ok(()) }
//! ```

use ksef_model::{
    EntityDetails, EntityPermission, EntityPermissionType, EntityPermissionsGrantRequest,
    EntityPermissionsSubjectIdentifier, EntityPermissionsSubjectIdentifierType, Nip, PersonDetails,
    PersonPermissionSubjectDetails, PersonPermissionSubjectDetailsType, PersonPermissionType,
    PersonPermissionsGrantRequest, PersonPermissionsSubjectIdentifier,
    PersonPermissionsSubjectIdentifierType, Pesel,
};

/// `POST /permissions/persons/grants`: `permissions` for the person with PESEL `pesel`, named
/// `(first name, last name)`.
pub fn person_grant(
    pesel: &Pesel,
    name: (&str, &str),
    permissions: impl IntoIterator<Item = PersonPermissionType>,
    description: &str,
) -> PersonPermissionsGrantRequest {
    person_grant_to(
        PersonPermissionsSubjectIdentifierType::Pesel,
        pesel.as_str(),
        name,
        permissions,
        description,
    )
}

/// `POST /permissions/persons/grants`: `permissions` for the person with NIP `nip`, named
/// `(first name, last name)`.
pub fn person_grant_by_nip(
    nip: &Nip,
    name: (&str, &str),
    permissions: impl IntoIterator<Item = PersonPermissionType>,
    description: &str,
) -> PersonPermissionsGrantRequest {
    person_grant_to(
        PersonPermissionsSubjectIdentifierType::Nip,
        nip.as_str(),
        name,
        permissions,
        description,
    )
}

fn person_grant_to(
    kind: PersonPermissionsSubjectIdentifierType,
    value: &str,
    (first_name, last_name): (&str, &str),
    permissions: impl IntoIterator<Item = PersonPermissionType>,
    description: &str,
) -> PersonPermissionsGrantRequest {
    let mut details =
        PersonPermissionSubjectDetails::new(PersonPermissionSubjectDetailsType::PersonByIdentifier);
    details.person_by_id = Some(PersonDetails::new(
        first_name.to_owned(),
        last_name.to_owned(),
    ));
    PersonPermissionsGrantRequest::new(
        PersonPermissionsSubjectIdentifier::new(kind, value.to_owned()),
        permissions.into_iter().collect(),
        description.to_owned(),
        details,
    )
}

/// `POST /permissions/entities/grants`: `permissions` — each with whether the entity may pass
/// it on (`canDelegate`) — for the entity with NIP `nip`, named `name`.
pub fn entity_grant(
    nip: &Nip,
    name: &str,
    permissions: impl IntoIterator<Item = (EntityPermissionType, bool)>,
    description: &str,
) -> EntityPermissionsGrantRequest {
    EntityPermissionsGrantRequest::new(
        EntityPermissionsSubjectIdentifier::new(
            EntityPermissionsSubjectIdentifierType::Nip,
            nip.as_str().to_owned(),
        ),
        permissions
            .into_iter()
            .map(|(kind, can_delegate)| {
                let mut permission = EntityPermission::new(kind);
                permission.can_delegate = Some(can_delegate);
                permission
            })
            .collect(),
        description.to_owned(),
        EntityDetails::new(name.to_owned()),
    )
}
