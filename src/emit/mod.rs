//! Renders finished channels into bytes: one feed per format (RSS 2.0, Atom
//! 1.0, JSON Feed 1.1), the human pages (a channel page and the site index)
//! and an OPML list of every feed.
//!
//! Each format lives in its own module and this one only dispatches, plus a
//! handful of helpers every format shares (feed date, text cleaning,
//! escaping). Emitters are pure: they never do I/O, never read the clock and
//! never reorder or filter items (the pipeline already did), so the same input
//! always yields the same bytes and `output` can skip unchanged files.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};

use crate::config::{Format, Site};
use crate::model::{Article, ChannelFeed};

mod atom;
mod html;
mod json;
mod opml;
mod rss;
mod xml;

/// Renders one channel in one feed format.
pub fn render_feed(format: Format, feed: &ChannelFeed, site: &Site) -> Vec<u8> {
    // `self::` because the `rss` module shares its name with the `rss` crate.
    match format {
        Format::Rss => self::rss::render(feed, site, Vec::new()),
        Format::Atom => self::atom::render(feed, site, Vec::new()),
        Format::Json => self::json::render(feed, site, Vec::new()),
    }
}

/// The channel's human page (`<channel>/index.html`).
pub fn render_channel_page(feed: &ChannelFeed, site: &Site) -> Vec<u8> {
    html::render_channel_page(feed, site, Vec::new())
}

/// A document of one channel written item by item: the RSS and Atom feeds
/// and the channel page, so that [`render_channel_into`] can hand each item
/// to all of them in turn. Each module's `begin` writes what comes before
/// the first item.
trait ItemDoc {
    /// Writes the next item.
    fn item(&mut self, article: &Article);
    /// Closes the document and returns its bytes.
    fn end(self) -> Vec<u8>;
}

/// Writes every item of `feed` into `doc` and closes it.
fn write_items(mut doc: impl ItemDoc, feed: &ChannelFeed) -> Vec<u8> {
    for article in &feed.items {
        doc.item(article);
    }
    doc.end()
}

/// A channel's files rendered together by [`render_channel_into`]: one
/// buffer per feed format (in the order asked for) and the channel page.
/// The buffers are kept from channel to channel, so their allocations are
/// reused.
#[derive(Debug, Default)]
pub struct ChannelFiles {
    pub feeds: Vec<(Format, Vec<u8>)>,
    pub page: Vec<u8>,
}

/// Renders `feed` in every format of `formats` and its channel page, taking
/// the items one at a time through all of them: the same bytes as
/// [`render_feed`] and [`render_channel_page`], but each item's
/// text is read from memory once, while it is in the cache, instead of once
/// per file (on a large build, rendering waited on memory more than it
/// computed). JSON Feed is rendered on its own, through serde.
pub fn render_channel_into(
    feed: &ChannelFeed,
    site: &Site,
    formats: &[Format],
    files: &mut ChannelFiles,
) {
    /// One feed being written; JSON Feed is only a buffer until the end.
    enum Doc<'a> {
        Rss(self::rss::Doc<'a>),
        Atom(atom::Doc),
        Json(Vec<u8>),
    }
    // The buffers of the channel before, reused in any order: each is
    // cleared, and a writer replaces one too small for its file.
    let mut spare: Vec<Vec<u8>> = files.feeds.drain(..).map(|(_, buf)| buf).collect();
    let mut docs: Vec<(Format, Doc)> = formats
        .iter()
        .map(|&format| {
            let mut buf = spare.pop().unwrap_or_default();
            buf.clear();
            let doc = match format {
                Format::Rss => Doc::Rss(self::rss::begin(feed, site, buf)),
                Format::Atom => Doc::Atom(atom::begin(feed, site, buf)),
                Format::Json => Doc::Json(buf),
            };
            (format, doc)
        })
        .collect();
    let mut page = html::begin_channel_page(feed, site, std::mem::take(&mut files.page));
    for (i, article) in feed.items.iter().enumerate() {
        if let Some(next) = feed.items.get(i + 1) {
            touch(next);
        }
        for (_, doc) in &mut docs {
            match doc {
                Doc::Rss(doc) => doc.item(article),
                Doc::Atom(doc) => doc.item(article),
                Doc::Json(_) => {}
            }
        }
        page.item(article);
    }
    files.feeds = docs
        .into_iter()
        .map(|(format, doc)| {
            let bytes = match doc {
                Doc::Rss(doc) => doc.end(),
                Doc::Atom(doc) => doc.end(),
                Doc::Json(buf) => json::render(feed, site, buf),
            };
            (format, bytes)
        })
        .collect();
    files.page = page.end();
}

/// Reads the first byte of each short text of `article`, so that its cache
/// misses overlap the rendering of the item before instead of stalling its
/// own: a large channel's items are scattered over the heap.
#[inline(always)]
fn touch(article: &Article) {
    let first = |s: &str| s.as_bytes().first().copied();
    std::hint::black_box((
        first(&article.title),
        first(&article.id),
        first(&article.snippet),
        article.link.as_deref().and_then(first),
        article.content.as_deref().and_then(first),
    ));
}

/// The site's front page (`index.html`) listing every channel.
pub fn render_index(feeds: &[ChannelFeed], site: &Site) -> Vec<u8> {
    html::render_index(feeds, site)
}

/// The stylesheet the HTML pages link to (`style.css` at the output root).
pub fn stylesheet() -> &'static [u8] {
    html::STYLE.as_bytes()
}

/// OPML 2.0 listing every channel feed (`feeds.opml`).
pub fn render_opml(feeds: &[ChannelFeed], site: &Site) -> Vec<u8> {
    opml::render(feeds, site)
}

/// Name written in every `generator` field.
const GENERATOR: &str = "feedwright";

/// Version written next to [`GENERATOR`].
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The XML declaration every XML output starts with. The crates write their
/// own (`utf-8` lower-case, or none at all); we normalise to one spelling.
const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// The feed-level date: the newest item date, or the Unix epoch when no item
/// is dated. Never the wall clock, so that output bytes stay reproducible.
fn feed_date(feed: &ChannelFeed) -> DateTime<FixedOffset> {
    feed.updated().unwrap_or_else(|| DateTime::UNIX_EPOCH.fixed_offset())
}

/// The channel's description, else the site's.
fn description<'a>(feed: &'a ChannelFeed, site: &'a Site) -> Option<&'a str> {
    let given = |d: &&str| !d.trim().is_empty();
    feed.channel.description.as_deref().filter(given).or(site.description.as_deref().filter(given))
}

/// The channel's language, else the site's.
fn language<'a>(feed: &'a ChannelFeed, site: &'a Site) -> Option<&'a str> {
    let given = |l: &&str| !l.trim().is_empty();
    feed.channel.language.as_deref().filter(given).or(site.language.as_deref().filter(given))
}

/// The feed-level author name: the configured author, else the site title.
fn feed_author(site: &Site) -> &str {
    site.author.as_deref().filter(|a| !a.trim().is_empty()).unwrap_or(&site.title)
}

/// Drops characters XML cannot carry at all (not even escaped), and the
/// DEL/C1 controls that are never meant in feed text ([`crate::text::strip_forbidden_chars`]).
/// Applied to every string we write, in every format, so all outputs agree on the text.
fn clean(s: &str) -> Cow<'_, str> {
    crate::text::strip_forbidden_chars(s)
}

/// [`clean`] into an owned `String`, for the crates' data structures.
fn owned(s: &str) -> String {
    clean(s).into_owned()
}

/// Cleans and escapes text for HTML or XML, in content and in quoted
/// attribute values alike: the one escaping helper for hand-written markup.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// [`escape`], appending to `out`.
fn escape_into(out: &mut String, s: &str) {
    escape_clean(s, "&#39;", |piece| out.push_str(piece));
}

/// Escapes `< > & ' "` (the apostrophe as `apos`) and drops the characters
/// [`clean`] drops, in one pass, handing the pieces of the result to `push`
/// in order. Titles, links and dates are short, and scanning each twice
/// (once to clean, once to escape) cost more than the work itself. Runs of
/// bytes that need nothing are passed whole: in CJK text that is nearly all.
#[inline(always)]
fn escape_clean(s: &str, apos: &'static str, mut push: impl FnMut(&str)) {
    let bytes = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    loop {
        i = crate::text::find_byte(bytes, i, |b| {
            (b == b'<')
                | (b == b'>')
                | (b == b'&')
                | (b == b'\'')
                | (b == b'"')
                | (b < 0x20)
                | (b == 0x7f)
                | (b == 0xc2)
                | (b == 0xef)
        });
        let Some(&b) = bytes.get(i) else { break };
        let (replacement, len) = match b {
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'&' => ("&amp;", 1),
            b'\'' => (apos, 1),
            b'"' => ("&quot;", 1),
            _ => match crate::text::forbidden_len(bytes, i) {
                0 => {
                    i += 1;
                    continue;
                }
                len => ("", len),
            },
        };
        // `i` is at an ASCII byte or the start of a whole character: a char boundary.
        push(&s[start..i]);
        push(replacement);
        i += len;
        start = i;
    }
    push(&s[start..]);
}

/// Whether `s` is an absolute http(s) URL, the only kind allowed in an
/// `href` (keeps `javascript:` and friends out of our pages). The scheme is
/// what decides that, so this checks the scheme and that there is a host,
/// without a full URL parse per item (a large site's pages spent a fifth
/// of their time there): no space or control character anywhere, which a
/// browser might strip to find another scheme.
fn is_http_url(s: &str) -> bool {
    let rest = ["https://", "http://"].iter().find_map(|scheme| {
        s.get(..scheme.len()).filter(|h| h.eq_ignore_ascii_case(scheme)).map(|_| &s[scheme.len()..])
    });
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !s.bytes().any(|b| b <= b' ' || b == 0x7f)
}

/// Replaces whatever XML declaration a crate wrote with [`XML_DECLARATION`]
/// and makes sure the document ends with one newline, so the crates'
/// reference renderings in the tests compare with ours.
#[cfg(test)]
fn normalise_xml(mut bytes: Vec<u8>) -> Vec<u8> {
    // Edits the buffer in place: feeds can be many megabytes, and a copy
    // per file showed up in profiles.
    let decl_end = match bytes.strip_prefix(b"<?xml") {
        Some(rest) => rest.windows(2).position(|w| w == b"?>").map_or(0, |i| i + 5 + 2),
        None => 0,
    };
    let body_start =
        decl_end + bytes[decl_end..].iter().position(|b| !matches!(b, b'\r' | b'\n')).unwrap_or(0);
    while bytes.last().is_some_and(u8::is_ascii_whitespace) {
        bytes.pop();
    }
    let mut head = Vec::with_capacity(XML_DECLARATION.len() + 1);
    head.extend_from_slice(XML_DECLARATION.as_bytes());
    head.push(b'\n');
    bytes.splice(..body_start.min(bytes.len()), head);
    bytes.push(b'\n');
    bytes
}

/// A starting capacity for a rendered feed, so the writer's buffer does not
/// grow (and copy) a dozen times on a large channel.
fn capacity_hint(feed: &ChannelFeed) -> usize {
    let per_item: usize = feed
        .items
        .iter()
        .map(|a| a.content.as_ref().map_or(0, |c| c.len() + c.len() / 8) + a.snippet.len() + 600)
        .sum();
    per_item + 2048
}

/// Shared fixtures for the emitters' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::path::PathBuf;
    use std::sync::Arc;

    use chrono::DateTime;
    use url::Url;

    use crate::config::{Channel, ChannelId, Format, Site};
    use crate::model::{Article, ChannelFeed, Enclosure, Origin};

    fn date(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("fixture date")
    }

    /// The test site: all three formats, English, with an author.
    pub(crate) fn sample_site() -> Site {
        Site {
            title: "Feedwright Daily".to_owned(),
            link: Url::parse("https://example.com/feeds/").expect("fixture url"),
            description: Some("Reading worth your time".to_owned()),
            language: Some("en".to_owned()),
            timezone: chrono_tz::UTC,
            output: PathBuf::from("output"),
            formats: Format::ALL.to_vec(),
            summary_length: 200,
            ellipsis: "…".to_owned(),
            items_per_channel: 50,
            author: Some("Feedwright Desk".to_owned()),
            state: PathBuf::from(".feedwright/state.db"),
        }
    }

    /// A channel under the test site, optionally below a parent.
    pub(crate) fn channel(id: &str, title: &str, parent: Option<&str>) -> Channel {
        Channel {
            id: ChannelId::new(id).expect("fixture id"),
            title: title.to_owned(),
            description: Some(format!("{title} news & analysis")),
            link: Url::parse(&format!("https://example.com/feeds/{id}/")).expect("fixture url"),
            language: None,
            parent: parent.map(|p| ChannelId::new(p).expect("fixture id")),
            aliases: Vec::new(),
            items_per_channel: 50,
            summary_length: 200,
            keep_days: None,
            keep_items: 500,
        }
    }

    /// Three items, newest first: a Chinese one dated +08:00, an English one
    /// with categories, an enclosure, two authors and `&`/`<` in its title,
    /// and an undated one without a link.
    pub(crate) fn sample_items() -> Vec<Article> {
        let chinese_link = "https://example.cn/news/2025/0212.html";
        vec![
            Article {
                id: chinese_link.to_owned(),
                title: "上海发布新一轮城市更新计划".to_owned(),
                link: Some(chinese_link.to_owned()),
                channel: Some("world".to_owned()),
                published: Some(date("2025-02-12T18:00:35+08:00")),
                authors: vec!["新华社记者".to_owned()],
                source: Some("新华社".to_owned()),
                content: Some("<p>上海市政府周三公布了新一轮城市更新计划。</p>".to_owned()),
                categories: vec!["城市".to_owned()],
                snippet: "上海市政府周三公布了新一轮城市更新计划。".to_owned(),
                origin: Origin { source: "cn".to_owned(), location: "cn.jsonl:1".to_owned() },
                ..Article::default()
            },
            Article {
                key: Some("markets".to_owned()),
                id: "tag:example.com,2025:world/markets".to_owned(),
                title: "Markets & bonds: yields <5% again".to_owned(),
                link: Some("https://example.com/articles/markets".to_owned()),
                channel: Some("world".to_owned()),
                published: Some(date("2025-02-11T09:30:00-05:00")),
                updated: Some(date("2025-02-11T12:00:00-05:00")),
                authors: vec!["Ada Lovelace".to_owned(), "Grace Hopper".to_owned()],
                content: Some("<p>Yields fell <em>again</em>.</p>".to_owned()),
                categories: vec!["Markets".to_owned(), "Bonds & Rates".to_owned()],
                image: Some("https://example.com/img/markets.jpg".to_owned()),
                enclosure: Some(Enclosure {
                    url: "https://example.com/audio/markets.mp3".to_owned(),
                    mime_type: "audio/mpeg".to_owned(),
                    length: 1_234_567,
                }),
                snippet: "Yields fell again as traders priced in cuts.".to_owned(),
                origin: Origin { source: "en".to_owned(), location: "en.json[0]".to_owned() },
                ..Article::default()
            },
            Article {
                key: Some("reading-list".to_owned()),
                id: "tag:example.com,2025:world/reading-list".to_owned(),
                title: "Reading list".to_owned(),
                channel: Some("world".to_owned()),
                snippet: "Books we liked this month.".to_owned(),
                origin: Origin { source: "en".to_owned(), location: "en.json[1]".to_owned() },
                ..Article::default()
            },
        ]
    }

    /// The `world` channel (below `news`) with [`sample_items`], and the site.
    pub(crate) fn sample_feed() -> (ChannelFeed, Site) {
        let feed = ChannelFeed {
            channel: channel("world", "World", Some("news")),
            ancestors: vec![channel("news", "News", None)],
            items: sample_items().into_iter().map(Arc::new).collect(),
        };
        (feed, sample_site())
    }

    /// The sample feed in many shapes, for holding the hand-written XML
    /// writers to the crates' output: no items, no description or language,
    /// hostile and forbidden characters everywhere, CDATA terminators, merged
    /// items with and without an upstream feed URL, enclosures without a
    /// type, undated items, an empty snippet.
    pub(crate) fn feed_variations() -> Vec<(ChannelFeed, Site)> {
        let hostile = "a<b>&c\"d'e]]>f\u{1}g\u{7f}h ]]]> \u{a0}中";
        let mut out = Vec::new();
        let (feed, site) = sample_feed();
        out.push((feed.clone(), site.clone()));
        let mut empty = feed.clone();
        empty.items.clear();
        empty.channel.description = None;
        let mut bare_site = site.clone();
        bare_site.description = None;
        bare_site.language = None;
        bare_site.author = None;
        out.push((empty.clone(), bare_site.clone()));
        let mut lang = feed.clone();
        lang.channel.language = Some("zh-CN".to_owned());
        out.push((lang, bare_site));
        let mut wild = feed.clone();
        wild.channel.title = hostile.to_owned();
        wild.channel.description = Some(hostile.to_owned());
        for (i, item) in wild.items.iter_mut().enumerate() {
            let a = Arc::make_mut(item);
            a.title = format!("{hostile} {i}");
            a.snippet = if i == 2 { String::new() } else { hostile.to_owned() };
            a.authors = vec![hostile.to_owned(), "B".to_owned()];
            a.categories = vec![hostile.to_owned()];
            a.source = Some(hostile.to_owned());
            if i == 0 {
                a.content = Some("<p>x]]>y</p><![CDATA[z]]>]]>".to_owned());
                a.id = format!("{}?q=1&r='2'", a.id);
                a.link = Some(a.id.clone());
            }
            if i == 1 {
                a.enclosure = Some(Enclosure {
                    url: "https://example.com/a?x=1&y=2".to_owned(),
                    mime_type: " ".to_owned(),
                    length: 0,
                });
                a.via = Some(crate::model::Via {
                    id: hostile.to_owned(),
                    title: hostile.to_owned(),
                    feed_url: "https://up.example.org/feed?a=1&b=2".to_owned(),
                    link: Some("https://up.example.org/".to_owned()),
                });
            }
            if i == 2 {
                a.via = Some(crate::model::Via {
                    id: "urn:up".to_owned(),
                    title: "Up".to_owned(),
                    feed_url: String::new(),
                    link: None,
                });
                a.updated = Some(date("2025-03-01T00:00:00+05:45"));
            }
        }
        out.push((wild.clone(), site.clone()));
        let mut home_only = wild.clone();
        if let Some(a) = home_only.items.get_mut(2) {
            let a = Arc::make_mut(a);
            a.via.as_mut().expect("fixture via").link = Some("https://up.example.org/".to_owned());
            a.link = None;
            a.content = None;
        }
        out.push((home_only, site.clone()));
        let mut plain = feed;
        for item in &mut plain.items {
            let a = Arc::make_mut(item);
            a.content = None;
            a.authors.clear();
        }
        out.push((plain, site));
        out
    }

    /// The `news` parent with no items and the `world` child, in that order.
    pub(crate) fn sample_feeds() -> (Vec<ChannelFeed>, Site) {
        let (world, site) = sample_feed();
        let news = ChannelFeed {
            channel: channel("news", "News", None),
            ancestors: Vec::new(),
            items: vec![],
        };
        (vec![news, world], site)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// ENC-11's rule: bidi controls, zero-width characters and the line and
    /// paragraph separators are text like any other. They are kept as given
    /// in every format (each is valid XML, and a reader shows what the
    /// publisher wrote); JSON Feed writes U+2028/U+2029 as escapes.
    #[test]
    fn invisible_and_bidi_characters_in_titles_are_kept_in_every_format() {
        let (mut feed, site) = fixtures::sample_feed();
        let title = "a\u{202e}b\u{200b}c\u{200d}d\u{feff}e\u{2028}f\u{2029}g";
        Arc::make_mut(&mut feed.items[0]).title = title.to_owned();
        for format in [Format::Rss, Format::Atom] {
            let out = String::from_utf8(render_feed(format, &feed, &site)).unwrap();
            assert!(out.contains(&format!("<title>{title}</title>")), "{format:?}: {out}");
            let parsed = feed_rs::parser::parse(out.as_bytes()).expect("still a feed");
            let first = parsed.entries[0].title.as_ref().map(|t| t.content.as_str());
            assert_eq!(first, Some(title), "{format:?}");
        }
        let out = String::from_utf8(render_feed(Format::Json, &feed, &site)).unwrap();
        assert!(out.contains("a\u{202e}b\u{200b}c\u{200d}d\u{feff}e\\u2028f\\u2029g"), "{out}");
        let value: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(value["items"][0]["title"], title);
        let page = String::from_utf8(render_channel_page(&feed, &site)).unwrap();
        assert!(page.contains(title), "{page}");
    }

    #[test]
    fn clean_drops_only_forbidden_chars() {
        assert_eq!(clean("a\u{1}b\tc\n\u{fffe}d\u{7f}e\u{85}"), "ab\tc\nde");
        assert!(matches!(clean("plain 中文"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_covers_all_five() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn only_http_urls_count() {
        assert!(is_http_url("https://example.com/a"));
        assert!(is_http_url("http://example.com/"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("/relative"));
        assert!(!is_http_url("ftp://example.com/"));
        assert!(is_http_url("HTTPS://EXAMPLE.COM/"));
        assert!(!is_http_url(" javascript:alert(1)"));
        assert!(!is_http_url("\thttp://example.com/"));
        assert!(!is_http_url("http://"));
        assert!(!is_http_url("http:///path"));
        assert!(!is_http_url("http://a b/"));
        assert!(!is_http_url("http:example.com"));
        assert!(!is_http_url("javascript://example.com/%0Aalert(1)"));
    }

    #[test]
    fn merged_items_name_their_upstream_feed_in_every_format() {
        let (mut feed, site) = fixtures::sample_feed();
        Arc::make_mut(&mut feed.items[0]).via = Some(crate::model::Via {
            id: "urn:uuid:upstream-1".to_owned(),
            title: "Harbor <Daily>".to_owned(),
            feed_url: "https://harbor.example/feed.xml".to_owned(),
            link: Some("https://harbor.example/".to_owned()),
        });
        let rss = String::from_utf8(render_feed(Format::Rss, &feed, &site)).unwrap();
        assert!(
            rss.contains(
                r#"<source url="https://harbor.example/feed.xml">Harbor &lt;Daily&gt;</source>"#
            ),
            "{rss}"
        );
        let atom = String::from_utf8(render_feed(Format::Atom, &feed, &site)).unwrap();
        let parsed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
        assert!(atom.contains("<source>"), "{atom}");
        assert!(atom.contains("<id>urn:uuid:upstream-1</id>"), "{atom}");
        assert!(
            atom.contains(r#"<link href="https://harbor.example/feed.xml" rel="self"/>"#),
            "{atom}"
        );
        assert_eq!(parsed.entries.len(), feed.items.len());
        let json: serde_json::Value =
            serde_json::from_slice(&render_feed(Format::Json, &feed, &site)).unwrap();
        let via = &json["items"][0]["_feedwright"]["via"];
        assert_eq!(via["feed_url"], "https://harbor.example/feed.xml");
        assert_eq!(via["title"], "Harbor <Daily>");
        assert_eq!(via["home_page_url"], "https://harbor.example/");
    }

    #[test]
    fn empty_feed_is_dated_at_epoch() {
        let (mut feed, _) = fixtures::sample_feed();
        feed.items.retain(|i| i.date().is_none());
        assert_eq!(feed_date(&feed).to_rfc3339(), "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn declaration_is_normalised() {
        let out = normalise_xml(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<a/>".to_vec());
        assert_eq!(out, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>\n");
        let out = normalise_xml(b"<a/>".to_vec());
        assert_eq!(out, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>\n");
    }

    #[test]
    fn every_format_is_deterministic() {
        let (feed, site) = fixtures::sample_feed();
        for format in Format::ALL {
            assert_eq!(render_feed(format, &feed, &site), render_feed(format, &feed, &site));
        }
        let (feeds, site) = fixtures::sample_feeds();
        assert_eq!(render_channel_page(&feeds[1], &site), render_channel_page(&feeds[1], &site));
        assert_eq!(render_index(&feeds, &site), render_index(&feeds, &site));
        assert_eq!(render_opml(&feeds, &site), render_opml(&feeds, &site));
    }

    /// Rendering a channel's formats together gives each file exactly the
    /// bytes it gets alone, for every choice and order of formats, for an
    /// empty channel, and with the buffers of the channel before reused.
    #[test]
    fn a_channels_files_rendered_together_are_the_files_rendered_alone() {
        let (feeds, site) = fixtures::sample_feeds();
        let (one, _) = fixtures::sample_feed();
        let empty = ChannelFeed { items: Vec::new(), ..one.clone() };
        let choices: [&[Format]; 5] = [
            &[Format::Rss, Format::Atom, Format::Json],
            &[Format::Json, Format::Atom],
            &[Format::Atom, Format::Rss],
            &[Format::Rss],
            &[],
        ];
        let mut files = ChannelFiles::default();
        for formats in choices {
            for feed in feeds.iter().chain([&one, &empty]) {
                render_channel_into(feed, &site, formats, &mut files);
                let got: Vec<Format> = files.feeds.iter().map(|(f, _)| *f).collect();
                assert_eq!(got, formats);
                for (format, bytes) in &files.feeds {
                    assert_eq!(bytes, &render_feed(*format, feed, &site), "{format:?}");
                }
                assert_eq!(files.page, render_channel_page(feed, &site));
            }
        }
    }

    /// A reused buffer's old bytes (here another format's whole document,
    /// and invalid UTF-8 for the page) never leak into the next file.
    #[test]
    fn rendering_into_used_buffers_gives_the_same_bytes() {
        let (feed, site) = fixtures::sample_feed();
        let mut leftover = b"\xff leftover".to_vec();
        leftover.reserve(1 << 16);
        let mut files = ChannelFiles {
            feeds: Format::ALL.iter().map(|&f| (f, leftover.clone())).collect(),
            page: leftover,
        };
        render_channel_into(&feed, &site, &Format::ALL, &mut files);
        for (format, bytes) in &files.feeds {
            assert_eq!(bytes, &render_feed(*format, &feed, &site), "{format:?}");
        }
        assert_eq!(files.page, render_channel_page(&feed, &site));
        // The next channel gets this one's whole documents as its buffers.
        let (feeds, site) = fixtures::sample_feeds();
        files.page = render_feed(Format::Rss, &feeds[1], &site);
        render_channel_into(&feeds[1], &site, &Format::ALL, &mut files);
        for (format, bytes) in &files.feeds {
            assert_eq!(bytes, &render_feed(*format, &feeds[1], &site), "{format:?}");
        }
        assert_eq!(files.page, render_channel_page(&feeds[1], &site));
    }
}
