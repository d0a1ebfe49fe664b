//! The API's routes, one module per area. Each module exposes `routes()`; [`crate::router`]
//! merges them under `/v2`.

pub(crate) mod auth;
pub(crate) mod auth_sessions;
pub(crate) mod certificates;
pub(crate) mod collective;
pub(crate) mod exports;
pub(crate) mod invoices;
pub(crate) mod limits;
pub(crate) mod peppol;
pub(crate) mod permissions;
pub(crate) mod security;
pub(crate) mod testdata;
pub(crate) mod tokens;
pub(crate) mod wire;
