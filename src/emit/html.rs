//! The human pages: each channel's `index.html` (breadcrumb, feed links,
//! a related-reading list of items) and the site's front page (every
//! channel, nested by parent, with its feed links and item count).
//!
//! Markup is hand-written HTML5 with no scripts and no inline styles. Every
//! text and attribute goes through [`escape`], and only absolute http(s) URLs
//! may become an `href` besides our own relative links; anything else is shown
//! as text. All links between our pages are relative, so the output directory
//! can be published under any path. No I/O, no clock.

use chrono::{Datelike, Timelike};
use std::collections::HashSet;
use std::fmt::Write as _;

use super::{GENERATOR, VERSION, description, escape, escape_into, is_http_url, language};
use crate::config::{ChannelId, Site};
use crate::model::{Article, ChannelFeed};

/// A few rules for legibility, written once as `style.css`: a linked sheet
/// rather than a `<style>` element, so no page we publish has inline CSS.
pub(super) const STYLE: &str = "\
body{max-width:42rem;margin:2rem auto;padding:0 1rem;font:16px/1.55 system-ui,sans-serif;color:#222;background:#fff}
a{color:#0645ad}
nav{font-size:.9rem;color:#555}
h1{margin:.5rem 0}
.feeds a{margin-right:.6rem}
.items{list-style:none;padding:0}
.items li{margin:1.4rem 0}
.items h2{font-size:1.1rem;margin:0}
.items p{margin:.25rem 0}
.meta,.count{color:#666;font-size:.85rem}
";

/// Renders a channel's page. Links are relative to `<channel>/`.
pub(super) fn render_channel_page(feed: &ChannelFeed, site: &Site, buf: Vec<u8>) -> Vec<u8> {
    super::write_items(begin_channel_page(feed, site, buf), feed)
}

/// A channel page being written item by item, from [`begin_channel_page`].
pub(super) struct Page {
    page: String,
    empty: bool,
}

impl super::ItemDoc for Page {
    fn item(&mut self, article: &Article) {
        item(&mut self.page, article);
    }

    fn end(mut self) -> Vec<u8> {
        if self.empty {
            self.page.push_str("<p>No items yet.</p>\n");
        } else {
            self.page.push_str("</ul>\n");
        }
        self.page.push_str("</main>\n</body>\n</html>\n");
        self.page.into_bytes()
    }
}

/// Starts a channel's page: everything before the first item.
pub(super) fn begin_channel_page(feed: &ChannelFeed, site: &Site, buf: Vec<u8>) -> Page {
    let channel = &feed.channel;
    let mut page = String::from_utf8(buf).unwrap_or_default();
    page.clear();
    let title = format!("{} · {}", channel.title, site.title);
    head(&mut page, language(feed, site), &title, description(feed, site), "../");
    for format in &site.formats {
        page.push_str(&format!(
            "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}\">\n",
            escape(format.media_type()),
            escape(&format!("{} ({})", channel.title, format.label())),
            escape(format.file_name()),
        ));
    }
    page.push_str("</head>\n<body>\n");

    // Breadcrumb: the site, then each ancestor root first, then this channel.
    page.push_str("<nav aria-label=\"Breadcrumb\"><a href=\"../\">");
    page.push_str(&escape(&site.title));
    page.push_str("</a>");
    for ancestor in &feed.ancestors {
        page.push_str(&format!(
            " › <a href=\"../{}/\">{}</a>",
            escape(ancestor.id.as_str()),
            escape(&ancestor.title)
        ));
    }
    page.push_str(&format!(
        " › <span aria-current=\"page\">{}</span></nav>\n",
        escape(&channel.title)
    ));

    page.push_str(&format!("<header>\n<h1>{}</h1>\n", escape(&channel.title)));
    if let Some(description) = description(feed, site) {
        page.push_str(&format!("<p>{}</p>\n", escape(description)));
    }
    feed_links(&mut page, "", site);
    page.push_str("</header>\n<main>\n");

    let empty = feed.items.is_empty();
    if !empty {
        page.push_str("<ul class=\"items\">\n");
    }
    Page { page, empty }
}

/// Renders the site's front page. Links are relative to the site root.
pub(super) fn render_index(feeds: &[ChannelFeed], site: &Site) -> Vec<u8> {
    let mut page = String::new();
    let language = site.language.as_deref().filter(|l| !l.trim().is_empty());
    let description = site.description.as_deref().filter(|d| !d.trim().is_empty());
    head(&mut page, language, &site.title, description, "");
    for feed in feeds {
        let channel = &feed.channel;
        for format in &site.formats {
            page.push_str(&format!(
                "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}/{}\">\n",
                escape(format.media_type()),
                escape(&format!("{} ({})", channel.title, format.label())),
                escape(channel.id.as_str()),
                escape(format.file_name()),
            ));
        }
    }
    page.push_str("</head>\n<body>\n<header>\n");
    page.push_str(&format!("<h1>{}</h1>\n", escape(&site.title)));
    if let Some(description) = description {
        page.push_str(&format!("<p>{}</p>\n", escape(description)));
    }
    page.push_str("</header>\n<main>\n");

    // Roots are channels without a parent, or whose parent is not listed (so
    // that no channel silently disappears from the page).
    let listed: HashSet<&ChannelId> = feeds.iter().map(|f| &f.channel.id).collect();
    let mut shown = HashSet::new();
    let roots: Vec<&ChannelFeed> = feeds
        .iter()
        .filter(|f| f.channel.parent.as_ref().is_none_or(|p| !listed.contains(p)))
        .collect();
    if feeds.is_empty() {
        page.push_str("<p>No channels yet.</p>\n");
    } else {
        channel_list(&mut page, &roots, feeds, site, &mut shown, 0);
        // Only a parent cycle (which config validation should reject) leaves
        // channels unreached; list them anyway rather than drop them.
        let rest: Vec<&ChannelFeed> =
            feeds.iter().filter(|f| !shown.contains(&f.channel.id)).collect();
        if !rest.is_empty() {
            channel_list(&mut page, &rest, feeds, site, &mut shown, 0);
        }
    }
    page.push_str("</main>\n</body>\n</html>\n");
    page.into_bytes()
}

/// The document start, up to (not including) `</head>`.
/// `root` is the site root relative to the page, for the stylesheet link.
fn head(
    page: &mut String,
    language: Option<&str>,
    title: &str,
    description: Option<&str>,
    root: &str,
) {
    page.push_str("<!DOCTYPE html>\n");
    match language {
        Some(language) => page.push_str(&format!("<html lang=\"{}\">\n", escape(language))),
        None => page.push_str("<html>\n"),
    }
    page.push_str("<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str(&format!("<title>{}</title>\n", escape(title)));
    if let Some(description) = description {
        page.push_str(&format!(
            "<meta name=\"description\" content=\"{}\">\n",
            escape(description)
        ));
    }
    page.push_str(&format!("<meta name=\"generator\" content=\"{GENERATOR} {VERSION}\">\n"));
    page.push_str(&format!("<link rel=\"stylesheet\" href=\"{root}style.css\">\n"));
}

/// One paragraph of links to the site's feed formats; `prefix` is the
/// channel directory relative to the page (`""` on the channel's own page).
fn feed_links(page: &mut String, prefix: &str, site: &Site) {
    if site.formats.is_empty() {
        return;
    }
    let links: Vec<String> = site
        .formats
        .iter()
        .map(|format| {
            format!(
                "<a href=\"{}{}\" type=\"{}\">{}</a>",
                escape(prefix),
                escape(format.file_name()),
                escape(format.media_type()),
                escape(format.label())
            )
        })
        .collect();
    page.push_str(&format!("<p class=\"feeds\">{}</p>\n", links.join(" ")));
}

/// One related-reading entry: linked title, snippet, publisher and date.
fn item(page: &mut String, article: &Article) {
    page.push_str("<li>\n<h2>");
    match article.link.as_deref().filter(|l| is_http_url(l)) {
        Some(link) => {
            page.push_str("<a href=\"");
            escape_into(page, link);
            page.push_str("\">");
            escape_into(page, &article.title);
            page.push_str("</a>");
        }
        None => escape_into(page, &article.title),
    }
    page.push_str("</h2>\n");
    if !article.snippet.trim().is_empty() {
        page.push_str("<p>");
        escape_into(page, &article.snippet);
        page.push_str("</p>\n");
    }
    let source = article.source.as_deref().filter(|s| !s.trim().is_empty());
    let date = article.date();
    if source.is_some() || date.is_some() {
        page.push_str("<p class=\"meta\">");
        if let Some(source) = source {
            escape_into(page, source);
        }
        if let Some(date) = date {
            if source.is_some() {
                page.push_str(" · ");
            }
            // Shown in the record's own offset: the time its readers would see.
            // Written field by field: `format` parses its pattern anew for
            // every item.
            let _ = write!(
                page,
                "<time datetime=\"{}\">{:04}-{:02}-{:02} {:02}:{:02}</time>",
                date.to_rfc3339(),
                date.year(),
                date.month(),
                date.day(),
                date.hour(),
                date.minute()
            );
        }
        page.push_str("</p>\n");
    }
    page.push_str("</li>\n");
}

/// A `<ul>` of `level` channels, each followed by its children in the order
/// given. `shown` guards against a parent cycle looping forever.
fn channel_list<'a>(
    page: &mut String,
    level: &[&'a ChannelFeed],
    feeds: &'a [ChannelFeed],
    site: &Site,
    shown: &mut HashSet<&'a ChannelId>,
    depth: usize,
) {
    let indent = "  ".repeat(depth);
    page.push_str(&format!("{indent}<ul>\n"));
    for feed in level {
        let channel = &feed.channel;
        if !shown.insert(&channel.id) {
            continue;
        }
        let id = escape(channel.id.as_str());
        let count = match feed.items.len() {
            1 => "1 item".to_owned(),
            n => format!("{n} items"),
        };
        page.push_str(&format!(
            "{indent}<li><a href=\"{id}/\">{}</a> <span class=\"count\">({count})</span>\n",
            escape(&channel.title)
        ));
        if !site.formats.is_empty() {
            page.push_str(&indent);
            feed_links(page, &format!("{}/", channel.id), site);
        }
        let children: Vec<&ChannelFeed> = feeds
            .iter()
            .filter(|f| f.channel.parent.as_ref() == Some(&channel.id))
            .filter(|f| !shown.contains(&f.channel.id))
            .collect();
        if !children.is_empty() {
            channel_list(page, &children, feeds, site, shown, depth + 1);
        }
        page.push_str(&format!("{indent}</li>\n"));
    }
    page.push_str(&format!("{indent}</ul>\n"));
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::emit::fixtures::{channel, sample_feed, sample_feeds};

    fn channel_page(feed: &ChannelFeed, site: &Site) -> String {
        String::from_utf8(render_channel_page(feed, site, Vec::new())).expect("utf-8")
    }

    fn index(feeds: &[ChannelFeed], site: &Site) -> String {
        String::from_utf8(render_index(feeds, site)).expect("utf-8")
    }

    #[test]
    fn channel_page_snapshot() {
        let (feed, site) = sample_feed();
        insta::assert_snapshot!(channel_page(&feed, &site));
    }

    #[test]
    fn index_snapshot() {
        let (feeds, site) = sample_feeds();
        insta::assert_snapshot!(index(&feeds, &site));
    }

    #[test]
    fn hostile_text_is_escaped() {
        let (mut feed, mut site) = sample_feed();
        let hostile = "<script>alert('x')</script>\"&";
        site.title = hostile.to_owned();
        feed.channel.title = hostile.to_owned();
        feed.channel.description = Some(hostile.to_owned());
        feed.ancestors[0].title = hostile.to_owned();
        Arc::make_mut(&mut feed.items[0]).title = hostile.to_owned();
        Arc::make_mut(&mut feed.items[0]).snippet = hostile.to_owned();
        Arc::make_mut(&mut feed.items[0]).source = Some(hostile.to_owned());
        let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;";
        let page = channel_page(&feed, &site);
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains(escaped));
        let page = index(&[feed], &site);
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains(escaped));
    }

    #[test]
    fn only_http_links_become_hrefs() {
        let (mut feed, site) = sample_feed();
        Arc::make_mut(&mut feed.items[0]).link = Some("javascript:alert(1)".to_owned());
        let page = channel_page(&feed, &site);
        assert!(!page.contains("javascript:"));
        assert!(page.contains("<h2>上海发布新一轮城市更新计划</h2>"));
    }

    #[test]
    fn dates_use_the_record_offset() {
        let (feed, site) = sample_feed();
        let page = channel_page(&feed, &site);
        assert!(
            page.contains("<time datetime=\"2025-02-12T18:00:35+08:00\">2025-02-12 18:00</time>")
        );
        assert!(page.contains("<h2>Reading list</h2>\n<p>Books we liked this month.</p>\n</li>"));
    }

    #[test]
    fn orphans_and_cycles_still_listed_once() {
        let (_, site) = sample_feed();
        let feed = |id: &str, parent: Option<&str>| ChannelFeed {
            channel: channel(id, id, parent),
            ancestors: Vec::new(),
            items: Vec::new(),
        };
        // `b` names a parent that is not listed; `c` and `d` are each other's.
        let feeds =
            [feed("a", None), feed("b", Some("gone")), feed("c", Some("d")), feed("d", Some("c"))];
        let page = index(&feeds, &site);
        assert_eq!(page.matches("<li><a href=\"a/\">").count(), 1);
        assert_eq!(page.matches("<li><a href=\"b/\">").count(), 1);
        // A pure cycle has no root; it is still listed, once, without hanging.
        assert_eq!(page.matches("<li><a href=\"c/\">").count(), 1);
        assert_eq!(page.matches("<li><a href=\"d/\">").count(), 1);
    }
}
