//! Logging in with a XAdES signature: as a person (a certificate with a PESEL) and as a company
//! (an electronic seal with the company's NIP), then listing and ending the authentication
//! sessions.
//!
//! On the TEST environment (and in the emulator) self-signed certificates are accepted, so the
//! example generates them with `ksef::crypto::test_certs`; in production you load a qualified
//! certificate with `ksef::crypto::credentials::Credentials::from_pkcs12` or `from_pem`.
//!
//! Run it with `cargo run -p ksef --example auth_xades` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use futures::TryStreamExt;
use ksef::auth::{SubjectIdentifierType, XadesOptions};
use ksef::crypto::test_certs::{self, TestKeyType};

#[tokio::main]
async fn main() -> common::Result {
    let server = common::Server::start().await?;
    let client = &server.client;
    let person = common::create_person(client, "example auth_xades").await?;

    // 1. A natural person: the certificate carries the PESEL (serialNumber PNOPL-…).
    let certificate = common::certificate(&person.pesel)?;
    let as_person = client
        .login_xades(&certificate, person.context(), &XadesOptions::default())
        .await?;
    println!(
        "person logged in:  authentication {}, refresh token valid until {}",
        as_person.reference_number(),
        as_person.refresh_valid_until()
    );

    // 2. The company itself: an electronic seal with the NIP (organizationIdentifier VATPL-…).
    //    A 2.1 `AuthTokenRequest` and an RSA key, to show the options.
    let seal = test_certs::seal_certificate(
        "Przykładowa Firma sp. z o.o.",
        &person.nip,
        TestKeyType::Rsa2048,
    )?;
    let options = XadesOptions {
        subject_identifier_type: SubjectIdentifierType::CertificateSubject,
        schema: ksef::auth::AuthSchemaVersion::V2_1,
        ..XadesOptions::default()
    };
    let as_company = client
        .login_xades(&seal, person.context(), &options)
        .await?;
    println!(
        "company logged in: authentication {}",
        as_company.reference_number()
    );

    // 3. The active authentication sessions of the context.
    let sessions: Vec<_> = as_person
        .auth_sessions()
        .list()
        .items()
        .try_collect()
        .await?;
    println!("active authentication sessions: {}", sessions.len());
    for s in &sessions {
        println!(
            "  {} started {} via {:?}{}",
            s.reference_number,
            s.start_date,
            s.authentication_method,
            if s.is_current == Some(true) {
                " (this one)"
            } else {
                ""
            }
        );
    }

    // 4. Log out: end the current session; its refresh token stops working.
    as_company
        .auth_sessions()
        .terminate_current()
        .send()
        .await?;
    as_person.auth_sessions().terminate_current().send().await?;
    println!("both sessions terminated");
    server.stop().await;
    Ok(())
}
