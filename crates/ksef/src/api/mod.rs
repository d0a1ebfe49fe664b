//! The API grouped by area. Each method prepares a [`crate::Call`]: send it with `.send().await`
//! (or just `.await`), adjust it with `.with(|r| ..)`, or stream a paginated one with `.items()`.

mod tokens;

pub use tokens::Tokens;
