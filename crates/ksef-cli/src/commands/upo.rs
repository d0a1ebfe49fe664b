//! `ksef upo`: downloads UPOs (urzędowe poświadczenie odbioru, the official confirmation of
//! receipt) — of one invoice by KSeF number or reference, or every page of a session's UPO — and
//! reports each one's signature: by whom it is signed, or that it is unsigned. A UPO whose
//! signature does not verify (changed after signing) is an error with exit code 8; the file is
//! kept as received. `--file` checks UPOs saved earlier without connecting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ksef::upo::{UpoError, UpoSignature, parse_upo};
use serde_json::{Value, json};

use super::status::reference;
use crate::commands::Ctx;
use crate::error::{CliError, CliResult, ErrorKind};
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
    #[arg(required_unless_present = "file")]
    pub session: Option<String>,
    /// The UPO of the invoice with this KSeF number.
    #[arg(long, conflicts_with = "invoice")]
    pub ksef_number: Option<String>,
    /// The UPO of the invoice with this reference number.
    #[arg(long)]
    pub invoice: Option<String>,
    /// Checks the signature of UPO files saved earlier instead of downloading (repeatable).
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with_all = ["session", "ksef_number", "invoice"]
    )]
    pub file: Vec<PathBuf>,
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
    let Some(session_arg) = &args.session else {
        let files = args
            .file
            .iter()
            .map(|path| {
                Ok((
                    path.clone(),
                    std::fs::read(path).map_err(|e| read_error(path, e))?,
                ))
            })
            .collect::<CliResult<Vec<_>>>()?;
        return check_signatures(&files, Source::Files, report);
    };
    let session_ref = reference(session_arg, "session")?;
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
        written.push((path, body.into_bytes()));
    } else if let Some(invoice) = &args.invoice {
        let body = sessions
            .invoice_upo(session_ref, reference(invoice, "invoice")?)
            .send()
            .await?;
        let path = args.out.join(format!("{}.xml", safe_name(invoice)));
        write_atomic(&path, body.as_bytes())?;
        written.push((path, body.into_bytes()));
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
            written.push((path, page.xml.into_bytes()));
        }
    }
    for (p, _) in &written {
        report.line(format!("saved {}", p.display()));
    }
    report.field(
        "files",
        json!(
            written
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect::<Vec<_>>()
        ),
    );
    check_signatures(&written, Source::Ksef, report)
}

/// Where the UPOs came from: a UPO that cannot be read is an undecodable answer of KSeF
/// (exit code 1) or a bad input file (exit code 3).
#[derive(Clone, Copy)]
enum Source {
    Ksef,
    Files,
}

fn read_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::config(format!("cannot read {}: {e}", path.display()))
}

/// Reports the signature of each UPO (field `signatures`); fails with
/// [`ErrorKind::BadSignature`] after reporting all of them when one does not verify.
fn check_signatures(upos: &[(PathBuf, Vec<u8>)], source: Source, report: &mut Report) -> CliResult {
    let mut entries = Vec::new();
    let mut tampered = Vec::new();
    for (path, xml) in upos {
        let (entry, line) = match parse_upo(xml) {
            Ok(upo) => signature_entry(&upo.signature),
            Err(UpoError::Signature(e)) => {
                tampered.push(format!("{}: {e}", path.display()));
                (
                    json!({"status": "invalid", "error": e.to_string()}),
                    format!("signature DOES NOT VERIFY: {e}"),
                )
            }
            Err(e) => {
                let message = format!("{}: {e}", path.display());
                return Err(match source {
                    Source::Ksef => CliError::failure(message),
                    Source::Files => CliError::config(message),
                });
            }
        };
        report.line(format!("{}: {line}", path.display()));
        let mut entry = entry;
        entry["file"] = json!(path.display().to_string());
        entries.push(entry);
    }
    report.field("signatures", Value::Array(entries));
    if tampered.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(
            ErrorKind::BadSignature,
            format!(
                "UPO signature does not verify (changed after signing?): {}",
                tampered.join("; ")
            ),
        ))
    }
}

/// The JSON entry and the text line of a verified or absent signature.
fn signature_entry(signature: &UpoSignature) -> (Value, String) {
    let Some(signer) = signature.signer() else {
        return (
            json!({"status": "unsigned"}),
            "unsigned (no signature to verify)".to_owned(),
        );
    };
    let subject = signer.certificate.subject_name();
    let fingerprint = signer.certificate.fingerprint_sha256_hex();
    let signing_time = signer.signing_time.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    });
    let line = match &signing_time {
        Some(t) => format!("signed by {subject} at {t} (certificate SHA-256 {fingerprint})"),
        None => format!("signed by {subject} (certificate SHA-256 {fingerprint})"),
    };
    (
        json!({
            "status": "signed",
            "signer": subject,
            "issuer": signer.certificate.issuer_name(),
            "certificateSha256": fingerprint,
            "signingTime": signing_time,
            "xades": signer.xades,
        }),
        line,
    )
}
