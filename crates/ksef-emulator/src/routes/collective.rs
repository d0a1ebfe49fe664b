//! Collective identifiers (`/collective-identifiers`, API 2.9): decoding, paging and encoding
//! around the rules of [`crate::state::collective`].

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use ksef_model::{
    CollectiveIdentifierInvoicesQueryRequest, CollectiveIdentifierInvoicesQueryResponse,
    CollectiveIdentifierInvoicesQueryResponseItem,
    CollectiveIdentifierInvoicesQueryResponseItemPayment,
    CollectiveIdentifiersByKsefNumberQueryResponse,
    CollectiveIdentifiersByKsefNumberQueryResponseItem, CollectiveIdentifiersQueryRequest,
    CollectiveIdentifiersQueryResponse, CollectiveIdentifiersQueryResponseItem,
    GenerateCollectiveIdentifierRequest, GenerateCollectiveIdentifierResponse, KsefNumber,
};
use serde::Deserialize;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::pipeline::Caller;
use crate::routes::wire;
use crate::sessions::common::{continuation_token, parse_continuation};
use crate::state::collective::{self, GenerateError, Member, Payment, QueryFilter};
use crate::state::limits::effective_session_limits;

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/collective-identifiers", post(generate))
        .route("/collective-identifiers/query", post(query))
        .route("/collective-identifiers/invoices", post(invoices))
        .route(
            "/collective-identifiers/ksef/{ksefNumber}",
            get(by_ksef_number),
        )
}

/// `pageSize` of the three lists.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageSize {
    page_size: Option<String>,
}

/// The page size within `10..=max` (default 10), else 400/21405.
fn page_size(query: &PageSize, max: usize) -> EmuResult<usize> {
    let Some(v) = &query.page_size else {
        return Ok(10);
    };
    v.parse::<usize>()
        .ok()
        .filter(|n| (10..=max).contains(n))
        .ok_or_else(|| {
            EmuError::validation(format!("'pageSize' musi mieścić się w zakresie 10–{max}."))
        })
}

/// One page of `items` from the continuation token in `headers`, and the next token.
fn paged<T>(
    headers: &HeaderMap,
    items: Vec<T>,
    size: usize,
) -> EmuResult<(Vec<T>, Option<String>)> {
    let start = parse_continuation(
        headers
            .get("x-continuation-token")
            .and_then(|v| v.to_str().ok()),
    )?;
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let next = start.saturating_add(page.len());
    Ok((page, (next < total).then(|| continuation_token(next))))
}

fn refused(e: GenerateError) -> EmuError {
    match e {
        GenerateError::Count { given, max } => EmuError::validation(format!(
            "'invoices' musi zawierać od 2 do {max} faktur (przekazano {given})."
        )),
        GenerateError::Repeated(k) => EmuError::bad_request(
            71005,
            "Powtórzony numer KSeF w żądaniu.",
            [format!("Powtórzony numer KSeF {k}.")],
        ),
        GenerateError::NotFound(k) => EmuError::bad_request(
            71001,
            "Faktura o podanym identyfikatorze nie istnieje.",
            [format!(
                "Faktura o numerze KSeF {k} nie została znaleziona."
            )],
        ),
        GenerateError::OtherSeller(k) => EmuError::bad_request(
            71004,
            "Faktury mają różnych sprzedawców.",
            [format!("Faktura o numerze KSeF {k} ma innego sprzedawcę.")],
        ),
        GenerateError::TooManyIdentifiers(k) => EmuError::bad_request(
            71002,
            "Faktura jest już przypisana do maksymalnej liczby Identyfikatorów Zbiorczych.",
            [format!(
                "Faktura o numerze KSeF {k} jest już przypisana do maksymalnej liczby Identyfikatorów Zbiorczych."
            )],
        ),
    }
}

async fn generate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(request): ApiJson<GenerateCollectiveIdentifierRequest>,
) -> EmuResult<(StatusCode, Json<GenerateCollectiveIdentifierResponse>)> {
    let mut members = Vec::with_capacity(request.invoices.len());
    // The description's 512 characters and the currency codes are the spec's, checked by the
    // generated `validate()` before the handler runs.
    for (i, invoice) in request.invoices.into_iter().enumerate() {
        let payment = match invoice.payment {
            None => None,
            Some(p) if !p.amount.is_finite() => {
                return Err(EmuError::validation(format!(
                    "'invoices[{i}].payment.amount' musi być liczbą."
                )));
            }
            Some(p) => Some(Payment {
                amount: p.amount,
                currency: wire::spelling(&p.currency),
            }),
        };
        members.push(Member {
            ksef_number: invoice.ksef_number.as_str().to_owned(),
            payment,
            description: invoice.description,
        });
    }
    let context = caller.context();
    let mut store = state.store();
    let max = effective_session_limits(&store, state.config(), &context).collective_max_invoices;
    let now = time::OffsetDateTime::now_utc();
    let number = collective::generate(&mut store, &context, members, max, now).map_err(refused)?;
    Ok((
        StatusCode::CREATED,
        Json(GenerateCollectiveIdentifierResponse::new(number)),
    ))
}

async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiQuery(size): ApiQuery<PageSize>,
    ApiJson(request): ApiJson<CollectiveIdentifiersQueryRequest>,
) -> EmuResult<Json<CollectiveIdentifiersQueryResponse>> {
    let size = page_size(&size, 200)?;
    let (from, to) = (request.date_created_from, request.date_created_to);
    if from > to {
        return Err(EmuError::validation(
            "'dateCreatedFrom' nie może być późniejsze niż 'dateCreatedTo'.",
        ));
    }
    if to - from > time::Duration::days(collective::MAX_QUERY_DAYS) {
        return Err(EmuError::validation(
            "Maksymalny przedział czasu między 'dateCreatedFrom' a 'dateCreatedTo' to 100 dni.",
        ));
    }
    let filter = QueryFilter {
        number: request.collective_identifier_number,
        from: Some(from),
        to: Some(to),
        count_from: request.invoice_count_from.map(i64::from),
        count_to: request.invoice_count_to.map(i64::from),
        created_here: request.created_in_current_context,
    };
    let context = caller.context();
    let items: Vec<CollectiveIdentifiersQueryResponseItem> = {
        let store = state.store();
        collective::query(&store, &context, &filter)
            .into_iter()
            .map(|r| {
                CollectiveIdentifiersQueryResponseItem::new(
                    r.number.clone(),
                    r.created,
                    i32::try_from(r.members.len()).unwrap_or(i32::MAX),
                    r.context == context,
                )
            })
            .collect()
    };
    let (page, next) = paged(&headers, items, size)?;
    let mut out = CollectiveIdentifiersQueryResponse::new(page);
    out.continuation_token = next;
    Ok(Json(out))
}

async fn invoices(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiQuery(size): ApiQuery<PageSize>,
    ApiJson(request): ApiJson<CollectiveIdentifierInvoicesQueryRequest>,
) -> EmuResult<Json<CollectiveIdentifierInvoicesQueryResponse>> {
    let size = page_size(&size, 500)?;
    let numbers = request.collective_identifier_numbers;
    if numbers.is_empty() || numbers.len() > collective::MAX_NUMBERS_PER_INVOICES_QUERY {
        return Err(EmuError::validation(
            "'collectiveIdentifierNumbers' musi zawierać od 1 do 10 numerów.",
        ));
    }
    let context = caller.context();
    let items: Vec<CollectiveIdentifierInvoicesQueryResponseItem> = {
        let store = state.store();
        collective::members(&store, &context, &numbers)
            .into_iter()
            .map(|shown| {
                let mut item = CollectiveIdentifierInvoicesQueryResponseItem::new(
                    KsefNumber::new_unchecked(shown.member.ksef_number),
                    shown.details_hidden,
                );
                item.collective_identifier_number = Some(shown.number);
                item.payment = shown.member.payment.map(|p| {
                    CollectiveIdentifierInvoicesQueryResponseItemPayment::new(p.amount, p.currency)
                });
                item.description = shown.member.description;
                item
            })
            .collect()
    };
    let (page, next) = paged(&headers, items, size)?;
    let mut out = CollectiveIdentifierInvoicesQueryResponse::new(page);
    out.continuation_token = next;
    Ok(Json(out))
}

async fn by_ksef_number(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(ksef_number): Path<String>,
    headers: HeaderMap,
    ApiQuery(size): ApiQuery<PageSize>,
) -> EmuResult<Json<CollectiveIdentifiersByKsefNumberQueryResponse>> {
    let size = page_size(&size, 200)?;
    ksef_crypto::identifiers::KsefNumber::parse(&ksef_number).map_err(|e| {
        EmuError::validation(format!("Nieprawidłowy numer KSeF '{ksef_number}': {e}."))
    })?;
    let context = caller.context();
    let items: Vec<CollectiveIdentifiersByKsefNumberQueryResponseItem> = {
        let store = state.store();
        collective::by_invoice(&store, &context, &ksef_number)
            .into_iter()
            .map(|r| {
                CollectiveIdentifiersByKsefNumberQueryResponseItem::new(
                    r.number.clone(),
                    r.context == context,
                    r.created,
                )
            })
            .collect()
    };
    let (page, next) = paged(&headers, items, size)?;
    let mut out = CollectiveIdentifiersByKsefNumberQueryResponse::new(page);
    out.continuation_token = next;
    Ok(Json(out))
}
