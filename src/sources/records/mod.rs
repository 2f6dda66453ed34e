//! The `records` source kind: article records in local files (JSON, JSONL,
//! CSV, TOML, Markdown with front matter).
//!
//! `path` may be a file, a directory (its files with a known extension, not
//! recursive) or a glob; files are read in sorted order so runs are
//! repeatable. Each format's reader lives in its own file and turns its rows
//! into [`RawRecord`]s; [`Sink::record`] turns those into [`Article`]s, the
//! same way for every format. A bad record is skipped with a problem naming
//! `file:line` (or `file[index]`); a bad file never stops the other files.

mod csv;
mod json;
mod jsonl;
mod markdown;
mod toml;

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use serde::Deserialize;
use url::Url;

use super::{Severity, SourceReport};
use crate::config::{ChannelId, RecordFormat, Source};
use crate::dates;
use crate::model::{Article, Enclosure, Origin};
use crate::pipeline::{Early, Prepared};
use crate::text::strip_forbidden_chars;

/// Whole-file formats (JSON objects, TOML, Markdown) are refused above this
/// size; JSONL, CSV and JSON arrays stream and have no file limit.
pub const MAX_WHOLE_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// One record as written in a file, before any checking. Unknown fields are
/// ignored: record files often come from other systems with extra columns.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawRecord {
    pub id: Option<Scalar>,
    pub title: Option<Scalar>,
    #[serde(alias = "url")]
    pub link: Option<String>,
    pub channel: Option<String>,
    #[serde(alias = "date")]
    pub published: Option<Scalar>,
    pub updated: Option<Scalar>,
    #[serde(alias = "authors")]
    pub author: Option<OneOrMany>,
    pub source: Option<String>,
    pub summary: Option<String>,
    pub content: Option<String>,
    #[serde(alias = "tags")]
    pub categories: Option<OneOrMany>,
    pub image: Option<String>,
    pub enclosure: Option<RawEnclosure>,
}

/// A value that may be written as text or as a number (ids, unix dates).
///
/// Deserialised by hand rather than as an untagged enum: serde buffers an
/// untagged value into a copy before trying each variant, which for the
/// five such fields of every record was a tenth of reading a large JSONL
/// file; the visitor takes the value as it comes. The outcome is the same:
/// a whole number within `i64` is `Int`, any other number `Float`.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("text or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Text(s) => s,
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
        }
    }
}

/// A field that may hold one string or a list of them (deserialised by hand,
/// like [`Scalar`]).
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("text or a list of texts")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(one) = seq.next_element::<String>()? {
                    all.push(one);
                }
                Ok(OneOrMany::Many(all))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// `enclosure = { url, type, length }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawEnclosure {
    pub url: String,
    #[serde(rename = "type", alias = "mime_type", default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub length: Option<Scalar>,
}

/// Reads a records source.
///
/// Each record goes to `emit`, with what `early` did to it when the reader
/// prepared it while parsing (see [`Early`]).
pub fn collect(
    source: &Source,
    (pattern, path, format): (&str, &Path, Option<RecordFormat>),
    base: &Path,
    early: Option<&Early>,
    emit: &mut dyn FnMut(Article, Option<Prepared>),
) -> SourceReport {
    let mut report = SourceReport::new(&source.id);
    let files = match list_files(pattern, path, format) {
        Ok(files) => files,
        Err(message) => {
            report.failed = Some(message);
            return report;
        }
    };
    let mut sink = Sink { source, report: &mut report, early, emit };
    let mut files_failed = 0;
    for (file, format) in &files {
        let display = display_path(file, base);
        if let Err(message) = read_file(file, &display, *format, &mut sink) {
            sink.report.problem(Severity::Skipped, display.clone(), message);
            // `problem` counted the file as a skipped record; it is not one.
            sink.report.skipped -= 1;
            files_failed += 1;
        }
    }
    report.files = files.len() - files_failed;
    if files_failed == files.len() && !files.is_empty() {
        report.failed = Some(format!(
            "none of the {} file(s) matching \"{pattern}\" could be read",
            files.len()
        ));
    }
    report
}

fn read_file(
    file: &Path,
    display: &str,
    format: RecordFormat,
    sink: &mut Sink,
) -> Result<(), String> {
    let meta = match std::fs::metadata(file) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.is_symlink() => {
            let target = std::fs::read_link(file).unwrap_or_default();
            return Err(format!(
                "is a broken symbolic link: its target \"{}\" does not exist",
                target.display()
            ));
        }
        Err(e) => return Err(format!("cannot read file: {e}")),
    };
    if meta.is_dir() {
        return Err("is a directory, expected a record file".to_owned());
    }
    // Opening a FIFO blocks until something writes to it: the run would hang.
    if !meta.is_file() {
        return Err(
            "is not a regular file (a FIFO, socket or device), expected a record file".to_owned()
        );
    }
    let whole_file = matches!(format, RecordFormat::Toml | RecordFormat::Markdown);
    if whole_file && meta.len() > MAX_WHOLE_FILE_BYTES {
        return Err(format!(
            "file is {} bytes, over the {MAX_WHOLE_FILE_BYTES}-byte limit for {} files; split it or use JSONL",
            meta.len(),
            format.name()
        ));
    }
    match format {
        RecordFormat::Json => json::read(file, display, sink),
        RecordFormat::Jsonl => jsonl::read(file, display, sink),
        RecordFormat::Csv => csv::read(file, display, sink),
        RecordFormat::Toml => toml::read(file, display, sink),
        RecordFormat::Markdown => markdown::read(file, display, sink),
    }
}

/// Reads a whole file as UTF-8 text, naming the byte offset of bad bytes.
/// The size was checked before (see `read_file`); the read is bounded too,
/// so a file that grows in between cannot get past the limit.
fn read_text(file: &Path) -> Result<String, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_WHOLE_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read file: {e}"))?;
    if bytes.len() as u64 > MAX_WHOLE_FILE_BYTES {
        return Err(format!(
            "file grew past the {MAX_WHOLE_FILE_BYTES}-byte limit while it was read; split it or use JSONL"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!("not valid UTF-8 at byte {}; save the file as UTF-8", e.utf8_error().valid_up_to())
    })
}

/// The files a source reads, sorted, each with its format. Besides regular
/// files, anything named like a record file (a directory `x.jsonl`, a broken
/// link, a FIFO) is listed too, so that reading it reports the problem by
/// name instead of the file silently going missing.
fn list_files(
    pattern: &str,
    path: &Path,
    forced: Option<RecordFormat>,
) -> Result<Vec<(PathBuf, RecordFormat)>, String> {
    let is_glob = pattern.contains(['*', '?', '[']);
    let candidates: Vec<PathBuf> = if is_glob {
        let pat = path.to_string_lossy();
        let paths = glob::glob(&pat).map_err(|e| format!("invalid glob \"{pattern}\": {e}"))?;
        // A path the glob could not look at is kept too, so it is named.
        let paths = paths.map(|p| p.unwrap_or_else(|e| e.path().to_owned()));
        paths.filter(|p| p.is_file() || format_of(p).is_some()).collect()
    } else if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| format!("cannot read directory \"{pattern}\": {e}"))?;
        let mut files: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        // Only files a format claims: READMEs and editor backups are not records.
        files.retain(|p| format_of(p).is_some() || (forced.is_some() && p.is_file()));
        files
    } else if path.exists() {
        vec![path.to_owned()]
    } else {
        return Err(format!("path \"{pattern}\" does not exist"));
    };
    let mut files = Vec::with_capacity(candidates.len());
    for file in candidates {
        let format = match forced.or_else(|| format_of(&file)) {
            Some(f) => f,
            None if is_glob => continue,
            None => {
                return Err(format!(
                    "cannot tell the format of \"{pattern}\" from its extension; set format = one of {}",
                    RecordFormat::NAMES.join(", ")
                ));
            }
        };
        files.push((file, format));
    }
    if files.is_empty() {
        return Err(format!("path \"{pattern}\" matches no record files"));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

fn format_of(path: &Path) -> Option<RecordFormat> {
    path.extension().and_then(|e| e.to_str()).and_then(RecordFormat::from_extension)
}

/// A path as the user wrote it: relative to the config file's directory
/// when it is below it.
pub fn display_path(file: &Path, base: &Path) -> String {
    let rel = file.strip_prefix(base).unwrap_or(file);
    rel.to_string_lossy().into_owned()
}

/// Where readers hand their records; turns them into articles or problems.
pub struct Sink<'a> {
    source: &'a Source,
    report: &'a mut SourceReport,
    early: Option<&'a Early<'a>>,
    emit: &'a mut dyn FnMut(Article, Option<Prepared>),
}

impl<'a> Sink<'a> {
    /// Checks one raw record and hands it on, or records why it was skipped.
    pub fn record(&mut self, raw: RawRecord, location: String) {
        match to_article(raw, self.source.timezone) {
            Ok(checked) => self.accept(checked, None, location),
            Err(message) => self.skip(location, message),
        }
    }

    /// Hands on a record already checked by [`to_article`] (readers that
    /// check records in parallel), with its warnings, and what
    /// [`Sink::early`] did to it, if the reader used it.
    pub fn accept(
        &mut self,
        (mut article, warnings): (Article, Vec<String>),
        prepared: Option<Prepared>,
        location: String,
    ) {
        for w in warnings {
            self.report.problem(Severity::Warning, location.clone(), w);
        }
        article.origin = Origin { source: self.source.id.clone(), location };
        self.report.read += 1;
        (self.emit)(article, prepared);
    }

    /// For readers that parse records in parallel: prepares a checked
    /// record there ([`Early`]), with the source's default channel.
    pub fn early(&self) -> Option<(&'a Early<'a>, Option<&'a ChannelId>)> {
        self.early.map(|e| (e, self.source.channel.as_ref()))
    }

    /// The timezone for dates without an offset, for [`to_article`].
    pub fn timezone(&self) -> Tz {
        self.source.timezone
    }

    /// Skips a record that could not even be parsed.
    pub fn skip(&mut self, location: String, message: impl Into<String>) {
        self.report.problem(Severity::Skipped, location, message);
    }
}

/// Checks a raw record. Returns the article and warnings about dropped
/// fields, or why the record must be skipped.
pub fn to_article(raw: RawRecord, tz: Tz) -> Result<(Article, Vec<String>), String> {
    let mut warnings = Vec::new();
    let title = raw.title.map(|t| single_line(&t.into_text())).unwrap_or_default();
    if title.is_empty() {
        return Err("record has no title; every record needs a non-empty \"title\"".to_owned());
    }
    let key = raw.id.map(|id| id.into_text().trim().to_owned()).filter(|id| !id.is_empty());
    let link = match raw.link.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => Some(
            http_url(l).ok_or_else(|| format!("link \"{l}\" is not an absolute http(s) URL"))?,
        ),
    };
    if key.is_none() && link.is_none() {
        return Err("record has neither \"id\" nor \"link\"; give it at least one".to_owned());
    }
    let published = raw.published.map(|d| date(d, tz, "published")).transpose()?;
    let updated = raw.updated.map(|d| date(d, tz, "updated")).transpose()?;
    let image = raw.image.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| {
        let url = http_url(s);
        if url.is_none() {
            warnings.push(format!("image \"{s}\" is not an absolute http(s) URL; dropped"));
        }
        url
    });
    let enclosure = raw.enclosure.and_then(|e| match http_url(e.url.trim()) {
        Some(url) => {
            let length =
                e.length.map(Scalar::into_text).and_then(|l| l.trim().parse().ok()).unwrap_or(0);
            let mime_type = e.mime_type.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
            let mime_type = mime_type.unwrap_or_else(|| "application/octet-stream".to_owned());
            Some(Enclosure { url, mime_type, length })
        }
        None => {
            warnings.push(format!(
                "enclosure url \"{}\" is not an absolute http(s) URL; dropped",
                e.url
            ));
            None
        }
    });
    let list = |v: Option<OneOrMany>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in v.map(OneOrMany::into_vec).unwrap_or_default() {
            let s = single_line(&s);
            if !s.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        }
        out
    };
    let non_empty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let article = Article {
        key,
        title,
        link,
        channel: non_empty(raw.channel).map(|c| c.trim().to_owned()),
        published,
        updated,
        authors: list(raw.author),
        source: non_empty(raw.source).map(|s| single_line(&s)),
        summary: non_empty(raw.summary),
        content: non_empty(raw.content),
        categories: list(raw.categories),
        image,
        enclosure,
        ..Article::default()
    };
    Ok((article, warnings))
}

/// Record text fields are plain text by contract (a title may well say
/// "Why <tags> matter"), so markup is kept as written; only whitespace runs
/// collapse and characters XML cannot carry go.
fn single_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    strip_forbidden_chars(&joined).into_owned()
}

fn http_url(s: &str) -> Option<String> {
    if crate::links::is_serialized_http_url(s) {
        return Some(s.to_owned());
    }
    let url = Url::parse(s).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some()).then(|| url.into())
}

fn date(value: Scalar, tz: Tz, field: &str) -> Result<DateTime<FixedOffset>, String> {
    let parsed = match value {
        Scalar::Int(secs) => dates::from_unix(secs),
        Scalar::Float(secs) if secs.fract() == 0.0 && secs.abs() < 1e15 => {
            dates::from_unix(secs as i64)
        }
        Scalar::Float(secs) => {
            return Err(format!("{field}: {secs} is not a whole number of unix seconds"));
        }
        Scalar::Text(s) => dates::parse_date(&s, tz),
    };
    parsed.map_err(|e| format!("{field}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_file_read_stops_at_the_limit() {
        // As if the file had grown after its size was checked.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        std::fs::write(&path, vec![b'#'; MAX_WHOLE_FILE_BYTES as usize + 1]).unwrap();
        assert_eq!(
            read_text(&path).unwrap_err(),
            format!(
                "file grew past the {MAX_WHOLE_FILE_BYTES}-byte limit while it was read; split it or use JSONL"
            )
        );
        std::fs::write(&path, vec![b'#'; MAX_WHOLE_FILE_BYTES as usize]).unwrap();
        assert_eq!(read_text(&path).unwrap().len() as u64, MAX_WHOLE_FILE_BYTES);
    }
}
