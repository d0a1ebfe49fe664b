//! The scenarios of the ksef2 (Python SDK) invoices guide and of its overview's test-data and
//! complete-workflow sections, in Rust: test data that cleans up after itself, a XAdES login, an
//! invoice filled from a template, sent, listed, and its UPO. Each scenario is one block between
//! `// [name]` and `// [/name]`; docs/compared-with-ksef2.md counts their lines against the
//! Python versions.
//!
//! Run it with `cargo run -p ksef --example ksef2_invoices` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use ksef::api::testdata_requests::{grant, person, subject};
use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::invoice::template::Template;
use ksef::model::{SubjectType, TestDataPermissionType as Permission};
use ksef::{InvoiceForm, OnlineSession};

#[tokio::main]
async fn main() -> common::Result {
    let server = common::Server::start().await?;
    let client = server.client.clone();
    let dir = common::output_dir("ksef2_invoices")?;
    let form = InvoiceForm::Fa3;
    let date = common::issue_date().to_string();
    let template = String::from_utf8(common::invoice("#nip#", "#invoice_number#"))?.replacen(
        &date,
        "#invoicing_date#",
        1,
    );
    let (org_nip, person_nip, person_pesel) = (common::nip(), common::nip(), common::pesel());

    // [testdata-temporal]
    let (o, p, pesel) = (org_nip.clone(), person_nip.clone(), person_pesel.clone());
    let (result, cleanup) = client
        .testdata()
        .scoped(|temp| async move {
            let org = subject(&o, SubjectType::EnforcementAuthority, "Test organization");
            temp.create_subject(org).await?;
            temp.create_person(person(&p, &pesel, "Test person"))
                .await?;
            temp.grant_permissions(grant(&o, &p, [Permission::InvoiceWrite]))
                .await?;
            // ... run tests ...
            Ok::<_, ksef::Error>(())
        })
        .await;
    // Automatic cleanup on exit
    // [/testdata-temporal]
    result?;
    cleanup.map_err(|e| format!("cleanup: {e:?}"))?;

    std::fs::write(
        dir.join("invoice.xml"),
        common::invoice(person_nip.as_str(), "FV/1"),
    )?;
    // [complete-workflow]
    let (org, p, pesel) = (common::nip(), common::nip(), common::pesel());
    let (result, _) = client
        .testdata()
        .scoped(|temp| async move {
            let org_subject = subject(&org, SubjectType::EnforcementAuthority, "Organization");
            temp.create_subject(org_subject).await?;
            temp.create_person(person(&p, &pesel, "A person")).await?;
            temp.grant_permissions(grant(&org, &p, [Permission::InvoiceWrite]))
                .await?;
            let cert = common::nip_certificate(&p)?;
            let context = ContextIdentifier::Nip(p.to_string());
            let options = XadesOptions::default();
            let auth = client.login_xades(&cert, context, &options);
            let xml = std::fs::read(dir.join("invoice.xml"))?;
            let send = |s: Arc<OnlineSession>| async move { s.send_invoice(&xml).await };
            let result = auth.await?.with_online_session(form, send).await?;
            println!("Sent: {}", result.reference_number);
            Ok::<_, Box<dyn std::error::Error>>(())
        })
        .await;
    // [/complete-workflow]
    result?;

    let seller = common::create_person(&server.client, "example ksef2_invoices").await?;
    let auth = common::login(&server.client, &seller).await?;
    let session = auth.open_online(form).await?;
    let org_nip = seller.nip;
    // [send-invoice]
    let invoice_xml = Template::parse(&template).render([
        ("#nip#", org_nip.as_str()),
        ("#invoicing_date#", &date),
        ("#invoice_number#", "123/2024"),
    ])?;
    let invoice_ref = session.send_invoice(invoice_xml.as_bytes()).await?;
    println!("Invoice sent: {}", invoice_ref.reference_number);
    // [/send-invoice]
    let _ = session
        .wait_for_invoice(&invoice_ref, Duration::from_secs(60))
        .await;

    // [list-invoices]
    for invoice in session.invoices().try_collect::<Vec<_>>().await? {
        println!("{:?} {}", invoice.ksef_number, invoice.status.code);
    }
    // [/list-invoices]

    // [list-failed]
    let failed: Vec<_> = session.failed_invoices().try_collect().await?;
    println!("Failed invoices: {failed:?}");
    // [/list-failed]

    let sent = session
        .send_invoice(&common::invoice(org_nip.as_str(), "FV/UPO"))
        .await?;
    let ksef_number = session
        .wait_for_invoice(&sent, Duration::from_secs(60))
        .await?
        .ksef_number;
    // [get-upo]
    let upo = session.upo_by_ksef_number(&ksef_number).await?;
    println!("UPO size: {} bytes", upo.as_bytes().len());
    // [/get-upo]
    let reference = &invoice_ref.reference_number;
    // [invoice-status]
    let status = session.invoice_status(reference).await?;
    // [/invoice-status]
    // [upo-by-reference]
    let upo = session.upo(reference).await?;
    // [/upo-by-reference]
    println!(
        "status {}, UPO {} bytes",
        status.status.code,
        upo.as_bytes().len()
    );
    session.close().await?;
    // [session-upo]
    let pages = session.session_upo(Duration::from_secs(60)).await?;
    // [/session-upo]
    println!("session UPO: {} page(s)", pages.len());

    server.stop().await;
    Ok(())
}
