//! The emulator's domain: the [`Store`] that holds its state, the persisted record types and the
//! rules over them, apart from the HTTP handlers (`routes`, `sessions`), which decode requests,
//! call these and encode answers. Nothing here imports a handler module (checked by the
//! `module_graph` test).

pub mod certificates;
pub mod collective;
pub mod exports;
pub mod invoices;
pub mod limits;
pub mod permissions;
mod records;
pub mod sessions;
pub mod testdata;

pub use records::{
    AuthOperation, AuthOutcome, ChallengeRecord, GrantRecord, Ident, InvoiceRecord,
    KsefTokenRecord, OWNER_PERMISSIONS, Store,
};
