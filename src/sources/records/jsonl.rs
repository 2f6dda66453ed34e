//! JSONL: one JSON record per line; blank lines are ignored. Streams line by
//! line, so file size does not matter; a broken line skips only that record.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::{RawRecord, Sink};

pub fn read(file: &Path, display: &str, sink: &mut Sink) -> Result<(), String> {
    let f = std::fs::File::open(file).map_err(|e| format!("cannot read file: {e}"))?;
    let mut reader = BufReader::with_capacity(256 * 1024, f);
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("read failed after line {line_no}: {e}"))?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let location = || format!("{display}:{line_no}");
        let line = match std::str::from_utf8(&buf) {
            Ok(l) => l,
            Err(e) => {
                sink.skip(location(), format!("not valid UTF-8 at column {}", e.valid_up_to() + 1));
                continue;
            }
        };
        // A BOM may start the first line of files written on Windows.
        let line = if line_no == 1 { line.trim_start_matches('\u{feff}') } else { line };
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<RawRecord>(line) {
            Ok(raw) => sink.record(raw, location()),
            Err(e) => sink.skip(location(), describe(&e)),
        }
    }
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
