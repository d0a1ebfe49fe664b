//! `ksef qr`: KOD I (invoice verification) and KOD II (offline certificate) links and QR
//! images. Works fully offline: nothing is sent to KSeF.

use std::path::PathBuf;

use ksef::Environment;
use ksef::crypto::identifiers::KsefNumber;
use ksef::crypto::qr::{self, ContextIdentifierType, QrEnvironment, render};
use serde_json::json;

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// Options of `ksef qr`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which code.
    #[command(subcommand)]
    pub action: Action,
}

/// The codes of `ksef qr`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// KOD I, on every invoice: a link to verify and download it. The seller NIP is --nip (or
    /// the invoice's Podmiot1 NIP), the date --date (or the invoice's P_1). Label: the KSeF
    /// number, or OFFLINE before the invoice has one.
    Kod1(Kod1Args),
    /// KOD II, on offline invoices: a link signed with the key of an Offline KSeF certificate
    /// (--cert/--key or --pkcs12), confirming the issuer. The context is --nip/--context.
    /// Label: CERTYFIKAT.
    Kod2(Kod2Args),
}

/// The invoice and the image options shared by both codes.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The invoice XML file, exactly as sent to KSeF (its SHA-256 goes into the link).
    #[arg(long, required_unless_present = "hash", value_name = "INVOICE.xml")]
    pub file: Option<PathBuf>,
    /// Instead of --file: the invoice's SHA-256 in base64 (as KSeF reports `invoiceHash`).
    #[arg(long, conflicts_with = "file", value_name = "BASE64")]
    pub hash: Option<String>,
    /// Write the code as a PNG image to this file.
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
    /// Write the code as an SVG image to this file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// The size of one QR module in pixels (1–64).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=64), value_name = "PX")]
    pub module_size: u32,
    /// The QR host instead of the environment's (e.g. https://qr-test.ksef.mf.gov.pl); links
    /// for --base-url point at TEST's host unless this is given.
    #[arg(long, value_name = "URL")]
    pub qr_host: Option<String>,
}

/// Options of `ksef qr kod1`.
#[derive(Debug, clap::Args)]
pub struct Kod1Args {
    /// The invoice and image options.
    #[command(flatten)]
    pub common: Common,
    /// The issue date (P_1), YYYY-MM-DD; default: read from the invoice.
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub date: Option<time::Date>,
    /// The invoice's KSeF number (the label under the code); without it the label is OFFLINE.
    #[arg(long, value_name = "KSEF_NUMBER")]
    pub ksef_number: Option<String>,
}

/// Options of `ksef qr kod2`.
#[derive(Debug, clap::Args)]
pub struct Kod2Args {
    /// The invoice and image options.
    #[command(flatten)]
    pub common: Common,
    /// The seller's NIP; default: the invoice's Podmiot1 NIP, else the context NIP.
    #[arg(long, value_name = "NIP")]
    pub seller_nip: Option<String>,
}

fn parse_date(text: &str) -> Result<time::Date, String> {
    ksef::model::rt::datetime::parse_date(text).map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}

/// The text of the first element with local name `name` at or after `from` (namespace
/// prefixes ignored), trimmed.
fn element_text<'a>(xml: &'a str, name: &str, from: usize) -> Option<(&'a str, usize)> {
    let mut at = from;
    while let Some(offset) = xml.get(at..)?.find('<') {
        let start = at + offset + 1;
        let rest = xml.get(start..)?;
        let end = rest.find(['>', ' ', '\t', '\r', '\n', '/'])?;
        let tag = rest.get(..end)?;
        let local = tag.rsplit(':').next().unwrap_or(tag);
        if local == name && !tag.starts_with('/') {
            let open_end = start + rest.find('>')? + 1;
            let close = xml.get(open_end..)?.find('<')? + open_end;
            return Some((xml.get(open_end..close)?.trim(), close));
        }
        at = start;
    }
    None
}

/// The seller NIP (Podmiot1 … NIP) and issue date (P_1) of an FA invoice, when present.
fn invoice_facts(xml: &str) -> (Option<String>, Option<time::Date>) {
    let nip = element_text(xml, "Podmiot1", 0)
        .and_then(|(_, after)| element_text(xml, "NIP", after))
        .map(|(text, _)| text.to_owned());
    let date = element_text(xml, "P_1", 0).and_then(|(text, _)| parse_date(text).ok());
    (nip, date)
}

fn qr_environment(common: &Common, ctx: &Ctx) -> CliResult<QrEnvironment> {
    environment(common.qr_host.as_deref(), ctx)
}

/// The QR host: `qr_host` when given, else the connection's environment's.
pub(crate) fn environment(qr_host: Option<&str>, ctx: &Ctx) -> CliResult<QrEnvironment> {
    if let Some(host) = qr_host {
        return Ok(QrEnvironment::Custom(host.to_owned()));
    }
    Ok(match ctx.conn.environment()? {
        Environment::Test => QrEnvironment::Test,
        Environment::Demo => QrEnvironment::Demo,
        Environment::Production => QrEnvironment::Production,
        Environment::Custom { qr, .. } => QrEnvironment::Custom(qr),
    })
}

/// The invoice bytes (if a file was given) and the link hash.
fn invoice_hash(common: &Common) -> CliResult<(Option<String>, String)> {
    match (&common.file, &common.hash) {
        (Some(path), _) => {
            let bytes = std::fs::read(path).map_err(|e| {
                CliError::config(format!("cannot read the invoice {}: {e}", path.display()))
            })?;
            let hash = qr::invoice_hash_b64url(&bytes);
            Ok((Some(String::from_utf8_lossy(&bytes).into_owned()), hash))
        }
        (None, Some(hash)) => {
            let hash = qr::hash_b64_to_b64url(hash)
                .map_err(|e| CliError::config(format!("--hash: {e}")))?;
            Ok((None, hash))
        }
        (None, None) => Err(CliError::config("give the invoice with --file (or --hash)")),
    }
}

fn check_nip(value: &str, what: &str) -> CliResult {
    ksef::model::Nip::new(value)
        .map(drop)
        .map_err(|e| CliError::config(format!("{what}: {e}")))
}

/// Writes the images and reports the link.
fn output(common: &Common, url: &str, label: &str, report: &mut Report) -> CliResult {
    let options = render::RenderOptions {
        module_px: common.module_size,
        ..Default::default()
    };
    let failed = |e: qr::QrError| CliError::config(format!("cannot draw the QR code: {e}"));
    report.show("url", json!(url));
    report.show("label", json!(label));
    if let Some(path) = &common.png {
        let png = render::render_png(url, Some(label), &options).map_err(failed)?;
        crate::files::write_atomic(path, &png)?;
        report.show("png", json!(path.display().to_string()));
    }
    if let Some(path) = &common.svg {
        let svg = render::render_svg(url, Some(label), &options).map_err(failed)?;
        crate::files::write_atomic(path, svg.as_bytes())?;
        report.show("svg", json!(path.display().to_string()));
    }
    Ok(())
}

async fn kod1(args: Kod1Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let env = qr_environment(&args.common, ctx)?;
    let (xml, hash) = invoice_hash(&args.common)?;
    let (invoice_nip, invoice_date) = xml.as_deref().map(invoice_facts).unwrap_or_default();
    let nip = match (ctx.conn.settings()?.nip, &invoice_nip) {
        (Some(given), Some(found)) if &given != found => {
            report.warn(&format!(
                "using --nip {given}, but the invoice's seller (Podmiot1) NIP is {found}"
            ));
            given
        }
        (Some(given), _) => given,
        (None, Some(found)) => found.clone(),
        (None, None) => {
            return Err(CliError::config(
                "give the seller's NIP with --nip (it is not in the invoice)",
            ));
        }
    };
    check_nip(&nip, "the seller NIP")?;
    let date = args.date.or(invoice_date).ok_or_else(|| {
        CliError::config("give the issue date with --date YYYY-MM-DD (no P_1 in the invoice)")
    })?;
    let label = match &args.ksef_number {
        Some(n) => KsefNumber::parse(n)
            .map_err(|e| CliError::config(format!("--ksef-number: {e}")))?
            .as_str()
            .to_owned(),
        None => render::LABEL_OFFLINE.to_owned(),
    };
    let url = qr::invoice_verification_url_from_hash(&env, &nip, date, &hash);
    output(&args.common, &url, &label, report)
}

/// The context of a KOD II link: the connection's `--nip`/`--context`.
pub(crate) fn kod2_context(ctx: &Ctx) -> CliResult<(ContextIdentifierType, String)> {
    use ksef::auth::ContextIdentifier as C;
    Ok(match ctx.conn.context()? {
        C::Nip(v) => (ContextIdentifierType::Nip, v),
        C::InternalId(v) => (ContextIdentifierType::InternalId, v),
        C::NipVatUe(v) => (ContextIdentifierType::NipVatUe, v),
        C::PeppolId(v) => (ContextIdentifierType::PeppolId, v),
    })
}

async fn kod2(args: Kod2Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let env = qr_environment(&args.common, ctx)?;
    let (xml, hash) = invoice_hash(&args.common)?;
    let (invoice_nip, _) = xml.as_deref().map(invoice_facts).unwrap_or_default();
    let (context_type, context_value) = kod2_context(ctx)?;
    let seller = match (&args.seller_nip, invoice_nip, context_type) {
        (Some(given), _, _) => given.clone(),
        (None, Some(found), _) => found,
        (None, None, ContextIdentifierType::Nip) => context_value.clone(),
        (None, None, _) => {
            return Err(CliError::config(
                "give the seller's NIP with --seller-nip (it is not in the invoice)",
            ));
        }
    };
    check_nip(&seller, "the seller NIP")?;
    let credentials = ctx.conn.certificate_credentials()?;
    let serial = credentials.certificate().serial_hex();
    let url = qr::certificate_verification_url(
        &env,
        context_type,
        &context_value,
        &seller,
        &serial,
        &hash,
        &credentials,
    )
    .map_err(|e| CliError::config(format!("cannot sign the KOD II link: {e}")))?;
    report.field("certificateSerial", json!(serial));
    output(&args.common, &url, render::LABEL_CERTIFICATE, report)
}

/// Runs `ksef qr`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    match args.action {
        Action::Kod1(a) => kod1(a, ctx, report).await,
        Action::Kod2(a) => kod2(a, ctx, report).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_facts_are_read_with_or_without_prefixes() {
        let xml = "<Faktura><Podmiot1><DaneIdentyfikacyjne><NIP>1111111111</NIP></DaneIdentyfikacyjne>\
                   </Podmiot1><Podmiot2><NIP>2222222222</NIP></Podmiot2><Fa><P_1>2026-02-03</P_1></Fa></Faktura>";
        let (nip, date) = invoice_facts(xml);
        assert_eq!(nip.as_deref(), Some("1111111111"));
        assert_eq!(date.map(|d| d.to_string()).as_deref(), Some("2026-02-03"));
        let prefixed =
            "<a:Podmiot1 x=\"1\"><a:NIP> 3333333333 </a:NIP></a:Podmiot1><a:P_1>2026-01-01</a:P_1>";
        assert_eq!(invoice_facts(prefixed).0.as_deref(), Some("3333333333"));
        assert_eq!(invoice_facts("<x/>"), (None, None));
    }
}
