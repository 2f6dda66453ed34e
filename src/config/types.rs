//! Validated configuration: the types everything after `config` works with.
//! They cannot hold a wrong value (ids are slugs, URLs parse, timezones
//! exist), so downstream code never re-checks them.

use std::fmt;
use std::path::PathBuf;

use chrono_tz::Tz;
use url::Url;

/// A channel id: `[a-z0-9][a-z0-9_-]{0,63}`, so it is always a safe single
/// path component under the output directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(String);

impl ChannelId {
    /// Checks the slug rule; `None` when `s` is not a valid id.
    pub fn new(s: &str) -> Option<ChannelId> {
        let mut chars = s.chars();
        let first = chars.next()?;
        let ok_first = first.is_ascii_lowercase() || first.is_ascii_digit();
        let ok_rest =
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        (ok_first && ok_rest && s.len() <= 64).then(|| ChannelId(s.to_owned()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A channel feed format, one file per channel each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    /// Every format, in the order files are written and listed.
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// The name used in `formats = [...]`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    /// Parses a `formats` entry.
    pub fn from_name(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    /// The file name inside a channel's directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Rss => "rss.xml",
            Format::Atom => "atom.xml",
            Format::Json => "feed.json",
        }
    }

    /// The media type used for autodiscovery links and serving.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }

    /// A human label ("RSS 2.0").
    pub fn label(self) -> &'static str {
        match self {
            Format::Rss => "RSS 2.0",
            Format::Atom => "Atom 1.0",
            Format::Json => "JSON Feed 1.1",
        }
    }
}

/// The `[site]` table, validated.
#[derive(Debug, Clone)]
pub struct Site {
    pub title: String,
    /// Public base URL where the output directory is published; always ends
    /// with `/` so that `link.join("world/rss.xml")` stays below it.
    pub link: Url,
    pub description: Option<String>,
    pub language: Option<String>,
    pub timezone: Tz,
    /// Output directory, resolved against the config file's directory.
    pub output: PathBuf,
    pub formats: Vec<Format>,
    pub summary_length: usize,
    pub ellipsis: String,
    pub items_per_channel: usize,
    /// Default feed author.
    pub author: Option<String>,
    /// The state database (for feed sources), resolved against the config
    /// file's directory.
    pub state: PathBuf,
}

/// `[fetch]`, validated: limits for fetching feed sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetch {
    pub concurrency: usize,
    pub per_host: usize,
    pub connect_timeout: std::time::Duration,
    pub read_timeout: std::time::Duration,
    pub timeout: std::time::Duration,
    pub max_body: u64,
    pub max_redirects: usize,
    pub allow_private: bool,
}

impl Default for Fetch {
    /// The fetcher's own defaults: one place says what they are.
    fn default() -> Fetch {
        let d = crate::fetch::FetchSettings::default();
        Fetch {
            concurrency: d.concurrency,
            per_host: d.per_host,
            connect_timeout: d.connect_timeout,
            read_timeout: d.read_timeout,
            timeout: d.timeout,
            max_body: d.max_body,
            max_redirects: d.max_redirects,
            allow_private: false,
        }
    }
}

impl Site {
    /// Public URL of a file under the output directory.
    pub fn url_of(&self, relative: &str) -> Url {
        // `link` ends in '/', and `relative` is built from slugs and fixed
        // names, so joining cannot fail or escape the base.
        self.link.join(relative).unwrap_or_else(|_| self.link.clone())
    }

    /// Public URL of a channel's feed in one format.
    pub fn feed_url(&self, channel: &ChannelId, format: Format) -> Url {
        self.url_of(&format!("{channel}/{}", format.file_name()))
    }

    /// Public URL of a channel's HTML page.
    pub fn page_url(&self, channel: &ChannelId) -> Url {
        self.url_of(&format!("{channel}/"))
    }
}

/// One `[[channel]]`, validated, with site defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub id: ChannelId,
    pub title: String,
    pub description: Option<String>,
    /// The channel's home page; defaults to its page under the site link.
    pub link: Url,
    pub language: Option<String>,
    pub parent: Option<ChannelId>,
    pub aliases: Vec<String>,
    pub items_per_channel: usize,
    pub summary_length: usize,
    /// Stored items of this channel's feed sources are dropped this many
    /// days after they were last seen upstream (`None`: kept until `keep_items`).
    pub keep_days: Option<u32>,
    /// At most this many stored items per feed source of this channel.
    pub keep_items: usize,
}

/// File formats a records source can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// A JSON array of records, or an object (one record, or `{"items": [...]}`).
    Json,
    /// One JSON record per line.
    Jsonl,
    /// A header row, then one record per row.
    Csv,
    /// `[[record]]` tables (or one record at the top level).
    Toml,
    /// Markdown with `---` YAML or `+++` TOML front matter; the body is the content.
    Markdown,
}

impl RecordFormat {
    /// The name used in `format = "..."`.
    pub fn name(self) -> &'static str {
        match self {
            RecordFormat::Json => "json",
            RecordFormat::Jsonl => "jsonl",
            RecordFormat::Csv => "csv",
            RecordFormat::Toml => "toml",
            RecordFormat::Markdown => "md",
        }
    }

    /// All names accepted in `format = "..."`.
    pub const NAMES: [&'static str; 5] = ["json", "jsonl", "csv", "toml", "md"];

    /// Parses a `format` value.
    pub fn from_name(s: &str) -> Option<RecordFormat> {
        match s {
            "json" => Some(RecordFormat::Json),
            "jsonl" | "ndjson" => Some(RecordFormat::Jsonl),
            "csv" => Some(RecordFormat::Csv),
            "toml" => Some(RecordFormat::Toml),
            "md" | "markdown" => Some(RecordFormat::Markdown),
            _ => None,
        }
    }

    /// Picks the format from a file extension.
    pub fn from_extension(ext: &str) -> Option<RecordFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "json" => Some(RecordFormat::Json),
            "jsonl" | "ndjson" => Some(RecordFormat::Jsonl),
            "csv" => Some(RecordFormat::Csv),
            "toml" => Some(RecordFormat::Toml),
            "md" | "markdown" => Some(RecordFormat::Markdown),
            _ => None,
        }
    }
}

/// Where a feed source's document comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedLocation {
    /// Fetched over http(s).
    Url(url::Url),
    /// A local file: the path as written, and resolved.
    Path { pattern: String, path: PathBuf },
}

impl FeedLocation {
    /// The URL or path as the user wrote it, for messages.
    pub fn display(&self) -> String {
        match self {
            FeedLocation::Url(u) => redact_url(u),
            FeedLocation::Path { pattern, .. } => pattern.clone(),
        }
    }
}

/// A URL for messages and logs: user name and password removed, so
/// credentials in a configured URL are never printed.
pub fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    // Tokens in the query string are credentials too (`?api_key=...`).
    if u.query_pairs().any(|(k, _)| is_secret_param(&k)) {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_param(&k) { "redacted".to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Query parameter names that carry secrets.
fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    ["token", "key", "secret", "password", "passwd", "auth", "signature", "sig", "session"]
        .iter()
        .any(|s| {
            name == *s || name.ends_with(&format!("_{s}")) || name.starts_with(&format!("{s}_"))
        })
}

/// A feed source's settings.
#[derive(Debug, Clone)]
pub struct FeedSource {
    pub location: FeedLocation,
    /// Minimum time between two fetches; zero fetches on every run.
    pub every: std::time::Duration,
    /// Keep only items where one of these matches title, summary or a category.
    pub include: Vec<regex::Regex>,
    /// Drop items where one of these matches.
    pub exclude: Vec<regex::Regex>,
    /// Drop dated items older than this.
    pub max_age: Option<std::time::Duration>,
    /// Parse at most this many items (newest first).
    pub max_items: usize,
    /// May fetch from private, loopback and link-local addresses.
    pub allow_private: bool,
}

/// An HTML source's settings: a listing page (and its next pages) whose
/// items are found with CSS selectors, optionally followed to each article.
#[derive(Debug, Clone)]
pub struct HtmlSource {
    pub location: FeedLocation,
    pub select: crate::config::Select,
    /// Fetch each item's page and fill the record from it.
    pub follow: bool,
    pub article: Option<crate::config::ArticleSelect>,
    /// The link to the next listing page.
    pub next: Option<crate::config::Field>,
    /// Listing pages read per run (1 = only the first).
    pub max_pages: usize,
    pub every: std::time::Duration,
    pub allow_private: bool,
}

impl From<HtmlSource> for SourceKind {
    fn from(h: HtmlSource) -> SourceKind {
        SourceKind::Html(Box::new(h))
    }
}

impl From<FeedSource> for SourceKind {
    fn from(f: FeedSource) -> SourceKind {
        SourceKind::Feed(f)
    }
}

/// What a source reads.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// Local record files.
    Records {
        /// The `path` as written (file, directory or glob), for messages.
        pattern: String,
        /// `pattern` resolved against the config file's directory.
        path: PathBuf,
        /// Forced format; `None` picks one per file by extension.
        format: Option<RecordFormat>,
    },
    /// Another site's RSS, Atom or JSON feed.
    Feed(FeedSource),
    /// An HTML news page scraped with CSS selectors (boxed: its selectors
    /// make it much larger than the other kinds).
    Html(Box<HtmlSource>),
}

/// One `[[source]]`, validated.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub kind: SourceKind,
    /// Channel for records that name none.
    pub channel: Option<ChannelId>,
    /// Zone for dates without an offset (the site's when not set).
    pub timezone: Tz,
    pub enabled: bool,
}

/// Every name a record may use for a channel (id, title, alias), resolved to
/// the channel id. Exact matches win; otherwise the comparison ignores case.
#[derive(Debug, Clone, Default)]
pub struct ChannelNames {
    exact: std::collections::HashMap<String, ChannelId>,
    folded: std::collections::HashMap<String, ChannelId>,
}

impl ChannelNames {
    /// Adds a name; returns the channel that already had it, if any.
    pub fn insert(&mut self, name: &str, id: &ChannelId) -> Option<ChannelId> {
        let name = name.trim();
        let previous = self.folded.insert(name.to_lowercase(), id.clone());
        self.exact.insert(name.to_owned(), id.clone());
        previous
    }

    /// The channel a record's `channel` value names.
    pub fn resolve(&self, name: &str) -> Option<&ChannelId> {
        let name = name.trim();
        self.exact.get(name).or_else(|| self.folded.get(&name.to_lowercase()))
    }

    /// Every known name, sorted (for suggestions).
    pub fn all(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.exact.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}
