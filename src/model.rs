//! The one normalised record type every stage passes on ([`Article`]) and the
//! per-channel bundle the emitters render ([`ChannelFeed`]).
//!
//! This module is a leaf: it holds plain data and no I/O. Sources fill in the
//! fields they read; `pipeline` fills in the derived ones (`id`, `channel`,
//! `snippet`, sanitised `content`) before anything is emitted.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::config::Channel;

/// One article, as read from any source and normalised.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Article {
    /// The record's own id, if it gave one.
    pub key: Option<String>,
    /// Stable feed id (a URI). Set by the pipeline: the record id when it is
    /// a URI, else a `tag:` URI built from the site link, channel and key.
    pub id: String,
    /// Plain-text title (required).
    pub title: String,
    /// Absolute http(s) link to the article.
    pub link: Option<String>,
    /// Before the pipeline: the channel reference the record gave (id, alias
    /// or title), if any. After it: the resolved channel id.
    pub channel: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub updated: Option<DateTime<FixedOffset>>,
    pub authors: Vec<String>,
    /// Publisher name (a news page's "source" line).
    pub source: Option<String>,
    /// Summary as given (HTML or text). After the pipeline: `None` (the
    /// snippet is what feeds show).
    pub summary: Option<String>,
    /// Full content (HTML or text). After the pipeline: sanitised HTML,
    /// free of characters XML forbids (emitters rely on this).
    pub content: Option<String>,
    pub categories: Vec<String>,
    /// Absolute URL of a lead image.
    pub image: Option<String>,
    pub enclosure: Option<Enclosure>,
    /// Plain-text excerpt in the related-reading style. Set by the pipeline.
    pub snippet: String,
    /// Where the record came from, for messages.
    pub origin: Origin,
    /// For items merged from another site's feed: that feed.
    pub via: Option<Via>,
}

/// The upstream feed an aggregated item came from (RSS `<source url>`, Atom
/// `<source>`, JSON Feed `_feedwright.via`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Via {
    /// The upstream feed's id (Atom id, else its URL).
    pub id: String,
    /// The upstream feed's title.
    pub title: String,
    /// The URL the feed was fetched from (or its self link).
    pub feed_url: String,
    /// The upstream site's home page, if it gave one.
    pub link: Option<String>,
}

impl Article {
    /// The date a reader sorts by: published, else updated.
    pub fn date(&self) -> Option<DateTime<FixedOffset>> {
        self.published.or(self.updated)
    }

    /// The date of the last change: updated, else published.
    pub fn last_modified(&self) -> Option<DateTime<FixedOffset>> {
        self.updated.or(self.published)
    }
}

/// A media attachment (podcast audio, PDF, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Enclosure {
    pub url: String,
    pub mime_type: String,
    pub length: u64,
}

/// Where a record was read: the source id and a location such as
/// `data/world.jsonl:12` or `data/list.json[3]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Origin {
    pub source: String,
    pub location: String,
}

/// A channel's finished item list, ready for the emitters.
#[derive(Debug, Clone)]
pub struct ChannelFeed {
    pub channel: Channel,
    /// Titles of the channel's ancestors, root first (the breadcrumb).
    pub ancestors: Vec<Channel>,
    /// Newest first; ties broken by id. Shared with the parent channels'
    /// feeds that show the same items.
    pub items: Vec<Arc<Article>>,
}

impl ChannelFeed {
    /// Feed-level updated date: the newest item date, never the wall clock,
    /// so that the same inputs give byte-identical files.
    pub fn updated(&self) -> Option<DateTime<FixedOffset>> {
        self.items.iter().filter_map(|a| a.last_modified()).max()
    }
}
