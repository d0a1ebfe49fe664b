//! `ksef permissions grant-person|grant-entity|grant-authorization`.

use ksef::model::{
    EntityAuthorizationPermissionType, EntityAuthorizationPermissionsGrantRequest,
    EntityAuthorizationPermissionsSubjectIdentifier,
    EntityAuthorizationPermissionsSubjectIdentifierType, EntityDetails,
    EntityPermission as ApiEntityPermission, EntityPermissionType, EntityPermissionsGrantRequest,
    EntityPermissionsSubjectIdentifier, EntityPermissionsSubjectIdentifierType,
    PersonByFingerprintWithIdentifierDetails, PersonDetails, PersonIdentifier,
    PersonIdentifierType, PersonPermissionSubjectDetails, PersonPermissionSubjectDetailsType,
    PersonPermissionType, PersonPermissionsGrantRequest, PersonPermissionsSubjectIdentifier,
    PersonPermissionsSubjectIdentifierType,
};
use serde_json::json;

use super::{WaitArgs, check_description, follow, split_identifier};
use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// A permission that can be granted to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PersonPermission {
    /// Read (download, search) invoices.
    InvoiceRead,
    /// Send invoices.
    InvoiceWrite,
    /// Read permissions and tokens.
    CredentialsRead,
    /// Manage permissions and tokens.
    CredentialsManage,
    /// Read sessions and their status.
    Introspection,
    /// Manage subunits.
    SubunitManage,
    /// Enforcement operations.
    EnforcementOperations,
}

impl PersonPermission {
    /// The API value.
    pub fn to_api(self) -> PersonPermissionType {
        match self {
            Self::InvoiceRead => PersonPermissionType::InvoiceRead,
            Self::InvoiceWrite => PersonPermissionType::InvoiceWrite,
            Self::CredentialsRead => PersonPermissionType::CredentialsRead,
            Self::CredentialsManage => PersonPermissionType::CredentialsManage,
            Self::Introspection => PersonPermissionType::Introspection,
            Self::SubunitManage => PersonPermissionType::SubunitManage,
            Self::EnforcementOperations => PersonPermissionType::EnforcementOperations,
        }
    }
}

/// Options of `ksef permissions grant-person`.
#[derive(Debug, clap::Args)]
pub struct PersonGrantArgs {
    /// The person: pesel:NNNNNNNNNNN, nip:NNNNNNNNNN or fingerprint:HEX (SHA-256 of a
    /// certificate without a PESEL/NIP).
    #[arg(long, value_name = "KIND:VALUE")]
    pub subject: String,
    /// A permission to grant (repeat the flag or separate with commas).
    #[arg(
        long = "permission",
        value_enum,
        value_delimiter = ',',
        required = true
    )]
    pub permissions: Vec<PersonPermission>,
    /// The person's first name.
    #[arg(long, value_name = "NAME")]
    pub first_name: String,
    /// The person's last name.
    #[arg(long, value_name = "NAME")]
    pub last_name: String,
    /// For fingerprint subjects: the person's own pesel:… or nip:… (required for them).
    #[arg(long, value_name = "KIND:VALUE")]
    pub identifier: Option<String>,
    /// Why the permission is granted (5–256 characters).
    #[arg(long, default_value = "granted with ksef-cli", value_name = "TEXT")]
    pub description: String,
    /// Waiting for the operation.
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// An invoice permission that can be granted to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EntityPermission {
    /// Read (download, search) invoices.
    InvoiceRead,
    /// Send invoices.
    InvoiceWrite,
}

/// Options of `ksef permissions grant-entity`.
#[derive(Debug, clap::Args)]
pub struct EntityGrantArgs {
    /// The entity's NIP (or nip:NIP).
    #[arg(long, value_name = "NIP")]
    pub subject: String,
    /// A permission to grant (repeat the flag or separate with commas).
    #[arg(
        long = "permission",
        value_enum,
        value_delimiter = ',',
        required = true
    )]
    pub permissions: Vec<EntityPermission>,
    /// Let the entity pass the permissions on (indirect grants).
    #[arg(long)]
    pub can_delegate: bool,
    /// The entity's full name (5–90 characters).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Why the permission is granted (5–256 characters).
    #[arg(long, default_value = "granted with ksef-cli", value_name = "TEXT")]
    pub description: String,
    /// Waiting for the operation.
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// An entity authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthorizationPermission {
    /// Self-invoicing (samofakturowanie).
    SelfInvoicing,
    /// RR invoices (faktury VAT RR).
    RrInvoicing,
    /// Tax representative.
    TaxRepresentative,
    /// PEF invoices (Peppol).
    PefInvoicing,
}

/// Options of `ksef permissions grant-authorization`.
#[derive(Debug, clap::Args)]
pub struct GrantAuthorizationArgs {
    /// The authorized entity: nip:NNNNNNNNNN or peppol:PXXNNNNNN.
    #[arg(long, value_name = "KIND:VALUE")]
    pub subject: String,
    /// The authorization.
    #[arg(long, value_enum)]
    pub permission: AuthorizationPermission,
    /// The entity's full name (5–90 characters).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Why the authorization is granted (5–256 characters).
    #[arg(long, default_value = "granted with ksef-cli", value_name = "TEXT")]
    pub description: String,
    /// Waiting for the operation.
    #[command(flatten)]
    pub wait: WaitArgs,
}

fn check_nip(flag: &str, value: &str) -> CliResult {
    ksef::model::Nip::new(value)
        .map(drop)
        .map_err(|e| CliError::config(format!("{flag}: {e}")))
}

fn check_pesel(flag: &str, value: &str) -> CliResult {
    ksef::model::Pesel::new(value)
        .map(drop)
        .map_err(|e| CliError::config(format!("{flag}: {e}")))
}

fn check_fingerprint(flag: &str, value: &str) -> CliResult {
    if value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(CliError::config(format!(
            "{flag}: a fingerprint is the SHA-256 of the certificate as 64 hex digits"
        )))
    }
}

fn check_name(flag: &str, value: &str, min: usize, max: usize) -> CliResult {
    let n = value.chars().count();
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(CliError::config(format!(
            "{flag} must have {min} to {max} characters"
        )))
    }
}

fn person_identifier(flag: &str, text: &str) -> CliResult<PersonIdentifier> {
    let (kind, value) = split_identifier(flag, text, "pesel, nip")?;
    match kind.as_str() {
        "pesel" => check_pesel(flag, value)
            .map(|()| PersonIdentifier::new(PersonIdentifierType::Pesel, value.to_owned())),
        "nip" => check_nip(flag, value)
            .map(|()| PersonIdentifier::new(PersonIdentifierType::Nip, value.to_owned())),
        other => Err(CliError::config(format!(
            "{flag}: unknown kind {other:?} (pesel, nip)"
        ))),
    }
}

/// Runs `ksef permissions grant-person`.
pub(super) async fn person(args: PersonGrantArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    check_description(&args.description)?;
    check_name("--first-name", &args.first_name, 2, 30)?;
    check_name("--last-name", &args.last_name, 2, 81)?;
    let (kind, value) = split_identifier("--subject", &args.subject, "pesel, nip, fingerprint")?;
    let (id_type, details) = match kind.as_str() {
        "pesel" | "nip" => {
            if kind == "pesel" {
                check_pesel("--subject", value)?;
            } else {
                check_nip("--subject", value)?;
            }
            let mut details = PersonPermissionSubjectDetails::new(
                PersonPermissionSubjectDetailsType::PersonByIdentifier,
            );
            details.person_by_id = Some(PersonDetails::new(
                args.first_name.clone(),
                args.last_name.clone(),
            ));
            let id_type = if kind == "pesel" {
                PersonPermissionsSubjectIdentifierType::Pesel
            } else {
                PersonPermissionsSubjectIdentifierType::Nip
            };
            (id_type, details)
        }
        "fingerprint" => {
            check_fingerprint("--subject", value)?;
            let identifier = args.identifier.as_deref().ok_or_else(|| {
                CliError::config(
                    "a fingerprint subject needs --identifier pesel:…|nip:… (persons without \
                     either are not supported by this command)",
                )
            })?;
            let mut details = PersonPermissionSubjectDetails::new(
                PersonPermissionSubjectDetailsType::PersonByFingerprintWithIdentifier,
            );
            details.person_by_fp_with_id = Some(PersonByFingerprintWithIdentifierDetails::new(
                args.first_name.clone(),
                args.last_name.clone(),
                person_identifier("--identifier", identifier)?,
            ));
            (PersonPermissionsSubjectIdentifierType::Fingerprint, details)
        }
        other => {
            return Err(CliError::config(format!(
                "--subject: unknown kind {other:?} (pesel, nip, fingerprint)"
            )));
        }
    };
    let mut permissions: Vec<PersonPermissionType> = Vec::new();
    for p in &args.permissions {
        let p = p.to_api();
        if !permissions.contains(&p) {
            permissions.push(p);
        }
    }
    let request = PersonPermissionsGrantRequest::new(
        PersonPermissionsSubjectIdentifier::new(id_type, value.to_ascii_uppercase()),
        permissions,
        args.description.clone(),
        details,
    );
    let session = ctx.conn.login().await?;
    let answer = session
        .permissions()
        .grant_to_persons(request)
        .send()
        .await?;
    report.show("subject", json!(args.subject));
    follow(&session, answer.reference_number, &args.wait, report).await
}

/// Runs `ksef permissions grant-entity`.
pub(super) async fn entity(args: EntityGrantArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    check_description(&args.description)?;
    let subject = args
        .subject
        .strip_prefix("nip:")
        .unwrap_or(&args.subject)
        .to_owned();
    check_nip("--subject", &subject)?;
    check_name("--name", &args.name, 5, 90)?;
    let mut permissions: Vec<ApiEntityPermission> = Vec::new();
    for p in &args.permissions {
        let kind = match p {
            EntityPermission::InvoiceRead => EntityPermissionType::InvoiceRead,
            EntityPermission::InvoiceWrite => EntityPermissionType::InvoiceWrite,
        };
        if permissions.iter().all(|e| e.r#type != kind) {
            let mut permission = ApiEntityPermission::new(kind);
            permission.can_delegate = Some(args.can_delegate);
            permissions.push(permission);
        }
    }
    let request = EntityPermissionsGrantRequest::new(
        EntityPermissionsSubjectIdentifier::new(
            EntityPermissionsSubjectIdentifierType::Nip,
            subject,
        ),
        permissions,
        args.description.clone(),
        EntityDetails::new(args.name.clone()),
    );
    let session = ctx.conn.login().await?;
    let answer = session
        .permissions()
        .grant_to_entities(request)
        .send()
        .await?;
    report.show("subject", json!(args.subject));
    follow(&session, answer.reference_number, &args.wait, report).await
}

/// Runs `ksef permissions grant-authorization`.
pub(super) async fn authorization(
    args: GrantAuthorizationArgs,
    ctx: &Ctx,
    report: &mut Report,
) -> CliResult {
    check_description(&args.description)?;
    check_name("--name", &args.name, 5, 90)?;
    let (kind, value) = split_identifier("--subject", &args.subject, "nip, peppol")?;
    let id_type = match kind.as_str() {
        "nip" => {
            check_nip("--subject", value)?;
            EntityAuthorizationPermissionsSubjectIdentifierType::Nip
        }
        "peppol" => EntityAuthorizationPermissionsSubjectIdentifierType::PeppolId,
        other => {
            return Err(CliError::config(format!(
                "--subject: unknown kind {other:?} (nip, peppol)"
            )));
        }
    };
    let permission = match args.permission {
        AuthorizationPermission::SelfInvoicing => EntityAuthorizationPermissionType::SelfInvoicing,
        AuthorizationPermission::RrInvoicing => EntityAuthorizationPermissionType::RrInvoicing,
        AuthorizationPermission::TaxRepresentative => {
            EntityAuthorizationPermissionType::TaxRepresentative
        }
        AuthorizationPermission::PefInvoicing => EntityAuthorizationPermissionType::PefInvoicing,
    };
    let request = EntityAuthorizationPermissionsGrantRequest::new(
        EntityAuthorizationPermissionsSubjectIdentifier::new(id_type, value.to_owned()),
        permission,
        args.description.clone(),
        EntityDetails::new(args.name.clone()),
    );
    let session = ctx.conn.login().await?;
    let answer = session
        .permissions()
        .grant_authorizations(request)
        .send()
        .await?;
    report.show("subject", json!(args.subject));
    follow(&session, answer.reference_number, &args.wait, report).await
}
