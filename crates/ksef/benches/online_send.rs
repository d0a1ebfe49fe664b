//! The client's own cost of sending one invoice in an online session, run with
//! `cargo bench -p ksef --bench online_send [-- COUNT] [current-thread] [concurrency=N] [spawned]`
//! (default 2,000 invoices, one at a time, on a multi-threaded runtime). With `concurrency=N`,
//! `N` sends are in flight at once (as an integrator sending a queue of invoices would), so one
//! wake-up of the client can handle several answers. With `spawned` the sending loop runs as a
//! task on the runtime's workers instead of in `block_on` on the main thread.
//!
//! The emulator runs in a child process, so the CPU time measured (user + system, all threads)
//! is the client's alone: encryption, both hashes, base64, JSON, the HTTP exchange and the
//! response. Invoices are FA(3) of about 10 KB, each with its own number, sent one after the
//! other. The same steps are then timed in isolation to show where the time goes; what is left
//! is HTTP, the async runtime and the response.

use std::hint::black_box;
use std::time::Instant;

mod common;
#[path = "../../ksef-batch/benches/support/fa3.rs"]
mod fa3;

use common::support::{CryptoLimits, peak_rss_mb};
use common::{Server, cpu_seconds};
use ksef::crypto::symmetric::{SymmetricKey, sha256_base64};
use ksef::model::rt::Base64Data;
use ksef::model::{SendInvoiceRequest, Sha256HashBase64};

// A benchmark reports on stdout.
#[allow(clippy::print_stdout)]
fn report(line: String) {
    println!("{line}");
}

/// Invoice lines that make the fixture-based invoice about 10 KB.
const LINES: u64 = 32;
/// Repetitions of each step timed in isolation.
const REPEAT: usize = 10;

/// Sends `count` invoices on a multi-threaded runtime or, with `current_thread`, on a
/// current-thread one. While the client waits for the server, the multi-threaded runtime's idle
/// workers wake up and look for work; that CPU is counted too, so the current-thread figure is
/// closer to the work of sending itself.
fn client(count: usize, current_thread: bool, concurrency: usize, spawned: bool) {
    let server = Server::start(&["server"]);
    let template = fa3::template();
    let invoices: Vec<Vec<u8>> = (0..count + 20)
        .map(|n| fa3::invoice_with_lines(&template, n, Some(LINES)).into_bytes())
        .collect();
    let size = invoices.iter().map(Vec::len).sum::<usize>() as f64 / invoices.len() as f64;
    let rt = if current_thread {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let base_url = server.base_url.clone();
    let all = std::sync::Arc::new(invoices.clone());
    let work = async move {
        let invoices = all;
        let client = common::login(&base_url).await;
        let session = client
            .open_online(ksef::sending::InvoiceForm::Fa3)
            .await
            .unwrap();
        // Warm up connections and allocations.
        for xml in &invoices[count..] {
            session.send_invoice(xml).await.unwrap();
        }
        let cpu = cpu_seconds();
        let start = Instant::now();
        if concurrency <= 1 {
            for xml in &invoices[..count] {
                session.send_invoice(xml).await.unwrap();
            }
        } else {
            use futures::StreamExt as _;
            // The futures are made up front (they do nothing until polled): a closure mapping
            // the stream would not be `Send` for every lifetime, which `spawned` needs.
            let sends: Vec<_> = invoices[..count]
                .iter()
                .map(|xml| session.send_invoice(xml))
                .collect();
            let sent: Vec<_> = futures::stream::iter(sends)
                .buffer_unordered(concurrency)
                .collect()
                .await;
            assert!(sent.iter().all(Result::is_ok));
        }
        let measured = (cpu_seconds() - cpu, start.elapsed().as_secs_f64());
        session.close().await.unwrap();
        measured
    };
    // `block_on` polls the sending loop on this thread, while the runtime's workers drive the
    // sockets: every answer then wakes this thread from a worker. `spawned` runs the loop as a
    // task on the workers instead (what a `#[tokio::main]` program gets with `tokio::spawn`).
    let (cpu, secs) = if spawned {
        rt.block_on(async { tokio::spawn(work).await.unwrap() })
    } else {
        rt.block_on(work)
    };
    drop(server);
    let per = |s: f64| s / count as f64 * 1e6;
    report(format!(
        "online send of {count} invoices of {:.1} KB, {}, {} runtime: client {:.0} µs CPU per invoice (wall {:.0} µs per invoice, server included), peak RSS {:.1} MB",
        size / 1e3,
        if concurrency <= 1 {
            "one at a time".to_owned()
        } else {
            format!("{concurrency} at a time")
        },
        match (current_thread, spawned) {
            (true, false) => "current-thread",
            (true, true) => "current-thread (spawned)",
            (false, false) => "multi-threaded",
            (false, true) => "multi-threaded (spawned)",
        },
        per(cpu),
        per(secs),
        peak_rss_mb()
    ));

    // The same steps in isolation, on this thread, in CPU time (repeated: the clock ticks in
    // milliseconds).
    let key = SymmetricKey::generate();
    let time = |f: &mut dyn FnMut(usize, &[u8])| {
        let cpu = cpu_seconds();
        for _ in 0..REPEAT {
            for (i, xml) in invoices[..count].iter().enumerate() {
                f(i, xml);
            }
        }
        per((cpu_seconds() - cpu) / REPEAT as f64)
    };
    let encrypt = time(&mut |_, xml| {
        black_box(key.encrypt(xml));
    });
    let encrypted: Vec<Vec<u8>> = invoices.iter().map(|x| key.encrypt(x)).collect();
    let hashes = time(&mut |i, xml| {
        black_box(sha256_base64(xml));
        black_box(sha256_base64(&encrypted[i]));
    });
    // What the send does: both hashes stitched into the encryption loop.
    let stitched = time(&mut |_, xml| {
        black_box(key.encrypt_with_digests(xml));
    });
    let base64 = time(&mut |i, _| {
        black_box(Base64Data::encode(&encrypted[i]));
    });
    let bodies: Vec<SendInvoiceRequest> = invoices[..count]
        .iter()
        .zip(&encrypted)
        .map(|(xml, enc)| {
            SendInvoiceRequest::new(
                Sha256HashBase64::new_unchecked(sha256_base64(xml)),
                xml.len() as i64,
                Sha256HashBase64::new_unchecked(sha256_base64(enc)),
                enc.len() as i64,
                Base64Data::encode(enc),
            )
        })
        .collect();
    let json = time(&mut |i, _| {
        black_box(serde_json::to_vec(&bodies[i]).unwrap());
    });
    let rest = per(cpu) - stitched - base64 - json;
    report(format!(
        "  where it goes (µs per invoice): AES-256-CBC with both SHA-256 stitched in {stitched:.1} (apart: AES {encrypt:.1} + SHA-256 ×2 {hashes:.1}), base64 {base64:.1}, JSON {json:.1}; HTTP, runtime and response {rest:.1}"
    ));
    let mb_per_s = size / 1e6 / (encrypt * 1e-6);
    report(CryptoLimits::report(
        CryptoLimits::measure(),
        "invoice encryption",
        mb_per_s,
    ));
}

fn main() {
    let args = common::support::args();
    match args.first().map(String::as_str) {
        Some("server") => common::serve(|_| {}),
        _ => {
            let count = args.iter().find_map(|a| a.parse().ok()).unwrap_or(2_000);
            let concurrency = args
                .iter()
                .find_map(|a| a.strip_prefix("concurrency=")?.parse().ok())
                .unwrap_or(1);
            client(
                count,
                args.iter().any(|a| a == "current-thread"),
                concurrency,
                args.iter().any(|a| a == "spawned"),
            );
        }
    }
}
