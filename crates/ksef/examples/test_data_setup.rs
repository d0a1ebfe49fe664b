//! Preparing test data on the TEST environment: a VAT group with a member, a person, direct
//! permissions for the person in the group's context and the permission to send invoices with
//! attachments — all recorded in a `TestDataScope` by `testdata().scoped(..)`, which undoes
//! everything at the end, also when a step fails or panics.
//!
//! The `/testdata` endpoints need no login. They exist on TEST (and in the emulator) only.
//!
//! Run it with `cargo run -p ksef --example test_data_setup` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use futures::TryStreamExt;
use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::model::{
    AttachmentPermissionGrantRequest, Nip, PersonCreateRequest, Pesel, SubjectCreateRequest,
    SubjectType, Subunit, TestDataAuthorizedIdentifier, TestDataAuthorizedIdentifierType,
    TestDataContextIdentifier, TestDataContextIdentifierType, TestDataPermission,
    TestDataPermissionType, TestDataPermissionsGrantRequest,
};

#[tokio::main]
async fn main() -> common::Result {
    let server = common::Server::start().await?;
    let (group_nip, _) = common::random_ids();
    let (member_nip, _) = common::random_ids();
    let (person_nip, pesel) = common::random_ids();
    let client = server.client.clone();
    let (result, cleanup) = server
        .client
        .testdata()
        .scoped(|scope| async move {
            // 1. A VAT group with one member.
            let mut group = SubjectCreateRequest::new(
                Nip::new(group_nip.as_str())?,
                SubjectType::VatGroup,
                "Grupa VAT (example)".into(),
            );
            group.subunits = Some(vec![Subunit::new(
                Nip::new(member_nip.as_str())?,
                "Członek grupy (example)".into(),
            )]);
            scope.create_subject(group).await?;
            println!("VAT group {group_nip} with member {member_nip}");

            // 2. A person (with their own sole-proprietorship NIP).
            scope
                .create_person(PersonCreateRequest::new(
                    Nip::new(person_nip.as_str())?,
                    Pesel::new(pesel.as_str())?,
                    false,
                    "Księgowa (example)".into(),
                ))
                .await?;
            println!("person PESEL {pesel} (NIP {person_nip})");

            // 3. Permissions for the person in the group's context, granted directly.
            let permission = |kind| TestDataPermission::new("granted by test data".into(), kind);
            scope
                .grant_permissions(TestDataPermissionsGrantRequest::new(
                    TestDataContextIdentifier::new(
                        TestDataContextIdentifierType::Nip,
                        group_nip.clone(),
                    ),
                    TestDataAuthorizedIdentifier::new(
                        TestDataAuthorizedIdentifierType::Pesel,
                        pesel.clone(),
                    ),
                    vec![
                        permission(TestDataPermissionType::InvoiceRead),
                        permission(TestDataPermissionType::InvoiceWrite),
                        permission(TestDataPermissionType::CredentialsRead),
                    ],
                ))
                .await?;
            // 4. The group may send invoices with attachments.
            scope
                .grant_attachment(AttachmentPermissionGrantRequest::new(Nip::new(
                    group_nip.as_str(),
                )?))
                .await?;
            println!("{} test-data steps recorded", scope.pending());

            // The person can now log in to the group's context.
            let session = client
                .login_xades(
                    &common::certificate(&pesel)?,
                    ContextIdentifier::Nip(group_nip.clone()),
                    &XadesOptions::default(),
                )
                .await?;
            let mine: Vec<_> = session
                .permissions()
                .query_personal()
                .items()
                .try_collect()
                .await?;
            let scopes: Vec<_> = mine
                .iter()
                .map(|p| format!("{:?}", p.permission_scope))
                .collect();
            println!(
                "logged in to {group_nip}; permissions: {}",
                scopes.join(", ")
            );
            let attachments = session.permissions().attachments_status().send().await?;
            println!(
                "invoices with attachments allowed: {}",
                attachments.is_attachment_allowed.unwrap_or(false)
            );
            session.auth_sessions().terminate_current().send().await?;
            Ok::<_, Box<dyn std::error::Error>>(())
        })
        .await;
    // Everything was undone, newest first — also had a step failed.
    result?;
    cleanup.map_err(|errors| format!("cleanup failed: {errors:?}"))?;
    println!("test data removed");
    server.stop().await;
    Ok(())
}
