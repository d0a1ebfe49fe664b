//! The API's routes, one module per area. Each module exposes `routes()`; [`crate::router`]
//! merges them under `/v2`.

pub mod auth;
pub mod security;
