//! A parsed UPO as the renderer's view (feature `render`): [`Upo::to_view`].

use ksef_render::{UpoDocumentView, UpoPageView, UpoView};

use crate::upo::{Upo, UpoContext, UpoSignature};

impl Upo {
    /// The UPO as [`ksef_render::UpoView`], to render it as PDF or HTML
    /// (`upo.to_view().to_pdf()`).
    pub fn to_view(&self) -> UpoView {
        let context = match &self.context {
            UpoContext::Nip(v) => format!("NIP {v}"),
            UpoContext::InternalId(v) => format!("Identyfikator wewnętrzny {v}"),
            UpoContext::NipVatUe(v) => format!("Identyfikator złożony NIP-VAT UE {v}"),
            UpoContext::PeppolId(v) => format!("Identyfikator dostawcy usług Peppol {v}"),
        };
        let signature = match &self.signature {
            UpoSignature::Unsigned => None,
            UpoSignature::Signed(s) => {
                let mut text = format!(
                    "podpis zweryfikowany ({}): {}",
                    if s.xades { "XAdES" } else { "XML-DSig" },
                    s.certificate.subject_name()
                );
                if let Some(t) = s.signing_time {
                    text.push_str(&format!(", czas podpisu {t}"));
                }
                Some(text)
            }
        };
        UpoView {
            receiving_entity: self.receiving_entity.clone(),
            session_reference_number: self.session_reference_number.clone(),
            context,
            ksef_token_reference_number: self.ksef_token_reference_number.clone(),
            authentication_document_hash: self.authentication_document_hash.clone(),
            pagination: self.pagination.map(|p| UpoPageView {
                page: p.page,
                pages: p.pages,
                first_document: p.first_document,
                last_document: p.last_document,
                total_documents: p.total_documents,
            }),
            schema_name: self.schema_name.clone(),
            form_code: self.form_code.clone(),
            documents: self
                .documents
                .iter()
                .map(|d| UpoDocumentView {
                    seller_nip: d.seller_nip.clone(),
                    ksef_number: d.ksef_number.clone(),
                    invoice_number: d.invoice_number.clone(),
                    issue_date: d.issue_date,
                    sent_at: d.sent_at,
                    ksef_number_assigned_at: d.ksef_number_assigned_at,
                    invoice_hash: d.invoice_hash.clone(),
                    mode: d.mode.clone(),
                })
                .collect(),
            signature,
        }
    }
}
