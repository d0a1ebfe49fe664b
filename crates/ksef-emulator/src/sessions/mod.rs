//! Sending invoices: online and batch sessions, invoice processing, statuses and UPO.
//!
//! - [`online`]: open, send, close an interactive session.
//! - [`batch`] and [`batch_process`]: open a batch session with upload URLs, close it, and
//!   process the uploaded package in the background ([`archive`] unpacks it safely).
//! - [`invoice`] and [`invoice_fa`]: verification of one invoice document and its metadata;
//!   [`process`]: registration (duplicates, KSeF numbers, technical corrections) and the end of
//!   a session.
//! - [`status`], [`list`]: the read side; [`upo`]: the UPO documents.

pub(crate) mod archive;
pub(crate) mod batch;
pub(crate) mod batch_process;
pub(crate) mod common;
pub(crate) mod invoice;
pub(crate) mod invoice_fa;
pub(crate) mod list;
/// The session state types live in the domain layer.
pub(crate) use crate::state::sessions as model;
pub(crate) mod online;
pub(crate) mod process;
pub(crate) mod status;
pub(crate) mod upo;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::app_state::AppState;

/// Largest request body of an invoice send (3 MB invoice, base64, JSON).
const SEND_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The routes of this area (relative to `/v2`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list::list_sessions))
        .route("/sessions/online", post(online::open))
        .route(
            "/sessions/online/{referenceNumber}/invoices",
            post(online::send_invoice).layer(DefaultBodyLimit::max(SEND_BODY_LIMIT)),
        )
        .route(
            "/sessions/online/{referenceNumber}/close",
            post(online::close),
        )
        .route("/sessions/batch", post(batch::open))
        .route(
            "/sessions/batch/{referenceNumber}/close",
            post(batch::close),
        )
        .route("/sessions/{referenceNumber}", get(status::session_status))
        .route(
            "/sessions/{referenceNumber}/invoices",
            get(status::invoices),
        )
        .route(
            "/sessions/{referenceNumber}/invoices/failed",
            get(status::failed_invoices),
        )
        .route(
            "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}",
            get(status::invoice),
        )
        .route(
            "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo",
            get(status::invoice_upo),
        )
        .route(
            "/sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo",
            get(status::invoice_upo_by_ksef),
        )
        .route(
            "/sessions/{referenceNumber}/upo/{upoReferenceNumber}",
            get(status::session_upo),
        )
}

#[cfg(test)]
mod tests;
