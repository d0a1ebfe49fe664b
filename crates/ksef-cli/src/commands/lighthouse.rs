//! `ksef lighthouse`: KSeF availability and announcements from the status service
//! ("Latarnia"). The service is not part of the official API specification; it is known for
//! TEST and production. No login is needed.

use ksef::api::{LighthouseMessage, LighthouseState};
use ksef::{Client, Environment};
use serde_json::{Value, json};

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// Options of `ksef lighthouse`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to show.
    #[command(subcommand)]
    pub action: Action,
    /// The status service's root URL, for environments without a known one (DEMO, the
    /// emulator, a proxy).
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
}

/// The actions of `ksef lighthouse`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Shows whether KSeF is available (AVAILABLE, MAINTENANCE, FAILURE, TOTAL_FAILURE).
    Status,
    /// Lists the current announcements (maintenance windows, failures).
    Messages,
}

fn state_text(state: &LighthouseState) -> String {
    match state {
        LighthouseState::Available => "AVAILABLE — KSeF works normally".into(),
        LighthouseState::Maintenance => "MAINTENANCE — planned maintenance".into(),
        LighthouseState::Failure => "FAILURE — a partial failure".into(),
        LighthouseState::TotalFailure => "TOTAL_FAILURE — KSeF is unavailable".into(),
        LighthouseState::Unknown(s) if s.is_empty() => "(no status in the answer)".into(),
        LighthouseState::Unknown(s) => s.clone(),
    }
}

fn state_code(state: &LighthouseState) -> String {
    match state {
        LighthouseState::Available => "AVAILABLE".into(),
        LighthouseState::Maintenance => "MAINTENANCE".into(),
        LighthouseState::Failure => "FAILURE".into(),
        LighthouseState::TotalFailure => "TOTAL_FAILURE".into(),
        LighthouseState::Unknown(s) => s.clone(),
    }
}

fn message_line(m: &LighthouseMessage) -> String {
    let when = match (&m.start, &m.end) {
        (Some(s), Some(e)) => format!("{s} – {e}: "),
        (Some(s), None) => format!("from {s}: "),
        (None, Some(e)) => format!("until {e}: "),
        (None, None) => String::new(),
    };
    let title = m.title.as_deref().unwrap_or("(untitled)");
    match &m.text {
        Some(text) if !text.is_empty() => format!("- {when}{title} — {text}"),
        _ => format!("- {when}{title}"),
    }
}

/// The client for the status service of the configured environment (or `--url`).
fn client(args: &Args, ctx: &Ctx) -> CliResult<Client> {
    let env = ctx.conn.environment()?;
    let env = match (&args.url, env) {
        (Some(url), env) => Environment::Custom {
            api: env.api_url().to_owned(),
            qr: env.qr_url().to_owned(),
            lighthouse: Some(url.clone()),
        },
        (None, env) if env.lighthouse_url().is_none() => {
            let which = match &env {
                Environment::Demo => "DEMO".to_owned(),
                other => format!("{} (a custom base URL, e.g. the emulator)", other.api_url()),
            };
            return Err(CliError::config(format!(
                "the environment {which} has no known status service (Latarnia): it exists for \
                 TEST and production (--env test|prod), or give its root with --url"
            )));
        }
        (None, env) => env,
    };
    Client::builder()
        .environment(env)
        .user_agent(concat!("ksef-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(CliError::from)
}

/// Runs `ksef lighthouse`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let client = client(&args, ctx)?;
    let lighthouse = client.lighthouse();
    match args.action {
        Action::Status => {
            let status = lighthouse.status().await?;
            report.line(format!("KSeF: {}", state_text(&status.status)));
            report.field("status", json!(state_code(&status.status)));
            report.field("raw", status.raw);
        }
        Action::Messages => {
            let messages = lighthouse.messages().await?;
            if messages.is_empty() {
                report.line("no announcements");
            }
            for m in &messages {
                report.line(message_line(m));
            }
            report.field(
                "messages",
                Value::Array(messages.into_iter().map(|m| m.raw).collect()),
            );
        }
    }
    Ok(())
}
