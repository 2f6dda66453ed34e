//! CSV files: a header row naming record fields, then one record per row.
//! `author` and `categories` cells hold several values separated by `;`;
//! an enclosure is given by `enclosure_url`, `enclosure_type` and
//! `enclosure_length` columns. Unknown columns are ignored. Streams row by row.

use std::path::Path;

use super::{OneOrMany, RawEnclosure, RawRecord, Scalar, Sink};

pub fn read(file: &Path, display: &str, sink: &mut Sink) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .map_err(|e| format!("cannot read file: {e}"))?;
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    if !headers.iter().any(|h| h == "title") {
        return Err(format!(
            "header row has no \"title\" column (found: {}); the first row must name the fields",
            headers.join(", ")
        ));
    }
    let mut row = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                sink.skip(format!("{display}:{line}"), format!("malformed CSV: {e}"));
                // A broken quote can swallow the rest of the file; stop here
                // rather than report every following line.
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    return Ok(());
                }
                continue;
            }
        }
        let line = row.position().map_or(0, csv::Position::line);
        let location = format!("{display}:{line}");
        if row.len() != headers.len() {
            let message = format!(
                "row has {} fields, expected {} as in the header row",
                row.len(),
                headers.len()
            );
            sink.skip(location, message);
            continue;
        }
        match to_raw(&headers, &row) {
            Ok(raw) => sink.record(raw, location),
            Err(message) => sink.skip(location, message),
        }
    }
}

fn to_raw(headers: &[String], row: &csv::ByteRecord) -> Result<RawRecord, String> {
    let mut raw = RawRecord::default();
    let (mut enc_url, mut enc_type, mut enc_len) = (None, None, None);
    for (i, (name, cell)) in headers.iter().zip(row.iter()).enumerate() {
        let cell = std::str::from_utf8(cell).map_err(|e| {
            format!("column {} ({name}) is not valid UTF-8 at byte {}", i + 1, e.valid_up_to())
        })?;
        if cell.trim().is_empty() {
            continue;
        }
        let text = || Some(cell.to_owned());
        let many = || Some(OneOrMany::Many(cell.split(';').map(|s| s.trim().to_owned()).collect()));
        match name.as_str() {
            "id" => raw.id = Some(Scalar::Text(cell.to_owned())),
            "title" => raw.title = Some(Scalar::Text(cell.to_owned())),
            "link" | "url" => raw.link = text(),
            "channel" => raw.channel = text(),
            "published" | "date" => raw.published = Some(Scalar::Text(cell.to_owned())),
            "updated" => raw.updated = Some(Scalar::Text(cell.to_owned())),
            "author" | "authors" => raw.author = many(),
            "source" => raw.source = text(),
            "summary" => raw.summary = text(),
            "content" => raw.content = text(),
            "categories" | "tags" => raw.categories = many(),
            "image" => raw.image = text(),
            "enclosure_url" => enc_url = text(),
            "enclosure_type" => enc_type = text(),
            "enclosure_length" => enc_len = Some(Scalar::Text(cell.to_owned())),
            _ => {}
        }
    }
    if let Some(url) = enc_url {
        raw.enclosure = Some(RawEnclosure { url, mime_type: enc_type, length: enc_len });
    }
    Ok(raw)
}
