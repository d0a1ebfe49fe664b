//! The HTTP application: every area's routes under `/v2`, behind the pipeline.

use axum::Router;
use axum::middleware::from_fn_with_state;
use tower_http::catch_panic::CatchPanicLayer;

use crate::app_state::AppState;
use crate::routes;

/// Builds the application.
pub(crate) fn build(state: AppState) -> Router {
    let api = Router::new()
        .merge(routes::auth::routes())
        .merge(routes::auth_sessions::routes())
        .merge(routes::security::routes())
        .merge(crate::sessions::routes())
        .merge(routes::invoices::routes())
        .merge(routes::exports::routes())
        .merge(routes::tokens::routes())
        .merge(routes::permissions::routes())
        .merge(routes::testdata::routes())
        .merge(routes::limits::routes())
        .merge(routes::certificates::routes())
        .merge(routes::collective::routes())
        .merge(routes::peppol::routes());
    Router::new()
        .nest(crate::pipeline::PREFIX, api)
        .merge(crate::storage::routes())
        .fallback(fallback)
        .layer(CatchPanicLayer::custom(crate::pipeline::catch_panic(true)))
        .layer(from_fn_with_state(state.clone(), crate::pipeline::pipeline))
        .layer(CatchPanicLayer::custom(crate::pipeline::catch_panic(false)))
        .with_state(state)
}

async fn fallback() -> crate::error::EmuError {
    crate::error::EmuError::not_found("Nie znaleziono zasobu.")
}
