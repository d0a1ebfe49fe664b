//! Interactive and batch sessions (`/sessions`): listing, status, invoices, UPO, and the
//! low-level open/send/close calls.
//!
//! These are the individual API calls; the invoice payloads must already be encrypted.

use ksef_model::operations::{
    GetSessions, GetSessionsByReferenceNumber, GetSessionsByReferenceNumberInvoices,
    GetSessionsByReferenceNumberInvoicesByInvoiceReferenceNumber,
    GetSessionsByReferenceNumberInvoicesByInvoiceReferenceNumberUpo,
    GetSessionsByReferenceNumberInvoicesFailed,
    GetSessionsByReferenceNumberInvoicesKsefByKsefNumberUpo,
    GetSessionsByReferenceNumberUpoByUpoReferenceNumber, PostSessionsBatch,
    PostSessionsBatchByReferenceNumberClose, PostSessionsOnline,
    PostSessionsOnlineByReferenceNumberClose, PostSessionsOnlineByReferenceNumberInvoices,
};
use ksef_model::{
    KsefNumber, OpenBatchSessionRequest, OpenOnlineSessionRequest, ReferenceNumber,
    SendInvoiceRequest, SessionType,
};

use crate::call::Call;
use crate::client::AuthenticatedClient;
use crate::executor::Executor;

/// Sessions of the current context. Get it with [`AuthenticatedClient::sessions`].
#[derive(Debug, Clone)]
pub struct Sessions {
    exec: Executor,
}

/// Low-level calls of interactive (online) sessions. Get it with [`Sessions::online`].
#[derive(Debug, Clone)]
pub struct OnlineSessions {
    exec: Executor,
}

/// Low-level calls of batch sessions. Get it with [`Sessions::batch`].
#[derive(Debug, Clone)]
pub struct BatchSessions {
    exec: Executor,
}

impl AuthenticatedClient {
    /// Sessions (`/sessions`).
    pub fn sessions(&self) -> Sessions {
        Sessions {
            exec: self.executor(),
        }
    }
}

impl Sessions {
    /// `GET /sessions`: sessions of one type (filter with `.with(|r| ..)`, stream with
    /// `.items()`).
    pub fn list(&self, session_type: SessionType) -> Call<GetSessions> {
        Call::new(self.exec.clone(), GetSessions::new(session_type))
    }

    /// `GET /sessions/{referenceNumber}`: the status of a session.
    pub fn status(&self, reference_number: ReferenceNumber) -> Call<GetSessionsByReferenceNumber> {
        Call::new(
            self.exec.clone(),
            GetSessionsByReferenceNumber::new(reference_number),
        )
    }

    /// `GET /sessions/{referenceNumber}/invoices`: the invoices of a session (stream with
    /// `.items()`).
    pub fn invoices(
        &self,
        reference_number: ReferenceNumber,
    ) -> Call<GetSessionsByReferenceNumberInvoices> {
        Call::new(
            self.exec.clone(),
            GetSessionsByReferenceNumberInvoices::new(reference_number),
        )
    }

    /// `GET /sessions/{referenceNumber}/invoices/failed`: the invoices of a session that were
    /// not accepted (stream with `.items()`).
    pub fn failed_invoices(
        &self,
        reference_number: ReferenceNumber,
    ) -> Call<GetSessionsByReferenceNumberInvoicesFailed> {
        Call::new(
            self.exec.clone(),
            GetSessionsByReferenceNumberInvoicesFailed::new(reference_number),
        )
    }

    /// `GET /sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}`: the status of one
    /// invoice of a session.
    pub fn invoice_status(
        &self,
        reference_number: ReferenceNumber,
        invoice_reference_number: ReferenceNumber,
    ) -> Call<GetSessionsByReferenceNumberInvoicesByInvoiceReferenceNumber> {
        let request = GetSessionsByReferenceNumberInvoicesByInvoiceReferenceNumber::new(
            reference_number,
            invoice_reference_number,
        );
        Call::new(self.exec.clone(), request)
    }

    /// `GET /sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo`: the UPO (XML) of
    /// one invoice, by its reference number in the session.
    pub fn invoice_upo(
        &self,
        reference_number: ReferenceNumber,
        invoice_reference_number: ReferenceNumber,
    ) -> Call<GetSessionsByReferenceNumberInvoicesByInvoiceReferenceNumberUpo> {
        let request = GetSessionsByReferenceNumberInvoicesByInvoiceReferenceNumberUpo::new(
            reference_number,
            invoice_reference_number,
        );
        Call::new(self.exec.clone(), request)
    }

    /// `GET /sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo`: the UPO (XML) of one
    /// invoice, by its KSeF number.
    pub fn invoice_upo_by_ksef_number(
        &self,
        reference_number: ReferenceNumber,
        ksef_number: KsefNumber,
    ) -> Call<GetSessionsByReferenceNumberInvoicesKsefByKsefNumberUpo> {
        let request = GetSessionsByReferenceNumberInvoicesKsefByKsefNumberUpo::new(
            reference_number,
            ksef_number,
        );
        Call::new(self.exec.clone(), request)
    }

    /// `GET /sessions/{referenceNumber}/upo/{upoReferenceNumber}`: the collective UPO (XML) of
    /// a session.
    pub fn session_upo(
        &self,
        reference_number: ReferenceNumber,
        upo_reference_number: ReferenceNumber,
    ) -> Call<GetSessionsByReferenceNumberUpoByUpoReferenceNumber> {
        let request = GetSessionsByReferenceNumberUpoByUpoReferenceNumber::new(
            reference_number,
            upo_reference_number,
        );
        Call::new(self.exec.clone(), request)
    }

    /// Low-level calls of interactive sessions (`/sessions/online`).
    pub fn online(&self) -> OnlineSessions {
        OnlineSessions {
            exec: self.exec.clone(),
        }
    }

    /// Low-level calls of batch sessions (`/sessions/batch`).
    pub fn batch(&self) -> BatchSessions {
        BatchSessions {
            exec: self.exec.clone(),
        }
    }
}

impl OnlineSessions {
    /// `POST /sessions/online`: opens an interactive session (form code and the encrypted
    /// symmetric key in `request`).
    pub fn open(&self, request: OpenOnlineSessionRequest) -> Call<PostSessionsOnline> {
        Call::new(self.exec.clone(), PostSessionsOnline::new(request))
    }

    /// `POST /sessions/online/{referenceNumber}/invoices`: sends one encrypted invoice.
    pub fn send_invoice(
        &self,
        reference_number: ReferenceNumber,
        invoice: SendInvoiceRequest,
    ) -> Call<PostSessionsOnlineByReferenceNumberInvoices> {
        Call::new(
            self.exec.clone(),
            PostSessionsOnlineByReferenceNumberInvoices::new(reference_number, invoice),
        )
    }

    /// `POST /sessions/online/{referenceNumber}/close`: closes an interactive session (the
    /// collective UPO is generated afterwards).
    pub fn close(
        &self,
        reference_number: ReferenceNumber,
    ) -> Call<PostSessionsOnlineByReferenceNumberClose> {
        Call::new(
            self.exec.clone(),
            PostSessionsOnlineByReferenceNumberClose::new(reference_number),
        )
    }
}

impl BatchSessions {
    /// `POST /sessions/batch`: opens a batch session; the answer holds the pre-signed upload
    /// URLs of the parts.
    pub fn open(&self, request: OpenBatchSessionRequest) -> Call<PostSessionsBatch> {
        Call::new(self.exec.clone(), PostSessionsBatch::new(request))
    }

    /// `POST /sessions/batch/{referenceNumber}/close`: closes a batch session after every part
    /// was uploaded; processing starts then.
    pub fn close(
        &self,
        reference_number: ReferenceNumber,
    ) -> Call<PostSessionsBatchByReferenceNumberClose> {
        Call::new(
            self.exec.clone(),
            PostSessionsBatchByReferenceNumberClose::new(reference_number),
        )
    }
}
