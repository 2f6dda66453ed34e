//! A guard against hostile nesting depth, applied to the HTML text before it is parsed.
//!
//! html5ever's tree builder does not recurse, but several of its steps scan the stack of open
//! elements ("is there a `p` in button scope?"), so a page of N nested `<div>`s costs O(N²):
//! 20,000 levels take over a second, and the 10 MiB a fetch may return would take hours.
//! Browsers cap the tree depth (at 512 in Chromium); this does the same, approximately and in
//! one linear pass over the bytes: start and end tags beyond [`MAX_DEPTH`] open elements are
//! removed from the text, so their content is kept but hangs at the cap. Pages that stay under
//! the cap (all real ones) are returned untouched, without copying.

use std::borrow::Cow;

/// Deepest nesting kept. Real pages rarely pass 60.
pub(super) const MAX_DEPTH: usize = 512;

/// `html` with the tags that would nest deeper than [`MAX_DEPTH`] removed.
///
/// The depth is an estimate from the tags alone: void elements, self-closing tags and the
/// elements whose end tags are usually omitted (`p`, `li`, `td`, ...) do not count, comments
/// and the raw text of `script`, `style`, `textarea` and similar are skipped. An estimate that
/// is too high only drops tags from an already absurdly deep page.
pub(super) fn limit_depth(html: &str) -> Cow<'_, str> {
    // A page too short to hold MAX_DEPTH start tags cannot exceed it.
    if html.len() < MAX_DEPTH * 3 {
        return Cow::Borrowed(html);
    }
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    // Bytes of `html` before `copied` have been copied to `out` (or skipped).
    let mut copied = 0;
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        let lt = i + offset;
        let rest = &bytes[lt + 1..];
        if rest.starts_with(b"!--") {
            i = find_from(html, lt + 4, "-->").map_or(html.len(), |e| e + 3);
            continue;
        }
        let (end_tag, name_at) =
            if rest.first() == Some(&b'/') { (true, lt + 2) } else { (false, lt + 1) };
        let name_len = bytes[name_at..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 || !bytes[name_at].is_ascii_alphabetic() {
            i = lt + 1;
            continue;
        }
        // Lowercased into a small buffer: no allocation per tag. Longer names are in no list.
        let mut buf = [0u8; 12];
        let name = if name_len <= buf.len() {
            buf[..name_len].copy_from_slice(&bytes[name_at..name_at + name_len]);
            buf[..name_len].make_ascii_lowercase();
            std::str::from_utf8(&buf[..name_len]).unwrap_or("")
        } else {
            ""
        };
        let Some(close) = tag_end(bytes, name_at + name_len) else { break };
        let self_closing = close > 0 && bytes[close - 1] == b'/';
        let mut drop = false;
        if !uncounted(name) {
            if end_tag {
                drop = depth > MAX_DEPTH;
                depth = depth.saturating_sub(1);
            } else if !self_closing {
                depth += 1;
                drop = depth > MAX_DEPTH;
            }
        }
        if drop {
            let out = out.get_or_insert_with(|| String::with_capacity(html.len()));
            out.push_str(&html[copied..lt]);
            copied = close + 1;
        }
        i = close + 1;
        if !end_tag && is_raw_text(name) {
            // Skip to the matching end tag, whose '<' the loop then handles.
            i = find_end_tag(html, i, name).unwrap_or(html.len());
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut out) => {
            out.push_str(&html[copied..]);
            Cow::Owned(out)
        }
    }
}

/// Elements that never nest (void elements) or whose end tags are usually left out and are
/// implied by the next sibling, so they do not deepen the tree.
fn uncounted(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "p"
            | "li"
            | "dt"
            | "dd"
            | "td"
            | "th"
            | "tr"
            | "option"
            | "html"
            | "head"
            | "body"
    )
}

/// Elements whose content is raw text, where a `<` is not a tag.
fn is_raw_text(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "textarea"
            | "title"
            | "xmp"
            | "iframe"
            | "noembed"
            | "noframes"
            | "plaintext"
    )
}

/// The index of the `>` that ends a tag whose attributes start at `from`, skipping quoted
/// attribute values.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i),
            None => {}
        }
    }
    None
}

fn find_from(html: &str, from: usize, needle: &str) -> Option<usize> {
    html.get(from..)?.find(needle).map(|at| from + at)
}

/// The index of the `<` of `</name` (any case) at or after `from`.
fn find_end_tag(html: &str, from: usize, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut at = from;
    loop {
        let lt = find_from(html, at, "</")?;
        let tail = &bytes[lt + 2..];
        if tail.len() >= name.len() && tail[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return Some(lt);
        }
        at = lt + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pages_are_untouched() {
        let page = format!(
            "<html><body>{}<script>if (a<b) {{ x = '</div>'; }}</script>{}</body></html>",
            "<div class='a>b'><p>text<br><img src=x.png></div>".repeat(200),
            "<!-- <div> -->".repeat(200)
        );
        assert!(matches!(limit_depth(&page), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_cut_at_the_cap_keeping_text() {
        let depth = 2_000;
        let html = format!(
            "{}<span>bottom</span>{}<p>after</p>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let cut = limit_depth(&html);
        assert_eq!(cut.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(cut.matches("</div>").count(), MAX_DEPTH);
        // The span was deeper than the cap: its tags are gone, its text is not.
        assert!(!cut.contains("span") && cut.contains("bottom") && cut.ends_with("<p>after</p>"));
    }
}
