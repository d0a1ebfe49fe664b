//! `ksef upo`: downloads UPOs (urzędowe poświadczenie odbioru, the official confirmation of
//! receipt) — of one invoice by KSeF number or reference, or every page of a session's UPO.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::status::reference;
use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::files::{safe_name, write_atomic};
use crate::output::Report;

/// Options of `ksef upo`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    /// `ksef upo render FILE`: a UPO file as PDF/HTML.
    #[command(subcommand)]
    pub action: Option<Action>,
    /// The session reference number.
    #[arg(required = true)]
    pub session: Option<String>,
    /// The UPO of the invoice with this KSeF number.
    #[arg(long, conflicts_with = "invoice")]
    pub ksef_number: Option<String>,
    /// The UPO of the invoice with this reference number.
    #[arg(long)]
    pub invoice: Option<String>,
    /// Where to save the UPO file(s).
    #[arg(long, default_value = "ksef-out/upo")]
    pub out: PathBuf,
    /// Session UPO: how long to wait for it (a session's UPO exists once it is closed and
    /// processed), in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 60)]
    pub timeout: u64,
}

/// The subcommands of `ksef upo`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Renders a saved UPO (invoice or session UPO) as PDF and/or HTML; nothing is sent.
    Render(super::render::UpoArgs),
}

/// Runs `ksef upo`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    if let Some(Action::Render(render)) = args.action {
        return super::render::upo(render, report);
    }
    let session = args
        .session
        .as_deref()
        .ok_or_else(|| CliError::config("give the session reference number"))?;
    let session_ref = reference(session, "session")?;
    let session = ctx.conn.login().await?;
    let sessions = session.sessions();
    let mut written = Vec::new();
    if let Some(number) = &args.ksef_number {
        let ksef_number = ksef::model::KsefNumber::new(number.as_str())
            .map_err(|e| CliError::config(format!("KSeF number {number:?}: {e}")))?;
        let body = sessions
            .invoice_upo_by_ksef_number(session_ref, ksef_number)
            .send()
            .await?;
        let path = args.out.join(format!("{}.xml", safe_name(number)));
        write_atomic(&path, body.as_bytes())?;
        written.push(path);
    } else if let Some(invoice) = &args.invoice {
        let body = sessions
            .invoice_upo(session_ref, reference(invoice, "invoice")?)
            .send()
            .await?;
        let path = args.out.join(format!("{}.xml", safe_name(invoice)));
        write_atomic(&path, body.as_bytes())?;
        written.push(path);
    } else {
        let pages = session
            .wait_for_session_upo(&session_ref, Duration::from_secs(args.timeout))
            .await?;
        for page in pages {
            let path = args.out.join(format!(
                "session-{}-{}.xml",
                safe_name(session_ref.as_str()),
                safe_name(page.reference_number.as_str())
            ));
            write_atomic(&path, page.xml.as_bytes())?;
            written.push(path);
        }
    }
    for p in &written {
        report.line(format!("saved {}", p.display()));
    }
    report.field(
        "files",
        json!(
            written
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        ),
    );
    Ok(())
}
