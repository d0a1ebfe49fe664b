//! `ksef limits`: the limits in force (context, subject, API rate limits) and, on TEST and the
//! emulator, changing and resetting them.

use ksef::model::{
    ApiRateLimitsOverride, CertificateSubjectLimitsOverride, EnrollmentSubjectLimitsOverride,
    SetRateLimitsRequest, SetSessionLimitsRequest, SetSubjectLimitsRequest, SubjectIdentifierType,
};
use serde_json::{Value, json};

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// Options of `ksef limits`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions of `ksef limits`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Shows the session limits of the context, the certificate limits of the subject and the
    /// API rate limits.
    Show,
    /// TEST only: changes the session limits of the context (unset values keep their current
    /// value).
    SetSession(SessionArgs),
    /// TEST only: restores the default session limits.
    ResetSession,
    /// TEST only: changes the certificate limits of the logged-in subject.
    SetCertificate(CertificateArgs),
    /// TEST only: restores the default certificate limits.
    ResetCertificate,
    /// TEST only: changes API rate limits of the context (unset values keep their current
    /// value).
    SetRate(RateArgs),
    /// TEST only: applies the production API rate limits to the context.
    SetRateProduction,
    /// TEST only: restores the default API rate limits.
    ResetRate,
}

/// Options of `ksef limits set-session`.
#[derive(Debug, clap::Args)]
pub struct SessionArgs {
    /// Online sessions: most invoices per session (0–100000).
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..=100_000), value_name = "N")]
    pub online_max_invoices: Option<i32>,
    /// Online sessions: largest invoice, in MB (0–5).
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..=5), value_name = "MB")]
    pub online_max_invoice_size: Option<i32>,
    /// Online sessions: largest invoice with attachments, in MB (0–10).
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..=10), value_name = "MB")]
    pub online_max_attachment_invoice_size: Option<i32>,
    /// Batch sessions: most invoices per session (0–100000).
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..=100_000), value_name = "N")]
    pub batch_max_invoices: Option<i32>,
    /// Batch sessions: largest invoice, in MB (0–5).
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..=5), value_name = "MB")]
    pub batch_max_invoice_size: Option<i32>,
    /// Batch sessions: largest invoice with attachments, in MB (0–10).
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..=10), value_name = "MB")]
    pub batch_max_attachment_invoice_size: Option<i32>,
    /// Collective identifiers: most invoices per identifier (2–5000).
    #[arg(long, value_parser = clap::value_parser!(i32).range(2..=5_000), value_name = "N")]
    pub collective_max_invoices: Option<i32>,
}

/// The kind of subject identifier the certificate limits apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SubjectType {
    /// A NIP.
    Nip,
    /// A PESEL.
    Pesel,
    /// A certificate fingerprint.
    Fingerprint,
}

/// Options of `ksef limits set-certificate`.
#[derive(Debug, clap::Args)]
pub struct CertificateArgs {
    /// Most certificate enrollments.
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..), value_name = "N")]
    pub max_enrollments: Option<i32>,
    /// Most active certificates.
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..), value_name = "N")]
    pub max_certificates: Option<i32>,
    /// The kind of the subject's identifier.
    #[arg(long, value_enum)]
    pub subject_type: Option<SubjectType>,
}

/// A group of API operations with its own rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RateCategory {
    /// Opening and closing online sessions.
    OnlineSession,
    /// Opening and closing batch sessions.
    BatchSession,
    /// Sending invoices.
    InvoiceSend,
    /// Invoice status in a session.
    InvoiceStatus,
    /// Session lists.
    SessionList,
    /// Invoice lists of a session.
    SessionInvoiceList,
    /// Other session operations.
    SessionMisc,
    /// Invoice metadata queries.
    InvoiceMetadata,
    /// Invoice exports.
    InvoiceExport,
    /// Export status.
    InvoiceExportStatus,
    /// Invoice downloads by KSeF number.
    InvoiceDownload,
    /// Everything else.
    Other,
}

impl RateCategory {
    const ALL: [RateCategory; 12] = [
        Self::OnlineSession,
        Self::BatchSession,
        Self::InvoiceSend,
        Self::InvoiceStatus,
        Self::SessionList,
        Self::SessionInvoiceList,
        Self::SessionMisc,
        Self::InvoiceMetadata,
        Self::InvoiceExport,
        Self::InvoiceExportStatus,
        Self::InvoiceDownload,
        Self::Other,
    ];

    fn key(self) -> &'static str {
        match self {
            Self::OnlineSession => "onlineSession",
            Self::BatchSession => "batchSession",
            Self::InvoiceSend => "invoiceSend",
            Self::InvoiceStatus => "invoiceStatus",
            Self::SessionList => "sessionList",
            Self::SessionInvoiceList => "sessionInvoiceList",
            Self::SessionMisc => "sessionMisc",
            Self::InvoiceMetadata => "invoiceMetadata",
            Self::InvoiceExport => "invoiceExport",
            Self::InvoiceExportStatus => "invoiceExportStatus",
            Self::InvoiceDownload => "invoiceDownload",
            Self::Other => "other",
        }
    }
}

/// Options of `ksef limits set-rate`.
#[derive(Debug, clap::Args)]
pub struct RateArgs {
    /// The operation groups to change (repeatable or comma-separated; default: all).
    #[arg(long = "category", value_enum, value_delimiter = ',')]
    pub categories: Vec<RateCategory>,
    /// Requests per second.
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..), value_name = "N")]
    pub per_second: Option<i32>,
    /// Requests per minute.
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..), value_name = "N")]
    pub per_minute: Option<i32>,
    /// Requests per hour.
    #[arg(long, value_parser = clap::value_parser!(i32).range(0..), value_name = "N")]
    pub per_hour: Option<i32>,
}

/// Runs `ksef limits`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    if !matches!(args.action, Action::Show) && !ctx.conn.environment()?.is_test() {
        return Err(CliError::config(
            "limits can be changed on the TEST environment and the emulator only",
        ));
    }
    let session = ctx.conn.login().await?;
    let limits = session.limits();
    match args.action {
        Action::Show => {
            let context = limits.context().send().await?;
            let subject = limits.subject().send().await?;
            let rates = limits.api_rate_limits().send().await?;
            report.show_serialized("context", &context);
            report.show_serialized("subject", &subject);
            report.show_serialized("rateLimits", &rates);
        }
        Action::SetSession(a) => {
            let current = to_value(&limits.context().send().await?);
            let mut wanted = current;
            for (section, values) in [
                (
                    "onlineSession",
                    [
                        a.online_max_invoices,
                        a.online_max_invoice_size,
                        a.online_max_attachment_invoice_size,
                    ],
                ),
                (
                    "batchSession",
                    [
                        a.batch_max_invoices,
                        a.batch_max_invoice_size,
                        a.batch_max_attachment_invoice_size,
                    ],
                ),
            ] {
                let keys = [
                    "maxInvoices",
                    "maxInvoiceSizeInMB",
                    "maxInvoiceWithAttachmentSizeInMB",
                ];
                for (key, value) in keys.into_iter().zip(values) {
                    if let Some(v) = value {
                        wanted[section][key] = json!(v);
                    }
                }
            }
            if let Some(v) = a.collective_max_invoices {
                wanted["collectiveIdentifier"]["maxInvoices"] = json!(v);
            }
            let request: SetSessionLimitsRequest = from_value(wanted)?;
            limits.set_session_limits(request).send().await?;
            report.show_serialized("context", &limits.context().send().await?);
        }
        Action::ResetSession => {
            limits.reset_session_limits().send().await?;
            report.show_serialized("context", &limits.context().send().await?);
        }
        Action::SetCertificate(a) => {
            if a.max_enrollments.is_none() && a.max_certificates.is_none() {
                return Err(CliError::config(
                    "give --max-enrollments and/or --max-certificates",
                ));
            }
            let mut request = SetSubjectLimitsRequest::new();
            request.subject_identifier_type = a.subject_type.map(|t| match t {
                SubjectType::Nip => SubjectIdentifierType::Nip,
                SubjectType::Pesel => SubjectIdentifierType::Pesel,
                SubjectType::Fingerprint => SubjectIdentifierType::Fingerprint,
            });
            request.enrollment = a
                .max_enrollments
                .map(|n| EnrollmentSubjectLimitsOverride::new().with_max_enrollments(n));
            request.certificate = a
                .max_certificates
                .map(|n| CertificateSubjectLimitsOverride::new().with_max_certificates(n));
            limits.set_certificate_limits(request).send().await?;
            report.show_serialized("subject", &limits.subject().send().await?);
        }
        Action::ResetCertificate => {
            limits.reset_certificate_limits().send().await?;
            report.show_serialized("subject", &limits.subject().send().await?);
        }
        Action::SetRate(a) => {
            if a.per_second.is_none() && a.per_minute.is_none() && a.per_hour.is_none() {
                return Err(CliError::config(
                    "give at least one of --per-second, --per-minute, --per-hour",
                ));
            }
            let mut wanted = to_value(&limits.api_rate_limits().send().await?);
            let categories = if a.categories.is_empty() {
                RateCategory::ALL.to_vec()
            } else {
                a.categories.clone()
            };
            for category in categories {
                for (key, value) in [
                    ("perSecond", a.per_second),
                    ("perMinute", a.per_minute),
                    ("perHour", a.per_hour),
                ] {
                    if let Some(v) = value {
                        wanted[category.key()][key] = json!(v);
                    }
                }
            }
            let rates: ApiRateLimitsOverride = from_value(wanted)?;
            limits
                .set_rate_limits(SetRateLimitsRequest::new(rates))
                .send()
                .await?;
            report.show_serialized("rateLimits", &limits.api_rate_limits().send().await?);
        }
        Action::SetRateProduction => {
            limits.set_production_rate_limits().send().await?;
            report.show_serialized("rateLimits", &limits.api_rate_limits().send().await?);
        }
        Action::ResetRate => {
            limits.reset_rate_limits().send().await?;
            report.show_serialized("rateLimits", &limits.api_rate_limits().send().await?);
        }
    }
    Ok(())
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> CliResult<T> {
    serde_json::from_value(value)
        .map_err(|e| CliError::failure(format!("unexpected limits from KSeF: {e}")))
}
