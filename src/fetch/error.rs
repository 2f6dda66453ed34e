//! [`FetchError`]: every way a fetch can fail, each message naming the class of failure and
//! what was expected, plus the mapping from reqwest's errors and from HTTP statuses onto it.
//! Messages never contain a URL (the caller adds the source id and a redacted URL), so no
//! credentials from a URL can leak through them.

use std::error::Error as StdError;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::guard::{DnsFailed, PrivateRefused, RedirectRefusal};
use super::retry_after::parse_retry_after;

/// Why a fetch produced no usable body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL's scheme is not http or https; nothing was requested.
    #[error("unsupported URL scheme {scheme:?} (expected http or https)")]
    UnsupportedScheme {
        /// The scheme found.
        scheme: String,
    },
    /// The URL has no host (e.g. `http:///feed`); nothing was requested.
    #[error("URL has no host")]
    NoHost,
    /// The target (literal or resolved) is a private, loopback or link-local address and the
    /// source does not allow private targets.
    #[error("refused private address {addr}{} (set allow_private = true to allow it)",
        host.as_ref().map(|h| format!(" for host {h}")).unwrap_or_default())]
    PrivateAddress {
        /// The refused address.
        addr: IpAddr,
        /// The host name that resolved to it; `None` for a literal IP.
        host: Option<String>,
    },
    /// The host name did not resolve.
    #[error("DNS lookup failed for {host}")]
    Dns {
        /// The name looked up.
        host: String,
    },
    /// Nothing listens on the target port.
    #[error("connection refused")]
    ConnectionRefused,
    /// The connection could not be made or broke (reset, closed before the response or
    /// mid-body, shorter than its Content-Length).
    #[error("connection failed: {0}")]
    Connection(String),
    /// A deadline fired; see [`TimeoutKind`].
    #[error("{kind} after {}", format_duration(*after))]
    Timeout {
        /// Which deadline.
        kind: TimeoutKind,
        /// Its configured length.
        after: Duration,
    },
    /// The TLS handshake or certificate check failed. There is no insecure retry.
    #[error("TLS error: {0}")]
    Tls(String),
    /// The server's reply was not valid HTTP.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The body could not be decompressed (corrupt gzip, gzip header on plain text, ...).
    #[error("cannot decompress response body: {detail}")]
    Decode {
        /// What the decoder said.
        detail: String,
    },
    /// The decoded body grew past `max_body`.
    #[error("body exceeds {} after decompression", format_size(*limit))]
    BodyTooLarge {
        /// The configured limit in bytes.
        limit: u64,
    },
    /// The (identity-encoded) Content-Length announced more than `max_body`; nothing was read.
    #[error("body of {declared} bytes (Content-Length) exceeds {}", format_size(*limit))]
    ContentLengthTooLarge {
        /// The announced length.
        declared: u64,
        /// The configured limit in bytes.
        limit: u64,
    },
    /// A 2xx response had no body.
    #[error("empty response body")]
    EmptyBody,
    /// More redirects than `max_redirects`.
    #[error("redirect limit ({0}) reached")]
    RedirectLimit(usize),
    /// A redirect pointed at a scheme other than http/https.
    #[error("redirect to unsupported scheme {0:?}")]
    RedirectScheme(String),
    /// A redirect from https to http.
    #[error("redirect from https to http refused (downgrade)")]
    RedirectDowngrade,
    /// A 3xx that could not be followed (no or invalid Location, 300 Multiple Choices, ...).
    #[error("HTTP {code} redirect without a usable Location header")]
    BadRedirect {
        /// The status code.
        code: u16,
    },
    /// A 304 although no validators were sent: there is no stored copy to reuse.
    #[error("unsolicited 304 Not Modified with no stored copy")]
    UnsolicitedNotModified,
    /// 401 or 403 (without a recognisable bot challenge).
    #[error("HTTP {code} {reason}: unauthorized/forbidden (blocked?)")]
    Unauthorized {
        /// 401 or 403.
        code: u16,
        /// The canonical reason phrase.
        reason: String,
    },
    /// A bot-challenge page (Cloudflare or similar) instead of the feed.
    #[error("HTTP {code}: blocked by a bot challenge{}", retry_note(*retry_after))]
    BotChallenge {
        /// 403 or 503.
        code: u16,
        /// From `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// Any other status ≥ 400.
    #[error("HTTP {code}{}{}", reason_note(reason), retry_note(*retry_after))]
    Status {
        /// The status code.
        code: u16,
        /// The canonical reason phrase ("" for unknown codes).
        reason: String,
        /// From `Retry-After` on 429/503, capped at 24 h; `None` if absent or invalid.
        retry_after: Option<Duration>,
    },
    /// A status the fetcher cannot use (1xx, other 3xx...).
    #[error("unexpected HTTP status {0}")]
    UnexpectedStatus(u16),
    /// The [`FetchSettings`](super::FetchSettings) are unusable or the HTTP client could not
    /// be built.
    #[error("invalid fetch settings: {0}")]
    Settings(String),
    /// Anything reqwest reported that fits no class above.
    #[error("request failed: {0}")]
    Other(String),
}

/// Which deadline fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// The TCP (and TLS) connect phase.
    Connect,
    /// No bytes arrived for `read_timeout`.
    Read,
    /// The whole request, body included, took longer than `timeout`.
    Total,
}

impl std::fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect timed out",
            TimeoutKind::Read => "no data received (read timeout)",
            TimeoutKind::Total => "timed out",
        })
    }
}

impl FetchError {
    /// The delay the server asked for with `Retry-After` on a 429 or 503, capped at 24 h.
    /// `None` when absent or invalid: the caller then uses its default backoff.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. }
            | FetchError::BotChallenge { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether trying again later might succeed (network faults, timeouts, 408/429/5xx),
    /// as opposed to failures that need a change of configuration or upstream fix.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Dns { .. }
            | FetchError::ConnectionRefused
            | FetchError::Connection(_)
            | FetchError::Timeout { .. }
            | FetchError::Protocol(_)
            | FetchError::BotChallenge { .. }
            | FetchError::Other(_) => true,
            FetchError::Status { code, .. } => *code == 408 || *code == 429 || *code >= 500,
            _ => false,
        }
    }

    /// The HTTP status code, for errors that came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Unauthorized { code, .. }
            | FetchError::BotChallenge { code, .. }
            | FetchError::Status { code, .. }
            | FetchError::BadRedirect { code } => Some(*code),
            FetchError::UnexpectedStatus(code) => Some(*code),
            FetchError::UnsolicitedNotModified => Some(304),
            _ => None,
        }
    }
}

/// "10 MiB", "64 KiB", "1500 bytes": exact, in the largest unit that divides the size.
pub(crate) fn format_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// "30 s" for whole seconds, "1500 ms" otherwise.
pub(crate) fn format_duration(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

fn retry_note(retry_after: Option<Duration>) -> String {
    retry_after.map(|d| format!(" (retry after {})", format_duration(d))).unwrap_or_default()
}

fn reason_note(reason: &str) -> String {
    if reason.is_empty() { String::new() } else { format!(" {reason}") }
}

/// Maps a response status ≥ 400 onto its error, reading `Retry-After` for 429/503 and
/// recognising bot-challenge pages from headers alone (the body is never read).
pub(crate) fn status_error(status: StatusCode, headers: &HeaderMap) -> FetchError {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("").to_owned();
    let retry_after = if code == 429 || code == 503 {
        headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, chrono::Utc::now()))
    } else {
        None
    };
    if (code == 403 || code == 503) && is_bot_challenge(headers) {
        return FetchError::BotChallenge { code, retry_after };
    }
    if code == 401 || code == 403 {
        return FetchError::Unauthorized { code, reason };
    }
    FetchError::Status { code, reason, retry_after }
}

/// Cloudflare marks its challenge responses with `cf-mitigated: challenge`; older deployments
/// (and look-alikes) only show `server: cloudflare` with an HTML page instead of the feed.
fn is_bot_challenge(headers: &HeaderMap) -> bool {
    let header =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    if header("cf-mitigated").is_some_and(|v| v.contains("challenge")) {
        return true;
    }
    header("server").is_some_and(|v| v.contains("cloudflare"))
        && header("content-type").is_some_and(|v| v.contains("html"))
}

/// Maps a reqwest error (request or body phase) onto a [`FetchError`]. `elapsed` is how long
/// the fetch had been running: reqwest does not say which of its timeouts fired, so it is
/// inferred from the time spent.
pub(crate) fn classify(
    err: &reqwest::Error,
    settings: &super::FetchSettings,
    elapsed: Duration,
) -> FetchError {
    // Our own refusals travel inside reqwest's error chain: find them first.
    let mut source: Option<&(dyn StdError + 'static)> = err.source();
    while let Some(inner) = source {
        if let Some(refused) = inner.downcast_ref::<PrivateRefused>() {
            return FetchError::PrivateAddress { addr: refused.addr, host: refused.host.clone() };
        }
        if let Some(refusal) = inner.downcast_ref::<RedirectRefusal>() {
            return match refusal {
                RedirectRefusal::Limit(max) => FetchError::RedirectLimit(*max),
                RedirectRefusal::Scheme(scheme) => FetchError::RedirectScheme(scheme.clone()),
                RedirectRefusal::Downgrade => FetchError::RedirectDowngrade,
                RedirectRefusal::Private(refused) => {
                    FetchError::PrivateAddress { addr: refused.addr, host: refused.host.clone() }
                }
            };
        }
        if let Some(dns) = inner.downcast_ref::<DnsFailed>() {
            return FetchError::Dns { host: dns.host.clone() };
        }
        source = inner.source();
    }

    let detail = chain_detail(err);
    // hyper's wording for a response head over its limits (see `super::MAX_RESPONSE_HEADERS`);
    // hyper is not a direct dependency, so its error cannot be asked.
    if detail.contains("message head is too large") {
        return FetchError::Protocol(format!(
            "response headers too large (more than {} headers or {})",
            super::MAX_RESPONSE_HEADERS,
            format_size(u64::from(super::MAX_RESPONSE_HEADER_BYTES))
        ));
    }
    if err.is_timeout() {
        let kind = if err.is_connect() {
            TimeoutKind::Connect
        } else if elapsed + Duration::from_millis(50) >= settings.timeout {
            TimeoutKind::Total
        } else {
            TimeoutKind::Read
        };
        let after = match kind {
            TimeoutKind::Connect => settings.connect_timeout,
            TimeoutKind::Read => settings.read_timeout,
            TimeoutKind::Total => settings.timeout,
        };
        return FetchError::Timeout { kind, after };
    }
    if err.is_redirect() {
        // reqwest's own redirect errors: a Location that does not parse.
        return FetchError::Protocol(format!("bad redirect: {detail}"));
    }
    if err.is_connect() {
        if has_io_kind(err, std::io::ErrorKind::ConnectionRefused) {
            return FetchError::ConnectionRefused;
        }
        // hyper-util names failures of the TCP phase "tcp connect error"; an https connect
        // failure after that phase happened in the TLS handshake.
        let https = err.url().is_some_and(|url| url.scheme() == "https");
        if looks_like_tls(&detail) || (https && !detail.contains("tcp connect")) {
            return FetchError::Tls(tls_detail(err, detail));
        }
        return FetchError::Connection(detail);
    }
    if looks_like_tls(&detail) {
        return FetchError::Tls(tls_detail(err, detail));
    }
    if err.is_decode() || err.is_body() {
        // reqwest reports every failure while reading the body as a decode error; only
        // InvalidData from the decompressor means the bytes themselves were bad.
        if has_io_kind(err, std::io::ErrorKind::InvalidData) {
            return FetchError::Decode { detail };
        }
        return FetchError::Connection(detail);
    }
    if has_io_kind(err, std::io::ErrorKind::ConnectionReset)
        || has_io_kind(err, std::io::ErrorKind::UnexpectedEof)
        || detail.contains("closed")
    {
        return FetchError::Connection(detail);
    }
    if err.is_request() {
        return FetchError::Protocol(detail);
    }
    FetchError::Other(detail)
}

/// The messages of the error's sources joined with ": ", skipping reqwest's own top-level
/// message (which embeds the URL, credentials included).
fn chain_detail(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    if parts.is_empty() {
        // Only reachable for errors without a cause; drop the URL before displaying.
        let mut bare = reqwest_error_without_url(err);
        bare.truncate(300);
        return bare;
    }
    let mut joined = parts.join(": ");
    joined.truncate(floor_char_boundary(&joined, 300));
    joined
}

fn reqwest_error_without_url(err: &reqwest::Error) -> String {
    let text = err.to_string();
    match err.url() {
        Some(url) => text.replace(url.as_str(), &super::redact_url(url)),
        None => text,
    }
}

fn floor_char_boundary(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

fn has_io_kind(err: &reqwest::Error, kind: std::io::ErrorKind) -> bool {
    let mut source = err.source();
    while let Some(inner) = source {
        if inner.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == kind) {
            return true;
        }
        source = inner.source();
    }
    false
}

/// A TLS failure in words a reader can act on, when rustls names a certificate problem
/// (its own wording follows in parentheses): "invalid peer certificate: UnknownIssuer"
/// means nothing to most people who run a cron job.
fn tls_detail(err: &reqwest::Error, detail: String) -> String {
    match certificate_error(err).as_ref().and_then(certificate_words) {
        Some(words) => {
            let reason = detail
                .find("invalid peer certificate: ")
                .map_or(detail.as_str(), |at| &detail[at + "invalid peer certificate: ".len()..]);
            format!("{words} ({})", reason.trim_end())
        }
        None => detail,
    }
}

/// The certificate problem rustls reported somewhere in `err`'s sources. hyper-rustls
/// wraps it in an `io::Error`, which hyper-util wraps in another; an `io::Error`'s
/// `source()` skips the error it wraps, so each is opened with `get_ref`.
fn certificate_error(err: &reqwest::Error) -> Option<rustls::CertificateError> {
    let mut source = err.source();
    while let Some(inner) = source {
        let mut candidate: &(dyn std::error::Error + 'static) = inner;
        loop {
            if let Some(rustls::Error::InvalidCertificate(e)) = candidate.downcast_ref() {
                return Some(e.clone());
            }
            match candidate.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
                Some(wrapped) => candidate = wrapped,
                None => break,
            }
        }
        source = inner.source();
    }
    None
}

/// Plain words for the certificate problems a reader can act on.
fn certificate_words(e: &rustls::CertificateError) -> Option<&'static str> {
    use rustls::CertificateError as C;
    Some(match e {
        C::UnknownIssuer => {
            "the server's certificate is not signed by a trusted authority (self-signed?)"
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "the server's certificate is for another host name"
        }
        C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired",
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (is the clock right?)"
        }
        C::Revoked => "the server's certificate was revoked",
        C::BadSignature => "the server's certificate has a bad signature",
        _ => return None,
    })
}

/// TLS failures come from rustls, hyper-rustls and hyper-util in several shapes (a rustls
/// error, an alert, a plain-text reply to a ClientHello); besides the https connect-phase
/// rule above, they are recognised by their wording. The certificate problem itself is read
/// from the typed error ([`certificate_error`]).
fn looks_like_tls(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    ["certificate", "handshake", "tls", "peer sent"].iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_problems_are_put_in_plain_words() {
        use rustls::CertificateError as C;
        let words = |e: C| certificate_words(&e);
        assert_eq!(words(C::ExpiredRevocationList), None);
        assert_eq!(words(C::UnknownRevocationStatus), None);
        assert_eq!(words(C::Expired), Some("the server's certificate has expired"));
        assert_eq!(
            words(C::NotValidForName),
            Some("the server's certificate is for another host name")
        );
        assert_eq!(
            words(C::NotValidYet),
            Some("the server's certificate is not valid yet (is the clock right?)")
        );
        assert_eq!(words(C::Revoked), Some("the server's certificate was revoked"));
        // Real handshakes (self-signed, expired, another name) are in `fetch::tests`.
    }

    #[test]
    fn sizes_and_durations_read_exactly() {
        assert_eq!(format_size(10 * 1024 * 1024), "10 MiB");
        assert_eq!(format_size(64 * 1024), "64 KiB");
        assert_eq!(format_size(1500), "1500 bytes");
        assert_eq!(format_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500 ms");
    }

    #[test]
    fn messages_name_the_failure() {
        let status = |code: u16, retry: Option<u64>| {
            let mut headers = HeaderMap::new();
            if let Some(secs) = retry {
                headers.insert("retry-after", secs.to_string().parse().unwrap());
            }
            status_error(StatusCode::from_u16(code).unwrap(), &headers)
        };
        assert_eq!(status(404, None).to_string(), "HTTP 404 Not Found");
        assert_eq!(status(500, None).to_string(), "HTTP 500 Internal Server Error");
        assert_eq!(
            status(429, Some(120)).to_string(),
            "HTTP 429 Too Many Requests (retry after 120 s)"
        );
        assert_eq!(status(429, Some(120)).retry_after(), Some(Duration::from_secs(120)));
        // Retry-After is only honoured on 429/503.
        assert_eq!(status(500, Some(120)).retry_after(), None);
        assert_eq!(status(999, None).to_string(), "HTTP 999");
        assert_eq!(
            status(403, None).to_string(),
            "HTTP 403 Forbidden: unauthorized/forbidden (blocked?)"
        );
        assert_eq!(
            FetchError::Timeout { kind: TimeoutKind::Total, after: Duration::from_secs(30) }
                .to_string(),
            "timed out after 30 s"
        );
        assert_eq!(
            FetchError::BodyTooLarge { limit: 10 << 20 }.to_string(),
            "body exceeds 10 MiB after decompression"
        );
        assert_eq!(
            FetchError::Dns { host: "example.invalid".into() }.to_string(),
            "DNS lookup failed for example.invalid"
        );
    }

    #[test]
    fn bot_challenges_are_recognised_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("cf-mitigated", "challenge".parse().unwrap());
        let err = status_error(StatusCode::FORBIDDEN, &headers);
        assert!(matches!(err, FetchError::BotChallenge { code: 403, .. }), "{err}");
        assert_eq!(err.to_string(), "HTTP 403: blocked by a bot challenge");

        let mut headers = HeaderMap::new();
        headers.insert("server", "cloudflare".parse().unwrap());
        headers.insert("content-type", "text/html; charset=UTF-8".parse().unwrap());
        headers.insert("retry-after", "30".parse().unwrap());
        let err = status_error(StatusCode::SERVICE_UNAVAILABLE, &headers);
        assert_eq!(err.to_string(), "HTTP 503: blocked by a bot challenge (retry after 30 s)");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));

        // A Cloudflare-served 503 that is not HTML is an ordinary outage.
        let mut headers = HeaderMap::new();
        headers.insert("server", "cloudflare".parse().unwrap());
        let err = status_error(StatusCode::SERVICE_UNAVAILABLE, &headers);
        assert_eq!(err.to_string(), "HTTP 503 Service Unavailable");
    }
}
