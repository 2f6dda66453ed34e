//! JSONL: one JSON record per line; blank lines are ignored. Streams line by
//! line, so file size does not matter; a broken line skips only that record.

use std::io::{BufRead, BufReader};
use std::path::Path;

use rayon::prelude::*;

use super::{RawRecord, Sink, to_article};

/// Lines are parsed in parallel in batches of about this many bytes, then
/// handed on in file order.
const BATCH_BYTES: usize = 2 * 1024 * 1024;

pub fn read(file: &Path, display: &str, sink: &mut Sink) -> Result<(), String> {
    let f = std::fs::File::open(file).map_err(|e| format!("cannot read file: {e}"))?;
    let mut reader = BufReader::with_capacity(256 * 1024, f);
    let tz = sink.timezone();
    let mut buf = Vec::with_capacity(BATCH_BYTES + 64 * 1024);
    let mut lines: Vec<(usize, usize)> = Vec::new();
    // Reused from batch to batch (see `Collector::flush` on fresh pages).
    let mut parsed: Vec<Option<Result<Checked, String>>> = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        lines.clear();
        let mut done = false;
        while buf.len() < BATCH_BYTES {
            let start = buf.len();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| format!("read failed after line {}: {e}", line_no + lines.len()))?;
            if n == 0 {
                done = true;
                break;
            }
            lines.push((start, buf.len()));
        }
        let first = line_no + 1;
        parsed.clear();
        parsed.par_extend(
            lines
                .par_iter()
                .enumerate()
                .map(|(i, &(start, end))| parse_line(&buf[start..end], first + i == 1, tz)),
        );
        for (i, result) in parsed.drain(..).enumerate() {
            let location = format!("{display}:{}", first + i);
            match result {
                None => {}
                Some(Ok(checked)) => sink.accept(checked, location),
                Some(Err(message)) => sink.skip(location, message),
            }
        }
        line_no += lines.len();
        if done {
            return Ok(());
        }
    }
}

/// A record checked by [`to_article`], with its warnings.
type Checked = (crate::model::Article, Vec<String>);

/// One line: `None` for a blank line, else the checked record or why it is
/// skipped.
fn parse_line(bytes: &[u8], first: bool, tz: chrono_tz::Tz) -> Option<Result<Checked, String>> {
    let line = match std::str::from_utf8(bytes) {
        Ok(l) => l,
        Err(e) => return Some(Err(format!("not valid UTF-8 at column {}", e.valid_up_to() + 1))),
    };
    // A BOM may start the first line of files written on Windows.
    let line = if first { line.trim_start_matches('\u{feff}') } else { line };
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim().is_empty() {
        return None;
    }
    Some(match serde_json::from_str::<RawRecord>(line) {
        Ok(raw) => to_article(raw, tz),
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
