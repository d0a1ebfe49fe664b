//! The API grouped by area. Each method prepares a [`crate::Call`]: send it with `.send().await`
//! (or just `.await`), adjust it with `.with(|r| ..)`, or stream a paginated one with `.items()`.
//!
//! | Area | On | Paths |
//! |---|---|---|
//! | [`Auth`] | [`crate::Client::auth`] | `/auth/challenge`, `/auth/xades-signature`, `/auth/ksef-token`, `/auth/{ref}`, `/auth/token/*` |
//! | [`AuthSessions`] | [`crate::AuthenticatedClient::auth_sessions`] | `/auth/sessions` |
//! | [`Sessions`] | [`crate::AuthenticatedClient::sessions`] | `/sessions` |
//! | [`Invoices`] | [`crate::AuthenticatedClient::invoices`] | `/invoices` |
//! | [`Tokens`] | [`crate::AuthenticatedClient::tokens`] | `/tokens` |
//! | [`Permissions`] | [`crate::AuthenticatedClient::permissions`] | `/permissions` |
//! | [`CollectiveIdentifiers`] | [`crate::AuthenticatedClient::collective_identifiers`] | `/collective-identifiers` |
//! | [`Certificates`] | [`crate::AuthenticatedClient::certificates`] | `/certificates` |
//! | [`Limits`] | [`crate::AuthenticatedClient::limits`] | `/limits`, `/rate-limits`, `/testdata/limits`, `/testdata/rate-limits` |
//! | [`TestData`] | both clients' `testdata()` | `/testdata` |
//! | [`Peppol`] | both clients' `peppol()` | `/peppol` |
//! | [`Security`] | both clients' `security()` | `/security` |
//! | [`Lighthouse`] | [`crate::Client::lighthouse`] | the status service (not in the spec) |

mod auth;
mod auth_sessions;
mod certificates;
mod collective_identifiers;
mod invoices;
mod lighthouse;
mod limits;
mod peppol;
pub mod permission_requests;
mod permissions;
mod security;
mod sessions;
mod testdata;
pub mod testdata_requests;
mod testdata_scope;
mod tokens;

pub use auth::Auth;
pub use auth_sessions::AuthSessions;
pub use certificates::Certificates;
pub use collective_identifiers::CollectiveIdentifiers;
pub use invoices::Invoices;
pub use lighthouse::{Lighthouse, LighthouseMessage, LighthouseState, LighthouseStatus};
pub use limits::Limits;
pub use peppol::Peppol;
pub use permissions::Permissions;
pub use security::Security;
pub use sessions::{BatchSessions, OnlineSessions, Sessions};
pub use testdata::TestData;
pub use testdata_scope::{ScopedResult, TestDataScope};
pub use tokens::Tokens;
