//! Issue 14: the limits in force convert into the requests that set them (generated `From`
//! conversions, paired in the generator's override file).

use ksef_model::{
    ApiRateLimitValuesOverride, BatchSessionEffectiveContextLimits,
    CollectiveIdentifierEffectiveContextLimits, EffectiveApiRateLimitValues,
    EffectiveApiRateLimits, EffectiveContextLimits, OnlineSessionEffectiveContextLimits,
    SetRateLimitsRequest, SetSessionLimitsRequest,
};

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
    let mut request = SetRateLimitsRequest::new(effective.into());
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
