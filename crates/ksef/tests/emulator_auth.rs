//! The full authentication flows against the local emulator (real HTTP, real crypto).

use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::crypto::test_certs::{self, PersonIdentifier, TestKeyType};
use ksef::{AuthFailure, Client, Error};
use ksef_emulator::{Emulator, EmulatorConfig};

mod emulator_support;

use emulator_support::{NIP, client_for};

async fn start() -> (Emulator, Client) {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = client_for(&emulator);
    (emulator, client)
}

#[tokio::test]
async fn xades_login_with_generated_certificates() {
    let (_emulator, client) = start().await;
    for key in [TestKeyType::P256, TestKeyType::Rsa2048] {
        let person = test_certs::person_certificate(
            "Jan",
            "Kowalski",
            &PersonIdentifier::Nip(NIP.into()),
            key,
        )
        .unwrap();
        let logged_in = client
            .login_xades(
                &person,
                ContextIdentifier::Nip(NIP.into()),
                &XadesOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(logged_in.reference_number().len(), 36);
        // A forced refresh goes through the emulator's refresh endpoint.
        logged_in.refresh_access_token().await.unwrap();
    }
    let seal =
        test_certs::seal_certificate("Firma Testowa sp. z o.o.", NIP, TestKeyType::P256).unwrap();
    client
        .login_xades(
            &seal,
            ContextIdentifier::Nip(NIP.into()),
            &XadesOptions::default(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_person_without_permissions_in_the_context_is_refused() {
    let (_emulator, client) = start().await;
    let other = test_certs::person_certificate(
        "Anna",
        "Nowak",
        &PersonIdentifier::Nip("1234563218".into()),
        TestKeyType::P256,
    )
    .unwrap();
    let err = client
        .login_xades(
            &other,
            ContextIdentifier::Nip(NIP.into()),
            &XadesOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::AuthFailed {
                kind: AuthFailure::NoPermissions,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn self_signed_fails_when_the_chain_is_verified() {
    let (_emulator, client) = start().await;
    let person = test_certs::person_certificate(
        "Jan",
        "Kowalski",
        &PersonIdentifier::Nip(NIP.into()),
        TestKeyType::P256,
    )
    .unwrap();
    let options = XadesOptions {
        verify_certificate_chain: Some(true),
        ..XadesOptions::default()
    };
    let err = client
        .login_xades(&person, ContextIdentifier::Nip(NIP.into()), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::AuthFailed {
                kind: AuthFailure::Certificate,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn token_login_with_a_stored_token() {
    let (emulator, client) = start().await;
    let token = "20251010-EC-1DCE3E3000-12ECB5B36E-45|nip-5265877635|0123456789abcdef";
    emulator.state().store().ksef_tokens.insert(
        "20251010-EC-1DCE3E3000-12ECB5B36E-45".into(),
        ksef_emulator::KsefTokenRecord {
            reference: "20251010-EC-1DCE3E3000-12ECB5B36E-45".into(),
            secret: token.into(),
            context: ksef_emulator::Ident::new("Nip", NIP),
            author: ksef_emulator::Ident::new("Nip", NIP),
            permissions: vec!["InvoiceRead".into(), "InvoiceWrite".into()],
            description: "test".into(),
            status: "Active".into(),
            created: time::OffsetDateTime::now_utc(),
            last_use: None,
        },
    );
    client
        .login_token(token, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
    let err = client
        .login_token("not-a-token", ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::AuthFailed {
                kind: AuthFailure::InvalidToken,
                ..
            }
        ),
        "{err:?}"
    );
}

/// The Ministry rotates the token key after the client cached the old one: the server refuses the
/// retired key with 21470, the client fetches the keys again and the login succeeds.
#[tokio::test]
async fn token_login_survives_a_key_rotation() {
    let (emulator, client) = start().await;
    let token = "20251010-EC-1DCE3E3000-12ECB5B36E-46|nip-5265877635|fedcba9876543210";
    emulator.state().store().ksef_tokens.insert(
        "20251010-EC-1DCE3E3000-12ECB5B36E-46".into(),
        ksef_emulator::KsefTokenRecord {
            reference: "20251010-EC-1DCE3E3000-12ECB5B36E-46".into(),
            secret: token.into(),
            context: ksef_emulator::Ident::new("Nip", NIP),
            author: ksef_emulator::Ident::new("Nip", NIP),
            permissions: vec!["InvoiceRead".into()],
            description: "rotation".into(),
            status: "Active".into(),
            created: time::OffsetDateTime::now_utc(),
            last_use: None,
        },
    );
    // First login caches the current key.
    client
        .login_token(token, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
    emulator
        .state()
        .keys()
        .rotate(ksef_emulator::KeyUsage::KsefTokenEncryption)
        .unwrap();
    // The cached key is now retired: 21470, re-fetch, success.
    client
        .login_token(token, ContextIdentifier::Nip(NIP.into()))
        .await
        .unwrap();
}
