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
//!
//! Log in, send one invoice and get its KSeF number:
//!
//! ```no_run
//! use std::time::Duration;
//! use ksef::auth::{ContextIdentifier, XadesOptions};
//! use ksef::crypto::credentials::Credentials;
//! use ksef::{Client, Environment, InvoiceForm};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Environment::Test)?;
//! let seal = Credentials::from_pkcs12(&std::fs::read("seal.p12")?, "password")?;
//! let context = ContextIdentifier::Nip("5265877635".into());
//! let session = client.login_xades(&seal, context, &XadesOptions::default()).await?;
//!
//! let online = session.open_online(InvoiceForm::Fa3).await?;
//! let sent = online.send_invoice(&std::fs::read("invoice.xml")?).await;
//! let accepted = match sent {
//!     Ok(sent) => online.wait_for_invoice(&sent, Duration::from_secs(120)).await,
//!     Err(e) => Err(e),
//! };
//! online.close().await?;
//! println!("KSeF number: {}", accepted?.ksef_number);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
mod call;
mod client;
mod environment;
mod error;
mod executor;
pub mod fsutil;
mod keys;
pub mod retrieval;
pub mod sending;
pub mod upo;
#[cfg(feature = "render")]
mod upo_view;
mod waiting;

pub use call::Call;
pub use client::{AuthenticatedClient, Client, ClientBuilder};
pub use environment::Environment;
pub use error::{AuthFailure, CryptoError, Error, ExportFailure, Result, WaitingFor};
pub use executor::TimedToken;
pub use ksef_batch as batch;
pub use ksef_crypto as crypto;
pub use ksef_http as http;
/// FA(3) invoices as typed values (build, parse, template, validate): the `ksef-invoice` crate.
#[cfg(feature = "invoice")]
pub use ksef_invoice as invoice;
pub use ksef_model as model;
/// PDF and HTML of invoices and UPOs: the `ksef-render` crate.
#[cfg(feature = "render")]
pub use ksef_render as render;
pub use sending::{InvoiceForm, InvoiceXml, OnlineSession};
