//! Rendering timings (prints numbers; no assertions): a typical invoice (the project's basic
//! fixture, one page with KOD I) as PDF and HTML, a 1,000-line invoice as PDF, and a UPO.
//! Targets: typical ≤ 50 ms, 1,000 lines ≤ 2 s (release build).
#![allow(clippy::print_stdout, missing_docs)]

#[path = "../tests/common/mod.rs"]
#[allow(unreachable_pub)]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use ksef_render::{InvoiceDocument, InvoiceRenderOptions, QrEnvironment};

fn time<T>(label: &str, budget: Duration, mut f: impl FnMut() -> T) {
    black_box(f());
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget || n < 3 {
        black_box(f());
        n += 1;
    }
    let ms = start.elapsed().as_secs_f64() * 1e3 / f64::from(n);
    println!("{label:<44} {ms:>9.2} ms/op  ({n} runs)");
}

fn main() {
    let options = InvoiceRenderOptions {
        qr_environment: Some(QrEnvironment::Test),
        ksef_number: Some("5265877635-20250826-0100001AF629-AF".into()),
        ..Default::default()
    };
    let typical = include_str!("../../../fixtures/invoices/fa3-basic.xml");
    time(
        "typical invoice: parse + PDF",
        Duration::from_secs(2),
        || InvoiceDocument::from_xml(typical).and_then(|d| d.to_pdf(&options)),
    );
    time(
        "typical invoice: parse + HTML",
        Duration::from_secs(1),
        || InvoiceDocument::from_xml(typical).and_then(|d| d.to_html(&options)),
    );
    for lines in [100, 1000] {
        let xml = common::long_invoice(lines);
        time(
            &format!("{lines}-line invoice: parse + PDF"),
            Duration::from_secs(3),
            || InvoiceDocument::from_xml(xml.as_str()).and_then(|d| d.to_pdf(&options)),
        );
    }
    let pdf = InvoiceDocument::from_xml(common::long_invoice(1000))
        .and_then(|d| d.to_pdf(&options))
        .unwrap_or_default();
    println!("1,000-line invoice PDF size: {} KB", pdf.len() / 1024);
}
