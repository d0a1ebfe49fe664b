//! Shared by the benchmarks of `ksef-batch` and `ksef`: peak memory and the machine's crypto
//! limits measured with `openssl speed` in the same run.
#![allow(dead_code)]

use std::process::Command;

/// The benchmark's own arguments (those `cargo bench` passes, like `--bench`, are dropped).
pub(crate) fn args() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect()
}

/// Peak resident set size of this process (`VmHWM`), in MB.
pub(crate) fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Single-core throughput of AES-256-CBC encryption and SHA-256 on 1 MiB blocks, in MB/s, as
/// `openssl speed` measures them now (`None` when openssl is not installed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CryptoLimits {
    /// AES-256-CBC encryption, MB/s.
    pub(crate) aes_cbc: f64,
    /// SHA-256, MB/s.
    pub(crate) sha256: f64,
}

impl CryptoLimits {
    /// Runs `openssl speed` (about 2 s).
    pub(crate) fn measure() -> Option<Self> {
        Some(Self {
            aes_cbc: openssl_speed("aes-256-cbc")?,
            sha256: openssl_speed("sha256")?,
        })
    }

    /// A report line: the limits and `mb_per_s` as a share of the slower one (each byte of a
    /// package or export is encrypted or decrypted once and hashed at least once).
    pub(crate) fn report(limits: Option<Self>, what: &str, mb_per_s: f64) -> String {
        match limits {
            Some(l) => format!(
                "  openssl speed (same run): AES-256-CBC {:.0} MB/s, SHA-256 {:.0} MB/s; {what} {mb_per_s:.1} MB/s = {:.1}% of the AES-256-CBC limit",
                l.aes_cbc,
                l.sha256,
                100.0 * mb_per_s / l.aes_cbc
            ),
            None => "  openssl not found: no crypto limit to compare with".to_owned(),
        }
    }
}

fn openssl_speed(algorithm: &str) -> Option<f64> {
    let out = Command::new("openssl")
        .args([
            "speed", "-mr", "-seconds", "1", "-bytes", "1048576", "-evp", algorithm,
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    // Machine-readable result line: `+F:<index>:<name>:<bytes per second>`.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("+F:"))
        .and_then(|l| l.rsplit(':').next())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|bytes_per_s| bytes_per_s / 1e6)
}

/// CPU time (user + system) this process has used so far, in seconds: with the machine busy,
/// MB per CPU-second is steadier than MB/s.
pub(crate) fn cpu_seconds() -> f64 {
    process_cpu_seconds("self")
}

/// CPU time (user + system) process `pid` (`"self"` for this one) has used so far, in seconds.
pub(crate) fn process_cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}
