//! Building an FA(3) invoice as a typed value (`ksef::invoice`, the `ksef-invoice` crate),
//! checking it on this machine, and sending the typed value itself: the sending calls take an
//! `&Invoice` wherever they take XML bytes (`ksef::InvoiceXml`).
//!
//! Run it with `cargo run -p ksef --example send_built_invoice` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use ksef::invoice::builder::{InvoiceBuilder, Line};
use ksef::invoice::fa3::{Adres, KodKraju, Podmiot1, Podmiot2, StawkaPodatku};
use ksef::{InvoiceForm, InvoiceXml as _};

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, session) = common::start_logged_in("example send_built_invoice").await?;
    let (buyer_nip, _) = common::random_ids();

    // 1. Build: the builder computes line values, per-rate sums and the total to the grosz.
    let address = Adres::new(KodKraju::Pl, "ul. Prosta 1", Some("00-001 Warszawa".into()));
    let invoice = InvoiceBuilder::vat("FV/TYPED/001", common::issue_date())
        .seller(Podmiot1::with_nip(
            &person.nip,
            "Sprzedawca sp. z o.o.",
            address.clone(),
        ))
        .buyer(Podmiot2::with_nip(&buyer_nip, "Nabywca S.A.", address))
        .line(
            Line::new(
                "usługa doradcza",
                "10".parse()?,
                "150.00".parse()?,
                StawkaPodatku::V23,
            )
            .unit("h"),
        )
        .line(Line::new("książka", "2".parse()?, "45.50".parse()?, StawkaPodatku::V5).unit("szt."))
        .build()?;

    // 2. Check before sending: every XSD rule and the business rules, with element paths.
    invoice.validate()?;
    println!("{} bytes of FA(3), valid", invoice.invoice_xml().len());

    // 3. Send the typed value (a batch takes it too: `invoice.batch_entry("FV-TYPED-001.xml")`).
    let online = session.open_online(InvoiceForm::Fa3).await?;
    let sent = online.send_invoice(&invoice).await?;
    let accepted = online
        .wait_for_invoice(&sent, Duration::from_secs(120))
        .await?;
    println!("KSeF number: {}", accepted.ksef_number);
    online.close().await?;
    server.stop().await;
    Ok(())
}
