//! Waiting for KSeF's asynchronous operations. [`poll`] is the SDK's one polling loop: the
//! authentication, invoice, batch session, UPO and export waits use it as well as the waits
//! defined here (permission grants and revocations, token activation and revocation,
//! certificate enrollment), which poll with a growing interval (0.2 s doubling up to 2 s;
//! every poll is one rate-limited request) until a final status. A wait that runs out of time
//! is [`Error::Timeout`].

use std::future::Future;
use std::time::Duration;

use ksef_model::{
    AuthenticationTokenStatus, CertificateSerialNumber, ReferenceNumber, StatusInfo,
    TokenStatusResponse,
};

use ksef_model::status::{certificate_enrollment, permissions_operation};

use crate::client::AuthenticatedClient;
use crate::error::{Error, Result, WaitingFor};

/// The pace of a wait: the first interval between polls, doubling up to `max`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    first: Duration,
    max: Duration,
}

impl Pace {
    /// 0.2 s doubling up to 2 s: for operations that usually end within a second or two.
    pub(crate) const GROWING: Pace = Pace {
        first: Duration::from_millis(200),
        max: Duration::from_secs(2),
    };

    /// The same interval between every two polls.
    pub(crate) const fn every(interval: Duration) -> Pace {
        Pace {
            first: interval,
            max: interval,
        }
    }
}

/// `timeout` from now, saturating: a huge timeout means "wait indefinitely", never a panic
/// (a deadline past what the clock can represent is replaced by one about 30 years ahead).
pub(crate) fn deadline_after(timeout: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(30 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// The one polling loop of the SDK: calls `step` until it yields a value (`None` means "not
/// yet"), sleeping per `pace` in between, and gives up with [`Error::Timeout`] when the next poll
/// would come after `timeout`. An error of `step` ends the wait at once.
pub(crate) async fn poll<T, F, Fut>(
    what: WaitingFor,
    reference: &str,
    timeout: Duration,
    pace: Pace,
    mut step: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = deadline_after(timeout);
    let mut delay = pace.first;
    loop {
        if let Some(done) = step().await? {
            return Ok(done);
        }
        if tokio::time::Instant::now() + delay > deadline {
            return Err(Error::Timeout {
                what,
                reference_number: reference.to_owned(),
                waited: timeout,
            });
        }
        tracing::debug!(%what, reference, "still in progress");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(pace.max);
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
        let pace = Pace::GROWING;
        poll(
            WaitingFor::PermissionOperation,
            reference.as_str(),
            timeout,
            pace,
            || async {
                let status = self
                    .permissions()
                    .operation_status(reference.clone())
                    .send()
                    .await?
                    .status;
                match status.code {
                    permissions_operation::ACCEPTED => Ok(None),
                    permissions_operation::SUCCEEDED => Ok(Some(status)),
                    _ => Err(failed(WHAT, reference, &status)),
                }
            },
        )
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
        poll(
            WaitingFor::Token,
            reference.as_str(),
            timeout,
            Pace::GROWING,
            || async {
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
            },
        )
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
        let pace = Pace::GROWING;
        poll(
            WaitingFor::CertificateEnrollment,
            reference.as_str(),
            timeout,
            pace,
            || async {
                let answer = self
                    .certificates()
                    .enrollment_status(reference.clone())
                    .send()
                    .await?;
                match (answer.status.code, answer.certificate_serial_number) {
                    (certificate_enrollment::ISSUED, Some(serial)) => Ok(Some(serial)),
                    (certificate_enrollment::ACCEPTED, _) => Ok(None),
                    _ => Err(failed(WHAT, reference, &answer.status)),
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: a wait that runs out of time is `Error::Timeout` naming what was awaited, the
    /// reference and the time waited; a wait stops at once on an error of its step.
    #[tokio::test(start_paused = true)]
    async fn the_polling_loop_times_out_with_a_typed_error() {
        let mut polls = 0;
        let timeout = Duration::from_secs(1);
        let pace = Pace::every(Duration::from_millis(300));
        let err = poll(WaitingFor::Export, "20251010-EX-1", timeout, pace, || {
            polls += 1;
            async { Ok::<Option<()>, Error>(None) }
        })
        .await
        .unwrap_err();
        match err {
            Error::Timeout {
                what,
                reference_number,
                waited,
            } => {
                assert_eq!(what, WaitingFor::Export);
                assert_eq!(reference_number, "20251010-EX-1");
                assert_eq!(waited, timeout);
            }
            other => panic!("{other:?}"),
        }
        // Polls at 0, 0.3, 0.6 and 0.9 s; the next one would come after the deadline.
        assert_eq!(polls, 4);
        assert!(
            !Error::Timeout {
                what: WaitingFor::Export,
                reference_number: String::new(),
                waited: timeout
            }
            .is_retryable()
        );

        let mut polls = 0;
        let err = poll(WaitingFor::Invoice, "r", timeout, Pace::GROWING, || {
            polls += 1;
            async { Err::<Option<()>, _>(Error::Unexpected("boom".into())) }
        })
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Unexpected(_)) && polls == 1, "{err:?}");
    }

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
