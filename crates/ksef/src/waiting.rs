//! Waiting for KSeF's asynchronous operations: permission grants and revocations, token
//! activation and revocation, certificate enrollment. Each polls with a growing interval
//! (0.2 s doubling up to 2 s; every poll is one rate-limited request) until a final status.

use std::future::Future;
use std::time::Duration;

use ksef_model::{
    AuthenticationTokenStatus, CertificateSerialNumber, ReferenceNumber, StatusInfo,
    TokenStatusResponse,
};

use crate::client::AuthenticatedClient;
use crate::error::{Error, Result};

const FIRST_POLL: Duration = Duration::from_millis(200);
const MAX_POLL: Duration = Duration::from_secs(2);

/// Polls `step` until it yields a value; `None` means "not yet".
/// `timeout` from now, saturating: a huge timeout means "wait indefinitely", never a panic
/// (a deadline past what the clock can represent is replaced by one about 30 years ahead).
pub(crate) fn deadline_after(timeout: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(30 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

pub(crate) async fn poll<T, F, Fut>(
    operation: &'static str,
    reference: &ReferenceNumber,
    timeout: Duration,
    mut step: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = crate::waiting::deadline_after(timeout);
    let mut delay = FIRST_POLL;
    loop {
        if let Some(done) = step().await? {
            return Ok(done);
        }
        if tokio::time::Instant::now() + delay > deadline {
            return Err(Error::Timeout {
                operation,
                reference_number: reference.as_str().to_owned(),
                after: timeout,
            });
        }
        tracing::debug!(operation, reference = %reference, "still in progress");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_POLL);
    }
}

fn failed(operation: &'static str, reference: &ReferenceNumber, status: &StatusInfo) -> Error {
    Error::OperationFailed {
        operation,
        reference_number: reference.as_str().to_owned(),
        code: status.code,
        description: status.description.clone(),
        details: status.details.clone().unwrap_or_default(),
    }
}

impl AuthenticatedClient {
    /// Waits until a permission grant or revocation (the reference number its call returned)
    /// has been carried out: `Ok` with the final status (200), [`Error::OperationFailed`] for a
    /// failure status, [`Error::Timeout`] after `timeout`.
    pub async fn wait_for_permission_operation(
        &self,
        reference: &ReferenceNumber,
        timeout: Duration,
    ) -> Result<StatusInfo> {
        const WHAT: &str = "permission operation";
        poll(WHAT, reference, timeout, || async {
            let status = self
                .permissions()
                .operation_status(reference.clone())
                .send()
                .await?
                .status;
            match status.code {
                100 => Ok(None),
                200 => Ok(Some(status)),
                _ => Err(failed(WHAT, reference, &status)),
            }
        })
        .await
    }

    /// Waits until a newly generated KSeF token is `Active` (usable for login); a token that
    /// ends `Failed`, `Revoking` or `Revoked` instead is [`Error::OperationFailed`].
    pub async fn wait_for_token_active(
        &self,
        reference: &ReferenceNumber,
        timeout: Duration,
    ) -> Result<TokenStatusResponse> {
        self.wait_for_token(reference, timeout, AuthenticationTokenStatus::Active)
            .await
    }

    /// Waits until a revoked KSeF token has reached `Revoked`.
    pub async fn wait_for_token_revoked(
        &self,
        reference: &ReferenceNumber,
        timeout: Duration,
    ) -> Result<TokenStatusResponse> {
        self.wait_for_token(reference, timeout, AuthenticationTokenStatus::Revoked)
            .await
    }

    async fn wait_for_token(
        &self,
        reference: &ReferenceNumber,
        timeout: Duration,
        target: AuthenticationTokenStatus,
    ) -> Result<TokenStatusResponse> {
        const WHAT: &str = "token";
        poll(WHAT, reference, timeout, || async {
            let token = self.tokens().status(reference.clone()).send().await?;
            use AuthenticationTokenStatus as S;
            match &token.status {
                s if *s == target => Ok(Some(token)),
                S::Pending | S::Revoking => Ok(None),
                other => Err(Error::OperationFailed {
                    operation: WHAT,
                    reference_number: reference.as_str().to_owned(),
                    code: 0,
                    description: format!("the token is {other}, not {target}"),
                    details: token.status_details.clone().unwrap_or_default(),
                }),
            }
        })
        .await
    }

    /// Waits until KSeF has issued the certificate of an enrollment and returns its serial
    /// number (then `certificates().retrieve(…)` downloads it).
    pub async fn wait_for_certificate(
        &self,
        reference: &ReferenceNumber,
        timeout: Duration,
    ) -> Result<CertificateSerialNumber> {
        const WHAT: &str = "certificate enrollment";
        poll(WHAT, reference, timeout, || async {
            let answer = self
                .certificates()
                .enrollment_status(reference.clone())
                .send()
                .await?;
            match (answer.status.code, answer.certificate_serial_number) {
                (200, Some(serial)) => Ok(Some(serial)),
                (100, _) => Ok(None),
                _ => Err(failed(WHAT, reference, &answer.status)),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12, defect 7: a huge timeout (a `--timeout` of years) never panics.
    #[test]
    fn a_huge_timeout_saturates() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let far = deadline_after(Duration::MAX);
            assert!(far > tokio::time::Instant::now() + Duration::from_secs(3600));
            let _ = deadline_after(Duration::from_secs(u64::MAX));
        });
    }
}
