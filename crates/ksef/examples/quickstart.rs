//! The README's quickstart: log in, send one invoice, get its KSeF number — on the embedded
//! emulator, so it runs anywhere (`cargo run -p ksef --example quickstart`).
//!
//! The code between the markers is copied verbatim in README.md (a test keeps them equal).

// An example prints its result.
#![allow(clippy::print_stdout)]

// quickstart:start
use ksef::auth::{ContextIdentifier::Nip, XadesOptions};
use ksef::crypto::test_certs::{PersonIdentifier, TestKeyType::P256, person_certificate};
use ksef::{Client, InvoiceForm};

const INVOICE: &[u8] = include_bytes!("../../../fixtures/invoices/fa3-basic.xml");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A KSeF of your own; for the real TEST environment: Client::new(ksef::Environment::Test)?
    let emulator = ksef_emulator::Emulator::start(Default::default()).await?;
    let client = Client::builder().base_url(emulator.base_url()).build()?;
    // TEST accepts self-signed certificates; 5265877635 is the sample invoice's seller.
    let owner = PersonIdentifier::Nip("5265877635".into());
    let cert = person_certificate("Jan", "Kowalski", &owner, P256)?;
    let (context, options) = (Nip("5265877635".into()), XadesOptions::default());
    let session = client.login_xades(&cert, context, &options).await?;
    let online = session.open_online(InvoiceForm::Fa3).await?;
    let sent = online.send_invoice(INVOICE).await?;
    let timeout = std::time::Duration::from_secs(60);
    let accepted = online.wait_for_invoice(&sent, timeout).await?;
    println!("KSeF number: {}", accepted.ksef_number);
    online.close().await?;
    Ok(())
}
// quickstart:end
