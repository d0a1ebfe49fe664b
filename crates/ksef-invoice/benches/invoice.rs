//! Invoice timings (prints numbers; no assertions): parse + validate of a ~10 KB FA(3) invoice,
//! and build + write of the same invoice.
#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use ksef_invoice::builder::{InvoiceBuilder, Line};
use ksef_invoice::fa3::{Adres, KodKraju, Podmiot1, Podmiot2, StawkaPodatku};
use ksef_invoice::{DateTime, Decimal, Invoice};
use time::macros::date;

/// CPU time of this thread (Linux `schedstat`), so that other processes on a busy machine do
/// not inflate the figures; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn time<T>(label: &str, budget: Duration, mut f: impl FnMut() -> T) {
    black_box(f());
    let start = Instant::now();
    let cpu_start = cpu_ns();
    let mut n = 0u32;
    while start.elapsed() < budget {
        black_box(f());
        n += 1;
    }
    let wall = start.elapsed().as_secs_f64() * 1e6 / f64::from(n.max(1));
    let cpu = match (cpu_start, cpu_ns()) {
        (Some(a), Some(b)) => format!(
            "{:>8.1} µs/op CPU",
            (b - a) as f64 / 1e3 / f64::from(n.max(1))
        ),
        _ => String::new(),
    };
    println!("{label:<40} {wall:>8.1} µs/op wall {cpu}  ({n} runs)");
}

fn build(lines: usize) -> Invoice {
    let address = Adres::new(
        KodKraju::Pl,
        "ul. Kwiatowa 1 m. 2",
        Some("00-001 Warszawa".into()),
    );
    let rates = [StawkaPodatku::V23, StawkaPodatku::V8, StawkaPodatku::V5];
    let mut b = InvoiceBuilder::vat("FV/2026/02/150", date!(2026 - 02 - 15))
        .seller(Podmiot1::with_nip(
            "9999999999",
            "ABC AGD sp. z o. o.",
            address.clone(),
        ))
        .buyer(Podmiot2::with_nip(
            "1111111111",
            "F.H.U. Jan Kowalski",
            address,
        ))
        .created(
            "2026-02-01T00:00:00Z"
                .parse::<DateTime>()
                .expect("date-time"),
        )
        .place("Warszawa");
    for i in 0..lines {
        let price = Decimal::new(10_000 + i as i128 * 37, 2).expect("price");
        b = b.line(
            Line::new(
                format!("Towar numer {i} – opis pozycji"),
                Decimal::from_int(1 + i as i64 % 7),
                price,
                rates[i % 3],
            )
            .unit("szt."),
        );
    }
    b.build().expect("valid invoice")
}

fn main() {
    let budget = Duration::from_secs(2);
    let invoice = build(48);
    let xml = invoice.to_xml();
    println!(
        "invoice: {} lines, {} bytes of XML",
        invoice.fa.fa_wiersz.len(),
        xml.len()
    );
    let text = std::str::from_utf8(&xml).expect("UTF-8");
    time("  of which XML tree (roxmltree)", budget, || {
        roxmltree::Document::parse(text)
            .map(|d| d.descendants().count())
            .expect("xml")
    });
    time("  schema facets only", budget, || invoice.schema_errors());
    time("  business rules only", budget, || {
        invoice.business_errors()
    });
    time("parse (from_xml)", budget, || {
        Invoice::from_xml(&xml).expect("parse")
    });
    time("validate (schema + business)", budget, || {
        invoice.validate().expect("valid")
    });
    time("parse + validate", budget, || {
        let inv = Invoice::from_xml(&xml).expect("parse");
        inv.validate().expect("valid");
        inv
    });
    time("build (with validation) + write", budget, || {
        build(48).to_xml()
    });
    time("write (to_xml)", budget, || invoice.to_xml());
}
