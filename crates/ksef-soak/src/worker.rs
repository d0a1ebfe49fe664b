//! `ksef-soak sdk-worker`: sends files through the SDK's `OnlineSession::send_all`, recording
//! each settled file in a results file (JSON lines, appended and flushed per session) so that
//! a killed worker resumes with what is not settled yet.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::crypto::test_certs::{PersonIdentifier, TestKeyType, person_certificate};
use ksef::sending::InvoiceForm;
use ksef::{AuthenticatedClient, Client, Error};
use serde_json::{Value, json};

/// Invoices per online session.
const SESSION: usize = 250;

/// Reads the results recorded so far: file → the recorded line.
pub fn read_results(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

async fn login(base_url: &str, nip: &str) -> Result<AuthenticatedClient, String> {
    let client = Client::builder()
        .base_url(base_url)
        // The soak's emulator enforces no limits; KSeF's own would pace 180 invoices an hour.
        .throttle(ksef::http::ThrottleConfig {
            enabled: false,
            ..Default::default()
        })
        .auth_poll_interval(Duration::from_millis(50))
        .auth_timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| e.to_string())?;
    let person = person_certificate(
        "Soak",
        "Worker",
        &PersonIdentifier::Nip(nip.into()),
        TestKeyType::P256,
    )
    .map_err(|e| e.to_string())?;
    let mut last = String::new();
    for _ in 0..20 {
        match client
            .login_xades(
                &person,
                ContextIdentifier::Nip(nip.into()),
                &XadesOptions::default(),
            )
            .await
        {
            Ok(session) => return Ok(session),
            Err(e) => {
                last = e.to_string();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    Err(format!("cannot log in: {last}"))
}

/// Runs the worker: `list` names the files (one path a line), `results` collects outcomes.
pub async fn run(base_url: &str, nip: &str, list: &Path, results: &Path) -> Result<(), String> {
    let files: Vec<PathBuf> = std::fs::read_to_string(list)
        .map_err(|e| format!("{}: {e}", list.display()))?
        .lines()
        .map(PathBuf::from)
        .collect();
    let client = login(base_url, nip).await?;
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(results)
        .map_err(|e| format!("{}: {e}", results.display()))?;
    for _pass in 0..8 {
        let settled: HashSet<String> = read_results(results)
            .iter()
            .filter_map(|v| v["file"].as_str().map(str::to_owned))
            .collect();
        let todo: Vec<&PathBuf> = files
            .iter()
            .filter(|f| !settled.contains(&f.display().to_string()))
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        for chunk in todo.chunks(SESSION) {
            let xmls: Vec<Vec<u8>> = chunk
                .iter()
                .map(|f| std::fs::read(f).map_err(|e| format!("{}: {e}", f.display())))
                .collect::<Result<_, _>>()?;
            let Ok(session) = client.open_online(InvoiceForm::Fa3).await else {
                continue;
            };
            let outcomes = session.send_all(&xmls, 32, Duration::from_secs(120)).await;
            let mut lines = String::new();
            for (file, outcome) in chunk.iter().zip(outcomes) {
                let file = file.display().to_string();
                let line = match outcome {
                    Ok(accepted) => json!({"file": file, "status": "accepted",
                        "ksefNumber": accepted.ksef_number.as_str(),
                        "duplicateOfOwnSend": accepted.was_duplicate_of_own_send}),
                    Err(Error::Rejected(r)) => json!({"file": file, "status": "rejected",
                        "code": r.code, "original": r.original_ksef_number}),
                    // Anything else is not settled: the next pass (or run) sends it again.
                    Err(_) => continue,
                };
                lines.push_str(&line.to_string());
                lines.push('\n');
            }
            out.write_all(lines.as_bytes())
                .and_then(|()| out.sync_data())
                .map_err(|e| format!("{}: {e}", results.display()))?;
            let _ = session.close().await;
        }
    }
    Err("some invoices are still unsettled after 8 passes".into())
}
