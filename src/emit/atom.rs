//! Atom 1.0 (`atom.xml`, RFC 4287), pretty-printed exactly as the
//! `atom_syndication` crate writes it (see [`super::xml`]; the crate renders
//! the same feeds in the tests as the reference), except that HTML content
//! is a CDATA section where the crate escapes it.
//!
//! RFC 4287 rules this module keeps: every entry has an `updated` (the item's
//! last change, else the feed date), every entry has an author (the
//! feed-level author covers entries without one), every entry has a
//! `summary` (the snippet), and an entry with neither link nor content gets
//! its text as `content type="text"` (RFC 4287 4.1.1.1).
//! Dates keep the record's own offset. This module must not sort, filter or
//! re-date items, and must not read the clock.

use chrono::{DateTime, FixedOffset};

use super::xml::XmlWriter;
use super::{GENERATOR, VERSION, capacity_hint, description, feed_author, feed_date, language};
use crate::config::{Format, Site};
use crate::model::{Article, ChannelFeed};

/// Renders `feed` as an Atom 1.0 document.
pub(super) fn render(feed: &ChannelFeed, site: &Site, buf: Vec<u8>) -> Vec<u8> {
    super::write_items(begin(feed, site, buf), feed)
}

/// An Atom document being written entry by entry, from [`begin`].
pub(super) struct Doc {
    w: XmlWriter,
    date: DateTime<FixedOffset>,
}

impl super::ItemDoc for Doc {
    fn item(&mut self, article: &Article) {
        entry(&mut self.w, article, self.date);
    }

    fn end(mut self) -> Vec<u8> {
        self.w.end("feed");
        self.w.finish()
    }
}

/// Starts `feed`'s Atom document: everything before the first entry.
pub(super) fn begin(feed: &ChannelFeed, site: &Site, buf: Vec<u8>) -> Doc {
    let date = feed_date(feed);
    let channel = &feed.channel;
    let mut w = XmlWriter::new(buf, capacity_hint(feed));
    let mut root = vec![("xmlns", "http://www.w3.org/2005/Atom")];
    if let Some(lang) = language(feed, site) {
        root.push(("xml:lang", lang));
    }
    w.start("feed", &root);
    w.text_element("title", &[], &channel.title);
    // The channel page URL is stable across runs and unique per channel.
    w.text_element("id", &[], site.page_url(&channel.id).as_str());
    w.text_element("updated", &[], &date.to_rfc3339());
    person(&mut w, feed_author(site));
    w.text_element("generator", &[("version", VERSION)], GENERATOR);
    let self_link = site.feed_url(&channel.id, Format::Atom);
    w.empty(
        "link",
        &[("href", self_link.as_str()), ("rel", "self"), ("type", Format::Atom.media_type())],
    );
    w.empty(
        "link",
        &[("href", channel.link.as_str()), ("rel", "alternate"), ("type", "text/html")],
    );
    if let Some(subtitle) = description(feed, site) {
        w.text_element("subtitle", &[], subtitle);
    }
    Doc { w, date }
}

/// One `<entry>`; `feed_date` stands in for `updated` on undated items.
fn entry(w: &mut XmlWriter, article: &Article, feed_date: DateTime<FixedOffset>) {
    let updated = article.last_modified().unwrap_or(feed_date).to_rfc3339();
    w.start("entry", &[]);
    w.text_element("title", &[], &article.title);
    w.text_element("id", &[], &article.id);
    w.text_element("updated", &[], &updated);
    for author in &article.authors {
        person(w, author);
    }
    for category in &article.categories {
        w.empty("category", &[("term", category)]);
    }
    if let Some(link) = &article.link {
        w.empty("link", &[("href", link), ("rel", "alternate")]);
    }
    if let Some(enclosure) = &article.enclosure {
        // A zero length means "unknown"; `length` is only a hint anyway.
        let length = enclosure.length.to_string();
        let mut attributes = vec![("href", enclosure.url.as_str()), ("rel", "enclosure")];
        if !enclosure.mime_type.trim().is_empty() {
            attributes.push(("type", &enclosure.mime_type));
        }
        if enclosure.length > 0 {
            attributes.push(("length", &length));
        }
        w.empty("link", &attributes);
    }
    if let Some(published) = article.published {
        w.text_element("published", &[], &published.to_rfc3339());
    }
    // RFC 4287 4.2.11: a merged entry keeps its upstream feed's metadata.
    if let Some(via) = &article.via {
        w.start("source", &[]);
        w.text_element("title", &[], &via.title);
        w.text_element("id", &[], &via.id);
        // The upstream feed's own date is not kept; the entry's is the best
        // deterministic stand-in for it.
        w.text_element("updated", &[], &updated);
        if !via.feed_url.is_empty() {
            w.empty("link", &[("href", &via.feed_url), ("rel", "self")]);
        }
        if let Some(home) = &via.link {
            w.empty("link", &[("href", home), ("rel", "alternate")]);
        }
        w.end("source");
    }
    w.text_element("summary", &[], &article.snippet);
    match (&article.content, &article.link) {
        (Some(html), _) => {
            // Sanitised content is already free of forbidden characters. As
            // CDATA, like RSS's `content:encoded`: the same text to any XML
            // parser, without escaping every tag (a large share of the
            // writing time, and a seventh of the file).
            w.start("content", &[("type", "html")]);
            w.cdata(html);
            w.end("content");
        }
        // RFC 4287 4.1.1.1: an entry with no content MUST have an alternate
        // link; without either, the text itself is the content.
        (None, None) => w.text_element("content", &[("type", "text")], &article.snippet),
        (None, Some(_)) => {}
    }
    w.end("entry");
}

/// `<author><name>…</name></author>`.
fn person(w: &mut XmlWriter, name: &str) {
    w.start("author", &[]);
    w.text_element("name", &[], name);
    w.end("author");
}

/// The `atom_syndication` crate's rendering of the same mapping: the
/// reference the writer above is held to, byte for byte.
#[cfg(test)]
pub(crate) mod reference {
    use atom_syndication::{
        Category, Content, Entry, Feed, Generator, Link, Person, Source, Text, WriteConfig,
    };
    use chrono::{DateTime, FixedOffset};

    use crate::config::{Format, Site};
    use crate::emit::capacity_hint;
    use crate::emit::{
        GENERATOR, VERSION, description, feed_author, feed_date, language, normalise_xml, owned,
    };
    use crate::model::{Article, ChannelFeed};

    /// Renders `feed` as an Atom 1.0 document through the `atom_syndication` crate.
    pub(crate) fn render(feed: &ChannelFeed, site: &Site) -> Vec<u8> {
        let date = feed_date(feed);
        let channel = &feed.channel;
        let atom = Feed {
            title: Text::plain(owned(&channel.title)),
            // The channel page URL is stable across runs and unique per channel.
            id: owned(site.page_url(&channel.id).as_str()),
            updated: date,
            authors: vec![person(feed_author(site))],
            generator: Some(Generator {
                value: GENERATOR.to_owned(),
                uri: None,
                version: Some(VERSION.to_owned()),
            }),
            links: vec![
                Link {
                    href: site.feed_url(&channel.id, Format::Atom).into(),
                    rel: "self".to_owned(),
                    mime_type: Some(Format::Atom.media_type().to_owned()),
                    ..Link::default()
                },
                Link {
                    href: owned(channel.link.as_str()),
                    rel: "alternate".to_owned(),
                    mime_type: Some("text/html".to_owned()),
                    ..Link::default()
                },
            ],
            subtitle: description(feed, site).map(|d| Text::plain(owned(d))),
            lang: language(feed, site).map(owned),
            entries: feed.items.iter().map(|article| entry(article, date)).collect(),
            ..Feed::default()
        };
        let config = WriteConfig { write_document_declaration: true, indent_size: Some(2) };
        // Writing into a Vec cannot fail: quick-xml only reports I/O errors here.
        let bytes = atom
            .write_with_config(Vec::with_capacity(capacity_hint(feed)), config)
            .expect("writing Atom to memory");
        normalise_xml(bytes)
    }

    /// One `<entry>`; `feed_date` stands in for `updated` on undated items.
    fn entry(article: &Article, feed_date: DateTime<FixedOffset>) -> Entry {
        let mut links = Vec::new();
        if let Some(link) = &article.link {
            links.push(Link { href: owned(link), rel: "alternate".to_owned(), ..Link::default() });
        }
        if let Some(enclosure) = &article.enclosure {
            links.push(Link {
                href: owned(&enclosure.url),
                rel: "enclosure".to_owned(),
                mime_type: Some(owned(&enclosure.mime_type)).filter(|m| !m.trim().is_empty()),
                // A zero length means "unknown"; `length` is only a hint anyway.
                length: (enclosure.length > 0).then(|| enclosure.length.to_string()),
                ..Link::default()
            });
        }
        Entry {
            title: Text::plain(owned(&article.title)),
            id: owned(&article.id),
            updated: article.last_modified().unwrap_or(feed_date),
            authors: article.authors.iter().map(|a| person(a)).collect(),
            categories: article
                .categories
                .iter()
                .map(|c| Category { term: owned(c), ..Category::default() })
                .collect(),
            links,
            published: article.published,
            summary: Some(Text::plain(owned(&article.snippet))),
            content: match (&article.content, &article.link) {
                (Some(html), _) => Some(Content {
                    // Sanitised content is already free of forbidden characters.
                    value: Some(html.clone()),
                    content_type: Some("html".to_owned()),
                    ..Content::default()
                }),
                // RFC 4287 4.1.1.1: an entry with no content MUST have an
                // alternate link; without either, the text itself is the content.
                (None, None) => Some(Content {
                    value: Some(owned(&article.snippet)),
                    content_type: Some("text".to_owned()),
                    ..Content::default()
                }),
                (None, Some(_)) => None,
            },
            // RFC 4287 4.2.11: a merged entry keeps its upstream feed's metadata.
            source: article.via.as_ref().map(|via| {
                let mut links = Vec::new();
                if !via.feed_url.is_empty() {
                    links.push(Link {
                        href: owned(&via.feed_url),
                        rel: "self".to_owned(),
                        ..Link::default()
                    });
                }
                if let Some(home) = &via.link {
                    links.push(Link {
                        href: owned(home),
                        rel: "alternate".to_owned(),
                        ..Link::default()
                    });
                }
                Source {
                    id: owned(&via.id),
                    title: Text::plain(owned(&via.title)),
                    // The crate always writes <updated>; the entry's own date is
                    // the best deterministic stand-in for the upstream feed's.
                    updated: article.last_modified().unwrap_or(feed_date),
                    links,
                    ..Source::default()
                }
            }),
            ..Entry::default()
        }
    }

    /// An author with just a name.
    fn person(name: &str) -> Person {
        Person { name: owned(name), ..Person::default() }
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

    /// The crate escapes HTML content where we write CDATA; everything else
    /// is byte for byte the same.
    #[test]
    fn writes_what_the_atom_crate_writes() {
        for (i, (feed, site)) in crate::emit::fixtures::feed_variations().into_iter().enumerate() {
            let ours = String::from_utf8(render(&feed, &site, Vec::new())).expect("utf-8");
            let reference = String::from_utf8(reference::render(&feed, &site)).expect("utf-8");
            assert_eq!(cdata_escaped(&ours), reference, "variation {i}");
        }
    }

    /// `xml` with each CDATA section replaced by its text, escaped the way
    /// the crate escapes text.
    fn cdata_escaped(xml: &str) -> String {
        let mut out = String::new();
        let mut rest = xml;
        while let Some(start) = rest.find("<![CDATA[") {
            out.push_str(&rest[..start]);
            let body = &rest[start + 9..];
            let end = body.find("]]>").expect("CDATA section is closed");
            let mut escaped = Vec::new();
            crate::emit::xml::escape_for_tests(&mut escaped, &body[..end]);
            out.push_str(std::str::from_utf8(&escaped).unwrap());
            rest = &body[end + 3..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn cdata_escaped_turns_sections_into_escaped_text() {
        let xml = "<a><![CDATA[<p>x & ']]]]><![CDATA[>\"</p>]]></a>";
        assert_eq!(cdata_escaped(xml), "<a>&lt;p&gt;x &amp; &apos;]]&gt;&quot;&lt;/p&gt;</a>");
    }

    #[test]
    fn snapshot() {
        let (feed, site) = sample_feed();
        insta::assert_snapshot!(text(&feed, &site));
    }

    #[test]
    fn empty_channel_snapshot() {
        let (mut feed, mut site) = sample_feed();
        feed.items.clear();
        feed.channel.description = None;
        site.description = None;
        site.author = None;
        insta::assert_snapshot!(text(&feed, &site));
    }

    #[test]
    fn parses_back() {
        let (feed, site) = sample_feed();
        let parsed =
            feed_rs::parser::parse(&render(&feed, &site, Vec::new())[..]).expect("valid Atom");
        assert_eq!(parsed.id, "https://example.com/feeds/world/");
        assert_eq!(parsed.title.map(|t| t.content).as_deref(), Some("World"));
        assert_eq!(
            parsed.updated.map(|d| d.to_rfc3339()).as_deref(),
            Some("2025-02-12T10:00:35+00:00")
        );
        assert_eq!(parsed.entries.len(), feed.items.len());
        for (entry, article) in parsed.entries.iter().zip(&feed.items) {
            assert_eq!(entry.id, article.id);
            assert_eq!(
                entry.title.as_ref().map(|t| t.content.as_str()),
                Some(article.title.as_str())
            );
            let alternate = entry.links.iter().find(|l| l.rel.as_deref() == Some("alternate"));
            assert_eq!(alternate.map(|l| l.href.as_str()), article.link.as_deref());
            assert_eq!(
                entry.summary.as_ref().map(|s| s.content.as_str()),
                Some(article.snippet.as_str())
            );
            assert_eq!(
                entry.published.map(|d| d.timestamp()),
                article.published.map(|d| d.timestamp())
            );
            let expected_content = match (&article.content, &article.link) {
                (Some(html), _) => Some(html.as_str()),
                (None, None) => Some(article.snippet.as_str()),
                (None, Some(_)) => None,
            };
            assert_eq!(entry.content.as_ref().and_then(|c| c.body.as_deref()), expected_content);
        }
        // The undated entry falls back to the feed date for `updated`.
        assert_eq!(parsed.entries[2].updated, parsed.updated);
        let english = &parsed.entries[1];
        assert_eq!(
            english.updated.map(|d| d.to_rfc3339()).as_deref(),
            Some("2025-02-11T17:00:00+00:00")
        );
        let authors: Vec<_> = english.authors.iter().map(|a| a.name.as_deref()).collect();
        assert_eq!(authors, [Some("Ada Lovelace"), Some("Grace Hopper")]);
    }

    #[test]
    fn dates_keep_their_offset() {
        let (feed, site) = sample_feed();
        let xml = text(&feed, &site);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed "));
        assert!(xml.contains("<published>2025-02-12T18:00:35+08:00</published>"));
        assert!(xml.contains("<updated>2025-02-11T12:00:00-05:00</updated>"));
    }

    #[test]
    fn content_survives_cdata_terminators_and_entities() {
        let (mut feed, site) = sample_feed();
        Arc::make_mut(&mut feed.items[0]).content = Some("<p>a]]>b &amp; c</p>".to_owned());
        let bytes = render(&feed, &site, Vec::new());
        let parsed = feed_rs::parser::parse(&bytes[..]).expect("well-formed");
        assert_eq!(
            parsed.entries[0].content.as_ref().and_then(|c| c.body.as_deref()),
            Some("<p>a]]>b &amp; c</p>")
        );
    }
}
