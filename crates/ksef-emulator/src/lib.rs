//! A local KSeF 2.0 server for offline development and tests.
//!
//! This crate will serve the whole KSeF API under `/v2` on a local port, with real cryptography
//! (its own public keys, XAdES and KSeF-token authentication), sessions, UPOs, exports and the
//! test-data endpoints, so that integrations can be developed without the shared TEST environment.
//!
//! It is filled in by the emulator work item; until then it exposes nothing.
#![forbid(unsafe_code)]
