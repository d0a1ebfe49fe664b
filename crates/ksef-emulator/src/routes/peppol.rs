//! `GET /peppol/query`: the registered Peppol service providers — a small seeded list plus
//! every Peppol id that received a permission in this emulator — one page at a time.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app_state::AppState;
use crate::error::EmuResult;
use crate::extract::ApiQuery;
use crate::routes::wire::{self, PageQuery};

/// The seeded providers: id and name.
const SEEDED: &[(&str, &str)] = &[
    ("PPL000001", "Emulator Peppol Access Point 1"),
    ("PPL000002", "Emulator Peppol Access Point 2"),
    ("PPL000003", "Emulator Peppol Access Point 3"),
];

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/peppol/query", get(query))
}

async fn query(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> EmuResult<Json<Value>> {
    let (offset, size) = page.checked()?;
    // Seeded providers date from the emulator's epoch: the start of 2025.
    let epoch = time::macros::datetime!(2025-01-01 00:00 UTC);
    let mut providers: Vec<(String, String, time::OffsetDateTime)> = SEEDED
        .iter()
        .map(|(id, name)| ((*id).to_owned(), (*name).to_owned(), epoch))
        .collect();
    {
        let store = state.store();
        for g in store.grants.iter().filter(|g| g.subject.kind == "PeppolId") {
            if !providers.iter().any(|(id, _, _)| *id == g.subject.value) {
                let name = g
                    .extra
                    .get("fullName")
                    .and_then(Value::as_str)
                    .unwrap_or("Peppol provider")
                    .to_owned();
                providers.push((g.subject.value.clone(), name, g.start));
            }
        }
    }
    providers.sort_by(|a, b| a.0.cmp(&b.0));
    let items = providers
        .into_iter()
        .map(|(id, name, created)| {
            json!({"id": id, "name": name, "dateCreated": wire::rfc3339(created)})
        })
        .collect();
    let (items, more) = wire::page(items, offset, size);
    Ok(Json(json!({"peppolProviders": items, "hasMore": more})))
}
