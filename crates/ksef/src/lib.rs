//! The KSeF 2.0 (Krajowy System e-Faktur) SDK.
//!
//! [`Client`] talks to an [`Environment`] (TEST, DEMO, production, or any base URL such as the
//! local emulator). Log in with [`Client::login_xades`] or [`Client::login_token`] to get an
//! [`AuthenticatedClient`], which sends and refreshes the access token by itself. Every API
//! operation is reachable, grouped by area (`client.sessions()`, `client.tokens()`, …) or
//! directly as a typed request value through `call(..)`; calls are plain data that can be
//! adjusted before they are sent, and paginated ones turn into streams.
//!
//! The request and response types live in [`model`] (generated from the official OpenAPI
//! spec); the transport, retries and throttling in [`http`]; the cryptography in [`crypto`].
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
mod call;
mod client;
mod environment;
mod error;
pub mod fsutil;
mod keys;
pub mod retrieval;
pub mod sending;
pub mod upo;
mod waiting;

pub use call::Call;
pub use client::{AuthenticatedClient, Client, ClientBuilder};
pub use environment::Environment;
pub use error::{AuthFailure, CryptoError, Error, ExportFailure, Result, WaitingFor};
pub use ksef_batch as batch;
pub use ksef_crypto as crypto;
pub use ksef_http as http;
/// FA(3) invoices as typed values (build, parse, template, validate): the `ksef-invoice` crate.
#[cfg(feature = "invoice")]
pub use ksef_invoice as invoice;
pub use ksef_model as model;
pub use sending::{InvoiceForm, InvoiceXml, OnlineSession};
