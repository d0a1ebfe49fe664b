//! The scenarios of the ksef2 (Python SDK) overview, in Rust: environments, the three logins,
//! an online session with status and download, resuming, KSeF tokens, certificates, limits,
//! authentication sessions, manual test data, error handling and test identifiers. (Its test-data and complete-workflow scenarios are in
//! the `ksef2_invoices` example.) Each scenario is one block between `// [name]` and
//! `// [/name]`; docs/compared-with-ksef2.md counts their lines against the Python versions.
//!
//! Run it with `cargo run -p ksef --example ksef2_overview` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use ksef::api::permission_requests::{entity_grant, person_grant};
use ksef::api::testdata_requests::{block, remove_subject, subject, unblock};
use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::model::{
    AuthenticationTokenStatus, CertificateListItemStatus, CompressionType, EntityPermissionType,
    GenerateTokenRequest, InvoiceQueryDateRange, InvoiceQueryDateType, InvoiceQueryFilters,
    InvoiceQuerySubjectType, KsefCertificateType, Nip, PersonPermissionType,
    PersonPermissionsQueryRequest, PersonPermissionsQueryType, Pesel, RetrieveCertificatesRequest,
    SetSessionLimitsRequest, SubjectType, TokenPermissionType,
};
use ksef::sending::OnlineSessionState;
use ksef::{Client, Environment, Error, InvoiceForm};

#[tokio::main]
async fn main() -> common::Result {
    let server = common::Server::start().await?;
    let seller = common::create_person(&server.client, "example ksef2_overview").await?;
    let nip = Nip::new_unchecked(seller.nip.as_str());
    let dir = common::output_dir("ksef2_overview")?;
    std::fs::write(
        dir.join("invoice.xml"),
        common::invoice(&seller.nip, "FV/K2O/1"),
    )?;
    let form = InvoiceForm::Fa3;
    let (invoice_path, timeout) = (dir.join("invoice.xml"), Duration::from_secs(60));

    // [environments]
    let _test = Client::new(Environment::Test)?;
    let _production = Client::new(Environment::Production)?;
    let _demo = Client::new(Environment::Demo)?;
    // [/environments]
    let client = server.client.clone();

    // [auth-xades]
    let cert = common::nip_certificate(&nip)?;
    let context = ContextIdentifier::Nip(nip.to_string());
    let options = XadesOptions::default();
    let auth = client.login_xades(&cert, context, &options).await?;
    println!("{:?}", auth.access_token().await?.0);
    println!("{:?}", auth.refresh_token().token);
    // [/auth-xades]

    let tokens = auth.tokens();
    let request = GenerateTokenRequest::new(
        vec![
            TokenPermissionType::InvoiceRead,
            TokenPermissionType::InvoiceWrite,
        ],
        "API integration token".into(),
    );
    let generated = tokens.generate(request.clone()).await?;
    auth.wait_for_token_active(&generated.reference_number, Duration::from_secs(60))
        .await?;
    let ksef_token = generated.token;
    // [auth-token]
    let context = ContextIdentifier::Nip(nip.to_string());
    let _by_token = client.login_token(&ksef_token, context).await?;
    // [/auth-token]

    // [token-refresh]
    auth.refresh_access_token().await?;
    // [/token-refresh]

    // [open-session-send]
    let session = auth.open_online(form).await?;
    let result = session.send_invoice(&std::fs::read(&invoice_path)?).await?;
    println!("{}", result.reference_number);
    let status = session.wait_for_invoice(&result, timeout).await?;
    let xml_bytes = auth.invoices().download(status.ksef_number).await?;
    // [/open-session-send]
    println!("downloaded {} bytes", xml_bytes.as_bytes().len());

    // [session-resume]
    let state_json = serde_json::to_string(&session.state())?;
    let restored_state: OnlineSessionState = serde_json::from_str(&state_json)?;
    let resumed = auth.resume_online(restored_state)?;
    // [/session-resume]
    resumed.close().await?;
    session.close().await?;

    // [token-management]
    let result = tokens.generate(request).await?;
    println!("{}", result.token);
    let active = Some(vec![AuthenticationTokenStatus::Active]);
    let response = tokens.list().with(|r| r.status = active).await?;
    let status = tokens.status(result.reference_number.clone()).await?;
    tokens.revoke(result.reference_number).await?;
    // [/token-management]
    println!("{} tokens, {:?}", response.tokens.len(), status.status);

    let since = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    // [export-download]
    let filters = InvoiceQueryFilters::new(
        InvoiceQuerySubjectType::Subject1,
        InvoiceQueryDateRange::new(InvoiceQueryDateType::Issue, since),
    );
    let export = auth
        .start_export(filters, false, CompressionType::Zip)
        .await?;
    let package = export.wait(timeout).await?;
    let target_directory = dir.join("downloads");
    let (limits, parallel) = (Default::default(), 4);
    let paths = export.download(&package, &target_directory, &limits, parallel);
    let paths = paths.await?.files;
    // [/export-download]
    println!("exported {} invoice(s)", paths.len());

    let (pesel, partner_nip) = (common::pesel(), common::nip());
    // [permissions]
    let permissions = auth.permissions();
    let read = [PersonPermissionType::InvoiceRead];
    let grant = person_grant(&pesel, ("Jan", "Kowalski"), read, "Read access");
    permissions.grant_to_persons(grant).await?;
    let read = [(EntityPermissionType::InvoiceRead, true)];
    let grant = entity_grant(&partner_nip, "Partner Company", read, "Entity access");
    permissions.grant_to_entities(grant).await?;
    let query =
        PersonPermissionsQueryRequest::new(PersonPermissionsQueryType::PermissionsInCurrentContext);
    let resp = permissions.query_persons(query).await?;
    // [/permissions]
    println!("{} permission(s) in this context", resp.permissions.len());

    let kind = KsefCertificateType::Authentication;
    let (serial, _csr) = common::enroll_certificate(&auth, kind, "ksef2 overview").await?;
    // [certificates]
    let certs = auth.certificates();
    let limits = certs.limits().await?;
    let query = certs.query().with(|r| {
        let filter = r.body.get_or_insert_default();
        filter.status = Some(CertificateListItemStatus::Active);
        filter.r#type = Some(KsefCertificateType::Authentication);
    });
    let response = query.await?;
    let request = RetrieveCertificatesRequest::new(vec![serial.clone()]);
    let retrieved = certs.retrieve(request).await?;
    certs.revoke(serial).await?;
    // [/certificates]
    let (count, got) = (response.certificates.len(), retrieved.certificates.len());
    println!(
        "may enroll: {}; {count} active, {got} retrieved",
        limits.can_request
    );

    // [limits]
    let limits = auth.limits();
    let context_limits = limits.context().await?;
    println!("{}", context_limits.online_session.max_invoices);
    let rate_limits = limits.api_rate_limits().await?;
    println!("{}", rate_limits.invoice_send.per_second);
    let mut session_limits = SetSessionLimitsRequest::from(context_limits);
    session_limits.online_session.max_invoices = 5000;
    limits.set_session_limits(session_limits).await?;
    limits.reset_session_limits().await?;
    // [/limits]

    // [session-management]
    let sessions = auth.auth_sessions().list().with(|r| r.page_size = Some(20));
    println!("{}", sessions.await?.items.len());
    auth.auth_sessions().terminate_current().await?;
    // [/session-management]

    let org = common::nip();
    // [testdata-manual]
    let (kind, t) = (SubjectType::EnforcementAuthority, client.testdata());
    t.create_subject(subject(&org, kind, "Test org")).await?;
    t.remove_subject(remove_subject(&org)).await?;
    t.block_context(block(&org)).await?;
    t.unblock_context(unblock(&org)).await?;
    // [/testdata-manual]

    // [error-handling]
    match client
        .login_token("not-a-token", ContextIdentifier::Nip(nip.to_string()))
        .await
    {
        Err(Error::AuthFailed { kind, .. }) => println!("Authentication failed: {kind:?}"),
        Err(Error::Http(e)) => println!("API error: {:?} - {e}", e.status()),
        Err(e) => println!("General error: {e}"),
        Ok(_) => {}
    }
    // [/error-handling]

    // [identifiers]
    let nip = Nip::random();
    let pesel = Pesel::random();
    // [/identifiers]
    println!("test identifiers: NIP {nip}, PESEL {pesel}");

    server.stop().await;
    Ok(())
}
