//! Rules over accepted invoices: in which role a context appears on an invoice, and whether it
//! may see the invoice at all (download, queries, collective identifiers).

use ksef_model::{
    BuyerIdentifierType, InvoiceMetadata, InvoiceQuerySubjectType, ThirdSubjectIdentifierType,
};

use crate::state::Ident;

/// Whether the caller's context appears on the invoice as the given subject.
pub(crate) fn is_subject(
    meta: &InvoiceMetadata,
    subject: &InvoiceQuerySubjectType,
    ctx: &Ident,
) -> bool {
    let nip = ctx.nip();
    match subject {
        InvoiceQuerySubjectType::Subject1 => {
            ctx.kind != "NipVatUe" && nip == Some(meta.seller.nip.as_str())
        }
        InvoiceQuerySubjectType::Subject2 => {
            let id = &meta.buyer.identifier;
            match (&id.r#type, id.value.as_deref()) {
                (BuyerIdentifierType::Nip, Some(v)) => ctx.kind == "Nip" && ctx.value == v,
                (BuyerIdentifierType::VatUe, Some(v)) => {
                    ctx.kind == "NipVatUe" && ctx.value.ends_with(v)
                }
                _ => false,
            }
        }
        InvoiceQuerySubjectType::Subject3 => meta.third_subjects.iter().flatten().any(|s| {
            let id = &s.identifier;
            match (&id.r#type, id.value.as_deref()) {
                (ThirdSubjectIdentifierType::Nip, Some(v)) => ctx.kind == "Nip" && ctx.value == v,
                (ThirdSubjectIdentifierType::InternalId, Some(v)) => ctx.value == v,
                _ => false,
            }
        }),
        InvoiceQuerySubjectType::SubjectAuthorized => meta
            .authorized_subject
            .as_ref()
            .is_some_and(|a| ctx.kind == "Nip" && a.nip.as_str() == ctx.value),
        InvoiceQuerySubjectType::Unknown(_) => false,
    }
}

/// Whether the caller's context may see the invoice at all (as any subject).
pub(crate) fn visible_to(meta: &InvoiceMetadata, ctx: &Ident) -> bool {
    [
        InvoiceQuerySubjectType::Subject1,
        InvoiceQuerySubjectType::Subject2,
        InvoiceQuerySubjectType::Subject3,
        InvoiceQuerySubjectType::SubjectAuthorized,
    ]
    .iter()
    .any(|s| is_subject(meta, s, ctx))
}
