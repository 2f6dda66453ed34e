//! TOML record files: `[[record]]` tables, or a single record at the top
//! level. TOML dates (`published = 2025-02-12T18:00:00+08:00`) are accepted
//! as well as strings.

use std::path::Path;

use super::{RawRecord, Sink, read_text};
use crate::config::line_column;

pub fn read(file: &Path, display: &str, sink: &mut Sink) -> Result<(), String> {
    let text = read_text(file)?;
    let text = text.trim_start_matches('\u{feff}');
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| line_column(text, s.start));
        format!("TOML error at line {line}, column {column}: {}", e.message().trim())
    })?;
    match doc.get("record") {
        Some(toml::Value::Array(records)) => {
            // Line numbers come from re-finding each `[[record]]` header.
            let lines: Vec<usize> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.trim_start().starts_with("[[record]]"))
                .map(|(i, _)| i + 1)
                .collect();
            for (i, value) in records.iter().enumerate() {
                let location = match lines.get(i) {
                    Some(line) => format!("{display}:{line}"),
                    None => format!("{display}[{i}]"),
                };
                record(value.clone(), location, sink);
            }
        }
        Some(_) => return Err("\"record\" must be an array of tables ([[record]])".to_owned()),
        None => record(toml::Value::Table(doc), display.to_owned(), sink),
    }
    Ok(())
}

fn record(value: toml::Value, location: String, sink: &mut Sink) {
    let toml::Value::Table(mut table) = value else {
        sink.skip(location, "expected a [[record]] table");
        return;
    };
    for key in ["published", "updated", "date"] {
        if let Some(toml::Value::Datetime(dt)) = table.get(key) {
            let s = dt.to_string();
            table.insert(key.to_owned(), toml::Value::String(s));
        }
    }
    match toml::Value::Table(table).try_into::<RawRecord>() {
        Ok(raw) => sink.record(raw, location),
        Err(e) => sink.skip(location, format!("unexpected value: {}", e.message().trim())),
    }
}
