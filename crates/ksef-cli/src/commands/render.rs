//! `ksef invoice render` and `ksef upo render`: PDF and HTML of FA(3) invoices (with KOD I, and
//! KOD II for offline invoices) and of UPOs, with `ksef-render`. Nothing is sent to KSeF. Also
//! the PDF `ksef sync --pdf` writes beside each downloaded invoice.

use std::path::{Path, PathBuf};

use ksef::crypto::qr::QrEnvironment;
use ksef::render::{InvoiceDocument, InvoiceRenderOptions, kod2_url};
use serde_json::json;

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::files::write_atomic;
use crate::output::Report;

/// Options of `ksef invoice render`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
KOD I (the invoice verification link) is printed on every invoice, for the environment of
--env/--base-url (or --qr-host), labelled with --ksef-number or OFFLINE. An offline invoice
(--offline) also gets KOD II, signed with the key of an Offline KSeF certificate given with the
connection options --cert/--key or --pkcs12, in the context of --nip/--context.")]
pub struct InvoiceArgs {
    /// The invoice XML file, exactly as sent to KSeF (its SHA-256 goes into KOD I).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The invoice's KSeF number (printed in the header and under KOD I).
    #[arg(long, value_name = "KSEF_NUMBER", conflicts_with = "offline")]
    pub ksef_number: Option<String>,
    /// An offline invoice: KOD I labelled OFFLINE and KOD II signed with the certificate.
    #[arg(long)]
    pub offline: bool,
    /// Print no QR codes.
    #[arg(long, conflicts_with_all = ["offline", "ksef_number"])]
    pub no_qr: bool,
    /// The QR host instead of the environment's (e.g. https://qr-test.ksef.mf.gov.pl).
    #[arg(long, value_name = "URL")]
    pub qr_host: Option<String>,
    /// Write the PDF here.
    #[arg(long, value_name = "OUT.pdf", required_unless_present = "html")]
    pub pdf: Option<PathBuf>,
    /// Write the HTML page here.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
}

/// Options of `ksef upo render`.
#[derive(Debug, clap::Args)]
pub struct UpoArgs {
    /// The UPO XML file (invoice or session UPO, v4-x).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Write the PDF here.
    #[arg(long, value_name = "OUT.pdf", required_unless_present = "html")]
    pub pdf: Option<PathBuf>,
    /// Write the HTML page here.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
}

fn read(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| CliError::config(format!("cannot read {}: {e}", path.display())))
}

fn failed(what: &Path) -> impl Fn(ksef::render::RenderError) -> CliError + '_ {
    move |e| CliError::config(format!("cannot render {}: {e}", what.display()))
}

fn outputs(
    pdf: Option<(&Path, Vec<u8>)>,
    html: Option<(&Path, String)>,
    report: &mut Report,
) -> CliResult {
    if let Some((path, bytes)) = pdf {
        write_atomic(path, &bytes)?;
        report.line(format!("saved {}", path.display()));
        report.field("pdf", json!(path.display().to_string()));
    }
    if let Some((path, text)) = html {
        write_atomic(path, text.as_bytes())?;
        report.line(format!("saved {}", path.display()));
        report.field("html", json!(path.display().to_string()));
    }
    Ok(())
}

/// Runs `ksef invoice render`.
pub fn invoice(args: InvoiceArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let doc = InvoiceDocument::from_xml(read(&args.file)?).map_err(failed(&args.file))?;
    let mut options = InvoiceRenderOptions {
        ksef_number: args.ksef_number.clone(),
        ..Default::default()
    };
    if !args.no_qr {
        let env = super::qr::environment(args.qr_host.as_deref(), ctx)?;
        if args.offline {
            let (context_type, context_value) = super::qr::kod2_context(ctx)?;
            let credentials = ctx.conn.certificate_credentials()?;
            let serial = credentials.certificate().serial_hex();
            let url = kod2_url(
                &env,
                &doc,
                context_type,
                &context_value,
                &serial,
                &credentials,
            )
            .map_err(|e| CliError::config(format!("cannot sign the KOD II link: {e}")))?;
            report.field("kod2", json!(url));
            options.kod2_url = Some(url);
        }
        options.qr_environment = Some(env);
    }
    let pdf = match &args.pdf {
        Some(path) => Some((
            path.as_path(),
            doc.to_pdf(&options).map_err(failed(&args.file))?,
        )),
        None => None,
    };
    let html = match &args.html {
        Some(path) => Some((
            path.as_path(),
            doc.to_html(&options).map_err(failed(&args.file))?,
        )),
        None => None,
    };
    outputs(pdf, html, report)
}

/// Runs `ksef upo render`.
pub fn upo(args: UpoArgs, report: &mut Report) -> CliResult {
    let upo = ksef::upo::parse_upo(&read(&args.file)?)
        .map_err(|e| CliError::config(format!("{}: {e}", args.file.display())))?;
    let view = upo.to_view();
    let pdf = match &args.pdf {
        Some(path) => Some((path.as_path(), view.to_pdf().map_err(failed(&args.file))?)),
        None => None,
    };
    let html = match &args.html {
        Some(path) => Some((path.as_path(), view.to_html().map_err(failed(&args.file))?)),
        None => None,
    };
    outputs(pdf, html, report)
}

/// Writes `INVOICE.pdf` beside a downloaded invoice (`ksef sync --pdf`), with KOD I labelled
/// with its KSeF number.
pub fn pdf_beside(xml_path: &Path, ksef_number: &str, env: &QrEnvironment) -> CliResult<PathBuf> {
    let doc = InvoiceDocument::from_xml(read(xml_path)?).map_err(failed(xml_path))?;
    let options = InvoiceRenderOptions {
        qr_environment: Some(env.clone()),
        ksef_number: Some(ksef_number.to_owned()),
        ..Default::default()
    };
    let pdf = doc.to_pdf(&options).map_err(failed(xml_path))?;
    let path = xml_path.with_extension("pdf");
    write_atomic(&path, &pdf)?;
    Ok(path)
}
