//! The pipeline: resolve each record's channel, give it a stable id, keep
//! the newest items per channel (parents also get their descendants' items),
//! dedupe, sort, and finally summarise and sanitise what survived.
//!
//! It is pure and synchronous: no file, network or clock. Records arrive one
//! at a time through [`Collector::push`], and each channel keeps a buffer
//! bounded by its `items_per_channel`, so memory grows with channels × items
//! per channel, not with the number of records read. Expensive work
//! (snippets, HTML sanitising) runs in [`Collector::finish`] on the survivors
//! only, in parallel, once per article even when it appears in several feeds.
//!
//! Dedupe rule (per channel feed): items with the same id, or else the same
//! link, collapse into one; the one with the latest `updated` (falling back
//! to `published`) wins, and on a tie the record read last wins. Because the
//! buffers are bounded, a duplicate is only recognised while its twin is still
//! among the channel's newest items. Sort order: newest date first, undated
//! items last, ties broken by id, so output is stable.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use url::Url;

use crate::config::{Channel, ChannelId, Config, Site};
use crate::model::{Article, ChannelFeed};
use crate::{sanitize, text};

/// Collects records into per-channel buffers.
pub struct Collector<'a> {
    config: &'a Config,
    site: &'a Site,
    /// For each channel (config order), itself and its ancestors.
    targets: Vec<Vec<usize>>,
    index: HashMap<ChannelId, usize>,
    buffers: Vec<Buffer>,
    seq: u64,
}

/// One channel's newest items so far.
struct Buffer {
    limit: usize,
    items: Vec<Entry>,
}

/// An article with its arrival number (for the "read last wins" tie-break).
#[derive(Clone)]
struct Entry {
    seq: u64,
    article: Arc<Article>,
}

impl<'a> Collector<'a> {
    /// A collector for every channel of `config`.
    pub fn new(config: &'a Config, site: &'a Site) -> Collector<'a> {
        let index: HashMap<ChannelId, usize> =
            config.channels.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        let targets = config
            .channels
            .iter()
            .map(|c| {
                // Validation rejected cycles, so this walk ends.
                let mut chain = vec![index[&c.id]];
                let mut parent = c.parent.as_ref();
                while let Some(p) = parent {
                    chain.push(index[p]);
                    parent = config.channels[index[p]].parent.as_ref();
                }
                chain
            })
            .collect();
        let buffers = config
            .channels
            .iter()
            .map(|c| Buffer { limit: c.items_per_channel, items: Vec::new() })
            .collect();
        Collector { config, site, targets, index, buffers, seq: 0 }
    }

    /// Adds one record. `default_channel` is its source's channel. Returns
    /// why the record cannot be placed, if it cannot.
    pub fn push(
        &mut self,
        mut article: Article,
        default_channel: Option<&ChannelId>,
    ) -> Result<(), String> {
        let channel = match article.channel.as_deref() {
            Some(name) => self.config.names.resolve(name).ok_or_else(|| {
                let mut known: Vec<&str> =
                    self.config.channels.iter().map(|c| c.id.as_str()).collect();
                known.sort_unstable();
                format!("channel \"{name}\" is not configured (channels: {})", known.join(", "))
            })?,
            None => default_channel.ok_or_else(|| {
                "record names no channel and its source sets no default channel".to_owned()
            })?,
        };
        let slot = self.index[channel];
        article.id = stable_id(&article, channel, &self.site.link);
        article.channel = Some(channel.to_string());
        self.seq += 1;
        let entry = Entry { seq: self.seq, article: Arc::new(article) };
        for &t in &self.targets[slot] {
            self.buffers[t].push(entry.clone());
        }
        Ok(())
    }

    /// Finishes every channel: dedupe, sort, limit, then snippets and
    /// sanitised content. Feeds come in config order.
    pub fn finish(self) -> Vec<ChannelFeed> {
        let Collector { config, site, buffers, .. } = self;
        let lists: Vec<Vec<Arc<Article>>> = buffers.into_iter().map(Buffer::finish).collect();

        // Each article once, however many feeds it is in (keyed by address:
        // one Arc is shared by a channel and its ancestors).
        let mut unique: Vec<&Arc<Article>> = Vec::new();
        let mut slot_of: HashMap<usize, usize> = HashMap::new();
        for a in lists.iter().flatten() {
            slot_of.entry(Arc::as_ptr(a) as usize).or_insert_with(|| {
                unique.push(a);
                unique.len() - 1
            });
        }
        let mut lengths: Vec<usize> = config.channels.iter().map(|c| c.summary_length).collect();
        lengths.sort_unstable();
        lengths.dedup();
        let ellipsis = site.ellipsis.as_str();
        let prepared: Vec<Prepared> =
            unique.par_iter().map(|a| Prepared::new(a, &lengths, ellipsis)).collect();

        config
            .channels
            .iter()
            .zip(lists)
            .map(|(channel, items)| {
                let items = items
                    .iter()
                    .map(|a| {
                        let p = &prepared[slot_of[&(Arc::as_ptr(a) as usize)]];
                        let mut article = Article::clone(a);
                        article.content = p.content.clone();
                        article.snippet = p.snippet(channel.summary_length).to_owned();
                        article
                    })
                    .collect();
                ChannelFeed {
                    channel: channel.clone(),
                    ancestors: ancestors(config, channel),
                    items,
                }
            })
            .collect()
    }
}

/// Per-article results of the expensive steps.
struct Prepared {
    content: Option<String>,
    /// (summary length, snippet), one per distinct configured length.
    snippets: Vec<(usize, String)>,
}

impl Prepared {
    fn new(a: &Article, lengths: &[usize], ellipsis: &str) -> Prepared {
        let base = a.link.as_deref().and_then(|l| Url::parse(l).ok());
        let content = a.content.as_deref().map(|c| sanitize::sanitize_html(c, base.as_ref()));
        let from = a.summary.as_deref().or(a.content.as_deref()).unwrap_or("");
        let snippets = lengths
            .iter()
            .map(|&n| {
                (n, text::strip_forbidden_chars(&text::summarise(from, n, ellipsis)).into_owned())
            })
            .collect();
        Prepared { content: content.filter(|c| !c.trim().is_empty()), snippets }
    }

    fn snippet(&self, length: usize) -> &str {
        self.snippets.iter().find(|(n, _)| *n == length).map_or("", |(_, s)| s)
    }
}

impl Buffer {
    fn push(&mut self, entry: Entry) {
        self.items.push(entry);
        // Compacting at twice the limit keeps the amortised cost low while
        // bounding memory.
        if self.items.len() >= self.limit.saturating_mul(2).max(64) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        // Winners first: latest modification, then the record read last.
        self.items.sort_by(|a, b| {
            b.article.last_modified().cmp(&a.article.last_modified()).then(b.seq.cmp(&a.seq))
        });
        let mut ids: HashSet<&str> = HashSet::with_capacity(self.items.len());
        let mut links: HashSet<&str> = HashSet::with_capacity(self.items.len());
        let mut keep = vec![false; self.items.len()];
        for (i, e) in self.items.iter().enumerate() {
            let a = &e.article;
            let dup_id = !ids.insert(a.id.as_str());
            let dup_link = a.link.as_deref().is_some_and(|l| !links.insert(l));
            keep[i] = !dup_id && !dup_link;
        }
        let mut k = keep.into_iter();
        self.items.retain(|_| k.next().unwrap_or(false));
        self.items.sort_by(|a, b| order(&a.article, &b.article));
        self.items.truncate(self.limit);
    }

    fn finish(mut self) -> Vec<Arc<Article>> {
        self.compact();
        self.items.into_iter().map(|e| e.article).collect()
    }
}

/// Feed order: newest first, undated last, ties by id.
pub fn order(a: &Article, b: &Article) -> Ordering {
    match (a.date(), b.date()) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.id.cmp(&b.id))
}

fn ancestors(config: &Config, channel: &Channel) -> Vec<Channel> {
    let mut out = Vec::new();
    let mut parent = channel.parent.as_ref();
    while let Some(p) = parent {
        let Some(c) = config.channel(p) else { break };
        out.push(c.clone());
        parent = c.parent.as_ref();
    }
    out.reverse();
    out
}

/// The id an item keeps forever: its record id when that is already a URI,
/// its link when it has no id, else a `tag:` URI (RFC 4151) from the site's
/// host and path, the channel and the record id. The tag date is fixed
/// because it must never change between runs or machines.
pub fn stable_id(article: &Article, channel: &ChannelId, site: &Url) -> String {
    match (&article.key, &article.link) {
        (Some(key), _) if is_uri(key) => key.clone(),
        (Some(key), _) => {
            let host = site.host_str().unwrap_or("localhost");
            let path = site.path().trim_matches('/');
            let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
            format!("tag:{host},{TAG_DATE}:{prefix}{channel}/{}", encode_tag_part(key))
        }
        (None, Some(link)) => link.clone(),
        // Sources reject records with neither; keep a deterministic fallback.
        (None, None) => {
            format!("tag:localhost,{TAG_DATE}:{channel}/{}", encode_tag_part(&article.title))
        }
    }
}

/// The date in every generated `tag:` URI.
pub const TAG_DATE: &str = "2025";

fn is_uri(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "tag" | "urn" | "mailto"))
        && !s.contains(char::is_whitespace)
}

/// Percent-encodes what a tag URI's specific part may not hold.
fn encode_tag_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}
