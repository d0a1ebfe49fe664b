//! Throughput of the streaming AES-256-CBC encryption with SHA-256 of both plaintext and
//! ciphertext, compared with `openssl speed -evp aes-256-cbc` (encryption only, one thread).
//!
//! Run with `cargo bench -p ksef-crypto --bench stream_encrypt`. Set `KSEF_BENCH_MIB` to change
//! the buffer size (default 256 MiB).
#![allow(clippy::print_stdout)]

use std::io::Write as _;
use std::process::Command;
use std::time::Instant;

use ksef_crypto::symmetric::{Digests, SymmetricKey};

const MB: f64 = 1_000_000.0;

fn run(key: &SymmetricKey, data: &[u8], parallel: bool, write_size: usize) -> (f64, Digests) {
    let start = Instant::now();
    let mut writer = key
        .encrypting_writer(std::io::sink())
        .with_parallel_hashing(parallel);
    for piece in data.chunks(write_size) {
        writer.write_all(piece).expect("write to sink");
    }
    let (_, digests) = writer.finish().expect("finish");
    let secs = start.elapsed().as_secs_f64();
    (data.len() as f64 / MB / secs, digests)
}

/// The 16384-byte column of `openssl speed -evp aes-256-cbc`, in MB/s (OpenSSL prints 1000s of
/// bytes per second).
fn openssl_speed() -> Result<f64, String> {
    let out = Command::new("openssl")
        .args([
            "speed",
            "-evp",
            "aes-256-cbc",
            "-seconds",
            "2",
            "-bytes",
            "16384",
        ])
        .output()
        .map_err(|e| format!("cannot run `openssl speed` (is openssl installed?): {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.to_ascii_uppercase().starts_with("AES-256-CBC"))
        .ok_or_else(|| format!("no AES-256-CBC line in openssl output:\n{text}"))?;
    let last = line
        .split_whitespace()
        .last()
        .ok_or("empty openssl result line")?;
    let kbytes: f64 = last
        .trim_end_matches('k')
        .parse()
        .map_err(|e| format!("cannot parse {last:?}: {e}"))?;
    Ok(kbytes * 1000.0 / MB)
}

fn main() {
    let mib: usize = std::env::var("KSEF_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let data: Vec<u8> = (0..mib * 1024 * 1024)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761) as u8)
        .collect();
    let key = SymmetricKey::generate();
    println!(
        "stream_encrypt: {} MiB, AES-256-CBC + SHA-256(plain) + SHA-256(cipher), one pass",
        mib
    );

    // Warm-up (page faults of the buffer, thread start-up).
    let _ = run(&key, &data[..data.len().min(16 << 20)], true, 1 << 20);

    let (single, d1) = run(&key, &data, false, 1 << 20);
    println!("  single thread           : {single:8.1} MB/s");
    let mut best = 0.0f64;
    let mut digests = d1;
    for _ in 0..3 {
        let (speed, d) = run(&key, &data, true, 1 << 20);
        best = best.max(speed);
        digests = d;
    }
    println!("  with hashing threads    : {best:8.1} MB/s (best of 3)");
    let (small_writes, _) = run(&key, &data, true, 8 * 1024);
    println!("  8 KiB writes, threads   : {small_writes:8.1} MB/s");
    assert_eq!(d1, digests, "single-threaded and threaded digests differ");
    println!(
        "  plain {} B sha256={}  cipher {} B sha256={}",
        digests.plain.size,
        digests.plain.sha256_base64(),
        digests.cipher.size,
        digests.cipher.sha256_base64()
    );

    // For information: the decrypting direction (CBC decryption is parallel over blocks).
    let ciphertext = key.encrypt(&data);
    let start = Instant::now();
    let mut writer = key.decrypting_writer(std::io::sink());
    for piece in ciphertext.chunks(1 << 20) {
        writer.write_all(piece).expect("write to sink");
    }
    let (_, dec_digests) = writer.finish().expect("finish");
    let dec_speed = ciphertext.len() as f64 / MB / start.elapsed().as_secs_f64();
    assert_eq!(
        dec_digests.plain, digests.plain,
        "decrypted plaintext digest differs"
    );
    println!("  decrypt + hash both     : {dec_speed:8.1} MB/s");

    match openssl_speed() {
        Ok(openssl) => {
            println!("  openssl speed (16384 B) : {openssl:8.1} MB/s (encryption only)");
            println!(
                "  ratio ours/openssl      : {:8.1} % (threads), {:.1} % (single thread)",
                best / openssl * 100.0,
                single / openssl * 100.0
            );
        }
        Err(e) => println!("  openssl comparison unavailable: {e}"),
    }
}
