//! Collective identifiers (`/collective-identifiers`, API 2.9): one number that stands for a
//! group of invoices of the same seller — for a single payment of several invoices, for example.
//!
//! An identifier has the form `NIP-IZYYYYMM-XXXXXXXXXXXX-CC` (seller's NIP, `IZ`, year and month
//! of creation, twelve hexadecimal digits, CRC-8 checksum). Generation takes 2 to 500 KSeF
//! numbers (the context's `collectiveIdentifier.maxInvoices` limit) with an optional payment
//! amount, currency and description each; the three queries are paginated (stream them with
//! `.items()`).

use ksef_model::operations::{
    GetCollectiveIdentifiersKsefByKsefNumber, PostCollectiveIdentifiers,
    PostCollectiveIdentifiersInvoices, PostCollectiveIdentifiersQuery,
};
use ksef_model::{
    CollectiveIdentifierInvoicesQueryRequest, CollectiveIdentifiersQueryRequest,
    GenerateCollectiveIdentifierRequest, KsefNumber,
};

use crate::call::Call;
use crate::client::AuthenticatedClient;
use crate::executor::Executor;

/// Collective identifiers of the current context. Get it with
/// [`AuthenticatedClient::collective_identifiers`]. Every call needs one of the permissions
/// `InvoiceRead`, `InvoiceWrite` or `CollectiveIdentifierManage`.
#[derive(Debug, Clone)]
pub struct CollectiveIdentifiers {
    exec: Executor,
}

impl AuthenticatedClient {
    /// Collective identifiers (`/collective-identifiers`).
    pub fn collective_identifiers(&self) -> CollectiveIdentifiers {
        CollectiveIdentifiers {
            exec: self.executor(),
        }
    }
}

impl CollectiveIdentifiers {
    /// `POST /collective-identifiers`: generates a collective identifier for invoices of one
    /// seller (at least two, each at most once; an invoice belongs to at most 132 identifiers of
    /// a context). The answer (201) carries `collectiveIdentifierNumber`.
    pub fn generate(
        &self,
        request: GenerateCollectiveIdentifierRequest,
    ) -> Call<PostCollectiveIdentifiers> {
        Call::new(self.exec.clone(), PostCollectiveIdentifiers::new(request))
    }

    /// `POST /collective-identifiers/query`: the identifiers generated in the context (and, in
    /// a NIP context, those whose invoices name it as buyer), newest first. `dateCreatedFrom`
    /// and `dateCreatedTo` span at most 100 days. Stream every page with `.items()`.
    pub fn query(
        &self,
        request: CollectiveIdentifiersQueryRequest,
    ) -> Call<PostCollectiveIdentifiersQuery> {
        Call::new(
            self.exec.clone(),
            PostCollectiveIdentifiersQuery::new(request),
        )
    }

    /// `POST /collective-identifiers/invoices`: the invoices of up to ten identifiers, KSeF
    /// number descending. Payment and description are shown only to the identifier's creator
    /// and to parties of the invoice (`detailsHidden` says when they were withheld). Stream
    /// every page with `.items()`.
    pub fn invoices(
        &self,
        request: CollectiveIdentifierInvoicesQueryRequest,
    ) -> Call<PostCollectiveIdentifiersInvoices> {
        Call::new(
            self.exec.clone(),
            PostCollectiveIdentifiersInvoices::new(request),
        )
    }

    /// `GET /collective-identifiers/ksef/{ksefNumber}`: the identifiers an invoice belongs to,
    /// newest first. Stream every page with `.items()`.
    pub fn by_ksef_number(
        &self,
        ksef_number: KsefNumber,
    ) -> Call<GetCollectiveIdentifiersKsefByKsefNumber> {
        Call::new(
            self.exec.clone(),
            GetCollectiveIdentifiersKsefByKsefNumber::new(ksef_number),
        )
    }
}
