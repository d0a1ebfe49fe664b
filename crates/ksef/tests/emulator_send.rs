//! Sending invoices end to end against the emulator: online and batch sessions, UPOs,
//! duplicate safety and resumption.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::batch::upload::UploadOptions;
use ksef::batch::{BatchLimits, InvoiceSource, NoProgress, PackageBuilder};
use ksef::crypto::test_certs::{self, PersonIdentifier, TestKeyType};
use ksef::http::ThrottleConfig;
use ksef::sending::InvoiceForm;
use ksef::{AuthenticatedClient, Client, Error};
use ksef_emulator::{Emulator, EmulatorConfig, RateLimitMode};

const NIP: &str = "5265877635";

fn fixture() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/invoices/fa3-basic.xml");
    std::fs::read_to_string(path).expect("fixtures/invoices/fa3-basic.xml")
}

/// The fixture with a unique invoice number (`P_2`), so that it is not a duplicate.
fn invoice(n: usize) -> Vec<u8> {
    let xml = fixture();
    let start = xml.find("<P_2>").unwrap() + 5;
    let end = start + xml[start..].find("</P_2>").unwrap();
    format!("{}FV/TEST/{n:06}{}", &xml[..start], &xml[end..]).into_bytes()
}

async fn login(config: EmulatorConfig) -> (Emulator, AuthenticatedClient) {
    let emulator = Emulator::start(config).await.unwrap();
    let client = Client::builder()
        .base_url(emulator.base_url())
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .auth_poll_interval(Duration::from_millis(20))
        .build()
        .unwrap();
    let person = test_certs::person_certificate(
        "Jan",
        "Kowalski",
        &PersonIdentifier::Nip(NIP.into()),
        TestKeyType::P256,
    )
    .unwrap();
    let session = client
        .login_xades(
            &person,
            ContextIdentifier::Nip(NIP.into()),
            &XadesOptions::default(),
        )
        .await
        .unwrap();
    (emulator, session)
}

fn fast() -> EmulatorConfig {
    EmulatorConfig {
        rate_limits: RateLimitMode::Off,
        ..EmulatorConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_session_sends_waits_and_gets_upos() {
    let (_emulator, client) = login(fast()).await;
    let session = client.open_online(InvoiceForm::Fa3).await.unwrap();
    let mut accepted = Vec::new();
    for n in 0..3 {
        let sent = session.send_invoice(&invoice(n)).await.unwrap();
        let ok = session
            .wait_for_invoice(&sent, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(ksef::crypto::identifiers::KsefNumber::parse(ok.ksef_number.as_str()).is_ok());
        let upo = session.upo(&sent.reference_number).await.unwrap();
        assert!(
            upo.to_text().unwrap().contains(ok.ksef_number.as_str()),
            "the UPO names the KSeF number"
        );
        accepted.push(ok);
    }
    let listed: Vec<_> = session.invoices().try_collect().await.unwrap();
    assert_eq!(listed.len(), 3);
    session.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_duplicate_is_a_typed_rejection() {
    let (_emulator, client) = login(fast()).await;
    let result = client
        .with_online_session(InvoiceForm::Fa3, |session| async move {
            let first = session.send_invoice(&invoice(7)).await?;
            session
                .wait_for_invoice(&first, Duration::from_secs(30))
                .await?;
            // The same invoice again, deliberately: not our lost answer but a second send.
            let mut other = String::from_utf8(invoice(7)).unwrap();
            other = other.replace("</Faktura>", "<!-- inny plik -->\n</Faktura>");
            let second = session.send_invoice(other.as_bytes()).await?;
            session
                .wait_for_invoice(&second, Duration::from_secs(30))
                .await
        })
        .await;
    match result {
        Err(Error::Rejected(r)) => {
            assert_eq!(r.code, 440);
            assert!(r.original_ksef_number.is_some());
        }
        other => panic!("expected a 440 rejection, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_of_invoices_in_several_parts() {
    let (_emulator, client) = login(fast()).await;
    let invoices: Vec<InvoiceSource> = (0..40)
        .map(|n| InvoiceSource::from_bytes(format!("FV-{n:03}.xml"), invoice(1000 + n)))
        .collect();
    let builder = PackageBuilder::new().extend(invoices).limits(BatchLimits {
        part_size: 4_000,
        ..BatchLimits::default()
    });
    let outcome = client
        .submit_batch(
            InvoiceForm::Fa3,
            builder,
            &UploadOptions::default(),
            Arc::new(NoProgress),
            None,
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(outcome.status.status.code, 200);
    assert_eq!(outcome.invoices.len(), 40);
    assert!(
        outcome
            .invoices
            .iter()
            .all(|i| i.status.status.code == 200 && i.name.is_some())
    );
}
