//! The emulator's domain: the [`Store`] that holds its state, the persisted record types and the
//! rules over them, apart from the HTTP handlers (`routes`, `sessions`), which decode requests,
//! call these and encode answers. Nothing here imports a handler module (checked by the
//! `module_graph` test).

pub(crate) mod certificates;
pub(crate) mod collective;
pub(crate) mod exports;
pub(crate) mod identifiers;
pub(crate) mod invoices;
pub(crate) mod limits;
pub(crate) mod permissions;
mod records;
pub(crate) mod sessions;
pub(crate) mod testdata;

pub(crate) use records::{
    AuthOperation, AuthOutcome, ChallengeRecord, GrantRecord, OWNER_PERMISSIONS,
};
pub use records::{Ident, InvoiceRecord, KsefTokenRecord, Store};
