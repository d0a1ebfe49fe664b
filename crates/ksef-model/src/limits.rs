//! Read-modify-write of limits (TEST environment): the limits in force convert into the
//! request that sets them, so that changing one value and keeping the rest is two lines.
//!
//! ```
//! # fn demo(in_force: ksef_model::EffectiveApiRateLimits) {
//! use ksef_model::SetRateLimitsRequest;
//! let mut request = SetRateLimitsRequest::from(in_force);
//! request.rate_limits.invoice_send.per_hour = 600;
//! // limits.set_rate_limits(request).send().await?;
//! # }
//! ```
//!
//! The effective rate limits list a few categories the override cannot set (session closing,
//! anonymous and global limits); those are left out of the conversion, as KSeF keeps them.

use crate::types::{
    ApiRateLimitValuesOverride, ApiRateLimitsOverride, BatchSessionContextLimitsOverride,
    BatchSessionEffectiveContextLimits, CollectiveIdentifierContextLimitsOverride,
    CollectiveIdentifierEffectiveContextLimits, EffectiveApiRateLimitValues,
    EffectiveApiRateLimits, EffectiveContextLimits, OnlineSessionContextLimitsOverride,
    OnlineSessionEffectiveContextLimits, SetRateLimitsRequest, SetSessionLimitsRequest,
};

impl From<EffectiveApiRateLimitValues> for ApiRateLimitValuesOverride {
    fn from(v: EffectiveApiRateLimitValues) -> Self {
        Self::new(v.per_second, v.per_minute, v.per_hour)
    }
}

impl From<EffectiveApiRateLimits> for ApiRateLimitsOverride {
    fn from(e: EffectiveApiRateLimits) -> Self {
        Self::new(
            e.online_session.into(),
            e.batch_session.into(),
            e.invoice_send.into(),
            e.invoice_status.into(),
            e.session_list.into(),
            e.session_invoice_list.into(),
            e.session_misc.into(),
            e.invoice_metadata.into(),
            e.invoice_export.into(),
            e.invoice_export_status.into(),
            e.invoice_download.into(),
            e.collective_identifier.into(),
            e.other.into(),
        )
    }
}

impl ApiRateLimitsOverride {
    /// The same limits for every category.
    pub fn uniform(values: ApiRateLimitValuesOverride) -> Self {
        let v = || values.clone();
        Self::new(
            v(),
            v(),
            v(),
            v(),
            v(),
            v(),
            v(),
            v(),
            v(),
            v(),
            v(),
            v(),
            v(),
        )
    }
}

impl From<EffectiveApiRateLimits> for SetRateLimitsRequest {
    fn from(e: EffectiveApiRateLimits) -> Self {
        Self::new(e.into())
    }
}

impl From<OnlineSessionEffectiveContextLimits> for OnlineSessionContextLimitsOverride {
    fn from(e: OnlineSessionEffectiveContextLimits) -> Self {
        Self::new(
            e.max_invoice_size_in_mb,
            e.max_invoice_with_attachment_size_in_mb,
            e.max_invoices,
        )
    }
}

impl From<BatchSessionEffectiveContextLimits> for BatchSessionContextLimitsOverride {
    fn from(e: BatchSessionEffectiveContextLimits) -> Self {
        Self::new(
            e.max_invoice_size_in_mb,
            e.max_invoice_with_attachment_size_in_mb,
            e.max_invoices,
        )
    }
}

impl From<CollectiveIdentifierEffectiveContextLimits>
    for CollectiveIdentifierContextLimitsOverride
{
    fn from(e: CollectiveIdentifierEffectiveContextLimits) -> Self {
        Self::new(e.max_invoices)
    }
}

impl From<EffectiveContextLimits> for SetSessionLimitsRequest {
    fn from(e: EffectiveContextLimits) -> Self {
        Self::new(
            e.online_session.into(),
            e.batch_session.into(),
            e.collective_identifier.into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_in_force_become_the_request_that_keeps_them() {
        let v = |n| EffectiveApiRateLimitValues::new(n, n * 10, n * 100);
        let effective: EffectiveApiRateLimits = serde_json::from_value(serde_json::json!({
            "onlineSession": v(1), "onlineSessionClose": v(2), "batchSession": v(3),
            "batchSessionClose": v(4), "invoiceSend": v(5), "invoiceStatus": v(6),
            "sessionList": v(7), "sessionInvoiceList": v(8), "sessionMisc": v(9),
            "invoiceMetadata": v(10), "invoiceExport": v(11), "invoiceExportStatus": v(12),
            "invoiceDownload": v(13), "collectiveIdentifier": v(14), "other": v(15),
            "anonymous": v(16), "global": v(17)
        }))
        .unwrap();
        let mut request = SetRateLimitsRequest::from(effective);
        request.rate_limits.invoice_send.per_hour = 42;
        let r = &request.rate_limits;
        assert_eq!(
            r.online_session,
            ApiRateLimitValuesOverride::new(1, 10, 100)
        );
        assert_eq!(r.batch_session, ApiRateLimitValuesOverride::new(3, 30, 300));
        assert_eq!(r.invoice_send, ApiRateLimitValuesOverride::new(5, 50, 42));
        assert_eq!(r.other, ApiRateLimitValuesOverride::new(15, 150, 1500));

        let context = EffectiveContextLimits::new(
            OnlineSessionEffectiveContextLimits::new(1, 2, 3),
            BatchSessionEffectiveContextLimits::new(4, 5, 6),
            CollectiveIdentifierEffectiveContextLimits::new(7),
        );
        let mut session = SetSessionLimitsRequest::from(context);
        session.batch_session.max_invoices = 9;
        assert_eq!(session.online_session.max_invoices, 3);
        assert_eq!(session.batch_session.max_invoices, 9);
        assert_eq!(session.collective_identifier.max_invoices, 7);
    }
}
