//! Uploading prepared parts to the pre-signed URLs of the open-batch response.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use http::Method;
use ksef_http::{Body, HttpClient, UrlRequest};
use ksef_model::PartUploadRequest;
use tokio::io::AsyncReadExt;

use crate::error::BatchError;
use crate::package::PreparedPackage;
use crate::progress::Progress;
use crate::split::PreparedPart;

/// Upload settings.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Parts uploaded at the same time (uploads are not rate limited; default 4).
    pub concurrency: usize,
    /// Attempts per part, the first included (default 5).
    pub attempts: u32,
    /// First retry delay; doubles per attempt (default 1 s).
    pub retry_delay: Duration,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            attempts: 5,
            retry_delay: Duration::from_secs(1),
        }
    }
}

const CHUNK: usize = 256 * 1024;

/// A stream of the part file's bytes, reporting progress as chunks are taken.
async fn part_body(part: &PreparedPart, progress: Arc<dyn Progress>) -> Result<Body, BatchError> {
    let file = tokio::fs::File::open(&part.path).await?;
    let ordinal = part.ordinal;
    let stream = futures::stream::try_unfold(file, move |mut file| {
        let progress = progress.clone();
        async move {
            let mut buf = vec![0u8; CHUNK];
            let n = file.read(&mut buf).await?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            progress.uploaded(ordinal, n as u64);
            Ok(Some((Bytes::from(buf), file)))
        }
    });
    Ok(Body::Stream {
        stream: Box::pin(stream.into_stream()),
        length: Some(part.encrypted.size),
    })
}

fn retryable(e: &ksef_http::Error) -> bool {
    e.is_retryable()
}

async fn upload_one(
    http: &HttpClient,
    part: &PreparedPart,
    request: &PartUploadRequest,
    options: &UploadOptions,
    progress: Arc<dyn Progress>,
) -> Result<(), BatchError> {
    let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::PUT);
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
        .collect();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let body = part_body(part, progress.clone()).await?;
        let result = http
            .send_to_url(UrlRequest {
                method: method.clone(),
                url: request.url.clone(),
                headers: headers.clone(),
                body,
            })
            .await;
        match result {
            Ok(_) => return Ok(()),
            Err(e) if attempt < options.attempts && retryable(&e) => {
                tracing::warn!(part = part.ordinal, attempt, error = %e, "part upload failed, retrying");
                progress.part_retry(part.ordinal, attempt);
                let factor = 2u32.saturating_pow(attempt - 1);
                tokio::time::sleep(options.retry_delay.saturating_mul(factor)).await;
            }
            Err(source) => {
                return Err(BatchError::Upload {
                    ordinal: part.ordinal,
                    source,
                });
            }
        }
    }
}

/// Uploads every part of `package` not in `already_uploaded`, `options.concurrency` at a time,
/// to the URL the server returned for its ordinal — with exactly the returned method and headers
/// and no bearer token. Returns the ordinals uploaded by this call. Stops at the first part that
/// fails after its retries (parts already sent stay sent; record them for a resumed upload).
pub async fn upload_parts(
    http: &HttpClient,
    requests: &[PartUploadRequest],
    package: &PreparedPackage,
    already_uploaded: &HashSet<u32>,
    options: &UploadOptions,
    progress: Arc<dyn Progress>,
) -> Result<Vec<u32>, BatchError> {
    let mut work = Vec::new();
    for part in package.parts() {
        if already_uploaded.contains(&part.ordinal) {
            continue;
        }
        let request = requests
            .iter()
            .find(|r| u32::try_from(r.ordinal_number).ok() == Some(part.ordinal))
            .ok_or(BatchError::MissingUploadRequest(part.ordinal))?;
        work.push((part, request));
    }
    let total = package.parts().len();
    let done = AtomicUsize::new(total - work.len());
    let (done, work) = (&done, &work);
    // Mapped by index, not over references: a closure taking references would keep this future
    // from being `Send` for every lifetime (a limit of the compiler), so it could not be spawned.
    futures::stream::iter(0..work.len())
        .map(|i| {
            let progress = progress.clone();
            let (part, request) = work[i];
            async move {
                upload_one(http, part, request, options, progress.clone()).await?;
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                progress.part_done(part.ordinal, n, total);
                Ok::<u32, BatchError>(part.ordinal)
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .try_collect()
        .await
}
