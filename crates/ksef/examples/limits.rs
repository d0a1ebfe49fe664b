//! Limits: read the session limits of the context, the certificate limits of the subject and
//! the API rate limits in force; then (TEST environment only) change them through the test-data
//! endpoints, read them again, and restore the defaults.
//!
//! Run it with `cargo run -p ksef --example limits` (embedded emulator) or set `KSEF_BASE_URL`
//! to use another server.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use ksef::AuthenticatedClient;
use ksef::model::{
    ApiRateLimitValuesOverride, BatchSessionContextLimitsOverride,
    CertificateSubjectLimitsOverride, CollectiveIdentifierContextLimitsOverride,
    OnlineSessionContextLimitsOverride, SetRateLimitsRequest, SetSessionLimitsRequest,
    SetSubjectLimitsRequest,
};

/// Prints the limits in force.
async fn show(session: &AuthenticatedClient, when: &str) -> common::Result {
    let limits = session.limits();
    let context = limits.context().send().await?;
    let subject = limits.subject().send().await?;
    let rates = limits.api_rate_limits().send().await?;
    println!("{when}:");
    println!(
        "  online session: {} invoices, {} MB per invoice; batch session: {} invoices",
        context.online_session.max_invoices,
        context.online_session.max_invoice_size_in_mb,
        context.batch_session.max_invoices
    );
    println!(
        "  collective identifier: at most {} invoices",
        context.collective_identifier.max_invoices
    );
    if let Some(max) = subject.certificate.and_then(|c| c.max_certificates) {
        println!("  certificates: at most {max}");
    }
    let send = &rates.invoice_send;
    println!(
        "  invoice sending: {}/s, {}/min, {}/h",
        send.per_second, send.per_minute, send.per_hour
    );
    let global = &rates.global;
    println!(
        "  all operations (per IP address): {}/s, {}/min, {}/h",
        global.per_second, global.per_minute, global.per_hour
    );
    Ok(())
}

#[tokio::main]
async fn main() -> common::Result {
    let (server, _person, session) = common::start_logged_in("example limits").await?;
    show(&session, "defaults").await?;

    // Change them (TEST only: these are `/testdata/...` calls).
    let limits = session.limits();
    limits
        .set_session_limits(SetSessionLimitsRequest::new(
            OnlineSessionContextLimitsOverride::new(1, 2, 100),
            BatchSessionContextLimitsOverride::new(1, 2, 500),
            CollectiveIdentifierContextLimitsOverride::new(50),
        ))
        .send()
        .await?;
    let certificates = SetSubjectLimitsRequest::new()
        .with_certificate(CertificateSubjectLimitsOverride::new().with_max_certificates(3));
    limits.set_certificate_limits(certificates).send().await?;
    // Read-modify-write: the limits in force become the request; change one value, keep the rest.
    let mut rates = SetRateLimitsRequest::new(limits.api_rate_limits().send().await?.into());
    rates.rate_limits.invoice_send = ApiRateLimitValuesOverride::new(2, 60, 600);
    limits.set_rate_limits(rates).send().await?;
    show(&session, "after the change").await?;

    // And back to the defaults.
    limits.reset_session_limits().send().await?;
    limits.reset_certificate_limits().send().await?;
    limits.reset_rate_limits().send().await?;
    show(&session, "after the reset").await?;

    // The same with automatic undo: a `TestDataScope` records each change and `cleanup`
    // reverts them all (useful in tests).
    let scope = session.testdata().scope();
    scope
        .set_session_limits(SetSessionLimitsRequest::new(
            OnlineSessionContextLimitsOverride::new(1, 2, 5),
            BatchSessionContextLimitsOverride::new(1, 2, 5),
            CollectiveIdentifierContextLimitsOverride::new(5),
        ))
        .await?;
    scope.set_production_rate_limits().await?;
    show(
        &session,
        "in a scope: 5 invoices per session, production rate limits",
    )
    .await?;
    scope
        .cleanup()
        .await
        .map_err(|errors| format!("cleanup failed: {errors:?}"))?;
    show(&session, "after the scope's cleanup").await?;
    server.stop().await;
    Ok(())
}
