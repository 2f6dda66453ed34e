//! Network tests for [`Fetcher`](super::Fetcher), against servers started on 127.0.0.1 only:
//! wiremock for well-behaved HTTP, raw tokio listeners for misbehaving servers. Every test
//! uses small limits (1 s deadline, 64 KiB body) so the suite stays fast; none reaches the
//! internet.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const LIMIT: u64 = 64 * 1024;

fn settings() -> FetchSettings {
    FetchSettings {
        concurrency: 8,
        per_host: 2,
        connect_timeout: Duration::from_secs(1),
        // Longer than `timeout` so the total deadline is the one that fires in the hang tests.
        read_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(1),
        max_body: LIMIT,
        max_redirects: 5,
        user_agent: "feedwright/test (+https://example.com/)".to_owned(),
    }
}

fn fetcher() -> Fetcher {
    Fetcher::new(settings()).unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

async fn get(
    fetcher: &Fetcher,
    target: &str,
    validators: &Validators,
) -> Result<FetchOutcome, FetchError> {
    let target = url(target);
    fetcher.fetch(FetchRequest { url: &target, validators, allow_private: true }).await
}

async fn get_strict(fetcher: &Fetcher, target: &str) -> Result<FetchOutcome, FetchError> {
    let target = url(target);
    let validators = Validators::default();
    fetcher
        .fetch(FetchRequest { url: &target, validators: &validators, allow_private: false })
        .await
}

fn fetched(outcome: Result<FetchOutcome, FetchError>) -> FetchedBody {
    match outcome {
        Ok(FetchOutcome::Fetched(body)) => body,
        other => panic!("expected a body, got {other:?}"),
    }
}

fn failed(outcome: Result<FetchOutcome, FetchError>) -> FetchError {
    match outcome {
        Err(err) => err,
        Ok(other) => panic!("expected an error, got {other:?}"),
    }
}

/// A raw server: accepts connections and hands each to `handle` on its own task.
async fn raw_server<F, Fut>(handle: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handle = Arc::clone(&handle);
            tokio::spawn(async move { handle(stream).await });
        }
    });
    format!("http://{addr}/")
}

/// Reads until the end of the request headers (tests only send GETs without bodies), over
/// plain TCP or TLS.
async fn read_request(stream: &mut (impl tokio::io::AsyncRead + Unpin)) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn etag_is_returned_then_sent_and_304_means_not_modified() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/feed"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/feed"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .set_body_raw("<rss/>", "application/rss+xml"),
        )
        .mount(&server)
        .await;
    let fetcher = fetcher();
    let target = format!("{}/feed", server.uri());

    let first = fetched(get(&fetcher, &target, &Validators::default()).await);
    assert_eq!(first.body, b"<rss/>");
    assert_eq!(first.status, 200);
    assert_eq!(first.content_type.as_deref(), Some("application/rss+xml"));
    assert_eq!(first.validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(first.validators.last_modified, None);
    assert_eq!(first.final_url.as_str(), target);

    let second = get(&fetcher, &target, &first.validators).await.unwrap();
    assert!(matches!(second, FetchOutcome::NotModified), "{second:?}");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].headers.get("if-none-match").is_none());
    assert_eq!(requests[1].headers.get("if-none-match").unwrap(), "\"v1\"");
    assert!(requests[1].headers.get("if-modified-since").is_none());
    let agent = requests[0].headers.get("user-agent").unwrap();
    assert_eq!(agent, "feedwright/test (+https://example.com/)");
    assert!(requests[0].headers.get("accept").unwrap().to_str().unwrap().contains("rss+xml"));
}

#[tokio::test]
async fn last_modified_is_returned_then_sent() {
    let stamp = "Wed, 21 Oct 2015 07:28:00 GMT";
    let server = MockServer::start().await;
    // wiremock's `header` matcher splits values at commas, which HTTP-dates contain.
    Mock::given(header_exists("if-modified-since"))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).insert_header("last-modified", stamp).set_body_string("x"),
        )
        .mount(&server)
        .await;
    let fetcher = fetcher();

    let first = fetched(get(&fetcher, &server.uri(), &Validators::default()).await);
    assert_eq!(first.validators, Validators { etag: None, last_modified: Some(stamp.to_owned()) });
    let second = get(&fetcher, &server.uri(), &first.validators).await.unwrap();
    assert!(matches!(second, FetchOutcome::NotModified), "{second:?}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[1].headers.get("if-modified-since").unwrap(), stamp);
    assert!(requests[1].headers.get("if-none-match").is_none());
}

#[tokio::test]
async fn unsolicited_304_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(304)).mount(&server).await;
    let err = failed(get(&fetcher(), &server.uri(), &Validators::default()).await);
    assert!(matches!(err, FetchError::UnsolicitedNotModified), "{err:?}");
    assert_eq!(err.to_string(), "unsolicited 304 Not Modified with no stored copy");
}

#[tokio::test]
async fn error_statuses_are_named() {
    let server = MockServer::start().await;
    for (code, route) in [(404, "/missing"), (500, "/broken"), (401, "/private"), (410, "/gone")] {
        Mock::given(path(route)).respond_with(ResponseTemplate::new(code)).mount(&server).await;
    }
    Mock::given(path("/challenge"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("cf-mitigated", "challenge")
                .set_body_raw("<html>Just a moment...</html>", "text/html"),
        )
        .mount(&server)
        .await;
    let fetcher = fetcher();
    let message = |route: &'static str| {
        let target = format!("{}{route}", server.uri());
        let fetcher = &fetcher;
        async move { failed(get(fetcher, &target, &Validators::default()).await).to_string() }
    };
    assert_eq!(message("/missing").await, "HTTP 404 Not Found");
    assert_eq!(message("/broken").await, "HTTP 500 Internal Server Error");
    assert_eq!(message("/gone").await, "HTTP 410 Gone");
    assert_eq!(
        message("/private").await,
        "HTTP 401 Unauthorized: unauthorized/forbidden (blocked?)"
    );
    assert_eq!(message("/challenge").await, "HTTP 403: blocked by a bot challenge");
}

#[tokio::test]
async fn retry_after_is_read_from_429_in_seconds_and_as_a_date() {
    let server = MockServer::start().await;
    Mock::given(path("/seconds"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .mount(&server)
        .await;
    let date = (chrono::Utc::now() + chrono::Duration::seconds(600))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    Mock::given(path("/date"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", date.as_str()))
        .mount(&server)
        .await;
    Mock::given(path("/invalid"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "soon"))
        .mount(&server)
        .await;
    let fetcher = fetcher();
    let none = Validators::default();

    let err = failed(get(&fetcher, &format!("{}/seconds", server.uri()), &none).await);
    assert_eq!(err.to_string(), "HTTP 429 Too Many Requests (retry after 120 s)");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(err.is_transient());

    let err = failed(get(&fetcher, &format!("{}/date", server.uri()), &none).await);
    let delay = err.retry_after().unwrap();
    assert!(delay > Duration::from_secs(590) && delay <= Duration::from_secs(600), "{delay:?}");
    assert!(err.to_string().starts_with("HTTP 503 Service Unavailable (retry after "), "{err}");

    let err = failed(get(&fetcher, &format!("{}/invalid", server.uri()), &none).await);
    assert_eq!(err.retry_after(), None);
    assert_eq!(err.to_string(), "HTTP 429 Too Many Requests");
}

#[tokio::test]
async fn server_that_never_answers_hits_the_total_deadline() {
    let target = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    })
    .await;
    let started = Instant::now();
    let err = failed(get(&fetcher(), &target, &Validators::default()).await);
    let elapsed = started.elapsed();
    assert_eq!(err.to_string(), "timed out after 1 s");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

/// A server that sends `at_once`, then drips `dripped` and a thousand more
/// bytes, one per 50 ms: never idle long enough for the read timeout, never
/// done within the deadline. Returns the fetch's error and how long it took.
async fn fetch_from_a_drip(at_once: &'static str, dripped: &'static str) -> (FetchError, Duration) {
    let target = raw_server(move |mut stream| async move {
        read_request(&mut stream).await;
        if stream.write_all(at_once.as_bytes()).await.is_err() {
            return;
        }
        for byte in dripped.bytes().chain(std::iter::repeat_n(b'x', 1000)) {
            if stream.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let started = Instant::now();
    let err = failed(get(&fetcher(), &target, &Validators::default()).await);
    (err, started.elapsed())
}

#[tokio::test]
async fn slow_drip_body_cannot_outlast_the_deadline() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n";
    let (err, elapsed) = fetch_from_a_drip(head, "").await;
    assert!(matches!(err, FetchError::Timeout { kind: TimeoutKind::Total, .. }), "{err:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test]
async fn a_trickled_status_line_and_headers_cannot_outlast_the_deadline() {
    // The headers never end.
    let (err, elapsed) =
        fetch_from_a_drip("", "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n").await;
    assert!(matches!(err, FetchError::Timeout { kind: TimeoutKind::Total, .. }), "{err:?}");
    assert_eq!(err.to_string(), "timed out after 1 s");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

/// A TLS server on 127.0.0.1 presenting a self-signed certificate for
/// 127.0.0.1 (`pem`, `key`: test-only fixtures in `tests/fixtures`),
/// counting connections and any that start with something other than a TLS
/// handshake. Returns its port.
async fn untrusted_tls_server(
    fixture: (&'static [u8], &'static [u8]),
    connections: Arc<AtomicUsize>,
    plain: Arc<AtomicUsize>,
) -> u16 {
    let reply = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>".to_owned();
    tls_server(fixture, reply, connections, plain).await
}

/// [`untrusted_tls_server`], answering every request with `reply`.
async fn tls_server(
    (pem, key): (&'static [u8], &'static [u8]),
    reply: String,
    connections: Arc<AtomicUsize>,
    plain: Arc<AtomicUsize>,
) -> u16 {
    let reply = Arc::new(reply);
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer> =
        CertificateDer::pem_slice_iter(pem).collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_slice(key).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            let (acceptor, plain, reply) =
                (acceptor.clone(), Arc::clone(&plain), Arc::clone(&reply));
            tokio::spawn(async move {
                let mut first = [0u8; 1];
                // 0x16: a TLS handshake record.
                if stream.peek(&mut first).await.is_ok_and(|n| n == 1) && first[0] != 0x16 {
                    plain.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                if let Ok(mut tls) = acceptor.accept(stream).await {
                    read_request(&mut tls).await;
                    let _ = tls.write_all(reply.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error_with_no_insecure_retry() {
    let (connections, plain) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let fixture = (
        &include_bytes!("../../tests/fixtures/self-signed.pem")[..],
        &include_bytes!("../../tests/fixtures/self-signed.key")[..],
    );
    let port = untrusted_tls_server(fixture, Arc::clone(&connections), Arc::clone(&plain)).await;
    let err = failed(
        get(&fetcher(), &format!("https://127.0.0.1:{port}/feed.xml"), &Validators::default())
            .await,
    );
    assert!(matches!(err, FetchError::Tls(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "TLS error: the server's certificate is not signed by a trusted authority \
         (self-signed?) (UnknownIssuer)"
    );
    // One attempt, over TLS only: no retry without verification or over http.
    assert_eq!((connections.load(Ordering::SeqCst), plain.load(Ordering::SeqCst)), (1, 0));
}

/// The test CA and a certificate it issued (`name` in `tests/fixtures`).
macro_rules! trusted {
    ($name:literal) => {
        (
            &include_bytes!(concat!("../../tests/fixtures/", $name, ".pem"))[..],
            &include_bytes!(concat!("../../tests/fixtures/", $name, ".key"))[..],
        )
    };
}

#[tokio::test]
async fn a_trusted_server_is_read_and_a_redirect_to_http_is_refused() {
    let _roots = super::test_roots::set(include_bytes!("../../tests/fixtures/test-ca.pem"));
    let counter = || Arc::new(AtomicUsize::new(0));
    // The fixtures work: a certificate from the test CA for 127.0.0.1 is accepted.
    let ok = tls_server(
        trusted!("trusted-localhost"),
        "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<rss/>".to_owned(),
        counter(),
        counter(),
    )
    .await;
    let body = fetched(
        get(&fetcher(), &format!("https://127.0.0.1:{ok}/f"), &Validators::default()).await,
    );
    assert_eq!(body.body, b"<rss/>");

    // The same server redirecting to plain http: refused, and the http server never asked.
    let asked = Arc::new(AtomicUsize::new(0));
    let asked_too = Arc::clone(&asked);
    let http = raw_server(move |mut stream| {
        let asked = Arc::clone(&asked_too);
        async move {
            asked.fetch_add(1, Ordering::SeqCst);
            read_request(&mut stream).await;
        }
    })
    .await;
    let reply = format!(
        "HTTP/1.1 302 Found\r\nLocation: {http}feed.xml\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let port = tls_server(trusted!("trusted-localhost"), reply, counter(), counter()).await;
    let err = failed(
        get(&fetcher(), &format!("https://127.0.0.1:{port}/f"), &Validators::default()).await,
    );
    assert!(err.to_string().contains("redirect from https to http refused"), "{err}");
    assert_eq!(asked.load(Ordering::SeqCst), 0, "nothing was sent over http");
}

#[tokio::test]
async fn a_certificate_for_another_name_says_so() {
    let _roots = super::test_roots::set(include_bytes!("../../tests/fixtures/test-ca.pem"));
    let counter = || Arc::new(AtomicUsize::new(0));
    let port = untrusted_tls_server(trusted!("trusted-other-name"), counter(), counter()).await;
    let err = failed(
        get(&fetcher(), &format!("https://127.0.0.1:{port}/f"), &Validators::default()).await,
    );
    assert!(
        err.to_string().starts_with(
            "TLS error: the server's certificate is for another host name (certificate not valid for name \"127.0.0.1\""
        ),
        "{err}"
    );
}

#[tokio::test]
async fn an_expired_certificate_says_so() {
    // Valid in 2000 only; dates are checked before the issuer.
    let fixture = (
        &include_bytes!("../../tests/fixtures/expired.pem")[..],
        &include_bytes!("../../tests/fixtures/expired.key")[..],
    );
    let counter = || Arc::new(AtomicUsize::new(0));
    let port = untrusted_tls_server(fixture, counter(), counter()).await;
    let target = format!("https://127.0.0.1:{port}/feed.xml");
    let err = failed(get(&fetcher(), &target, &Validators::default()).await);
    let message = err.to_string();
    assert!(
        message.starts_with(
            "TLS error: the server's certificate has expired (certificate expired: verification time "
        ) && message.contains("but certificate is not valid after 978307200 "),
        "{message}"
    );
}

#[tokio::test]
async fn idle_connection_hits_the_read_timeout() {
    let target = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
        let _ = stream.write_all(head.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let fetcher =
        Fetcher::new(FetchSettings { read_timeout: Duration::from_millis(300), ..settings() })
            .unwrap();
    let started = Instant::now();
    let err = failed(get(&fetcher, &target, &Validators::default()).await);
    assert!(matches!(err, FetchError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(900), "{:?}", started.elapsed());
}

#[tokio::test]
async fn oversized_content_length_is_refused_before_reading() {
    let server = MockServer::start().await;
    let body = vec![b'a'; LIMIT as usize + 1];
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
        .mount(&server)
        .await;
    let err = failed(get(&fetcher(), &server.uri(), &Validators::default()).await);
    assert!(
        matches!(err, FetchError::ContentLengthTooLarge { declared: 65_537, limit: LIMIT }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "body of 65537 bytes (Content-Length) exceeds 64 KiB");

    // Exactly at the limit is fine.
    let server = MockServer::start().await;
    let body = vec![b'a'; LIMIT as usize];
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
        .mount(&server)
        .await;
    let ok = fetched(get(&fetcher(), &server.uri(), &Validators::default()).await);
    assert_eq!(ok.body.len() as u64, LIMIT);
}

#[tokio::test]
async fn endless_chunked_body_stops_at_the_cap() {
    let target = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("1000\r\n{}\r\n", "z".repeat(0x1000));
        while stream.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await;
    let started = Instant::now();
    let err = failed(get(&fetcher(), &target, &Validators::default()).await);
    assert_eq!(err.to_string(), "body exceeds 64 KiB after decompression");
    assert!(started.elapsed() < Duration::from_millis(900));
}

/// Hand-made gzip of `len` zero bytes: a fixed-Huffman deflate block of one literal 0 and
/// back-references of length 258 at distance 1, so a megabyte compresses to about 6 KB.
fn gzip_zeros(len: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }
    impl Bits {
        /// Deflate packs values least-significant bit first.
        fn put(&mut self, value: u32, count: u32) {
            for i in 0..count {
                self.acc |= ((value >> i) & 1) << self.n;
                self.n += 1;
                if self.n == 8 {
                    self.out.push(self.acc as u8);
                    self.acc = 0;
                    self.n = 0;
                }
            }
        }
        /// Huffman codes go most-significant bit first.
        fn code(&mut self, code: u32, count: u32) {
            for i in (0..count).rev() {
                self.put((code >> i) & 1, 1);
            }
        }
    }
    let mut bits = Bits { out: Vec::new(), acc: 0, n: 0 };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE = fixed Huffman
    let mut left = len;
    if left > 0 {
        bits.code(0x30, 8); // literal 0
        left -= 1;
    }
    while left > 0 {
        if left >= 258 {
            bits.code(0xC5, 8); // length symbol 285 = 258
            bits.code(0, 5); // distance symbol 0 = 1
            left -= 258;
        } else if left >= 3 {
            // Length symbols 257..=264 cover 3..=10 without extra bits; repeat 3 otherwise.
            let take = left.min(10);
            bits.code((take - 3 + 1) as u32, 7); // symbols 257.. are 7-bit codes 1..
            bits.code(0, 5);
            left -= take;
        } else {
            bits.code(0x30, 8);
            left -= 1;
        }
    }
    bits.code(0, 7); // end of block (symbol 256)
    if bits.n > 0 {
        bits.out.push(bits.acc as u8);
    }
    let mut crc: u32 = !0;
    for _ in 0..len {
        crc ^= 0;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    let mut gzip = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gzip.extend_from_slice(&bits.out);
    gzip.extend_from_slice(&(!crc).to_le_bytes());
    gzip.extend_from_slice(&(len as u32).to_le_bytes());
    gzip
}

#[tokio::test]
async fn gzip_body_is_decoded_and_a_gzip_bomb_stops_at_the_cap() {
    let small = gzip_zeros(5000);
    let bomb = gzip_zeros(4 * 1024 * 1024);
    assert!(bomb.len() < 32 * 1024, "bomb is {} bytes", bomb.len());
    let server = MockServer::start().await;
    for (route, body) in [("/small", small), ("/bomb", bomb)] {
        Mock::given(path(route))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-encoding", "gzip")
                    .set_body_bytes(body),
            )
            .mount(&server)
            .await;
    }
    Mock::given(path("/corrupt"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_string("<rss>not gzip at all</rss>"),
        )
        .mount(&server)
        .await;
    let fetcher = fetcher();
    let none = Validators::default();

    let small = fetched(get(&fetcher, &format!("{}/small", server.uri()), &none).await);
    assert_eq!(small.body, vec![0u8; 5000]);
    let requests = server.received_requests().await.unwrap();
    let accepted = requests[0].headers.get("accept-encoding").unwrap().to_str().unwrap();
    assert!(accepted.contains("gzip"), "{accepted}");

    let err = failed(get(&fetcher, &format!("{}/bomb", server.uri()), &none).await);
    assert!(matches!(err, FetchError::BodyTooLarge { limit: LIMIT }), "{err:?}");
    assert_eq!(err.to_string(), "body exceeds 64 KiB after decompression");

    let err = failed(get(&fetcher, &format!("{}/corrupt", server.uri()), &none).await);
    assert!(matches!(err, FetchError::Decode { .. }), "{err:?}");
    // The detail is the decompressor's own words; only the fixed part is ours.
    assert!(err.to_string().starts_with("cannot decompress response body: "), "{err}");
    assert!(err.to_string().len() > "cannot decompress response body: ".len(), "{err}");
}

/// Gzip of `data` in stored (uncompressed) deflate blocks, so any bytes, including another
/// gzip stream, can be wrapped without a compressor.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut gzip = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut blocks = data.chunks(0xffff).peekable();
    if blocks.peek().is_none() {
        gzip.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        gzip.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        gzip.extend_from_slice(&len.to_le_bytes());
        gzip.extend_from_slice(&(!len).to_le_bytes());
        gzip.extend_from_slice(block);
    }
    let mut crc: u32 = !0;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    gzip.extend_from_slice(&(!crc).to_le_bytes());
    gzip.extend_from_slice(&(data.len() as u32).to_le_bytes());
    gzip
}

#[tokio::test]
async fn stacked_and_unknown_content_encodings_are_named_decode_errors() {
    let feed = b"<rss version=\"2.0\"><channel><title>t</title></channel></rss>";
    let server = MockServer::start().await;
    // The helper itself must produce gzip that reqwest accepts, or the stacked case below
    // would fail for the wrong reason.
    Mock::given(path("/once"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_bytes(gzip_stored(feed)),
        )
        .mount(&server)
        .await;
    for (route, coding) in [("/stacked", "gzip, gzip"), ("/unknown", "zstd-fake")] {
        Mock::given(path(route))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-encoding", coding)
                    .set_body_bytes(gzip_stored(&gzip_stored(feed))),
            )
            .mount(&server)
            .await;
    }
    Mock::given(path("/identity"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "Identity")
                .set_body_bytes(feed.as_slice()),
        )
        .mount(&server)
        .await;
    let fetcher = fetcher();
    let none = Validators::default();
    let at = |route: &str| format!("{}{route}", server.uri());

    assert_eq!(fetched(get(&fetcher, &at("/once"), &none).await).body, feed);
    assert_eq!(fetched(get(&fetcher, &at("/identity"), &none).await).body, feed);

    let err = failed(get(&fetcher, &at("/stacked"), &none).await);
    assert!(matches!(err, FetchError::Decode { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot decompress response body: unsupported Content-Encoding \"gzip, gzip\""
    );
    let err = failed(get(&fetcher, &at("/unknown"), &none).await);
    assert_eq!(
        err.to_string(),
        "cannot decompress response body: unsupported Content-Encoding \"zstd-fake\""
    );
}

#[tokio::test]
async fn bytes_past_the_content_length_are_ignored() {
    let target = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>TRAILING GARBAGE</rss>")
            .await;
    })
    .await;
    let body = fetched(get(&fetcher(), &target, &Validators::default()).await);
    assert_eq!(body.body, b"<rss/>");
}

#[tokio::test]
async fn empty_body_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let err = failed(get(&fetcher(), &server.uri(), &Validators::default()).await);
    assert_eq!(err.to_string(), "empty response body");
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/loop"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/loop"))
        .mount(&server)
        .await;
    for hop in 1..=5 {
        let next = if hop == 5 { "/feed".to_owned() } else { format!("/hop{}", hop + 1) };
        Mock::given(path(format!("/hop{hop}")))
            .respond_with(ResponseTemplate::new(301).insert_header("location", next.as_str()))
            .mount(&server)
            .await;
    }
    Mock::given(path("/feed"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<feed/>"))
        .mount(&server)
        .await;
    Mock::given(path("/file"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "file:///etc/passwd"))
        .mount(&server)
        .await;
    Mock::given(path("/script"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "javascript:alert(1)"))
        .mount(&server)
        .await;
    Mock::given(path("/nowhere")).respond_with(ResponseTemplate::new(302)).mount(&server).await;
    let fetcher = fetcher();
    let none = Validators::default();
    let at = |route: &str| format!("{}{route}", server.uri());

    // Five hops is within the limit.
    let ok = fetched(get(&fetcher, &at("/hop1"), &none).await);
    assert_eq!(ok.final_url.as_str(), at("/feed"));

    let err = failed(get(&fetcher, &at("/loop"), &none).await);
    assert_eq!(err.to_string(), "redirect limit (5) reached");

    let err = failed(get(&fetcher, &at("/file"), &none).await);
    assert_eq!(err.to_string(), "redirect to unsupported scheme \"file\"");
    let err = failed(get(&fetcher, &at("/script"), &none).await);
    assert_eq!(err.to_string(), "redirect to unsupported scheme \"javascript\"");

    let err = failed(get(&fetcher, &at("/nowhere"), &none).await);
    assert_eq!(err.to_string(), "HTTP 302 redirect without a usable Location header");
}

#[tokio::test]
async fn private_targets_are_refused_without_allow_private() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("secret"))
        .mount(&server)
        .await;
    let port = server.address().port();
    let fetcher = fetcher();

    let err = failed(get_strict(&fetcher, &server.uri()).await);
    assert_eq!(
        err.to_string(),
        "refused private address 127.0.0.1 (set allow_private = true to allow it)"
    );
    // Decimal, hex and IPv4-mapped spellings of loopback.
    for target in [
        format!("http://2130706433:{port}/"),
        format!("http://0x7f.0.0.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://[::1]:{port}/"),
    ] {
        let err = failed(get_strict(&fetcher, &target).await);
        assert!(matches!(err, FetchError::PrivateAddress { host: None, .. }), "{target}: {err:?}");
    }
    // A name is judged by what it resolves to: the resolver drops loopback answers.
    let err = failed(get_strict(&fetcher, &format!("http://localhost:{port}/feed")).await);
    let FetchError::PrivateAddress { addr, host } = &err else { panic!("{err:?}") };
    assert!(addr.is_loopback(), "{addr}");
    assert_eq!(host.as_deref(), Some("localhost"));
    assert!(
        err.to_string().starts_with(&format!("refused private address {addr} for host localhost"))
    );

    assert!(server.received_requests().await.unwrap().is_empty(), "a request got through");

    // The same URL with allow_private = true works.
    assert_eq!(fetched(get(&fetcher, &server.uri(), &Validators::default()).await).body, b"secret");
}

#[tokio::test]
async fn a_loopback_first_hop_is_refused_with_its_address_named_before_any_redirect() {
    // Every test server is loopback, so the first hop is already refused in strict mode; the
    // per-hop check itself is covered by guard::tests::redirect_rules.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "http://169.254.169.254/"),
        )
        .mount(&server)
        .await;
    let port = server.address().port();
    let err =
        failed(get_strict(&fetcher(), &format!("http://localhost:{port}/ssrf-redirect")).await);
    let FetchError::PrivateAddress { addr, .. } = &err else { panic!("{err:?}") };
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_redirect_from_a_public_host_to_a_private_address_is_refused_and_never_requested() {
    // The internal service an attacker's feed host redirects to.
    let internal = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<rss>internal</rss>"))
        .mount(&internal)
        .await;
    let port = internal.address().port();
    // The first hop: a public host (see `Fetcher::with_public_names`), fetched in strict mode.
    let first = MockServer::start().await;
    let public = "feeds.public.test";
    let fetcher = Fetcher::with_public_names(settings(), &[(public, *first.address())]).unwrap();
    let hop = |to: &str| ResponseTemplate::new(302).insert_header("location", to);

    // Control: a redirect to another public host is followed, so the refusals below are the
    // guard's and not a broken setup. The public name reaches `internal` through its port.
    Mock::given(path("/to-public"))
        .respond_with(hop(&format!("http://{public}:{port}/feed")))
        .mount(&first)
        .await;
    let body = fetched(
        get_strict(&fetcher, &format!("http://{public}:{}/to-public", first.address().port()))
            .await,
    );
    assert_eq!(body.body, b"<rss>internal</rss>");
    assert_eq!(internal.received_requests().await.unwrap().len(), 1);

    let targets = [
        // A name is resolved at connect time, by the guarded resolver, which drops loopback.
        (format!("http://localhost:{port}/ssrf-redirect"), None),
        // Literal addresses never reach the resolver; the redirect policy refuses them.
        (format!("http://127.0.0.1:{port}/ssrf-redirect"), Some("127.0.0.1")),
        (format!("http://2130706433:{port}/ssrf-redirect"), Some("127.0.0.1")),
        (format!("http://[::ffff:127.0.0.1]:{port}/ssrf-redirect"), Some("::ffff:127.0.0.1")),
        ("http://169.254.169.254/latest/meta-data/".to_owned(), Some("169.254.169.254")),
        ("http://2852039166/latest/meta-data/".to_owned(), Some("169.254.169.254")),
        ("http://[::ffff:a9fe:a9fe]/latest/meta-data/".to_owned(), Some("::ffff:169.254.169.254")),
    ];
    for (i, (target, literal)) in targets.iter().enumerate() {
        Mock::given(path(format!("/hop/{i}"))).respond_with(hop(target)).mount(&first).await;
        let start = format!("http://{public}:{}/hop/{i}", first.address().port());
        let err = failed(get_strict(&fetcher, &start).await);
        let FetchError::PrivateAddress { addr, host } = &err else { panic!("{target}: {err:?}") };
        match literal {
            Some(literal) => {
                assert_eq!(addr.to_string(), *literal, "{target}");
                assert_eq!(host, &None, "{target}");
            }
            None => {
                assert!(addr.is_loopback(), "{target}: {addr}");
                assert_eq!(host.as_deref(), Some("localhost"), "{target}");
            }
        }
        assert!(err.to_string().starts_with(&format!("refused private address {addr}")), "{err}");
    }
    // Every first hop was requested, and none of the redirects reached the internal server.
    assert_eq!(first.received_requests().await.unwrap().len(), 1 + targets.len());
    let reached: Vec<String> = internal
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(reached, ["/feed"]);
}

/// A server that answers every request with `head` (status line and headers, without the blank
/// line that ends them) and a small body.
async fn header_server(head: String) -> String {
    let head = Arc::new(head);
    raw_server(move |mut stream| {
        let head = Arc::clone(&head);
        async move {
            read_request(&mut stream).await;
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(b"Content-Length: 6\r\n\r\n<rss/>").await;
        }
    })
    .await
}

#[tokio::test]
async fn too_many_or_too_large_headers_are_a_named_error() {
    let mut many = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..10_000 {
        many.push_str(&format!("X-Pad-{i}: v\r\n"));
    }
    let huge = format!("HTTP/1.1 200 OK\r\nX-Big: {}\r\n", "a".repeat(1024 * 1024));
    let fetcher = fetcher();
    let none = Validators::default();
    for head in [many, huge] {
        let err = failed(get(&fetcher, &header_server(head).await, &none).await);
        assert_eq!(
            err.to_string(),
            "protocol error: response headers too large (more than 100 headers or 408 KiB)",
            "{err:?}"
        );
    }
    // A response with a normal number of headers from the same kind of server is read.
    let fine = header_server("HTTP/1.1 200 OK\r\nX-Pad: v\r\n".to_owned()).await;
    assert_eq!(fetched(get(&fetcher, &fine, &none).await).body, b"<rss/>");
}

#[tokio::test]
async fn connection_refused_dns_failure_and_bad_schemes_are_named() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let fetcher = fetcher();
    let none = Validators::default();

    let started = Instant::now();
    let err = failed(get(&fetcher, &format!("http://{addr}/"), &none).await);
    assert_eq!(err.to_string(), "connection refused");
    assert!(started.elapsed() < Duration::from_millis(500));

    let err = failed(get(&fetcher, "http://feedwright-test.invalid/feed", &none).await);
    assert_eq!(err.to_string(), "DNS lookup failed for feedwright-test.invalid");

    for (target, scheme) in [("file:///etc/passwd", "file"), ("ftp://example.com/feed", "ftp")] {
        let err = failed(get(&fetcher, target, &none).await);
        assert_eq!(
            err.to_string(),
            format!("unsupported URL scheme \"{scheme}\" (expected http or https)")
        );
    }
}

#[tokio::test]
async fn broken_servers_give_connection_or_protocol_errors() {
    let garbage = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
    })
    .await;
    let short = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<rss>").await;
    })
    .await;
    let hangup = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
    })
    .await;
    let odd_status = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream.write_all(b"HTTP/1.1 999 Odd\r\nContent-Length: 1\r\n\r\nx").await;
    })
    .await;
    // Answers a TLS ClientHello with plain HTTP.
    let not_tls = raw_server(|mut stream| async move {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx").await;
    })
    .await
    .replace("http://", "https://");
    let fetcher = fetcher();
    let none = Validators::default();

    let err = failed(get(&fetcher, &garbage, &none).await);
    assert!(matches!(err, FetchError::Protocol(_)), "{err:?}");
    assert!(err.to_string().starts_with("protocol error: "), "{err}");
    let err = failed(get(&fetcher, &odd_status, &none).await);
    assert_eq!(err.to_string(), "protocol error: status code 999 is outside 100-599");
    let err = failed(get(&fetcher, &not_tls, &none).await);
    assert!(matches!(err, FetchError::Tls(_)), "{err:?}");
    assert!(err.to_string().starts_with("TLS error: "), "{err}");
    let err = failed(get(&fetcher, &short, &none).await);
    assert!(matches!(err, FetchError::Connection(_)), "{err:?}");
    let err = failed(get(&fetcher, &hangup, &none).await);
    assert!(matches!(err, FetchError::Connection(_)), "{err:?}");
}

#[tokio::test]
async fn credentials_stay_out_of_messages_and_off_other_hosts() {
    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<rss/>"))
        .mount(&other)
        .await;
    let first = MockServer::start().await;
    // Same machine, different host name and port: reqwest must drop Authorization.
    let elsewhere = format!("http://localhost:{}/feed", other.address().port());
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", elsewhere.as_str()))
        .mount(&first)
        .await;
    let port = first.address().port();
    let fetcher = fetcher();
    let none = Validators::default();

    let body =
        fetched(get(&fetcher, &format!("http://reader:hunter2@127.0.0.1:{port}/"), &none).await);
    assert_eq!(body.final_url.as_str(), elsewhere);
    let sent = first.received_requests().await.unwrap();
    assert!(sent[0].headers.get("authorization").is_some(), "userinfo sent as Basic auth");
    let forwarded = other.received_requests().await.unwrap();
    assert!(forwarded[0].headers.get("authorization").is_none(), "Authorization leaked");

    let refused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = refused.local_addr().unwrap();
    drop(refused);
    let target = format!("http://reader:hunter2@{dead}/");
    let err = failed(get(&fetcher, &target, &none).await);
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err:?}");
    assert_eq!(redact_url(&url(&target)), format!("http://{dead}/"));
}

#[tokio::test]
async fn per_host_limit_holds_under_load() {
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (active2, peak2) = (Arc::clone(&active), Arc::clone(&peak));
    let target = raw_server(move |mut stream| {
        let (active, peak) = (Arc::clone(&active2), Arc::clone(&peak2));
        async move {
            read_request(&mut stream).await;
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            // Leave the count before answering, so the next request cannot overlap it.
            active.fetch_sub(1, Ordering::SeqCst);
            let reply = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<rss/>";
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    })
    .await;
    let fetcher = Arc::new(
        Fetcher::new(FetchSettings { timeout: Duration::from_secs(2), ..settings() }).unwrap(),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let fetcher = Arc::clone(&fetcher);
        let target = format!("{target}feed{i}");
        tasks.push(tokio::spawn(async move {
            fetched(get(&fetcher, &target, &Validators::default()).await).body
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), b"<rss/>");
    }
    assert_eq!(peak.load(Ordering::SeqCst), 2, "per-host limit not used or exceeded");
    assert!(started.elapsed() >= Duration::from_millis(580), "{:?}", started.elapsed());
}

#[tokio::test]
async fn settings_are_validated() {
    let too_big = FetchSettings { max_body: MAX_BODY_CEILING + 1, ..FetchSettings::default() };
    let err = Fetcher::new(too_big).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid fetch settings: max_body must be between 1 byte and 100 MiB"
    );
    let err = Fetcher::new(FetchSettings { per_host: 0, ..FetchSettings::default() }).unwrap_err();
    assert!(matches!(err, FetchError::Settings(_)));

    let defaults = FetchSettings::default();
    assert_eq!(defaults.concurrency, 8);
    assert_eq!(defaults.per_host, 2);
    assert_eq!(defaults.timeout, Duration::from_secs(30));
    assert_eq!(defaults.max_body, 10 * 1024 * 1024);
    assert_eq!(defaults.user_agent, format!("feedwright/{}", env!("CARGO_PKG_VERSION")));
    assert!(Fetcher::new(defaults).is_ok());
}
