//! OPML 2.0 (`feeds.opml`): one `<outline type="rss">` per channel, in the
//! order given, so a reader can subscribe to the whole site at once.
//!
//! Each outline points at the channel's first XML feed in `site.formats`
//! (RSS or Atom; `type="rss"` is the usual value for both). JSON Feed is not
//! an OPML subscription format, so a site publishing only JSON lists no
//! outlines. No dates are written, keeping the bytes stable across runs; no
//! I/O.

use super::{XML_DECLARATION, escape};
use crate::config::{Format, Site};
use crate::model::ChannelFeed;

/// Renders the OPML list of every channel feed.
pub(super) fn render(feeds: &[ChannelFeed], site: &Site) -> Vec<u8> {
    let mut out = String::new();
    out.push_str(XML_DECLARATION);
    out.push_str("\n<opml version=\"2.0\">\n  <head>\n");
    out.push_str(&format!("    <title>{}</title>\n", escape(&site.title)));
    out.push_str("  </head>\n  <body>\n");
    let format = site.formats.iter().copied().find(|f| matches!(f, Format::Rss | Format::Atom));
    if let Some(format) = format {
        for feed in feeds {
            let channel = &feed.channel;
            let title = escape(&channel.title);
            out.push_str(&format!(
                "    <outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{}\" \
                 htmlUrl=\"{}\"/>\n",
                escape(site.feed_url(&channel.id, format).as_str()),
                escape(channel.link.as_str()),
            ));
        }
    }
    out.push_str("  </body>\n</opml>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::fixtures::sample_feeds;

    fn text(feeds: &[ChannelFeed], site: &Site) -> String {
        String::from_utf8(render(feeds, site)).expect("utf-8")
    }

    #[test]
    fn snapshot() {
        let (feeds, site) = sample_feeds();
        insta::assert_snapshot!(text(&feeds, &site));
    }

    #[test]
    fn uses_first_xml_format() {
        let (feeds, mut site) = sample_feeds();
        site.formats = vec![Format::Json, Format::Atom, Format::Rss];
        let out = text(&feeds, &site);
        assert!(out.contains("xmlUrl=\"https://example.com/feeds/world/atom.xml\""));
        assert!(!out.contains("rss.xml"));
        site.formats = vec![Format::Json];
        assert!(!text(&feeds, &site).contains("<outline"));
    }

    #[test]
    fn attributes_are_escaped() {
        let (mut feeds, mut site) = sample_feeds();
        site.title = "A & B <C>".to_owned();
        feeds[0].channel.title = "\"Quotes\" & 'apostrophes'".to_owned();
        let out = text(&feeds, &site);
        assert!(out.contains("<title>A &amp; B &lt;C&gt;</title>"));
        assert!(out.contains("text=\"&quot;Quotes&quot; &amp; &#39;apostrophes&#39;\""));
    }
}
