//! Invoice download (hash-verified) and the metadata query as a stream.

use std::collections::HashSet;

use futures::Stream;
use ksef_crypto::symmetric::sha256_base64;
use ksef_model::catalogue::Operation as _;
use ksef_model::operations::{GetInvoicesKsefByKsefNumber, PostInvoicesQueryMetadata};
use ksef_model::{
    InvoiceMetadata, InvoiceQueryDateType, InvoiceQueryFilters, KsefNumber, SortOrder,
};
use time::OffsetDateTime;

use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};

/// An invoice downloaded with `GET /invoices/ksef/{ksefNumber}`.
#[derive(Debug, Clone)]
pub struct DownloadedInvoice {
    /// The KSeF number.
    pub ksef_number: KsefNumber,
    /// The XML as stored in KSeF.
    pub xml: bytes::Bytes,
    /// SHA-256 (base64), verified against `x-ms-meta-hash`.
    pub sha256: String,
}

/// The page size used by [`AuthenticatedClient::query_invoices`] (the API's maximum).
const PAGE_SIZE: i32 = 250;

/// The date of `m` that the filter's date type sorts by.
fn sort_date(m: &InvoiceMetadata, date_type: &InvoiceQueryDateType) -> Option<OffsetDateTime> {
    match date_type {
        InvoiceQueryDateType::PermanentStorage => Some(m.permanent_storage_date),
        InvoiceQueryDateType::Invoicing => Some(m.invoicing_date),
        InvoiceQueryDateType::Issue => {
            Some(ksef_model::rt::datetime::warsaw_midnight(m.issue_date))
        }
        InvoiceQueryDateType::Unknown(_) => None,
    }
}

impl AuthenticatedClient {
    /// Downloads an invoice and verifies its SHA-256 against the `x-ms-meta-hash` header.
    pub async fn download_invoice(&self, ksef_number: &KsefNumber) -> Result<DownloadedInvoice> {
        let request = GetInvoicesKsefByKsefNumber::new(ksef_number.clone());
        let response = self.call(request).send_full().await?;
        let xml = bytes::Bytes::from(response.value.into_bytes());
        let sha256 = sha256_base64(&xml);
        if let Some(announced) = response
            .headers
            .get("x-ms-meta-hash")
            .and_then(|v| v.to_str().ok())
            && announced != sha256
        {
            return Err(Error::HashMismatch {
                what: format!("invoice {ksef_number}"),
                expected: announced.to_owned(),
                actual: sha256,
            });
        }
        Ok(DownloadedInvoice {
            ksef_number: ksef_number.clone(),
            xml,
            sha256,
        })
    }

    /// Every invoice matching `filters`, oldest first, as a stream of metadata.
    ///
    /// Follows the documented loop: pages of 250 while `hasMore`; when a result set is cut at
    /// 10,000 records (`isTruncated`) the query continues from the date of the last record with
    /// `pageOffset` reset — and invoices already returned at that boundary are not returned twice.
    pub fn query_invoices(
        &self,
        filters: InvoiceQueryFilters,
    ) -> impl Stream<Item = Result<InvoiceMetadata>> + Send + 'static {
        struct State {
            client: AuthenticatedClient,
            filters: InvoiceQueryFilters,
            page: i32,
            seen: HashSet<String>,
            done: bool,
        }
        let state = State {
            client: self.clone(),
            filters,
            page: 0,
            seen: HashSet::new(),
            done: false,
        };
        futures::stream::try_unfold(state, |mut st| async move {
            loop {
                if st.done {
                    return Ok::<_, Error>(None);
                }
                let mut request = PostInvoicesQueryMetadata::new(st.filters.clone());
                request.sort_order = Some(SortOrder::Asc);
                request.page_offset = Some(st.page);
                request.page_size = Some(PAGE_SIZE);
                let response = st.client.call(request).send().await?;
                let date_type = st.filters.date_range.date_type.clone();
                let last_date = response
                    .invoices
                    .last()
                    .and_then(|m| sort_date(m, &date_type));
                let fresh: Vec<InvoiceMetadata> = response
                    .invoices
                    .into_iter()
                    .filter(|m| st.seen.insert(m.ksef_number.as_str().to_owned()))
                    .collect();
                match (response.has_more, response.is_truncated, last_date) {
                    (false, _, _) => st.done = true,
                    (true, true, Some(date)) => {
                        if date <= st.filters.date_range.from && fresh.is_empty() {
                            return Err(Error::Pagination {
                                operation: PostInvoicesQueryMetadata::META.name,
                                problem: "a truncated page does not advance the date range",
                            });
                        }
                        st.filters.date_range.from = date;
                        st.page = 0;
                    }
                    (true, _, _) => st.page += 1,
                }
                if !fresh.is_empty() {
                    return Ok(Some((
                        futures::stream::iter(fresh.into_iter().map(Ok::<_, Error>)),
                        st,
                    )));
                }
            }
        })
        .try_flatten()
    }
}

use futures::TryStreamExt as _;
