//! The `src` of the `<img>` tags in a piece of HTML, for a feed item's lead
//! image.
//!
//! Read with a small scanner, not a parser: a lead image is a guess, and a
//! missed one costs nothing, while a tracking pixel taken as the lead image
//! would be shown by readers that the sanitiser's removal of it from the
//! content does not reach. The scanner finds what the regexes
//! `(?i)<img\b[^>]*>` and, inside each tag,
//! `\s([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))` would (a test
//! holds it to them), in a fraction of the time: regex captures were a
//! twentieth of a large merge.

/// The `src` of each `<img>` in `html` that is not a tracking pixel, in
/// document order.
pub fn image_sources(html: &str) -> impl Iterator<Item = String> + '_ {
    img_tags(html).filter_map(|tag| {
        let (mut src, mut width, mut height) = (None, None, None);
        for (name, value) in attributes(tag) {
            let slot = match name.to_ascii_lowercase().as_str() {
                "src" => &mut src,
                "width" => &mut width,
                "height" => &mut height,
                _ => continue,
            };
            // The first of duplicate attributes counts, as in HTML.
            slot.get_or_insert_with(|| decode_attr(value));
        }
        if crate::sanitize::is_tracking_pixel(width.as_deref(), height.as_deref()) {
            return None;
        }
        src.filter(|s| !s.is_empty())
    })
}

/// The few references an attribute value in HTML is likely to hold.
fn decode_attr(s: &str) -> String {
    s.trim().replace("&amp;", "&")
}

/// Each `<img ...>` tag, from `<` to `>`: "img" in any case, not followed by
/// a word character, then anything up to the next `>`.
fn img_tags(html: &str) -> impl Iterator<Item = &str> + '_ {
    let bytes = html.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(at) = memchr::memchr(b'<', &bytes[from..]).map(|i| from + i) {
            from = at + 1;
            let name = bytes.get(at + 1..at + 4);
            if !name.is_some_and(|n| n.eq_ignore_ascii_case(b"img")) {
                continue;
            }
            // `at + 4` is a char boundary: "img" is ASCII.
            if html[at + 4..].chars().next().is_some_and(is_word_char) {
                continue;
            }
            // Without a `>` there is no tag here, nor any later one.
            let end = at + 4 + memchr::memchr(b'>', &bytes[at + 4..])?;
            from = end + 1;
            return Some(&html[at..=end]);
        }
        None
    })
}

/// A character of `\w` as the regex crate knows it (its Unicode tables,
/// which need not be the standard library's version): ASCII answered here,
/// anything else, rare after "<img", by a one-character regex.
fn is_word_char(c: char) -> bool {
    use std::sync::LazyLock;
    static WORD: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"^\w$").expect("valid regex"));
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    let mut buf = [0; 4];
    WORD.is_match(c.encode_utf8(&mut buf))
}

/// The `name=value` pairs of a tag: whitespace, a name of ASCII letters and
/// `-`, `=` with optional whitespace around it, then a value in double
/// quotes, single quotes, or bare (up to whitespace, a quote or `>`). Text
/// that does not fit is skipped a character at a time.
fn attributes(tag: &str) -> impl Iterator<Item = (&str, &str)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while from < tag.len() {
            let c = tag[from..].chars().next()?;
            let start = from;
            from += c.len_utf8();
            if c.is_whitespace()
                && let Some((name, value, end)) = attribute_at(tag, start + c.len_utf8())
            {
                from = end;
                return Some((name, value));
            }
        }
        None
    })
}

/// An attribute starting at `at` (just after its leading whitespace): its
/// name, value and where it ends.
fn attribute_at(tag: &str, at: usize) -> Option<(&str, &str, usize)> {
    let name_end =
        at + tag[at..].bytes().take_while(|b| b.is_ascii_alphabetic() || *b == b'-').count();
    if name_end == at {
        return None;
    }
    let skip_space = |i: usize| {
        i + tag[i..].chars().take_while(|c| c.is_whitespace()).map(char::len_utf8).sum::<usize>()
    };
    let eq = skip_space(name_end);
    if tag.as_bytes().get(eq) != Some(&b'=') {
        return None;
    }
    let v = skip_space(eq + 1);
    let rest = &tag[v..];
    let (value, end) = match rest.as_bytes().first()? {
        q @ (b'"' | b'\'') => {
            let close = memchr::memchr(*q, &rest.as_bytes()[1..])?;
            (&rest[1..=close], v + close + 2)
        }
        _ => {
            let len: usize = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '>'))
                .map(char::len_utf8)
                .sum();
            if len == 0 {
                return None;
            }
            (&rest[..len], v + len)
        }
    };
    Some((&tag[at..name_end], value, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The regexes the scanner stands for.
    fn by_regex(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        use std::sync::LazyLock;
        static IMG: LazyLock<regex::Regex> =
            LazyLock::new(|| regex::Regex::new(r"(?i)<img\b[^>]*>").unwrap());
        static ATTRIBUTE: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r#"\s([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"#)
                .unwrap()
        });
        let attribute = &*ATTRIBUTE;
        IMG.find_iter(html)
            .map(|tag| {
                let attrs = attribute
                    .captures_iter(tag.as_str())
                    .map(|c| {
                        let value = c.get(2).or(c.get(3)).or(c.get(4)).map_or("", |m| m.as_str());
                        (c[1].to_owned(), value.to_owned())
                    })
                    .collect();
                (tag.as_str().to_owned(), attrs)
            })
            .collect()
    }

    fn by_scanner(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        img_tags(html)
            .map(|tag| {
                let attrs = attributes(tag).map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
                (tag.to_owned(), attrs)
            })
            .collect()
    }

    #[test]
    fn the_scanner_finds_what_the_regexes_find() {
        let cases = [
            "",
            "<p>no images</p>",
            "<img src=a.png>",
            "<IMG SRC=\"b.png\" Width='1' height=1>",
            "<img\tsrc = \"c.png\"\n>",
            "<imgx src=d.png><img src=e.png>",
            "<img_ src=f.png><img- src=g.png>",
            "<imgé src=h.png><img\u{0301} src=i.png><img\u{200d} src=j.png>",
            "<img² src=k.png><img½ src=l.png><img٣ src=m.png><imgⅫ src=n.png>",
            "<img src=\"unclosed><img src=k.png>",
            "<img src='x' src=\"y\">",
            "<img src= >",
            "<img =x src=l.png data-x=\"1\" alt=\"a > b\">",
            "<img src=m.png",
            "<<img src=n.png>>",
            "<img\u{3000}src=o.png>",
            "<img src=p.png/><img src=\"q.png\"/>",
            "text <im src=r.png> <img>",
            "<img src=\"\" alt=''>",
            "<img srcset=s.png src\u{a0}=\u{a0}t.png>",
            "<img 1src=u.png src=v.png>",
            "<img src=\"w.png\"alt=\"x\">",
            "中文<img src=\"图.png\">文字",
        ];
        for html in cases {
            assert_eq!(by_scanner(html), by_regex(html), "{html:?}");
        }
        // Every character right after "<img": the word boundary.
        for c in ('\u{80}'..='\u{3ffff}').step_by(3) {
            let html = format!("<img{c} src=a.png>");
            assert_eq!(by_scanner(&html), by_regex(&html), "{c:?} U+{:04X}", c as u32);
        }
        // Every short string over an alphabet of the characters that matter.
        let alphabet = ['<', '>', 'i', 'M', 'g', ' ', '=', '"', '\'', 's', '-', '_', 'é', '\u{a0}'];
        let mut html = String::new();
        let mut n: u64 = 0;
        while n < 300_000 {
            html.clear();
            let mut k = n;
            html.push_str("<img ");
            for _ in 0..7 {
                html.push(alphabet[(k % alphabet.len() as u64) as usize]);
                k /= alphabet.len() as u64;
            }
            assert_eq!(by_scanner(&html), by_regex(&html), "{html:?}");
            n += 7;
        }
    }

    #[test]
    fn sources_skip_pixels_and_empty_values() {
        let html = "<img src=\"https://t.example/p.gif\" width=1 height=\"1px\">\
                    <img src=''><img alt=x src=\"a.png?x=1&amp;y=2\" src=\"b.png\">";
        assert_eq!(image_sources(html).collect::<Vec<_>>(), ["a.png?x=1&y=2"]);
    }
}
