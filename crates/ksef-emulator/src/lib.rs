//! A local KSeF 2.0 server for offline development and tests.
//!
//! The emulator serves the KSeF API under `/v2` with real cryptography: its own "Ministry" RSA
//! keys and certificates, XAdES and KSeF-token authentication verified for real, JWT-shaped
//! tokens, permission checks and request limits taken from the operation catalogue, and errors
//! in both of the API's formats.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ksef_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! println!("KSeF API at {}", emulator.base_url()); // e.g. http://127.0.0.1:41234/v2
//! // … point a client at it; the server stops when `emulator` is dropped.
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

// Layout: `state` is the domain (the `Store` and the rules over it; it imports no handler,
// checked by tests/module_graph.rs); `routes` and `sessions` are the handlers, which decode
// requests into the generated types (`extract`, `routes::wire`), call the domain and encode
// answers; `router` builds the axum application behind `pipeline` (authentication, limits,
// faults); `app_state` is the handle the handlers share; `storage` is the pre-signed object
// storage (batch parts, UPOs, export parts); `persist` saves and loads the state.

mod app_state;
pub mod cli;
mod clock;
pub mod config;
mod conn;
mod error;
mod extract;
mod faults;
mod ids;
mod jwt;
mod keys;
mod limiter;
mod persist;
pub mod pipeline;
mod retrieval;
mod router;
mod routes;
mod sessions;
mod state;
pub mod storage;

use std::net::SocketAddr;

pub use app_state::AppState;
pub use config::{EmulatorConfig, Faults, RateLimitMode};
pub use keys::{MinistryKey, MinistryKeys, Usage as KeyUsage};
pub use retrieval::{ExportPackage, ExportPart, ExportRecord};
pub use state::{Ident, InvoiceRecord, KsefTokenRecord, Store};

/// A running emulator. The server shuts down when this value is dropped.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    saver: Option<tokio::task::JoinHandle<()>>,
}

/// The emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding the listening socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The state could not be created.
    #[error("cannot initialise the emulator: {0}")]
    Init(String),
}

impl Emulator {
    /// Starts the server on the configured address (an ephemeral 127.0.0.1 port by default).
    pub async fn start(config: EmulatorConfig) -> Result<Self, StartError> {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        let public_url = config.public_url.clone();
        let store = match &config.data_dir {
            Some(dir) => persist::load(dir).map_err(StartError::Init)?,
            None => Store::default(),
        };
        let state = AppState::new(config, store).map_err(StartError::Init)?;
        persist::restore(&state);
        let saver = persist::spawn_saver(state.clone());
        state.set_public_url(public_url.unwrap_or_else(|| format!("http://{addr}")));
        let app = router::build(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<conn::Connection>();
            let server = axum::serve(conn::ResetListener(listener), service)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                });
            if let Err(e) = server.await {
                tracing::error!(error = %e, "emulator server failed");
            }
        });
        tracing::info!(%addr, "KSeF emulator listening");
        Ok(Self {
            addr,
            state,
            shutdown: Some(tx),
            task: Some(task),
            saver,
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API root, e.g. `http://127.0.0.1:41234/v2`.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.state.public_url(), pipeline::PREFIX)
    }

    /// The shared state (for tests that inspect or seed data).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.stop_saver();
    }

    /// Stops the persistence task and saves the state a last time.
    fn stop_saver(&mut self) {
        if let Some(saver) = self.saver.take() {
            saver.abort();
        }
        if let Err(e) = persist::save(&self.state, persist::SaveKind::Final) {
            tracing::warn!(error = %e, "cannot save the emulator state");
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if self.saver.is_some() {
            self.stop_saver();
        }
    }
}
