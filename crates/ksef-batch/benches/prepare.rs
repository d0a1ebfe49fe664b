//! Benchmark of package preparation (zip + split + encrypt + every hash), run with
//! `cargo bench -p ksef-batch --bench prepare [-- invoices|synthetic]`.
//!
//! - `invoices`: 10,000 FA(3) invoices of about 10 KB, built from the first invoice in
//!   `fixtures/invoices/` (the first `fa3*.xml`) with unique invoice numbers; reports MB/s of invoice XML and peak RSS.
//! - `synthetic`: a package of about 2 GB (invoices carrying incompressible payload, limits
//!   raised accordingly); reports MB/s and peak RSS, which must stay independent of the size.
//!
//! Without an argument both run, each in its own child process so that each peak RSS is its own.

// A benchmark reports on stdout.
#![allow(clippy::print_stdout)]

use std::process::Command;
use std::time::Instant;

use ksef_batch::{BatchLimits, InvoiceSource, PackageBuilder};
use ksef_crypto::symmetric::SymmetricKey;

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn template() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/invoices");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "xml")
                        && p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("fa3"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let path = files
        .first()
        .unwrap_or_else(|| panic!("no invoice fixture in {}", dir.display()));
    std::fs::read_to_string(path).expect("fixture readable")
}

/// The template with a unique `P_2`, padded with XML comments to about `size` bytes.
fn invoice(template: &str, n: usize, size: usize, payload: Option<&str>) -> Vec<u8> {
    let start = template.find("<P_2>").expect("template has P_2") + "<P_2>".len();
    let end = start + template[start..].find("</P_2>").expect("closed P_2");
    let mut xml = format!("{}BENCH/{n:06}{}", &template[..start], &template[end..]);
    let close = xml.rfind("</Faktura>").expect("Faktura root");
    let mut pad = String::new();
    if let Some(p) = payload {
        pad.push_str(&format!("<!-- {p} -->"));
    }
    while xml.len() + pad.len() < size {
        pad.push_str("<!-- wypełnienie do rozmiaru faktury testowej -->\n");
    }
    xml.insert_str(close, &pad);
    xml.into_bytes()
}

fn run(name: &str, invoices: Vec<InvoiceSource>, limits: BatchLimits) {
    let total: u64 = invoices
        .iter()
        .map(|i| match &i.data {
            ksef_batch::InvoiceData::Bytes(b) => b.len() as u64,
            ksef_batch::InvoiceData::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        })
        .sum();
    let key = SymmetricKey::generate();
    let start = Instant::now();
    let package = PackageBuilder::new()
        .extend(invoices)
        .limits(limits)
        .build(&key)
        .expect("package builds");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name}: {} invoices, {:.1} MB of XML → package {:.1} MB in {} parts; {:.2} s, {:.1} MB/s of XML, peak RSS {:.1} MB",
        package.invoices().len(),
        total as f64 / 1e6,
        package.package_digest().size as f64 / 1e6,
        package.parts().len(),
        secs,
        total as f64 / 1e6 / secs,
        peak_rss_mb()
    );
}

fn bench_invoices() {
    // From files, as a real batch is: the builder holds one invoice at a time.
    let template = template();
    let dir = tempfile::tempdir().expect("temp dir");
    let invoices = (0..10_000)
        .map(|n| {
            let path = dir.path().join(format!("FV-{n:05}.xml"));
            std::fs::write(&path, invoice(&template, n, 10_000, None)).expect("write");
            InvoiceSource::from_file(path)
        })
        .collect::<Vec<_>>();
    run(
        "10,000 invoices of ~10 KB",
        invoices,
        BatchLimits::default(),
    );
}

fn bench_synthetic() {
    // Invoices are produced lazily from files would need disk twice; instead a generator keeps
    // only a few in memory: the builder takes sources one by one, so pass them as files.
    let template = template();
    let dir = tempfile::tempdir().expect("temp dir");
    let per_invoice = 100_000usize;
    let count = 27_000usize;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut sources = Vec::with_capacity(count);
    for n in 0..count {
        // Incompressible payload (xorshift → base64 alphabet) so the package really is ~2 GB.
        let payload: String = (0..per_invoice - 2_000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                        [(seed % 64) as usize],
                )
            })
            .collect();
        let path = dir.path().join(format!("S-{n:05}.xml"));
        std::fs::write(&path, invoice(&template, n, per_invoice, Some(&payload))).expect("write");
        sources.push(InvoiceSource::from_file(path));
    }
    let limits = BatchLimits {
        max_invoices: count,
        max_package_size: 5_000_000_000,
        ..BatchLimits::default()
    };
    let key = SymmetricKey::generate();
    let start = Instant::now();
    let package = PackageBuilder::new()
        .extend(sources)
        .limits(limits)
        .build(&key)
        .expect("package builds");
    let secs = start.elapsed().as_secs_f64();
    let xml = (count * per_invoice) as f64;
    println!(
        "synthetic ~2 GB: {count} invoices, {:.0} MB of XML → package {:.0} MB in {} parts; {:.1} s, {:.1} MB/s, peak RSS {:.1} MB",
        xml / 1e6,
        package.package_digest().size as f64 / 1e6,
        package.parts().len(),
        secs,
        xml / 1e6 / secs,
        peak_rss_mb()
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    match args.first().map(String::as_str) {
        Some("invoices") => bench_invoices(),
        Some("synthetic") => bench_synthetic(),
        _ => {
            let exe = std::env::current_exe().expect("own path");
            for mode in ["invoices", "synthetic"] {
                let status = Command::new(&exe).arg(mode).status().expect("child runs");
                assert!(status.success(), "{mode} failed");
            }
        }
    }
}
