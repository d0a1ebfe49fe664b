//! Benchmark of getting an export out: download + verify + decrypt + unpack, run with
//! `cargo bench -p ksef --bench export_download`.
//!
//! The emulator runs in a child process (this binary in `server` mode, with invoices of
//! incompressible content seeded into its store), so the peak RSS reported is the client's
//! alone. Two sizes are measured — about 100 MB and about 1 GB — to show that the client's
//! memory does not grow with the package — and then a realistic export: 10,000 FA(3) invoices
//! of about 7.4 KB (the batch benchmark's invoices), which compress about 6:1.
//!
//! `client COUNT [fa3]` runs one export. Throughput is given both per MB of package (what is
//! downloaded, hashed and decrypted) and per MB of invoices delivered (what is unpacked).

use std::process::Command;
use std::time::{Duration, Instant};

mod common;
#[path = "../../ksef-batch/benches/support/fa3.rs"]
mod fa3;

use common::support::{CryptoLimits, peak_rss_mb};
use common::{NIP, Server, cpu_seconds};

// A benchmark reports on stdout.
#[allow(clippy::print_stdout)]
fn report(line: String) {
    println!("{line}");
}
const PER_INVOICE: usize = 100_000;

/// What the seeded invoices look like.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Content {
    /// 100 KB of random base64-alphabet text each: deflate saves only a quarter, so the package
    /// is almost as big as the invoices (the worst case for download, hashing and decryption).
    Incompressible,
    /// Realistic FA(3) invoices of about 7.4 KB.
    Fa3,
}

fn seed(emulator: &ksef_emulator::Emulator, count: usize, content: Content) {
    let template = fa3::template();
    let nip = ksef::crypto::identifiers::Nip::parse(NIP).unwrap();
    let start = time::OffsetDateTime::now_utc() - time::Duration::hours(2);
    let mut store = emulator.state().store();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for i in 0..count {
        let stored = start + time::Duration::milliseconds(i as i64);
        let technical: [u8; 6] = ((i as u64 + 1) * 2654435761).to_be_bytes()[2..]
            .try_into()
            .unwrap();
        let number =
            ksef::crypto::identifiers::KsefNumber::compose(&nip, stored.date(), technical).unwrap();
        if content == Content::Fa3 {
            let xml = fa3::invoice(&template, i).into_bytes();
            insert(&mut store, number, xml, stored, i);
            continue;
        }
        let noise: String = (0..PER_INVOICE)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                        [(x % 64) as usize],
                )
            })
            .collect();
        let xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Faktura><P_2>FV/B/{i}</P_2><Uwagi>{noise}</Uwagi></Faktura>").into_bytes();
        insert(&mut store, number, xml, stored, i);
    }
}

/// Stores one invoice with its metadata.
fn insert(
    store: &mut ksef_emulator::Store,
    number: ksef::crypto::identifiers::KsefNumber,
    xml: Vec<u8>,
    stored: time::OffsetDateTime,
    i: usize,
) {
    common::store_invoice(store, &number, &format!("FV/B/{i}"), None, stored, xml);
}

fn client(count: usize, content: Content) {
    let mode = match content {
        Content::Incompressible => "incompressible",
        Content::Fa3 => "fa3",
    };
    let server = Server::start(&["server", &count.to_string(), mode]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = common::login(&server.base_url).await;
        let mut range = ksef::model::InvoiceQueryDateRange::new(
            ksef::model::InvoiceQueryDateType::PermanentStorage,
            time::OffsetDateTime::now_utc() - time::Duration::hours(3),
        );
        range.restrict_to_permanent_storage_hwm_date = Some(true);
        let filters = ksef::model::InvoiceQueryFilters::new(
            ksef::model::InvoiceQuerySubjectType::Subject1,
            range,
        );
        let export = client
            .start_export(filters, false, ksef::model::CompressionType::Zip)
            .await
            .unwrap();
        let package = export.wait(Duration::from_secs(1800)).await.unwrap();
        let target = tempfile::tempdir().unwrap();
        let cpu = cpu_seconds();
        let server_cpu = server.cpu_seconds();
        let start = Instant::now();
        let contents = export
            .download(
                &package,
                target.path(),
                &ksef::batch::unpack::UnpackLimits::default(),
                4,
            )
            .await
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let server_cpu = server.cpu_seconds() - server_cpu;
        let mb = package.size as f64 / 1e6;
        let invoice_mb = contents.files.iter().map(|f| f.size).sum::<u64>() as f64 / 1e6;
        report(format!(
            "export of {} {mode} invoices ({invoice_mb:.0} MB), package {mb:.0} MB in {} parts: download+verify+decrypt+unpack {secs:.2} s, {:.0} MB/s of package, {:.0} MB/s of invoices, client {cpu:.2} CPU-s, emulator (serving the parts) {server_cpu:.2} CPU-s, client peak RSS {:.1} MB",
            contents.files.len(),
            package.parts.len(),
            mb / secs,
            invoice_mb / secs,
            peak_rss_mb()
        ));
        report(format!(
            "RESULT content={mode} mb_per_s={:.2} invoice_mb_per_s={:.2} secs={secs:.3} client_cpu_s={cpu:.3} server_cpu_s={server_cpu:.3} rss_mb={:.1}",
            mb / secs,
            invoice_mb / secs,
            peak_rss_mb()
        ));
        report(CryptoLimits::report(
            CryptoLimits::measure(),
            "export",
            mb / secs,
        ));
    });
    drop(server);
}

fn main() {
    let args = common::support::args();
    let content = if args.iter().any(|a| a == "fa3") {
        Content::Fa3
    } else {
        Content::Incompressible
    };
    match (
        args.first().map(String::as_str),
        args.get(1).and_then(|n| n.parse().ok()),
    ) {
        (Some("server"), Some(count)) => common::serve(|emulator| seed(emulator, count, content)),
        (Some("client"), Some(count)) => client(count, content),
        _ => {
            // ~100 MB and ~1 GB of invoice XML (an export holds at most 10,000 invoices / 1 GB),
            // each client in its own process so that each peak is its own.
            let exe = std::env::current_exe().unwrap();
            for (count, mode) in [(1_000usize, ""), (9_900, ""), (10_000, "fa3")] {
                let status = Command::new(&exe)
                    .args(["client", &count.to_string(), mode])
                    .status()
                    .unwrap();
                assert!(status.success());
            }
        }
    }
}
