//! Invoice retrieval: `GET /invoices/ksef/{ksefNumber}` (download) and
//! `POST /invoices/query/metadata` (metadata query with paging, the 10,000-record cap and the
//! High Water Mark).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use ksef_model::rt::SpecConstrained;
use ksef_model::{InvoiceQueryFilters, QueryInvoicesMetadataResponse};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::pipeline::Caller;
use crate::retrieval::filter::{self, MAX_RECORDS};

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/invoices/ksef/{ksefNumber}", get(download))
        .route("/invoices/query/metadata", post(query_metadata))
}

fn not_found(ksef_number: &str) -> EmuError {
    EmuError::bad_request(
        21164,
        "Faktura o podanym identyfikatorze nie istnieje.",
        [format!(
            "Faktura o numerze KSeF {ksef_number} nie została znaleziona."
        )],
    )
}

async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(ksef_number): Path<String>,
) -> EmuResult<Response> {
    // The spec's pattern only: a number with a wrong CRC-8 is simply not found.
    if <ksef_model::KsefNumber as SpecConstrained>::check_spec(ksef_number.as_str()).is_err() {
        return Err(EmuError::validation(format!(
            "Nieprawidłowy format numeru KSeF '{ksef_number}'."
        )));
    }
    let context = caller.context();
    let now = OffsetDateTime::now_utc();
    let delay = time::Duration::milliseconds(
        i64::try_from(state.config().download_delay_ms).unwrap_or(i64::MAX / 2),
    );
    let xml = {
        let store = state.store();
        let record = store
            .invoices
            .get(&ksef_number)
            .filter(|r| filter::visible_to(&r.metadata, &context))
            .ok_or_else(|| not_found(&ksef_number))?;
        if now < record.metadata.acquisition_date + delay {
            return Err(EmuError::bad_request(
                21165,
                "Faktura o podanym numerze KSeF nie jest jeszcze dostępna.",
                [format!(
                    "Faktura o numerze KSeF {ksef_number} została przetworzona, ale nie jest jeszcze dostępna do pobrania. Spróbuj ponownie później."
                )],
            ));
        }
        record.xml.clone()
    };
    let hash = crate::storage::sha256_b64(&xml);
    let mut response = (StatusCode::OK, xml).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    if let Ok(v) = HeaderValue::from_str(&hash) {
        response.headers_mut().insert("x-ms-meta-hash", v);
    }
    Ok(response)
}

/// Query-string parameters, kept as text so that bad values get a 21405 with a clear detail.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Paging {
    sort_order: Option<String>,
    page_offset: Option<String>,
    page_size: Option<String>,
}

fn int_param(name: &str, value: Option<&str>, default: i64, min: i64, max: i64) -> EmuResult<i64> {
    let Some(text) = value else {
        return Ok(default);
    };
    let n: i64 = text
        .trim()
        .parse()
        .map_err(|_| EmuError::validation(format!("Parametr {name} musi być liczbą całkowitą.")))?;
    if n < min || n > max {
        return Err(EmuError::validation(format!(
            "Parametr {name} musi mieścić się w zakresie od {min} do {max}."
        )));
    }
    Ok(n)
}

async fn query_metadata(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(paging): ApiQuery<Paging>,
    ApiJson(filters): ApiJson<InvoiceQueryFilters>,
) -> EmuResult<Json<QueryInvoicesMetadataResponse>> {
    let descending = match paging.sort_order.as_deref() {
        None | Some("Asc") => false,
        Some("Desc") => true,
        Some(other) => {
            return Err(EmuError::validation(format!(
                "Nieobsługiwana wartość parametru sortOrder: '{other}' (dozwolone: Asc, Desc)."
            )));
        }
    };
    let page_offset = int_param(
        "pageOffset",
        paging.page_offset.as_deref(),
        0,
        0,
        i64::from(i32::MAX),
    )?;
    let page_size = int_param("pageSize", paging.page_size.as_deref(), 10, 10, 250)?;
    let now = OffsetDateTime::now_utc();
    let criteria = match filter::validate(&state, filters, caller.context(), now)? {
        Ok(c) => c,
        Err(_hwm) => {
            return Err(EmuError::bad_request(
                21183,
                "Zakres filtrowania wykracza poza dostępny zakres danych.",
                ["Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy włączonym restrictToPermanentStorageHwmDate.".to_owned()],
            ));
        }
    };
    let all = filter::select(&state.store(), &criteria, descending);
    let total = all.len();
    let cap = total.min(MAX_RECORDS);
    let size = usize::try_from(page_size).unwrap_or(10);
    let skip = usize::try_from(page_offset)
        .unwrap_or(usize::MAX)
        .saturating_mul(size);
    let end = skip.saturating_add(size);
    let invoices = all.into_iter().take(cap).skip(skip).take(size).collect();
    let mut response = QueryInvoicesMetadataResponse::new(
        total > end,
        total > MAX_RECORDS && end >= MAX_RECORDS,
        invoices,
    );
    response.permanent_storage_hwm_date = criteria.hwm_date;
    Ok(Json(response))
}
