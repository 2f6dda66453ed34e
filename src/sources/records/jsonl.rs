//! JSONL: one JSON record per line; blank lines are ignored. Streams line by
//! line, so file size does not matter; a broken line skips only that record.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rayon::prelude::*;

use super::{RawRecord, Sink, to_article};
use crate::config::ChannelId;
use crate::pipeline::{Early, Prepared};

/// Lines are parsed in parallel in batches of about this many bytes, then
/// handed on in file order.
const BATCH_BYTES: usize = 2 * 1024 * 1024;

pub fn read(file: &Path, display: &str, sink: &mut Sink) -> Result<(), String> {
    read_batched(file, display, sink, BATCH_BYTES)
}

/// One batch: the number of its first line, and each line's result.
type Batch = (usize, Vec<Parsed>);

/// One line: `None` for a blank line, else the checked record or why it is
/// skipped.
type Parsed = Option<Result<Checked, String>>;

/// Reading and parsing run on their own thread, up to four batches ahead
/// of the records being handed on: handing on (and preparing what it hands
/// on) used to wait while the next batch was read, and reading waited for
/// it. A few batches of slack keep the cores busy while records are handed
/// on one by one; the parsed records in flight are at most about six
/// batches, some tens of megabytes.
fn read_batched(
    file: &Path,
    display: &str,
    sink: &mut Sink,
    batch_bytes: usize,
) -> Result<(), String> {
    let f = std::fs::File::open(file).map_err(|e| format!("cannot read file: {e}"))?;
    let tz = sink.timezone();
    let early = sink.early();
    let (send_batch, batches) = sync_channel::<Result<Batch, String>>(4);
    // Spent vectors go back to the reader, so a batch's memory is reused
    // (see `Collector::flush` on fresh pages).
    let (recycle, spent) = sync_channel::<Vec<Parsed>>(5);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("jsonl-reader".to_owned())
            .spawn_scoped(scope, move || {
                produce(f, (tz, early), batch_bytes, &send_batch, &spent);
            })
            .map_err(|e| format!("cannot start a thread to read the file: {e}"))?;
        // Returning early drops `batches`, which stops the reader at its
        // next send.
        for batch in batches {
            let (first, mut parsed) = batch?;
            for (i, result) in parsed.drain(..).enumerate() {
                let location = format!("{display}:{}", first + i);
                match result {
                    None => {}
                    Some(Ok((article, warnings, prepared))) => {
                        sink.accept((article, warnings), prepared, location);
                    }
                    Some(Err(message)) => sink.skip(location, message),
                }
            }
            let _ = recycle.try_send(parsed);
        }
        Ok(())
    })
}

/// How lines are checked: the timezone for dates without an offset, and
/// where records are prepared as they are parsed, with the source's default
/// channel (see [`Sink::early`]).
type Checking<'a> = (chrono_tz::Tz, Option<(&'a Early<'a>, Option<&'a ChannelId>)>);

/// Reads `f` in batches of whole lines and parses each batch in parallel,
/// sending the results in file order (or the read error that ended it).
///
/// The next batch is read while one is parsed: reading it afterwards left
/// the cores idle for about a tenth of the time, since preparing records as
/// they are parsed ([`Early`]) left no other work to fill the wait.
fn produce(
    f: std::fs::File,
    checking: Checking,
    batch_bytes: usize,
    out: &SyncSender<Result<Batch, String>>,
    spent: &Receiver<Vec<Parsed>>,
) {
    let mut batches = Batches { f, batch_bytes, carry: Vec::new(), line_no: 0, eof: false };
    let mut next = batches.read(Vec::with_capacity(batch_bytes + 64 * 1024), Vec::new());
    let mut spare = (Vec::with_capacity(batch_bytes + 64 * 1024), Vec::new());
    loop {
        let read = match next {
            Ok(Some(read)) => read,
            Ok(None) => return,
            Err(message) => {
                let _ = out.send(Err(message));
                return;
            }
        };
        let mut parsed = spent.try_recv().unwrap_or_default();
        parsed.clear();
        let (buf, lines) = spare;
        let ((), following) = rayon::join(
            || {
                parsed.par_extend(read.lines.par_iter().enumerate().map(|(i, &(a, b))| {
                    parse_line(&read.buf[a..b], read.first + i == 1, checking)
                }));
            },
            || batches.read(buf, lines),
        );
        next = following;
        if out.send(Ok((read.first, parsed))).is_err() {
            return;
        }
        spare = (read.buf, read.lines);
    }
}

/// A file read in batches of whole lines.
struct Batches {
    f: std::fs::File,
    batch_bytes: usize,
    /// The start of a line the last batch cut off.
    carry: Vec<u8>,
    /// Lines in the batches read so far.
    line_no: usize,
    eof: bool,
}

/// One batch: its bytes, where each line is in them, and the number of its
/// first line.
struct ReadBatch {
    buf: Vec<u8>,
    lines: Vec<(usize, usize)>,
    first: usize,
}

impl Batches {
    /// The next batch, read into `buf` and `lines` (reused allocations);
    /// `None` after the end of the file, or why reading failed.
    fn read(
        &mut self,
        mut buf: Vec<u8>,
        mut lines: Vec<(usize, usize)>,
    ) -> Result<Option<ReadBatch>, String> {
        if self.eof {
            return Ok(None);
        }
        let batch_bytes = self.batch_bytes;
        buf.clear();
        buf.append(&mut self.carry);
        // Fill to the batch size, then on until the batch holds a line end
        // (a line longer than a batch makes a batch of its own).
        let mut scanned = 0;
        loop {
            let want = batch_bytes.saturating_sub(buf.len()).max(batch_bytes.min(64 * 1024));
            match (&mut self.f).take(want as u64).read_to_end(&mut buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(_) => {}
                // (`read_to_end` retries an interrupted read itself.)
                Err(e) => {
                    let done = self.line_no + memchr::memchr_iter(b'\n', &buf).count();
                    return Err(format!("read failed after line {done}: {e}"));
                }
            }
            if buf.len() >= batch_bytes {
                if memchr::memrchr(b'\n', &buf[scanned..]).is_some() {
                    break;
                }
                scanned = buf.len();
            }
        }
        let end =
            if self.eof { buf.len() } else { memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1) };
        self.carry.extend_from_slice(&buf[end..]);
        lines.clear();
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &buf[..end]) {
            lines.push((start, nl + 1));
            start = nl + 1;
        }
        if start < end {
            lines.push((start, end));
        }
        let first = self.line_no + 1;
        self.line_no += lines.len();
        Ok(Some(ReadBatch { buf, lines, first }))
    }
}

/// A record checked by [`to_article`], with its warnings and, if it was
/// prepared as it was parsed, what that gave.
type Checked = (crate::model::Article, Vec<String>, Option<Prepared>);

/// One line: `None` for a blank line, else the checked record or why it is
/// skipped.
fn parse_line(bytes: &[u8], first: bool, (tz, early): Checking) -> Parsed {
    // simdutf8 checks the common valid line several times faster than std;
    // std is asked again only for a bad line, to say where it goes wrong.
    let line = match simdutf8::basic::from_utf8(bytes) {
        Ok(l) => l,
        Err(_) => {
            let at = std::str::from_utf8(bytes).err().map_or(0, |e| e.valid_up_to());
            return Some(Err(format!("not valid UTF-8 at column {}", at + 1)));
        }
    };
    // A BOM may start the first line of files written on Windows.
    let line = if first { line.trim_start_matches('\u{feff}') } else { line };
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim().is_empty() {
        return None;
    }
    Some(match serde_json::from_str::<RawRecord>(line) {
        Ok(raw) => to_article(raw, tz).map(|(article, warnings)| match early {
            Some((early, channel)) => {
                let (article, prepared) = early.prepare(article, channel);
                (article, warnings, prepared)
            }
            None => (article, warnings, None),
        }),
        Err(e) => Err(describe(&e)),
    })
}

/// A serde_json error without its own "at line 1 column N" (the line is ours).
pub fn describe(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = text.rsplit_once(" at line ").map_or(text.as_str(), |(msg, _)| msg).to_owned();
    let what = match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "invalid JSON",
        serde_json::error::Category::Data => "unexpected value",
        serde_json::error::Category::Io => "read error",
    };
    format!("{what} at column {}: {text}; expected one JSON object per line", e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text-or-number fields take text and numbers as they are written
    /// (a number beyond i64 as a float), and one author or a list; any
    /// other type is the line's error, saying what was expected.
    #[test]
    fn text_or_number_fields_take_what_is_written() {
        let article = |line: &str| match parse_line(line.as_bytes(), false, (chrono_tz::UTC, None))
        {
            Some(Ok((a, _, _))) => a,
            other => panic!("{line}: {other:?}"),
        };
        let error = |line: &str| match parse_line(line.as_bytes(), false, (chrono_tz::UTC, None)) {
            Some(Err(e)) => e,
            other => panic!("{line}: {other:?}"),
        };
        let a = article(r#"{"id": 7, "title": 2025, "link": "https://e.x/a", "author": "Li"}"#);
        assert_eq!((a.key.as_deref(), a.title.as_str()), (Some("7"), "2025"));
        assert_eq!(a.authors, ["Li"]);
        let a = article(r#"{"id": 18446744073709551615, "title": "t", "link": "https://e.x/a"}"#);
        assert_eq!(a.key.as_deref(), Some("18446744073709552000"));
        let a = article(
            r#"{"id": "a", "title": "t", "link": "https://e.x/a", "authors": ["Li", "Wang"], "tags": ["x"], "published": 1739354435}"#,
        );
        assert_eq!(a.authors, ["Li", "Wang"]);
        assert_eq!(a.categories, ["x"]);
        assert_eq!(a.published.unwrap().timestamp(), 1_739_354_435);
        assert_eq!(
            error(r#"{"id": "a", "title": true, "link": "https://e.x/a"}"#),
            "unexpected value at column 25: invalid type: boolean `true`, expected text or a \
             number; expected one JSON object per line"
        );
        assert_eq!(
            error(r#"{"id": "a", "title": "t", "author": [1]}"#),
            "unexpected value at column 38: invalid type: integer `1`, expected a string; \
             expected one JSON object per line"
        );
    }

    /// Each line's number and what came of it: the title, or the error.
    fn lines_of(text: &[u8], batch_bytes: usize) -> Vec<(usize, Option<Result<String, String>>)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        std::fs::write(&path, text).unwrap();
        let (send, batches) = sync_channel(1);
        let (_recycle, spent) = sync_channel(2);
        let f = std::fs::File::open(&path).unwrap();
        std::thread::scope(|scope| {
            scope.spawn(move || produce(f, (chrono_tz::UTC, None), batch_bytes, &send, &spent));
            let mut got = Vec::new();
            // The reader's sender goes with it: the loop ends at end of file.
            for batch in batches {
                let (first, parsed): Batch = batch.unwrap();
                assert_eq!(first, got.len() + 1, "batches come in order, numbered on");
                got.extend(
                    parsed
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| (first + i, p.map(|r| r.map(|(a, _, _)| a.title)))),
                );
            }
            got
        })
    }

    /// A file that cannot be read (here a directory, which opens but does
    /// not read) ends the batches with the read error, after the batches
    /// read before it.
    #[cfg(unix)]
    #[test]
    fn a_read_error_ends_the_batches_and_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let f = std::fs::File::open(dir.path()).unwrap();
        let (send, batches) = sync_channel(1);
        let (_recycle, spent) = sync_channel(2);
        std::thread::scope(|scope| {
            scope.spawn(move || produce(f, (chrono_tz::UTC, None), 16, &send, &spent));
            let got: Vec<Result<Batch, String>> = batches.into_iter().collect();
            assert_eq!(got.len(), 1);
            let err = got.into_iter().next().unwrap().unwrap_err();
            assert!(err.starts_with("read failed after line 0: "), "{err}");
        });
    }

    /// Whatever the batch size, every line is read once, whole, with its
    /// own number: lines cut by a batch end, a line longer than a batch,
    /// CRLF, a BOM, blank lines, bad UTF-8 and a last line without `\n`.
    #[test]
    fn batches_split_only_between_lines() {
        let long = "x".repeat(300);
        let text = format!(
            "\u{feff}{{\"id\": \"1\", \"title\": \"one\"}}\r\n\n{{\"id\": \"2\", \"title\": \"{long}\"}}\n"
        );
        let mut text = text.into_bytes();
        text.extend_from_slice(b"{\"id\": \"3\", \"title\": \"\xff\"}\n   \n{\"id\": \"4\"}\n");
        text.extend_from_slice("{\"id\": \"5\", \"title\": \"五\"}".as_bytes());
        let want = vec![
            (1, Some(Ok("one".to_owned()))),
            (2, None),
            (3, Some(Ok(long.clone()))),
            (4, Some(Err("not valid UTF-8 at column 23".to_owned()))),
            (5, None),
            (
                6,
                Some(Err(
                    "record has no title; every record needs a non-empty \"title\"".to_owned()
                )),
            ),
            (7, Some(Ok("五".to_owned()))),
        ];
        for batch_bytes in [1, 2, 5, 16, 40, 301, 4096, BATCH_BYTES] {
            assert_eq!(lines_of(&text, batch_bytes), want, "batch size {batch_bytes}");
        }
    }
}
