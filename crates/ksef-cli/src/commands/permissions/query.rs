//! `ksef permissions query …`: lists of permissions, authorizations and roles (all pages).

use futures::{Stream, StreamExt as _};
use ksef::model::{
    EntityAuthorizationPermissionsQueryRequest, PermissionState, PersonPermissionsQueryRequest,
    PersonPermissionsQueryType, PersonalPermissionType, PersonalPermissionsQueryRequest, QueryType,
};
use serde_json::{Value, json};

use super::PersonPermission;
use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// What `ksef permissions query` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryWhat {
    /// Your own permissions (of the logged-in person or entity).
    Personal,
    /// Permissions of natural persons in the current context.
    Persons,
    /// Invoice permissions granted to entities.
    Entities,
    /// Entity authorizations (self-invoicing, tax representative, …) granted, or with
    /// --received received.
    Authorizations,
    /// Subunit administrator permissions.
    Subunits,
    /// The roles of the current entity.
    Roles,
    /// The roles of subordinate entities.
    SubordinateRoles,
    /// Permissions of EU entities.
    EuEntities,
    /// Whether the context may send invoices with attachments.
    Attachments,
}

/// A permission state, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum State {
    /// In force.
    Active,
    /// Revoked or not yet in force.
    Inactive,
}

/// Options of `ksef permissions query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// What to list.
    #[arg(value_enum)]
    pub what: QueryWhat,
    /// personal, persons: only permissions of these kinds (repeatable or comma-separated).
    #[arg(long = "permission", value_enum, value_delimiter = ',')]
    pub permissions: Vec<PersonPermission>,
    /// personal, persons: only active or only inactive permissions.
    #[arg(long, value_enum)]
    pub state: Option<State>,
    /// persons: the permissions granted in this context (instead of those in force in it).
    #[arg(long)]
    pub granted: bool,
    /// authorizations: those received by this context (instead of those it granted).
    #[arg(long)]
    pub received: bool,
    /// Stop after this many entries (default: all).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Entries per page requested from KSeF (10–100).
    #[arg(long, value_parser = clap::value_parser!(i32).range(10..=100), value_name = "N")]
    pub page_size: Option<i32>,
}

fn state(s: Option<State>) -> Option<PermissionState> {
    s.map(|s| match s {
        State::Active => PermissionState::Active,
        State::Inactive => PermissionState::Inactive,
    })
}

async fn collect<T: serde::Serialize>(
    stream: impl Stream<Item = ksef::Result<T>>,
    limit: Option<usize>,
) -> CliResult<Vec<Value>> {
    let mut stream = std::pin::pin!(stream);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        if limit.is_some_and(|l| items.len() >= l) {
            break;
        }
        items.push(serde_json::to_value(item?).unwrap_or(Value::Null));
    }
    Ok(items)
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => map.get("value").and_then(Value::as_str).map(|v| {
            match map.get("type").and_then(Value::as_str) {
                Some(t) => format!("{t}:{v}"),
                None => v.to_owned(),
            }
        }),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// One readable line of a permission, authorization or role.
fn summary(item: &Value) -> String {
    let pick = |keys: &[&str]| keys.iter().find_map(|k| text(item.get(*k)));
    let mut parts = Vec::new();
    if let Some(id) = pick(&["id"]) {
        parts.push(id);
    }
    if let Some(scope) = pick(&["permissionScope", "authorizationScope", "role"]) {
        parts.push(scope);
    }
    if let Some(state) = pick(&["permissionState"]) {
        parts.push(state);
    }
    if let Some(who) = pick(&[
        "authorizedIdentifier",
        "authorizedEntityIdentifier",
        "contextIdentifier",
        "parentEntityIdentifier",
        "subordinateEntityIdentifier",
    ]) {
        parts.push(format!("for {who}"));
    }
    if let Some(description) = pick(&["description"]) {
        parts.push(description);
    }
    parts.join("  ")
}

/// Runs `ksef permissions query`.
pub(super) async fn run(args: QueryArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let uses_filters = !args.permissions.is_empty() || args.state.is_some();
    if uses_filters && !matches!(args.what, QueryWhat::Personal | QueryWhat::Persons) {
        return Err(CliError::config(
            "--permission and --state apply to `query personal` and `query persons` only",
        ));
    }
    if args.granted && args.what != QueryWhat::Persons {
        return Err(CliError::config(
            "--granted applies to `query persons` only",
        ));
    }
    if args.received && args.what != QueryWhat::Authorizations {
        return Err(CliError::config(
            "--received applies to `query authorizations` only",
        ));
    }
    let session = ctx.conn.login().await?;
    let permissions = session.permissions();
    let page_size = args.page_size;
    let limit = args.limit;
    let items = match args.what {
        QueryWhat::Attachments => {
            let status = permissions.attachments_status().send().await?;
            report.show_serialized("attachments", &status);
            return Ok(());
        }
        QueryWhat::Personal => {
            let mut body = PersonalPermissionsQueryRequest::default();
            if !args.permissions.is_empty() {
                body.permission_types = Some(
                    args.permissions
                        .iter()
                        .map(|p| PersonalPermissionType::from(p.to_api().to_string()))
                        .collect(),
                );
            }
            body.permission_state = state(args.state);
            let call = permissions.query_personal().with(|r| {
                r.body = Some(body);
                r.page_size = page_size;
            });
            collect(call.items(), limit).await?
        }
        QueryWhat::Persons => {
            let mut body = PersonPermissionsQueryRequest::new(if args.granted {
                PersonPermissionsQueryType::PermissionsGrantedInCurrentContext
            } else {
                PersonPermissionsQueryType::PermissionsInCurrentContext
            });
            if !args.permissions.is_empty() {
                body.permission_types = Some(args.permissions.iter().map(|p| p.to_api()).collect());
            }
            body.permission_state = state(args.state);
            let call = permissions
                .query_persons(body)
                .with(|r| r.page_size = page_size);
            collect(call.items(), limit).await?
        }
        QueryWhat::Entities => {
            let call = permissions
                .query_entities()
                .with(|r| r.page_size = page_size);
            collect(call.items(), limit).await?
        }
        QueryWhat::Authorizations => {
            let body = EntityAuthorizationPermissionsQueryRequest::new(if args.received {
                QueryType::Received
            } else {
                QueryType::Granted
            });
            let call = permissions
                .query_authorizations(body)
                .with(|r| r.page_size = page_size);
            collect(call.items(), limit).await?
        }
        QueryWhat::Subunits => {
            let call = permissions
                .query_subunits()
                .with(|r| r.page_size = page_size);
            collect(call.items(), limit).await?
        }
        QueryWhat::Roles => {
            let call = permissions
                .query_entity_roles()
                .with(|r| r.page_size = page_size);
            collect(call.items(), limit).await?
        }
        QueryWhat::SubordinateRoles => {
            let call = permissions
                .query_subordinate_entity_roles()
                .with(|r| r.page_size = page_size);
            collect(call.items(), limit).await?
        }
        QueryWhat::EuEntities => {
            let call = permissions
                .query_eu_entities()
                .with(|r| r.page_size = page_size);
            collect(call.items(), limit).await?
        }
    };
    if items.is_empty() {
        report.line("none");
    }
    for item in &items {
        report.line(summary(item));
    }
    report.field("count", json!(items.len()));
    report.field("permissions", Value::Array(items));
    Ok(())
}
