//! Part upload over the replay transport.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ksef_batch::upload::{UploadOptions, upload_parts};
use ksef_batch::{BatchError, BatchLimits, InvoiceSource, NoProgress, PackageBuilder, Progress};
use ksef_crypto::symmetric::SymmetricKey;
use ksef_http::testing::{ReplayTransport, Reply};
use ksef_http::{HttpClient, RetryPolicy, ThrottleConfig};
use ksef_model::PartUploadRequest;

fn package(parts_wanted: usize) -> ksef_batch::PreparedPackage {
    let invoices: Vec<InvoiceSource> = (0..parts_wanted * 4)
        .map(|n| {
            InvoiceSource::from_bytes(
                format!("{n}.xml"),
                format!("<Faktura><P_2>{n}</P_2><X>{}</X></Faktura>", n * 7919),
            )
        })
        .collect();
    let limits = BatchLimits {
        part_size: 64,
        ..BatchLimits::default()
    };
    PackageBuilder::new()
        .extend(invoices)
        .limits(limits)
        .build(&SymmetricKey::generate())
        .unwrap()
}

fn requests(n: usize) -> Vec<PartUploadRequest> {
    (1..=n)
        .map(|i| {
            let mut headers = BTreeMap::new();
            headers.insert("x-ms-blob-type".to_owned(), Some("BlockBlob".to_owned()));
            PartUploadRequest::new(
                i as i32,
                "PUT".into(),
                format!("https://storage.invalid/part/{i}?sig=s{i}"),
                headers,
            )
        })
        .collect()
}

fn client(replay: &Arc<ReplayTransport>) -> HttpClient {
    HttpClient::builder()
        .base_url("https://ksef.invalid/v2")
        .transport(replay.clone())
        .retry(RetryPolicy::none())
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .build()
        .unwrap()
}

#[derive(Default)]
struct Counting {
    bytes: std::sync::atomic::AtomicU64,
    parts: std::sync::atomic::AtomicUsize,
}

impl Progress for Counting {
    fn uploaded(&self, _: u32, bytes: u64) {
        self.bytes
            .fetch_add(bytes, std::sync::atomic::Ordering::SeqCst);
    }
    fn part_done(&self, _: u32, _: usize, _: usize) {
        self.parts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn parts_go_to_their_urls_with_exact_headers_and_no_token() {
    let package = package(3);
    let n = package.parts().len();
    let replay = Arc::new(ReplayTransport::with_responder(|_| Reply::status(201)));
    let progress = Arc::new(Counting::default());
    let done = upload_parts(
        &client(&replay),
        &requests(n),
        &package,
        &HashSet::new(),
        &UploadOptions::default(),
        progress.clone(),
    )
    .await
    .unwrap();
    assert_eq!(done.len(), n);
    let seen = replay.requests();
    assert_eq!(seen.len(), n);
    for req in &seen {
        assert_eq!(req.method, http::Method::PUT);
        assert_eq!(req.header("x-ms-blob-type"), Some("BlockBlob"));
        assert!(req.header("authorization").is_none());
        let i: u32 = req.url.path().trim_start_matches("/part/").parse().unwrap();
        let part = &package.parts()[(i - 1) as usize];
        assert_eq!(req.body.len() as u64, part.encrypted.size);
        assert_eq!(&req.body[..], &std::fs::read(&part.path).unwrap()[..]);
    }
    let total: u64 = package.parts().iter().map(|p| p.encrypted.size).sum();
    assert_eq!(
        progress.bytes.load(std::sync::atomic::Ordering::SeqCst),
        total
    );
    assert_eq!(progress.parts.load(std::sync::atomic::Ordering::SeqCst), n);
}

#[tokio::test]
async fn failed_parts_are_retried_and_uploaded_parts_skipped() {
    let package = package(3);
    let n = package.parts().len();
    let replay = Arc::new(ReplayTransport::with_responder(|_| Reply::status(201)));
    replay.push(Reply::body(
        503,
        "application/xml",
        "<Error><Code>ServerBusy</Code></Error>",
    ));
    let options = UploadOptions {
        concurrency: 1,
        retry_delay: Duration::from_millis(1),
        ..UploadOptions::default()
    };
    let skip: HashSet<u32> = [1].into_iter().collect();
    let done = upload_parts(
        &client(&replay),
        &requests(n),
        &package,
        &skip,
        &options,
        Arc::new(NoProgress),
    )
    .await
    .unwrap();
    assert_eq!(done.len(), n - 1);
    assert!(!done.contains(&1));
    assert_eq!(replay.requests().len(), n, "one retry");
}

#[tokio::test]
async fn expired_url_fails_with_the_part_number() {
    let package = package(1);
    let replay = Arc::new(ReplayTransport::with_responder(|_| {
        Reply::body(
            403,
            "application/xml",
            "<Error><Code>AuthenticationFailed</Code></Error>",
        )
    }));
    let err = upload_parts(
        &client(&replay),
        &requests(package.parts().len()),
        &package,
        &HashSet::new(),
        &UploadOptions::default(),
        Arc::new(NoProgress),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, BatchError::Upload { source, .. } if source.status() == Some(403)));
    let err = upload_parts(
        &client(&replay),
        &[],
        &package,
        &HashSet::new(),
        &UploadOptions::default(),
        Arc::new(NoProgress),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, BatchError::MissingUploadRequest(1)));
}
