//! Managing KSeF tokens: generate one with chosen permissions, list the tokens of the context,
//! read one token's status, wait until it is active, log in with it, and revoke it.
//!
//! The token text is returned only once, by `tokens().generate(..)`: store it as a secret. The
//! SDK never prints it (and neither should you); `Debug` of the response hides it.
//!
//! Run it with `cargo run -p ksef --example token_management` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use futures::TryStreamExt;
use ksef::model::{GenerateTokenRequest, TokenPermissionType};
use ksef::{AuthFailure, Error};

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, admin) = common::start_logged_in("example token_management").await?;
    let tokens = admin.tokens();

    // 1. Generate: the permissions the token grants, and a description (5–256 characters).
    let generated = tokens
        .generate(GenerateTokenRequest::new(
            vec![
                TokenPermissionType::InvoiceRead,
                TokenPermissionType::InvoiceWrite,
            ],
            "ERP integration (example)".into(),
        ))
        .send()
        .await?;
    let reference = generated.reference_number.clone();
    let secret = generated.token;
    println!(
        "generated token {reference} (the secret has {} characters)",
        secret.len()
    );

    // 2. Wait until it is active (it is `Pending` while KSeF assigns the permissions).
    let active = admin
        .wait_for_token_active(&reference, Duration::from_secs(60))
        .await?;
    println!("status: {:?}", active.status);

    // 3. List the tokens of the context (a paginated call, streamed item by item).
    let all: Vec<_> = tokens.list().items().try_collect().await?;
    println!("tokens in context {}: {}", person.nip, all.len());
    for t in &all {
        println!(
            "  {} {:?} {:?} \"{}\"",
            t.reference_number, t.status, t.requested_permissions, t.description
        );
    }

    // 4. Log in with it.
    let with_token = server.client.login_token(&secret, person.context()).await?;
    println!(
        "logged in with the token (authentication {})",
        with_token.reference_number()
    );

    // 5. Revoke it; a login with a revoked token fails with a typed error.
    tokens.revoke(reference.clone()).send().await?;
    let status = tokens.status(reference.clone()).send().await?;
    println!("revoked: status now {:?}", status.status);
    match server.client.login_token(&secret, person.context()).await {
        Err(Error::AuthFailed {
            kind: AuthFailure::InvalidToken,
            code,
            ..
        }) => println!("a login with the revoked token is refused (status {code})"),
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("the revoked token still works".into()),
    }
    server.stop().await;
    Ok(())
}
