//! The API's routes, one module per area. Each module exposes `routes()`; [`crate::router`]
//! merges them under `/v2`.

pub mod auth;
pub mod auth_sessions;
pub mod certificates;
pub mod check;
pub mod collective;
pub mod exports;
pub mod invoices;
pub mod limits;
pub mod peppol;
pub mod permissions;
pub mod security;
pub mod testdata;
pub mod tokens;
