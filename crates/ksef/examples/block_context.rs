//! Blocking authentication in a context (TEST only): after `POST /testdata/context/block` every
//! login to that context ends with status 480, which the SDK reports as
//! `Error::AuthFailed { kind: AuthFailure::Blocked, .. }`; unblocking makes logins work again.
//! Use it to test how your integration handles a blocked company.
//!
//! Run it with `cargo run -p ksef --example block_context` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use ksef::model::{
    BlockContextAuthenticationRequest, TestDataAuthenticationContextIdentifier,
    TestDataAuthenticationContextIdentifierType, UnblockContextAuthenticationRequest,
};
use ksef::{AuthFailure, Error};

#[tokio::main]
async fn main() -> common::Result {
    let server = common::Server::start().await?;
    let client = &server.client;
    let person = common::create_person(client, "example block_context").await?;
    common::login(client, &person).await?;

    // Block the context.
    let context = || {
        TestDataAuthenticationContextIdentifier::new(
            person.nip.clone(),
            TestDataAuthenticationContextIdentifierType::Nip,
        )
    };
    client
        .testdata()
        .block_context(BlockContextAuthenticationRequest::new().with_context_identifier(context()))
        .send()
        .await?;
    println!("context {} blocked", person.nip);

    // A login now fails with a typed error.
    match common::login(client, &person).await {
        Err(e) => match e.downcast_ref::<Error>() {
            Some(Error::AuthFailed {
                kind: AuthFailure::Blocked,
                code,
                description,
                ..
            }) => println!("login refused as expected: status {code}, {description}"),
            _ => return Err(e),
        },
        Ok(_) => return Err("a login to a blocked context succeeded".into()),
    }

    // Unblock: logins work again.
    client
        .testdata()
        .unblock_context(
            UnblockContextAuthenticationRequest::new().with_context_identifier(context()),
        )
        .send()
        .await?;
    println!("context unblocked");
    common::login(client, &person).await?;
    server.stop().await;
    Ok(())
}
