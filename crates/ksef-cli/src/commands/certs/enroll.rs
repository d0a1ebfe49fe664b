//! `ksef certs enroll`: key, CSR from the enrollment data, submission, waiting, download.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ksef::crypto::credentials::Certificate;
use ksef::crypto::csr::{CsrBundle, DnAttributes, csr_with_p256, csr_with_rsa};
use ksef::model::rt::Base64Data;
use ksef::model::{
    CertificateEnrollmentDataResponse, CertificateName, CertificateSerialNumber,
    EnrollCertificateRequest, RetrieveCertificatesRequest,
};
use serde_json::json;

use super::{CertType, cert_file, certificate_pem};
use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// The key algorithm of a new certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyType {
    /// ECDSA on the NIST P-256 curve (recommended by the KSeF documentation).
    P256,
    /// RSA with a 2048-bit modulus.
    Rsa2048,
}

/// Options of `ksef certs enroll`.
#[derive(Debug, clap::Args)]
pub struct EnrollArgs {
    /// Your name for the certificate (5–100 characters), shown in `ksef certs query`.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The certificate type: authentication (XAdES login) or offline (KOD II signing).
    #[arg(long = "type", value_enum, default_value = "authentication")]
    pub cert_type: CertType,
    /// The key algorithm.
    #[arg(long, value_enum, default_value = "p256")]
    pub key_type: KeyType,
    /// Validity start (RFC 3339, e.g. 2026-01-01T00:00:00Z); default: when issued.
    #[arg(long, value_parser = parse_rfc3339, value_name = "RFC3339")]
    pub valid_from: Option<time::OffsetDateTime>,
    /// The directory for the files: REFERENCE.key.pem at once (readable by you only); with
    /// --wait SERIAL.crt.pem and SERIAL.key.pem.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Wait until KSeF has issued the certificate, then download it.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 300, value_name = "SECONDS")]
    pub timeout: u64,
}

fn parse_rfc3339(text: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("expected RFC 3339 like 2026-01-01T00:00:00Z: {e}"))
}

fn dn(data: &CertificateEnrollmentDataResponse) -> DnAttributes {
    DnAttributes {
        common_name: Some(data.common_name.clone()),
        country_name: Some(data.country_name.clone()),
        given_name: data.given_name.clone(),
        surname: data.surname.clone(),
        serial_number: data.serial_number.clone(),
        unique_identifier: data.unique_identifier.clone(),
        organization_name: data.organization_name.clone(),
        organization_identifier: data.organization_identifier.clone(),
    }
}

fn key_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{}.key.pem", crate::files::safe_name(name)))
}

/// Runs `ksef certs enroll`.
pub(super) async fn run(args: EnrollArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let name_length = args.name.chars().count();
    if !(5..=100).contains(&name_length) {
        return Err(CliError::config("--name must have 5 to 100 characters"));
    }
    let name = CertificateName::new(args.name.clone())
        .map_err(|e| CliError::config(format!("--name: {e}")))?;
    if args.out.exists() && !args.out.is_dir() {
        return Err(CliError::config(format!(
            "--out {}: not a directory",
            args.out.display()
        )));
    }
    let session = ctx.conn.login().await?;
    let certificates = session.certificates();
    let data = certificates.enrollment_data().send().await?;
    report.progress(&format!(
        "generating a {} key and the CSR…",
        match args.key_type {
            KeyType::P256 => "P-256",
            KeyType::Rsa2048 => "RSA-2048",
        }
    ));
    let subject = dn(&data);
    let key_type = args.key_type;
    let csr = tokio::task::spawn_blocking(move || match key_type {
        KeyType::P256 => csr_with_p256(&subject),
        KeyType::Rsa2048 => csr_with_rsa(&subject),
    })
    .await
    .map_err(|e| CliError::failure(format!("key generation stopped: {e}")))?
    .map_err(|e| CliError::failure(format!("cannot build the CSR: {e}")))?;
    let key_pem = csr
        .key()
        .to_pkcs8_pem()
        .map_err(|e| CliError::failure(format!("cannot encode the private key: {e}")))?;
    let mut request = EnrollCertificateRequest::new(
        name,
        args.cert_type.to_api(),
        Base64Data::from_text(csr.base64()),
    );
    request.valid_from = args.valid_from;
    let accepted = certificates.enroll(request).send().await?;
    let reference = accepted.reference_number;
    let pending_key = key_file(&args.out, reference.as_str());
    crate::files::write_secret(&pending_key, key_pem.as_bytes()).map_err(|e| {
        e.context(format!(
            "enrollment {reference} was submitted but its private key could not be saved; \
             revoke the certificate once issued"
        ))
    })?;
    report.show("referenceNumber", json!(reference.as_str()));
    if !args.wait {
        report.show("keyFile", json!(pending_key.display().to_string()));
        report.line(format!(
            "The private key is in {} (keep it secret). Follow the enrollment with `ksef certs \
             status {reference}`, then fetch the certificate with `ksef certs download SERIAL \
             --out {}`.",
            pending_key.display(),
            args.out.display()
        ));
        return Ok(());
    }
    report.progress(&format!(
        "enrollment {reference}: waiting for the certificate…"
    ));
    let serial = session
        .wait_for_certificate(&reference, Duration::from_secs(args.timeout))
        .await
        .map_err(|e| {
            CliError::from(e).context(format!(
                "follow the enrollment with `ksef certs status {reference}`"
            ))
        })?;
    let offline = args.cert_type == CertType::Offline;
    finish(&session, csr, &serial, &pending_key, &args.out, report).await?;
    let (cert, key) = (
        cert_file(&args.out, serial.as_str()),
        key_file(&args.out, serial.as_str()),
    );
    report.line(if offline {
        format!(
            "Sign KOD II links with it: ksef qr kod2 --cert {} --key {} --file INVOICE.xml",
            cert.display(),
            key.display()
        )
    } else {
        format!(
            "Log in with it: --cert {} --key {}",
            cert.display(),
            key.display()
        )
    });
    Ok(())
}

/// Downloads the issued certificate, checks it certifies the key, writes SERIAL.crt.pem and
/// renames the key file to SERIAL.key.pem.
async fn finish(
    session: &ksef::AuthenticatedClient,
    csr: CsrBundle,
    serial: &CertificateSerialNumber,
    pending_key: &Path,
    out: &Path,
    report: &mut Report,
) -> CliResult {
    let got = session
        .certificates()
        .retrieve(RetrieveCertificatesRequest::new(vec![serial.clone()]))
        .send()
        .await?;
    let item = got
        .certificates
        .first()
        .ok_or_else(|| CliError::rejected(format!("KSeF returned no certificate {serial}")))?;
    let pem = certificate_pem(&item.certificate)?;
    let certificate = Certificate::from_pem(&pem)
        .map_err(|e| CliError::failure(format!("the certificate from KSeF is not valid: {e}")))?;
    let not_after = certificate
        .not_after()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    csr.into_credentials(certificate).map_err(|e| {
        CliError::failure(format!(
            "certificate {serial} does not match the generated key: {e}"
        ))
    })?;
    let cert_path = cert_file(out, serial.as_str());
    crate::files::write_atomic(&cert_path, pem.as_bytes())?;
    let key_path = key_file(out, serial.as_str());
    std::fs::rename(pending_key, &key_path).map_err(|e| {
        CliError::failure(format!(
            "cannot rename {} to {}: {e}",
            pending_key.display(),
            key_path.display()
        ))
    })?;
    report.show("serialNumber", json!(serial.as_str()));
    report.show("validTo", json!(not_after));
    report.show("certificateFile", json!(cert_path.display().to_string()));
    report.show("keyFile", json!(key_path.display().to_string()));
    Ok(())
}
