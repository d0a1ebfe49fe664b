//! `ksef-soak`: the chaos soak of ksef-rs (run it with `cargo xtask soak`; see
//! `docs/chaos-soak.md`).
//!
//! The emulator runs in this process with faults on (5xx HTML WAF pages and JSON 500/503, 429
//! with `Retry-After`, connection resets before and after the server committed, slow answers,
//! throttled pre-signed storage). Client processes —
//! this binary as an SDK worker (`OnlineSession::send_all`), `ksef send`, `ksef batch
//! [--resume]`, `ksef sync` — are killed at random points and run again until every invoice is
//! settled. The final audit fails loudly on any invoice lost, duplicated or misreported, on a
//! reused number not reported rejected, and on a synced folder that differs from the
//! emulator's set.
#![forbid(unsafe_code)]
#![allow(unreachable_pub, missing_docs)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod audit;
mod clients;
mod invoices;
mod worker;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clients::{Chaos, Outcomes};
use ksef_emulator::{Emulator, EmulatorConfig, Faults, RateLimitMode};

const USAGE: &str = "\
usage: ksef-soak run --ksef PATH --work DIR [--invoices N] [--batch-size N] [--reused N]
                     [--kills N] [--max-kill-delay-ms N] [--seed N]
                     [--storage-bytes-per-sec N]
       ksef-soak sdk-worker --base-url URL --list FILE --results FILE";

/// Settings of a soak run.
#[derive(Debug, Clone)]
struct Options {
    ksef: PathBuf,
    work: PathBuf,
    invoices: usize,
    batch_size: usize,
    reused: usize,
    kills: usize,
    max_kill_delay: Duration,
    seed: u64,
    storage_bytes_per_sec: u64,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        ksef: PathBuf::new(),
        work: PathBuf::new(),
        invoices: 10_000,
        batch_size: 2_500,
        reused: 10,
        kills: 20,
        max_kill_delay: Duration::from_secs(20),
        seed: 12,
        storage_bytes_per_sec: 1_000_000,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{arg} needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{arg}: not a number: {v}"))
        };
        match arg.as_str() {
            "--ksef" => o.ksef = value()?.into(),
            "--work" => o.work = value()?.into(),
            "--invoices" => o.invoices = number(value()?)? as usize,
            "--batch-size" => o.batch_size = (number(value()?)? as usize).max(1),
            "--reused" => o.reused = number(value()?)? as usize,
            "--kills" => o.kills = number(value()?)? as usize,
            "--max-kill-delay-ms" => o.max_kill_delay = Duration::from_millis(number(value()?)?),
            "--seed" => o.seed = number(value()?)?,
            "--storage-bytes-per-sec" => o.storage_bytes_per_sec = number(value()?)?,
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if o.ksef.as_os_str().is_empty() || o.work.as_os_str().is_empty() {
        return Err(format!("--ksef and --work are required\n{USAGE}"));
    }
    Ok(o)
}

/// The faults of the soak: ≥ 5 % 5xx (HTML WAF pages and JSON 500/503), 5 % 429 with
/// `Retry-After`, ≥ 2 % connection resets before and after the server committed, slow answers,
/// and pre-signed storage throttled to `storage_bytes_per_sec`.
fn faults(seed: u64, storage_bytes_per_sec: u64) -> Faults {
    Faults {
        seed,
        internal_error: 0.02,
        unavailable: 0.02,
        waf_html: 0.02,
        too_many_requests: 0.05,
        retry_after_secs: 1,
        reset: 0.02,
        drop_after_commit: 0.02,
        slow: 0.01,
        slow_ms: 300,
        storage_bytes_per_sec,
        ..Faults::default()
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => match parse(&args[1..]) {
            Ok(options) => run(options).await,
            Err(e) => Err(e),
        },
        Some("sdk-worker") => sdk_worker(&args[1..]).await.map(|()| true),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn sdk_worker(args: &[String]) -> Result<(), String> {
    let (mut base, mut list, mut results) = (None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().cloned().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--base-url" => base = Some(value),
            "--list" => list = Some(PathBuf::from(value)),
            "--results" => results = Some(PathBuf::from(value)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    match (base, list, results) {
        (Some(b), Some(l), Some(r)) => worker::run(&b, invoices::NIP, &l, &r).await,
        _ => Err(USAGE.to_owned()),
    }
}

/// Runs the soak; `Ok(false)` when the audit found violations.
async fn run(o: Options) -> Result<bool, String> {
    let started = Instant::now();
    if o.work.exists() {
        std::fs::remove_dir_all(&o.work).map_err(|e| format!("{}: {e}", o.work.display()))?;
    }
    std::fs::create_dir_all(o.work.join("home")).map_err(|e| e.to_string())?;
    let config = EmulatorConfig {
        rate_limits: RateLimitMode::Off,
        faults: faults(o.seed, o.storage_bytes_per_sec),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start(config)
        .await
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let base_url = emulator.base_url();
    let since = ksef::model::rt::datetime::format_date_time(
        &(time::OffsetDateTime::now_utc() - time::Duration::minutes(5)),
    );
    let run_id = o.seed ^ u64::try_from(started.elapsed().as_nanos()).unwrap_or(0) ^ now_id();
    let w = &o.work;
    let half = o.invoices / 2;
    let sdk = invoices::write_group(&w.join("online-sdk"), "sdk", run_id, half)?;
    let cli = invoices::write_group(&w.join("online-cli"), "cli", run_id, o.invoices - half)?;
    let batch = invoices::write_group(&w.join("batch"), "batch", run_id, o.invoices)?;
    let reused_sdk =
        invoices::write_reused(&w.join("reused-sdk"), "sdk", run_id, o.reused / 2, "sdk")?;
    let reused_cli = invoices::write_reused(
        &w.join("reused-cli"),
        "cli",
        run_id,
        o.reused - o.reused / 2,
        "cli",
    )?;
    let worker = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut chaos = Chaos::new(
        o.seed,
        o.kills,
        o.max_kill_delay,
        w.join("clients.log"),
        o.ksef.clone(),
    );
    chaos.env = vec![
        ("KSEF_BASE_URL".into(), base_url.clone()),
        // The emulator runs with its limits off: the clients must not pace themselves to KSeF's
        // (an online send of 180 invoices an hour would stall the soak).
        ("KSEF_NO_THROTTLE".into(), "true".into()),
        ("KSEF_NIP".into(), invoices::NIP.into()),
        ("KSEF_TEST_CERT".into(), format!("nip:{}", invoices::NIP)),
        ("HOME".into(), w.join("home").display().to_string()),
    ];
    // `ksef sync` exports every invoice of the run in one go: give a run time in proportion.
    chaos.max_run = Duration::from_secs(120)
        .max(o.max_kill_delay * 4)
        .max(Duration::from_millis(20 * o.invoices as u64));
    let runs = 40;
    let mut expected = Outcomes::new();
    println!(
        "soak: {} online invoices through the SDK (send_all)",
        sdk.files.len()
    );
    expected.extend(
        clients::sdk_send(
            &mut chaos,
            &worker,
            &base_url,
            &sdk.files,
            &w.join("sdk-work"),
            runs,
        )
        .await?,
    );
    println!(
        "soak: {} online invoices through `ksef send`",
        cli.files.len()
    );
    expected.extend(clients::cli_send(&mut chaos, &cli.files, &w.join("send-out"), runs).await?);
    for (k, chunk) in batch.files.chunks(o.batch_size).enumerate() {
        println!(
            "soak: batch {k}: {} invoices through `ksef batch [--resume]`",
            chunk.len()
        );
        let out = w.join(format!("batch-out-{k}"));
        expected.extend(clients::cli_batch(&mut chaos, chunk, &out, runs).await?);
    }
    println!(
        "soak: {} invoices reusing numbers with other content",
        o.reused
    );
    let mut reused = clients::sdk_send(
        &mut chaos,
        &worker,
        &base_url,
        &reused_sdk.files,
        &w.join("sdk-reused"),
        runs,
    )
    .await?;
    reused.extend(
        clients::cli_send(&mut chaos, &reused_cli.files, &w.join("send-reused"), runs).await?,
    );
    let store = snapshot(&emulator);
    println!("soak: `ksef sync` of {} stored invoices", store.len());
    let sync_dir = w.join("sync");
    clients::cli_sync(&mut chaos, &sync_dir, &since, store.len(), runs).await?;
    let store = snapshot(&emulator);
    let synced = clients::synced_files(&sync_dir);
    let expected_files: Vec<PathBuf> = sdk
        .files
        .iter()
        .chain(&cli.files)
        .chain(&batch.files)
        .cloned()
        .collect();
    let reused_files: Vec<PathBuf> = reused_sdk
        .files
        .iter()
        .chain(&reused_cli.files)
        .cloned()
        .collect();
    let a = audit::audit(
        &expected,
        &expected_files,
        &reused,
        &reused_files,
        &store,
        &synced,
    )?;
    emulator.shutdown().await;
    let report = serde_json::json!({
        "invoices": o.invoices, "sent": a.sent, "accepted": a.accepted, "lost": a.lost,
        "duplicated": a.duplicated, "misreported": a.misreported, "unsettled": a.unsettled,
        "reused": a.reused, "reusedRejected": a.reused_rejected, "stored": store.len(),
        "synced": a.synced, "syncMismatches": a.sync_mismatches, "clientRuns": chaos.runs,
        "clientsKilled": chaos.kills, "clientsStalled": chaos.stalled, "seconds": started.elapsed().as_secs(),
        "violations": a.problems.len(),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    if a.passed() {
        println!(
            "soak passed: sent {}, accepted {}, lost 0, duplicated 0, misreported 0; {} reused numbers rejected; synced folder = emulator ({}); {} client runs, {} killed",
            a.sent, a.accepted, a.reused_rejected, a.synced, chaos.runs, chaos.kills
        );
        let _ = std::fs::remove_dir_all(&o.work);
        Ok(true)
    } else {
        eprintln!(
            "SOAK FAILED: {} violation(s) (lost {}, duplicated {}, misreported {}, unsettled {}, sync mismatches {}); the work directory {} is kept",
            a.problems.len(),
            a.lost,
            a.duplicated,
            a.misreported,
            a.unsettled,
            a.sync_mismatches,
            o.work.display()
        );
        Ok(false)
    }
}

fn now_id() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The emulator's invoices of the soak's seller: KSeF number → content hash and number.
fn snapshot(emulator: &Emulator) -> BTreeMap<String, audit::Stored> {
    let store = emulator.state().store();
    store
        .invoices
        .iter()
        .filter(|(_, r)| r.metadata.seller.nip.as_str() == invoices::NIP)
        .map(|(k, r)| {
            (
                k.clone(),
                audit::Stored {
                    hash: ksef::crypto::symmetric::sha256_base64(&r.xml),
                    number: r.metadata.invoice_number.clone(),
                },
            )
        })
        .collect()
}
