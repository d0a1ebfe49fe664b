//! Client processes run, killed at random points and run again until every file is settled:
//! `ksef-soak sdk-worker` (the SDK's `send_all`), `ksef send`, `ksef batch [--resume]` and
//! `ksef sync`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;

/// What became of one file, as the clients reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    /// Accepted (or "already in KSeF"): the KSeF number the client reported.
    Accepted(String),
    /// Rejected; the status code when the client named one.
    Rejected(Option<i64>),
}

/// Outcomes by file path.
pub type Outcomes = BTreeMap<PathBuf, Reported>;

/// Runs client processes, killing some of them at random moments.
#[derive(Debug)]
pub struct Chaos {
    rng: fastrand::Rng,
    /// Kills still to do.
    pub kills_left: usize,
    /// Kills done.
    pub kills: usize,
    /// Client runs started.
    pub runs: usize,
    /// The longest a client runs before a planned kill.
    pub max_kill_delay: Duration,
    /// The longest any client run may take before it is stopped and started again.
    pub max_run: Duration,
    /// Client runs stopped for taking longer than `max_run`.
    pub stalled: usize,
    /// Where client stderr goes (appended).
    pub log: PathBuf,
    /// The `ksef` binary.
    pub ksef: PathBuf,
    /// Environment of the `ksef` runs (API root, context, TEST certificate).
    pub env: Vec<(String, String)>,
}

impl Chaos {
    /// A runner with `kills` random kills to spend.
    pub fn new(
        seed: u64,
        kills: usize,
        max_kill_delay: Duration,
        log: PathBuf,
        ksef: PathBuf,
    ) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            kills_left: kills,
            kills: 0,
            runs: 0,
            max_kill_delay,
            max_run: Duration::from_secs(600),
            stalled: 0,
            log,
            ksef,
            env: Vec::new(),
        }
    }

    /// Runs `cmd` with stdout captured; `None` when it was killed. Half of the runs are killed
    /// after a random delay while kills remain.
    pub async fn run(&mut self, mut cmd: Command) -> Result<Option<(i32, String)>, String> {
        self.runs += 1;
        let stdout = self.log.with_extension(format!("out-{}", self.runs));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("{}: {e}", self.log.display()))?;
        let out =
            std::fs::File::create(&stdout).map_err(|e| format!("{}: {e}", stdout.display()))?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start a client: {e}"))?;
        let kill_at = (self.kills_left > 0 && self.rng.bool()).then(|| {
            let max = self.max_kill_delay.as_millis().max(301) as u64;
            Duration::from_millis(self.rng.u64(300..max))
        });
        let status = match kill_at {
            Some(delay) => tokio::select! {
                status = child.wait() => status,
                () = tokio::time::sleep(delay) => {
                    let _ = child.kill().await;
                    self.kills_left -= 1;
                    self.kills += 1;
                    let _ = std::fs::remove_file(&stdout);
                    return Ok(None);
                }
            },
            // A client that hangs (a login stuck behind faults) is stopped after `max_run` and
            // started again, like a user would.
            None => match tokio::time::timeout(self.max_run, child.wait()).await {
                Ok(status) => status,
                Err(_) => {
                    let _ = child.kill().await;
                    self.stalled += 1;
                    let _ = std::fs::remove_file(&stdout);
                    return Ok(None);
                }
            },
        }
        .map_err(|e| format!("client: {e}"))?;
        let text = std::fs::read_to_string(&stdout).unwrap_or_default();
        // Kept beside the log (`clients.out-N`): when the audit finds a violation, the report
        // of the run that settled the file says what the client saw.
        Ok(Some((status.code().unwrap_or(-1), text)))
    }

    /// A `ksef` command with the soak's environment and JSON output.
    pub fn ksef(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.ksef);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.arg("--output").arg("json").args(args);
        cmd
    }
}

/// Reads the `invoices` of a `ksef send`/`ksef batch` JSON report into `outcomes`; `by_name`
/// maps a batch entry name to its file.
fn collect_report(
    text: &str,
    outcomes: &mut Outcomes,
    by_name: Option<&BTreeMap<String, PathBuf>>,
) {
    let Ok(report) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let Some(items) = report.get("invoices").and_then(Value::as_array) else {
        return;
    };
    for item in items {
        let file = match (by_name, item["file"].as_str(), item["name"].as_str()) {
            (_, Some(file), _) => PathBuf::from(file),
            (Some(names), None, Some(name)) => match names.get(name) {
                Some(path) => path.clone(),
                None => continue,
            },
            _ => continue,
        };
        let outcome = match (item["status"].as_str(), item["ksefNumber"].as_str()) {
            (Some("accepted" | "duplicate"), Some(number)) => Reported::Accepted(number.to_owned()),
            (Some("rejected"), _) => Reported::Rejected(item["code"].as_i64()),
            // A failure that KSeF decided (exit code 5) is final; others are retried.
            (Some("failed"), _) if item["exitCode"].as_i64() == Some(5) => {
                let code = item["error"]
                    .as_str()
                    .and_then(|e| e.contains("status 440").then_some(440));
                Reported::Rejected(code)
            }
            _ => continue,
        };
        outcomes.insert(file, outcome);
    }
}

/// The files without an outcome yet, as arguments.
fn unsettled(files: &[PathBuf], outcomes: &Outcomes) -> Vec<String> {
    files
        .iter()
        .filter(|f| !outcomes.contains_key(*f))
        .map(|f| f.display().to_string())
        .collect()
}

/// Files one `ksef send` run gets: a user sends a day's invoices, not ten thousand at once, and a
/// run must be able to finish within [`Chaos::max_run`] under the soak's faults.
const SEND_CHUNK: usize = 500;

/// `ksef send` over `files`, [`SEND_CHUNK`] at a time, until every file is settled; gives up
/// after `max_runs` runs in a row that settle nothing.
pub async fn cli_send(
    chaos: &mut Chaos,
    files: &[PathBuf],
    out: &Path,
    max_runs: usize,
) -> Result<Outcomes, String> {
    let mut outcomes = Outcomes::new();
    let mut idle_runs = 0;
    while idle_runs < max_runs {
        let todo = unsettled(files, &outcomes);
        if todo.is_empty() {
            break;
        }
        let before = outcomes.len();
        let out = out.display().to_string();
        let mut args = vec!["send", "--no-upo", "--concurrency", "32", "--out", &out];
        args.extend(todo.iter().take(SEND_CHUNK).map(String::as_str));
        if let Some((_, text)) = chaos.run(chaos.ksef(&args)).await? {
            collect_report(&text, &mut outcomes, None);
        }
        idle_runs = if outcomes.len() > before {
            0
        } else {
            idle_runs + 1
        };
    }
    Ok(outcomes)
}

/// `ksef batch` over `files` (one session), resumed with `--resume` after a kill, until every
/// file is settled.
pub async fn cli_batch(
    chaos: &mut Chaos,
    files: &[PathBuf],
    out: &Path,
    max_runs: usize,
) -> Result<Outcomes, String> {
    let names: BTreeMap<String, PathBuf> = files
        .iter()
        .filter_map(|f| Some((f.file_name()?.to_string_lossy().into_owned(), f.clone())))
        .collect();
    let state = out.join("batch-state.json");
    let mut outcomes = Outcomes::new();
    for _ in 0..max_runs {
        let todo = unsettled(files, &outcomes);
        if todo.is_empty() {
            break;
        }
        let out_text = out.display().to_string();
        let state_text = state.display().to_string();
        let cmd = if state.exists() {
            chaos.ksef(&["batch", "--resume", &state_text])
        } else {
            let mut args = vec!["batch", "--out", &out_text];
            args.extend(todo.iter().map(String::as_str));
            chaos.ksef(&args)
        };
        if let Some((code, text)) = chaos.run(cmd).await? {
            collect_report(&text, &mut outcomes, Some(&names));
            if code == 3 && !state.exists() {
                // A refused start (e.g. an unreadable leftover): clear the spool and go on.
                let _ = std::fs::remove_dir_all(out.join("spool"));
            }
        }
    }
    Ok(outcomes)
}

/// The SDK worker over `files` until every file is settled.
pub async fn sdk_send(
    chaos: &mut Chaos,
    worker: &Path,
    base_url: &str,
    files: &[PathBuf],
    work: &Path,
    max_runs: usize,
) -> Result<Outcomes, String> {
    let list = work.join("files.txt");
    let results = work.join("results.jsonl");
    std::fs::create_dir_all(work).map_err(|e| format!("{}: {e}", work.display()))?;
    let text: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    std::fs::write(&list, text).map_err(|e| format!("{}: {e}", list.display()))?;
    for _ in 0..max_runs {
        let mut cmd = Command::new(worker);
        cmd.arg("sdk-worker")
            .arg("--base-url")
            .arg(base_url)
            .arg("--list")
            .arg(&list)
            .arg("--results")
            .arg(&results);
        if let Some((0, _)) = chaos.run(cmd).await? {
            break;
        }
    }
    let mut outcomes = Outcomes::new();
    for line in crate::worker::read_results(&results) {
        let Some(file) = line["file"].as_str() else {
            continue;
        };
        let outcome = match (line["status"].as_str(), line["ksefNumber"].as_str()) {
            (Some("accepted"), Some(k)) => Reported::Accepted(k.to_owned()),
            (Some("rejected"), _) => Reported::Rejected(line["code"].as_i64()),
            _ => continue,
        };
        outcomes.insert(PathBuf::from(file), outcome);
    }
    Ok(outcomes)
}

/// `ksef sync` into `dir` (issued invoices) until it holds `expected` invoices; runs may be
/// killed and are simply repeated.
pub async fn cli_sync(
    chaos: &mut Chaos,
    dir: &Path,
    since: &str,
    expected: usize,
    max_runs: usize,
) -> Result<usize, String> {
    let dir_text = dir.display().to_string();
    let mut held = 0;
    for _ in 0..max_runs {
        let args = [
            "sync",
            "--dir",
            &dir_text,
            "-s",
            "subject1",
            "--since",
            since,
            "--min-interval",
            "0",
        ];
        chaos.run(chaos.ksef(&args)).await?;
        held = synced_files(dir).len();
        if held >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(held)
}

/// The invoice files of a sync directory (issued invoices).
pub fn synced_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("Subject1"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "xml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
