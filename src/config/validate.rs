//! Turns the serde mirror into validated types, and TOML parse errors into
//! messages that name the file, line, column and what would be right.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono_tz::Tz;
use toml::Spanned;
use url::Url;

use super::raw::{ChannelConfig, ConfigFile, FetchConfig, SiteConfig, SourceConfig};
use super::types::*;
use super::{ArticleSelect, ChannelNames, Config, Field, Select};
use crate::error::ConfigError;

const DEFAULT_SUMMARY_LENGTH: usize = 100;
const DEFAULT_ITEMS_PER_CHANNEL: usize = 50;
const SUMMARY_LENGTH_RANGE: (i64, i64) = (1, 10_000);
const ITEMS_RANGE: (i64, i64) = (1, 100_000);
const SOURCE_KINDS: [&str; 3] = ["records", "feed", "html"];
const KEEP_ITEMS_DEFAULT: usize = 500;

/// Positions and file name for every message.
struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Ctx<'_> {
    fn at(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError::At { path: self.path.to_owned(), line, column, message: message.into() }
    }

    fn spanned<T>(&self, value: &Spanned<T>, message: impl Into<String>) -> ConfigError {
        self.at(value.span(), message)
    }

    /// The line of a byte offset: counted only for a message, since
    /// counting for every table of a config with hundreds was quadratic.
    fn line_at(&self, offset: usize) -> usize {
        line_column(self.text, offset).0
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The `[table]` header in force at `offset`, for messages.
fn table_at(text: &str, offset: usize) -> String {
    // Up to the end of the offset's line, so an error inside a header
    // (or pointing at it) names that header.
    let start = floor_char_boundary(text, offset.min(text.len()));
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    text[..end]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_owned())
        .unwrap_or_else(|| "the top level".to_owned())
}

/// The closest of `candidates` to `word`, if any is close enough to be a
/// plausible typo.
pub(super) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Rewrites a TOML error: position as `file:line:column`, unknown keys with
/// the table they are in and the closest valid key.
pub(super) fn toml_error(err: &toml::de::Error, text: &str, path: &Path) -> ConfigError {
    let message = err.message().trim().to_owned();
    let Some(span) = err.span() else {
        return ConfigError::Invalid { path: path.to_owned(), message };
    };
    let (line, column) = line_column(text, span.start);
    let explained = explain_toml_message(&message, text, span.start);
    // Syntax and type errors get the offending line and a caret, so the
    // typo is visible without opening the file.
    let rewritten = message.starts_with("unknown field") || message.starts_with("missing field");
    let message = if !rewritten {
        let source_line = text.lines().nth(line - 1).unwrap_or("");
        let pad = " ".repeat(line.to_string().len());
        let caret = format!("{}^", " ".repeat(column.saturating_sub(1)));
        format!("{explained}\n  {line} | {source_line}\n  {pad} | {caret}")
    } else {
        explained
    };
    ConfigError::At { path: path.to_owned(), line, column, message }
}

fn explain_toml_message(message: &str, text: &str, offset: usize) -> String {
    let table = table_at(text, offset);
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = match closest(field, valid.iter().copied()) {
            Some(best) => format!("; did you mean \"{best}\"?"),
            None => String::new(),
        };
        return format!(
            "unknown key \"{field}\" in {table}{hint} (valid keys: {})",
            valid.join(", ")
        );
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("missing key \"{field}\" in {table}");
    }
    // Type errors point at the value; name the key written before it.
    let line_start = text[..floor_char_boundary(text, offset)].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let message = message
        .replace("expected i64", "expected an integer")
        .replace("expected a boolean", "expected true or false");
    match line.split_once('=') {
        Some((key, _)) if message.starts_with("invalid") => {
            format!("{} in {table}: {message}", key.trim())
        }
        _ => message,
    }
}

fn in_range(
    ctx: &Ctx,
    value: Option<&Spanned<i64>>,
    key: &str,
    range: (i64, i64),
    default: usize,
) -> Result<usize, ConfigError> {
    let Some(v) = value else { return Ok(default) };
    let n = *v.get_ref();
    if n < range.0 || n > range.1 {
        return Err(
            ctx.spanned(v, format!("{key} = {n} is out of range; use {} to {}", range.0, range.1))
        );
    }
    // The range fits any usize this program runs on.
    Ok(usize::try_from(n).unwrap_or(default))
}

fn timezone(ctx: &Ctx, value: &Spanned<String>) -> Result<Tz, ConfigError> {
    let name = value.get_ref().trim();
    Tz::from_str(name).map_err(|_| {
        let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
        let hint = match closest(name, names) {
            Some(best) => format!("; did you mean \"{best}\"?"),
            None => "; use an IANA name such as \"Asia/Shanghai\" or \"UTC\"".to_owned(),
        };
        ctx.spanned(value, format!("unknown timezone \"{name}\"{hint}"))
    })
}

fn http_url(ctx: &Ctx, value: &Spanned<String>, key: &str) -> Result<Url, ConfigError> {
    let raw = value.get_ref().trim();
    let url = Url::parse(raw)
        .map_err(|e| ctx.spanned(value, format!("{key} \"{raw}\" is not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ctx.spanned(value, format!("{key} \"{raw}\" must be an http or https URL")));
    }
    Ok(url)
}

fn non_empty(ctx: &Ctx, value: &Spanned<String>, key: &str) -> Result<String, ConfigError> {
    let s = value.get_ref().trim();
    if s.is_empty() {
        return Err(ctx.spanned(value, format!("{key} must not be empty")));
    }
    Ok(s.to_owned())
}

pub(super) fn validate(
    file: ConfigFile,
    text: &str,
    path: &Path,
    base: &Path,
) -> Result<Config, ConfigError> {
    let ctx = Ctx { text, path };
    let Some(site) = file.site else {
        if file.channel.is_empty() && file.source.is_empty() {
            // An empty file is a documented no-op rather than an error.
            let names = ChannelNames::default();
            return Ok(Config {
                path: path.to_owned(),
                site: None,
                channels: vec![],
                sources: vec![],
                names,
                fetch: Fetch::default(),
            });
        }
        let message = "missing [site] table; add one with at least title and link".to_owned();
        return Err(ConfigError::Invalid { path: path.to_owned(), message });
    };
    let site = validate_site(&ctx, site, base)?;
    let fetch = validate_fetch(&ctx, file.fetch)?;
    let (channels, names) = validate_channels(&ctx, &file.channel, &site)?;
    let sources = validate_sources(&ctx, file.source, &site, &names, &fetch, base)?;
    Ok(Config { path: path.to_owned(), site: Some(site), channels, sources, names, fetch })
}

fn validate_site(ctx: &Ctx, raw: SiteConfig, base: &Path) -> Result<Site, ConfigError> {
    let title = non_empty(ctx, &raw.title, "title")?;
    let mut link = http_url(ctx, &raw.link, "link")?;
    // Without the trailing slash, Url::join would replace the last segment.
    if !link.path().ends_with('/') {
        let p = format!("{}/", link.path());
        link.set_path(&p);
    }
    let timezone = match &raw.timezone {
        Some(tz) => timezone(ctx, tz)?,
        None => Tz::UTC,
    };
    let formats = match &raw.formats {
        None => Format::ALL.to_vec(),
        Some(list) => {
            let mut formats = Vec::new();
            for f in list.get_ref() {
                let format = Format::from_name(f.get_ref()).ok_or_else(|| {
                    ctx.spanned(
                        f,
                        format!("unknown format \"{}\"; expected rss, atom or json", f.get_ref()),
                    )
                })?;
                if !formats.contains(&format) {
                    formats.push(format);
                }
            }
            if formats.is_empty() {
                return Err(ctx.spanned(list, "formats must list at least one of rss, atom, json"));
            }
            formats
        }
    };
    let summary_length = in_range(
        ctx,
        raw.summary_length.as_ref(),
        "summary_length",
        SUMMARY_LENGTH_RANGE,
        DEFAULT_SUMMARY_LENGTH,
    )?;
    let items_per_channel = in_range(
        ctx,
        raw.items_per_channel.as_ref(),
        "items_per_channel",
        ITEMS_RANGE,
        DEFAULT_ITEMS_PER_CHANNEL,
    )?;
    Ok(Site {
        title,
        link,
        description: raw.description.filter(|d| !d.trim().is_empty()),
        language: raw.language.filter(|l| !l.trim().is_empty()),
        timezone,
        output: base.join(raw.output.as_deref().unwrap_or("output")),
        formats,
        summary_length,
        ellipsis: raw.ellipsis.unwrap_or_else(|| "...".to_owned()),
        items_per_channel,
        author: raw.author.filter(|a| !a.trim().is_empty()),
        state: base.join(raw.state.as_deref().unwrap_or(".feedwright/state.db")),
    })
}

/// `every`: at most a year, so adding it to a date can never overflow.
fn every(ctx: &Ctx, value: Option<&Spanned<String>>) -> Result<Duration, ConfigError> {
    let Some(v) = value else { return Ok(Duration::ZERO) };
    let d = duration(ctx, v, "every")?;
    if d > Duration::from_secs(366 * 86_400) {
        return Err(ctx.spanned(v, "every must be at most a year (\"365d\")"));
    }
    Ok(d)
}

/// A humantime duration such as `"30s"`, `"15m"`, `"2h"`, `"7d"`.
fn duration(ctx: &Ctx, value: &Spanned<String>, key: &str) -> Result<Duration, ConfigError> {
    let raw = value.get_ref().trim();
    humantime::parse_duration(raw).map_err(|e| {
        ctx.spanned(value, format!("{key} = \"{raw}\" is not a duration ({e}); write e.g. \"30s\", \"15m\", \"2h\" or \"7d\""))
    })
}

fn validate_fetch(ctx: &Ctx, raw: Option<FetchConfig>) -> Result<Fetch, ConfigError> {
    let d = Fetch::default();
    let Some(raw) = raw else { return Ok(d) };
    let secs = |v: &Option<Spanned<String>>,
                key: &str,
                default: Duration|
     -> Result<Duration, ConfigError> {
        match v {
            None => Ok(default),
            Some(v) => {
                let d = duration(ctx, v, key)?;
                if d.is_zero() || d > Duration::from_secs(600) {
                    return Err(ctx.spanned(v, format!("{key} must be between 1s and 10m")));
                }
                Ok(d)
            }
        }
    };
    Ok(Fetch {
        concurrency: in_range(
            ctx,
            raw.concurrency.as_ref(),
            "concurrency",
            (1, 256),
            d.concurrency,
        )?,
        per_host: in_range(ctx, raw.per_host.as_ref(), "per_host", (1, 64), d.per_host)?,
        connect_timeout: secs(&raw.connect_timeout, "connect_timeout", d.connect_timeout)?,
        read_timeout: secs(&raw.read_timeout, "read_timeout", d.read_timeout)?,
        timeout: secs(&raw.timeout, "timeout", d.timeout)?,
        // 100 MiB is the hard ceiling: a feed larger than that is not a feed.
        max_body: in_range(ctx, raw.max_body_mib.as_ref(), "max_body_mib", (1, 100), 10)? as u64
            * 1024
            * 1024,
        max_redirects: in_range(
            ctx,
            raw.max_redirects.as_ref(),
            "max_redirects",
            (0, 20),
            d.max_redirects,
        )?,
        allow_private: raw.allow_private.unwrap_or(d.allow_private),
    })
}

fn validate_channels(
    ctx: &Ctx,
    raw: &[ChannelConfig],
    site: &Site,
) -> Result<(Vec<Channel>, ChannelNames), ConfigError> {
    let mut channels: Vec<Channel> = Vec::with_capacity(raw.len());
    // Where each id was first defined (byte offset).
    let mut lines: HashMap<ChannelId, usize> = HashMap::new();
    let mut parents = Vec::with_capacity(raw.len());
    for c in raw {
        let id_str = c.id.get_ref().as_str();
        let id = ChannelId::new(id_str).ok_or_else(|| {
            ctx.spanned(&c.id, format!(
                "invalid channel id \"{id_str}\": use 1-64 characters of a-z, 0-9, \"-\" and \"_\", starting with a letter or digit"
            ))
        })?;
        if let Some(&first) = lines.get(&id) {
            let first = ctx.line_at(first);
            return Err(ctx.spanned(
                &c.id,
                format!("duplicate channel id \"{id}\" (first defined at line {first})"),
            ));
        }
        lines.insert(id.clone(), c.id.span().start);
        let link = match &c.link {
            Some(l) => http_url(ctx, l, "link")?,
            None => site.page_url(&id),
        };
        channels.push(Channel {
            id,
            title: non_empty(ctx, &c.title, "title")?,
            description: c.description.clone().filter(|d| !d.trim().is_empty()),
            link,
            language: c.language.clone().filter(|l| !l.trim().is_empty()),
            parent: None,
            aliases: c.aliases.iter().map(|a| a.get_ref().trim().to_owned()).collect(),
            items_per_channel: in_range(
                ctx,
                c.items_per_channel.as_ref(),
                "items_per_channel",
                ITEMS_RANGE,
                site.items_per_channel,
            )?,
            summary_length: in_range(
                ctx,
                c.summary_length.as_ref(),
                "summary_length",
                SUMMARY_LENGTH_RANGE,
                site.summary_length,
            )?,
            keep_days: match &c.keep_days {
                None => None,
                Some(_) => {
                    Some(in_range(ctx, c.keep_days.as_ref(), "keep_days", (1, 36_500), 0)? as u32)
                }
            },
            keep_items: in_range(
                ctx,
                c.keep_items.as_ref(),
                "keep_items",
                ITEMS_RANGE,
                KEEP_ITEMS_DEFAULT,
            )?,
        });
        parents.push(c.parent.as_ref());
    }
    // Parents are resolved after every id is known, so order in the file
    // does not matter.
    for (i, parent) in parents.iter().enumerate() {
        let Some(p) = parent else { continue };
        let pid =
            ChannelId::new(p.get_ref()).filter(|pid| lines.contains_key(pid)).ok_or_else(|| {
                let ids = channels.iter().map(|c| c.id.as_str());
                let hint = closest(p.get_ref(), ids)
                    .map(|b| format!("; did you mean \"{b}\"?"))
                    .unwrap_or_default();
                ctx.spanned(p, format!("parent \"{}\" is not a channel id{hint}", p.get_ref()))
            })?;
        channels[i].parent = Some(pid);
    }
    for (i, parent) in parents.iter().enumerate() {
        let Some(p) = parent else { continue };
        let mut seen = vec![channels[i].id.clone()];
        let mut cur = channels[i].parent.clone();
        while let Some(id) = cur {
            if seen.contains(&id) {
                seen.push(id);
                let path: Vec<&str> = seen.iter().map(ChannelId::as_str).collect();
                return Err(
                    ctx.spanned(p, format!("channel parents form a cycle: {}", path.join(" -> ")))
                );
            }
            cur = channels.iter().find(|c| c.id == id).and_then(|c| c.parent.clone());
            seen.push(id);
        }
    }
    let mut names = ChannelNames::default();
    for (c, r) in channels.iter().zip(raw) {
        let spans = std::iter::once((c.id.as_str(), &r.id))
            .chain(std::iter::once((c.title.as_str(), &r.title)))
            .chain(c.aliases.iter().map(String::as_str).zip(r.aliases.iter()));
        for (name, span) in spans {
            if let Some(other) = names.insert(name, &c.id)
                && other != c.id
            {
                return Err(ctx.spanned(span, format!(
                    "channel name \"{name}\" is used by both \"{other}\" and \"{}\"; records could not tell them apart",
                    c.id
                )));
            }
        }
    }
    Ok((channels, names))
}

fn validate_sources(
    ctx: &Ctx,
    raw: Vec<SourceConfig>,
    site: &Site,
    names: &ChannelNames,
    fetch: &Fetch,
    base: &Path,
) -> Result<Vec<Source>, ConfigError> {
    let mut sources = Vec::with_capacity(raw.len());
    // Where each id was first defined (byte offset).
    let mut lines: HashMap<String, usize> = HashMap::new();
    for s in raw {
        let id = s.id.get_ref().trim().to_owned();
        let id_ok = !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !id_ok {
            return Err(ctx.spanned(&s.id, format!(
                "invalid source id \"{id}\": use 1-64 characters of A-Z, a-z, 0-9, \"-\", \"_\" and \".\""
            )));
        }
        if let Some(&first) = lines.get(&id) {
            let first = ctx.line_at(first);
            return Err(ctx.spanned(
                &s.id,
                format!("duplicate source id \"{id}\" (first defined at line {first})"),
            ));
        }
        lines.insert(id.clone(), s.id.span().start);
        reject_foreign_keys(ctx, &id, &s)?;
        let kind = match s.kind.get_ref().as_str() {
            "records" => {
                let path = s.path.as_ref().ok_or_else(|| {
                    ctx.spanned(&s.id, format!("source \"{id}\" (kind = \"records\") needs a path"))
                })?;
                let pattern = non_empty(ctx, path, "path")?;
                let format = match &s.format {
                    None => None,
                    Some(f) => Some(RecordFormat::from_name(f.get_ref()).ok_or_else(|| {
                        ctx.spanned(
                            f,
                            format!(
                                "unknown record format \"{}\"; expected one of {}",
                                f.get_ref(),
                                RecordFormat::NAMES.join(", ")
                            ),
                        )
                    })?),
                };
                SourceKind::Records { path: resolve(base, &pattern), pattern, format }
            }
            "feed" => {
                let (location, every) = remote_basics(ctx, &id, "feed", &s, base)?;
                let max_age =
                    s.max_age.as_ref().map(|m| duration(ctx, m, "max_age")).transpose()?;
                FeedSource {
                    location,
                    every,
                    include: regexes(ctx, s.include, "include")?,
                    exclude: regexes(ctx, s.exclude, "exclude")?,
                    max_age,
                    max_items: in_range(ctx, s.max_items.as_ref(), "max_items", ITEMS_RANGE, 1000)?,
                    allow_private: s.allow_private.unwrap_or(fetch.allow_private),
                }
                .into()
            }
            "html" => {
                let (location, every) = remote_basics(ctx, &id, "html", &s, base)?;
                let Some(select) = s.select else {
                    return Err(ctx.spanned(
                        &s.id,
                        format!("source \"{id}\" (kind = \"html\") needs a [source.select] table with at least item"),
                    ));
                };
                let select = select.into_inner();
                let field = |v: &Spanned<String>, key: &str| -> Result<Field, ConfigError> {
                    Field::parse(v.get_ref()).map_err(|e| {
                        ctx.spanned(v, format!("source \"{id}\": {key} \"{}\": {e}", v.get_ref()))
                    })
                };
                let opt = |v: &Option<Spanned<String>>,
                           key: &str|
                 -> Result<Option<Field>, ConfigError> {
                    v.as_ref().map(|v| field(v, key)).transpose()
                };
                let default_a = |raw: &str| Field::parse(raw).expect("built-in selector");
                let select = Select {
                    item: field(&select.item, "select.item")?,
                    title: opt(&select.title, "select.title")?.unwrap_or_else(|| default_a("a")),
                    link: opt(&select.link, "select.link")?.unwrap_or_else(|| default_a("a@href")),
                    summary: opt(&select.summary, "select.summary")?,
                    date: opt(&select.date, "select.date")?,
                    date_format: select
                        .date_format
                        .map(|f| f.into_inner().into_vec())
                        .unwrap_or_default(),
                    author: opt(&select.author, "select.author")?,
                    image: opt(&select.image, "select.image")?,
                    category: opt(&select.category, "select.category")?,
                };
                let article = match s.article {
                    None => None,
                    Some(a) => {
                        let a = a.into_inner();
                        Some(ArticleSelect {
                            content: opt(&a.content, "article.content")?,
                            author: opt(&a.author, "article.author")?,
                            published: opt(&a.published, "article.published")?,
                            source: opt(&a.source, "article.source")?,
                            title: opt(&a.title, "article.title")?,
                            channel: opt(&a.channel, "article.channel")?,
                        })
                    }
                };
                HtmlSource {
                    location,
                    select,
                    follow: s.follow.unwrap_or(false),
                    article,
                    next: opt(&s.next, "next")?,
                    max_pages: in_range(ctx, s.max_pages.as_ref(), "max_pages", (1, 100), 1)?,
                    every,
                    allow_private: s.allow_private.unwrap_or(fetch.allow_private),
                }
                .into()
            }
            other => {
                let hint = closest(other, SOURCE_KINDS)
                    .map(|b| format!("; did you mean \"{b}\"?"))
                    .unwrap_or_default();
                return Err(ctx.spanned(
                    &s.kind,
                    format!(
                        "unknown source kind \"{other}\"{hint} (supported: {})",
                        SOURCE_KINDS.join(", ")
                    ),
                ));
            }
        };
        let channel = match &s.channel {
            None => None,
            Some(c) => Some(names.resolve(c.get_ref()).cloned().ok_or_else(|| {
                let hint = closest(c.get_ref(), names.all())
                    .map(|b| format!("; did you mean \"{b}\"?"))
                    .unwrap_or_default();
                ctx.spanned(
                    c,
                    format!("source \"{id}\": channel \"{}\" is not configured{hint}", c.get_ref()),
                )
            })?),
        };
        let timezone = match &s.timezone {
            Some(tz) => timezone(ctx, tz)?,
            None => site.timezone,
        };
        sources.push(Source { id, kind, channel, timezone, enabled: s.enabled });
    }
    Ok(sources)
}

/// What feed and html sources share: where they read from, a channel for
/// their items, and the refetch interval.
fn remote_basics(
    ctx: &Ctx,
    id: &str,
    kind: &str,
    s: &SourceConfig,
    base: &Path,
) -> Result<(FeedLocation, Duration), ConfigError> {
    let location = location(ctx, (id, s.id.span()), kind, s.url.as_ref(), s.path.as_ref(), base)?;
    if s.channel.is_none() {
        let message = format!("source \"{id}\" (kind = \"{kind}\") needs a channel for its items");
        return Err(ctx.spanned(&s.id, message));
    }
    Ok((location, every(ctx, s.every.as_ref())?))
}

/// Where a feed or html source reads from: exactly one of `url` and `path`.
fn location(
    ctx: &Ctx,
    (id, id_span): (&str, Range<usize>),
    kind: &str,
    url: Option<&Spanned<String>>,
    path: Option<&Spanned<String>>,
    base: &Path,
) -> Result<FeedLocation, ConfigError> {
    match (url, path) {
        (Some(u), None) => Ok(FeedLocation::Url(feed_url(ctx, u)?)),
        (None, Some(p)) => {
            let pattern = non_empty(ctx, p, "path")?;
            Ok(FeedLocation::Path { path: resolve(base, &pattern), pattern })
        }
        (Some(u), Some(_)) => Err(ctx.spanned(
            u,
            format!("source \"{id}\" (kind = \"{kind}\") has both url and path; give one"),
        )),
        // The id is the best place to point at when both are missing.
        (None, None) => {
            Err(ctx
                .at(id_span, format!("source \"{id}\" (kind = \"{kind}\") needs a url or a path")))
        }
    }
}

/// A kind-specific key: its name, where it was written (if it was), and the
/// kinds that use it.
type KindKey<'a> = (&'a str, Option<Range<usize>>, &'a [&'a str]);

/// Keys that belong to another source kind are errors, not silently
/// ignored: one table says which kinds use each kind-specific key.
fn reject_foreign_keys(ctx: &Ctx, id: &str, s: &SourceConfig) -> Result<(), ConfigError> {
    const R: &[&str] = &["records"];
    const F: &[&str] = &["feed"];
    const H: &[&str] = &["html"];
    const FH: &[&str] = &["feed", "html"];
    let kind_span = || s.kind.span();
    let keys: [KindKey; 13] = [
        ("format", s.format.as_ref().map(Spanned::span), R),
        ("url", s.url.as_ref().map(Spanned::span), FH),
        ("every", s.every.as_ref().map(Spanned::span), FH),
        ("allow_private", s.allow_private.map(|_| kind_span()), FH),
        ("max_age", s.max_age.as_ref().map(Spanned::span), F),
        ("max_items", s.max_items.as_ref().map(Spanned::span), F),
        ("include", s.include.as_ref().map(Spanned::span), F),
        ("exclude", s.exclude.as_ref().map(Spanned::span), F),
        ("select", s.select.as_ref().map(Spanned::span), H),
        ("article", s.article.as_ref().map(Spanned::span), H),
        ("follow", s.follow.map(|_| kind_span()), H),
        ("next", s.next.as_ref().map(Spanned::span), H),
        ("max_pages", s.max_pages.as_ref().map(Spanned::span), H),
    ];
    let kind = s.kind.get_ref().as_str();
    // An unknown kind is reported by the caller, with a suggestion.
    if !SOURCE_KINDS.contains(&kind) {
        return Ok(());
    }
    for (key, span, kinds) in keys {
        if let Some(span) = span
            && !kinds.contains(&kind)
        {
            let message =
                format!("source \"{id}\": key \"{key}\" is not used by kind = \"{kind}\"");
            return Err(ctx.at(span, message));
        }
    }
    Ok(())
}

/// A feed URL: http or https only; `file:`, `ftp:`, `javascript:` and the
/// like are refused here (local files go through `path`).
fn feed_url(ctx: &Ctx, value: &Spanned<String>) -> Result<url::Url, ConfigError> {
    let raw = value.get_ref().trim();
    let url = url::Url::parse(raw)
        .map_err(|e| ctx.spanned(value, format!("url \"{raw}\" is not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ctx.spanned(
            value,
            format!(
                "url \"{}\" must be an http or https URL; for a local file use path",
                super::types::redact_url(&url)
            ),
        ));
    }
    Ok(url)
}

fn regexes(
    ctx: &Ctx,
    raw: Option<Spanned<super::raw::OneOrMany>>,
    key: &str,
) -> Result<Vec<regex::Regex>, ConfigError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    let span = raw.span();
    raw.into_inner()
        .into_vec()
        .iter()
        .map(|r| {
            regex::RegexBuilder::new(r).case_insensitive(true).size_limit(1 << 20).build().map_err(
                |e| ctx.at(span.clone(), format!("{key}: invalid regular expression: {e}")),
            )
        })
        .collect()
}

fn resolve(base: &Path, pattern: &str) -> PathBuf {
    let p = Path::new(pattern);
    if p.is_absolute() { p.to_owned() } else { base.join(p) }
}
