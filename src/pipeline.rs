//! The pipeline: resolve each record's channel, give it a stable id, keep
//! the newest items per channel (parents also get their descendants' items),
//! dedupe, sort, and finally summarise and sanitise what survived.
//!
//! It is pure and synchronous: no file, network or clock. Records arrive one
//! at a time through [`Collector::push`], and each channel keeps a buffer
//! bounded by its `items_per_channel`, so memory grows with channels × items
//! per channel, not with the number of records read. Expensive work
//! (snippets, HTML sanitising) runs in parallel, once per article even when
//! it appears in several feeds: where a reader parses records in parallel,
//! while their buffers have room ([`Early`]); while reading for other records
//! that are sure to enter their buffers; and in [`Collector::finish`] for
//! later records that survived.
//!
//! Dedupe rule (per channel feed): items with the same id, or the same
//! canonical link, or (for items merged from other feeds) the same
//! normalised title on the same day, collapse into one. A local record beats
//! a merged item; between local records the latest `updated` (falling back
//! to `published`) wins, then the record read last; between merged items the
//! earliest published wins. Because the buffers are bounded, a duplicate is
//! only recognised while its twin is still among the channel's newest items. Sort order: newest date first, undated
//! items last, ties broken by id, so output is stable.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use url::Url;

use crate::config::{Channel, ChannelId, Config, Site};
use crate::model::{Article, ChannelFeed, Origin};
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
    /// Distinct configured summary lengths, ascending.
    lengths: Vec<usize>,
    /// Records already known to enter their buffers, waiting to be prepared
    /// together (see [`Collector::push`]).
    pending: Vec<Pending>,
    times: StageTimes,
    /// Where the items come from whose preparation failed.
    spoiled: Vec<Origin>,
    /// For each channel: whether every buffer it enters still holds fewer
    /// records than its limit, shared with [`Early`].
    room: Arc<[AtomicBool]>,
    /// For each buffer: the channels whose records enter it.
    entered_by: Vec<Vec<usize>>,
}

/// One channel's newest items so far.
struct Buffer {
    limit: usize,
    items: Vec<Entry>,
    /// Records ever pushed here: while this is below the limit, nothing
    /// pushed can have been pushed out yet.
    pushed: usize,
}

/// An article with its arrival number (for the "read last wins" tie-break)
/// and its dedupe keys, computed once however many buffers it enters.
#[derive(Clone)]
struct Entry {
    seq: u64,
    article: Arc<Article>,
    keys: Arc<Keys>,
    /// Set once the article is prepared (content sanitised, summary dropped).
    snippets: Option<Arc<Snippets>>,
    /// Preparing it failed: reported if it is still in a feed at the end.
    spoiled: bool,
}

/// (summary length, snippet), one per distinct configured length.
type Snippets = Vec<(usize, String)>;

/// A finished article, its snippets, the time spent (summarising,
/// sanitising) and whether preparing it failed.
type Finished = (Arc<Article>, Arc<Snippets>, (Duration, Duration), bool);

/// A record waiting in [`Collector::pending`].
struct Pending {
    seq: u64,
    slot: usize,
    article: Article,
    keys: Keys,
    /// Whether it is prepared now (see [`Collector::push`]) rather than in
    /// [`Collector::finish`], if it survives until then.
    eager: bool,
    /// Filled in by [`Collector::flush`] for an eager record, with the time
    /// it took.
    snippets: Snippets,
    times: (Duration, Duration),
    /// Preparing it failed (see [`prepare`]).
    spoiled: bool,
    /// Prepared already, where it was read ([`Early`]), or by
    /// [`Collector::flush`].
    prepared: bool,
}

/// A record [`Collector::push`] could not place: where it was read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub location: String,
    pub message: String,
}

/// Records prepared together: enough to keep both cores busy, few enough
/// that their raw HTML stays a small fraction of the run's memory.
const BATCH: usize = 512;

/// What two items must share to be the same story.
struct Keys {
    /// The canonical link (see [`canonical_link`]).
    link: Option<String>,
    /// Normalised title and UTC day, for items merged from other feeds.
    /// Only those get it here; a local record's is made in
    /// [`Buffer::compact`], and only where merged items share its channel.
    title_day: Option<String>,
}

impl<'a> Collector<'a> {
    /// A collector for every channel of `config`.
    pub fn new(config: &'a Config, site: &'a Site) -> Collector<'a> {
        let index: HashMap<ChannelId, usize> =
            config.channels.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        let targets: Vec<Vec<usize>> = config
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
            .map(|c| Buffer { limit: c.items_per_channel, items: Vec::new(), pushed: 0 })
            .collect();
        let mut lengths: Vec<usize> = config.channels.iter().map(|c| c.summary_length).collect();
        lengths.sort_unstable();
        lengths.dedup();
        let mut entered_by = vec![Vec::new(); config.channels.len()];
        for (slot, chain) in targets.iter().enumerate() {
            for &t in chain {
                entered_by[t].push(slot);
            }
        }
        let room = targets
            .iter()
            .map(|chain: &Vec<usize>| {
                AtomicBool::new(chain.iter().all(|&t| config.channels[t].items_per_channel > 0))
            })
            .collect();
        Collector {
            config,
            site,
            targets,
            index,
            buffers,
            seq: 0,
            lengths,
            pending: Vec::with_capacity(BATCH),
            times: StageTimes::default(),
            spoiled: Vec::new(),
            room,
            entered_by,
        }
    }

    /// What a reader that parses records in parallel needs to prepare them
    /// there ([`Early`]).
    pub fn early(&self) -> Early<'a> {
        Early {
            names: &self.config.names,
            index: self.index.clone(),
            room: Arc::clone(&self.room),
            lengths: self.lengths.clone(),
            ellipsis: &self.site.ellipsis,
        }
    }

    /// Adds one record. `default_channel` is its source's channel. Returns
    /// why the record cannot be placed, if it cannot.
    ///
    /// A record pushed while every buffer it enters holds fewer than its
    /// limit is certain to be in them now, so it is prepared (sanitised and
    /// summarised) right away, in parallel batches, and its raw HTML is
    /// dropped: a build that keeps every record does its expensive work
    /// while reading instead of after it, and holds one copy of each
    /// article. Later records are prepared in [`Collector::finish`], only
    /// if they survive, so a million-record input prepares no more than
    /// the buffers' worth twice over, plus what a reader prepared early
    /// ([`Early`]) in the batches it read before the buffers filled.
    ///
    /// A record that cannot be placed comes back as its location and why.
    pub fn push(
        &mut self,
        article: Article,
        default_channel: Option<&ChannelId>,
    ) -> Result<(), Rejected> {
        self.push_prepared(article, default_channel, None)
    }

    /// [`Collector::push`] for a record that may have been prepared where it
    /// was read ([`Early::prepare`]); `prepared` is what that gave.
    pub fn push_prepared(
        &mut self,
        mut article: Article,
        default_channel: Option<&ChannelId>,
        prepared: Option<Prepared>,
    ) -> Result<(), Rejected> {
        let channel =
            channel_of(&self.config.names, &article, default_channel).map_err(
                |named| match named {
                    Some(name) => {
                        let mut known: Vec<&str> =
                            self.config.channels.iter().map(|c| c.id.as_str()).collect();
                        known.sort_unstable();
                        format!(
                            "channel \"{name}\" is not configured (channels: {})",
                            known.join(", ")
                        )
                    }
                    None => {
                        "record names no channel and its source sets no default channel".to_owned()
                    }
                },
            );
        let channel = match channel {
            Ok(channel) => channel,
            Err(message) => {
                return Err(Rejected {
                    location: std::mem::take(&mut article.origin.location),
                    message,
                });
            }
        };
        let slot = self.index[channel];
        article.channel = Some(channel.to_string());
        self.seq += 1;
        let eager =
            self.targets[slot].iter().all(|&t| self.buffers[t].pushed < self.buffers[t].limit);
        for &t in &self.targets[slot] {
            let buffer = &mut self.buffers[t];
            buffer.pushed += 1;
            if buffer.pushed == buffer.limit {
                for &s in &self.entered_by[t] {
                    self.room[s].store(false, AtomicOrdering::Relaxed);
                }
            }
        }
        let (snippets, times, spoiled, prepared) = match prepared {
            Some(p) => (p.snippets, p.times, p.spoiled, true),
            None => (Vec::new(), (Duration::ZERO, Duration::ZERO), false, false),
        };
        // Its id and keys are made with the rest of its batch, in parallel;
        // entries still reach their buffers in arrival order, so a
        // compaction sees exactly what it would have seen without batching.
        self.pending.push(Pending {
            seq: self.seq,
            slot,
            article,
            keys: Keys { link: None, title_day: None },
            eager,
            snippets,
            times,
            spoiled,
            prepared,
        });
        if self.pending.len() >= BATCH {
            self.flush();
        }
        Ok(())
    }

    fn place(&mut self, slot: usize, entry: &Entry) {
        for &t in &self.targets[slot] {
            self.buffers[t].push(entry.clone());
        }
    }

    /// Identifies the pending records (and prepares the eager ones) in
    /// parallel, and places them in arrival order.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        // Prepared in place and drained, so the batch's memory is reused:
        // a fresh half-megabyte vector per batch meant freshly zeroed pages.
        let mut pending = std::mem::take(&mut self.pending);
        let (lengths, ellipsis) = (&self.lengths, self.site.ellipsis.as_str());
        let (channels, site_link) = (&self.config.channels, &self.site.link);
        pending.par_iter_mut().for_each(|p| {
            p.keys = identify(&mut p.article, &channels[p.slot].id, site_link);
            if p.eager && !p.prepared {
                let (article, snippets, times, spoiled) =
                    prepare(std::mem::take(&mut p.article), lengths, ellipsis);
                (p.article, p.snippets, p.times, p.spoiled) = (article, snippets, times, spoiled);
                p.prepared = true;
            }
        });
        for p in pending.drain(..) {
            self.times.add(p.times.0, p.times.1);
            let entry = Entry {
                seq: p.seq,
                article: Arc::new(p.article),
                keys: Arc::new(p.keys),
                snippets: p.prepared.then(|| Arc::new(p.snippets)),
                spoiled: p.spoiled,
            };
            self.place(p.slot, &entry);
        }
        self.pending = pending;
    }

    /// Finishes every channel: dedupe, sort, limit, then snippets and
    /// sanitised content. Feeds come in config order.
    pub fn finish(self) -> Vec<ChannelFeed> {
        self.finish_timed().0
    }

    /// [`Collector::finish`], also returning the CPU time spent on snippets
    /// and on sanitising (summed over threads), for `--timings`, and where
    /// the items come from whose content could not be prepared (they are
    /// kept without content and summary).
    pub fn finish_timed(mut self) -> (Vec<ChannelFeed>, StageTimes, Vec<Origin>) {
        self.flush();
        let Collector { config, site, buffers, lengths, mut times, mut spoiled, .. } = self;
        // Channels are deduplicated and sorted independently of each other.
        let lists: Vec<Vec<Entry>> = buffers.into_par_iter().map(Buffer::finish).collect();

        // Each article once, however many feeds it is in (keyed by address:
        // one Arc is shared by a channel and its ancestors).
        let mut unique: Vec<Entry> = Vec::new();
        let mut slot_of: HashMap<usize, usize, foldhash::fast::FixedState> = HashMap::default();
        let lists: Vec<Vec<usize>> = lists
            .into_iter()
            .map(|list| {
                list.into_iter()
                    .map(|e| {
                        *slot_of.entry(Arc::as_ptr(&e.article) as usize).or_insert_with(|| {
                            unique.push(e);
                            unique.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        // Every other clone of an entry is gone now, so unprepared articles
        // can be taken apart instead of copied.
        let ellipsis = site.ellipsis.as_str();
        // With one summary length (the usual case) every feed shows an
        // article with the same snippet, so it is moved in here, on all
        // cores: setting it in the serial loop below, an article at a time,
        // was most of that loop's time on a large build.
        let single = lengths.len() == 1;
        let prepared: Vec<Finished> = unique
            .into_par_iter()
            .map(|e| {
                let (mut article, mut snippets, times, failed) = match e.snippets {
                    // Reported here, not when it was prepared: a record
                    // prepared while reading may have been pushed out of
                    // every feed since, and is then no item kept bare.
                    Some(snippets) => {
                        (e.article, snippets, (Duration::ZERO, Duration::ZERO), e.spoiled)
                    }
                    None => {
                        let article = Arc::try_unwrap(e.article).unwrap_or_else(|a| (*a).clone());
                        let (article, snippets, times, failed) =
                            prepare(article, &lengths, ellipsis);
                        (Arc::new(article), Arc::new(snippets), times, failed)
                    }
                };
                if single {
                    let snippet = match Arc::get_mut(&mut snippets) {
                        Some(owned) => owned.first_mut().map(|(_, s)| std::mem::take(s)),
                        None => snippets.first().map(|(_, s)| s.clone()),
                    };
                    Arc::make_mut(&mut article).snippet = snippet.unwrap_or_default();
                }
                (article, snippets, times, failed)
            })
            .collect();
        times.items = prepared.len();
        let prepared: Vec<(Arc<Article>, Arc<Snippets>)> = prepared
            .into_iter()
            .map(|(article, snippets, (summarise, sanitise), failed)| {
                times.add(summarise, sanitise);
                if failed {
                    spoiled.push(article.origin.clone());
                }
                (article, snippets)
            })
            .collect();
        let items = if single {
            // Every article already carries its one snippet: share it out.
            let items = lists
                .into_iter()
                .map(|list| list.into_iter().map(|i| Arc::clone(&prepared[i].0)).collect())
                .collect();
            // Letting go of every article's first handle (and its emptied
            // snippets) was a serial pause of 10 ms before rendering on
            // a large build.
            crate::process::drop_in_background(prepared);
            items
        } else {
            let lengths = config.channels.iter().map(|c| c.summary_length);
            share_out(lists, prepared, lengths)
        };
        let feeds = config
            .channels
            .iter()
            .zip(items)
            .map(|(channel, items)| ChannelFeed {
                channel: channel.clone(),
                ancestors: ancestors(config, channel),
                items,
            })
            .collect();
        (feeds, times, spoiled)
    }
}

/// Each channel's articles (`lists` holds indexes into `prepared`), each
/// carrying the snippet of its channel's summary length (`lengths`, one per
/// channel) when channels differ in it. The first channel to show an article
/// takes it over; only a channel with another length needs a copy.
fn share_out(
    lists: Vec<Vec<usize>>,
    prepared: Vec<(Arc<Article>, Arc<Snippets>)>,
    lengths: impl Iterator<Item = usize>,
) -> Vec<Vec<Arc<Article>>> {
    let mut prepared: Vec<Option<(Arc<Article>, Arc<Snippets>)>> =
        prepared.into_iter().map(Some).collect();
    let mut variants: Vec<Vec<(usize, Arc<Article>)>> = vec![Vec::new(); prepared.len()];
    let mut snippets_of: Vec<Option<Arc<Snippets>>> = vec![None; prepared.len()];
    lists
        .into_iter()
        .zip(lengths)
        .map(|(list, n)| {
            list.into_iter()
                .map(|i| {
                    if let Some((_, a)) = variants[i].iter().find(|(len, _)| *len == n) {
                        return Arc::clone(a);
                    }
                    let mut article = match prepared[i].take() {
                        Some((article, snippets)) => {
                            snippets_of[i] = Some(snippets);
                            article
                        }
                        None => Arc::new(Article::clone(&variants[i][0].1)),
                    };
                    // Each length's snippet is needed once (a second channel
                    // of the same length shares the article): it is moved,
                    // not copied, unless another holder of the snippets
                    // still needs them.
                    let snippet = match snippets_of[i].as_mut() {
                        Some(snippets) => match Arc::get_mut(snippets) {
                            Some(owned) => owned
                                .iter_mut()
                                .find(|(len, _)| *len == n)
                                .map(|(_, s)| std::mem::take(s))
                                .unwrap_or_default(),
                            None => snippets
                                .iter()
                                .find(|(len, _)| *len == n)
                                .map(|(_, s)| s.clone())
                                .unwrap_or_default(),
                        },
                        None => String::new(),
                    };
                    Arc::make_mut(&mut article).snippet = snippet;
                    variants[i].push((n, Arc::clone(&article)));
                    article
                })
                .collect()
        })
        .collect()
}

/// Prepares records (sanitises their content and cuts their snippets)
/// where a reader parses them in parallel, for as long as their channel's
/// buffers have room, so that every record read then is sure to be kept.
///
/// [`Collector::push`] prepares such records too, but only once it has
/// placed them, a batch later: by then the content the parser has just
/// written is out of the cache, and the raw HTML of every record in
/// between is still held. Preparing a record right after parsing it reads
/// its HTML while it is in the cache and frees it at once for the next
/// record to reuse (on the 50,000-record benchmark: about 5% less CPU time). The
/// preparation is the same function either way, so the output is too.
///
/// Records read while the last places fill may be pushed after the
/// buffers are full; their preparation is then spent on records that may
/// not be kept, at most a few batches' worth.
pub struct Early<'a> {
    names: &'a crate::config::ChannelNames,
    index: HashMap<ChannelId, usize>,
    room: Arc<[AtomicBool]>,
    lengths: Vec<usize>,
    ellipsis: &'a str,
}

/// What [`Early::prepare`] did to a record, for [`Collector::push_prepared`].
#[derive(Debug)]
pub struct Prepared {
    snippets: Snippets,
    times: (Duration, Duration),
    spoiled: bool,
}

impl Early<'_> {
    /// Prepares `article` if every buffer of its channel (named by the
    /// record, else `default_channel`) still has room, returning what
    /// [`Collector::push_prepared`] needs; otherwise leaves it as it is.
    pub fn prepare(
        &self,
        article: Article,
        default_channel: Option<&ChannelId>,
    ) -> (Article, Option<Prepared>) {
        let room = channel_of(self.names, &article, default_channel)
            .ok()
            .and_then(|c| self.index.get(c))
            .is_some_and(|&slot| self.room[slot].load(AtomicOrdering::Relaxed));
        if !room {
            return (article, None);
        }
        let (article, snippets, times, spoiled) = prepare(article, &self.lengths, self.ellipsis);
        (article, Some(Prepared { snippets, times, spoiled }))
    }
}

/// The channel a record goes to: the one it names (id, alias or title),
/// else its source's `default_channel`. Otherwise the name it gives that no
/// channel has, or `None` when it names none and there is no default.
fn channel_of<'c>(
    names: &'c crate::config::ChannelNames,
    article: &'c Article,
    default_channel: Option<&'c ChannelId>,
) -> Result<&'c ChannelId, Option<&'c str>> {
    match article.channel.as_deref() {
        Some(name) => names.resolve(name).ok_or(Some(name)),
        None => default_channel.ok_or(None),
    }
}

/// Gives an article placed in `channel` its stable id, and returns its
/// dedupe keys.
fn identify(article: &mut Article, channel: &ChannelId, site_link: &Url) -> Keys {
    article.id = stable_id(article, channel, site_link);
    let title_day = if article.via.is_some() { title_day(article) } else { None };
    Keys { link: article.link.as_deref().map(canonical_link), title_day }
}

/// Sanitises an article's content and cuts its snippets, one per length,
/// dropping the raw summary and content. Also returns the time spent
/// summarising and sanitising, and whether preparing it failed.
fn prepare(
    mut a: Article,
    lengths: &[usize],
    ellipsis: &str,
) -> (Article, Snippets, (Duration, Duration), bool) {
    let start = Instant::now();
    let mut sanitised = start;
    // A bug that panics on one item's HTML must not take its source, or the
    // whole run, with it: the item is kept without content and summary, and
    // the last value returned says so, for the collector to report.
    let worked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        #[cfg(test)]
        crate::fault::panic_if_marked(a.content.as_deref().unwrap_or(""));
        let content = a
            .content
            .as_deref()
            .map(|c| exact_size(sanitize::sanitize_html_against(c, a.link.as_deref())));
        sanitised = Instant::now();
        let from = a.summary.as_deref().or(a.content.as_deref()).unwrap_or("");
        let snippets: Snippets = lengths
            .iter()
            .map(|&n| {
                (n, text::strip_forbidden_chars(&text::summarise(from, n, ellipsis)).into_owned())
            })
            .collect();
        (content, snippets)
    }));
    let spoiled = worked.is_err();
    let (content, snippets) =
        worked.unwrap_or_else(|_| (None, lengths.iter().map(|&n| (n, String::new())).collect()));
    let times = (sanitised.elapsed(), sanitised.saturating_duration_since(start));
    a.summary = None;
    a.content = content.filter(|c| !c.trim().is_empty());
    (a, snippets, times, spoiled)
}

/// `s` in an allocation of its own length when it has much spare room.
/// Sanitised content is kept until the feeds are written, and on a large
/// build spare room adds up to megabytes of memory touched for nothing. The
/// fast sanitiser reserves a little more than its input (which its output
/// almost always fits), and that small margin is kept: copying every
/// article to trim it took a sixth of the sanitising time. A buffer that
/// grew past its reservation is copied, and freed for the next item.
fn exact_size(s: String) -> String {
    if s.capacity() - s.len() > s.len() / 16 + 256 { s.as_str().to_owned() } else { s }
}

/// CPU time of the per-item steps, summed over threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTimes {
    /// Distinct articles prepared.
    pub items: usize,
    pub summarise: Duration,
    pub sanitise: Duration,
}

impl StageTimes {
    fn add(&mut self, summarise: Duration, sanitise: Duration) {
        self.summarise += summarise;
        self.sanitise += sanitise;
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
        // Winners first (see `preference`), so each kept item claims its keys
        // before any duplicate of it is looked at.
        self.items.sort_by(preference);
        // foldhash: SipHash was a visible share of a large build, and these
        // sets live for one compaction (seeded per process all the same).
        use foldhash::{HashSet, HashSetExt};
        let mut ids: HashSet<&str> = HashSet::with_capacity(self.items.len());
        let mut links: HashSet<&str> = HashSet::with_capacity(self.items.len());
        let mut titles: HashSet<&str> = HashSet::new();
        // Local records' title keys matter only to merged items: in a
        // channel of local records alone they are never made.
        let merged = self.items.iter().any(|e| e.article.via.is_some());
        let local_titles: Vec<Option<String>> = if merged {
            self.items
                .iter()
                .map(|e| if e.article.via.is_none() { title_day(&e.article) } else { None })
                .collect()
        } else {
            Vec::new()
        };
        let mut keep = vec![false; self.items.len()];
        for (i, e) in self.items.iter().enumerate() {
            let title_key =
                e.keys.title_day.as_deref().or(local_titles.get(i).and_then(Option::as_deref));
            let dup_id = ids.contains(e.article.id.as_str());
            let dup_link = e.keys.link.as_deref().is_some_and(|l| links.contains(l));
            // Title + day only merges items from other feeds: two local
            // records may well share a title ("Weather") on one day.
            let dup_title =
                e.article.via.is_some() && title_key.is_some_and(|t| titles.contains(t));
            keep[i] = !(dup_id || dup_link || dup_title);
            // A dropped duplicate still claims its keys: if a and b share a
            // title and a and c share a link, all three are one story.
            ids.insert(e.article.id.as_str());
            if let Some(l) = e.keys.link.as_deref() {
                links.insert(l);
            }
            if let Some(t) = title_key {
                titles.insert(t);
            }
        }
        let mut k = keep.into_iter();
        self.items.retain(|_| k.next().unwrap_or(false));
        self.items.sort_by(|a, b| order(&a.article, &b.article));
        self.items.truncate(self.limit);
    }

    fn finish(mut self) -> Vec<Entry> {
        self.compact();
        self.items
    }
}

/// Which of two duplicates to keep (`Less`: `a`). A local record beats an
/// item merged from another feed. Between local records, the latest
/// `updated` (else `published`) wins, then the record read last. Between
/// merged items, the earliest published wins (the original, not a later
/// copy), then the smaller id, then the one read first.
fn preference(a: &Entry, b: &Entry) -> Ordering {
    let (x, y) = (&a.article, &b.article);
    match (x.via.is_none(), y.via.is_none()) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (true, true) => y.last_modified().cmp(&x.last_modified()).then(b.seq.cmp(&a.seq)),
        (false, false) => match (x.date(), y.date()) {
            (Some(p), Some(q)) => p.cmp(&q),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| x.id.cmp(&y.id))
        .then(a.seq.cmp(&b.seq)),
    }
}

/// A link as a dedupe key: scheme and host lower-cased and the default port
/// dropped (the URL parser does both), the fragment dropped, and tracking
/// parameters (`utm_*`, `fbclid`, `gclid`, ...) removed. A link that does
/// not parse is its own key.
pub fn canonical_link(link: &str) -> String {
    // Already canonical: nothing to lower-case, no port, fragment or query.
    if crate::links::is_serialized_http_url(link) {
        return link.to_owned();
    }
    let Ok(mut url) = Url::parse(link) else { return link.to_owned() };
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url.into()
}

fn is_tracking_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || matches!(
            name.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "yclid"
                | "mc_cid"
                | "mc_eid"
                | "igshid"
                | "_hsenc"
                | "_hsmi"
                | "spm"
        )
}

/// Normalised title plus the UTC day of the item's date: letters and digits
/// only, lower-cased, so punctuation and spacing differences between two
/// sites' copies of a story do not matter.
fn title_day(a: &Article) -> Option<String> {
    use chrono::Datelike;
    use std::fmt::Write;
    let date = a.date()?.with_timezone(&chrono::Utc);
    let mut key = String::with_capacity(a.title.len() + 11);
    // What `format("%Y-%m-%d")` writes (a four-digit year here), without
    // parsing a format string for every item.
    let _ = write!(key, "{:04}-{:02}-{:02}|", date.year(), date.month(), date.day());
    let day = key.len();
    push_title_key(&mut key, &a.title);
    (key.len() > day).then_some(key)
}

/// Appends the letters and digits of `title`, lower-cased: ASCII and the
/// CJK ideographs (letters without case) directly, the rest through the
/// Unicode tables, which were most of the time merging spent on titles.
fn push_title_key(key: &mut String, title: &str) {
    for c in title.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                key.push(c.to_ascii_lowercase());
            }
        } else if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            key.push(c);
        } else if c.is_alphanumeric() {
            key.extend(c.to_lowercase());
        }
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
            // Built by appending: `format!` was a visible share of a large
            // build, once per record.
            let mut id = String::with_capacity(
                host.len() + prefix.len() + channel.as_str().len() + key.len() + 16,
            );
            for part in ["tag:", host, ",", TAG_DATE, ":", &prefix, channel.as_str(), "/"] {
                id.push_str(part);
            }
            // Another site's plain guid ("1", "post-17") is only unique within
            // that feed, so a merged item's id names its source too; two
            // feeds' item "1" must never collapse into one.
            if article.via.is_some() {
                encode_tag_part_into(&mut id, &article.origin.source);
                id.push('/');
            }
            encode_tag_part_into(&mut id, key);
            id
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
    encode_tag_part_into(&mut out, s);
    out
}

/// [`encode_tag_part`], appending to `out`.
fn encode_tag_part_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::DateTime;

    use super::*;
    use crate::model::Origin;

    const CONFIG: &str = r#"
[site]
title = "S"
link = "https://example.org/feeds/"
summary_length = 10
[[channel]]
id = "news"
title = "News"
items_per_channel = 3
[[channel]]
id = "world"
title = "World"
parent = "news"
aliases = ["国际"]
[[channel]]
id = "tech"
title = "Tech"
parent = "news"
summary_length = 5
"#;

    fn config() -> Config {
        Config::parse(CONFIG, Path::new("feeds.toml")).unwrap()
    }

    fn article(key: &str, channel: &str, published: Option<&str>) -> Article {
        Article {
            key: Some(key.to_owned()),
            title: format!("title {key}"),
            channel: Some(channel.to_owned()),
            published: published.map(|d| DateTime::parse_from_rfc3339(d).unwrap()),
            summary: Some("one two three four five six".to_owned()),
            origin: Origin { source: "s".to_owned(), location: format!("f:{key}") },
            ..Article::default()
        }
    }

    fn run(articles: Vec<Article>) -> Vec<(String, Vec<String>)> {
        let config = config();
        let site = config.site.clone().unwrap();
        let mut c = Collector::new(&config, &site);
        for a in articles {
            c.push(a, None).unwrap();
        }
        c.finish()
            .into_iter()
            .map(|f| {
                let keys = f.items.iter().map(|a| a.key.clone().unwrap_or_default()).collect();
                (f.channel.id.to_string(), keys)
            })
            .collect()
    }

    #[test]
    fn sorts_newest_first_undated_last_ties_by_id() {
        let feeds = run(vec![
            article("b", "world", Some("2025-02-01T00:00:00Z")),
            article("u", "world", None),
            article("a", "world", Some("2025-02-01T00:00:00Z")),
            // Same instant as "a" written with another offset.
            article("c", "world", Some("2025-02-01T08:00:00+08:00")),
            article("n", "world", Some("2025-03-01T00:00:00Z")),
        ]);
        assert_eq!(
            feeds[1],
            (
                "world".to_owned(),
                vec!["n", "a", "b", "c", "u"].into_iter().map(String::from).collect()
            )
        );
    }

    #[test]
    fn parents_aggregate_descendants_within_their_own_limit() {
        let feeds = run(vec![
            article("w1", "world", Some("2025-02-01T00:00:00Z")),
            article("w2", "国际", Some("2025-02-03T00:00:00Z")),
            article("t1", "tech", Some("2025-02-02T00:00:00Z")),
            article("t2", "Tech", Some("2025-02-04T00:00:00Z")),
            article("n1", "news", Some("2025-01-01T00:00:00Z")),
        ]);
        let names: Vec<(&str, Vec<&str>)> = feeds
            .iter()
            .map(|(c, k)| (c.as_str(), k.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            names,
            [
                ("news", vec!["t2", "w2", "t1"]),
                ("world", vec!["w2", "w1"]),
                ("tech", vec!["t2", "t1"])
            ]
        );
    }

    #[test]
    fn same_id_keeps_the_latest_updated() {
        let mut old = article("x", "world", Some("2025-02-01T00:00:00Z"));
        old.updated = Some(DateTime::parse_from_rfc3339("2025-02-01T00:00:00Z").unwrap());
        old.title = "old".to_owned();
        let mut new = old.clone();
        new.updated = Some(DateTime::parse_from_rfc3339("2025-02-02T00:00:00Z").unwrap());
        new.title = "new".to_owned();
        let config = config();
        let site = config.site.clone().unwrap();
        for order in [[new.clone(), old.clone()], [old.clone(), new.clone()]] {
            let mut c = Collector::new(&config, &site);
            for a in order {
                c.push(a, None).unwrap();
            }
            let feeds = c.finish();
            let titles: Vec<&str> = feeds[1].items.iter().map(|a| a.title.as_str()).collect();
            assert_eq!(titles, ["new"]);
        }
    }

    #[test]
    fn same_link_with_other_ids_collapses_and_a_tie_goes_to_the_record_read_last() {
        let mut a = article("a", "world", Some("2025-02-01T00:00:00Z"));
        a.link = Some("https://example.org/x".to_owned());
        let mut b = article("b", "world", Some("2025-02-01T00:00:00Z"));
        b.link = a.link.clone();
        assert_eq!(run(vec![a.clone(), b.clone()])[1].1, ["b"]);
        assert_eq!(run(vec![b, a])[1].1, ["a"]);
    }

    #[test]
    fn buffers_stay_bounded_but_keep_the_newest() {
        let config = config();
        let site = config.site.clone().unwrap();
        let mut c = Collector::new(&config, &site);
        let mut dates = Vec::new();
        for i in 0..10_000 {
            let day = 1 + (i * 7919) % 28;
            let date = format!("2025-02-{day:02}T{:02}:00:00Z", i % 24);
            dates.push(date.clone());
            c.push(article(&format!("k{i:05}"), "world", Some(&date)), None).unwrap();
            assert!(c.buffers.iter().all(|b| b.items.len() <= b.limit.saturating_mul(2).max(64)));
        }
        let feeds = c.finish();
        assert_eq!(feeds[0].items.len(), 3);
        dates.sort();
        let got: Vec<String> =
            feeds[0].items.iter().map(|a| a.date().unwrap().to_rfc3339()).collect();
        let want: Vec<String> =
            dates.iter().rev().take(3).map(|d| d.replace('Z', "+00:00")).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn snippets_follow_each_channels_summary_length() {
        let config = config();
        let site = config.site.clone().unwrap();
        let mut c = Collector::new(&config, &site);
        c.push(article("t", "tech", Some("2025-02-01T00:00:00Z")), None).unwrap();
        let feeds = c.finish();
        // The space before "three" is outside the final 20% of 10 graphemes.
        assert_eq!(feeds[0].items[0].snippet, "one two th...", "news: 10 graphemes");
        assert_eq!(feeds[2].items[0].snippet, "one t...", "tech: 5 graphemes");
    }

    #[test]
    fn unknown_channel_and_missing_default_are_explained() {
        let config = config();
        let site = config.site.clone().unwrap();
        let mut c = Collector::new(&config, &site);
        let mut sport = article("x", "sport", None);
        sport.origin.location = "r.jsonl:3".to_owned();
        assert_eq!(
            c.push(sport, None).unwrap_err(),
            Rejected {
                location: "r.jsonl:3".to_owned(),
                message: "channel \"sport\" is not configured (channels: news, tech, world)"
                    .to_owned()
            }
        );
        let mut none = article("y", "", None);
        none.channel = None;
        assert_eq!(
            c.push(none.clone(), None).unwrap_err().message,
            "record names no channel and its source sets no default channel"
        );
        let world = ChannelId::new("world").unwrap();
        assert!(c.push(none, Some(&world)).is_ok());
    }

    #[test]
    fn title_keys_take_the_fast_paths_the_unicode_tables_agree_with() {
        let slow = |t: &str| -> String {
            t.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
        };
        let fast = |t: &str| {
            let mut key = String::new();
            push_title_key(&mut key, t);
            key
        };
        let every: String = ('\0'..='\u{ffff}').chain('\u{1f000}'..='\u{2ffff}').collect();
        assert_eq!(fast(&every), slow(&every));
        assert_eq!(
            fast("Hello, World! 2025 ÄÖÜ İ ΣΑΣ 中文「标题」"),
            "helloworld2025äöüi̇σασ中文标题"
        );
        let a = article("x", "world", Some("2025-02-12T23:30:00-05:00"));
        assert_eq!(
            title_day(&Article { title: "A b!".to_owned(), ..a.clone() }).as_deref(),
            Some("2025-02-13|ab")
        );
        assert_eq!(title_day(&Article { title: "!!".to_owned(), ..a }), None);
    }

    #[test]
    fn ids_are_stable_uris() {
        let site = Url::parse("https://example.org/feeds/").unwrap();
        let world = ChannelId::new("world").unwrap();
        let mut a = article("rec 1/é", "world", None);
        assert_eq!(stable_id(&a, &world, &site), "tag:example.org,2025:feeds/world/rec%201/%C3%A9");
        a.key = Some("https://example.org/a".to_owned());
        assert_eq!(stable_id(&a, &world, &site), "https://example.org/a");
        a.key = None;
        a.link = Some("https://example.org/b".to_owned());
        assert_eq!(stable_id(&a, &world, &site), "https://example.org/b");
        // Merged items with plain guids are scoped by their source.
        a.key = Some("1".to_owned());
        a.via = Some(crate::model::Via::default());
        a.origin.source = "harbor".to_owned();
        assert_eq!(stable_id(&a, &world, &site), "tag:example.org,2025:feeds/world/harbor/1");
    }

    /// Record `p<i>` in "world", dated February `i + 1`: later ones are newer.
    fn daily(i: usize) -> Article {
        article(&format!("p{i}"), "world", Some(&format!("2025-02-0{}T00:00:00Z", i + 1)))
    }

    #[test]
    fn records_prepared_while_reading_and_at_the_end_come_out_alike() {
        let config = config();
        let site = config.site.clone().unwrap();
        let mut c = Collector::new(&config, &site);
        for i in 0..5 {
            let mut a = daily(i);
            a.link = Some(format!("https://example.org/world/{i}.html"));
            a.content = Some(
                r#"<p onclick="x()">Hi <a href="b.html">b</a><script>1</script></p>"#.to_owned(),
            );
            c.push(a, None).unwrap();
            // "news" (an ancestor) keeps 3: the first three are surely kept
            // and are prepared with their batch; the later ones cannot be,
            // so they are only identified then, and prepared at the end if
            // they survive.
            assert_eq!(c.pending.len(), i + 1, "after record {i}");
            let eager = c.pending.iter().filter(|p| p.eager).count();
            assert_eq!(eager, (i + 1).min(3), "after record {i}");
        }
        c.flush();
        let unprepared = c.buffers[1].items.iter().filter(|e| e.snippets.is_none()).count();
        assert_eq!(unprepared, 2);
        let feeds = c.finish();
        assert_eq!(feeds[0].items.len(), 3);
        assert_eq!(feeds[1].items.len(), 5);
        for (i, a) in feeds[1].items.iter().enumerate() {
            let link = format!("https://example.org/world/{}.html", 4 - i);
            assert_eq!(a.link.as_deref(), Some(link.as_str()));
            let want = r#"<p>Hi <a href="https://example.org/world/b.html" rel="noopener noreferrer">b</a></p>"#;
            assert_eq!(a.content.as_deref(), Some(want));
            assert_eq!((a.summary.as_deref(), a.snippet.as_str()), (None, "one two th..."));
        }
        // A parent's feed shows the very same articles, not copies.
        for (parent, child) in feeds[0].items.iter().zip(&feeds[1].items) {
            assert!(Arc::ptr_eq(parent, child));
        }
    }

    /// Records prepared where they are read ([`Early`]) come out exactly as
    /// those the collector prepares, a failed preparation is reported the
    /// same way, and once a channel's buffers are full its records are left
    /// for the collector.
    #[test]
    fn records_prepared_where_they_are_read_come_out_alike() {
        let config = config();
        let site = config.site.clone().unwrap();
        let records = || {
            (0..5).map(|i| {
                let mut a = daily(i);
                a.link = Some(format!("https://example.org/world/{i}.html"));
                let mark = if i == 1 { crate::fault::PANIC_MARK } else { "" };
                a.content =
                    Some(format!(r#"<p onclick="x()">Hi {i} <a href="b.html">b</a>{mark}</p>"#));
                a
            })
        };
        let mut later = Collector::new(&config, &site);
        for a in records() {
            later.push(a, None).unwrap();
        }
        let mut read = Collector::new(&config, &site);
        let early = read.early();
        let mut prepared = Vec::new();
        for a in records() {
            let (a, done) = early.prepare(a, None);
            prepared.push(done.is_some());
            read.push_prepared(a, None, done).unwrap();
        }
        // "news", the parent of "world", keeps 3: after three records no
        // channel entering it has room, "tech" included.
        assert_eq!(prepared, [true, true, true, false, false]);
        assert!(early.prepare(article("t", "tech", None), None).1.is_none());
        let world = config.names.resolve("world").cloned();
        assert!(early.prepare(article("d", "nowhere", None), world.as_ref()).1.is_none());

        let (want, _, want_spoiled) = later.finish_timed();
        let (got, _, got_spoiled) = read.finish_timed();
        let items = |feeds: &[ChannelFeed]| -> Vec<Vec<Article>> {
            feeds.iter().map(|f| f.items.iter().map(|a| Article::clone(a)).collect()).collect()
        };
        assert_eq!(items(&got), items(&want));
        assert_eq!(got[1].items[0].snippet, "one two th...");
        assert_eq!(got[2].items.len(), 0);
        let at = |o: &[Origin]| o.iter().map(|o| o.location.clone()).collect::<Vec<_>>();
        assert_eq!(at(&got_spoiled), ["f:p1"]);
        assert_eq!(at(&got_spoiled), at(&want_spoiled));
    }

    /// A reader prepares a whole batch before the collector places any of
    /// it, so records past a channel's limit may be prepared early too. A
    /// failed preparation is reported only for an item a feed keeps.
    #[test]
    fn a_failed_early_preparation_is_reported_only_if_the_item_is_kept() {
        let config = config();
        let site = config.site.clone().unwrap();
        let mut c = Collector::new(&config, &site);
        let early = c.early();
        let batch: Vec<(Article, Option<Prepared>)> = (0..5)
            .map(|i| {
                let date = format!("2025-02-0{}T00:00:00Z", i + 1);
                let mut a = article(&format!("n{i}"), "news", Some(&date));
                let mark = if i == 0 || i == 4 { crate::fault::PANIC_MARK } else { "" };
                a.content = Some(format!("<p>body {i} {mark}</p>"));
                early.prepare(a, None)
            })
            .collect();
        assert!(batch.iter().all(|(_, done)| done.is_some()), "all prepared while reading");
        for (a, done) in batch {
            c.push_prepared(a, None, done).unwrap();
        }
        let (feeds, _, spoiled) = c.finish_timed();
        // "news" keeps 3: n0, whose preparation failed, is in no feed.
        let kept: Vec<String> = feeds[0].items.iter().map(|a| a.key.clone().unwrap()).collect();
        assert_eq!(kept, ["n4", "n3", "n2"]);
        assert_eq!(feeds[0].items[0].content, None);
        let at: Vec<&str> = spoiled.iter().map(|o| o.location.as_str()).collect();
        assert_eq!(at, ["f:n4"]);
    }

    #[test]
    fn an_item_whose_preparation_panics_is_kept_bare_and_reported() {
        let config = config();
        let site = config.site.clone().unwrap();
        let mut c = Collector::new(&config, &site);
        // "news" keeps 3, so p0-p2 are prepared while reading and p3-p4 at
        // the end: the marked item in each group panics.
        for i in 0..5 {
            let mut a = daily(i);
            let mark = if i == 1 || i == 4 { crate::fault::PANIC_MARK } else { "" };
            a.content = Some(format!("<p>body {i} {mark}</p>"));
            c.push(a, None).unwrap();
        }
        let (feeds, _, spoiled) = c.finish_timed();
        let world: Vec<(String, Option<String>, String)> = feeds[1]
            .items
            .iter()
            .map(|a| (a.key.clone().unwrap(), a.content.clone(), a.snippet.clone()))
            .collect();
        let kept = |k: &str| {
            (k.to_owned(), Some(format!("<p>body {} </p>", &k[1..])), "one two th...".to_owned())
        };
        let bare = |k: &str| (k.to_owned(), None, String::new());
        assert_eq!(world, [bare("p4"), kept("p3"), kept("p2"), bare("p1"), kept("p0")]);
        let mut at: Vec<&str> = spoiled.iter().map(|o| o.location.as_str()).collect();
        at.sort_unstable();
        assert_eq!(at, ["f:p1", "f:p4"]);
    }

    #[test]
    fn content_is_sanitised_with_absolute_links() {
        let config = config();
        let site = config.site.clone().unwrap();
        let mut c = Collector::new(&config, &site);
        let mut a = article("h", "world", None);
        a.link = Some("https://example.org/world/2025/a.html".to_owned());
        a.content = Some(
            r#"<p onclick="x()">Hi <a href="b.html">b</a><script>alert(1)</script></p>"#.to_owned(),
        );
        c.push(a, None).unwrap();
        let feeds = c.finish();
        let content = feeds[1].items[0].content.clone().unwrap();
        assert!(!content.contains("script") && !content.contains("onclick"), "{content}");
        assert!(content.contains(r#"href="https://example.org/world/2025/b.html""#), "{content}");
    }

    fn merged(key: &str, title: &str, link: &str, published: &str) -> Article {
        let mut a = article(key, "world", Some(published));
        a.key = Some(format!("https://upstream.example/{key}"));
        a.title = title.to_owned();
        a.link = Some(link.to_owned());
        a.via = Some(crate::model::Via { id: format!("feed-{key}"), ..Default::default() });
        a
    }

    #[test]
    fn the_same_story_from_three_feeds_becomes_one_item_and_a_local_record_wins() {
        let a = merged(
            "a",
            "Port opens new quay",
            "https://news.example/port?utm_source=x#top",
            "2025-02-02T10:00:00Z",
        );
        let b = merged(
            "b",
            "Port Opens New Quay!",
            "https://other.example/p/1",
            "2025-02-02T08:00:00Z",
        );
        let c =
            merged("c", "Something else", "HTTPS://NEWS.example:443/port", "2025-02-03T08:00:00Z");
        let feeds = run(vec![a.clone(), b.clone(), c.clone()]);
        // a and c share a canonical link; a and b share title and day; b is the earliest.
        assert_eq!(feeds[1].1, ["https://upstream.example/b"]);

        let mut local = article("l", "world", Some("2025-02-05T00:00:00Z"));
        local.link = Some("https://news.example/port".to_owned());
        let feeds = run(vec![a, b, c, local]);
        assert_eq!(
            feeds[1].1,
            ["l", "https://upstream.example/b"],
            "l takes a/c's link; b keeps its own"
        );
    }

    /// A local record's title key is made only where merged items share
    /// its channel; there it still claims the story.
    #[test]
    fn a_merged_item_with_a_local_records_title_and_day_is_dropped() {
        let mut local = article("l", "world", Some("2025-02-02T12:00:00Z"));
        local.title = "Port opens new quay".to_owned();
        let b = merged(
            "b",
            "Port Opens New Quay!",
            "https://other.example/p/1",
            "2025-02-02T08:00:00Z",
        );
        let other =
            merged("o", "Port opens new quay", "https://other.example/p/2", "2025-02-03T08:00:00Z");
        assert_eq!(run(vec![b, local, other])[1].1, ["https://upstream.example/o", "l"]);
    }

    #[test]
    fn local_records_with_the_same_title_on_one_day_are_both_kept() {
        let mut x = article("x", "world", Some("2025-02-02T08:00:00Z"));
        let mut y = article("y", "world", Some("2025-02-02T09:00:00Z"));
        x.title = "Weather".to_owned();
        y.title = "Weather".to_owned();
        assert_eq!(run(vec![x, y])[1].1, ["y", "x"]);
    }

    #[test]
    fn canonical_links_drop_tracking_fragments_and_default_ports() {
        assert_eq!(
            canonical_link("HTTPS://Example.ORG:443/a/b?utm_medium=rss&id=3&fbclid=z#frag"),
            "https://example.org/a/b?id=3"
        );
        assert_eq!(canonical_link("http://example.org:80/?utm_source=x"), "http://example.org/");
        assert_eq!(canonical_link("not a url"), "not a url");
    }
}
