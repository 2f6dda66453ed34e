//! Puts every enabled source into the pipeline in config order: local
//! records are read here, feed and html sources come as `aggregate` hands
//! over their results.
//!
//! Those results arrive in the order the sources finish. Each is pushed as
//! soon as every source before it in the config is in, so the pipeline sees
//! the config order (and writes the same output) however the fetches fell,
//! while most of the pushing happens beside the parsing of later sources
//! instead of after all of it. A records source stops the line until the
//! fetching is over: local files are read after it, in order, as before.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::aggregate::FeedResult;
use crate::config::{Config, RecordFormat, Site, Source, SourceKind};
use crate::model::ChannelFeed;
use crate::pipeline::{Collector, StageTimes};
use crate::sources::{self, Severity, SourceReport};

/// Sources gathered so far.
pub struct Gather<'a> {
    config: &'a Config,
    collector: Collector<'a>,
    /// Enabled sources in config order; those before `next` are in.
    order: Vec<&'a Source>,
    next: usize,
    /// Reports of the sources that are in, in config order.
    reports: Vec<SourceReport>,
    /// Results handed over ahead of their turn, by source id.
    waiting: HashMap<String, FeedResult>,
    /// `check`: note records without a date.
    note_undated: bool,
    /// Time spent pushing and reading (see [`Gathered`]).
    read: Duration,
}

/// Finished feeds, per-source reports (in config order), and where the
/// time went: reading and pushing, then the pipeline's finish (wall), and
/// its snippet and sanitising CPU time.
pub struct Gathered {
    pub feeds: Vec<ChannelFeed>,
    pub reports: Vec<SourceReport>,
    pub read: Duration,
    pub pipeline: Duration,
    pub stages: StageTimes,
}

impl<'a> Gather<'a> {
    pub fn new(config: &'a Config, site: &'a Site, note_undated: bool) -> Gather<'a> {
        Gather {
            config,
            collector: Collector::new(config, site),
            order: config.sources.iter().filter(|s| s.enabled).collect(),
            next: 0,
            reports: Vec::new(),
            waiting: HashMap::new(),
            note_undated,
            read: Duration::ZERO,
        }
    }

    /// Takes a feed or html source's result, and pushes every result whose
    /// turn has come.
    pub fn offer(&mut self, id: &str, result: FeedResult) {
        let start = Instant::now();
        self.waiting.insert(id.to_owned(), result);
        while let Some(&source) = self.order.get(self.next) {
            if matches!(source.kind, SourceKind::Records { .. }) {
                break;
            }
            let Some(result) = self.waiting.remove(&source.id) else { break };
            self.push_result(source, result);
            self.next += 1;
        }
        self.read += start.elapsed();
    }

    /// Time spent in [`Gather::offer`] so far.
    pub fn read_time(&self) -> Duration {
        self.read
    }

    /// Reads the records sources and pushes the results not yet in, in
    /// config order (a feed or html source without a result is left out),
    /// then finishes the pipeline.
    pub fn finish(mut self) -> Gathered {
        let start = Instant::now();
        let base = self.config.path.parent().unwrap_or(Path::new(""));
        while let Some(&source) = self.order.get(self.next) {
            self.next += 1;
            match &source.kind {
                SourceKind::Records { pattern, path, format } => {
                    let files = (pattern.as_str(), path.as_path(), *format);
                    // A bug that panics on one source's input fails that
                    // source alone; the records it already handed on stay.
                    let (collector, note_undated) = (&mut self.collector, self.note_undated);
                    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        #[cfg(test)]
                        crate::fault::panic_if_named(&source.id, "records");
                        read_records(source, files, base, collector, note_undated)
                    }));
                    let report = attempt.unwrap_or_else(|_| {
                        let mut report = SourceReport::new(&source.id);
                        report.failed =
                            Some("internal error: reading this source panicked".to_owned());
                        report
                    });
                    self.reports.push(report);
                }
                SourceKind::Feed(_) | SourceKind::Html(_) => {
                    if let Some(result) = self.waiting.remove(&source.id) {
                        self.push_result(source, result);
                    }
                }
            }
        }
        let read = self.read + start.elapsed();
        let start = Instant::now();
        let (feeds, stages, spoiled) = self.collector.finish_timed();
        let mut reports = self.reports;
        for origin in spoiled {
            if let Some(report) = reports.iter_mut().find(|r| r.id == origin.source) {
                let message = "internal error while sanitising or summarising this item; \
                    it is kept without its content and summary";
                report.problem(Severity::Warning, origin.location, message);
            }
        }
        Gathered { feeds, reports, read, pipeline: start.elapsed(), stages }
    }

    fn push_result(&mut self, source: &Source, result: FeedResult) {
        let mut report = result.report;
        for article in result.articles {
            if let Err(rejected) = self.collector.push(article, source.channel.as_ref()) {
                report.read -= 1;
                report.problem(Severity::Skipped, rejected.location, rejected.message);
            }
        }
        self.reports.push(report);
    }
}

/// Reads one records source into `collector`.
fn read_records(
    source: &Source,
    files: (&str, &Path, Option<RecordFormat>),
    base: &Path,
    collector: &mut Collector,
    note_undated: bool,
) -> SourceReport {
    // Pipeline problems (unknown channel) belong to the record's location;
    // they are gathered here and added to the source's report afterwards.
    let mut late: Vec<(Severity, String, String)> = Vec::new();
    let early = collector.early();
    let mut report =
        sources::records::collect(source, files, base, Some(&early), &mut |article, prepared| {
            // Only `check` notes undated records: a build clones no location.
            let undated =
                (note_undated && article.date().is_none()).then(|| article.origin.location.clone());
            match collector.push_prepared(article, source.channel.as_ref(), prepared) {
                Ok(()) => {
                    if let Some(location) = undated {
                        let note = "record has no date; it sorts last".to_owned();
                        late.push((Severity::Note, location, note));
                    }
                }
                Err(rejected) => {
                    late.push((Severity::Skipped, rejected.location, rejected.message));
                }
            }
        });
    for (severity, location, message) in late {
        if severity == Severity::Skipped {
            report.read -= 1;
        }
        report.problem(severity, location, message);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Article, Via};

    const CONFIG: &str = r#"
[site]
title = "T"
link = "https://example.org/"

[[channel]]
id = "all"
title = "All"
items_per_channel = 2

[[source]]
id = "a"
kind = "feed"
path = "a.xml"
channel = "all"

[[source]]
id = "b"
kind = "feed"
path = "b.xml"
channel = "all"

[[source]]
id = "c"
kind = "feed"
path = "c.xml"
channel = "all"
"#;

    /// Source `source`'s result: the same undated story with the same id in
    /// every source, which only the order sources are pushed in tells apart.
    fn result(source: &str) -> FeedResult {
        let mut report = SourceReport::new(source);
        report.read = 1;
        let article = Article {
            key: Some("https://news.example/same".to_owned()),
            title: format!("Story as {source} tells it"),
            link: Some("https://news.example/same".to_owned()),
            via: Some(Via::default()),
            ..Article::default()
        };
        FeedResult { report, articles: vec![article] }
    }

    fn gather(order: &[&str]) -> Gathered {
        let config = Config::parse(CONFIG, Path::new("feeds.toml")).unwrap();
        let site = config.site.clone().unwrap();
        let mut g = Gather::new(&config, &site, false);
        for id in order {
            g.offer(id, result(id));
        }
        g.finish()
    }

    #[test]
    fn results_are_pushed_in_config_order_whatever_order_they_come_in() {
        let in_order = gather(&["a", "b", "c"]);
        let titles = |g: &Gathered| -> Vec<String> {
            g.feeds[0].items.iter().map(|a| a.title.clone()).collect()
        };
        // Duplicates with the same id and no date: the one pushed first wins.
        assert_eq!(titles(&in_order), ["Story as a tells it"]);
        for order in [["c", "b", "a"], ["b", "c", "a"], ["c", "a", "b"]] {
            let g = gather(&order);
            assert_eq!(titles(&g), titles(&in_order), "{order:?}");
            let ids: Vec<&str> = g.reports.iter().map(|r| r.id.as_str()).collect();
            assert_eq!(ids, ["a", "b", "c"], "{order:?}");
        }
        // A source without a result is left out, the others still come in.
        let g = gather(&["c", "a"]);
        let ids: Vec<&str> = g.reports.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
    }
}
