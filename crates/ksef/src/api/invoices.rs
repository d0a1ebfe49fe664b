//! Invoices (`/invoices`): download by KSeF number, metadata queries and exports.

use ksef_model::operations::{
    GetInvoicesExportsByReferenceNumber, GetInvoicesKsefByKsefNumber, PostInvoicesExports,
    PostInvoicesQueryMetadata,
};
use ksef_model::{InvoiceExportRequest, InvoiceQueryFilters, KsefNumber, ReferenceNumber};

use crate::call::Call;
use crate::client::AuthenticatedClient;
use crate::executor::Executor;

/// Invoices visible in the current context. Get it with [`AuthenticatedClient::invoices`].
#[derive(Debug, Clone)]
pub struct Invoices {
    exec: Executor,
}

impl AuthenticatedClient {
    /// Invoices (`/invoices`).
    pub fn invoices(&self) -> Invoices {
        Invoices {
            exec: self.executor(),
        }
    }
}

impl Invoices {
    /// `GET /invoices/ksef/{ksefNumber}`: downloads one invoice (the XML document as sent).
    pub fn download(&self, ksef_number: KsefNumber) -> Call<GetInvoicesKsefByKsefNumber> {
        Call::new(
            self.exec.clone(),
            GetInvoicesKsefByKsefNumber::new(ksef_number),
        )
    }

    /// `POST /invoices/query/metadata`: the metadata of invoices matching `filters` (sort and
    /// page with `.with(|r| ..)`, stream with `.items()`).
    pub fn query_metadata(&self, filters: InvoiceQueryFilters) -> Call<PostInvoicesQueryMetadata> {
        Call::new(self.exec.clone(), PostInvoicesQueryMetadata::new(filters))
    }

    /// `POST /invoices/exports`: starts an asynchronous export of invoices (encrypted package).
    pub fn export(&self, request: InvoiceExportRequest) -> Call<PostInvoicesExports> {
        Call::new(self.exec.clone(), PostInvoicesExports::new(request))
    }

    /// `GET /invoices/exports/{referenceNumber}`: the status of an export and, once finished,
    /// the pre-signed URLs of its parts.
    pub fn export_status(
        &self,
        reference_number: ReferenceNumber,
    ) -> Call<GetInvoicesExportsByReferenceNumber> {
        Call::new(
            self.exec.clone(),
            GetInvoicesExportsByReferenceNumber::new(reference_number),
        )
    }
}
