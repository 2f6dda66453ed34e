//! Markdown records: front matter between `---` lines (YAML) or `+++` lines
//! (TOML) holds the fields; the body, rendered to HTML, is the content
//! unless the front matter sets `content` itself.

use std::path::Path;

use super::{RawRecord, Sink, read_text};
use crate::config::line_column;

pub fn read(file: &Path, display: &str, sink: &mut Sink) -> Result<(), String> {
    let text = read_text(file)?;
    let text = text.trim_start_matches('\u{feff}');
    let Some((fence, front, body, front_line)) = split_front_matter(text) else {
        sink.skip(
            display.to_owned(),
            "no front matter; start the file with a --- (YAML) or +++ (TOML) block holding at least title",
        );
        return Ok(());
    };
    let parsed: Result<RawRecord, String> = if fence == "---" {
        serde_yaml_ng::from_str(front).map_err(|e| {
            let line = e.location().map_or(front_line, |l| front_line + l.line() - 1);
            format!("YAML front matter error at line {line}: {e}")
        })
    } else {
        toml::from_str::<toml::Table>(front)
            .map_err(|e| {
                let line = e.span().map_or(0, |s| line_column(front, s.start).0) + front_line - 1;
                format!("TOML front matter error at line {line}: {}", e.message().trim())
            })
            .and_then(|mut table| {
                for key in ["published", "updated", "date"] {
                    if let Some(toml::Value::Datetime(dt)) = table.get(key) {
                        let s = dt.to_string();
                        table.insert(key.to_owned(), toml::Value::String(s));
                    }
                }
                toml::Value::Table(table)
                    .try_into::<RawRecord>()
                    .map_err(|e| e.message().trim().to_owned())
            })
    };
    match parsed {
        Ok(mut raw) => {
            if raw.content.is_none() && !body.trim().is_empty() {
                raw.content = Some(render(body));
            }
            sink.record(raw, display.to_owned());
        }
        Err(message) => sink.skip(display.to_owned(), message),
    }
    Ok(())
}

/// Splits `---\n...\n---\nbody`. Returns the fence, the front matter, the
/// body, and the 1-based line the front matter starts on.
fn split_front_matter(text: &str) -> Option<(&'static str, &str, &str, usize)> {
    let fence = ["---", "+++"].into_iter().find(|f| text.starts_with(f))?;
    let after_open = text[fence.len()..].trim_start_matches([' ', '\t']);
    let after_open = after_open.strip_prefix("\r\n").or_else(|| after_open.strip_prefix('\n'))?;
    let mut offset = 0;
    for line in after_open.split_inclusive('\n') {
        if line.trim_end() == fence {
            let front = &after_open[..offset];
            let body = &after_open[offset + line.len()..];
            return Some((fence, front, body, 2));
        }
        offset += line.len();
    }
    None
}

/// Markdown to HTML (CommonMark plus tables and strikethrough). Raw HTML in
/// the body passes through here and is sanitised later like any content.
fn render(body: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(body, options));
    out
}
