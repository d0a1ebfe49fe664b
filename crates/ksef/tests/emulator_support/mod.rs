//! Shared set-up of the tests that run against the in-process emulator.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::crypto::test_certs::{self, PersonIdentifier, TestKeyType};
use ksef::http::ThrottleConfig;
use ksef::{AuthenticatedClient, Client};
use ksef_emulator::{Emulator, EmulatorConfig, RateLimitMode};

/// The NIP of the test company (the owner of the context).
pub const NIP: &str = "5265877635";

/// Emulator settings for tests that send a lot: no request limits.
pub fn fast() -> EmulatorConfig {
    EmulatorConfig {
        rate_limits: RateLimitMode::Off,
        ..EmulatorConfig::default()
    }
}

/// A client for `emulator` (client-side throttling off, fast authentication polling).
pub fn client_for(emulator: &Emulator) -> Client {
    Client::builder()
        .base_url(emulator.base_url())
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .auth_poll_interval(Duration::from_millis(20))
        .build()
        .unwrap()
}

/// Logs in as the owner of [`NIP`] with a generated TEST certificate.
pub async fn login_owner(client: &Client) -> AuthenticatedClient {
    let person = test_certs::person_certificate(
        "Jan",
        "Kowalski",
        &PersonIdentifier::Nip(NIP.into()),
        TestKeyType::P256,
    )
    .unwrap();
    client
        .login_xades(
            &person,
            ContextIdentifier::Nip(NIP.into()),
            &XadesOptions::default(),
        )
        .await
        .unwrap()
}

/// Starts an emulator and logs in as the owner of [`NIP`].
pub async fn login(config: EmulatorConfig) -> (Emulator, AuthenticatedClient) {
    let emulator = Emulator::start(config).await.unwrap();
    let client = login_owner(&client_for(&emulator)).await;
    (emulator, client)
}

/// Stores an accepted invoice of [`NIP`] straight into the emulator's store, as if it had been
/// sent: for tests and benchmarks that need thousands of invoices in an export or a sync.
/// `buyer` is the buyer's NIP (`None`: a buyer without an identifier).
pub fn store_invoice(
    store: &mut ksef_emulator::Store,
    number: &ksef::crypto::identifiers::KsefNumber,
    invoice_number: &str,
    buyer: Option<&str>,
    stored: time::OffsetDateTime,
    xml: Vec<u8>,
) {
    store.insert_invoice(ksef_emulator::InvoiceRecord::accepted(
        number,
        invoice_number,
        buyer,
        123.0,
        stored,
        xml,
    ));
}
