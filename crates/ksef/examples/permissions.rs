//! Permissions: the owner of a company grants an employee (a person identified by PESEL) the
//! right to read and send invoices, follows the asynchronous grant to its end, lists the
//! permissions granted in the context, lets the employee log in and list their own permissions,
//! and finally revokes the grant.
//!
//! Run it with `cargo run -p ksef --example permissions` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use futures::TryStreamExt;
use ksef::model::{
    PersonDetails, PersonPermissionSubjectDetails, PersonPermissionSubjectDetailsType,
    PersonPermissionType, PersonPermissionsGrantRequest, PersonPermissionsQueryRequest,
    PersonPermissionsQueryType, PersonPermissionsSubjectIdentifier,
    PersonPermissionsSubjectIdentifierType,
};

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, owner) = common::start_logged_in("example permissions").await?;
    let (_, employee_pesel) = common::random_ids();

    // 1. Grant: InvoiceRead and InvoiceWrite to the employee, identified by PESEL.
    let mut details =
        PersonPermissionSubjectDetails::new(PersonPermissionSubjectDetailsType::PersonByIdentifier);
    details.person_by_id = Some(PersonDetails::new("Anna".into(), "Pracownicza".into()));
    let grant = owner
        .permissions()
        .grant_to_persons(PersonPermissionsGrantRequest::new(
            PersonPermissionsSubjectIdentifier::new(
                PersonPermissionsSubjectIdentifierType::Pesel,
                employee_pesel.clone(),
            ),
            vec![
                PersonPermissionType::InvoiceRead,
                PersonPermissionType::InvoiceWrite,
            ],
            "accounting department".into(),
            details,
        ))
        .send()
        .await?;
    // Grants and revocations run asynchronously: wait until KSeF has carried them out.
    let minute = Duration::from_secs(60);
    owner
        .wait_for_permission_operation(&grant.reference_number, minute)
        .await?;
    println!("granted (operation {})", grant.reference_number);

    // 2. What has been granted in this context (a paginated query).
    let query = PersonPermissionsQueryRequest::new(
        PersonPermissionsQueryType::PermissionsGrantedInCurrentContext,
    );
    let granted: Vec<_> = owner
        .permissions()
        .query_persons(query)
        .items()
        .try_collect()
        .await?;
    println!("permissions granted in context {}:", person.nip);
    for p in &granted {
        println!(
            "  {} {:?} to {:?} {} ({:?})",
            p.id,
            p.permission_scope,
            p.authorized_identifier.r#type,
            p.authorized_identifier.value,
            p.permission_state
        );
    }

    // 3. The employee logs in to the company's context and sees their own permissions.
    let employee = server
        .client
        .login_xades(
            &common::certificate(&employee_pesel)?,
            person.context(),
            &ksef::auth::XadesOptions::default(),
        )
        .await?;
    let mine: Vec<_> = employee
        .permissions()
        .query_personal()
        .items()
        .try_collect()
        .await?;
    println!(
        "the employee logged in and holds {} permission(s):",
        mine.len()
    );
    for p in &mine {
        println!("  {:?}: {}", p.permission_scope, p.description);
    }

    // 4. Revoke everything granted to the employee.
    for p in granted
        .iter()
        .filter(|p| p.authorized_identifier.value == employee_pesel)
    {
        let revoke = owner.permissions().revoke(p.id.clone()).send().await?;
        owner
            .wait_for_permission_operation(&revoke.reference_number, minute)
            .await?;
        println!("revoked {:?}", p.permission_scope);
    }
    server.stop().await;
    Ok(())
}
