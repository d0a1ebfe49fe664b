//! Sending invoices in an online (interactive) session: open the session, send invoices one by
//! one, wait for each KSeF number, download the invoice UPOs, see a rejected invoice as a typed
//! error, close the session and download the session UPO.
//!
//! Every invoice is encrypted with the session's AES key, which is itself sent wrapped with the
//! Ministry's public key; the SDK does all of that.
//!
//! Run it with `cargo run -p ksef --example online_send` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server. UPOs are written under
//! `target/debug/examples-output/online_send/`.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use futures::TryStreamExt;
use ksef::{Error, InvoiceForm};

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, session) = common::start_logged_in("example online_send").await?;
    let out = common::output_dir("online_send")?;

    let online = session.open_online(InvoiceForm::Fa3).await?;
    println!("online session {} opened", online.reference_number());

    // 1. Send and wait, invoice by invoice.
    for n in 1..=3 {
        let xml = common::invoice(&person.nip, &format!("FV/ONLINE/{n:03}"));
        let sent = online.send_invoice(&xml).await?;
        let accepted = online
            .wait_for_invoice(&sent, Duration::from_secs(120))
            .await?;
        let upo = online.upo(&sent.reference_number).await?;
        let path = common::write(
            &out,
            &format!("{}.xml", accepted.ksef_number),
            upo.as_bytes(),
        )?;
        println!(
            "invoice {n}: reference {} → KSeF number {} (UPO {})",
            sent.reference_number,
            accepted.ksef_number,
            path.display()
        );
    }

    // 2. An invoice KSeF cannot accept (here: not even an FA(3) document) is a typed error.
    let bad = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Faktura/>".to_vec();
    let sent = online.send_invoice(&bad).await?;
    match online
        .wait_for_invoice(&sent, Duration::from_secs(120))
        .await
    {
        Err(Error::Rejected(rejected)) => println!(
            "rejected as expected: status {} {} {:?}",
            rejected.code, rejected.description, rejected.details
        ),
        Err(other) => return Err(other.into()),
        Ok(accepted) => return Err(format!("accepted: {}", accepted.ksef_number).into()),
    }

    // 3. Close the session; KSeF then issues the session UPO (possibly several pages).
    online.close().await?;
    let failed: Vec<_> = online.failed_invoices().try_collect().await?;
    println!("session closed; {} invoice(s) failed", failed.len());
    for page in online.session_upo(Duration::from_secs(120)).await? {
        let path = common::write(
            &out,
            &format!("session-{}.xml", page.reference_number),
            page.xml.as_bytes(),
        )?;
        println!("session UPO: {}", path.display());
    }
    server.stop().await;
    Ok(())
}
