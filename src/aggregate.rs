//! Feed sources: fetch (or read) other sites' feeds, keep their items in the
//! state database, and hand the pipeline every stored item of each source.
//!
//! One run: decide which sources are due (a source in backoff, or fetched
//! less than `every` ago, is skipped and its stored items are used); fetch
//! all due sources concurrently (the fetcher enforces the global and
//! per-host limits), decoding, parsing and filtering each on the blocking
//! pool as it arrives; and, once nothing waits on the network, store each
//! source's items and record its attempt as soon as it is parsed, all in
//! one transaction. A failing source is one
//! problem in its report, with the source id, URL and reason; its stored
//! items still appear, and no other source is affected. This module does not
//! print and does not write output files.

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{
    Config, FeedLocation, FeedSource, Fetch, HtmlSource, Site, Source, SourceKind, redact_url,
};
use crate::decode::{charset_of, decode};
use crate::fetch::{FetchOutcome, FetchRequest, FetchSettings, Fetcher, Validators};
use crate::model::Article;
use crate::pipeline::stable_id;
use crate::scrape::{ScrapeJob, scrape};
use crate::sources::feed::{FeedOptions, Filters, apply_filters, parse_feed};
use crate::sources::{Severity, SourceReport};
use crate::store::{Attempt, Encoded, SourceState, Store, StoreError, backoff};

/// What one feed source contributed to this run.
#[derive(Debug)]
pub struct FeedResult {
    pub report: SourceReport,
    /// Every stored item of the source (including ones no longer upstream),
    /// filtered, with undated items dated by when they were first seen.
    pub articles: Vec<Article>,
}

/// The body of a due source, or why there is none.
pub(crate) enum Fetched {
    Body {
        bytes: Vec<u8>,
        content_type: Option<String>,
        final_url: url::Url,
        validators: Validators,
    },
    /// A source's items: a feed's parsed (with their stored form, `encoded`,
    /// worked out on the parsing thread), an html source's extracted (and
    /// followed).
    Items {
        articles: Vec<Article>,
        /// [`Encoded`] of each of `articles`, or empty (then the store encodes).
        encoded: Vec<Encoded>,
        validators: Validators,
        warnings: Vec<String>,
    },
    NotModified,
    Failed {
        error: String,
        retry_after: Option<Duration>,
    },
}

/// Collects every enabled feed and html source of `config`: fetches (or
/// reads) the due ones, records them in `store`, and hands each source's
/// result to `recorded` as soon as it is recorded, in the order they finish
/// (the caller puts them in config order).
pub async fn collect(
    config: &Config,
    site: &Site,
    store: &mut Store,
    now: DateTime<Utc>,
    progress: bool,
    recorded: &mut dyn FnMut(&str, FeedResult),
) -> Result<(), StoreError> {
    let feeds: Vec<(&Source, Remote)> = config
        .sources
        .iter()
        .filter(|s| s.enabled)
        .filter_map(|s| match &s.kind {
            SourceKind::Feed(f) => Some((s, Remote::Feed(f))),
            SourceKind::Html(h) => Some((s, Remote::Html(h))),
            SourceKind::Records { .. } => None,
        })
        .collect();
    // What html sources already hold, so followed articles are not fetched again.
    let stored: Vec<Vec<Article>> = feeds
        .iter()
        .map(|(s, r)| match r {
            Remote::Html(h) if h.follow => {
                Ok(store.items(&s.id)?.into_iter().map(|i| i.article).collect())
            }
            _ => Ok(Vec::new()),
        })
        .collect::<Result<_, StoreError>>()?;
    let mut states: Vec<SourceState> =
        feeds.iter().map(|(s, _)| store.source(&s.id)).collect::<Result<_, _>>()?;
    for state in &mut states {
        let recorded = state.last_attempt.max(state.last_success);
        if let (Some(recorded), Some(_)) = (recorded, store.pull_back_future_times(state, now)?) {
            tracing::warn!(
                source = %state.id,
                "the last fetch was recorded at {}, after now ({}): the clock moved back; \
                 counting it as fetched now",
                recorded.format("%Y-%m-%d %H:%M:%S UTC"),
                now.format("%Y-%m-%d %H:%M:%S UTC")
            );
        }
    }
    // Built on first use: a run of local feed files never loads the system's
    // root certificates, which took milliseconds before any parsing began.
    let fetcher = std::sync::OnceLock::new();
    let fetcher = || fetcher.get_or_init(|| Fetcher::new(settings(&config.fetch, site))).as_ref();

    // A progress bar only on a terminal; logs and cron output stay plain.
    let bar = if progress {
        ProgressBar::new(feeds.len() as u64).with_style(
            ProgressStyle::with_template("fetching {pos}/{len} sources {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    } else {
        ProgressBar::hidden()
    };
    let bytes = AtomicU64::new(0);
    // Due sources that still wait on the network (a fetch, or an html
    // source's scrape); recording waits for them, see below.
    let network = AtomicUsize::new(
        feeds
            .iter()
            .zip(&states)
            .filter(|((_, remote), state)| {
                remote.uses_network() && skip_reason(remote, state, now).is_none()
            })
            .count(),
    );
    // Fetch every due source at once; the fetcher bounds the concurrency.
    let attempts = feeds.iter().zip(&states).zip(&stored).enumerate().map(
        |(i, (((source, remote), state), cached))| {
            let (bar, bytes, network) = (&bar, &bytes, &network);
            let attempt = async move {
                // Counted in `network` above: counted out exactly once, when
                // its network part is over, however the attempt ends (a
                // panic included), so recording never starts early or never.
                let skip = skip_reason(remote, state, now);
                let network_part =
                    NetworkPart((skip.is_none() && remote.uses_network()).then_some(network));
                #[cfg(test)]
                crate::fault::panic_if_named(&source.id, "fetch");
                let started = std::time::Instant::now();
                let outcome = match skip {
                    Some(reason) => (Some(reason), None),
                    None => match remote {
                        Remote::Feed(feed) => {
                            // A local file is read on the blocking thread that
                            // parses it, so its bytes are freed (and their
                            // memory reused) before the next file is read,
                            // instead of every file being held at once.
                            let fetched = match &feed.location {
                                FeedLocation::Url(url) => {
                                    let fetched = fetch_one(fetcher(), url, feed, state).await;
                                    drop(network_part);
                                    Some(fetched)
                                }
                                FeedLocation::Path { .. } => None,
                            };
                            // Parse on the blocking pool while other fetches
                            // still wait on the network.
                            let (source, feed, link) =
                                ((*source).clone(), (*feed).clone(), site.link.clone());
                            let etag = state.etag.clone();
                            // While other sources still wait on the network
                            // nothing is recorded, and items encoded now
                            // would only wait beside themselves in memory
                            // (500 fetched feeds: 290 -> 370 MiB); the store
                            // encodes those itself when their turn comes.
                            let encode = network.load(Ordering::Acquire) == 0;
                            let parsed = tokio::task::spawn_blocking(move || {
                                #[cfg(test)]
                                crate::fault::panic_if_named(&source.id, "parse");
                                let fetched = match (fetched, &feed.location) {
                                    (Some(fetched), _) => fetched,
                                    (None, FeedLocation::Path { path, .. }) => {
                                        read_file(path, etag.as_deref())
                                    }
                                    (None, FeedLocation::Url(_)) => Fetched::Failed {
                                        error: "internal error: feed was not fetched".to_owned(),
                                        retry_after: None,
                                    },
                                };
                                parse_body(fetched, &source, &feed, &link, now, encode)
                            })
                            .await
                            .unwrap_or_else(|e| Fetched::Failed {
                                error: format!("internal error while parsing: {e}"),
                                retry_after: None,
                            });
                            (None, Some(parsed))
                        }
                        Remote::Html(html) => {
                            let job = ScrapeJob {
                                source,
                                html,
                                site_link: &site.link,
                                now,
                                cached,
                                names: &config.names,
                            };
                            let scraped = scrape(fetcher(), job, state).await;
                            drop(network_part);
                            (None, Some(scraped))
                        }
                    },
                };
                let (size, what) = match &outcome.1 {
                    Some(Fetched::Body { bytes, .. }) => (bytes.len() as u64, "fetched".to_owned()),
                    Some(Fetched::Items { articles, .. }) => {
                        (0, format!("{} items", articles.len()))
                    }
                    Some(Fetched::NotModified) => (0, "not modified".to_owned()),
                    Some(Fetched::Failed { error, .. }) => (0, format!("failed: {error}")),
                    None => (0, "skipped".to_owned()),
                };
                tracing::debug!(
                    source = %source.id,
                    location = %remote.location().display(),
                    bytes = size,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "{what}"
                );
                let total = bytes.fetch_add(size, Ordering::Relaxed) + size;
                bar.set_message(format!("{:.1} MiB", total as f64 / (1024.0 * 1024.0)));
                bar.inc(1);
                outcome
            };
            // A bug that panics while reading one source fails that source
            // alone, like any other error, instead of ending the run.
            AssertUnwindSafe(attempt).catch_unwind().map(move |result| {
                let outcome = result.unwrap_or_else(|_| {
                    let error = "internal error: reading this source panicked".to_owned();
                    (None, Some(Fetched::Failed { error, retry_after: None }))
                });
                (i, outcome)
            })
        },
    );
    let mut pending: FuturesUnordered<_> = attempts.collect();

    // One transaction for the run's bookkeeping (see `Store::batch`). It is
    // opened once no source waits on the network any more, so the write
    // lock is never held across a fetch; from then on each source is
    // recorded as soon as it is parsed, while the blocking pool still parses
    // the others, instead of all of them one after the other at the end.
    let mut store = Some(store);
    let mut batch = None;
    let mut ready: Vec<Option<Outcome>> = feeds.iter().map(|_| None).collect();
    let mut record = |batch: &mut Store, ready: &mut [Option<Outcome>]| {
        for (i, outcome) in ready.iter_mut().enumerate() {
            if let Some(outcome) = outcome.take() {
                let (source, remote) = &feeds[i];
                let result = record_one(batch, config, source, remote, &states[i], outcome, now)?;
                recorded(&source.id, result);
            }
        }
        Ok::<_, StoreError>(())
    };
    while let Some((i, outcome)) = pending.next().await {
        ready[i] = Some(outcome);
        if network.load(Ordering::Acquire) == 0 {
            let batch = match &mut batch {
                Some(batch) => batch,
                None => batch.insert(store.take().expect("one batch per run").begin()?),
            };
            record(batch, &mut ready)?;
        }
    }
    bar.finish_and_clear();
    let mut batch = match batch {
        Some(batch) => batch,
        None => store.take().expect("one batch per run").begin()?,
    };
    record(&mut batch, &mut ready)?;
    // Only sources removed from the config are forgotten: a disabled source
    // keeps its history for when it is enabled again.
    let keep: Vec<&str> = config
        .sources
        .iter()
        .filter(|s| !matches!(s.kind, SourceKind::Records { .. }))
        .map(|s| s.id.as_str())
        .collect();
    batch.forget_other_sources(&keep)?;
    batch.commit()?;
    Ok(())
}

/// What a source's attempt came back with: why it was skipped, or what was
/// fetched (and parsed).
type Outcome = (Option<String>, Option<Fetched>);

/// Records one source's outcome, applies its retention, and reads back every
/// item it has stored.
fn record_one(
    store: &mut Store,
    config: &Config,
    source: &Source,
    remote: &Remote,
    state: &SourceState,
    (skipped, fetched): Outcome,
    now: DateTime<Utc>,
) -> Result<FeedResult, StoreError> {
    let mut report = SourceReport::new(&source.id);
    let location = remote.location().display();
    if let Some(reason) = skipped {
        // A feed that is gone upstream (410) is a warning on every run
        // until the config changes, not a quiet note.
        let gone = state.last_error.as_deref().is_some_and(|e| e.contains(GONE));
        let severity = if gone { Severity::Warning } else { Severity::Note };
        let reason = match &state.last_error {
            Some(e) if gone => format!("{reason}; last error: {e}"),
            _ => reason,
        };
        report.problem(severity, location.clone(), reason);
    }
    let fresh = match fetched {
        Some(fetched) => store_fetched(store, source, remote, state, fetched, now, &mut report)?,
        None => Vec::new(),
    };
    let channel = source.channel.as_ref().and_then(|c| config.channel(c));
    let (keep_days, keep_items) = channel.map_or((None, 500), |c| (c.keep_days, c.keep_items));
    store.prune(&source.id, keep_days, Some(keep_items), now)?;
    let articles = stored_articles_reusing(store, source, now, fresh)?;
    report.read = articles.len();
    Ok(FeedResult { report, articles })
}

/// Fetcher settings from `[fetch]`, with the User-Agent naming the site.
fn settings(fetch: &Fetch, site: &Site) -> FetchSettings {
    FetchSettings {
        concurrency: fetch.concurrency,
        per_host: fetch.per_host,
        connect_timeout: fetch.connect_timeout,
        read_timeout: fetch.read_timeout,
        timeout: fetch.timeout,
        max_body: fetch.max_body,
        max_redirects: fetch.max_redirects,
        user_agent: format!("feedwright/{} (+{})", env!("CARGO_PKG_VERSION"), site.link),
    }
}

/// Why a source is not fetched this run, if it is not.
fn skip_reason(remote: &Remote, state: &SourceState, now: DateTime<Utc>) -> Option<String> {
    // Local files are cheap to read: no politeness interval applies.
    if matches!(remote.location(), FeedLocation::Path { .. }) {
        return None;
    }
    if let Some(retry_at) = state.retry_at.filter(|t| *t > now) {
        return Some(format!(
            "in backoff after {} failure(s) until {}; using {} stored items",
            state.failures,
            retry_at.format("%Y-%m-%d %H:%M:%S UTC"),
            state.items
        ));
    }
    let every = remote.every();
    // Checked: a date plus a huge interval must not panic; it just means
    // "not due".
    let due_at = |last: DateTime<Utc>| {
        chrono::Duration::from_std(every).ok().and_then(|d| last.checked_add_signed(d))
    };
    match state.last_success {
        Some(last) if !every.is_zero() && due_at(last).is_none_or(|t| t > now) => Some(format!(
            "fetched less than {} ago; using {} stored items",
            humantime::format_duration(every),
            state.items
        )),
        _ => None,
    }
}

/// A source that is fetched and remembered: another site's feed or page.
#[derive(Clone, Copy)]
enum Remote<'a> {
    Feed(&'a FeedSource),
    Html(&'a HtmlSource),
}

/// A due source's hold on `network` (see `collect`): dropping it counts the
/// source out.
struct NetworkPart<'a>(Option<&'a AtomicUsize>);

impl Drop for NetworkPart<'_> {
    fn drop(&mut self) {
        if let Some(network) = self.0.take() {
            network.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Remote<'_> {
    /// Whether fetching it may wait on the network: a feed at a URL, and
    /// every html source (a local page may still follow links to articles).
    fn uses_network(&self) -> bool {
        match self {
            Remote::Feed(f) => matches!(f.location, FeedLocation::Url(_)),
            Remote::Html(_) => true,
        }
    }

    fn location(&self) -> &FeedLocation {
        match self {
            Remote::Feed(f) => &f.location,
            Remote::Html(h) => &h.location,
        }
    }

    fn every(&self) -> Duration {
        match self {
            Remote::Feed(f) => f.every,
            Remote::Html(h) => h.every,
        }
    }

    fn filters(&self) -> Filters {
        match self {
            Remote::Feed(f) => filters(f),
            Remote::Html(_) => Filters::default(),
        }
    }
}

async fn fetch_one(
    fetcher: Result<&Fetcher, &crate::fetch::FetchError>,
    url: &url::Url,
    feed: &FeedSource,
    state: &SourceState,
) -> Fetched {
    let fetcher = match fetcher {
        Ok(f) => f,
        Err(e) => return Fetched::Failed { error: e.to_string(), retry_after: None },
    };
    let validators =
        Validators { etag: state.etag.clone(), last_modified: state.last_modified.clone() };
    let request = FetchRequest { url, validators: &validators, allow_private: feed.allow_private };
    match fetcher.fetch(request).await {
        Ok(FetchOutcome::NotModified) => Fetched::NotModified,
        Ok(FetchOutcome::Fetched(body)) => Fetched::Body {
            bytes: body.body,
            content_type: body.content_type,
            final_url: body.final_url,
            validators: body.validators,
        },
        Err(e) => Fetched::Failed { retry_after: e.retry_after(), error: describe(&e) },
    }
}

/// Reads a local feed file; `etag` is the tag stored for it last time.
fn read_file(path: &Path, etag: Option<&str>) -> Fetched {
    let read = std::fs::read(path).map(|bytes| {
        let tag = file_tag(&bytes);
        (bytes, tag)
    });
    match read {
        // A file whose bytes have not changed is "not modified", like a
        // 304: nothing to parse or store again.
        Ok((_, tag)) if etag == Some(tag.as_str()) => Fetched::NotModified,
        Ok((bytes, tag)) => {
            // Relative links in a local feed resolve against its file URL.
            let final_url =
                file_url(path).unwrap_or_else(|| url::Url::parse("file:///").expect("static URL"));
            Fetched::Body {
                validators: Validators { etag: Some(tag), last_modified: None },
                bytes,
                content_type: None,
                final_url,
            }
        }
        Err(e) => Fetched::Failed { error: format!("cannot read file: {e}"), retry_after: None },
    }
}

/// Decodes, parses, filters and stores one fetched body, and records the
/// attempt; a failure at any step is recorded the same way as a failed fetch.
fn store_fetched(
    store: &mut Store,
    source: &Source,
    remote: &Remote,
    state: &SourceState,
    fetched: Fetched,
    now: DateTime<Utc>,
    report: &mut SourceReport,
) -> Result<Vec<Article>, StoreError> {
    let location = remote.location().display();
    let mut fresh = Vec::new();
    let outcome = match (fetched, *remote) {
        (Fetched::NotModified, _) => Ok(Attempt::NotModified { at: now }),
        (Fetched::Items { articles, encoded, validators, warnings }, _) => {
            for w in warnings {
                // The parser names the document it read; when that is the
                // source's own location, the problem already says it.
                let w = match w.strip_prefix(location.as_str()) {
                    Some(rest) => rest.strip_prefix(':').unwrap_or(rest).trim_start().to_owned(),
                    None => w,
                };
                report.problem(Severity::Warning, location.clone(), w);
            }
            store.upsert_encoded(&source.id, &articles, &encoded, now)?;
            fresh = articles;
            Ok(Attempt::Fetched {
                at: now,
                etag: validators.etag,
                last_modified: validators.last_modified,
                status: match remote.location() {
                    FeedLocation::Url(_) => "200 OK",
                    FeedLocation::Path { .. } => "read",
                }
                .to_owned(),
            })
        }
        (Fetched::Failed { error, retry_after }, _) => Err((error, retry_after)),
        // Fetch tasks turn every body into items (or a failure) already.
        (Fetched::Body { .. }, _) => {
            Err(("internal error: document body was not parsed".to_owned(), None))
        }
    };
    let attempt = match outcome {
        Ok(attempt) => attempt,
        Err((error, retry_after)) => {
            report.failed = Some(format!("{location}: {error}"));
            // Retry-After wins; otherwise back off once failures pile up.
            let delay = retry_after.or_else(|| backoff(&source.id, state.failures + 1));
            let retry_at = delay.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| now + d);
            Attempt::Failed { at: now, error, retry_at }
        }
    };
    store.record_attempt(&source.id, &attempt)?;
    Ok(fresh)
}

/// The `file:` URL of a source's path (already resolved against the config
/// directory), as the base for relative links in a local document.
pub(crate) fn file_url(path: &Path) -> Option<url::Url> {
    std::path::absolute(path).ok().and_then(|p| url::Url::from_file_path(p).ok())
}

/// Added to a 410's message; also how a later run recognises a gone feed.
const GONE: &str = "the feed is gone upstream; remove the source or change its url";

/// A fetch error for messages and the state: a 410 says what to do.
pub(crate) fn describe(e: &crate::fetch::FetchError) -> String {
    if e.status() == Some(410) { format!("{e}: {GONE}") } else { e.to_string() }
}

/// A validator for a local file: a hash of its bytes (XXH3-64), stored where
/// an HTTP source keeps its ETag. (Until 2026-11 it was FNV-1a, a serial
/// multiply per 8 bytes that took a twentieth of a large merge; the change
/// makes every local feed count as changed once.)
fn file_tag(bytes: &[u8]) -> String {
    format!("xxh3:{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// Decodes, parses and filters a fetched feed body into items with their
/// stable ids, and with their stored form if `encode`; anything else passes
/// through unchanged.
fn parse_body(
    fetched: Fetched,
    source: &Source,
    feed: &FeedSource,
    site_link: &url::Url,
    now: DateTime<Utc>,
    encode: bool,
) -> Fetched {
    let Fetched::Body { bytes, content_type, final_url, validators } = fetched else {
        return fetched;
    };
    let charset = content_type.as_deref().and_then(charset_of);
    let decoded = match decode(&bytes, charset) {
        Ok(d) => d,
        Err(e) => return Fetched::Failed { error: e.to_string(), retry_after: None },
    };
    let shown = match &feed.location {
        FeedLocation::Url(_) => redact_url(&final_url),
        FeedLocation::Path { pattern, .. } => pattern.clone(),
    };
    let opts = FeedOptions {
        source_id: &source.id,
        location: &shown,
        base: &final_url,
        tz: source.timezone,
        max_items: feed.max_items,
        content_type: content_type.as_deref(),
    };
    match parse_feed(&decoded.text, &opts) {
        Ok(parsed) => {
            let mut articles = apply_filters(parsed.articles, &filters(feed), now);
            // The store keys items by their stable id, so give them the one
            // the pipeline will use.
            if let Some(channel) = &source.channel {
                for a in &mut articles {
                    a.id = stable_id(a, channel, site_link);
                }
            }
            // Serialising and hashing items here spreads it over the parsing
            // threads; the one thread that writes the store only writes. One
            // that cannot be encoded is left to the store, which says so.
            let encoded: Result<Vec<Encoded>, _> =
                if encode { articles.iter().map(Encoded::new).collect() } else { Ok(Vec::new()) };
            let encoded = encoded.unwrap_or_default();
            let mut warnings: Vec<String> = decoded.warning.into_iter().collect();
            warnings.extend(parsed.warnings);
            Fetched::Items { articles, encoded, validators, warnings }
        }
        Err(e) => Fetched::Failed { error: e.to_string(), retry_after: None },
    }
}

fn filters(feed: &FeedSource) -> Filters {
    Filters {
        include: feed.include.clone(),
        exclude: feed.exclude.clone(),
        max_age: feed.max_age,
        max_items: Some(feed.max_items),
    }
}

/// The source's stored items as articles: filtered again (the filters may
/// have changed since they were stored), undated ones dated by first sight.
pub(crate) fn stored_articles(
    store: &Store,
    source: &Source,
    now: DateTime<Utc>,
) -> Result<Vec<Article>, StoreError> {
    stored_articles_reusing(store, source, now, Vec::new())
}

/// [`stored_articles`], reusing the items just fetched and stored for the
/// source instead of decoding them back (see [`Store::items_reusing`]).
fn stored_articles_reusing(
    store: &Store,
    source: &Source,
    now: DateTime<Utc>,
    fresh: Vec<Article>,
) -> Result<Vec<Article>, StoreError> {
    let remote = match &source.kind {
        SourceKind::Feed(f) => Remote::Feed(f),
        SourceKind::Html(h) => Remote::Html(h),
        SourceKind::Records { .. } => return Ok(Vec::new()),
    };
    let items = store.items_reusing(&source.id, fresh)?;
    let articles: Vec<Article> = items
        .into_iter()
        .map(|item| {
            let mut a = item.article;
            let first_seen = item.first_seen.with_timezone(&FixedOffset::east_opt(0).expect("UTC"));
            // A date more than a day ahead (a typo, a wrong zone, "2100")
            // would pin the item to the top of the channel for years; such an
            // item is dated when it was first seen instead, like an undated one.
            let future = now + chrono::Duration::days(1);
            if a.date().is_some_and(|d| d > future) {
                a.published = None;
                a.updated = None;
            }
            if a.date().is_none() {
                // First sight is stable across runs, unlike "now".
                a.published = Some(first_seen);
            }
            a.origin.source = source.id.clone();
            a
        })
        .collect();
    Ok(apply_filters(articles, &Filters { max_items: None, ..remote.filters() }, now))
}
