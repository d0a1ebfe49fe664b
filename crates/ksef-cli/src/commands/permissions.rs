//! `ksef permissions`: grant, revoke and query permissions in the current context.
//!
//! Grants and revocations are asynchronous in KSeF: they answer with an operation reference
//! number; `--wait` (or `ksef permissions status REF --wait`) follows the operation to its end.

mod grant;
mod query;

use std::time::Duration;

use ksef::model::{PermissionId, ReferenceNumber};
use serde_json::json;

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

pub use grant::{
    AuthorizationPermission, EntityGrantArgs, EntityPermission, GrantAuthorizationArgs,
    PersonGrantArgs, PersonPermission,
};
pub use query::{QueryArgs, QueryWhat};

/// Options of `ksef permissions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions of `ksef permissions`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Grants permissions to a natural person (by PESEL, NIP or certificate fingerprint).
    GrantPerson(PersonGrantArgs),
    /// Grants invoice permissions to another entity (by NIP), e.g. an accounting office.
    GrantEntity(EntityGrantArgs),
    /// Grants an entity authorization: self-invoicing, tax representative, RR or PEF invoicing.
    GrantAuthorization(GrantAuthorizationArgs),
    /// Revokes a permission by its id (from `ksef permissions query …`).
    Revoke(RevokeArgs),
    /// Shows the status of a grant or revocation operation.
    Status(StatusArgs),
    /// Lists permissions: your own, granted to persons or entities, authorizations, roles.
    Query(QueryArgs),
}

/// Options of `ksef permissions revoke`.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// The permission id (from `ksef permissions query …`).
    pub id: PermissionId,
    /// The id is an entity authorization (from `query authorizations`), not a common grant.
    #[arg(long)]
    pub authorization: bool,
    /// Wait until KSeF has finished the revocation.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 120, value_name = "SECONDS")]
    pub timeout: u64,
}

/// Options of `ksef permissions status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The operation reference number printed by a grant or revoke.
    pub reference: ReferenceNumber,
    /// Wait until the operation has finished.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 120, value_name = "SECONDS")]
    pub timeout: u64,
}

/// Options shared by the grant commands: waiting for the operation.
#[derive(Debug, Clone, clap::Args)]
pub struct WaitArgs {
    /// Wait until KSeF has applied the grant (it is processed asynchronously).
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in seconds.
    #[arg(value_parser = crate::commands::timeout_secs(), long, default_value_t = 120, value_name = "SECONDS")]
    pub timeout: u64,
}

/// Runs `ksef permissions`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    match args.action {
        Action::GrantPerson(a) => grant::person(a, ctx, report).await,
        Action::GrantEntity(a) => grant::entity(a, ctx, report).await,
        Action::GrantAuthorization(a) => grant::authorization(a, ctx, report).await,
        Action::Revoke(a) => revoke(a, ctx, report).await,
        Action::Status(a) => status(a, ctx, report).await,
        Action::Query(a) => query::run(a, ctx, report).await,
    }
}

/// Checks a description's length (5–256 characters, as KSeF requires).
fn check_description(text: &str) -> CliResult {
    let length = text.chars().count();
    if (5..=256).contains(&length) {
        Ok(())
    } else {
        Err(CliError::config(
            "--description must have 5 to 256 characters",
        ))
    }
}

/// Splits `kind:value` (kind case-insensitive).
fn split_identifier<'a>(flag: &str, text: &'a str, kinds: &str) -> CliResult<(String, &'a str)> {
    match text.split_once(':') {
        Some((kind, value)) if !value.is_empty() => Ok((kind.to_ascii_lowercase(), value)),
        _ => Err(CliError::config(format!(
            "{flag} {text:?}: expected KIND:VALUE with KIND one of {kinds}"
        ))),
    }
}

/// Reports an accepted operation and, with `wait`, follows it to its end.
async fn follow(
    session: &ksef::AuthenticatedClient,
    reference: ReferenceNumber,
    wait: &WaitArgs,
    report: &mut Report,
) -> CliResult {
    report.show("operationReference", json!(reference.as_str()));
    if !wait.wait {
        report.line(format!(
            "KSeF processes this asynchronously: `ksef permissions status {reference} --wait` \
             follows it."
        ));
        return Ok(());
    }
    wait_operation(session, &reference, wait.timeout, report).await
}

/// Waits until the operation has been carried out and shows its final status.
async fn wait_operation(
    session: &ksef::AuthenticatedClient,
    reference: &ReferenceNumber,
    timeout: u64,
    report: &mut Report,
) -> CliResult {
    report.progress(&format!("operation {reference}: waiting…"));
    let status = session
        .wait_for_permission_operation(reference, Duration::from_secs(timeout))
        .await?;
    report.show_serialized("status", &status);
    Ok(())
}

async fn revoke(args: RevokeArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let session = ctx.conn.login().await?;
    let permissions = session.permissions();
    let answer = if args.authorization {
        permissions
            .revoke_authorization(args.id.clone())
            .send()
            .await?
    } else {
        permissions.revoke(args.id.clone()).send().await?
    };
    report.show("revoking", json!(args.id.as_str()));
    let wait = WaitArgs {
        wait: args.wait,
        timeout: args.timeout,
    };
    follow(&session, answer.reference_number, &wait, report).await
}

async fn status(args: StatusArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let session = ctx.conn.login().await?;
    if args.wait {
        report.show("operationReference", json!(args.reference.as_str()));
        return wait_operation(&session, &args.reference, args.timeout, report).await;
    }
    let status = session
        .permissions()
        .operation_status(args.reference.clone())
        .send()
        .await?;
    report.show("operationReference", json!(args.reference.as_str()));
    report.show_serialized("status", &status.status);
    Ok(())
}
