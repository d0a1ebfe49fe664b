//! Permission state beside the grants of [`Store`]: asynchronous permission operations, fresh
//! permission ids, and who acts for a login (a KSeF token acts for its author).

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
