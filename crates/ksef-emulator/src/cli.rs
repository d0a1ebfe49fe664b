//! The emulator's command line, shared by the `ksef-emulator` binary and `ksef emulator`.

use crate::{Emulator, EmulatorConfig, Faults, RateLimitMode};

/// The usage text.
pub const USAGE: &str = "\
usage: ksef-emulator [--listen ADDR] [--config FILE.json] [--public-url URL]
                     [--rate-limits spec|off|FACTOR] [--system-warning TEXT]
                     [--data-dir DIR] [--invoice-processing-ms N] [--download-delay-ms N]
                     [--export-processing-ms N] [--export-part-size BYTES] [--hwm-lag-ms N]
                     [--fault NAME=VALUE]... [--storage-bytes-per-sec N]

Runs a local KSeF 2.0 API under /v2 (default listen address 127.0.0.1:8080).
Every field of the JSON configuration file is optional.
--fault sets one field of the configuration's \"faults\" object, e.g. --fault seed=7
--fault tooManyRequests=0.05 --fault retryAfterSecs=1 --fault reset=0.02
--fault dropAfterCommit=0.02 --fault wafHtml=0.03 --fault internalError=0.02.";

/// Sets one field (`NAME=VALUE`, the JSON configuration's camelCase name) of `faults`.
fn set_fault(faults: &mut Faults, assignment: &str) -> Result<(), String> {
    let (name, value) = assignment
        .split_once('=')
        .ok_or_else(|| format!("--fault needs NAME=VALUE, not {assignment:?}"))?;
    let mut object = serde_json::to_value(&*faults).map_err(|e| e.to_string())?;
    let Some(slot) = object.get_mut(name) else {
        return Err(format!("--fault: unknown fault setting {name:?}"));
    };
    *slot = if name == "operations" {
        serde_json::Value::from(
            value
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        )
    } else {
        serde_json::from_str(value).map_err(|_| format!("--fault {name}: bad value {value:?}"))?
    };
    *faults = serde_json::from_value(object).map_err(|e| format!("--fault {name}: {e}"))?;
    Ok(())
}

fn number(flag: &str, text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{flag} needs a whole number, not {text:?}"))
}

/// Parses the command-line arguments (without the program name) into a configuration;
/// `Err` holds the message to print (the usage text for `--help`).
pub fn parse(args: &[String]) -> Result<EmulatorConfig, String> {
    let mut config = EmulatorConfig::default();
    let mut listen: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--config" => {
                let path = value("--config")?;
                config = EmulatorConfig::from_json_file(std::path::Path::new(&path))?;
            }
            "--listen" => listen = Some(value("--listen")?),
            "--public-url" => config.public_url = Some(value("--public-url")?),
            "--system-warning" => config.system_warning = Some(value("--system-warning")?),
            "--rate-limits" => {
                config.rate_limits = match value("--rate-limits")?.as_str() {
                    "spec" => RateLimitMode::Spec,
                    "off" => RateLimitMode::Off,
                    factor => RateLimitMode::Scaled(
                        factor
                            .parse()
                            .map_err(|_| format!("bad --rate-limits {factor:?}"))?,
                    ),
                }
            }
            "--data-dir" => config.data_dir = Some(value("--data-dir")?.into()),
            "--invoice-processing-ms" => config.invoice_processing_ms = number(arg, &value(arg)?)?,
            "--download-delay-ms" => config.download_delay_ms = number(arg, &value(arg)?)?,
            "--export-processing-ms" => config.export_processing_ms = number(arg, &value(arg)?)?,
            "--export-part-size" => config.export_part_size = number(arg, &value(arg)?)?,
            "--hwm-lag-ms" => config.hwm_lag_ms = number(arg, &value(arg)?)?,
            "--fault" => set_fault(&mut config.faults, &value(arg)?)?,
            "--storage-bytes-per-sec" => {
                config.faults.storage_bytes_per_sec = number(arg, &value(arg)?)?
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let listen = listen.unwrap_or_else(|| {
        if config.listen.port() == 0 {
            "127.0.0.1:8080".to_owned()
        } else {
            config.listen.to_string()
        }
    });
    config.listen = listen
        .parse()
        .map_err(|e| format!("bad --listen {listen:?}: {e}"))?;
    Ok(config)
}

/// Parses `args`, runs the emulator until Ctrl-C (or SIGTERM) and returns the exit code:
/// 0 after a clean stop (or `--help`), 1 when the server cannot start, 2 for bad arguments.
pub async fn run(args: &[String]) -> u8 {
    let config = match parse(args) {
        Ok(c) => c,
        Err(message) if args.iter().any(|a| a == "-h" || a == "--help") => {
            use std::io::Write as _;
            // Help goes to stdout; a closed pipe (`… --help | head`) is fine.
            let _ = writeln!(std::io::stdout(), "{message}");
            return 0;
        }
        Err(message) => {
            eprintln!("{message}");
            return 2;
        }
    };
    let emulator = match Emulator::start(config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    eprintln!(
        "KSeF emulator: API at {} (Ctrl-C to stop)",
        emulator.base_url()
    );
    stopped().await;
    emulator.shutdown().await;
    0
}

/// Waits for Ctrl-C (or, on Unix, SIGTERM), so the state is saved on either.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn fault_flags_set_the_faults_object() {
        let config = parse(&args(&[
            "--fault",
            "tooManyRequests=0.05",
            "--fault",
            "retryAfterSecs=3",
            "--fault",
            "seed=7",
            "--fault",
            "operations=post_auth_challenge,get_sessions",
            "--storage-bytes-per-sec",
            "1000000",
        ]))
        .unwrap();
        assert_eq!(config.faults.too_many_requests, 0.05);
        assert_eq!(config.faults.retry_after_secs, 3);
        assert_eq!(config.faults.seed, 7);
        assert_eq!(config.faults.storage_bytes_per_sec, 1_000_000);
        assert_eq!(
            config.faults.operations,
            ["post_auth_challenge", "get_sessions"]
        );
        assert!(parse(&args(&["--fault", "nosuch=1"])).is_err());
        assert!(parse(&args(&["--fault", "reset=often"])).is_err());
        assert!(parse(&args(&["--fault", "reset"])).is_err());
    }
}
