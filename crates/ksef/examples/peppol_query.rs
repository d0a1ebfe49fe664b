//! The Peppol service providers registered in KSeF (`GET /peppol/query`). The list is public:
//! no login is needed. The call is paginated: `.send()` returns one page, `.items()` streams every
//! provider across pages, and `.with(..)` adjusts the request (here: the page size).
//!
//! Run it with `cargo run -p ksef --example peppol_query` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use futures::TryStreamExt;

#[tokio::main]
async fn main() -> common::Result {
    let server = common::Server::start().await?;

    // One page, as returned by the API.
    let page = server
        .client
        .peppol()
        .providers()
        .with(|r| r.page_size = Some(10))
        .send()
        .await?;
    println!(
        "first page: {} provider(s), more pages: {}",
        page.peppol_providers.len(),
        page.has_more
    );

    // Every provider, following the pages (10–100 providers per request).
    let providers: Vec<_> = server
        .client
        .peppol()
        .providers()
        .with(|r| r.page_size = Some(100))
        .items()
        .try_collect()
        .await?;
    println!("all providers ({}):", providers.len());
    for p in &providers {
        println!(
            "  {} {} (registered {})",
            p.id,
            p.name,
            p.date_created.date()
        );
    }
    if providers.len() < page.peppol_providers.len() {
        return Err("paging lost providers".into());
    }
    server.stop().await;
    Ok(())
}
