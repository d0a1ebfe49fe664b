//! The transport layer of the KSeF 2.0 SDK.
//!
//! This crate will hold the async `Transport` trait (so that users can plug in their own HTTP
//! stack, a proxy or a test double), the default implementation on reqwest with rustls, and the
//! policies layered over any transport: retries with backoff, `Retry-After` handling and
//! proactive client-side throttling driven by the operation catalogue's rate limits.
//!
//! It is filled in by the transport/facade work item; until then it exposes nothing.
#![forbid(unsafe_code)]
