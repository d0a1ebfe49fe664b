//! Keeping a login alive: the access token is short-lived (minutes), the refresh token lasts
//! days. An `AuthenticatedClient` refreshes the access token by itself — shortly before it
//! expires, and once after a 401 — so long-running programs need not care; the example also
//! forces a refresh explicitly and shows what happens once the authentication session ends.
//!
//! In the embedded emulator the access token is made to expire after 3 seconds, so the
//! example can wait for that and show that the next call still works.
//!
//! Run it with `cargo run -p ksef --example auth_refresh` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use ksef_emulator::EmulatorConfig;

#[tokio::main]
async fn main() -> common::Result {
    let server = common::Server::start_with(EmulatorConfig {
        access_token_ttl_secs: 3,
        ..EmulatorConfig::default()
    })
    .await?;
    let person = common::create_person(&server.client, "example auth_refresh").await?;
    let session = common::login(&server.client, &person).await?;
    let until = session.refresh_valid_until();
    println!("refresh token valid until {until}: log in again after that");

    let (_, first_until) = session.access_token().await?;
    println!("access token valid until {first_until}");

    // 1. Transparent refresh: let the access token expire, then just keep calling.
    if server.embedded {
        println!("waiting 4 s for the access token to expire…");
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    let limits = session.limits().context().send().await?;
    println!(
        "the next call works (the token is refreshed when needed): max {} invoices per online session",
        limits.online_session.max_invoices
    );
    let (_, until) = session.access_token().await?;
    println!("access token now valid until {until}");
    if server.embedded && until <= first_until {
        return Err("the access token was not refreshed".into());
    }

    // 2. An explicit refresh (e.g. before a long batch upload).
    session.refresh_access_token().await?;
    println!("access token refreshed explicitly");

    // Clones share the login and its tokens: refreshing through one serves all of them.
    let clone = session.clone();
    clone.limits().subject().send().await?;
    println!("a clone of the client uses the same, refreshed token");

    // 3. Ending the authentication session invalidates the refresh token: refreshing fails.
    session.auth_sessions().terminate_current().send().await?;
    match session.refresh_access_token().await {
        Err(e) => println!(
            "after logout the refresh is refused as expected (HTTP {:?}): {e}",
            e.api().map(|a| a.status)
        ),
        Ok(()) => return Err("the refresh token still works after logout".into()),
    }
    server.stop().await;
    Ok(())
}
