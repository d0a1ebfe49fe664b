//! Issue 12, defects 4, 7 and 8 on the real reqwest transport against a local test server:
//! pre-signed transfers have no total time limit (only an idle one), API calls keep theirs, a
//! 3xx from storage is a failure, and a URL's signature never appears in an error.

use std::time::{Duration, Instant};

use http::Method;
use ksef_http::{
    Body, Error, HttpClient, ReqwestConfig, ReqwestTransport, RetryPolicy, ThrottleConfig,
    TransportErrorKind, UrlRequest,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The storage throttle of the tests: ~1 MB/s.
const RATE: usize = 1_000_000;
/// 64 KiB steps.
const STEP: usize = 64 * 1024;
/// 2.5 MB: 2.5 s at the throttle, longer than the API timeout of the tests (1 s).
const PART: usize = 2_500_000;

fn client(base: &str) -> HttpClient {
    client_with_idle(base, Duration::from_millis(1500))
}

/// API calls limited to 1 s in total; transfers to `idle` without progress.
fn client_with_idle(base: &str, idle: Duration) -> HttpClient {
    let transport = ReqwestTransport::with_config(&ReqwestConfig {
        timeout: Some(Duration::from_secs(1)),
        idle_timeout: idle,
        ..ReqwestConfig::default()
    })
    .unwrap();
    HttpClient::builder()
        .base_url(base)
        .transport(std::sync::Arc::new(transport))
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .build()
        .unwrap()
}

/// Reads a request head; returns its Content-Length.
async fn read_head(socket: &mut TcpStream) -> usize {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if socket.read(&mut byte).await.unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    text.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

async fn sleep_for(bytes: usize) {
    tokio::time::sleep(Duration::from_secs_f64(bytes as f64 / RATE as f64)).await;
}

/// A one-connection server running `serve`.
async fn server<F, Fut>(serve: F) -> String
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    // A small receive buffer, like a slow link's window: the upload progresses only as fast
    // as the server reads (loopback buffers would otherwise swallow megabytes at once).
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(32 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener: TcpListener = socket.listen(8).unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        serve(socket).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_part_upload_outlasts_the_api_timeout() {
    let base = server(|mut socket| async move {
        let length = read_head(&mut socket).await;
        let mut buf = vec![0u8; STEP];
        let mut got = 0;
        while got < length {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got += n;
            sleep_for(n).await;
        }
        let answer = if got == length {
            "201 Created"
        } else {
            "400 Bad Request"
        };
        let reply = format!("HTTP/1.1 {answer}\r\ncontent-length: 0\r\n\r\n");
        socket.write_all(reply.as_bytes()).await.unwrap();
    })
    .await;
    // The idle timeout also covers the wait for storage's answer after the last byte was
    // handed to the operating system, whose buffers on loopback hold megabytes.
    let http = client_with_idle(&base, Duration::from_secs(5));
    let started = Instant::now();
    let response = http
        .send_to_url(UrlRequest {
            method: Method::PUT,
            url: format!("{base}/upload/part-1?sig=SECRET"),
            headers: Vec::new(),
            body: Body::Bytes(vec![7u8; PART].into()),
        })
        .await
        .expect("a slow but moving upload is not cut off");
    assert_eq!(response.status, 201);
    assert!(
        started.elapsed() > Duration::from_secs(1),
        "the transfer took longer than the API timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_part_download_outlasts_the_api_timeout() {
    let base = server(|mut socket| async move {
        read_head(&mut socket).await;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {PART}\r\n\r\n");
        socket.write_all(head.as_bytes()).await.unwrap();
        let chunk = vec![1u8; STEP];
        let mut sent = 0;
        while sent < PART {
            let n = STEP.min(PART - sent);
            socket.write_all(&chunk[..n]).await.unwrap();
            sent += n;
            sleep_for(n).await;
        }
    })
    .await;
    let http = client(&base);
    let started = Instant::now();
    let response = http
        .send_to_url(UrlRequest {
            method: Method::GET,
            url: format!("{base}/export/part-1?sig=SECRET"),
            headers: Vec::new(),
            body: Body::Empty,
        })
        .await
        .unwrap();
    let body = response.body.collect(PART + 1).await.unwrap();
    assert_eq!(body.len(), PART);
    assert!(started.elapsed() > Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_download_fails_after_the_idle_timeout() {
    let base = server(|mut socket| async move {
        read_head(&mut socket).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789";
        socket.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let http = client(&base);
    let response = http
        .send_to_url(UrlRequest {
            method: Method::GET,
            url: format!("{base}/export/part-1?sig=SECRET"),
            headers: Vec::new(),
            body: Body::Empty,
        })
        .await
        .unwrap();
    let started = Instant::now();
    let err = response.body.collect(2000).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{err}");
    assert!(!err.to_string().contains("SECRET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_call_keeps_its_total_timeout() {
    let base = server(|mut socket| async move {
        read_head(&mut socket).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let http = client(&format!("{base}/v2"));
    let op = ksef_model::operations::GetSessionsByReferenceNumber::new(
        ksef_model::ReferenceNumber::new("20250625-SO-2C3E6C8000-B675CF5D68-07").unwrap(),
    );
    let started = Instant::now();
    let token = ksef_http::BearerToken::new("t");
    match http.execute(&op, Some(&token)).await {
        Err(Error::Transport { source, .. }) => {
            assert_eq!(source.kind, TransportErrorKind::Timeout)
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_from_storage_is_a_failure() {
    let base = server(|mut socket| async move {
        read_head(&mut socket).await;
        let reply = "HTTP/1.1 302 Found\r\nlocation: http://elsewhere.invalid/x\r\ncontent-length: 0\r\n\r\n";
        socket.write_all(reply.as_bytes()).await.unwrap();
    })
    .await;
    let http = client(&base);
    let result = http
        .send_to_url(UrlRequest {
            method: Method::PUT,
            url: format!("{base}/upload/part-1?sig=SECRET"),
            headers: Vec::new(),
            body: Body::Bytes(vec![1u8; 10].into()),
        })
        .await;
    match result {
        Err(Error::Api(e)) => assert_eq!(e.status, 302),
        other => panic!("a 302 must not count as stored: {other:?}"),
    }
}

#[tokio::test]
async fn a_transport_error_never_shows_the_signature() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let http = client(&format!("http://{addr}"));
    let request = UrlRequest {
        method: Method::GET,
        url: format!("http://{addr}/export/part-1?sv=2024&sig=SECRET%2Bsig"),
        headers: Vec::new(),
        body: Body::Empty,
    };
    assert!(!format!("{request:?}").contains("SECRET"));
    let err = http.send_to_url(request).await.unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert!(!format!("{err:?}").contains("SECRET"), "{err:?}");
}
