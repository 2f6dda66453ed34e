//! Parses another site's feed (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1), already
//! decoded to text by [`crate::decode`], into [`Article`]s, and filters them ([`apply_filters`]).
//!
//! The parsing itself is feed-rs's (on quick-xml); this module wraps it with what a merger of
//! untrusted feeds needs: a content sniff that tells an HTML page or arbitrary JSON from a feed
//! and never reports such a page as "0 items"; a single linear pre-scan of XML that bounds
//! nesting depth, repairs what is safe to repair (HTML named entities such as `&nbsp;` become
//! numeric references, a bare `&` or `<` in text becomes `&amp;`/`&lt;`, illegal character
//! references are dropped) and finds the line and column of structural errors feed-rs reports
//! without a position; deterministic ids; dates read in the source's time zone; and the mapping
//! to [`Article`] with plain-text titles, absolute http(s) links only and size limits.
//!
//! It must not fetch or open anything: no DTD, external entity or XInclude is ever resolved
//! (quick-xml does not expand entities at all, and feed-rs keeps unknown references literally;
//! the tests pin this). It must not sanitise HTML (the pipeline does that) and must not panic
//! or recurse on input nesting.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use feed_rs::model::{Entry, Feed, FeedType, Link, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use regex::Regex;
use url::Url;

use super::img_tags::image_sources;
use crate::dates::parse_date;
use crate::decode::rewrite_prolog_encoding;
use crate::model::{Article, Enclosure, Origin, Via};
use crate::text::{plain_line, plain_text, strip_forbidden_chars, summarise};

/// Entries parsed per feed unless [`FeedOptions::max_items`] says otherwise (RELIABILITY §3).
pub const DEFAULT_MAX_ITEMS: usize = 1000;
/// Deepest element nesting accepted in an XML feed. A real feed needs fewer than ten levels
/// plus whatever inline XHTML content brings; the limit matches the HTML nesting limit of §3.
pub const MAX_DEPTH: usize = 512;
/// Longest title kept, in bytes (RELIABILITY §3); longer ones are cut on a char boundary.
pub const MAX_TITLE_BYTES: usize = 2 * 1024;
/// Longest summary or content kept, in bytes (RELIABILITY §3).
pub const MAX_CONTENT_BYTES: usize = 256 * 1024;
/// Graphemes of an item's text used as its title when it has none.
const FALLBACK_TITLE_GRAPHEMES: usize = 80;
/// At most this many unreadable-date warnings per feed; a feed with a broken date template
/// would otherwise repeat the same warning a thousand times.
const MAX_DATE_WARNINGS: usize = 10;

/// Why a document could not be read as a feed. Each variant means "nothing was read": callers
/// must keep the stored items rather than treat it as an empty feed (RELIABILITY XML-02/03).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// The body was empty or only whitespace.
    #[error("empty response")]
    Empty,
    /// The document is something else: an HTML page, plain text, JSON that is not a JSON
    /// Feed, XML with another root. The text says what was found.
    #[error("not a feed ({0})")]
    NotAFeed(String),
    /// The document looks like a feed but is malformed; the text has the line and column
    /// where known.
    #[error("malformed feed: {0}")]
    Parse(String),
    /// A JSON Feed with a `version` other than 1.x.
    #[error("unsupported JSON Feed version {0:?} (expected https://jsonfeed.org/version/1 or 1.1)")]
    UnsupportedJsonVersion(String),
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error("elements nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// A parsed feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed itself, as every article's `via` names it.
    pub via: Via,
    /// The entries, in document order (at most [`FeedOptions::max_items`] of them, the newest).
    pub articles: Vec<Article>,
    /// Things dropped, repaired or assumed, one line each, naming the feed and entry.
    pub warnings: Vec<String>,
}

/// What [`parse_feed`] needs to know besides the text.
#[derive(Debug, Clone)]
pub struct FeedOptions<'a> {
    /// The source's id, for [`Origin::source`].
    pub source_id: &'a str,
    /// The URL or file path the feed was read from, for [`Origin::location`] and messages.
    pub location: &'a str,
    /// The final fetch URL (after redirects), or a `file://` URL for a local file. Relative
    /// links are resolved against it (for `file://`, against the feed's own site link).
    pub base: &'a Url,
    /// The zone of dates that carry no offset.
    pub tz: Tz,
    /// Parse at most this many entries, the newest (default [`DEFAULT_MAX_ITEMS`]).
    pub max_items: usize,
    /// The Content-Type header, if any; only used to say what a non-feed was.
    pub content_type: Option<&'a str>,
}

impl<'a> FeedOptions<'a> {
    /// Options with the defaults: UTC, [`DEFAULT_MAX_ITEMS`], no content type.
    pub fn new(source_id: &'a str, location: &'a str, base: &'a Url) -> FeedOptions<'a> {
        FeedOptions {
            source_id,
            location,
            base,
            tz: Tz::UTC,
            max_items: DEFAULT_MAX_ITEMS,
            content_type: None,
        }
    }
}

/// Parses an RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.0/1.1 document into articles.
///
/// Mapping, per entry: `title` is plain text (RSS titles and Atom `type="html"`/`xhtml` titles
/// have tags stripped and references decoded once; Atom `type="text"` and JSON Feed titles are
/// kept as text, whitespace collapsed); an entry without a title takes the first 80 graphemes of
/// its summary or content, and one with neither is skipped with a warning. `link` is the first
/// alternate link, resolved and kept only when http(s). `key` is the entry's id as given, or a
/// synthetic `feedwright:` hash of link, title and date when it has none; of entries sharing a
/// key the first is kept. Dates keep the offset they were written with; a date without one is
/// read in `opts.tz`. `summary` is as given; `content` is the HTML body (plain-text content is
/// escaped into HTML); `image` is the first media thumbnail, image-typed media content or
/// `<img>` in the body; `enclosure` is the first media content or `rel="enclosure"` link with
/// an http(s) URL. `source` stays `None` (feed-rs does not report an entry's source feed).
///
/// Before feed-rs sees XML, the document is pre-scanned (depth limit, repairs; see the module
/// docs); an `<rss>` root without a version feed-rs accepts is read as 2.0 (with a warning),
/// and Atom 0.3 is read as Atom 1.0.
pub fn parse_feed(text: &str, opts: &FeedOptions) -> Result<ParsedFeed, FeedError> {
    // A stray BOM is invisible whitespace too (decode removes leading ones already).
    let text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{feff}').is_empty() {
        return Err(FeedError::Empty);
    }
    let mut warnings = Vec::new();
    let where_ = opts.location;

    let rewritten;
    let scan;
    let prefixed;
    let atom03;
    // JSON Feed item images by item id (feed-rs does not read `image`).
    let mut json_images = HashMap::new();
    let prepared: &str = match text.as_bytes()[0] {
        b'{' => {
            check_json(text, opts)?;
            json_images = json_item_images(text);
            text
        }
        b'<' => {
            rewritten = rewrite_prolog_encoding(text);
            scan = scan_xml(&rewritten)?;
            check_root(&scan, opts)?;
            if scan.repaired > 0 {
                warnings.push(format!(
                    "{where_}: repaired {} bare '&'/'<', HTML entities or illegal character \
                     references",
                    scan.repaired
                ));
            }
            if let Some(v) = &scan.rss_version {
                warnings.push(format!("{where_}: RSS version {v:?} read as RSS 2.0"));
            }
            let mut xml = scan.fixed.as_deref().unwrap_or(&rewritten);
            let missing = scan.prefixes_used & !scan.prefixes_declared;
            if missing != 0
                && let Some(declared) = declare_prefixes(xml, missing)
            {
                let names: Vec<String> = KNOWN_PREFIXES
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| missing & (1 << bit) != 0)
                    .map(|(_, (prefix, uri))| format!("{prefix}: as {uri}"))
                    .collect();
                warnings.push(format!(
                    "{where_}: undeclared namespace prefix read as usual ({})",
                    names.join(", ")
                ));
                prefixed = declared;
                xml = &prefixed;
            }
            atom03 = upgrade_atom03(xml);
            &atom03
        }
        _ => return Err(FeedError::NotAFeed(not_a_feed(opts.content_type, "plain text"))),
    };

    let log = Arc::new(Mutex::new(DateLog::default()));
    // feed-rs resolves relative URLs against the base itself; a file:// base would turn every
    // relative link into a file URL, so local files are parsed without one and their relative
    // links resolved against the feed's own site link afterwards.
    let http_base = is_http(opts.base).then(|| opts.base.as_str());
    let tz = opts.tz;
    let date_log = Arc::clone(&log);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(http_base)
        // feed-rs's default generator falls back to a random UUID, which would make an item
        // without a guid a "new" item on every run. Returning nothing leaves the id empty, and
        // `map_entry` builds a stable one from link, title and date (feed-rs passes no date).
        .id_generator(|_links, _title, _uri| String::new())
        // Sanitising is the pipeline's job (and a no-op without feed-rs's `sanitize` feature).
        .sanitize_content(false)
        .timestamp_parser(move |raw| parse_timestamp(raw, tz, &date_log))
        .build();
    let feed = match parser.parse(prepared.as_bytes()) {
        Ok(feed) => feed,
        Err(e) => {
            let problem = match prepared.as_bytes()[0] {
                b'<' => scan_problem(prepared),
                _ => None,
            };
            return Err(map_error(e, prepared, problem, opts));
        }
    };

    let log = std::mem::take(&mut *log.lock().unwrap_or_else(PoisonError::into_inner));
    for err in log.failed.iter().take(MAX_DATE_WARNINGS) {
        warnings.push(format!("{where_}: {err}; the item is kept undated"));
    }
    if log.failed.len() > MAX_DATE_WARNINGS {
        warnings.push(format!(
            "{where_}: {} more unreadable dates",
            log.failed.len() - MAX_DATE_WARNINGS
        ));
    }

    let mut parsed = map_feed(feed, opts, &log.offsets, warnings);
    if !json_images.is_empty() {
        let base = Some(opts.base).filter(|b| is_http(b));
        for a in parsed.articles.iter_mut().filter(|a| a.image.is_none()) {
            let Some(image) = a.key.as_deref().and_then(|k| json_images.get(k)) else { continue };
            a.image = resolve(image, base).filter(is_http).map(String::from);
        }
    }
    Ok(parsed)
}

/// Filters applied to a feed's articles after parsing.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Keep only articles that any of these matches (none: keep all).
    pub include: Vec<Regex>,
    /// Drop articles that any of these matches.
    pub exclude: Vec<Regex>,
    /// Drop dated articles older than this; undated ones are kept.
    pub max_age: Option<Duration>,
    /// Keep only the newest this many.
    pub max_items: Option<usize>,
}

/// Applies `filters` to `articles`. A regex matches an article when it matches the title, the
/// plain text of the summary or any category. `include` keeps articles that any include regex
/// matches (all when empty); `exclude` then drops those that any exclude regex matches;
/// `max_age` drops articles whose date (published, else updated) is before `now - max_age`;
/// `max_items` keeps the newest N, undated articles counting as older than dated ones. The
/// survivors keep their input order.
pub fn apply_filters(
    articles: Vec<Article>,
    filters: &Filters,
    now: DateTime<Utc>,
) -> Vec<Article> {
    let matches = |a: &Article, res: &[Regex]| {
        res.iter().any(|re| {
            re.is_match(&a.title)
                || a.categories.iter().any(|c| re.is_match(c))
                || a.summary.as_deref().is_some_and(|s| re.is_match(&plain_text(s)))
        })
    };
    // An age too large for chrono means "no limit", not a panic.
    let cutoff = filters
        .max_age
        .and_then(|age| chrono::Duration::from_std(age).ok())
        .and_then(|age| now.checked_sub_signed(age));
    let kept: Vec<Article> = articles
        .into_iter()
        .filter(|a| filters.include.is_empty() || matches(a, &filters.include))
        .filter(|a| !matches(a, &filters.exclude))
        .filter(|a| match (cutoff, a.date()) {
            (Some(cutoff), Some(date)) => date >= cutoff,
            _ => true,
        })
        .collect();
    match filters.max_items {
        Some(n) => keep_newest(kept, n, Article::date),
        None => kept,
    }
}

/// The newest `n` of `items` by `date` (undated after dated, ties in input order), in input
/// order.
fn keep_newest<T>(
    items: Vec<T>,
    n: usize,
    date: impl Fn(&T) -> Option<DateTime<FixedOffset>>,
) -> Vec<T> {
    if items.len() <= n {
        return items;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Stable sort: equal dates and undated items stay in input order.
    order.sort_by(|&a, &b| date(&items[b]).cmp(&date(&items[a])));
    let mut keep = vec![false; items.len()];
    for &i in order.iter().take(n) {
        keep[i] = true;
    }
    items.into_iter().zip(keep).filter_map(|(item, k)| k.then_some(item)).collect()
}

/// What the timestamp parser saw: the offset each instant was written with (feed-rs only
/// passes instants in UTC on) and the dates it could not read.
#[derive(Debug, Default)]
struct DateLog {
    offsets: HashMap<DateTime<Utc>, FixedOffset>,
    /// Messages naming each unreadable date.
    failed: Vec<String>,
}

/// feed-rs's timestamp hook: our own date reader, so that an offset-less date is a local time
/// in the source's zone (feed-rs would take it as UTC or drop it) and impossible dates are
/// rejected rather than shifted.
fn parse_timestamp(raw: &str, tz: Tz, log: &Mutex<DateLog>) -> Option<DateTime<Utc>> {
    let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
    match parse_date(raw, tz) {
        Ok(date) => {
            let utc = date.with_timezone(&Utc);
            log.offsets.entry(utc).or_insert(*date.offset());
            Some(utc)
        }
        Err(e) => {
            log.failed.push(e.to_string());
            None
        }
    }
}

/// Restores the offset a date was written with.
fn with_offset(
    utc: DateTime<Utc>,
    offsets: &HashMap<DateTime<Utc>, FixedOffset>,
) -> DateTime<FixedOffset> {
    match offsets.get(&utc) {
        Some(offset) => utc.with_timezone(offset),
        None => utc.fixed_offset(),
    }
}

/// Checks that a `{` document is a JSON Feed 1.x before feed-rs sees it.
fn check_json(text: &str, opts: &FeedOptions) -> Result<(), FeedError> {
    // Only `version` is deserialised; serde skips the rest without building it, so this costs
    // one fast pass. serde_json's recursion limit (128) keeps deep nesting from overflowing.
    #[derive(serde::Deserialize)]
    struct Probe {
        version: Option<serde_json::Value>,
    }
    match serde_json::from_str::<Probe>(text) {
        Err(e) => Err(FeedError::Parse(format!("invalid JSON: {e}"))),
        Ok(Probe { version: Some(serde_json::Value::String(v)) }) => {
            if v.starts_with("https://jsonfeed.org/version/1") {
                Ok(())
            } else if v.contains("jsonfeed.org/version/") {
                Err(FeedError::UnsupportedJsonVersion(v))
            } else {
                Err(FeedError::NotAFeed(not_a_feed(
                    opts.content_type,
                    "JSON without a jsonfeed version",
                )))
            }
        }
        Ok(_) => Err(FeedError::NotAFeed(not_a_feed(
            opts.content_type,
            "JSON without a jsonfeed version",
        ))),
    }
}

/// Each JSON Feed item's `image` (else `banner_image`) by item id, which feed-rs does not
/// read. A second serde pass that builds only those strings; a document it cannot read this
/// way (items that are not objects, duplicate keys, odd values) just has no images, and
/// feed-rs judges it as before.
fn json_item_images(text: &str) -> HashMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        items: Vec<ItemProbe>,
    }
    #[derive(serde::Deserialize)]
    struct ItemProbe {
        #[serde(default)]
        id: Scalar,
        #[serde(default)]
        image: Scalar,
        #[serde(default)]
        banner_image: Scalar,
    }
    let Ok(probe) = serde_json::from_str::<Probe>(text) else { return HashMap::new() };
    let mut images = HashMap::new();
    for item in probe.items {
        // Ids as feed-rs reads them (a string), keyed as `map_entry` keys articles.
        let Scalar::Text(id) = item.id else { continue };
        let image = match (item.image, item.banner_image) {
            (Scalar::Text(image), _) | (_, Scalar::Text(image)) => image,
            _ => continue,
        };
        // The first of duplicate ids counts, as `map_entry` keeps the first article.
        images.entry(strip_forbidden_chars(id.trim()).into_owned()).or_insert(image);
    }
    images
}

/// A JSON value read for its text only: a string is kept, anything else is skipped without
/// being built.
#[derive(Default)]
enum Scalar {
    Text(String),
    #[default]
    Other,
}

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(s))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Scalar, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Scalar, A::Error> {
                while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The text of [`FeedError::NotAFeed`]: what was found, by Content-Type when the server gave
/// one, else by what the content looked like.
fn not_a_feed(content_type: Option<&str>, seen: &str) -> String {
    let got = content_type
        .map(|ct| ct.split(';').next().unwrap_or(ct).trim())
        .filter(|ct| !ct.is_empty())
        .unwrap_or(seen);
    format!("no rss/feed/rdf root; got {got}")
}

/// Rejects XML whose root is not a feed.
fn check_root(scan: &Scan, opts: &FeedOptions) -> Result<(), FeedError> {
    let seen = match scan.root.as_deref() {
        Some("rss" | "feed" | "RDF" | "entry") => return Ok(()),
        Some(root) if root.eq_ignore_ascii_case("html") => "an HTML page".to_owned(),
        _ if scan.html_doctype => "an HTML page".to_owned(),
        Some(root) => format!("<{}>", strip_forbidden_chars(root)),
        None => "no element".to_owned(),
    };
    Err(FeedError::NotAFeed(not_a_feed(opts.content_type, &seen)))
}

/// Turns a feed-rs error into ours, with a position where one can be found.
fn map_error(
    e: ParseFeedError,
    text: &str,
    problem: Option<String>,
    opts: &FeedOptions,
) -> FeedError {
    match e {
        ParseFeedError::JsonUnsupportedVersion(v) => FeedError::UnsupportedJsonVersion(v),
        // serde_json's message already ends with "at line L column C".
        ParseFeedError::JsonSerde(e) => FeedError::Parse(format!("invalid JSON Feed: {e}")),
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            FeedError::NotAFeed(not_a_feed(opts.content_type, "no feed root element"))
        }
        ParseFeedError::ParseError(kind) => {
            // These variants carry a byte offset into the text.
            let position = match &kind {
                ParseErrorKind::UnknownMimeType { position, .. }
                | ParseErrorKind::MissingContent { position, .. }
                | ParseErrorKind::UnknownEnumVariant { position, .. }
                | ParseErrorKind::IllegalState { position, .. } => Some(*position),
                ParseErrorKind::NoFeedRoot => None,
            };
            let at = position
                .and_then(|p| usize::try_from(p).ok())
                .map(|p| {
                    let (line, column) = line_col(text, p);
                    format!(" at line {line} column {column}")
                })
                .unwrap_or_default();
            FeedError::Parse(format!("{kind}{at}"))
        }
        // quick-xml's errors carry no position, and feed-rs hides the reader that knows it;
        // our own scan usually finds the same fault and says where.
        other => FeedError::Parse(match problem {
            Some(problem) => format!("{problem} ({other})"),
            None => other.to_string(),
        }),
    }
}

/// Per-feed values the entry mapping needs.
struct Ctx<'a> {
    opts: &'a FeedOptions<'a>,
    kind: FeedType,
    /// What relative links are resolved against: the fetch URL, else the site link.
    base: Option<Url>,
    offsets: &'a HashMap<DateTime<Utc>, FixedOffset>,
    via: Via,
}

fn map_feed(
    feed: Feed,
    opts: &FeedOptions,
    offsets: &HashMap<DateTime<Utc>, FixedOffset>,
    mut warnings: Vec<String>,
) -> ParsedFeed {
    let where_ = opts.location;
    let http_base = is_http(opts.base).then(|| opts.base.clone());
    let site_link =
        alternate(&feed.links).and_then(|l| resolve(&l.href, http_base.as_ref())).filter(is_http);
    let base = http_base.or_else(|| site_link.clone());

    let location_is_http = Url::parse(opts.location).is_ok_and(|u| is_http(&u));
    let feed_url = if location_is_http {
        opts.location.to_owned()
    } else {
        feed.links
            .iter()
            .filter(|l| l.rel.as_deref() == Some("self"))
            .find_map(|l| resolve(&l.href, base.as_ref()).filter(is_http))
            .map(String::from)
            .unwrap_or_default()
    };
    let mut title = feed.title.as_ref().map(|t| title_text(t, &feed.feed_type)).unwrap_or_default();
    if title.is_empty() {
        title = site_link.as_ref().and_then(Url::host_str).unwrap_or(opts.location).to_owned();
    }
    truncate(&mut title, MAX_TITLE_BYTES);
    let id = match strip_forbidden_chars(feed.id.trim()) {
        id if !id.is_empty() => id.into_owned(),
        _ if !feed_url.is_empty() => feed_url.clone(),
        _ => opts.location.to_owned(),
    };
    let via = Via { id, title, feed_url, link: site_link.map(String::from) };

    let ctx = Ctx { opts, kind: feed.feed_type, base, offsets, via };
    let total = feed.entries.len();
    let numbered: Vec<(usize, Entry)> =
        feed.entries.into_iter().enumerate().map(|(i, e)| (i + 1, e)).collect();
    let numbered = keep_newest(numbered, opts.max_items, |(_, e)| {
        e.published.or(e.updated).map(|d| with_offset(d, offsets))
    });
    if numbered.len() < total {
        warnings.push(format!("{where_}: {total} entries; kept the newest {}", numbered.len()));
    }

    let mut seen_keys = HashSet::new();
    let mut articles = Vec::with_capacity(numbered.len());
    for (n, entry) in numbered {
        let Some(article) = map_entry(entry, n, &ctx, &mut warnings) else { continue };
        let key = article.key.clone().unwrap_or_default();
        if !seen_keys.insert(key) {
            warnings.push(format!(
                "{where_} entry {n}: duplicate id {:?}; the first entry with it is kept",
                article.key.as_deref().unwrap_or_default()
            ));
            continue;
        }
        articles.push(article);
    }
    ParsedFeed { via: ctx.via, articles, warnings }
}

fn map_entry(e: Entry, n: usize, ctx: &Ctx, warnings: &mut Vec<String>) -> Option<Article> {
    let where_ = format!("{} entry {n}", ctx.opts.location);

    let link = match alternate(&e.links) {
        Some(l) => match resolve(&l.href, ctx.base.as_ref()).filter(is_http) {
            Some(url) => Some(String::from(url)),
            None => {
                warnings.push(format!(
                    "{where_}: link {:?} is not an absolute http(s) URL; dropped",
                    shorten(&l.href)
                ));
                None
            }
        },
        None => None,
    };

    let mut summary = e.summary.map(|t| clean_body(t.content)).filter(|s| !s.trim().is_empty());
    let mut content = e.content.and_then(|c| {
        let body = c.body?;
        let kind = c.content_type.to_string();
        if kind.contains("html") {
            Some(clean_body(body))
        } else if kind.starts_with("text/") {
            Some(clean_body(escape_html(&body)))
        } else {
            None
        }
    });
    content = content.filter(|c| !c.trim().is_empty());
    for body in [&mut summary, &mut content].into_iter().flatten() {
        if truncate(body, MAX_CONTENT_BYTES) {
            warnings.push(format!("{where_}: text longer than {MAX_CONTENT_BYTES} bytes; cut"));
        }
    }

    let mut title = e.title.as_ref().map(|t| title_text(t, &ctx.kind)).unwrap_or_default();
    if title.is_empty() {
        match summary
            .as_deref()
            .or(content.as_deref())
            .map(|s| summarise(s, FALLBACK_TITLE_GRAPHEMES, "…"))
        {
            Some(t) if !t.is_empty() => {
                warnings.push(format!("{where_}: no title; used the start of its text"));
                title = t;
            }
            _ => {
                warnings.push(format!("{where_}: no title and no text; skipped"));
                return None;
            }
        }
    }
    if truncate(&mut title, MAX_TITLE_BYTES) {
        warnings.push(format!("{where_}: title longer than {MAX_TITLE_BYTES} bytes; cut"));
    }

    let published = e.published.map(|d| with_offset(d, ctx.offsets));
    let updated = e.updated.map(|d| with_offset(d, ctx.offsets));
    let key = match strip_forbidden_chars(e.id.trim()) {
        id if !id.is_empty() => id.into_owned(),
        _ => synthetic_key(link.as_deref(), &title, published.or(updated)),
    };

    let mut authors: Vec<String> = Vec::new();
    for name in e.authors.iter().filter_map(|p| p.name.as_deref()).map(plain_line) {
        if !name.is_empty() && !authors.contains(&name) {
            authors.push(name);
        }
    }
    let mut categories: Vec<String> = Vec::new();
    for c in &e.categories {
        let name =
            plain_line(c.label.as_deref().filter(|l| !l.trim().is_empty()).unwrap_or(&c.term));
        if !name.is_empty() && !categories.contains(&name) {
            categories.push(name);
        }
    }

    let resolve_http =
        |href: &str| resolve(href, ctx.base.as_ref()).filter(is_http).map(String::from);
    let media_contents = || e.media.iter().flat_map(|m| m.content.iter());
    let image = e
        .media
        .iter()
        .flat_map(|m| m.thumbnails.iter())
        .find_map(|t| resolve_http(&t.image.uri))
        .or_else(|| {
            media_contents()
                .filter(|c| {
                    c.content_type.as_ref().is_some_and(|t| t.to_string().starts_with("image/"))
                })
                .find_map(|c| c.url.as_ref().and_then(|u| resolve_http(u.as_str())))
        })
        .or_else(|| {
            content
                .as_deref()
                .into_iter()
                .chain(summary.as_deref())
                .find_map(|html| image_sources(html).find_map(|src| resolve_http(&src)))
        });
    let enclosure = media_contents()
        .find_map(|c| {
            let url = resolve_http(c.url.as_ref()?.as_str())?;
            let mime_type = c.content_type.as_ref().map(ToString::to_string).unwrap_or_default();
            Some(Enclosure { url, mime_type, length: c.size.unwrap_or(0) })
        })
        .or_else(|| {
            let mut enclosures = e
                .links
                .iter()
                .filter(|l| l.rel.as_deref() == Some("enclosure") || is_attachment(l));
            enclosures.find_map(|l| {
                let url = resolve_http(&l.href)?;
                let mime_type = l.media_type.clone().unwrap_or_default();
                Some(Enclosure { url, mime_type, length: l.length.unwrap_or(0) })
            })
        });

    Some(Article {
        key: Some(key),
        title,
        link,
        published,
        updated,
        authors,
        summary,
        content,
        categories,
        image,
        enclosure,
        origin: Origin { source: ctx.opts.source_id.to_owned(), location: where_ },
        via: Some(ctx.via.clone()),
        ..Article::default()
    })
}

/// The first alternate link: no `rel` or `rel="alternate"`, not a comments link, not a JSON
/// Feed attachment.
fn alternate(links: &[Link]) -> Option<&Link> {
    links.iter().find(|l| {
        let plain = match l.rel.as_deref() {
            None => !is_attachment(l),
            Some(rel) => rel == "alternate",
        };
        plain && l.target.is_none() && !l.href.trim().is_empty()
    })
}

/// feed-rs adds JSON Feed attachments to an entry's links without a `rel`; only they carry a
/// media type there (RSS links have none, and Atom links always get a `rel`).
fn is_attachment(l: &Link) -> bool {
    l.rel.is_none() && l.media_type.is_some()
}

/// Atom 0.3 (namespace `http://purl.org/atom/ns#`) read as Atom 1.0: feed-rs only knows the
/// 1.0 namespace and would skip every element, and 0.3's `issued`/`modified` are 1.0's
/// `published`/`updated`. The other 0.3 elements feed-rs needs have the same names.
fn upgrade_atom03(xml: &str) -> Cow<'_, str> {
    static DATES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"<(/?)((?:[A-Za-z_][\w.-]*:)?)(issued|modified)\b").expect("valid regex")
    });
    const ATOM03: &str = "http://purl.org/atom/ns#";
    if !xml.contains(ATOM03) {
        return Cow::Borrowed(xml);
    }
    let xml = xml.replace(ATOM03, "http://www.w3.org/2005/Atom");
    let xml = DATES.replace_all(&xml, |c: &regex::Captures| {
        let name = if &c[3] == "issued" { "published" } else { "updated" };
        format!("<{}{}{name}", &c[1], &c[2])
    });
    Cow::Owned(xml.into_owned())
}

/// `href` as an absolute URL, joined to `base` when relative.
fn resolve(href: &str, base: Option<&Url>) -> Option<Url> {
    let href = href.trim();
    match Url::parse(href) {
        Ok(url) => Some(url),
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok(),
        Err(_) => None,
    }
}

fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// A title as plain text. Atom `type="text"` and JSON Feed titles are text by definition, so
/// `<b>` in them is kept as written (XSS-08: escaped on output, never interpreted); RSS titles
/// and HTML-typed Atom titles are read as HTML when they look like it.
fn title_text(t: &Text, kind: &FeedType) -> String {
    let html = t.content_type.to_string().contains("html");
    if html || !matches!(kind, FeedType::Atom | FeedType::JSON) {
        plain_line(&t.content)
    } else {
        strip_forbidden_chars(&t.content).split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Summary or content text without forbidden characters.
fn clean_body(s: String) -> String {
    match strip_forbidden_chars(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(clean) => clean,
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Cuts `s` to at most `max` bytes on a char boundary; whether it cut.
fn truncate(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    true
}

/// At most 80 chars of `s`, for messages.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// A stable key for an entry without an id: FNV-1a (64-bit) of link, title and date. Written
/// out here rather than taken from `std` because `DefaultHasher`'s output may change between
/// Rust releases, and this key must not.
fn synthetic_key(link: Option<&str>, title: &str, date: Option<DateTime<FixedOffset>>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let date = date.map(|d| d.with_timezone(&Utc).to_rfc3339()).unwrap_or_default();
    for part in [link.unwrap_or_default(), title, &date] {
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        for &byte in part.as_bytes().iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("feedwright:{hash:016x}")
}

/// 1-based line and column (in chars) of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// What [`scan_xml`] found.
#[derive(Debug, Default)]
struct Scan {
    /// The repaired text, when anything was repaired.
    fixed: Option<String>,
    /// The root element's local name.
    root: Option<String>,
    /// A `<!DOCTYPE html…>` was seen.
    html_doctype: bool,
    /// The first structural fault, with its position.
    problem: Option<String>,
    /// How many references or bare characters were repaired.
    repaired: usize,
    /// The unsupported `version` of an `<rss>` root that was rewritten to 2.0.
    rss_version: Option<String>,
    /// Well-known prefixes ([`KNOWN_PREFIXES`], one bit each) used on elements.
    prefixes_used: u8,
    /// Well-known prefixes declared (`xmlns:dc=...`) anywhere in the document.
    prefixes_declared: u8,
}

/// Namespace prefixes feeds use for elements feed-rs reads, with their usual
/// namespaces. A feed that uses one without declaring it is not well-formed
/// namespace-wise, and feed-rs silently skips those elements (the author in
/// `dc:creator`, the thumbnail in `media:thumbnail`); such a feed gets the
/// usual declaration added to its root, with a warning.
const KNOWN_PREFIXES: [(&str, &str); 5] = [
    ("dc", "http://purl.org/dc/elements/1.1/"),
    ("content", "http://purl.org/rss/1.0/modules/content/"),
    ("media", "http://search.yahoo.com/mrss/"),
    ("atom", "http://www.w3.org/2005/Atom"),
    ("itunes", "http://www.itunes.com/dtds/podcast-1.0.dtd"),
];

/// The bit of `prefix` in [`Scan::prefixes_used`] / [`Scan::prefixes_declared`].
fn prefix_bit(prefix: &str) -> u8 {
    KNOWN_PREFIXES.iter().position(|(p, _)| *p == prefix).map_or(0, |i| 1 << i)
}

/// The well-known prefixes ([`prefix_bit`]) that the attributes of one start tag (`attrs`,
/// everything after its name) declare. Only attribute names count: text inside quoted values
/// is skipped, and a name is read at most a few bytes past `xmlns:`, so a hostile tag costs
/// one pass.
fn declared_prefixes(attrs: &[u8]) -> u8 {
    let mut declared = 0;
    let mut j = 0;
    while j < attrs.len() {
        match attrs[j] {
            quote @ (b'"' | b'\'') => match memchr::memchr(quote, &attrs[j + 1..]) {
                Some(k) => j += k + 2,
                None => break,
            },
            c if c.is_ascii_whitespace() && attrs[j + 1..].starts_with(b"xmlns:") => {
                let from = j + 1 + "xmlns:".len();
                // The longest known prefix is 7 bytes; the name ends at an ASCII byte.
                let window = &attrs[from..attrs.len().min(from + 8)];
                if let Some(k) = window.iter().position(|&c| c == b'=' || c.is_ascii_whitespace())
                    && let Ok(prefix) = std::str::from_utf8(&window[..k])
                {
                    declared |= prefix_bit(prefix);
                }
                j = from;
            }
            _ => j += 1,
        }
    }
    declared
}

/// `xml` with declarations of the well-known prefixes in `missing` (a bit
/// set) added to its root element, right after its name.
fn declare_prefixes(xml: &str, missing: u8) -> Option<String> {
    let b = xml.as_bytes();
    let mut i = 0;
    // The root is the first element: skip the prolog's declaration,
    // processing instructions, comments and DOCTYPE.
    let name_start = loop {
        i += memchr::memchr(b'<', b.get(i..)?)?;
        let rest = &b[i..];
        i = if rest.starts_with(b"<?") {
            find(b, i + 2, b"?>")? + 2
        } else if rest.starts_with(b"<!--") {
            find(b, i + 4, b"-->")? + 3
        } else if rest.starts_with(b"<!") {
            declaration_end(b, i + 2)?
        } else {
            break i + 1;
        };
    };
    let name_end = (name_start..b.len())
        .find(|&j| b[j].is_ascii_whitespace() || b[j] == b'/' || b[j] == b'>')?;
    let mut out = String::with_capacity(xml.len() + 128);
    out.push_str(&xml[..name_end]);
    for (bit, (prefix, uri)) in KNOWN_PREFIXES.iter().enumerate() {
        if missing & (1 << bit) != 0 {
            out.push_str(&format!(" xmlns:{prefix}=\"{uri}\""));
        }
    }
    out.push_str(&xml[name_end..]);
    Some(out)
}

/// Only the structural diagnosis of [`scan_xml`], for an error message.
fn scan_problem(text: &str) -> Option<String> {
    match scan_xml(text) {
        Ok(scan) => scan.problem,
        Err(e) => Some(e.to_string()),
    }
}

/// Collects the repaired text lazily: nothing is copied until the first repair.
struct Rewriter<'a> {
    text: &'a str,
    out: Option<String>,
    copied: usize,
}

impl Rewriter<'_> {
    fn replace(&mut self, start: usize, end: usize, with: &str) {
        // Repairs must come in document order; one that overlaps an earlier one is skipped.
        if start < self.copied {
            return;
        }
        let out = self.out.get_or_insert_with(|| String::with_capacity(self.text.len() + 64));
        out.push_str(&self.text[self.copied..start]);
        out.push_str(with);
        self.copied = end;
    }

    fn finish(mut self) -> Option<String> {
        let mut out = self.out.take()?;
        out.push_str(&self.text[self.copied..]);
        Some(out)
    }
}

/// One linear pass over an XML document: finds the root element, bounds nesting depth
/// ([`FeedError::TooDeep`]), repairs references and bare `&`/`<` outside comments, CDATA,
/// processing instructions and the DOCTYPE, and notes the first structural fault with its
/// line and column. It keeps a stack of open element names only (no recursion), so hostile
/// nesting costs [`MAX_DEPTH`] entries at most.
fn scan_xml(text: &str) -> Result<Scan, FeedError> {
    let b = text.as_bytes();
    let mut scan = Scan::default();
    let mut rw = Rewriter { text, out: None, copied: 0 };
    // (name, byte offset of `<`) of each open element.
    let mut stack: Vec<(&str, usize)> = Vec::new();
    let problem = |scan: &mut Scan, at: usize, what: String| {
        if scan.problem.is_none() {
            let (line, column) = line_col(text, at);
            scan.problem = Some(format!("{what} at line {line} column {column}"));
        }
    };
    let mut i = 0;
    while let Some(off) = memchr::memchr2(b'<', b'&', &b[i..]) {
        let at = i + off;
        if b[at] == b'&' {
            i = fix_reference(text, at, &mut rw, &mut scan.repaired);
            continue;
        }
        let rest = &b[at..];
        let skip_to = |end: &[u8], from: usize| find(b, from, end).map(|e| e + end.len());
        let (unclosed, end) = if rest.starts_with(b"<!--") {
            ("comment", skip_to(b"-->", at + 4))
        } else if rest.starts_with(b"<![CDATA[") {
            ("CDATA section", skip_to(b"]]>", at + 9))
        } else if rest.starts_with(b"<?") {
            ("processing instruction", skip_to(b"?>", at + 2))
        } else if rest.starts_with(b"<!") {
            if rest.len() >= 14 && rest[..14].eq_ignore_ascii_case(b"<!doctype html") {
                scan.html_doctype = true;
            }
            ("declaration", declaration_end(b, at + 2))
        } else if rest.starts_with(b"</") {
            let Some(end) = tag_end(b, at + 2) else {
                problem(&mut scan, at, "end tag is not closed".to_owned());
                break;
            };
            let name = text[at + 2..end].trim_end();
            match stack.iter().rposition(|(open, _)| *open == name) {
                Some(pos) => {
                    if pos + 1 != stack.len() {
                        let (open, open_at) = stack[stack.len() - 1];
                        let (l, c) = line_col(text, open_at);
                        problem(
                            &mut scan,
                            at,
                            format!("</{name}> closes <{open}> (opened at line {l} column {c})"),
                        );
                    }
                    stack.truncate(pos);
                }
                None => problem(&mut scan, at, format!("</{name}> has no matching start tag")),
            }
            i = end + 1;
            continue;
        } else if rest.len() > 1 && is_name_start(rest[1]) {
            let Some(end) = tag_end(b, at + 1) else {
                problem(&mut scan, at, "start tag is not closed".to_owned());
                break;
            };
            let name_end =
                (at + 1..end).find(|&j| b[j].is_ascii_whitespace() || b[j] == b'/').unwrap_or(end);
            let name = &text[at + 1..name_end];
            if let Some((prefix, _)) = name.split_once(':') {
                scan.prefixes_used |= prefix_bit(prefix);
            }
            scan.prefixes_declared |= declared_prefixes(&b[name_end..end]);
            let self_closing = b[end - 1] == b'/';
            if scan.root.is_none() {
                let local = name.rsplit(':').next().unwrap_or(name);
                scan.root = Some(local.to_owned());
                if local == "rss" {
                    fix_rss_version(text, at, name_end, end, &mut rw, &mut scan);
                }
            }
            // References inside attribute values need the same repairs as text.
            let mut j = at;
            while let Some(amp) = memchr::memchr(b'&', &b[j..end]) {
                j = fix_reference(text, j + amp, &mut rw, &mut scan.repaired);
            }
            if !self_closing {
                stack.push((name, at));
                if stack.len() > MAX_DEPTH {
                    return Err(FeedError::TooDeep);
                }
            }
            i = end + 1;
            continue;
        } else {
            // A `<` that cannot start markup ("a < b"): quick-xml would reject the document.
            rw.replace(at, at + 1, "&lt;");
            scan.repaired += 1;
            i = at + 1;
            continue;
        };
        match end {
            Some(end) => i = end,
            None => {
                problem(&mut scan, at, format!("{unclosed} is not closed"));
                break;
            }
        }
    }
    if let Some(&(open, open_at)) = stack.last() {
        let (l, c) = line_col(text, open_at);
        problem(
            &mut scan,
            text.len(),
            format!("document ends while <{open}> (opened at line {l} column {c}) is open"),
        );
    }
    scan.fixed = rw.finish();
    Ok(scan)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(b.get(from..)?, needle).map(|p| p + from)
}

/// The index of the `>` ending the tag whose name starts at `from` (quotes honoured).
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut j = from;
    loop {
        let at = j + memchr::memchr3(b'>', b'"', b'\'', b.get(j..)?)?;
        match b[at] {
            b'>' => return Some(at),
            // A quoted value runs to the same quote; an unclosed one never ends the tag.
            quote => j = at + 1 + memchr::memchr(quote, &b[at + 1..])? + 1,
        }
    }
}

/// The index after the `>` ending a `<!…>` declaration, skipping a `[…]` internal subset and
/// quoted strings, which may both contain `>`.
fn declaration_end(b: &[u8], from: usize) -> Option<usize> {
    let (mut quote, mut depth) = (None, 0usize);
    for (j, &c) in b.iter().enumerate().skip(from) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return Some(j + 1),
            _ => {}
        }
    }
    None
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':' || c >= 0x80
}

/// feed-rs only reads `<rss>` with version 2.0, 0.91, 0.92 or an empty one; every other RSS
/// 0.9x/2.x document (and one without a version) is close enough to read as 2.0.
fn fix_rss_version(
    text: &str,
    at: usize,
    name_end: usize,
    end: usize,
    rw: &mut Rewriter,
    scan: &mut Scan,
) {
    static VERSION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\sversion\s*=\s*["']([^"']*)["']"#).expect("valid regex"));
    let tag = &text[at..end];
    match VERSION.captures(tag) {
        Some(c) if matches!(&c[1], "2.0" | "0.91" | "0.92" | "") => {}
        Some(c) => {
            let value = c.get(1).expect("group 1");
            scan.rss_version = Some(c[1].to_owned());
            rw.replace(at + value.start(), at + value.end(), "2.0");
        }
        None => {
            scan.rss_version = Some(String::new());
            rw.replace(name_end, name_end, " version=\"2.0\"");
        }
    }
}

/// Repairs the reference starting with the `&` at `at`; returns where scanning resumes.
///
/// - `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and valid numeric references stay;
/// - numeric references to characters XML forbids (`&#0;`, `&#xD800;`, `&#xFFFE;`) are dropped,
///   since quick-xml would reject the whole document for one of them (ENC-10);
/// - HTML named references (`&nbsp;`, `&eacute;`, `&hellip;`) become numeric ones (XML-05);
/// - unknown names (`&doesnotexist;`, also ones declared in a DTD) stay: feed-rs keeps them as
///   literal text, which is what XML-05 asks and means no entity is ever expanded;
/// - any other `&` is a bare ampersand and becomes `&amp;` (XML-04 lenient recovery).
fn fix_reference(text: &str, at: usize, rw: &mut Rewriter, repaired: &mut usize) -> usize {
    let b = text.as_bytes();
    let rest = &b[at + 1..];
    if rest.first() == Some(&b'#') {
        let hex = matches!(rest.get(1), Some(b'x' | b'X'));
        let start = if hex { 2 } else { 1 };
        let digits = rest[start..]
            .iter()
            .take(9)
            .take_while(|c| if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() })
            .count();
        if digits > 0 && rest.get(start + digits) == Some(&b';') {
            let end = at + 1 + start + digits + 1;
            let number = &text[at + 1 + start..at + 1 + start + digits];
            let value = u32::from_str_radix(number, if hex { 16 } else { 10 }).ok();
            if !value.and_then(char::from_u32).is_some_and(is_xml_char) {
                rw.replace(at, end, "");
                *repaired += 1;
            }
            return end;
        }
    } else {
        let len = rest.iter().take(33).take_while(|c| c.is_ascii_alphanumeric()).count();
        if len > 0 && rest[0].is_ascii_alphabetic() && rest.get(len) == Some(&b';') {
            let name = &text[at + 1..at + 1 + len];
            let end = at + 1 + len + 1;
            if !matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
                let key = format!("{name};");
                if let Some(&(first, second)) = html5ever::data::NAMED_ENTITIES.get(key.as_str())
                    && first != 0
                {
                    let with = match second {
                        0 => format!("&#{first};"),
                        _ => format!("&#{first};&#{second};"),
                    };
                    rw.replace(at, end, &with);
                    *repaired += 1;
                }
            }
            return end;
        }
    }
    rw.replace(at, at + 1, "&amp;");
    *repaired += 1;
    at + 1
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{a}' | '\u{d}' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn base() -> Url {
        Url::parse("https://example.org/feeds/main.xml").unwrap()
    }

    fn parse_with(text: &str, f: impl FnOnce(&mut FeedOptions)) -> Result<ParsedFeed, FeedError> {
        let base = base();
        let mut opts = FeedOptions::new("upstream", "https://example.org/feeds/main.xml", &base);
        f(&mut opts);
        parse_feed(text, &opts)
    }

    fn parse(text: &str) -> ParsedFeed {
        parse_with(text, |_| {}).unwrap()
    }

    fn date(s: &str) -> Option<DateTime<FixedOffset>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap())
    }

    const RSS2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel xml:base="https://news.example.com/section/">
  <title>Example &amp; Co. News</title>
  <link>https://news.example.com/</link>
  <atom:link rel="self" href="https://news.example.com/rss.xml"/>
  <item>
    <title>Bridge &lt;b&gt;reopens&lt;/b&gt; after&nbsp;repairs</title>
    <link>stories/bridge.html</link>
    <guid isPermaLink="false">bridge-2024</guid>
    <pubDate>Tue, 05 Mar 2024 09:30:00 +0100</pubDate>
    <description>&lt;p&gt;The old bridge is open again.&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Full story with <img src="/img/bridge.jpg" alt=""> a photo.</p>]]></content:encoded>
    <dc:creator>Jana Novak</dc:creator>
    <category>Local</category>
    <category>Transport</category>
    <enclosure url="audio/bridge.mp3" type="audio/mpeg" length="12345"/>
  </item>
  <item>
    <title>市议会通过新预算</title>
    <link>https://news.example.com/city/budget</link>
    <guid>https://news.example.com/city/budget</guid>
    <pubDate>2024-03-04 18:00:00</pubDate>
    <description>预算增加了百分之五。</description>
  </item>
</channel>
</rss>"#;

    #[test]
    fn rss2_full_mapping() {
        let feed = parse_with(RSS2, |o| o.tz = chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(
            feed.via,
            Via {
                id: "https://example.org/feeds/main.xml".into(),
                title: "Example & Co. News".into(),
                feed_url: "https://example.org/feeds/main.xml".into(),
                link: Some("https://news.example.com/".into()),
            }
        );
        assert_eq!(feed.articles.len(), 2);
        let a = &feed.articles[0];
        assert_eq!(a.title, "Bridge reopens after repairs");
        assert_eq!(a.key.as_deref(), Some("bridge-2024"));
        assert_eq!(a.link.as_deref(), Some("https://news.example.com/section/stories/bridge.html"));
        assert_eq!(a.published, date("2024-03-05T09:30:00+01:00"));
        assert_eq!(a.published.unwrap().offset().local_minus_utc(), 3600);
        assert_eq!(a.authors, ["Jana Novak"]);
        assert_eq!(a.categories, ["Local", "Transport"]);
        assert_eq!(a.summary.as_deref(), Some("<p>The old bridge is open again.</p>"));
        assert_eq!(
            a.content.as_deref(),
            Some(r#"<p>Full story with <img src="/img/bridge.jpg" alt=""> a photo.</p>"#)
        );
        assert_eq!(a.image.as_deref(), Some("https://example.org/img/bridge.jpg"));
        assert_eq!(
            a.enclosure,
            Some(Enclosure {
                url: "https://news.example.com/section/audio/bridge.mp3".into(),
                mime_type: "audio/mpeg".into(),
                length: 12345,
            })
        );
        assert_eq!(a.source, None);
        assert_eq!(a.via.as_ref(), Some(&feed.via));
        assert_eq!(
            a.origin,
            Origin {
                source: "upstream".into(),
                location: "https://example.org/feeds/main.xml entry 1".into()
            }
        );
        let b = &feed.articles[1];
        assert_eq!(b.title, "市议会通过新预算");
        // No offset: read in the source's zone, not as UTC.
        assert_eq!(b.published, date("2024-03-04T18:00:00+08:00"));
        assert_eq!(b.published.unwrap().offset().local_minus_utc(), 8 * 3600);
        assert_eq!(b.summary.as_deref(), Some("预算增加了百分之五。"));
        assert_eq!(b.content, None);
        assert_eq!(b.origin.location, "https://example.org/feeds/main.xml entry 2");
    }

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.net/">
  <title type="html">Notes &amp;amp; &lt;em&gt;Drafts&lt;/em&gt;</title>
  <id>tag:blog.example.net,2024:feed</id>
  <link rel="alternate" href="/"/>
  <link rel="self" href="https://blog.example.net/atom.xml"/>
  <updated>2024-05-02T10:00:00Z</updated>
  <entry xml:base="posts/2024/">
    <title type="html">Why &lt;code&gt;&amp;amp;&lt;/code&gt; matters</title>
    <id>tag:blog.example.net,2024:1</id>
    <link rel="alternate" type="text/html" href="amp.html"/>
    <link rel="enclosure" type="application/pdf" length="999" href="/files/amp.pdf"/>
    <published>2024-05-01T08:00:00-04:00</published>
    <updated>2024-05-02T10:00:00Z</updated>
    <author><name>Ada Example</name></author>
    <category term="web" label="Web &amp; HTML"/>
    <category term="xml"/>
    <summary type="text">Ampersands &amp; you.</summary>
    <content type="html">&lt;p&gt;Escape it.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title type="text">Tags like &lt;b&gt; stay text</title>
    <id>tag:blog.example.net,2024:2</id>
    <link href="https://blog.example.net/two"/>
    <updated>2024-04-01T00:00:00+02:00</updated>
    <content type="text">Plain &lt;text&gt; body</content>
  </entry>
</feed>"#;

    #[test]
    fn atom10_full_mapping() {
        let feed = parse(ATOM);
        assert_eq!(
            feed.via,
            Via {
                id: "tag:blog.example.net,2024:feed".into(),
                // An HTML title: "&amp;amp;" in the XML is "&amp;" in the HTML, which is "&".
                title: "Notes & Drafts".into(),
                feed_url: "https://example.org/feeds/main.xml".into(),
                link: Some("https://blog.example.net/".into()),
            }
        );
        let a = &feed.articles[0];
        assert_eq!(a.title, "Why & matters");
        assert_eq!(a.key.as_deref(), Some("tag:blog.example.net,2024:1"));
        assert_eq!(a.link.as_deref(), Some("https://blog.example.net/posts/2024/amp.html"));
        assert_eq!(a.published, date("2024-05-01T08:00:00-04:00"));
        assert_eq!(a.updated, date("2024-05-02T10:00:00Z"));
        assert_eq!(a.authors, ["Ada Example"]);
        assert_eq!(a.categories, ["Web & HTML", "xml"]);
        assert_eq!(a.summary.as_deref(), Some("Ampersands & you."));
        assert_eq!(a.content.as_deref(), Some("<p>Escape it.</p>"));
        assert_eq!(
            a.enclosure,
            Some(Enclosure {
                url: "https://blog.example.net/files/amp.pdf".into(),
                mime_type: "application/pdf".into(),
                length: 999
            })
        );
        let b = &feed.articles[1];
        assert_eq!(b.title, "Tags like <b> stay text");
        assert_eq!(b.content.as_deref(), Some("Plain &lt;text&gt; body"));
        assert_eq!(b.updated, date("2024-04-01T00:00:00+02:00"));
        assert_eq!(b.published, None);
    }

    #[test]
    fn rss1_rdf() {
        let text = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/">
    <title>RDF Site</title>
    <link>https://rdf.example.org/</link>
    <description>d</description>
  </channel>
  <item rdf:about="https://rdf.example.org/one">
    <title>First RDF item</title>
    <link>https://rdf.example.org/one</link>
    <description>One.</description>
    <dc:date>2023-12-31T23:00:00+00:00</dc:date>
    <dc:creator>R. Writer</dc:creator>
  </item>
</rdf:RDF>"#;
        let feed = parse(text);
        assert_eq!(feed.via.title, "RDF Site");
        assert_eq!(feed.via.link.as_deref(), Some("https://rdf.example.org/"));
        let a = &feed.articles[0];
        assert_eq!(a.title, "First RDF item");
        assert_eq!(a.link.as_deref(), Some("https://rdf.example.org/one"));
        assert_eq!(a.summary.as_deref(), Some("One."));
        assert_eq!(a.published, date("2023-12-31T23:00:00Z"));
        assert_eq!(a.authors, ["R. Writer"]);
    }

    #[test]
    fn atom03() {
        let text = r#"<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#">
  <title>Old Atom</title>
  <link rel="alternate" type="text/html" href="https://old.example.org/"/>
  <modified>2005-01-02T03:04:05Z</modified>
  <entry>
    <title>Legacy entry</title>
    <link rel="alternate" type="text/html" href="https://old.example.org/1"/>
    <id>tag:old.example.org,2005:1</id>
    <issued>2005-01-01T10:00:00+01:00</issued>
    <modified>2005-01-02T03:04:05Z</modified>
    <summary>Short.</summary>
  </entry>
</feed>"#;
        let feed = parse(text);
        assert_eq!(feed.via.title, "Old Atom");
        let a = &feed.articles[0];
        assert_eq!(a.title, "Legacy entry");
        assert_eq!(a.link.as_deref(), Some("https://old.example.org/1"));
        assert_eq!(a.key.as_deref(), Some("tag:old.example.org,2005:1"));
        assert_eq!(a.summary.as_deref(), Some("Short."));
        assert_eq!(a.published, date("2005-01-01T10:00:00+01:00"));
        assert_eq!(a.updated, date("2005-01-02T03:04:05Z"));
    }

    #[test]
    fn undeclared_well_known_prefixes_are_read_as_usual() {
        let text = r#"<?xml version="1.0"?>
<!-- a generator that forgot its namespaces -->
<rss version="2.0"><channel><title>t</title><link>https://a.example/</link>
<item><title>x</title><link>https://a.example/1</link><dc:creator>Ann Lee</dc:creator>
<media:content url="https://a.example/i.png" type="image/png" medium="image"/><content:encoded><![CDATA[<p>Body</p>]]></content:encoded>
<pubDate>Mon, 03 Mar 2025 10:00:00 +0000</pubDate></item></channel></rss>"#;
        let feed = parse(text);
        let a = &feed.articles[0];
        assert_eq!(a.authors, ["Ann Lee"]);
        assert_eq!(a.image.as_deref(), Some("https://a.example/i.png"));
        assert_eq!(a.content.as_deref(), Some("<p>Body</p>"));
        assert_eq!(
            feed.warnings,
            ["https://example.org/feeds/main.xml: undeclared namespace prefix read as usual \
              (dc: as http://purl.org/dc/elements/1.1/, content: as \
              http://purl.org/rss/1.0/modules/content/, media: as http://search.yahoo.com/mrss/)"]
        );
        // Declared (anywhere), or unknown: left alone, without a warning.
        let declared = text.replace("<rss version", "<rss xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:media=\"http://search.yahoo.com/mrss/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" version");
        let feed = parse(&declared);
        assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);
        assert_eq!(feed.articles[0].authors, ["Ann Lee"]);
        let unknown = text
            .replace("dc:creator", "zz:creator")
            .replace("media:", "")
            .replace("content:encoded", "description");
        assert!(parse(&unknown).warnings.is_empty());
    }

    #[test]
    fn only_attribute_names_declare_prefixes_and_hostile_tags_cost_one_pass() {
        let declared = |attrs: &str| declared_prefixes(attrs.as_bytes());
        assert_eq!(declared(" xmlns:dc=\"u\" xmlns:media='v'"), 0b101);
        assert_eq!(declared(" a=\"see xmlns:dc here\" b='xmlns:media=x'"), 0);
        assert_eq!(declared(" xmlns:dcterms=\"u\" xmlns:x=\"v\" xmlns=\"w\""), 0);
        assert_eq!(declared(" xmlns:中文=\"u\" xmlns:"), 0);
        // A value full of "xmlns:" (once quadratic): skipped whole.
        let hostile = format!(" a=\"{}\" xmlns:dc=\"u\"", " xmlns:".repeat(200_000));
        let started = std::time::Instant::now();
        assert_eq!(declared(&hostile), 1);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        // And the same through the whole scan, unquoted: each name is read a few bytes at most.
        let unquoted = format!("<rss{}><channel/></rss>", " xmlns:".repeat(200_000));
        let started = std::time::Instant::now();
        let _ = scan_xml(&unquoted);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn json_feed_images_never_cost_the_feed() {
        // Odd but readable for feed-rs: no images, the same articles as before.
        for items in [
            r#"[{"id": "a", "url": "https://j.example/a", "title": "A", "image": "x.png", "image": "y.png"}]"#,
            r#"[{"id": "a", "url": "https://j.example/a", "title": "A", "image": [0, 0, {"k": 1}]}]"#,
        ] {
            let text = format!(
                r#"{{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": {items}}}"#
            );
            match parse_with(&text, |_| {}) {
                Ok(feed) => assert_eq!(feed.articles[0].title, "A"),
                Err(e) => assert!(!e.to_string().contains("ItemProbe"), "{e}"),
            }
        }
        // Duplicate ids: the first item's image, as the first item is the one kept.
        let text = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
            {"id": "a", "url": "https://j.example/a", "title": "A", "image": "https://j.example/1.png"},
            {"id": "a", "url": "https://j.example/a2", "title": "A2", "image": "https://j.example/2.png"}]}"#;
        let feed = parse(text);
        assert_eq!(feed.articles[0].image.as_deref(), Some("https://j.example/1.png"));
        // Not a list: feed-rs's own message, as before.
        let not_a_list =
            r#"{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": "no"}"#;
        let err = parse_with(not_a_list, |_| {}).unwrap_err();
        assert!(matches!(&err, FeedError::Parse(m) if m.contains("invalid JSON Feed")), "{err:?}");
    }

    #[test]
    fn rfc822_dates_in_atom_are_read() {
        let text = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>f</id>
  <updated>Mon, 02 Jun 25 10:00:00 GMT</updated>
  <entry><title>e</title><id>urn:e</id><link href="https://a.example/e"/>
    <published>Sun, 01 Jun 2025 08:30:00 +0200</published>
    <updated>Mon, 02 Jun 25 10:00:00 GMT</updated></entry>
</feed>"#;
        let feed = parse(text);
        assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);
        let a = &feed.articles[0];
        assert_eq!(a.published, date("2025-06-01T08:30:00+02:00"));
        assert_eq!(a.updated, date("2025-06-02T10:00:00+00:00"));
    }

    #[test]
    fn base64_atom03_content_never_becomes_markup() {
        // `<script>alert(1)</script><p>ok</p>` in base64: feed-rs does not decode Atom 0.3's
        // `mode="base64"`, so the content is the encoded text, which holds no markup at all.
        let text = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title>
  <entry><title>e</title><id>urn:e</id><link rel="alternate" href="https://a.example/e"/>
    <issued>2005-01-01T10:00:00Z</issued>
    <content type="text/html" mode="base64">PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0PjxwPm9rPC9wPg==</content>
  </entry>
</feed>"#;
        let a = &parse(text).articles[0];
        assert_eq!(a.content.as_deref(), Some("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0PjxwPm9rPC9wPg=="));
    }

    #[test]
    fn json_feed_11_and_10() {
        let v11 = r#"{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "JSON <News>",
  "home_page_url": "https://json.example.org/",
  "feed_url": "https://json.example.org/feed.json",
  "items": [
    {"id": "j1", "url": "https://json.example.org/j1", "title": "科技 <新闻>",
     "content_html": "<p>正文</p>", "summary": "摘要",
     "date_published": "2024-02-29T12:00:00+08:00", "tags": ["科技", "新闻"],
     "authors": [{"name": "李雷"}],
     "image": "https://json.example.org/j1.png",
     "attachments": [{"url": "https://json.example.org/j1.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 42}]},
    {"id": "j2", "url": "https://json.example.org/j2", "content_text": "Only text & <b>no</b> html"}
  ]
}"#;
        let feed = parse(v11);
        assert_eq!(feed.via.title, "JSON <News>");
        assert_eq!(feed.via.link.as_deref(), Some("https://json.example.org/"));
        let a = &feed.articles[0];
        assert_eq!(a.title, "科技 <新闻>");
        assert_eq!(a.key.as_deref(), Some("j1"));
        assert_eq!(a.content.as_deref(), Some("<p>正文</p>"));
        assert_eq!(a.summary.as_deref(), Some("摘要"));
        assert_eq!(a.published, date("2024-02-29T12:00:00+08:00"));
        assert_eq!(a.categories, ["科技", "新闻"]);
        assert_eq!(a.authors, ["李雷"]);
        assert_eq!(
            a.enclosure,
            Some(Enclosure {
                url: "https://json.example.org/j1.mp3".into(),
                mime_type: "audio/mpeg".into(),
                length: 42
            })
        );
        let b = &feed.articles[1];
        // No title: the start of the text stands in.
        assert_eq!(b.title, "Only text & <b>no</b> html");
        assert_eq!(b.content.as_deref(), Some("Only text &amp; &lt;b&gt;no&lt;/b&gt; html"));
        assert!(
            feed.warnings.iter().any(|w| w.contains("entry 2: no title")),
            "{:?}",
            feed.warnings
        );

        let v10 = r#"{"version": "https://jsonfeed.org/version/1", "title": "Old JSON",
            "items": [{"id": "1", "title": "One", "url": "https://j.example/1",
            "content_text": "x", "date_modified": "2020-01-01T00:00:00Z"}]}"#;
        let feed = parse(v10);
        assert_eq!(feed.articles[0].title, "One");
        assert_eq!(feed.articles[0].updated, date("2020-01-01T00:00:00Z"));
    }

    #[test]
    fn json_feed_item_images_are_read() {
        let text = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
            "home_page_url": "https://j.example/", "items": [
            {"id": "a", "url": "https://j.example/a", "title": "A", "image": "https://j.example/a.png"},
            {"id": "b", "url": "https://j.example/b", "title": "B", "banner_image": "img/b.jpg"},
            {"id": "c", "url": "https://j.example/c", "title": "C", "image": "javascript:alert(1)"},
            {"id": "d", "url": "https://j.example/d", "title": "D", "image": 7}]}"#;
        let images: Vec<Option<String>> =
            parse(text).articles.into_iter().map(|a| a.image).collect();
        assert_eq!(
            images,
            [
                Some("https://j.example/a.png".to_owned()),
                // Relative: against where the feed was fetched from.
                Some("https://example.org/feeds/img/b.jpg".to_owned()),
                None,
                None,
            ]
        );
    }

    #[test]
    fn gbk_rss_through_decode() {
        let doc = "<?xml version=\"1.0\" encoding=\"gb2312\"?><rss version=\"2.0\"><channel>\
                   <title>新浪新闻</title><link>https://gbk.example.cn/</link><item>\
                   <title>镕基讲话全文</title><link>https://gbk.example.cn/1</link>\
                   <description>中文摘要</description></item></channel></rss>";
        let (bytes, _, _) = encoding_rs::GBK.encode(doc);
        let decoded = crate::decode::decode(&bytes, None).unwrap();
        assert_eq!(decoded.encoding, "GBK");
        let feed = parse(&decoded.text);
        assert_eq!(feed.via.title, "新浪新闻");
        assert_eq!(feed.articles[0].title, "镕基讲话全文");
        assert_eq!(feed.articles[0].summary.as_deref(), Some("中文摘要"));
    }

    #[test]
    fn a_stale_prolog_in_text_does_not_decode_twice() {
        let doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel>\
                   <title>Café</title><item><title>Crème brûlée</title></item></channel></rss>";
        let feed = parse(doc);
        assert_eq!(feed.via.title, "Café");
        assert_eq!(feed.articles[0].title, "Crème brûlée");
    }

    fn item(inner: &str) -> String {
        format!(
            "<rss version=\"2.0\"><channel><title>T</title><link>https://s.example/</link>\
             <item>{inner}</item></channel></rss>"
        )
    }

    #[test]
    fn xxe_is_never_expanded() {
        let text = r#"<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd"><!ENTITY % p SYSTEM "http://127.0.0.1:9/canary/dtd"> %p;]>
<rss version="2.0"><channel><title>x&e;</title>
<item><title>Leak: &e;</title><link>https://s.example/a?&e;</link>
<description>&e;</description></item></channel></rss>"#;
        let out = format!("{:?}", parse_with(text, |_| {}));
        assert!(!out.contains("root:"), "{out}");
        let feed = parse(text);
        assert_eq!(feed.articles[0].title, "Leak: &e;");
        assert_eq!(feed.articles[0].summary.as_deref(), Some("&e;"));
    }

    #[test]
    fn billion_laughs_stays_literal_and_fast() {
        let mut dtd = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for i in 1..10 {
            let prev = if i == 1 { "lol".to_owned() } else { format!("lol{}", i - 1) };
            dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
        }
        dtd.push_str("]>");
        let text = format!("<?xml version=\"1.0\"?>{dtd}{}", item("<title>&lol9;</title>"));
        let start = Instant::now();
        let feed = parse(&text);
        assert!(start.elapsed().as_secs_f64() < 1.0);
        assert_eq!(feed.articles[0].title, "&lol9;");
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let depth = 100_000;
        let text = format!(
            "<rss version=\"2.0\"><channel><item><title>x</title>{}{}</item></channel></rss>",
            "<x>".repeat(depth),
            "</x>".repeat(depth)
        );
        let start = Instant::now();
        assert_eq!(parse_with(&text, |_| {}), Err(FeedError::TooDeep));
        assert!(start.elapsed().as_secs_f64() < 1.0);
        // Within the limit is fine.
        let ok = format!(
            "<rss version=\"2.0\"><channel><item><title>x</title>{}{}</item></channel></rss>",
            "<x>".repeat(400),
            "</x>".repeat(400)
        );
        assert_eq!(parse(&ok).articles[0].title, "x");
    }

    #[test]
    fn truncated_document_is_a_parse_error_with_position() {
        let text = "<rss version=\"2.0\">\n<channel>\n<title>T</title>\n<item><title>cut he";
        let err = parse_with(text, |_| {}).unwrap_err();
        let FeedError::Parse(msg) = &err else { panic!("{err:?}") };
        assert!(msg.contains("line 4"), "{msg}");
        assert!(msg.contains("<title> (opened at line 4 column 7)"), "{msg}");
    }

    #[test]
    fn unclosed_cdata_is_a_parse_error_with_position() {
        let text = "<rss version=\"2.0\">\n<channel>\n<title>T</title>\n<item><title>x</title>\n\
                    <description><![CDATA[<p>never closed</p></description>\n</item>\n\
                    </channel>\n</rss>\n";
        let err = parse_with(text, |_| {}).unwrap_err();
        let FeedError::Parse(msg) = &err else { panic!("{err:?}") };
        // The position is where the section opened, which is where a reader should look.
        assert!(msg.starts_with("CDATA section is not closed at line 5 column 14"), "{msg}");
    }

    #[test]
    fn one_large_entity_referenced_many_times_stays_literal() {
        // ~100 KB x 10,000 references would be a gigabyte if the entity were expanded.
        let big = "x".repeat(100_000);
        let refs = "&big;".repeat(10_000);
        let text = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY big \"{big}\">]>{}",
            item(&format!("<title>t</title><description>{refs}</description>"))
        );
        let feed = parse(&text);
        assert_eq!(feed.articles.len(), 1);
        assert_eq!(feed.articles[0].title, "t");
        let summary = feed.articles[0].summary.as_deref().unwrap_or_default();
        assert!(summary.contains("big;"), "the references stay as text: {summary:.200}");
        assert!(!summary.contains("xxxxxxxxxx"), "the entity was expanded");
        assert!(summary.len() < refs.len() + 1000, "{} bytes", summary.len());
    }

    #[test]
    fn html_page_json_and_text_are_not_feeds() {
        let html = "<!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>";
        assert_eq!(
            parse_with(html, |o| o.content_type = Some("text/html; charset=utf-8")),
            Err(FeedError::NotAFeed("no rss/feed/rdf root; got text/html".into()))
        );
        assert_eq!(
            parse_with(html, |_| {}).unwrap_err().to_string(),
            "not a feed (no rss/feed/rdf root; got an HTML page)"
        );
        assert_eq!(
            parse_with("<opml version=\"2.0\"><body/></opml>", |_| {}),
            Err(FeedError::NotAFeed("no rss/feed/rdf root; got <opml>".into()))
        );
        assert_eq!(
            parse_with("{\"items\": []}", |_| {}),
            Err(FeedError::NotAFeed(
                "no rss/feed/rdf root; got JSON without a jsonfeed version".into()
            ))
        );
        assert_eq!(
            parse_with("hello world", |_| {}),
            Err(FeedError::NotAFeed("no rss/feed/rdf root; got plain text".into()))
        );
    }

    #[test]
    fn empty_and_whitespace_bodies() {
        assert_eq!(parse_with("", |_| {}), Err(FeedError::Empty));
        assert_eq!(parse_with(" \n\t\u{feff}", |_| {}), Err(FeedError::Empty));
        assert_eq!(FeedError::Empty.to_string(), "empty response");
    }

    #[test]
    fn json_feed_errors() {
        assert_eq!(
            parse_with(r#"{"version": "https://jsonfeed.org/version/99", "items": []}"#, |_| {}),
            Err(FeedError::UnsupportedJsonVersion("https://jsonfeed.org/version/99".into()))
        );
        let err =
            parse_with(r#"{"version": "https://jsonfeed.org/version/1.1", "items": [{"#, |_| {})
                .unwrap_err();
        assert!(matches!(&err, FeedError::Parse(m) if m.contains("line 1 column")), "{err:?}");
        let err = parse_with(
            r#"{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": "no"}"#,
            |_| {},
        )
        .unwrap_err();
        assert!(matches!(&err, FeedError::Parse(m) if m.contains("invalid JSON Feed")), "{err:?}");
    }

    #[test]
    fn random_bytes_never_panic() {
        // A fixed pseudo-random sequence (xorshift), decoded like any fetched body.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..200 {
            let len = 1 + round * 7;
            let mut bytes = Vec::with_capacity(len);
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.push(state as u8);
            }
            if round % 3 == 0 {
                bytes[0] = b'<';
            } else if round % 3 == 1 {
                bytes[0] = b'{';
            }
            if let Ok(d) = crate::decode::decode(&bytes, None) {
                let _ = parse_with(&d.text, |_| {});
            }
        }
    }

    #[test]
    fn bare_ampersand_and_lt_are_repaired() {
        let feed = parse(&item(
            "<title>AT&T beats Q3 & a < b</title><link>https://s.example/a?x=1&y=2</link>",
        ));
        assert_eq!(feed.articles[0].title, "AT&T beats Q3 & a < b");
        assert_eq!(feed.articles[0].link.as_deref(), Some("https://s.example/a?x=1&y=2"));
        assert!(feed.warnings.iter().any(|w| w.contains("repaired 4")), "{:?}", feed.warnings);
    }

    #[test]
    fn html_entities_are_mapped_and_unknown_ones_kept() {
        let feed = parse(&item(
            "<title>Caf&eacute;&nbsp;&hellip; &doesnotexist; &amp;amp;</title>\
             <description>&lt;p&gt;&copy;&#0;&#xFFFE;&#x1F600;&lt;/p&gt;</description>",
        ));
        let a = &feed.articles[0];
        // RSS titles are read as HTML when they look like it, so "&amp;amp;" ends up as "&".
        assert_eq!(a.title, "Café … &doesnotexist; &");
        assert_eq!(a.summary.as_deref(), Some("<p>©😀</p>"));
    }

    #[test]
    fn missing_fields_and_duplicates() {
        let text = "<rss version=\"2.0\"><channel><title>T</title><link>https://s.example/</link>\
            <item><link>https://s.example/no-title</link><description>&lt;p&gt;Only a \
            description here&lt;/p&gt;</description></item>\
            <item><title>No link, no guid</title><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>\
            <item><guid>dup</guid><title>First</title></item>\
            <item><guid>dup</guid><title>Second</title></item>\
            <item><link>https://s.example/empty</link></item>\
            <item><title>Bad link</title><link>javascript:alert(1)</link></item>\
            </channel></rss>";
        let feed = parse(text);
        let titles: Vec<&str> = feed.articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["Only a description here", "No link, no guid", "First", "Bad link"]);
        let synthetic = feed.articles[1].key.clone().unwrap();
        assert!(synthetic.starts_with("feedwright:"), "{synthetic}");
        // Stable across runs.
        assert_eq!(parse(text).articles[1].key.as_deref(), Some(synthetic.as_str()));
        assert_eq!(feed.articles[3].link, None);
        let w = feed.warnings.join("\n");
        assert!(w.contains("entry 4: duplicate id \"dup\""), "{w}");
        assert!(w.contains("entry 5: no title and no text; skipped"), "{w}");
        assert!(
            w.contains("entry 6: link \"javascript:alert(1)\" is not an absolute http(s) URL"),
            "{w}"
        );
    }

    #[test]
    fn a_tag_ends_at_the_first_unquoted_angle_bracket() {
        // The byte-at-a-time reading of the rule, against every string of up to six of the
        // characters that matter.
        let reference = |b: &[u8], from: usize| {
            let mut quote = None;
            for (j, &c) in b.iter().enumerate().skip(from) {
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (None, b'"' | b'\'') => quote = Some(c),
                    (None, b'>') => return Some(j),
                    _ => {}
                }
            }
            None
        };
        let alphabet = [b'>', b'"', b'\'', b'x'];
        for len in 0..=6u32 {
            for n in 0..4usize.pow(len) {
                let mut tag = b"<a".to_vec();
                tag.extend((0..len).map(|k| alphabet[n / 4usize.pow(k) % 4]));
                assert_eq!(
                    tag_end(&tag, 1),
                    reference(&tag, 1),
                    "{:?}",
                    String::from_utf8_lossy(&tag)
                );
            }
        }
        assert_eq!(tag_end(b"<a b=\"x>y\" c='>'>z", 1), Some(16));
        assert_eq!(tag_end(b"<a b=\"x>", 1), None);
    }

    #[test]
    fn lead_image_skips_tracking_pixels() {
        let body = |html: &str| {
            item(&format!("<title>t</title><description><![CDATA[{html}]]></description>"))
        };
        let lead = |html: &str| parse(&body(html)).articles[0].image.clone();
        assert_eq!(
            lead(
                "<p><img src=\"https://t.example/p.gif\" width=\"1\" height=\"1\">\
                  <IMG height=1 SRC='https://t.example/q.gif' width=0>\
                  <img alt=\"x\" src=\"/real.jpg\" width=\"1\" height=\"300\"></p>"
            ),
            Some("https://example.org/real.jpg".to_owned())
        );
        assert_eq!(lead("<img src=\"https://t.example/p.gif\" width=\"1px\" height=\"1\">"), None);
        assert_eq!(
            lead("<img width=\"1\" src=\"https://e.example/a.png?x=1&amp;y=2\">"),
            Some("https://e.example/a.png?x=1&y=2".to_owned())
        );
    }

    #[test]
    fn non_http_enclosures_images_and_links_are_dropped() {
        let rss = item(
            "<title>t</title><link>https://s.example/1</link>\
             <guid isPermaLink=\"true\">javascript:alert(1)</guid>\
             <enclosure url=\"javascript:alert(2)\" type=\"audio/mpeg\" length=\"1\"/>\
             <media:thumbnail xmlns:media=\"http://search.yahoo.com/mrss/\" url=\"data:image/png;base64,AAAA\"/>\
             <media:content xmlns:media=\"http://search.yahoo.com/mrss/\" url=\"javascript:alert(3)\" type=\"image/png\"/>\
             <description><![CDATA[<img src=\"javascript:alert(4)\"><img src=\"data:image/gif,x\">]]></description>",
        );
        let a = &parse(&rss).articles[0];
        assert_eq!((a.image.as_deref(), a.enclosure.as_ref()), (None, None), "{a:?}");
        assert_eq!(a.link.as_deref(), Some("https://s.example/1"));
        // The guid is only an identifier: it is never used as the item's link.
        assert_eq!(a.key.as_deref(), Some("javascript:alert(1)"));

        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>f</id>\
            <link href=\"javascript:alert(0)\"/>\
            <entry><id>1</id><title>x</title><link href=\"data:text/html,hi\"/>\
            <link rel=\"enclosure\" type=\"audio/mpeg\" href=\"javascript:alert(1)\"/></entry></feed>";
        let feed = parse_with(atom, |o| o.location = "feed.xml").unwrap();
        let a = &feed.articles[0];
        assert_eq!((a.link.as_deref(), a.enclosure.as_ref()), (None, None), "{a:?}");
        assert_eq!(feed.via.link, None);
        assert!(feed.warnings.iter().any(|w| w.contains("link \"data:text/html,hi\" is not")));

        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
            "home_page_url": "javascript:alert(1)", "feed_url": "javascript:alert(2)",
            "icon": "javascript:alert(3)", "favicon": "data:image/png,x",
            "items": [{"id": "1", "title": "x", "url": "javascript:alert(4)",
                       "external_url": "data:text/html,x", "image": "javascript:alert(5)",
                       "banner_image": "javascript:alert(6)",
                       "attachments": [{"url": "javascript:alert(7)", "mime_type": "audio/mpeg"}]}]}"#;
        let feed = parse_with(json, |o| o.location = "feed.json").unwrap();
        let a = &feed.articles[0];
        assert_eq!((a.link.as_deref(), a.image.as_deref()), (None, None), "{a:?}");
        assert_eq!(a.enclosure, None);
        assert_eq!((feed.via.link.as_deref(), feed.via.feed_url.as_str()), (None, ""));
    }

    #[test]
    fn unbound_namespace_prefix() {
        // XML-07: feed-rs reads elements by namespace. A well-known prefix used without a
        // declaration gets its usual namespace (with a warning), so the author and the
        // media enclosure are read; an unknown one (`foo:`) is ignored, and everything
        // else is read either way. (feed-rs reads no `media:thumbnail` outside a group.)
        let text = "<rss version=\"2.0\"><channel><title>T</title><link>https://s.example/</link>\
            <item><title>One</title><link>https://s.example/1</link>\
            <media:thumbnail url=\"https://s.example/1.jpg\"/><dc:creator>Ann</dc:creator></item>\
            <item itunes:order=\"1\"><title>Two</title><link>https://s.example/2</link>\
            <media:group><media:content url=\"https://s.example/2.mp3\"/></media:group>\
            <description>After the group</description></item></channel></rss>";
        let feed = parse(text);
        let titles: Vec<&str> = feed.articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["One", "Two"]);
        let [one, two] = &feed.articles[..] else { panic!("{:?}", feed.articles) };
        assert_eq!((one.image.as_deref(), one.authors.as_slice()), (None, &["Ann".to_owned()][..]));
        let url = two.enclosure.as_ref().map(|e| e.url.as_str());
        assert_eq!(url, Some("https://s.example/2.mp3"));
        assert_eq!(two.summary.as_deref(), Some("After the group"));
        assert_eq!(two.link.as_deref(), Some("https://s.example/2"));
        assert_eq!(
            feed.warnings,
            ["https://example.org/feeds/main.xml: undeclared namespace prefix read as usual \
              (dc: as http://purl.org/dc/elements/1.1/, media: as http://search.yahoo.com/mrss/)"]
        );

        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>f</id>\
            <entry><id>1</id><title>x</title><media:thumbnail url=\"https://s.example/x.jpg\"/>\
            <foo:bar>y</foo:bar><link href=\"https://s.example/x\"/></entry></feed>";
        let feed = parse(atom);
        assert_eq!(feed.articles[0].link.as_deref(), Some("https://s.example/x"));
        assert_eq!(feed.articles[0].image, None);
    }

    #[test]
    fn unsafe_xml_base_is_ignored() {
        let text = "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"javascript:alert(1)\">\
            <title>t</title><id>f</id><entry><id>1</id><title>x</title><link href=\"rel/page\"/></entry></feed>";
        let feed = parse(text);
        assert_eq!(feed.articles[0].link.as_deref(), Some("https://example.org/feeds/rel/page"));
    }

    #[test]
    fn local_file_links_resolve_against_the_site_link() {
        let text = "<rss version=\"2.0\"><channel><title>T</title><link>https://site.example/blog/</link>\
            <item><title>a</title><link>posts/a.html</link></item></channel></rss>";
        let base = Url::parse("file:///data/feeds/local.xml").unwrap();
        let mut opts = FeedOptions::new("local", "data/feeds/local.xml", &base);
        opts.max_items = 10;
        let feed = parse_feed(text, &opts).unwrap();
        assert_eq!(
            feed.articles[0].link.as_deref(),
            Some("https://site.example/blog/posts/a.html")
        );
        assert_eq!(feed.via.feed_url, "");
        assert_eq!(feed.via.id, "data/feeds/local.xml");
    }

    #[test]
    fn rss_without_version_and_max_items() {
        let mut items = String::new();
        for day in 1..=5 {
            items.push_str(&format!(
                "<item><title>d{day}</title><guid>g{day}</guid>\
                 <pubDate>2024-01-0{day}T00:00:00Z</pubDate></item>"
            ));
        }
        let text = format!("<rss><channel><title>T</title>{items}</channel></rss>");
        let feed = parse_with(&text, |o| o.max_items = 2).unwrap();
        let titles: Vec<&str> = feed.articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["d4", "d5"]);
        assert!(feed.warnings.iter().any(|w| w.contains("5 entries; kept the newest 2")));
        assert!(feed.warnings.iter().any(|w| w.contains("RSS version \"\" read as RSS 2.0")));
    }

    #[test]
    fn garbage_dates_warn_and_keep_the_item() {
        let feed = parse(&item("<title>x</title><pubDate>31 Feb 2024 25:61</pubDate>"));
        assert_eq!(feed.articles[0].published, None);
        assert!(
            feed.warnings.iter().any(|w| w.contains("31 Feb 2024 25:61")),
            "{:?}",
            feed.warnings
        );
    }

    #[test]
    fn non_english_month_and_day_names_warn_and_keep_the_item() {
        let feed = parse(&item(
            "<title>x</title><link>https://s.example/x</link>\
             <pubDate>Di, 04 Mär 2025 10:00:00 +0100</pubDate>",
        ));
        assert_eq!(feed.articles.len(), 1);
        assert_eq!(feed.articles[0].title, "x");
        // No date, so the store gives the item its first-seen time.
        assert_eq!(feed.articles[0].published, None);
        assert!(
            feed.warnings.iter().any(|w| w.contains("Di, 04 Mär 2025 10:00:00 +0100")),
            "{:?}",
            feed.warnings
        );
    }

    #[test]
    fn limits_cut_on_char_boundaries() {
        let long_title = "标".repeat(1000);
        let long_body = "é".repeat(200_000);
        let feed = parse(&item(&format!(
            "<title>{long_title}</title><description>{long_body}</description>"
        )));
        let a = &feed.articles[0];
        assert_eq!(a.title.len(), 2046);
        assert_eq!(a.summary.as_ref().unwrap().len(), MAX_CONTENT_BYTES);
    }

    #[test]
    fn forbidden_characters_are_stripped() {
        let feed = parse(&item("<title>a\u{1}b\u{7f}c</title><description>x\u{85}y</description>"));
        assert_eq!(feed.articles[0].title, "abc");
        assert_eq!(feed.articles[0].summary.as_deref(), Some("xy"));
    }

    fn article(title: &str, published: Option<&str>, categories: &[&str]) -> Article {
        Article {
            title: title.into(),
            published: published.and_then(date),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            summary: Some(format!("<p>about {title}</p>")),
            ..Article::default()
        }
    }

    fn titles(v: &[Article]) -> Vec<&str> {
        v.iter().map(|a| a.title.as_str()).collect()
    }

    #[test]
    fn filters() {
        let now = DateTime::parse_from_rfc3339("2024-06-10T00:00:00Z").unwrap().with_timezone(&Utc);
        let list = vec![
            article("Rust 2024 released", Some("2024-06-09T00:00:00Z"), &["tech"]),
            article("Football scores", Some("2024-06-01T00:00:00Z"), &["sport"]),
            article("Undated gardening", None, &["home"]),
            article("Old rust news", Some("2023-01-01T00:00:00Z"), &["tech"]),
        ];
        let re = |s: &str| Regex::new(s).unwrap();
        let f = Filters { include: vec![re("(?i)rust"), re("^sport$")], ..Filters::default() };
        assert_eq!(
            titles(&apply_filters(list.clone(), &f, now)),
            ["Rust 2024 released", "Football scores", "Old rust news"]
        );
        let f = Filters { exclude: vec![re("about Football")], ..Filters::default() };
        assert_eq!(
            titles(&apply_filters(list.clone(), &f, now)),
            ["Rust 2024 released", "Undated gardening", "Old rust news"]
        );
        let f = Filters { max_age: Some(Duration::from_secs(30 * 86_400)), ..Filters::default() };
        assert_eq!(
            titles(&apply_filters(list.clone(), &f, now)),
            ["Rust 2024 released", "Football scores", "Undated gardening"]
        );
        let f = Filters { max_items: Some(2), ..Filters::default() };
        assert_eq!(
            titles(&apply_filters(list.clone(), &f, now)),
            ["Rust 2024 released", "Football scores"]
        );
        let f = Filters { max_age: Some(Duration::MAX), ..Filters::default() };
        assert_eq!(apply_filters(list.clone(), &f, now).len(), 4);
        assert_eq!(apply_filters(list.clone(), &Filters::default(), now), list);
    }
}
