//! The only module that touches the network: one bounded, polite, SSRF-guarded HTTP GET per
//! [`Fetcher::fetch`] call, returning the raw (decompressed) body or a named [`FetchError`].
//! It enforces the limits of the reliability contract (§3): time, decoded size, redirects,
//! concurrency overall and per host, and the private-address guard checked on resolved
//! addresses and on every redirect hop. It must not parse feeds, decode text, store state,
//! retry or schedule backoff (the caller does that from [`FetchError::retry_after`]), print,
//! or put credentials from a URL into any message or log line.
//!
//! Layout: `guard` holds the SSRF rules (address classes, resolver, redirect policy),
//! `error` the error type and the mapping from reqwest's errors, `retry_after` the pure
//! `Retry-After` parser.

mod error;
mod guard;
mod retry_after;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

pub use error::{FetchError, TimeoutKind};
pub use guard::is_private;
pub use retry_after::{MAX_RETRY_AFTER, parse_retry_after};

/// The largest `max_body` a configuration may ask for (contract §3: 10 MiB default, 100 MiB
/// hard maximum), so no setting can make one fetch hold unbounded memory.
pub const MAX_BODY_CEILING: u64 = 100 * 1024 * 1024;

/// The most header lines a response may have (contract RES-09). hyper's own default for HTTP/1,
/// set explicitly so the error message can name it.
const MAX_RESPONSE_HEADERS: usize = 100;

/// The most bytes a response head may take. For HTTP/1 this is hyper's read buffer limit, which
/// reqwest does not let us change; HTTP/2 gets the same bound, where hyper's default would allow
/// 16 MiB of headers.
const MAX_RESPONSE_HEADER_BYTES: u32 = 8192 + 4096 * 100;

/// What the fetcher asks for: feed formats first, then anything (a feed is sniffed from its
/// body whatever its Content-Type, contract NET-13).
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
    application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

/// Limits and identity; every field has the documented default (see the [`Default`] impl).
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Fetches in flight overall (default 8). Bounds sockets and memory with thousands of
    /// sources (contract RES-07).
    pub concurrency: usize,
    /// Fetches in flight per host name (default 2), so many sources on one host do not
    /// hammer it (miniflux `POLLING_LIMIT_PER_HOST`).
    pub per_host: usize,
    /// TCP + TLS connect phase (default 10 s): a dead host fails fast instead of eating the
    /// whole request budget.
    pub connect_timeout: Duration,
    /// Longest gap between two reads (default 15 s): catches a stalled connection early.
    pub read_timeout: Duration,
    /// Whole request, redirects and body included (default 30 s). The only bound a slow-drip
    /// server cannot defeat by sending one byte just inside `read_timeout`.
    pub timeout: Duration,
    /// Body size limit in bytes (default 10 MiB), counted after gzip/deflate/br decoding so
    /// a compression bomb stops at the limit; at most [`MAX_BODY_CEILING`].
    pub max_body: u64,
    /// Redirect hops followed (default 5); each hop is re-checked (scheme, downgrade, SSRF).
    pub max_redirects: usize,
    /// The `User-Agent` header: `feedwright/<version> (+<site link>)`, built by the caller;
    /// the default has no site link.
    pub user_agent: String,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            concurrency: 8,
            per_host: 2,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            max_body: 10 * 1024 * 1024,
            max_redirects: 5,
            user_agent: format!("feedwright/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// HTTP cache validators from the last successful fetch, sent back as `If-None-Match` /
/// `If-Modified-Since` so an unchanged feed costs a 304 and no reparse.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    /// The `ETag` header, verbatim (weak `W/"…"` tags included).
    pub etag: Option<String>,
    /// The `Last-Modified` header, verbatim.
    pub last_modified: Option<String>,
}

impl Validators {
    /// True when there is nothing to send, i.e. no stored copy to revalidate.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// One fetch to perform.
#[derive(Debug, Clone, Copy)]
pub struct FetchRequest<'a> {
    /// The http or https URL. Userinfo (`user:pass@`) is sent as Basic auth and dropped by
    /// reqwest if a redirect changes host.
    pub url: &'a Url,
    /// Validators from the stored copy; empty when there is none.
    pub validators: &'a Validators,
    /// Allow private, loopback and link-local targets (the source's `allow_private`).
    pub allow_private: bool,
}

/// What a successful fetch produced.
#[derive(Debug)]
pub enum FetchOutcome {
    /// 304: nothing changed upstream; the caller reuses stored items.
    NotModified,
    /// A 2xx with a non-empty body.
    Fetched(FetchedBody),
}

/// A fetched, decompressed, size-checked body.
#[derive(Debug)]
pub struct FetchedBody {
    /// The decoded bytes (at most `max_body`, never empty). Charset decoding is the caller's.
    pub body: Vec<u8>,
    /// The URL after redirects, with any userinfo removed so it cannot leak into outputs
    /// when used as a base for relative links.
    pub final_url: Url,
    /// The `Content-Type` header, verbatim; only a hint (the body is sniffed).
    pub content_type: Option<String>,
    /// Validators to store for the next fetch.
    pub validators: Validators,
    /// The 2xx status code.
    pub status: u16,
}

/// Performs fetches under the configured limits. Cheap to share (`&Fetcher` across tasks);
/// build one per run so the connection pools and per-host limits are shared.
pub struct Fetcher {
    settings: FetchSettings,
    /// Refuses private targets: guarded resolver + redirect policy with the SSRF check.
    strict: reqwest::Client,
    /// For sources with `allow_private = true`: same limits, no address check.
    permissive: reqwest::Client,
    global: Arc<Semaphore>,
    /// Lazily created per-host semaphores, keyed by lower-case host name.
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Above this many idle per-host entries the map is pruned, so a long-running daemon with
/// changing sources does not grow it forever.
const HOST_MAP_PRUNE_AT: usize = 1024;

impl Fetcher {
    /// Builds the two HTTP clients. Fails with [`FetchError::Settings`] if a limit is zero,
    /// `max_body` exceeds [`MAX_BODY_CEILING`], or the user agent is not a valid header value.
    pub fn new(settings: FetchSettings) -> Result<Fetcher, FetchError> {
        validate(&settings)?;
        let strict = build_client(client_builder(&settings, false))?;
        let permissive = build_client(client_builder(&settings, true))?;
        Ok(Fetcher {
            global: Arc::new(Semaphore::new(settings.concurrency)),
            hosts: Mutex::new(HashMap::new()),
            settings,
            strict,
            permissive,
        })
    }

    /// A fetcher whose strict client resolves each of `names` to its address without asking
    /// the guard, as if public DNS had answered with a public address. Only the tests use it:
    /// every test server listens on loopback, which the guard refuses, so without a stand-in
    /// for a public host a strict fetch could never get far enough to be redirected, and the
    /// refusal of a redirect to a private address (contract NET-12) could not be shown on a
    /// real request. Everything else the strict client does, the guarded resolver for every
    /// other name and the redirect policy included, is unchanged. Test-only so that no
    /// configuration or environment can ever exempt an address from the guard.
    #[cfg(test)]
    pub(crate) fn with_public_names(
        settings: FetchSettings,
        names: &[(&str, std::net::SocketAddr)],
    ) -> Result<Fetcher, FetchError> {
        validate(&settings)?;
        let mut strict = client_builder(&settings, false);
        for &(name, addr) in names {
            // reqwest answers these names itself and never calls our resolver for them.
            strict = strict.resolve(name, addr);
        }
        let mut fetcher = Fetcher::new(settings)?;
        fetcher.strict = build_client(strict)?;
        Ok(fetcher)
    }

    /// The settings this fetcher enforces.
    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    /// Fetches one URL. Waits for a per-host and a global slot first (the waiting does not
    /// count against `timeout`), then performs a conditional GET bounded by `timeout` as a
    /// whole. Returns [`FetchOutcome::NotModified`] on a 304 answering sent validators.
    pub async fn fetch(&self, req: FetchRequest<'_>) -> Result<FetchOutcome, FetchError> {
        let url = req.url;
        let host = check_target(url, req.allow_private)?;

        // Per-host first: a task waiting for a busy host must not sit on a global slot that
        // another host's fetch could use.
        let _host_permit = acquire(self.host_semaphore(&host)).await?;
        let _global_permit = acquire(Arc::clone(&self.global)).await?;

        let started = Instant::now();
        // reqwest's own `timeout` covers the request too; this outer bound also covers our
        // body loop, so no sequence of slow chunks can run past the deadline.
        let result = tokio::time::timeout(self.settings.timeout, self.run(req, started)).await;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(_) => {
                Err(FetchError::Timeout { kind: TimeoutKind::Total, after: self.settings.timeout })
            }
        };
        match &outcome {
            Ok(FetchOutcome::NotModified) => {
                tracing::debug!(url = %redact_url(url), "fetch: 304 not modified");
            }
            Ok(FetchOutcome::Fetched(body)) => tracing::debug!(
                url = %redact_url(url),
                status = body.status,
                bytes = body.body.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "fetch: ok"
            ),
            Err(err) => tracing::debug!(url = %redact_url(url), error = %err, "fetch: failed"),
        }
        outcome
    }

    async fn run(
        &self,
        req: FetchRequest<'_>,
        started: Instant,
    ) -> Result<FetchOutcome, FetchError> {
        let settings = &self.settings;
        let client = if req.allow_private { &self.permissive } else { &self.strict };
        let conditional = conditional_headers(req.validators);
        let sent_validators = !conditional.is_empty();

        let mut response = client
            .get(req.url.clone())
            .header(header::ACCEPT, ACCEPT)
            .headers(conditional)
            .send()
            .await
            .map_err(|err| error::classify(&err, settings, started.elapsed()))?;

        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return if sent_validators {
                Ok(FetchOutcome::NotModified)
            } else {
                Err(FetchError::UnsolicitedNotModified)
            };
        }
        if status.as_u16() > 599 {
            // hyper accepts any three digits; nothing above 599 means anything in HTTP.
            let code = status.as_u16();
            return Err(FetchError::Protocol(format!("status code {code} is outside 100-599")));
        }
        if status.as_u16() >= 400 {
            return Err(error::status_error(status, response.headers()));
        }
        if status.is_redirection() {
            // The redirect policy follows every 3xx whose Location is an http(s) URL; what
            // reaches here had none, an unparsable one, or one with another scheme (`file:`,
            // `javascript:` never become a request URI, so the policy never sees them).
            let location = header_string(response.headers(), header::LOCATION);
            if let Some(next) = location.and_then(|l| response.url().join(&l).ok())
                && next.scheme() != "http"
                && next.scheme() != "https"
            {
                return Err(FetchError::RedirectScheme(next.scheme().to_owned()));
            }
            return Err(FetchError::BadRedirect { code: status.as_u16() });
        }
        if !status.is_success() {
            return Err(FetchError::UnexpectedStatus(status.as_u16()));
        }

        // The decompression layer removes Content-Encoding when it decodes; one that survives
        // (stacked `gzip, gzip`, or a coding we do not speak) would hand compressed bytes to
        // the charset decoder and the parser as if they were text.
        if let Some(coding) = header_string(response.headers(), header::CONTENT_ENCODING)
            && !coding.trim().eq_ignore_ascii_case("identity")
        {
            return Err(FetchError::Decode {
                detail: format!("unsupported Content-Encoding \"{coding}\""),
            });
        }

        // reqwest knows the exact length only for identity-encoded bodies; a compressed body
        // has no exact size hint and is caught by the decoded count below instead.
        if let Some(declared) = response.content_length()
            && declared > settings.max_body
        {
            return Err(FetchError::ContentLengthTooLarge { declared, limit: settings.max_body });
        }

        let headers = response.headers();
        let content_type = header_string(headers, header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_string(headers, header::ETAG),
            last_modified: header_string(headers, header::LAST_MODIFIED),
        };
        let final_url = strip_credentials(response.url());

        // Preallocate only what the server announced and the limit allows: never trust an
        // unchecked length for an allocation.
        let capacity = response.content_length().unwrap_or(0).min(settings.max_body);
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|err| error::classify(&err, settings, started.elapsed()))?;
            let Some(chunk) = chunk else { break };
            if body.len() as u64 + chunk.len() as u64 > settings.max_body {
                return Err(FetchError::BodyTooLarge { limit: settings.max_body });
            }
            body.extend_from_slice(&chunk);
        }
        if body.is_empty() {
            return Err(FetchError::EmptyBody);
        }
        Ok(FetchOutcome::Fetched(FetchedBody {
            body,
            final_url,
            content_type,
            validators,
            status: status.as_u16(),
        }))
    }

    fn host_semaphore(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(semaphore) = hosts.get(host) {
            return Arc::clone(semaphore);
        }
        if hosts.len() >= HOST_MAP_PRUNE_AT {
            // Only the map holds an idle entry; anything else means a fetch holds or awaits it.
            hosts.retain(|_, semaphore| Arc::strong_count(semaphore) > 1);
        }
        let semaphore = Arc::new(Semaphore::new(self.settings.per_host));
        hosts.insert(host.to_owned(), Arc::clone(&semaphore));
        semaphore
    }
}

/// `url` with any `user:password@` removed, for logs and messages. Every URL this module
/// shows anywhere goes through here; callers should use it too.
pub fn redact_url(url: &Url) -> String {
    crate::config::redact_url(url)
}

fn strip_credentials(url: &Url) -> Url {
    let mut clean = url.clone();
    if clean.has_authority() {
        // Both only fail for URLs without a host, which have no credentials to strip.
        let _ = clean.set_username("");
        let _ = clean.set_password(None);
    }
    clean
}

/// Rejects before any I/O what can be judged from the URL alone: scheme, missing host, and
/// literal private IPs (reqwest connects to IP literals without consulting the resolver).
/// Returns the per-host key.
fn check_target(url: &Url, allow_private: bool) -> Result<String, FetchError> {
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return Err(FetchError::UnsupportedScheme { scheme: scheme.to_owned() });
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or(FetchError::NoHost)?;
    if !allow_private
        && let Some(addr) = guard::literal_ip(url)
        && is_private(addr)
    {
        return Err(FetchError::PrivateAddress { addr, host: None });
    }
    Ok(host.to_ascii_lowercase())
}

async fn acquire(semaphore: Arc<Semaphore>) -> Result<OwnedSemaphorePermit, FetchError> {
    // The semaphores are never closed, so this cannot fail in practice.
    semaphore.acquire_owned().await.map_err(|_| FetchError::Other("fetch slots closed".to_owned()))
}

/// `If-None-Match` / `If-Modified-Since` from the stored validators. A stored value that is
/// not a valid header value (control characters) is skipped rather than failing the fetch.
fn conditional_headers(validators: &Validators) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let pairs = [
        (header::IF_NONE_MATCH, &validators.etag),
        (header::IF_MODIFIED_SINCE, &validators.last_modified),
    ];
    for (name, value) in pairs {
        if let Some(value) = value
            && let Ok(value) = HeaderValue::from_str(value)
        {
            headers.insert(name, value);
        }
    }
    headers
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn validate(settings: &FetchSettings) -> Result<(), FetchError> {
    let problem = if settings.concurrency == 0 {
        "concurrency must be at least 1".to_owned()
    } else if settings.per_host == 0 {
        "per_host must be at least 1".to_owned()
    } else if settings.max_body == 0 || settings.max_body > MAX_BODY_CEILING {
        format!("max_body must be between 1 byte and {}", error::format_size(MAX_BODY_CEILING))
    } else if settings.timeout.is_zero()
        || settings.connect_timeout.is_zero()
        || settings.read_timeout.is_zero()
    {
        "timeouts must be longer than zero".to_owned()
    } else if HeaderValue::from_str(&settings.user_agent).is_err() {
        "user_agent is not a valid header value".to_owned()
    } else {
        return Ok(());
    };
    Err(FetchError::Settings(problem))
}

fn client_builder(settings: &FetchSettings, allow_private: bool) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(settings.user_agent.as_str())
        .connect_timeout(settings.connect_timeout)
        .read_timeout(settings.read_timeout)
        .timeout(settings.timeout)
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        .http2_max_header_list_size(MAX_RESPONSE_HEADER_BYTES)
        .redirect(guard::redirect_policy(settings.max_redirects, allow_private))
        .dns_resolver(guard::GuardedResolver { strict: !allow_private })
        // A proxy would resolve the target itself, bypassing the resolved-address check; and
        // an environment proxy should not silently reroute feed fetches.
        .no_proxy()
        .referer(false)
        .gzip(true)
        .deflate(true)
        .brotli(true)
}

fn build_client(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, FetchError> {
    #[cfg(test)]
    let builder = match test_roots::get() {
        Some(roots) => builder.tls_certs_only(roots),
        None => builder,
    };
    builder.build().map_err(|err| FetchError::Settings(format!("cannot build HTTP client: {err}")))
}

/// Root certificates that fetchers built on this thread trust instead of the
/// system's, so tests can run a TLS server the client accepts.
#[cfg(test)]
pub(crate) mod test_roots {
    use std::cell::RefCell;

    thread_local! {
        static ROOTS: RefCell<Option<Vec<reqwest::Certificate>>> = const { RefCell::new(None) };
    }

    /// Trust only `pem` (one or more certificates) on this thread until the
    /// returned guard is dropped.
    #[must_use]
    pub(crate) fn set(pem: &[u8]) -> Reset {
        let roots = reqwest::Certificate::from_pem_bundle(pem).expect("test roots are PEM");
        ROOTS.with_borrow_mut(|r| *r = Some(roots));
        Reset
    }

    /// Back to the system's roots when dropped (a test thread may run others).
    pub(crate) struct Reset;

    impl Drop for Reset {
        fn drop(&mut self) {
            ROOTS.with_borrow_mut(|r| *r = None);
        }
    }

    pub(super) fn get() -> Option<Vec<reqwest::Certificate>> {
        ROOTS.with_borrow(Clone::clone)
    }
}
