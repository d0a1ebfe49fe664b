//! Collective identifiers (API 2.9): send three invoices, group them under one collective
//! identifier (with the payment amount and a description per invoice), then list the context's
//! identifiers, the invoices of the new one, and the identifiers an invoice belongs to — each
//! list streamed over all its pages with `.items()`.
//!
//! Run it with `cargo run -p ksef --example collective_identifiers` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use futures::TryStreamExt;
use ksef::InvoiceForm;
use ksef::crypto::identifiers::CollectiveIdentifierNumber;
use ksef::model::{
    CollectiveIdentifierInvoice, CollectiveIdentifierInvoicePayment,
    CollectiveIdentifierInvoicesQueryRequest, CollectiveIdentifiersQueryRequest, CurrencyCode,
    GenerateCollectiveIdentifierRequest,
};

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, session) =
        common::start_logged_in("example collective_identifiers").await?;

    // 1. Three invoices of the company, accepted by KSeF.
    let online = session.open_online(InvoiceForm::Fa3).await?;
    let invoices: Vec<Vec<u8>> = (1..=3)
        .map(|n| common::invoice(&person.nip, &format!("FV/IZ/{n:03}")))
        .collect();
    let mut numbers = Vec::new();
    for result in online
        .send_all(&invoices, 3, Duration::from_secs(120))
        .await
    {
        numbers.push(result?.ksef_number);
    }
    online.close().await?;
    println!(
        "sent: {}",
        numbers
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // 2. One collective identifier for all three, each with the amount to pay.
    let members = numbers
        .iter()
        .zip([1230.0, 615.0, 99.99])
        .enumerate()
        .map(|(i, (k, amount))| {
            let mut invoice = CollectiveIdentifierInvoice::new(k.clone());
            invoice.payment = Some(CollectiveIdentifierInvoicePayment::new(
                amount,
                CurrencyCode::Pln,
            ));
            invoice.description = Some(format!("Rata {}", i + 1));
            invoice
        })
        .collect();
    let collective = session.collective_identifiers();
    let made = collective
        .generate(GenerateCollectiveIdentifierRequest::new(members))
        .send()
        .await?;
    let number = CollectiveIdentifierNumber::parse(&made.collective_identifier_number)?;
    println!(
        "collective identifier {number} (seller NIP {})",
        number.nip()
    );

    // 3. The identifiers of the context created in the last day (all pages).
    let now = time::OffsetDateTime::now_utc();
    let query = CollectiveIdentifiersQueryRequest::new(now - time::Duration::days(1), now);
    let listed: Vec<_> = collective.query(query).items().try_collect().await?;
    for item in &listed {
        println!(
            "  {}  {} invoice(s), created {}",
            item.collective_identifier_number, item.invoice_count, item.date_created
        );
    }

    // 4. Its invoices, with payment and description.
    let request = CollectiveIdentifierInvoicesQueryRequest::new(vec![number.to_string()]);
    let members: Vec<_> = collective.invoices(request).items().try_collect().await?;
    for m in &members {
        let payment = m
            .payment
            .as_ref()
            .map(|p| format!("{:.2} {}", p.amount, p.currency))
            .unwrap_or_default();
        println!(
            "  {}  {payment}  {}",
            m.ksef_number.as_str(),
            m.description.as_deref().unwrap_or("")
        );
    }

    // 5. Which identifiers does the first invoice belong to?
    let of_first: Vec<_> = collective
        .by_ksef_number(numbers[0].clone())
        .items()
        .try_collect()
        .await?;
    println!(
        "{} belongs to {} collective identifier(s)",
        numbers[0].as_str(),
        of_first.len()
    );
    if members.len() != 3 || of_first.is_empty() {
        return Err("the identifier does not hold the three invoices".into());
    }
    server.stop().await;
    Ok(())
}
