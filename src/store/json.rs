//! An article's stored JSON, written by hand: byte for byte what
//! `serde_json::to_vec(article)` writes (a test holds it to that), only the
//! long texts (summary and content, a few KiB of HTML each) are escaped a
//! block at a time instead of a byte at a time, which was most of the cost
//! of storing a large first merge. The small structured fields (dates,
//! enclosure, origin, via) still go through serde_json.

use serde::Serialize;

use crate::model::Article;

/// Appends `a` as JSON to `out`; returns where in `out` its `origin` field
/// is, from the comma before its key to the end of its value.
pub(super) fn write_article(
    out: &mut Vec<u8>,
    a: &Article,
) -> Result<std::ops::Range<usize>, serde_json::Error> {
    // Fields in declaration order, as serde's derive writes them.
    out.push(b'{');
    key(out, "key", true);
    opt_string(out, a.key.as_deref());
    key(out, "id", false);
    string(out, &a.id);
    key(out, "title", false);
    string(out, &a.title);
    key(out, "link", false);
    opt_string(out, a.link.as_deref());
    key(out, "channel", false);
    opt_string(out, a.channel.as_deref());
    key(out, "published", false);
    serde(out, &a.published)?;
    key(out, "updated", false);
    serde(out, &a.updated)?;
    key(out, "authors", false);
    strings(out, &a.authors);
    key(out, "source", false);
    opt_string(out, a.source.as_deref());
    key(out, "summary", false);
    opt_string(out, a.summary.as_deref());
    key(out, "content", false);
    opt_string(out, a.content.as_deref());
    key(out, "categories", false);
    strings(out, &a.categories);
    key(out, "image", false);
    opt_string(out, a.image.as_deref());
    key(out, "enclosure", false);
    serde(out, &a.enclosure)?;
    key(out, "snippet", false);
    string(out, &a.snippet);
    let origin = out.len();
    key(out, "origin", false);
    serde(out, &a.origin)?;
    let origin = origin..out.len();
    key(out, "via", false);
    serde(out, &a.via)?;
    out.push(b'}');
    Ok(origin)
}

fn key(out: &mut Vec<u8>, name: &str, first: bool) {
    if !first {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn serde(out: &mut Vec<u8>, value: &impl Serialize) -> Result<(), serde_json::Error> {
    serde_json::to_writer(&mut *out, value)
}

fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn strings(out: &mut Vec<u8>, list: &[String]) {
    out.push(b'[');
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// `s` as a JSON string, escaped as serde_json escapes: `"`, `\` and the
/// C0 controls, the usual five by letter and the rest as `\u00XX`.
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut from = 0;
    loop {
        let at = crate::text::find_byte(bytes, from, |b| b == b'"' || b == b'\\' || b < 0x20);
        out.extend_from_slice(&bytes[from..at]);
        let Some(&b) = bytes.get(at) else { break };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        from = at + 1;
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Enclosure, Origin, Via};

    fn by_hand(a: &Article) -> String {
        let mut out = Vec::new();
        write_article(&mut out, a).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn it_writes_what_serde_json_writes() {
        let tricky: String = (0u8..0x80).map(char::from).collect::<String>()
            + "\"\\/ \u{2028}\u{2029}\u{feff}\u{fffd} 中文「引号」 👩‍👩‍👧 e\u{301} <a href=\"x\">y</a>";
        let date = chrono::DateTime::parse_from_rfc3339("2025-02-12T18:00:35.123456+08:00").ok();
        let full = Article {
            key: Some(tricky.clone()),
            id: "tag:example.org,2025:world/1".to_owned(),
            title: tricky.clone(),
            link: Some("https://example.org/a?b=1&c=\"2\"".to_owned()),
            channel: Some("world".to_owned()),
            published: date,
            updated: chrono::DateTime::parse_from_rfc3339("2025-02-12T10:00:00Z").ok(),
            authors: vec!["A \"B\"".to_owned(), String::new(), tricky.clone()],
            source: Some("Wire\\Service".to_owned()),
            summary: Some(tricky.repeat(3)),
            content: Some(format!("<p>{tricky}</p>\n\t<p>two</p>")),
            categories: vec!["x".to_owned(), "y\u{1}".to_owned()],
            image: Some("https://example.org/i.png".to_owned()),
            enclosure: Some(Enclosure {
                url: "https://example.org/a.mp3".to_owned(),
                mime_type: "audio/mpeg".to_owned(),
                length: u64::MAX,
            }),
            snippet: "one two th...".to_owned(),
            origin: Origin { source: "s".to_owned(), location: "f.xml entry 1".to_owned() },
            via: Some(Via {
                id: "urn:x".to_owned(),
                title: tricky,
                feed_url: "https://up.example/feed".to_owned(),
                link: None,
            }),
        };
        // The default article has every field at its empty value: a field
        // added to `Article` and not written here fails this.
        for a in [Article::default(), full] {
            assert_eq!(by_hand(&a), serde_json::to_string(&a).unwrap());
            let mut out = Vec::new();
            let origin = write_article(&mut out, &a).unwrap();
            let want = format!(",\"origin\":{}", serde_json::to_string(&a.origin).unwrap());
            assert_eq!(&out[origin], want.as_bytes());
        }
    }
}
