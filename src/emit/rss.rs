//! RSS 2.0 (`rss.xml`), pretty-printed exactly as the `rss` crate writes
//! it (see [`super::xml`]; the crate renders the same feeds in the tests as
//! the reference).
//!
//! Mapping: item `description` is the plain snippet, `content:encoded` the
//! sanitised HTML, one `dc:creator` per author (RSS `author` wants an e-mail
//! address), `source` names the publisher. Namespaces (`atom`, `content`,
//! `dc`) are declared only when used, in a fixed order. This module must not
//! sort, filter or re-date items, and must not read the clock.

use super::xml::XmlWriter;
use super::{GENERATOR, VERSION, capacity_hint, description, feed_date, language};
use crate::config::{Format, Site};
use crate::model::{Article, ChannelFeed};

/// Media type used when an enclosure comes without one (RSS requires `type`).
const FALLBACK_MIME: &str = "application/octet-stream";

/// Renders `feed` as an RSS 2.0 document.
pub(super) fn render(feed: &ChannelFeed, site: &Site, buf: Vec<u8>) -> Vec<u8> {
    super::write_items(begin(feed, site, buf), feed)
}

/// An RSS document being written item by item, from [`begin`].
pub(super) struct Doc<'a> {
    w: XmlWriter,
    feed: &'a ChannelFeed,
}

impl super::ItemDoc for Doc<'_> {
    fn item(&mut self, article: &Article) {
        item(&mut self.w, article, self.feed);
    }

    fn end(mut self) -> Vec<u8> {
        self.w.end("channel");
        self.w.end("rss");
        self.w.finish()
    }
}

/// Starts `feed`'s RSS document: everything before the first item.
pub(super) fn begin<'a>(feed: &'a ChannelFeed, site: &Site, buf: Vec<u8>) -> Doc<'a> {
    let date = feed_date(feed).to_rfc2822();
    let channel = &feed.channel;
    let mut w = XmlWriter::new(buf, capacity_hint(feed));
    let mut root = vec![("version", "2.0"), ("xmlns:atom", "http://www.w3.org/2005/Atom")];
    if feed.items.iter().any(|a| a.content.is_some()) {
        root.push(("xmlns:content", "http://purl.org/rss/1.0/modules/content/"));
    }
    if feed.items.iter().any(|a| !a.authors.is_empty()) {
        root.push(("xmlns:dc", "http://purl.org/dc/elements/1.1/"));
    }
    w.start("rss", &root);
    w.start("channel", &[]);
    w.text_element("title", &[], &channel.title);
    w.text_element("link", &[], channel.link.as_str());
    // RSS requires a non-empty description: fall back to the title.
    w.text_element("description", &[], description(feed, site).unwrap_or(&channel.title));
    if let Some(language) = language(feed, site) {
        w.text_element("language", &[], language);
    }
    w.text_element("pubDate", &[], &date);
    w.text_element("lastBuildDate", &[], &date);
    w.text_element("generator", &[], &format!("{GENERATOR} {VERSION}"));
    let self_link = site.feed_url(&channel.id, Format::Rss);
    w.empty(
        "atom:link",
        &[("href", self_link.as_str()), ("rel", "self"), ("type", Format::Rss.media_type())],
    );
    Doc { w, feed }
}

/// One `<item>`.
fn item(w: &mut XmlWriter, article: &Article, feed: &ChannelFeed) {
    w.start("item", &[]);
    w.text_element("title", &[], &article.title);
    if let Some(link) = &article.link {
        w.text_element("link", &[], link);
    }
    w.cdata_element("description", &article.snippet);
    for category in &article.categories {
        w.text_element("category", &[], category);
    }
    if let Some(e) = &article.enclosure {
        let mime = if e.mime_type.trim().is_empty() { FALLBACK_MIME } else { &e.mime_type };
        let length = e.length.to_string();
        w.empty("enclosure", &[("url", e.url.as_str()), ("length", &length), ("type", mime)]);
    }
    // `isPermaLink` may only claim the id is a URL readers can open when it
    // is literally the item's link; tag: URIs and the like are opaque.
    let permalink = article.link.as_deref() == Some(article.id.as_str());
    let guid_attributes: &[(&str, &str)] =
        if permalink { &[] } else { &[("isPermaLink", "false")] };
    w.text_element("guid", guid_attributes, &article.id);
    if let Some(date) = article.date() {
        w.text_element("pubDate", &[], &date.to_rfc2822());
    }
    // An item merged from another site's feed names that feed (RSS 2.0's
    // meaning of <source>); a local record names its publisher instead.
    // `url` should be the upstream feed's own URL; a feed read from a local
    // file has none, so its home page stands in.
    let upstream = article.via.as_ref().and_then(|v| {
        let url = if v.feed_url.is_empty() { v.link.as_deref()? } else { v.feed_url.as_str() };
        Some((url, v.title.as_str()))
    });
    // `source@url` is required; the item link, else the channel link, stands
    // in for a local record's publisher.
    let source = upstream.or_else(|| {
        let url = article.link.as_deref().unwrap_or(feed.channel.link.as_str());
        article.source.as_deref().map(|publisher| (url, publisher))
    });
    if let Some((url, title)) = source {
        w.text_element("source", &[("url", url)], title);
    }
    if let Some(content) = &article.content {
        // Content comes from the sanitiser, which already removed every
        // forbidden character.
        w.start("content:encoded", &[]);
        w.cdata(content);
        w.end("content:encoded");
    }
    for author in &article.authors {
        w.text_element("dc:creator", &[], author);
    }
    w.end("item");
}

/// The `rss` crate's rendering of the same mapping: the reference the
/// writer above is held to, byte for byte.
#[cfg(test)]
pub(crate) mod reference {
    use ::rss::extension::atom::{AtomExtension, Link};
    use ::rss::extension::dublincore::DublinCoreExtension;
    use ::rss::{Category, Channel, Enclosure, Guid, Item, Source};

    use super::FALLBACK_MIME;
    use crate::config::{Format, Site};
    use crate::emit::capacity_hint;
    use crate::emit::{GENERATOR, VERSION, description, feed_date, language, normalise_xml, owned};
    use crate::model::{Article, ChannelFeed};

    /// Renders `feed` as an RSS 2.0 document through the `rss` crate.
    pub(crate) fn render(feed: &ChannelFeed, site: &Site) -> Vec<u8> {
        let date = feed_date(feed).to_rfc2822();
        let channel = &feed.channel;
        let rss = Channel {
            title: owned(&channel.title),
            link: owned(channel.link.as_str()),
            // RSS requires a non-empty description: fall back to the title.
            description: owned(description(feed, site).unwrap_or(&channel.title)),
            language: language(feed, site).map(owned),
            pub_date: Some(date.clone()),
            last_build_date: Some(date),
            generator: Some(format!("{GENERATOR} {VERSION}")),
            atom_ext: Some(AtomExtension {
                links: vec![Link {
                    href: site.feed_url(&channel.id, Format::Rss).into(),
                    rel: "self".to_owned(),
                    mime_type: Some(Format::Rss.media_type().to_owned()),
                    ..Link::default()
                }],
            }),
            items: feed.items.iter().map(|article| item(article, feed)).collect(),
            ..Channel::default()
        };
        // Writing into a Vec cannot fail: quick-xml only reports I/O errors here.
        let bytes = rss
            .pretty_write_to(Vec::with_capacity(capacity_hint(feed)), b' ', 2)
            .expect("writing RSS to memory");
        normalise_xml(bytes)
    }

    /// One `<item>`.
    fn item(article: &Article, feed: &ChannelFeed) -> Item {
        let link = article.link.as_deref().map(owned);
        let id = owned(&article.id);
        // `isPermaLink` may only claim the id is a URL readers can open when it
        // is literally the item's link; tag: URIs and the like are opaque.
        let permalink = article.link.as_deref() == Some(article.id.as_str());
        let dublin_core = (!article.authors.is_empty()).then(|| DublinCoreExtension {
            creators: article.authors.iter().map(|a| owned(a)).collect(),
            ..DublinCoreExtension::default()
        });
        // An item merged from another site's feed names that feed (RSS 2.0's
        // meaning of <source>); a local record names its publisher instead.
        // `url` should be the upstream feed's own URL; a feed read from a local
        // file has none, so its home page stands in.
        let upstream = article.via.as_ref().and_then(|v| {
            let url = if v.feed_url.is_empty() { v.link.as_deref()? } else { v.feed_url.as_str() };
            Some((url, v))
        });
        let source = match upstream {
            Some((url, via)) => Some(Source { url: owned(url), title: Some(owned(&via.title)) }),
            None => article.source.as_deref().map(|publisher| Source {
                // `source@url` is required; the channel link stands in for items
                // without a link of their own.
                url: link.clone().unwrap_or_else(|| owned(feed.channel.link.as_str())),
                title: Some(owned(publisher)),
            }),
        };
        let enclosure = article.enclosure.as_ref().map(|e| Enclosure {
            url: owned(&e.url),
            length: e.length.to_string(),
            mime_type: if e.mime_type.trim().is_empty() {
                FALLBACK_MIME.to_owned()
            } else {
                owned(&e.mime_type)
            },
        });
        Item {
            title: Some(owned(&article.title)),
            link,
            description: Some(owned(&article.snippet)),
            categories: article
                .categories
                .iter()
                .map(|c| Category { name: owned(c), domain: None })
                .collect(),
            enclosure,
            guid: Some(Guid { value: id, permalink }),
            pub_date: article.date().map(|d| d.to_rfc2822()),
            source,
            // Content comes from the sanitiser, which already removed every
            // forbidden character; cleaning megabytes of it again per format showed in profiles.
            content: article.content.clone(),
            dublin_core_ext: dublin_core,
            ..Item::default()
        }
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
    fn writes_what_the_rss_crate_writes() {
        for (i, (feed, site)) in crate::emit::fixtures::feed_variations().into_iter().enumerate() {
            let ours = String::from_utf8(render(&feed, &site, Vec::new())).expect("utf-8");
            let reference = String::from_utf8(reference::render(&feed, &site)).expect("utf-8");
            assert_eq!(ours, reference, "variation {i}");
        }
    }

    #[test]
    fn snapshot() {
        let (feed, site) = sample_feed();
        insta::assert_snapshot!(text(&feed, &site));
    }

    #[test]
    fn empty_channel_snapshot() {
        let (mut feed, site) = sample_feed();
        feed.items.clear();
        feed.channel.description = None;
        insta::assert_snapshot!(text(&feed, &site));
    }

    #[test]
    fn parses_back() {
        let (feed, site) = sample_feed();
        let parsed =
            feed_rs::parser::parse(&render(&feed, &site, Vec::new())[..]).expect("valid RSS");
        assert_eq!(parsed.title.map(|t| t.content).as_deref(), Some("World"));
        assert_eq!(parsed.entries.len(), feed.items.len());
        for (entry, article) in parsed.entries.iter().zip(&feed.items) {
            assert_eq!(entry.id, article.id);
            assert_eq!(
                entry.title.as_ref().map(|t| t.content.as_str()),
                Some(article.title.as_str())
            );
            assert_eq!(
                entry.links.first().map(|l| l.href.as_str()),
                article.link.as_deref(),
                "{}",
                article.title
            );
            assert_eq!(
                entry.summary.as_ref().map(|s| s.content.as_str()),
                Some(article.snippet.as_str())
            );
            assert_eq!(
                entry.published.map(|d| d.timestamp()),
                article.date().map(|d| d.timestamp())
            );
            assert_eq!(
                entry.content.as_ref().and_then(|c| c.body.as_deref()),
                article.content.as_deref()
            );
        }
        let english = &parsed.entries[1];
        let authors: Vec<_> = english.authors.iter().map(|a| a.name.as_deref()).collect();
        assert_eq!(authors, [Some("Ada Lovelace"), Some("Grace Hopper")]);
        let terms: Vec<_> = english.categories.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(terms, ["Markets", "Bonds & Rates"]);
    }

    #[test]
    fn header_and_guids() {
        let (feed, site) = sample_feed();
        let xml = text(&feed, &site);
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"")
        );
        assert!(xml.ends_with("</rss>\n"));
        assert!(xml.contains(
            r#"<atom:link href="https://example.com/feeds/world/rss.xml" rel="self" type="application/rss+xml"/>"#
        ));
        // The Chinese item's id is its link; the others' are tag: URIs.
        assert!(xml.contains("<guid>https://example.cn/news/2025/0212.html</guid>"));
        assert!(
            xml.contains(r#"<guid isPermaLink="false">tag:example.com,2025:world/markets</guid>"#)
        );
        assert!(xml.contains("<pubDate>Wed, 12 Feb 2025 18:00:35 +0800</pubDate>"));
        assert!(
            xml.contains(r#"<source url="https://example.cn/news/2025/0212.html">新华社</source>"#)
        );
    }

    #[test]
    fn namespaces_only_when_used() {
        let (mut feed, site) = sample_feed();
        for item in &mut feed.items {
            let item = Arc::make_mut(item);
            item.content = None;
            item.authors.clear();
        }
        let xml = text(&feed, &site);
        assert!(!xml.contains("xmlns:content") && !xml.contains("xmlns:dc"));
        assert!(xml.contains(r#"xmlns:atom="http://www.w3.org/2005/Atom""#));
    }

    #[test]
    fn cdata_terminator_in_content_stays_well_formed() {
        let (mut feed, site) = sample_feed();
        Arc::make_mut(&mut feed.items[0]).content = Some("<p>a]]>b</p><![CDATA[x]]>".to_owned());
        Arc::make_mut(&mut feed.items[0]).snippet = "tricky ]]> snippet".to_owned();
        let parsed =
            feed_rs::parser::parse(&render(&feed, &site, Vec::new())[..]).expect("well-formed");
        let entry = &parsed.entries[0];
        assert_eq!(
            entry.content.as_ref().and_then(|c| c.body.as_deref()),
            Some("<p>a]]>b</p><![CDATA[x]]>")
        );
        assert_eq!(entry.summary.as_ref().map(|s| s.content.as_str()), Some("tricky ]]> snippet"));
    }

    #[test]
    fn forbidden_chars_are_stripped() {
        let (mut feed, site) = sample_feed();
        Arc::make_mut(&mut feed.items[0]).title = "bell\u{7}ed".to_owned();
        let bytes = render(&feed, &site, Vec::new());
        assert!(!bytes.contains(&7));
        let parsed = feed_rs::parser::parse(&bytes[..]).expect("well-formed");
        assert_eq!(parsed.entries[0].title.as_ref().map(|t| t.content.as_str()), Some("belled"));
    }
}
