//! `GET /security/public-key-certificates`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use ksef_model::rt::Base64Data;
use ksef_model::{PublicKeyCertificate, PublicKeyCertificateUsage};

use crate::app_state::AppState;

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/security/public-key-certificates", get(public_keys))
}

async fn public_keys(State(state): State<AppState>) -> Json<Vec<PublicKeyCertificate>> {
    let now = time::OffsetDateTime::now_utc();
    let list = state
        .keys()
        .all()
        .iter()
        .filter(|k| k.valid_to > now)
        .map(|k| {
            PublicKeyCertificate::new(
                Base64Data::from_text(k.certificate_b64.clone()),
                Base64Data::from_text(k.certificate_id.clone()),
                Base64Data::from_text(k.public_key_id.clone()),
                k.valid_from,
                k.valid_to,
                k.usages
                    .iter()
                    .map(|u| PublicKeyCertificateUsage::from(u.as_str()))
                    .collect(),
            )
        })
        .collect();
    Json(list)
}
