//! `ksef tokens`: generate, list, show and revoke KSeF tokens of the current context.

use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt as _;
use ksef::model::{
    AuthenticationTokenStatus, GenerateTokenRequest, QueryTokensResponseItem, ReferenceNumber,
    TokenAuthorIdentifierType, TokenPermissionType,
};
use serde_json::{Value, json};

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// Options of `ksef tokens`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions of `ksef tokens`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Generates a new KSeF token with the given permissions (needs a certificate login, not a
    /// token). The token is shown ONCE — KSeF never shows it again.
    Generate(GenerateArgs),
    /// Lists the KSeF tokens of the context (all pages), optionally filtered.
    List(ListArgs),
    /// Shows one token: status, permissions, author, last use.
    Status {
        /// The token's reference number (from `generate` or `list`).
        reference: ReferenceNumber,
    },
    /// Revokes a token; it can no longer be used to log in.
    Revoke {
        /// The token's reference number.
        reference: ReferenceNumber,
        /// Wait until KSeF reports the token as Revoked.
        #[arg(long)]
        wait: bool,
        /// How long --wait waits, in seconds.
        #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 60)]
        timeout: u64,
    },
}

/// A permission a KSeF token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenPermission {
    /// Read (download, search) invoices.
    InvoiceRead,
    /// Send invoices.
    InvoiceWrite,
    /// Read permissions and tokens.
    CredentialsRead,
    /// Manage permissions and tokens.
    CredentialsManage,
    /// Manage subunits.
    SubunitManage,
    /// Enforcement operations (bailiffs, enforcement authorities).
    EnforcementOperations,
    /// Introspection (reading sessions and their status).
    Introspection,
}

impl TokenPermission {
    fn to_api(self) -> TokenPermissionType {
        match self {
            Self::InvoiceRead => TokenPermissionType::InvoiceRead,
            Self::InvoiceWrite => TokenPermissionType::InvoiceWrite,
            Self::CredentialsRead => TokenPermissionType::CredentialsRead,
            Self::CredentialsManage => TokenPermissionType::CredentialsManage,
            Self::SubunitManage => TokenPermissionType::SubunitManage,
            Self::EnforcementOperations => TokenPermissionType::EnforcementOperations,
            Self::Introspection => TokenPermissionType::Introspection,
        }
    }
}

/// Options of `ksef tokens generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// A permission of the token (repeat the flag or separate with commas); you must hold each
    /// permission yourself.
    #[arg(
        long = "permission",
        value_enum,
        value_delimiter = ',',
        required = true
    )]
    pub permissions: Vec<TokenPermission>,
    /// What the token is for (5–256 characters), shown in `ksef tokens list`.
    #[arg(long, value_name = "TEXT")]
    pub description: String,
    /// Write the token to this file (created readable by you only, mode 0600) instead of
    /// printing it; use it later with --token-file.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Wait until the token is Active (usable for login).
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
}

/// A token status, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenStatus {
    /// Created, permissions still being assigned.
    Pending,
    /// Usable for login.
    Active,
    /// Being revoked.
    Revoking,
    /// Revoked.
    Revoked,
    /// Activation failed.
    Failed,
}

impl TokenStatus {
    fn to_api(self) -> AuthenticationTokenStatus {
        match self {
            Self::Pending => AuthenticationTokenStatus::Pending,
            Self::Active => AuthenticationTokenStatus::Active,
            Self::Revoking => AuthenticationTokenStatus::Revoking,
            Self::Revoked => AuthenticationTokenStatus::Revoked,
            Self::Failed => AuthenticationTokenStatus::Failed,
        }
    }
}

/// The kind of identifier `--author` is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthorType {
    /// A NIP.
    Nip,
    /// A PESEL.
    Pesel,
    /// A certificate fingerprint (SHA-256, hex).
    Fingerprint,
}

/// Options of `ksef tokens list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only tokens with this status (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub status: Vec<TokenStatus>,
    /// Only tokens whose description contains this text (at least 3 characters, any case).
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Only tokens whose author identifier contains this text (at least 3 characters).
    #[arg(long, value_name = "TEXT")]
    pub author: Option<String>,
    /// The kind of identifier --author is matched against.
    #[arg(long, value_enum, requires = "author")]
    pub author_type: Option<AuthorType>,
    /// Stop after this many tokens (default: all).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Tokens per page requested from KSeF (10–100).
    #[arg(long, value_parser = clap::value_parser!(i32).range(10..=100), value_name = "N")]
    pub page_size: Option<i32>,
}

/// Runs `ksef tokens`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    match args.action {
        Action::Generate(a) => generate(a, ctx, report).await,
        Action::List(a) => list(a, ctx, report).await,
        Action::Status { reference } => status(reference, ctx, report).await,
        Action::Revoke {
            reference,
            wait,
            timeout,
        } => revoke(reference, wait, timeout, ctx, report).await,
    }
}

async fn generate(args: GenerateArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let length = args.description.chars().count();
    if !(5..=256).contains(&length) {
        return Err(CliError::config(
            "--description must have 5 to 256 characters",
        ));
    }
    if let Some(path) = args.save.as_ref().filter(|p| p.is_dir()) {
        return Err(CliError::config(format!(
            "--save {}: is a directory, give a file name",
            path.display()
        )));
    }
    let mut permissions: Vec<TokenPermissionType> = Vec::new();
    for p in &args.permissions {
        let p = p.to_api();
        if !permissions.contains(&p) {
            permissions.push(p);
        }
    }
    let session = ctx.conn.login().await?;
    let tokens = session.tokens();
    let made = tokens
        .generate(GenerateTokenRequest::new(
            permissions,
            args.description.clone(),
        ))
        .send()
        .await
        .map_err(|e| CliError::from(e).context("generating the token"))?;
    let reference = made.reference_number.clone();
    report.show("referenceNumber", json!(reference.as_str()));
    match &args.save {
        Some(path) => {
            let mut text = zeroize::Zeroizing::new(made.token.clone());
            text.push('\n');
            crate::files::write_secret(path, text.as_bytes()).map_err(|e| {
                e.context(format!(
                    "the token {reference} was generated but could not be saved; revoke it with \
                     `ksef tokens revoke {reference}`"
                ))
            })?;
            report.show("savedTo", json!(path.display().to_string()));
            report.line(format!(
                "The token was written to {} (readable by you only). Log in with --token-file {}.",
                path.display(),
                path.display()
            ));
        }
        None => {
            report.show("token", json!(made.token.as_str()));
            report.line(
                "This is the only time KSeF shows this token: store it now as a secret (e.g. in a \
                 file only you can read, used with --token-file, or in KSEF_TOKEN).",
            );
        }
    }
    drop(made);
    if args.wait {
        report.progress(&format!(
            "waiting for the token {reference} to become active…"
        ));
        let status = session
            .wait_for_token_active(&reference, Duration::from_secs(args.timeout))
            .await?
            .status;
        report.show("status", json!(status.to_string()));
    }
    Ok(())
}

/// A time as `YYYY-MM-DD HH:MM:SSZ` (UTC), for lists.
pub(crate) fn short_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{} {:02}:{:02}:{:02}Z",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn token_line(t: &QueryTokensResponseItem) -> String {
    let permissions: Vec<String> = t
        .requested_permissions
        .iter()
        .map(ToString::to_string)
        .collect();
    let created = short_time(t.date_created);
    format!(
        "{:<36}  {:<8}  {created:<20}  {}  {}",
        t.reference_number.as_str(),
        t.status.to_string(),
        permissions.join(","),
        t.description
    )
}

async fn list(args: ListArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    for (flag, value) in [
        ("--description", &args.description),
        ("--author", &args.author),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() < 3) {
            return Err(CliError::config(format!(
                "{flag} needs at least 3 characters"
            )));
        }
    }
    let session = ctx.conn.login().await?;
    let call = session.tokens().list().with(|r| {
        if !args.status.is_empty() {
            r.status = Some(args.status.iter().map(|s| s.to_api()).collect());
        }
        r.description = args.description.clone();
        r.author_identifier = args.author.clone();
        r.author_identifier_type = args.author_type.map(|t| match t {
            AuthorType::Nip => TokenAuthorIdentifierType::Nip,
            AuthorType::Pesel => TokenAuthorIdentifierType::Pesel,
            AuthorType::Fingerprint => TokenAuthorIdentifierType::Fingerprint,
        });
        r.page_size = args.page_size;
    });
    let mut stream = std::pin::pin!(call.items());
    let mut items: Vec<Value> = Vec::new();
    let mut lines = Vec::new();
    while let Some(item) = stream.next().await {
        if args.limit.is_some_and(|l| items.len() >= l) {
            break;
        }
        let item = item?;
        lines.push(token_line(&item));
        items.push(serde_json::to_value(&item).unwrap_or(Value::Null));
    }
    if lines.is_empty() {
        report.line("no tokens");
    } else {
        report.line(format!(
            "{:<36}  {:<8}  {:<20}  PERMISSIONS  DESCRIPTION",
            "REFERENCE", "STATUS", "CREATED"
        ));
        for line in lines {
            report.line(line);
        }
    }
    report.field("count", json!(items.len()));
    report.field("tokens", Value::Array(items));
    Ok(())
}

async fn status(reference: ReferenceNumber, ctx: &Ctx, report: &mut Report) -> CliResult {
    let session = ctx.conn.login().await?;
    let status = session.tokens().status(reference).send().await?;
    report.show_serialized("token", &status);
    Ok(())
}

async fn revoke(
    reference: ReferenceNumber,
    wait: bool,
    timeout: u64,
    ctx: &Ctx,
    report: &mut Report,
) -> CliResult {
    let session = ctx.conn.login().await?;
    let tokens = session.tokens();
    tokens.revoke(reference.clone()).send().await?;
    report.show("revoked", json!(reference.as_str()));
    if wait {
        let status = session
            .wait_for_token_revoked(&reference, Duration::from_secs(timeout))
            .await?
            .status;
        report.show("status", json!(status.to_string()));
    }
    Ok(())
}
