//! `ksef certs`: KSeF certificates — limits, enrollment (key + CSR + submission + download),
//! status, query, download and revocation.

mod enroll;

use std::path::{Path, PathBuf};

use futures::StreamExt as _;
use ksef::crypto::credentials::Certificate;
use ksef::model::{
    CertificateListItemStatus, CertificateRevocationReason, CertificateSerialNumber,
    KsefCertificateType, QueryCertificatesRequest, ReferenceNumber, RetrieveCertificatesRequest,
    RevokeCertificateRequest,
};
use serde_json::{Value, json};

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

pub use enroll::{EnrollArgs, KeyType};

/// Options of `ksef certs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions of `ksef certs`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Shows how many certificates you may still request and hold.
    Limits,
    /// Shows the subject data KSeF puts into your certificate (the CSR must carry exactly it).
    EnrollmentData,
    /// Makes a key and a CSR, submits it, and (with --wait) saves the issued certificate and
    /// its key as PEM files.
    Enroll(EnrollArgs),
    /// Shows the status of an enrollment (and the serial number once issued).
    Status {
        /// The enrollment reference number printed by `ksef certs enroll`.
        reference: ReferenceNumber,
    },
    /// Lists your KSeF certificates (all pages), optionally filtered.
    Query(QueryArgs),
    /// Downloads certificates by serial number as PEM files (SERIAL.crt.pem).
    Download {
        /// Serial numbers (16 hex digits, as `ksef certs query` shows them).
        #[arg(required = true)]
        serials: Vec<CertificateSerialNumber>,
        /// The directory to write to.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Revokes a certificate; it can no longer be used.
    Revoke {
        /// The certificate's serial number.
        serial: CertificateSerialNumber,
        /// Why.
        #[arg(long, value_enum)]
        reason: Option<RevocationReason>,
    },
}

/// A certificate type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CertType {
    /// For logging in to KSeF (XAdES).
    Authentication,
    /// For signing KOD II links of offline invoices only.
    Offline,
}

impl CertType {
    fn to_api(self) -> KsefCertificateType {
        match self {
            Self::Authentication => KsefCertificateType::Authentication,
            Self::Offline => KsefCertificateType::Offline,
        }
    }
}

/// A certificate status, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CertStatus {
    /// Usable.
    Active,
    /// Blocked (while being revoked).
    Blocked,
    /// Revoked.
    Revoked,
    /// Expired.
    Expired,
}

/// Why a certificate is revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RevocationReason {
    /// No reason given.
    Unspecified,
    /// Replaced by another certificate.
    Superseded,
    /// The private key was compromised.
    KeyCompromise,
}

/// Options of `ksef certs query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// Only the certificate with this serial number.
    #[arg(long, value_name = "SERIAL")]
    pub serial: Option<CertificateSerialNumber>,
    /// Only certificates whose name contains this text.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Only certificates of this type.
    #[arg(long = "type", value_enum)]
    pub cert_type: Option<CertType>,
    /// Only certificates with this status.
    #[arg(long, value_enum)]
    pub status: Option<CertStatus>,
    /// Stop after this many certificates (default: all).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// Runs `ksef certs`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    match args.action {
        Action::Limits => {
            let session = ctx.conn.login().await?;
            let limits = session.certificates().limits().send().await?;
            report.show_serialized("limits", &limits);
            Ok(())
        }
        Action::EnrollmentData => {
            let session = ctx.conn.login().await?;
            let data = session.certificates().enrollment_data().send().await?;
            report.show_serialized("enrollmentData", &data);
            Ok(())
        }
        Action::Enroll(a) => enroll::run(a, ctx, report).await,
        Action::Status { reference } => {
            let session = ctx.conn.login().await?;
            let status = session
                .certificates()
                .enrollment_status(reference)
                .send()
                .await?;
            report.show_serialized("enrollment", &status);
            Ok(())
        }
        Action::Query(a) => query(a, ctx, report).await,
        Action::Download { serials, out } => {
            let session = ctx.conn.login().await?;
            let files = download(&session, &serials, &out).await?;
            report.show("files", json!(files));
            Ok(())
        }
        Action::Revoke { serial, reason } => {
            let session = ctx.conn.login().await?;
            let mut body = RevokeCertificateRequest::new();
            body.revocation_reason = reason.map(|r| match r {
                RevocationReason::Unspecified => CertificateRevocationReason::Unspecified,
                RevocationReason::Superseded => CertificateRevocationReason::Superseded,
                RevocationReason::KeyCompromise => CertificateRevocationReason::KeyCompromise,
            });
            session
                .certificates()
                .revoke(serial.clone())
                .with(|r| r.body = Some(body))
                .send()
                .await?;
            report.show("revoked", json!(serial.as_str()));
            Ok(())
        }
    }
}

/// The PEM file name of a certificate.
fn cert_file(dir: &Path, serial: &str) -> PathBuf {
    dir.join(format!("{}.crt.pem", crate::files::safe_name(serial)))
}

/// Downloads certificates (10 per request, as KSeF allows) and writes `SERIAL.crt.pem` files.
async fn download(
    session: &ksef::AuthenticatedClient,
    serials: &[CertificateSerialNumber],
    out: &Path,
) -> CliResult<Vec<String>> {
    let mut files = Vec::new();
    for chunk in serials.chunks(10) {
        let got = session
            .certificates()
            .retrieve(RetrieveCertificatesRequest::new(chunk.to_vec()))
            .send()
            .await?;
        for wanted in chunk {
            let item = got
                .certificates
                .iter()
                .find(|c| {
                    c.certificate_serial_number
                        .as_str()
                        .eq_ignore_ascii_case(wanted.as_str())
                })
                .ok_or_else(|| {
                    CliError::rejected(format!("KSeF returned no certificate {wanted}"))
                })?;
            let pem = certificate_pem(&item.certificate)?;
            let path = cert_file(out, item.certificate_serial_number.as_str());
            crate::files::write_atomic(&path, pem.as_bytes())?;
            files.push(path.display().to_string());
        }
    }
    Ok(files)
}

/// Decodes a base64 DER certificate into PEM.
fn certificate_pem(data: &ksef::model::rt::Base64Data) -> CliResult<String> {
    let der = data
        .decode()
        .map_err(|e| CliError::failure(format!("the certificate from KSeF is not base64: {e}")))?;
    Certificate::from_der(&der)
        .and_then(|c| c.to_pem())
        .map_err(|e| CliError::failure(format!("the certificate from KSeF is not valid: {e}")))
}

async fn query(args: QueryArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let session = ctx.conn.login().await?;
    let mut body = QueryCertificatesRequest::new();
    body.certificate_serial_number = args.serial.clone();
    body.name = args.name.clone();
    body.r#type = args.cert_type.map(CertType::to_api);
    body.status = args.status.map(|s| match s {
        CertStatus::Active => CertificateListItemStatus::Active,
        CertStatus::Blocked => CertificateListItemStatus::Blocked,
        CertStatus::Revoked => CertificateListItemStatus::Revoked,
        CertStatus::Expired => CertificateListItemStatus::Expired,
    });
    let call = session.certificates().query().with(|r| r.body = Some(body));
    let mut stream = std::pin::pin!(call.items());
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        if args.limit.is_some_and(|l| items.len() >= l) {
            break;
        }
        let item = item?;
        let valid_to = crate::commands::tokens::short_time(item.valid_to);
        report.line(format!(
            "{}  {:<14}  {:<8}  valid to {valid_to}  {}",
            item.certificate_serial_number,
            item.r#type.to_string(),
            item.status.to_string(),
            item.name
        ));
        items.push(serde_json::to_value(&item).unwrap_or(Value::Null));
    }
    if items.is_empty() {
        report.line("no certificates");
    }
    report.field("count", json!(items.len()));
    report.field("certificates", Value::Array(items));
    Ok(())
}
