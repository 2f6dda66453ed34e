//! One run, top to bottom: config → sources → pipeline → emitters → output.
//!
//! `build` writes files; `check` does everything up to writing and reports
//! every problem. Both return a [`Report`] that `main` prints and turns into
//! an exit code. No source problem aborts a run: it is counted in the report,
//! and the feeds are written from whatever could be read.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::aggregate;
use crate::config::{ChannelId, Config, Site, SourceKind};
use crate::emit::{self, ChannelFiles};
use crate::error::OutputError;
use crate::gather::{Gather, Gathered};
use crate::model::ChannelFeed;
use crate::output::{OutputDir, WriteSummary};
use crate::pipeline::StageTimes;
use crate::sources::{Severity, SourceReport};
use crate::store::{Closing, SourceState, Store, StoreError};

/// Options for `build`.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Overrides `[site] output`.
    pub out: Option<PathBuf>,
    /// Any record problem fails the run before anything is written.
    pub strict: bool,
    /// Overrides `[site] state`.
    pub state: Option<PathBuf>,
    /// Show a progress bar while fetching (on a terminal).
    pub progress: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// One per enabled source, in config order.
    pub sources: Vec<SourceReport>,
    /// Items per channel feed, in config order.
    pub channels: Vec<(ChannelId, usize)>,
    /// Files written; `None` when nothing was written (check, strict failure, empty config).
    pub files: Option<WriteSummary>,
    /// The output directory used.
    pub output: Option<PathBuf>,
    /// Set when `--strict` refused to write.
    pub strict_failed: bool,
    /// The config had no channels: nothing to do.
    pub empty_config: bool,
    /// How long each phase took.
    pub timings: Timings,
    /// Why this run's state was not kept, when it was not (a new state
    /// database that could not be put in place).
    pub state_problem: Option<String>,
}

/// Wall time per phase, and CPU time of the per-item steps.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Feed and html sources: fetch, parse and the state database.
    pub remote: Duration,
    /// Reading and parsing records, placing them in channel buffers.
    pub read: Duration,
    /// Dedupe, sort, limit, snippets and sanitising (wall time).
    pub pipeline: Duration,
    /// Snippets and sanitising, CPU time summed over threads.
    pub stages: StageTimes,
    /// Rendering every format and writing files.
    pub write: Duration,
}

impl Timings {
    /// A one-line-per-phase report for `--timings`.
    pub fn render(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "timings: remote sources {:.0} ms; read+parse {:.0} ms; pipeline {:.0} ms (summarise {:.0} ms + sanitise {:.0} ms CPU over {} items); render+write {:.0} ms\n",
            ms(self.remote),
            ms(self.read),
            ms(self.pipeline),
            ms(self.stages.summarise),
            ms(self.stages.sanitise),
            self.stages.items,
            ms(self.write)
        )
    }
}

impl Report {
    /// Whether any source or record had a problem (notes do not count).
    pub fn has_problems(&self) -> bool {
        self.state_problem.is_some() || self.sources.iter().any(SourceReport::has_problems)
    }

    /// 0 when all is well, 1 when some records or sources had problems.
    /// (2 and 3, config and output errors, are decided where they happen.)
    pub fn exit_code(&self) -> u8 {
        u8::from(self.has_problems() || self.strict_failed)
    }

    /// One line per problem, for stderr: `warning: SOURCE: LOCATION: MESSAGE`.
    pub fn problem_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for s in &self.sources {
            for p in &s.problems {
                let label = match p.severity {
                    Severity::Skipped => "warning: skipped",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                lines.push(format!("{label}: {}: {p}", s.id));
            }
            if s.problems_dropped > 0 {
                lines.push(format!(
                    "warning: {}: {} more problems not shown",
                    s.id, s.problems_dropped
                ));
            }
            if s.notes_dropped > 0 {
                lines.push(format!("note: {}: {} more notes not shown", s.id, s.notes_dropped));
            }
            if let Some(why) = &s.failed {
                lines.push(format!("error: source \"{}\" failed: {why}", s.id));
            }
        }
        if let Some(problem) = &self.state_problem {
            lines.push(format!("warning: {problem}"));
        }
        if self.strict_failed {
            lines.push("error: --strict: problems found, nothing was written".to_owned());
        }
        if self.empty_config {
            lines.push("warning: the config defines no channels; nothing to do".to_owned());
        }
        lines
    }

    /// [`Report::problem_lines`] as JSON objects, one per line, for
    /// `--log-format json`.
    pub fn problem_json_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for s in &self.sources {
            for p in &s.problems {
                let level = match p.severity {
                    Severity::Skipped => "skipped",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                let v = serde_json::json!({
                    "level": level, "source": s.id, "location": p.location, "message": p.message
                });
                lines.push(v.to_string());
            }
            if s.problems_dropped > 0 {
                let message = format!("{} more problems not shown", s.problems_dropped);
                let v = serde_json::json!({"level": "warning", "source": s.id, "message": message});
                lines.push(v.to_string());
            }
            if let Some(why) = &s.failed {
                let v = serde_json::json!({"level": "error", "source": s.id, "message": why});
                lines.push(v.to_string());
            }
        }
        if let Some(problem) = &self.state_problem {
            lines.push(serde_json::json!({"level": "warning", "message": problem}).to_string());
        }
        if self.strict_failed {
            let message = "--strict: problems found, nothing was written";
            lines.push(serde_json::json!({"level": "error", "message": message}).to_string());
        }
        if self.empty_config {
            let message = "the config defines no channels; nothing to do";
            lines.push(serde_json::json!({"level": "warning", "message": message}).to_string());
        }
        lines
    }

    /// The end-of-run summary: items per channel, records per source, files.
    pub fn summary(&self, verbose: bool) -> String {
        let mut out = String::new();
        if self.empty_config {
            return out;
        }
        let width = self.channels.iter().map(|(c, _)| c.as_str().len()).max().unwrap_or(0);
        let _ = writeln!(out, "channels:");
        for (id, n) in &self.channels {
            let _ = writeln!(out, "  {:<width$}  {n} item{}", id.as_str(), plural(*n));
        }
        let width = self.sources.iter().map(|s| s.id.len()).max().unwrap_or(0);
        let _ = writeln!(out, "sources:");
        for s in &self.sources {
            let status = if s.failed.is_some() { "  FAILED" } else { "" };
            let files = if verbose {
                format!(" from {} file{}", s.files, plural(s.files))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {:<width$}  {} read, {} skipped{files}{status}",
                s.id, s.read, s.skipped
            );
        }
        if let Some(f) = &self.files {
            let dir = self.output.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "files: {} changed, {} unchanged, {} removed in {dir}",
                f.changed, f.unchanged, f.removed
            );
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Builds every channel and writes the output files.
pub async fn build(config: &Config, options: &BuildOptions) -> Result<Report, AppError> {
    let Some(site) = config.site.as_ref().filter(|_| !config.channels.is_empty()) else {
        return Ok(Report { empty_config: true, ..Report::default() });
    };
    let out_dir = options.out.clone().unwrap_or_else(|| site.output.clone());
    // The output lock is held for the whole run (fetching and state
    // included), so two runs never interleave. --strict may write nothing,
    // so it only takes the lock once it knows it will write.
    let mut out = if options.strict { None } else { Some(OutputDir::open(&out_dir)?) };
    let started = Instant::now();
    // The database closes beside the rest of the run; `closing` waits for
    // it when dropped: before the output lock is released when files are
    // written (a next run must not find the database still closing), and
    // when the run ends early, however it ends.
    let mut gather = Gather::new(config, site, false);
    let closing = match open_state(config, options.state.as_deref())? {
        Some(mut store) => {
            let mut recorded = |id: &str, result| gather.offer(id, result);
            aggregate::collect(config, site, &mut store, now(), options.progress, &mut recorded)
                .await?;
            Some(store.close_in_background())
        }
        None => None,
    };
    let remote = started.elapsed().saturating_sub(gather.read_time());
    let (feeds, sources, mut timings) = gathered(gather.finish());
    timings.remote = remote;
    let mut report = Report { channels: counts(&feeds), sources, timings, ..Report::default() };
    if options.strict && report.has_problems() {
        report.strict_failed = true;
        return Ok(report);
    }
    let out = match out.take() {
        Some(out) => out,
        None => OutputDir::open(&out_dir)?,
    };
    let start = Instant::now();
    let (files, state_problem) = write(out, &feeds, site, closing)?;
    report.files = Some(files);
    report.state_problem = state_problem;
    report.timings.write = start.elapsed();
    report.output = Some(out_dir);
    // Freeing a large build's articles takes a noticeable share of the
    // run; nothing waits for it, so it happens beside the report.
    crate::process::drop_in_background(feeds);
    Ok(report)
}

/// Reads every local source and runs the pipeline without writing; also
/// notes records without a date. Feed sources are not fetched (that would
/// change their state); their stored items are used when a state database
/// exists.
pub fn check(config: &Config, state: Option<&Path>) -> Result<Report, AppError> {
    let Some(site) = config.site.as_ref().filter(|_| !config.channels.is_empty()) else {
        return Ok(Report { empty_config: true, ..Report::default() });
    };
    let path = state.map_or_else(|| site.state.clone(), Path::to_owned);
    // Read-only look at what build would use; nothing is fetched or written.
    let store = if path.exists() { Some(Store::open_for_reading(&path)?) } else { None };
    let mut gather = Gather::new(config, site, true);
    for source in config.sources.iter().filter(|s| s.enabled) {
        if matches!(source.kind, SourceKind::Records { .. }) {
            continue;
        }
        let mut report = SourceReport::new(&source.id);
        let articles = match &store {
            Some(store) => aggregate::stored_articles(store, source, Utc::now())?,
            None => Vec::new(),
        };
        let note = format!("not fetched by check; {} stored items", articles.len());
        report.problem(Severity::Note, source.id.clone(), note);
        report.read = articles.len();
        gather.offer(&source.id, aggregate::FeedResult { report, articles });
    }
    let (feeds, sources, timings) = gathered(gather.finish());
    Ok(Report { channels: counts(&feeds), sources, timings, ..Report::default() })
}

/// The state database's view of every feed source, for `feedwright status`.
pub fn status(config: &Config, state: Option<&Path>) -> Result<Vec<SourceState>, AppError> {
    let Some(site) = config.site.as_ref() else { return Ok(Vec::new()) };
    let path = state.map_or_else(|| site.state.clone(), Path::to_owned);
    let known = if path.exists() { Store::open_for_reading(&path)?.sources()? } else { Vec::new() };
    // Configured feed sources in config order, with what the store knows.
    Ok(config
        .sources
        .iter()
        .filter(|s| !matches!(s.kind, SourceKind::Records { .. }))
        .map(|s| {
            known
                .iter()
                .find(|k| k.id == s.id)
                .cloned()
                .unwrap_or_else(|| SourceState { id: s.id.clone(), ..SourceState::default() })
        })
        .collect())
}

/// Renders `feedwright status` as a table.
pub fn render_status(states: &[SourceState], now: chrono::DateTime<Utc>) -> String {
    let time = |t: Option<chrono::DateTime<Utc>>| {
        t.map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
    };
    let rows: Vec<[String; 6]> = states
        .iter()
        .map(|s| {
            [
                s.id.clone(),
                time(s.last_attempt),
                s.last_status.clone().unwrap_or_else(|| "never fetched".to_owned()),
                s.items.to_string(),
                time(s.retry_at.filter(|t| *t > now)),
                s.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["source", "last fetch (UTC)", "status", "items", "next retry", "last error"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header.map(str::to_owned)).chain(rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

/// The build time. `FEEDWRIGHT_NOW` (RFC 3339) fixes it, so tests of
/// year-less and relative dates ("02-12", "3小时前") are reproducible.
fn now() -> chrono::DateTime<Utc> {
    std::env::var("FEEDWRIGHT_NOW")
        .ok()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
        .map_or_else(Utc::now, |d| d.with_timezone(&Utc))
}

/// Opens the state database when some enabled source needs it.
fn open_state(config: &Config, state: Option<&Path>) -> Result<Option<Store>, AppError> {
    if !config.needs_state() {
        return Ok(None);
    }
    let Some(site) = &config.site else { return Ok(None) };
    let path = state.map_or_else(|| site.state.clone(), Path::to_owned);
    Ok(Some(Store::open_for_run(&path)?))
}

/// A run that could not finish: output or state unusable (exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    State(#[from] StoreError),
}

fn counts(feeds: &[ChannelFeed]) -> Vec<(ChannelId, usize)> {
    feeds.iter().map(|f| (f.channel.id.clone(), f.items.len())).collect()
}

/// The feeds, reports and timings of a finished [`Gather`].
fn gathered(g: Gathered) -> (Vec<ChannelFeed>, Vec<SourceReport>, Timings) {
    let timings =
        Timings { read: g.read, pipeline: g.pipeline, stages: g.stages, ..Timings::default() };
    (g.feeds, g.reports, timings)
}

/// Renders and writes every file of the site.
///
/// `closing` (the state database closing on its own thread) is waited for
/// before the output lock is released.
fn write(
    out: OutputDir,
    feeds: &[ChannelFeed],
    site: &Site,
    closing: Option<Closing>,
) -> Result<(WriteSummary, Option<String>), OutputError> {
    // Channels render and write in parallel, each worker holding one
    // channel's files at a time, in buffers reused from channel to channel
    // (a channel's formats are rendered together, see
    // `emit::render_channel_into`). Only as many render at once as there
    // are cores: when every worker began rendering together, sharing the
    // cores, the first file was ready for the disk only after several
    // channels' worth of rendering, and the disk waited. Two more workers
    // than cores write (large files with direct I/O) while the others
    // render; four more wrote no faster and held two more channels'
    // buffers (20 MiB on the 50,000-record benchmark).
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let rendering = Permits::new(cores);
    let write_channel = |feed: &ChannelFeed, files: &mut ChannelFiles| -> Result<(), OutputError> {
        {
            let _permit = rendering.acquire();
            emit::render_channel_into(feed, site, &site.formats, files);
        }
        for (format, bytes) in &files.feeds {
            out.write(&format!("{}/{}", feed.channel.id, format.file_name()), bytes)?;
        }
        out.write(&format!("{}/index.html", feed.channel.id), &files.page)?;
        Ok(())
    };
    let workers = (cores + 2).min(feeds.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let written = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Result<(), OutputError> {
                    use std::sync::atomic::Ordering::Relaxed;
                    let mut files = ChannelFiles::default();
                    while !failed.load(Relaxed) {
                        let Some(feed) = feeds.get(next.fetch_add(1, Relaxed)) else { break };
                        write_channel(feed, &mut files)
                            .inspect_err(|_| failed.store(true, Relaxed))?;
                    }
                    Ok(())
                })
            })
            .collect();
        // After an error the other workers stop at their next channel; the
        // first worker's error (in spawn order) is the one reported.
        handles
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
    .and_then(|()| {
        out.write("index.html", &emit::render_index(feeds, site))?;
        out.write("feeds.opml", &emit::render_opml(feeds, site))?;
        out.write("style.css", emit::stylesheet())?;
        Ok(())
    });
    let state_problem = closing.and_then(Closing::finish);
    match written {
        Ok(()) => out.finish().map(|files| (files, state_problem)),
        Err(e) => {
            // Files already replaced stay (each is whole, old or new); the
            // manifest must still know them so they can be cleaned up later.
            let _ = out.abandon();
            Err(e)
        }
    }
}

/// A counting semaphore: at most `n` holders at once.
struct Permits {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

/// A held permit, given back when dropped.
struct Permit<'a>(&'a Permits);

impl Permits {
    fn new(n: usize) -> Permits {
        Permits { free: std::sync::Mutex::new(n.max(1)), freed: std::sync::Condvar::new() }
    }

    /// Waits for a free permit and takes it.
    fn acquire(&self) -> Permit<'_> {
        let free = self.free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut free = self
            .freed
            .wait_while(free, |n| *n == 0)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::fault;

    /// No more than the permits' number hold one at once, and every
    /// waiting thread gets one in the end.
    #[test]
    fn permits_bound_how_many_hold_one_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let permits = Permits::new(2);
        let (holding, most, done) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    for _ in 0..20 {
                        let _permit = permits.acquire();
                        let now = holding.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_micros(200));
                        holding.fetch_sub(1, Ordering::SeqCst);
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 120);
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn state_that_was_not_kept_is_a_warning_and_exit_code_1() {
        let report = Report { state_problem: Some("state lost".to_owned()), ..Report::default() };
        assert_eq!(report.exit_code(), 1);
        assert_eq!(report.problem_lines(), ["warning: state lost"]);
        assert_eq!(report.problem_json_lines(), [r#"{"level":"warning","message":"state lost"}"#]);
        assert_eq!(Report::default().exit_code(), 0);
    }

    const CONFIG: &str = r#"
[site]
title = "T"
link = "https://example.org/"
timezone = "UTC"

[[channel]]
id = "one"
title = "One"

[[channel]]
id = "two"
title = "Two"

[[source]]
id = "r"
kind = "records"
path = "r.jsonl"
"#;

    fn records(text: &str) -> String {
        ["one", "two"]
            .iter()
            .map(|c| {
                let content = text.repeat(200);
                format!(
                    "{{\"id\": \"{c}\", \"title\": \"{c}\", \"channel\": \"{c}\", \"published\": \"2025-01-01T00:00:00Z\", \"content\": \"<p>{content}</p>\"}}\n"
                )
            })
            .collect()
    }

    fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        let mut dirs = vec![root.to_owned()];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
                if e.file_type().unwrap().is_dir() {
                    dirs.push(e.path());
                } else if e.file_name() != crate::output::LOCK {
                    files.push((e.path(), std::fs::read(e.path()).unwrap()));
                }
            }
        }
        files.sort();
        files
    }

    /// FS-01 through the whole build: parallel rendering, the write that
    /// meets the full disk, and `abandon`.
    #[test]
    fn a_full_disk_fails_the_build_with_the_file_named_and_old_files_whole() {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("feeds.toml");
        std::fs::write(&config_path, CONFIG).unwrap();
        std::fs::write(dir.path().join("r.jsonl"), records("old words ")).unwrap();
        let config = Config::from_file(&config_path).unwrap();
        let out = dir.path().join("output");
        let options = BuildOptions { out: Some(out.clone()), ..BuildOptions::default() };
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(build(&config, &options)).unwrap();
        let before = snapshot(&out);

        std::fs::write(dir.path().join("r.jsonl"), records("new words ")).unwrap();
        // Room for a few kilobytes: some files of the new run fit, the rest
        // fail part way through.
        fault::disk_full_after(&out, 3000);
        let result = runtime.block_on(build(&config, &options));
        fault::free_space(&out);
        let err = result.unwrap_err();
        let AppError::Output(OutputError::Write { path, source }) = &err else { panic!("{err:?}") };
        assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
        assert!(path.starts_with(&out) && path.is_file(), "names an output file: {err}");
        assert!(err.to_string().contains("free some space and run again"), "{err}");

        // Every file is the old version or a complete new one: same names,
        // and each one the new build does not rewrite identically is old.
        let after = snapshot(&out);
        runtime.block_on(build(&config, &options)).unwrap();
        let fixed = snapshot(&out);
        let names = |s: &[(PathBuf, Vec<u8>)]| s.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        assert_eq!(names(&after), names(&before), "no temp files, nothing new");
        for ((old, new), (retry, complete)) in before.iter().zip(&after).zip(&fixed) {
            assert_eq!(old.0, retry.clone());
            assert!(new.1 == old.1 || new.1 == *complete, "{} is partial", new.0.display());
        }
        assert!(after.iter().zip(&before).any(|(a, b)| a.1 != b.1), "some files fit");
        assert_ne!(after, fixed, "some files did not fit");
        assert!(
            after.iter().any(|(p, b)| p == path && before.iter().any(|(q, o)| q == p && o == b)),
            "the named file kept its old bytes"
        );
    }

    fn feed_file(title: &str) -> String {
        format!(
            "<rss version=\"2.0\"><channel><title>Up</title><link>https://up.example/</link>\
             <item><title>{title}</title><link>https://up.example/{title}</link>\
             <pubDate>Mon, 03 Mar 2025 10:00:00 +0000</pubDate></item></channel></rss>"
        )
    }

    /// A panic while one item is sanitised or summarised keeps the item
    /// (bare), names it in a warning, and spares its source and the run.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_while_preparing_an_item_is_a_warning_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let line = |id: &str, body: &str| {
            format!(
                "{{\"id\": \"{id}\", \"title\": \"{id}\", \"published\": \"2025-03-03T09:00:00Z\", \"content\": \"<p>{body}</p>\"}}\n"
            )
        };
        let records = line("good", "fine") + &line("bad", crate::fault::PANIC_MARK);
        std::fs::write(root.join("r.jsonl"), records).unwrap();
        let text = "[site]\ntitle = \"T\"\nlink = \"https://example.org/\"\n\n\
                    [[channel]]\nid = \"c\"\ntitle = \"C\"\n\n\
                    [[source]]\nid = \"r\"\nkind = \"records\"\npath = \"r.jsonl\"\nchannel = \"c\"\n";
        let config = Config::parse(text, &root.join("feeds.toml")).unwrap();
        let options = BuildOptions { out: Some(root.join("out")), ..BuildOptions::default() };
        let report = build(&config, &options).await.unwrap();
        assert_eq!(report.exit_code(), 1);
        assert_eq!(
            report.problem_lines(),
            [
                "warning: r: r.jsonl:2: internal error while sanitising or summarising this item; it is kept without its content and summary"
            ]
        );
        let rss = std::fs::read_to_string(root.join("out/c/rss.xml")).unwrap();
        assert!(rss.contains("<title>bad</title>") && rss.contains("<p>fine</p>"), "{rss}");
        assert!(!rss.contains(crate::fault::PANIC_MARK), "{rss}");
    }

    /// CON-11: a source that panics while being fetched (caught around its async task), while
    /// its body is parsed (a panicking blocking task, caught as its `JoinError`) or while its
    /// records are read (caught around the reader) fails alone; every other source is built.
    /// The panics are injected by `crate::fault` through the source ids.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_source_fails_alone_and_the_others_are_built() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["good", "panic-fetch", "panic-parse"] {
            std::fs::write(root.join(format!("{name}.xml")), feed_file(&format!("from-{name}")))
                .unwrap();
        }
        let record = |id: &str| {
            format!(
                r#"{{"id": "{id}", "title": "from-{id}", "link": "https://r.example/{id}", "published": "2025-03-03T09:00:00Z"}}"#
            )
        };
        std::fs::write(root.join("good.jsonl"), record("good-records")).unwrap();
        std::fs::write(root.join("panic-records.jsonl"), record("panic-records")).unwrap();
        let feed = |id: &str| {
            format!(
                "[[source]]\nid = \"{id}\"\nkind = \"feed\"\npath = \"{id}.xml\"\nchannel = \"c\"\n\n"
            )
        };
        let records = |id: &str, file: &str| {
            format!(
                "[[source]]\nid = \"{id}\"\nkind = \"records\"\npath = \"{file}\"\nchannel = \"c\"\n\n"
            )
        };
        let text = format!(
            "[site]\ntitle = \"T\"\nlink = \"https://example.org/\"\ntimezone = \"UTC\"\n\n\
             [[channel]]\nid = \"c\"\ntitle = \"C\"\n\n{}{}{}{}{}",
            feed("panic-fetch"),
            feed("good"),
            feed("panic-parse"),
            records("panic-records", "panic-records.jsonl"),
            records("good-records", "good.jsonl"),
        );
        let config = Config::parse(&text, &root.join("feeds.toml")).unwrap();
        let options = BuildOptions {
            out: Some(root.join("out")),
            state: Some(root.join("state.db")),
            ..BuildOptions::default()
        };
        let report = build(&config, &options).await.unwrap();

        let failed = |id: &str| {
            let source = report.sources.iter().find(|s| s.id == id).unwrap();
            source.failed.clone().unwrap_or_default()
        };
        assert!(failed("panic-fetch").ends_with("internal error: reading this source panicked"));
        let parse = failed("panic-parse");
        assert!(parse.contains("internal error while parsing: task"), "{parse}");
        assert!(parse.contains("injected panic (parse)"), "{parse}");
        assert_eq!(failed("panic-records"), "internal error: reading this source panicked");
        assert_eq!(failed("good"), "");
        assert_eq!(failed("good-records"), "");
        assert_eq!(report.exit_code(), 1);

        let rss = std::fs::read_to_string(root.join("out/c/rss.xml")).unwrap();
        assert!(rss.contains("from-good<") && rss.contains("from-good-records<"), "{rss}");
        assert!(!rss.contains("from-panic"), "{rss}");
        let lines = report.problem_lines().join("\n");
        assert_eq!(lines.matches("panicked").count(), 3, "{lines}");
    }
}
