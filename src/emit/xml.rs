//! A small pretty-printing XML writer for the RSS and Atom emitters.
//!
//! It writes straight from borrowed strings into one buffer, where building
//! the `rss` / `atom_syndication` structures meant owned copies of every
//! item's content and a generic escaper; on a large build that was the
//! biggest single cost after I/O. Its output is byte-for-byte what those
//! crates write through quick-xml with two-space indentation (the emitters'
//! tests render every fixture both ways and compare), so the crates stay the
//! reference for the format while this writer does the work.
//!
//! Layout rules, as quick-xml applies them: every start, end and empty tag
//! goes on its own line, indented two spaces per open element, except that
//! the end tag right after text or CDATA follows it directly (so a text
//! element is `<name>text</name>` on one line). Text and attribute values
//! are escaped (`< > & ' "`); CDATA is split before every `]]>` terminator.
//! Every string passes through [`super::clean`] first, like everything the
//! emitters write, except content the sanitiser already cleaned.

use super::clean;

pub(super) struct XmlWriter {
    out: Vec<u8>,
    depth: usize,
    /// Whether the next tag starts a new line (false right after text).
    line_break: bool,
}

impl XmlWriter {
    /// A writer appending to `out` (normally empty), starting with the XML
    /// declaration, with room for about `capacity` bytes.
    pub(super) fn new(mut out: Vec<u8>, capacity: usize) -> XmlWriter {
        if out.is_empty() && out.capacity() < capacity {
            // Growing a reused buffer in place would copy its whole old
            // allocation (the allocator does not know it is empty): a few
            // MiB of stale bytes per file on a large build.
            out = Vec::with_capacity(capacity);
        } else {
            out.reserve(capacity);
        }
        out.extend_from_slice(super::XML_DECLARATION.as_bytes());
        out.push(b'\n');
        XmlWriter { out, depth: 0, line_break: false }
    }

    fn tag_line(&mut self) {
        if self.line_break {
            self.out.push(b'\n');
            self.out.resize(self.out.len() + 2 * self.depth, b' ');
        }
        self.line_break = true;
    }

    fn open_tag(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.tag_line();
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        for (key, value) in attributes {
            self.out.push(b' ');
            self.out.extend_from_slice(key.as_bytes());
            self.out.extend_from_slice(b"=\"");
            escape_clean_into(&mut self.out, value);
            self.out.push(b'"');
        }
    }

    /// `<name attributes>`, opening a level.
    pub(super) fn start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.open_tag(name, attributes);
        self.out.push(b'>');
        self.depth += 1;
    }

    /// `</name>`, closing a level.
    pub(super) fn end(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.tag_line();
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    /// `<name attributes/>`.
    pub(super) fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.open_tag(name, attributes);
        self.out.extend_from_slice(b"/>");
    }

    /// `<name attributes>text</name>`, the text cleaned and escaped.
    pub(super) fn text_element(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.start(name, attributes);
        escape_clean_into(&mut self.out, text);
        self.line_break = false;
        self.end(name);
    }

    /// `<name><![CDATA[text]]></name>`, the text cleaned.
    pub(super) fn cdata_element(&mut self, name: &str, text: &str) {
        self.start(name, &[]);
        self.cdata(&clean(text));
        self.end(name);
    }

    /// CDATA sections holding `text` (already clean): a `]]>` inside it ends
    /// one section after `]]` and starts the next with `>`.
    pub(super) fn cdata(&mut self, text: &str) {
        let mut rest = text;
        loop {
            // Like quick-xml: every `>` after `]]` ends a section.
            let cut = find_terminator(rest.as_bytes()).map(|i| i + 2);
            let (piece, tail) = rest.split_at(cut.unwrap_or(rest.len()));
            self.out.extend_from_slice(b"<![CDATA[");
            self.out.extend_from_slice(piece.as_bytes());
            self.out.extend_from_slice(b"]]>");
            if cut.is_none() {
                break;
            }
            rest = tail;
        }
        self.line_break = false;
    }

    /// The document, ending in one newline.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.out.push(b'\n');
        self.out
    }
}

/// Escapes `< > & ' "` as quick-xml does and nothing else, for other
/// modules' tests: unlike [`escape_clean_into`] it keeps forbidden
/// characters, so a comparison built with it still catches one that leaks.
#[cfg(test)]
pub(super) fn escape_for_tests(out: &mut Vec<u8>, s: &str) {
    let escaped = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;");
    out.extend_from_slice(escaped.as_bytes());
}

/// Where the first `]]>` in `bytes` starts. Searched for by its rare first
/// byte: a substring search keyed on `>` stopped at every tag of the HTML.
fn find_terminator(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b']', &bytes[from..]).map(|i| from + i) {
        if bytes[i..].starts_with(b"]]>") {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// Appends `s` with `< > & ' "` escaped as quick-xml escapes them, and
/// without the characters [`clean`] drops ([`super::escape_clean`]).
fn escape_clean_into(out: &mut Vec<u8>, s: &str) {
    super::escape_clean(s, "&apos;", |piece| out.extend_from_slice(piece.as_bytes()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl FnOnce(&mut XmlWriter)) -> String {
        let mut w = XmlWriter::new(Vec::new(), 0);
        f(&mut w);
        String::from_utf8(w.finish()).unwrap()
    }

    #[test]
    fn layout_matches_quick_xml_pretty_printing() {
        let xml = render(|w| {
            w.start("a", &[("k", "v&\"'<>")]);
            w.text_element("b", &[], "x < y & 'z'");
            w.empty("c", &[("href", "h")]);
            w.start("d", &[]);
            w.text_element("e", &[], "");
            w.end("d");
            w.cdata_element("f", "1]]>2]]>3");
            w.end("a");
        });
        let want = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a k=\"v&amp;&quot;&apos;&lt;&gt;\">\n  <b>x &lt; y &amp; &apos;z&apos;</b>\n  <c href=\"h\"/>\n  <d>\n    <e></e>\n  </d>\n  <f><![CDATA[1]]]]><![CDATA[>2]]]]><![CDATA[>3]]></f>\n</a>\n";
        assert_eq!(xml, want);
    }

    #[test]
    fn terminators_are_found_wherever_they_are() {
        for (text, at) in [
            ("", None),
            ("]]", None),
            ("]>", None),
            ("]]>", Some(0)),
            ("a]]]>", Some(2)),
            ("] ]>]]>", Some(4)),
        ] {
            assert_eq!(find_terminator(text.as_bytes()), at, "{text:?}");
            assert_eq!(
                find_terminator(text.as_bytes()),
                memchr::memmem::find(text.as_bytes(), b"]]>")
            );
        }
    }

    #[test]
    fn escaping_drops_forbidden_characters_in_the_same_pass() {
        let naive = |s: &str| {
            crate::text::strip_forbidden_chars(s)
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('\'', "&apos;")
                .replace('"', "&quot;")
        };
        let pieces = [
            "a", "<", "&", "'", "\"", ">", "\t", "\n", "\r", "\u{1}", "\u{7f}", "\u{85}", "\u{a0}",
            "\u{c0}", "，", "。", "\u{fffe}", "\u{ffff}", "\u{fffd}", "\u{ff01}", "中文", "😀",
        ];
        // Every pair and triple of pieces, alone and inside long runs that
        // take the block scan.
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for filler in [
                        "",
                        "long plain ascii text for the block scan ",
                        "長い中文段落用來測試區塊掃描的路徑，",
                    ] {
                        let s = format!("{filler}{a}{b}{filler}{c}");
                        let mut out = Vec::new();
                        escape_clean_into(&mut out, &s);
                        assert_eq!(String::from_utf8(out).unwrap(), naive(&s), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn text_and_attributes_lose_forbidden_characters() {
        let xml = render(|w| w.text_element("t", &[("a", "x\u{1}y")], "b\u{7}c"));
        assert!(xml.ends_with("<t a=\"xy\">bc</t>\n"), "{xml}");
    }
}
