//! JSON Feed 1.1 (`feed.json`): serde structs mirror the spec, field order
//! is output order, absent values are skipped, output is pretty with a
//! trailing newline.
//!
//! Every item carries `content_html` (the sanitised content) or, when there
//! is none, `content_text` (the snippet), since the spec requires one of them.
//! U+2028/U+2029 are written as escapes so the file is also valid JavaScript.
//! This module must not sort, filter or re-date items, and must not read the
//! clock.

use serde::Serialize;

use super::capacity_hint;
use super::{description, feed_author, language, owned};
use crate::config::{Format, Site};
use crate::model::{Article, ChannelFeed};

/// The spec version this module writes.
const VERSION_URL: &str = "https://jsonfeed.org/version/1.1";

/// The top-level feed object.
#[derive(Serialize)]
struct JsonFeed {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    authors: Vec<Author>,
    items: Vec<JsonItem>,
}

/// An author object; we only know names.
#[derive(Serialize)]
struct Author {
    name: String,
}

/// One item.
#[derive(Serialize)]
struct JsonItem {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    title: String,
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
    /// Our extension object (the spec reserves `_`-prefixed keys for these).
    #[serde(rename = "_feedwright", skip_serializing_if = "Option::is_none")]
    feedwright: Option<Extension>,
}

/// An attachment (our enclosure).
#[derive(Serialize)]
struct Attachment {
    url: String,
    mime_type: String,
    /// Zero means unknown, which the spec expresses by omission.
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

/// The `_feedwright` extension: the publisher name and the channel the item
/// was filed under (which differs from the feed's in an aggregated parent).
#[derive(Serialize)]
struct Extension {
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    channel: String,
    /// The upstream feed of a merged item.
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<ViaJson>,
}

/// Where a merged item came from.
#[derive(Serialize)]
struct ViaJson {
    id: String,
    title: String,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<String>,
}

/// Renders `feed` as a JSON Feed 1.1 document.
pub(super) fn render(feed: &ChannelFeed, site: &Site, mut buf: Vec<u8>) -> Vec<u8> {
    let channel = &feed.channel;
    let json = JsonFeed {
        version: VERSION_URL,
        title: owned(&channel.title),
        home_page_url: owned(channel.link.as_str()),
        feed_url: site.feed_url(&channel.id, Format::Json).into(),
        description: description(feed, site).map(owned),
        language: language(feed, site).map(owned),
        authors: vec![Author { name: owned(feed_author(site)) }],
        items: feed.items.iter().map(|article| item(article, feed)).collect(),
    };
    // Plain data with string keys: serialisation cannot fail.
    buf.reserve(capacity_hint(feed));
    serde_json::to_writer_pretty(&mut buf, &json).expect("serialising a JSON feed");
    // serde_json writes these two raw; they are legal JSON but end a line in
    // JavaScript. They can only occur inside strings, so a plain replace is
    // a valid escape. Checked first: they are rare, and the copy is not free.
    let has_separator =
        buf.windows(3).any(|w| w == "\u{2028}".as_bytes() || w == "\u{2029}".as_bytes());
    if has_separator {
        let text = String::from_utf8(buf).expect("serde_json writes UTF-8");
        buf = text.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029").into_bytes();
    }
    buf.push(b'\n');
    buf
}

/// One item object.
fn item(article: &Article, feed: &ChannelFeed) -> JsonItem {
    // Sanitised content is already free of forbidden characters.
    let content_html = article.content.clone();
    // The spec requires `content_html` or `content_text`.
    let content_text = content_html.is_none().then(|| owned(&article.snippet));
    JsonItem {
        id: owned(&article.id),
        url: article.link.as_deref().map(owned),
        title: owned(&article.title),
        summary: owned(&article.snippet),
        content_html,
        content_text,
        // Same rule as RSS pubDate: published, else updated.
        date_published: article.date().map(|d| d.to_rfc3339()),
        date_modified: article.updated.map(|d| d.to_rfc3339()),
        authors: article.authors.iter().map(|a| Author { name: owned(a) }).collect(),
        tags: article.categories.iter().map(|c| owned(c)).collect(),
        image: article.image.as_deref().map(owned),
        attachments: article
            .enclosure
            .iter()
            .map(|e| Attachment {
                url: owned(&e.url),
                mime_type: if e.mime_type.trim().is_empty() {
                    "application/octet-stream".to_owned()
                } else {
                    owned(&e.mime_type)
                },
                size_in_bytes: (e.length > 0).then_some(e.length),
            })
            .collect(),
        feedwright: (article.source.is_some() || article.via.is_some()).then(|| Extension {
            source: article.source.as_deref().map(owned),
            channel: owned(article.channel.as_deref().unwrap_or(feed.channel.id.as_str())),
            via: article.via.as_ref().map(|v| ViaJson {
                id: owned(&v.id),
                title: owned(&v.title),
                feed_url: owned(&v.feed_url),
                home_page_url: v.link.as_deref().map(owned),
            }),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::emit::fixtures::sample_feed;

    fn text(feed: &ChannelFeed, site: &Site) -> String {
        String::from_utf8(render(feed, site, Vec::new())).expect("utf-8")
    }

    #[test]
    fn snapshot() {
        let (feed, site) = sample_feed();
        insta::assert_snapshot!(text(&feed, &site));
    }

    #[test]
    fn parses_back() {
        let (feed, site) = sample_feed();
        let parsed =
            feed_rs::parser::parse(&render(&feed, &site, Vec::new())[..]).expect("valid JSON Feed");
        assert_eq!(parsed.title.map(|t| t.content).as_deref(), Some("World"));
        assert_eq!(parsed.entries.len(), feed.items.len());
        for (entry, article) in parsed.entries.iter().zip(&feed.items) {
            assert_eq!(entry.id, article.id);
            assert_eq!(
                entry.title.as_ref().map(|t| t.content.as_str()),
                Some(article.title.as_str())
            );
            assert_eq!(entry.links.first().map(|l| l.href.as_str()), article.link.as_deref());
            assert_eq!(
                entry.summary.as_ref().map(|s| s.content.as_str()),
                Some(article.snippet.as_str())
            );
            assert_eq!(
                entry.published.map(|d| d.timestamp()),
                article.date().map(|d| d.timestamp())
            );
        }
        assert_eq!(
            parsed.entries[0].content.as_ref().and_then(|c| c.body.as_deref()),
            feed.items[0].content.as_deref()
        );
    }

    #[test]
    fn shape() {
        let (feed, site) = sample_feed();
        let value: serde_json::Value =
            serde_json::from_slice(&render(&feed, &site, Vec::new())).expect("json");
        assert_eq!(value["version"], VERSION_URL);
        assert_eq!(value["feed_url"], "https://example.com/feeds/world/feed.json");
        let items = value["items"].as_array().expect("items");
        assert_eq!(items[0]["date_published"], "2025-02-12T18:00:35+08:00");
        assert_eq!(items[0]["_feedwright"]["source"], "新华社");
        assert_eq!(items[0]["_feedwright"]["channel"], "world");
        assert!(items[1].get("_feedwright").is_none());
        assert_eq!(items[1]["attachments"][0]["size_in_bytes"], 1_234_567);
        // No content: the snippet becomes content_text; no date: none written.
        assert_eq!(items[2]["content_text"], "Books we liked this month.");
        assert!(items[2].get("content_html").is_none());
        assert!(items[2].get("date_published").is_none());
        assert!(items[2].get("url").is_none());
    }

    #[test]
    fn line_separators_are_escaped() {
        let (mut feed, site) = sample_feed();
        Arc::make_mut(&mut feed.items[0]).title = "one\u{2028}two\u{2029}three".to_owned();
        let out = text(&feed, &site);
        assert!(!out.contains('\u{2028}') && !out.contains('\u{2029}'));
        assert!(out.contains(r#""title": "one\u2028two\u2029three""#));
        let value: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(value["items"][0]["title"], "one\u{2028}two\u{2029}three");
        assert!(out.ends_with("}\n"));
    }
}
