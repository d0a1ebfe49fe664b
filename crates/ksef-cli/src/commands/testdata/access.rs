//! `ksef testdata grant|revoke|attachment|block|unblock`: permissions, the attachment
//! permission and context blocking.

use ksef::model::{
    AttachmentPermissionGrantRequest, AttachmentPermissionRevokeRequest, Pesel,
    TestDataAuthenticationContextIdentifier, TestDataAuthenticationContextIdentifierType,
    TestDataAuthorizedIdentifier, TestDataAuthorizedIdentifierType, TestDataContextIdentifier,
    TestDataContextIdentifierType, TestDataPermission, TestDataPermissionType,
    TestDataPermissionsGrantRequest, TestDataPermissionsRevokeRequest,
};
use serde_json::json;

use super::{check_description, nip, required_nip};
use crate::commands::Ctx;
use crate::commands::tokens::TokenPermission;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// Options of `ksef testdata grant`.
#[derive(Debug, clap::Args)]
pub struct GrantArgs {
    /// Who gets the permissions: pesel:…, nip:… or fingerprint:HEX.
    #[arg(long, value_name = "KIND:VALUE")]
    pub to: String,
    /// A permission (repeat the flag or separate with commas).
    #[arg(
        long = "permission",
        value_enum,
        value_delimiter = ',',
        required = true
    )]
    pub permissions: Vec<TokenPermission>,
    /// A description of each permission (5–256 characters).
    #[arg(long, default_value = "ksef-cli test permission", value_name = "TEXT")]
    pub description: String,
}

/// Options of `ksef testdata revoke`.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// Whose permissions: pesel:…, nip:… or fingerprint:HEX.
    #[arg(long, value_name = "KIND:VALUE")]
    pub to: String,
}

/// Options of `ksef testdata attachment`.
#[derive(Debug, clap::Args)]
pub struct AttachmentArgs {
    /// Allow invoices with attachments (the default).
    #[arg(long, conflicts_with = "revoke")]
    pub grant: bool,
    /// Withdraw the permission.
    #[arg(long)]
    pub revoke: bool,
    /// With --revoke: the day the permission ends (YYYY-MM-DD; default: now).
    #[arg(long, requires = "revoke", value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub end_date: Option<time::Date>,
}

fn parse_date(text: &str) -> Result<time::Date, String> {
    ksef::model::rt::datetime::parse_date(text).map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}
fn authorized(text: &str) -> CliResult<TestDataAuthorizedIdentifier> {
    let bad = || {
        CliError::config(format!(
            "--to {text:?}: expected pesel:…, nip:… or fingerprint:HEX"
        ))
    };
    let (kind, value) = text.split_once(':').ok_or_else(bad)?;
    let kind = match kind.to_ascii_lowercase().as_str() {
        "pesel" => {
            Pesel::new(value).map_err(|e| CliError::config(format!("--to: {e}")))?;
            TestDataAuthorizedIdentifierType::Pesel
        }
        "nip" => {
            nip(value, "--to")?;
            TestDataAuthorizedIdentifierType::Nip
        }
        "fingerprint" => TestDataAuthorizedIdentifierType::Fingerprint,
        _ => return Err(bad()),
    };
    Ok(TestDataAuthorizedIdentifier::new(kind, value.to_owned()))
}

fn context_nip(ctx: &Ctx) -> CliResult<TestDataContextIdentifier> {
    let nip = required_nip(ctx, "context")?;
    Ok(TestDataContextIdentifier::new(
        TestDataContextIdentifierType::Nip,
        nip.as_str().to_owned(),
    ))
}

pub(super) async fn grant(a: GrantArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    check_description(&a.description)?;
    let who = authorized(&a.to)?;
    let context = context_nip(ctx)?;
    let mut permissions: Vec<TestDataPermission> = Vec::new();
    for p in &a.permissions {
        let kind = match p {
            TokenPermission::InvoiceRead => TestDataPermissionType::InvoiceRead,
            TokenPermission::InvoiceWrite => TestDataPermissionType::InvoiceWrite,
            TokenPermission::CredentialsRead => TestDataPermissionType::CredentialsRead,
            TokenPermission::CredentialsManage => TestDataPermissionType::CredentialsManage,
            TokenPermission::SubunitManage => TestDataPermissionType::SubunitManage,
            TokenPermission::EnforcementOperations => TestDataPermissionType::EnforcementOperations,
            TokenPermission::Introspection => TestDataPermissionType::Introspection,
        };
        if permissions.iter().all(|e| e.permission_type != kind) {
            permissions.push(TestDataPermission::new(a.description.clone(), kind));
        }
    }
    let granted: Vec<String> = permissions
        .iter()
        .map(|p| p.permission_type.to_string())
        .collect();
    ctx.conn
        .client()?
        .testdata()
        .grant_permissions(TestDataPermissionsGrantRequest::new(
            context.clone(),
            who,
            permissions,
        ))
        .send()
        .await?;
    report.show("context", json!(context.value));
    report.show("to", json!(a.to));
    report.show("granted", json!(granted));
    Ok(())
}

pub(super) async fn revoke(a: RevokeArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let who = authorized(&a.to)?;
    let context = context_nip(ctx)?;
    ctx.conn
        .client()?
        .testdata()
        .revoke_permissions(TestDataPermissionsRevokeRequest::new(context.clone(), who))
        .send()
        .await?;
    report.show("context", json!(context.value));
    report.show("revokedFrom", json!(a.to));
    Ok(())
}

pub(super) async fn attachment(a: AttachmentArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let nip = required_nip(ctx, "subject")?;
    let testdata = ctx.conn.client()?.testdata();
    if a.revoke {
        let mut request = AttachmentPermissionRevokeRequest::new(nip.clone());
        request.expected_end_date = a.end_date;
        testdata.revoke_attachment(request).send().await?;
        report.show("attachmentsAllowed", json!(false));
    } else {
        testdata
            .grant_attachment(AttachmentPermissionGrantRequest::new(nip.clone()))
            .send()
            .await?;
        report.show("attachmentsAllowed", json!(true));
    }
    report.show("nip", json!(nip.as_str()));
    Ok(())
}

/// The context of `--context`/`--nip` as test-data identifier.
pub(super) fn context_identifier(ctx: &Ctx) -> CliResult<TestDataAuthenticationContextIdentifier> {
    use ksef::auth::ContextIdentifier as C;
    let (kind, value) = match ctx.conn.context()? {
        C::Nip(v) => (TestDataAuthenticationContextIdentifierType::Nip, v),
        C::InternalId(v) => (TestDataAuthenticationContextIdentifierType::InternalId, v),
        C::NipVatUe(v) => (TestDataAuthenticationContextIdentifierType::NipVatUe, v),
        C::PeppolId(v) => (TestDataAuthenticationContextIdentifierType::PeppolId, v),
    };
    Ok(TestDataAuthenticationContextIdentifier::new(value, kind))
}
