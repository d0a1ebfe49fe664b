//! Permission state beside the grants of [`Store`]: asynchronous permission operations, fresh
//! permission ids, who acts for a login (a KSeF token acts for its author), and the rules a
//! grant must pass beyond the spec's schemas ([`grant_rules`]).

use std::collections::BTreeMap;

use rand::Rng as _;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::state::{Ident, Store};

/// An asynchronous permission operation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PermissionOperationRecord {
    /// `EG` reference number.
    pub reference: String,
    /// The context it was started in.
    pub context: Ident,
    /// Start.
    pub created: OffsetDateTime,
    /// When it turns final.
    pub ready_at: OffsetDateTime,
    /// The final status: code, description, details.
    pub outcome: (i32, String, Vec<String>),
}

/// Everything this area keeps (`Store::permission_operations`).
pub(crate) type PermissionOperations = BTreeMap<String, PermissionOperationRecord>;

/// A fresh permission id (36 characters, UUID-shaped).
pub(crate) fn new_permission_id() -> String {
    let b: [u8; 16] = rand::thread_rng().r#gen();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The identity that acts for an authenticated `subject`: itself, or for a KSeF-token login
/// (`Token` subject) the token's author.
pub(crate) fn author_of(store: &Store, subject: &Ident) -> Ident {
    if subject.kind == "Token"
        && let Some(t) = store.ksef_tokens.get(&subject.value)
    {
        return t.author.clone();
    }
    subject.clone()
}

/// The grant rules the spec states in prose, not in its schemas; each error is the service's
/// description of the refusal (a 400/21405).
pub(crate) mod grant_rules {
    use crate::state::Ident;

    /// A grant operation is offered only in some kinds of context.
    pub(crate) fn context_kind(context: &Ident, allowed: &[&str]) -> Result<(), String> {
        if allowed.contains(&context.kind.as_str()) {
            Ok(())
        } else {
            Err(format!(
                "Operacja niedostępna w kontekście typu {}.",
                context.kind
            ))
        }
    }

    /// Only an enforcement authority or a bailiff (holding `EnforcementOperations`) grants it.
    pub(crate) fn enforcement(permissions: &[String], granter: &[String]) -> Result<(), String> {
        let asked = permissions.iter().any(|p| p == "EnforcementOperations");
        if asked && !granter.iter().any(|p| p == "EnforcementOperations") {
            return Err(
                "Uprawnienie EnforcementOperations może nadać tylko organ egzekucyjny lub komornik."
                    .to_owned(),
            );
        }
        Ok(())
    }

    /// `PefInvoicing` is granted to Peppol providers, and nothing else is.
    pub(crate) fn peppol(permission: &str, subject: &Ident) -> Result<(), String> {
        if (permission == "PefInvoicing") == (subject.kind == "PeppolId") {
            Ok(())
        } else {
            Err(
                "Uprawnienie PefInvoicing nadaje się wyłącznie dostawcy usług Peppol (PeppolId)."
                    .to_owned(),
            )
        }
    }

    /// A subunit with an internal identifier belongs to the granting context and is named.
    pub(crate) fn subunit(
        subunit: &Ident,
        name: Option<&str>,
        origin: &Ident,
    ) -> Result<(), String> {
        if subunit.kind != "InternalId" {
            return Ok(());
        }
        if subunit.nip() != origin.nip() {
            return Err("Identyfikator wewnętrzny nie należy do bieżącego kontekstu.".to_owned());
        }
        if name.is_none() {
            return Err("'subunitName' jest wymagane dla identyfikatora wewnętrznego.".to_owned());
        }
        Ok(())
    }

    /// An EU entity's VAT-UE number carries the NIP of the granting context.
    pub(crate) fn eu_entity(eu_context: &Ident, origin: &Ident) -> Result<(), String> {
        if eu_context.nip() == origin.nip() {
            Ok(())
        } else {
            Err("Identyfikator NipVatUe nie zawiera NIP bieżącego kontekstu.".to_owned())
        }
    }
}
