//! Logging in with a KSeF token instead of a certificate.
//!
//! A KSeF token is generated once by someone logged in with a certificate (see the
//! `token_management` example) and then stored as a secret by the integration that uses it. The
//! SDK encrypts `token|timestamp` with the Ministry's current public key, starts the
//! authentication, polls its status and redeems the access and refresh tokens.
//!
//! The example first generates a token (so it needs no credentials), then logs in with it,
//! uses the new session, and shows the typed error of a login with a wrong token.
//!
//! Run it with `cargo run -p ksef --example auth_token` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use ksef::model::{AuthenticationTokenStatus, GenerateTokenRequest, TokenPermissionType};
use ksef::{AuthFailure, Error};

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, admin) = common::start_logged_in("example auth_token").await?;

    // Get a token to log in with (normally done once, and the token kept in a secret store).
    let generated = admin
        .tokens()
        .generate(GenerateTokenRequest::new(
            vec![TokenPermissionType::InvoiceRead],
            "example auth_token".into(),
        ))
        .send()
        .await?;
    let ksef_token = generated.token;
    for _ in 0..60 {
        let status = admin
            .tokens()
            .status(generated.reference_number.clone())
            .send()
            .await?;
        if status.status == AuthenticationTokenStatus::Active {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!("token {} is active", generated.reference_number);

    // The login itself: the token and the context it was generated in.
    let session = server
        .client
        .login_token(&ksef_token, person.context())
        .await?;
    println!(
        "logged in with the KSeF token (authentication {})",
        session.reference_number()
    );
    let limits = session.limits().context().send().await?;
    println!(
        "the token session works: online sessions take up to {} invoices",
        limits.online_session.max_invoices
    );

    // A wrong token ends with a typed authentication failure.
    let wrong = format!("{}0", ksef_token);
    match server.client.login_token(&wrong, person.context()).await {
        Err(Error::AuthFailed {
            kind: AuthFailure::InvalidToken,
            code,
            description,
            ..
        }) => println!("a wrong token is refused as expected: status {code}, {description}"),
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("a wrong token was accepted".into()),
    }

    session.auth_sessions().terminate_current().send().await?;
    server.stop().await;
    Ok(())
}
