//! The first tier of [`super::sanitize_html`]: a byte lexer that reads a strict subset of HTML
//! straight from the `&str` and drives the fast path's [`Grammar`], without html5ever's
//! tokenizer and its per-character buffer and atom machinery.
//!
//! The grammar's argument (see the `fast` module) holds for the tokens html5ever's tokenizer
//! produces, since those are what ammonia's parser sees. So the lexer is only allowed to read
//! input where it can produce exactly those tokens: the same tag names, attribute names and
//! values, and text, split differently at most (the grammar does not depend on how text is
//! split). It therefore accepts only input on which the tokenizer takes its plain, error-free
//! paths, whose outcome the HTML standard fixes character by character. No element the grammar
//! accepts switches the tokenizer out of its data state (see `fast`), so after each tag the
//! lexer reads on as the tokenizer does; at a tag that would, the grammar has already declined.
//!
//! - Text: any characters but `<`, `&`, CR and NUL, which the tokenizer passes through as they
//!   are. CR (newline normalisation) and NUL (replacement or dropping, depending on the state)
//!   give up; so does a byte order mark at the very start, which the tokenizer discards.
//! - Tags: `<` or `</` followed by an ASCII letter and ASCII alphanumerics. Names are lower-cased
//!   as the tokenizer does; after the name come only whitespace (space, tab, LF, FF), `>` and,
//!   in start tags, `/>` and attributes. Every other `<` (`< `, `<3`, `</ `, `<!`, `<?`, at the
//!   end of input) starts a comment, doctype, bogus comment or literal text in the tokenizer;
//!   the lexer gives up.
//! - Attributes: `name="value"` or `name='value'` after whitespace, the name of lower-case
//!   letters, digits, `-`, `_`, `:` and `.`. The tokenizer would lower-case upper-case names,
//!   recover from a missing space after a value, and read unquoted values, valueless attributes
//!   and whitespace around `=` by rules of their own; the lexer gives up on all of them rather
//!   than repeat them. Duplicates are passed on, and the grammar declines them. End tags have
//!   no attributes and no `/`.
//! - Character references, in text and in attribute values: `&amp; &lt; &gt; &quot; &apos;
//!   &nbsp;` exactly so (with the `;`, which keeps the tokenizer's longest-match and
//!   legacy-attribute rules out of play), and `&#N;`/`&#xH;` for a code point the tokenizer
//!   passes through without a parse error or replacement (not NUL, a surrogate, beyond U+10FFFF,
//!   a C1 code it remaps, another control, or a noncharacter). An `&` followed by whitespace,
//!   `<` or the end of input is literal, as in the tokenizer. Any other `&` gives up.
//!
//! Giving up ([`Lexed::Unknown`]) costs only time: the html5ever fast path then reads the
//! document as before. When instead the grammar declines a token the lexer read, the html5ever
//! fast path would decline at the same token ([`Lexed::OutsideGrammar`]), and the document can
//! go straight to ammonia. Neither answer can change a byte of output: whatever the fast path
//! accepts, ammonia writes identically. Only `Sanitized` output must be right, and it is
//! html5ever's tokens through the same grammar. The differential tests in `fast` hold the two
//! tokenizers to the same answers, and both to ammonia's bytes.

use std::borrow::Cow;

use super::fast::{Grammar, find_byte};

/// What the lexer makes of a document.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Lexed {
    /// The document is in the fast path's grammar: its sanitised HTML.
    Sanitized(String),
    /// A token, read as html5ever would, leaves the grammar; the html5ever fast path would
    /// decline the document too.
    OutsideGrammar,
    /// The input leaves the lexer's subset before the grammar has decided.
    Unknown,
}

/// Why the lexer stopped before the end of the input.
enum Stop {
    OutsideGrammar,
    GiveUp,
}

/// The lexer's reading of `input` (already stripped of forbidden characters, like the other
/// tiers' input).
pub(super) fn sanitize(input: &str) -> Lexed {
    let mut grammar = Grammar::new(input.len());
    let mut lexer = Lexer { input, attributes: Vec::new() };
    match lexer.run(&mut grammar) {
        Ok(()) => grammar.finish().map_or(Lexed::OutsideGrammar, Lexed::Sanitized),
        Err(Stop::OutsideGrammar) => Lexed::OutsideGrammar,
        Err(Stop::GiveUp) => Lexed::Unknown,
    }
}

/// A grammar method's answer as a lexer result.
fn accepted(in_grammar: bool) -> Result<(), Stop> {
    if in_grammar { Ok(()) } else { Err(Stop::OutsideGrammar) }
}

/// Whitespace inside a tag, as the tokenizer knows it (CR gives up before it gets here).
fn is_tag_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c')
}

/// Bytes that can be part of an attribute name the lexer reads (see the module documentation).
fn is_attribute_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b':' | b'.')
}

/// Tag names longer than this give up if they need lower-casing; no element of the grammar comes
/// near it.
const MAX_LOWERCASED_NAME: usize = 16;

struct Lexer<'a> {
    input: &'a str,
    /// The current start tag's attributes, kept to reuse the allocation.
    attributes: Vec<(&'a str, Cow<'a, str>)>,
}

impl<'a> Lexer<'a> {
    fn run(&mut self, grammar: &mut Grammar) -> Result<(), Stop> {
        let input = self.input;
        let bytes = input.as_bytes();
        if input.starts_with('\u{feff}') {
            return Err(Stop::GiveUp);
        }
        let mut pos = 0;
        loop {
            let start = pos;
            // Markup, a character reference, what gives up, or text to
            // escape (`>`, and U+00A0, which starts with C2).
            pos = find_byte(bytes, pos, |b| {
                (b == b'<') | (b == b'&') | (b == b'\r') | (b == 0) | (b == b'>') | (b == 0xc2)
            });
            // `pos` is at an ASCII byte, a lead byte or the end: a char
            // boundary. A slice of the input, which the caller stripped of
            // forbidden characters, with nothing to escape.
            accepted(grammar.clean_plain_text(&input[start..pos]))?;
            match bytes.get(pos) {
                None => return Ok(()),
                Some(b'>') => {
                    accepted(grammar.clean_text(">"))?;
                    pos += 1;
                }
                Some(0xc2) => {
                    // A two-byte character, U+0080..U+00BF: escaped if U+00A0.
                    accepted(grammar.clean_text(&input[pos..pos + 2]))?;
                    pos += 2;
                }
                Some(b'<') => pos = self.tag(grammar, pos)?,
                Some(b'&') => {
                    let (c, end) = reference(bytes, pos)?;
                    accepted(grammar.text(c.encode_utf8(&mut [0; 4])))?;
                    pos = end;
                }
                Some(_) => return Err(Stop::GiveUp),
            }
        }
    }

    /// Reads the tag whose `<` is at `at` and hands it to the grammar; returns the position after
    /// it.
    fn tag(&mut self, grammar: &mut Grammar, at: usize) -> Result<usize, Stop> {
        let bytes = self.input.as_bytes();
        match bytes.get(at + 1) {
            Some(b) if b.is_ascii_alphabetic() => self.start_tag(grammar, at + 1),
            Some(b'/') if bytes.get(at + 2).is_some_and(u8::is_ascii_alphabetic) => {
                let mut buffer = [0; MAX_LOWERCASED_NAME];
                let (name, mut pos) = tag_name(self.input, at + 2, &mut buffer)?;
                while bytes.get(pos).is_some_and(|&b| is_tag_space(b)) {
                    pos += 1;
                }
                if bytes.get(pos) != Some(&b'>') {
                    return Err(Stop::GiveUp);
                }
                accepted(grammar.end_tag(name))?;
                Ok(pos + 1)
            }
            _ => Err(Stop::GiveUp),
        }
    }

    /// Reads the start tag whose name starts at `at`; returns the position after it.
    fn start_tag(&mut self, grammar: &mut Grammar, at: usize) -> Result<usize, Stop> {
        let input = self.input;
        let bytes = input.as_bytes();
        let mut buffer = [0; MAX_LOWERCASED_NAME];
        let (name, mut pos) = tag_name(input, at, &mut buffer)?;
        self.attributes.clear();
        let self_closing = loop {
            let space_start = pos;
            while bytes.get(pos).is_some_and(|&b| is_tag_space(b)) {
                pos += 1;
            }
            match bytes.get(pos) {
                Some(b'>') => {
                    pos += 1;
                    break false;
                }
                Some(b'/') if bytes.get(pos + 1) == Some(&b'>') => {
                    pos += 2;
                    break true;
                }
                // After the name or a value, only whitespace starts an attribute cleanly.
                Some(&b) if pos > space_start && is_attribute_name_byte(b) => {
                    let name_start = pos;
                    while bytes.get(pos).is_some_and(|&b| is_attribute_name_byte(b)) {
                        pos += 1;
                    }
                    let attribute_name = &input[name_start..pos];
                    let quote = match (bytes.get(pos), bytes.get(pos + 1)) {
                        (Some(b'='), Some(&quote @ (b'"' | b'\''))) => quote,
                        _ => return Err(Stop::GiveUp),
                    };
                    let (value, end) = attribute_value(input, pos + 2, quote)?;
                    self.attributes.push((attribute_name, value));
                    pos = end;
                }
                _ => return Err(Stop::GiveUp),
            }
        };
        accepted(grammar.start_tag(name, &self.attributes, self_closing))?;
        Ok(pos)
    }
}

/// The lower-cased tag name starting at `at` (an ASCII letter), lower-cased into `buffer` if
/// need be, and the position after it, which must be one the tokenizer's tag name state ends
/// at cleanly: whitespace, `/` or `>`.
fn tag_name<'b>(
    input: &'b str,
    at: usize,
    buffer: &'b mut [u8; MAX_LOWERCASED_NAME],
) -> Result<(&'b str, usize), Stop> {
    let bytes = input.as_bytes();
    let len = bytes[at..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    let end = at + len;
    if !bytes.get(end).is_some_and(|&b| is_tag_space(b) || b == b'/' || b == b'>') {
        return Err(Stop::GiveUp);
    }
    let name = &input[at..end];
    if !name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Ok((name, end));
    }
    let lowered = buffer.get_mut(..len).ok_or(Stop::GiveUp)?;
    lowered.copy_from_slice(name.as_bytes());
    lowered.make_ascii_lowercase();
    let lowered = std::str::from_utf8(lowered).map_err(|_| Stop::GiveUp)?;
    Ok((lowered, end))
}

/// The value of a quoted attribute starting at `at` (after the opening `quote`), with character
/// references decoded, and the position after the closing quote. Borrowed unless a reference
/// had to be decoded.
fn attribute_value(input: &str, at: usize, quote: u8) -> Result<(Cow<'_, str>, usize), Stop> {
    let bytes = input.as_bytes();
    let mut decoded: Option<String> = None;
    let mut run_start = at;
    let mut pos = at;
    loop {
        pos = find_byte(bytes, pos, |b| (b == quote) | (b == b'&') | (b == b'\r') | (b == 0));
        match bytes.get(pos) {
            Some(&b) if b == quote => {
                // `pos` and `run_start` are at ASCII bytes: char boundaries.
                let value = match decoded {
                    None => Cow::Borrowed(&input[at..pos]),
                    Some(mut value) => {
                        value.push_str(&input[run_start..pos]);
                        Cow::Owned(value)
                    }
                };
                return Ok((value, pos + 1));
            }
            Some(b'&') => {
                let (c, end) = reference(bytes, pos)?;
                let value = decoded.get_or_insert_with(String::new);
                value.push_str(&input[run_start..pos]);
                value.push(c);
                pos = end;
                run_start = end;
            }
            _ => return Err(Stop::GiveUp),
        }
    }
}

/// The character the `&` at `at` stands for, and the position after the reference (see the
/// module documentation for which the lexer reads).
fn reference(bytes: &[u8], at: usize) -> Result<(char, usize), Stop> {
    /// Longer names or digit runs give up; this bound also keeps the numbers small.
    const MAX_LEN: usize = 8;
    let digits = |from: usize, radix: u32| {
        let len = bytes
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take(MAX_LEN)
            .take_while(|&&b| char::from(b).is_digit(radix))
            .count();
        (from + len, len)
    };
    match bytes.get(at + 1) {
        None | Some(b' ' | b'\t' | b'\n' | b'\x0c' | b'<') => Ok(('&', at + 1)),
        Some(b'#') => {
            let (from, radix) = match bytes.get(at + 2) {
                Some(b'x' | b'X') => (at + 3, 16),
                _ => (at + 2, 10),
            };
            let (end, len) = digits(from, radix);
            if len == 0 || bytes.get(end) != Some(&b';') {
                return Err(Stop::GiveUp);
            }
            let value = bytes[from..end]
                .iter()
                .fold(0u32, |n, &b| n * radix + char::from(b).to_digit(radix).unwrap_or(0));
            let plain = matches!(
                value,
                0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfdcf | 0xfdf0..=0x10ffff
            ) && value & 0xfffe != 0xfffe;
            match char::from_u32(value) {
                Some(c) if plain => Ok((c, end + 1)),
                _ => Err(Stop::GiveUp),
            }
        }
        Some(_) => {
            let from = at + 1;
            let len = bytes[from..]
                .iter()
                .take(MAX_LEN)
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            let end = from + len;
            if bytes.get(end) != Some(&b';') {
                return Err(Stop::GiveUp);
            }
            let c = match &bytes[from..end] {
                b"amp" => '&',
                b"lt" => '<',
                b"gt" => '>',
                b"quot" => '"',
                b"apos" => '\'',
                b"nbsp" => '\u{a0}',
                _ => return Err(Stop::GiveUp),
            };
            Ok((c, end + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::sanitize::fast::tests::{BASE_URL, Rng, check, tokenizers_agree};
    use crate::sanitize::tests::ARTICLE;

    /// The lexer's answer for `html`, after asserting that it agrees with the html5ever fast
    /// path and that [`crate::sanitize::sanitize_html`] still gives ammonia's bytes.
    fn lexed(html: &str) -> Lexed {
        check(html, &Url::parse(BASE_URL).unwrap());
        tokenizers_agree(html)
    }

    fn written(html: &str) -> String {
        match lexed(html) {
            Lexed::Sanitized(out) => out,
            other => panic!("{other:?} for {html:?}"),
        }
    }

    #[test]
    fn realistic_article_is_lexed() {
        assert!(matches!(lexed(ARTICLE), Lexed::Sanitized(_)));
    }

    #[test]
    fn corpus_shaped_content_is_lexed() {
        let html = "<p><img src=\"https://ch02.example.org/img/94372.png\" alt=\"修复\"/> English \
                    words.</p><ul><li>中文。</li></ul><p>See <a href=\"https://x.example.org/ref/1\"\
                    >t</a> &amp; <b>周刊</b>.</p><pre><code>a &lt; b &gt; c</code></pre>\
                    <blockquote>“去重”需要同时考虑链接与全局唯一标识符。</blockquote><p>a & b, \
                    Reader&#x27;s &quot;pick&quot;</p>";
        assert_eq!(
            written(html),
            "<p><img src=\"https://ch02.example.org/img/94372.png\" alt=\"修复\"> English \
             words.</p><ul><li>中文。</li></ul><p>See <a href=\"https://x.example.org/ref/1\" \
             rel=\"noopener noreferrer\">t</a> &amp; <b>周刊</b>.</p><pre><code>a &lt; b &gt; \
             c</code></pre><blockquote>“去重”需要同时考虑链接与全局唯一标识符。</blockquote>\
             <p>a &amp; b, Reader's \"pick\"</p>"
        );
    }

    #[test]
    fn reads_what_the_tokenizer_reads_plainly() {
        for (html, expected) in [
            // Tag names are lower-cased; whitespace in tags is space, tab, LF or FF.
            ("<P>x</P>", "<p>x</p>"),
            ("<Blockquote><P>x</p></BLOCKQUOTE>", "<blockquote><p>x</p></blockquote>"),
            ("<p\ttitle=\"t\"\nlang='en'\x0c>x</p\n>", "<p title=\"t\" lang=\"en\">x</p>"),
            ("<p  title=\"t\"  >x</p \t>", "<p title=\"t\">x</p>"),
            // `/>` on void elements, with or without a space, after a name or a value.
            (
                "<br/><br /><img src=\"https://e.x/i.png\"/><img alt=\"a\" /><hr/>",
                "<br><br><img src=\"https://e.x/i.png\"><img alt=\"a\"><hr>",
            ),
            // A bare `&` before whitespace, `<` or the end of input is literal.
            ("a & b &\tc &\nd &<b>x</b> e &", "a &amp; b &amp;\tc &amp;\nd &amp;<b>x</b> e &amp;"),
            // The six names, and numeric references to plain characters.
            ("&amp;&lt;&gt;&quot;&apos;&nbsp;", "&amp;&lt;&gt;\"'&nbsp;"),
            ("&#65;&#0065;&#x41;&#X41;&#x4e2d;&#X4E2D;&#9;&#10;&#x1F600;", "AAAA中中\t\n😀"),
            (
                "&#x7E;&#xA0;&#xD7FF;&#xE000;&#xFDCF;&#xFDF0;&#x10FFFD;",
                "~&nbsp;\u{d7ff}\u{e000}\u{fdcf}\u{fdf0}\u{10fffd}",
            ),
            // The same in attribute values, which are written double-quoted.
            (
                "<p title=\"a &amp; b &lt;&gt; &quot;q&quot; &apos; &#x27; &nbsp; & x &<\">x</p>",
                "<p title=\"a &amp; b &lt;&gt; &quot;q&quot; ' ' &nbsp; &amp; x &amp;&lt;\">x</p>",
            ),
            (
                "<p title='say \"hi\"' lang=\"it's\">x</p>",
                "<p title=\"say &quot;hi&quot;\" lang=\"it's\">x</p>",
            ),
            (
                "<a href=\"https://e.x/?a=1&amp;b=2\">l</a>",
                "<a href=\"https://e.x/?a=1&amp;b=2\" rel=\"noopener noreferrer\">l</a>",
            ),
            // A line feed after `pre` that is not its first character.
            ("<pre>\tx\ny</pre>", "<pre>\tx\ny</pre>"),
            // A byte order mark after the start is text.
            ("x\u{feff}", "x\u{feff}"),
        ] {
            assert_eq!(written(html), expected, "{html:?}");
        }
    }

    #[test]
    fn gives_up_outside_its_subset() {
        for html in [
            // CR (newline normalisation), a leading byte order mark (discarded). NUL and the
            // other forbidden characters never reach the lexer: `sanitize_html` strips them.
            "<p>a\r\nb</p>",
            "<p>a\rb</p>",
            "<p\r\ntitle=\"x\">a</p>",
            "<p title=\"a\rb\">x</p>",
            "\u{feff}<p>x</p>",
            // Attribute forms the tokenizer reads by rules of their own.
            "<p TITLE=\"t\">x</p>",
            "<p tiTle=\"t\">x</p>",
            "<p title=t>x</p>",
            "<p title>x</p>",
            "<img alt src=\"https://e.x/i.png\">",
            "<p title =\"t\">x</p>",
            "<p title= \"t\">x</p>",
            "<p title=\"t\"lang=\"en\">x</p>",
            "<p title='t'lang='en'>x</p>",
            "<p =\"t\">x</p>",
            "<p \"t\">x</p>",
            "<br/ >",
            "<p/ title=\"t\">x</p>",
            "<p title=\"x",
            // End tags with attributes or `/`, or not ended by `>`.
            "<p>x</p title=\"t\">",
            "<p>x</p/>",
            "<p>x</p />",
            "<p>x</p",
            // `<` not followed by a tag name: text, comments, doctypes, processing instructions.
            "<p>a < b</p>",
            "<p>1 <3</p>",
            "<p>x</ p>",
            "<p>x</>",
            "<p>a<!-- c -->b</p>",
            "<!DOCTYPE html><p>x</p>",
            "<p>a<?x?>b</p>",
            "<![CDATA[x]]>",
            "<p>x</p><",
            "<p>x</p></",
            "<p>x</p><b",
            // Tag names the tokenizer would take in whole.
            "<p:x>y</p:x>",
            "<h1.>x</h1>",
            "<p>x</p-x>",
            // References outside the six names or without `;`.
            "&copy;",
            "&AMP;",
            "&amp",
            "&amp x",
            "&ampx;",
            "&lt",
            "AT&T",
            "&&amp;",
            "&;",
            "&1;",
            "&-",
            "&\"",
            // Numeric references the tokenizer replaces or flags, or without digits or `;`.
            "&#;",
            "&#x;",
            "&#xg;",
            "&#",
            "&#65",
            "&#65 x",
            "&#0;",
            "&#x80;",
            "&#x9F;",
            "&#128;",
            "&#1;",
            "&#12;",
            "&#13;",
            "&#x7F;",
            "&#xD800;",
            "&#xDFFF;",
            "&#xFDD0;",
            "&#xFDEF;",
            "&#xFFFE;",
            "&#x1FFFF;",
            "&#x10FFFF;",
            "&#x110000;",
            "&#99999999;",
            "&#xFFFFFFFF;",
            "&#000000065;",
            // The same in attribute values, where the legacy rule would also apply.
            "<p title=\"AT&T\">x</p>",
            "<p title=\"&amp\">x</p>",
            "<p title=\"&not=\">x</p>",
            "<p title=\"&notin\">x</p>",
            "<p title=\"a&\">x</p>",
            "<p title=\"&#0;\">x</p>",
        ] {
            assert_eq!(lexed(html), Lexed::Unknown, "{html:?}");
        }
    }

    #[test]
    fn grammar_declines_what_it_read() {
        for html in [
            "<div>x</div>",
            "<p>a<p>b</p></p>",
            "<p/>x",
            "<br></br>",
            "<p title=\"a\" title=\"b\">x</p>",
            "<p title=\"a\" lang=\"b\" title=\"a\">x</p>",
            "<p class=\"c\">x</p>",
            "<p>unclosed",
            "<a href=\"/x\">x</a>",
            "<a href=\"https://e.x/ a\">x</a>",
            "<pre>\nx</pre>",
            "<pre>&#10;x</pre>",
            "<ul>x<li>y</li></ul>",
            "<b><i>x</b></i>",
        ] {
            assert_eq!(lexed(html), Lexed::OutsideGrammar, "{html:?}");
        }
    }

    /// Pieces of markup, whole and broken, for [`tokenizers_agree_on_markup_soup`].
    const SOUP: &[&str] = &[
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<li>",
        "</li>",
        "<ul>",
        "</ul>",
        "<br>",
        "<br/>",
        "<hr />",
        "<a href=\"https://e.x/\">",
        "</a>",
        "<img src='https://e.x/i.png' alt=\"\">",
        "<P>",
        "</B>",
        "<pre>",
        "</pre>",
        "<",
        "</",
        ">",
        "/",
        "/>",
        "&",
        "&amp;",
        "&lt;",
        "&#",
        "&#x",
        "#",
        ";",
        "x",
        "41",
        "a",
        "p",
        "b",
        "\"",
        "'",
        "=",
        " ",
        "\t",
        "\n",
        "\x0c",
        "\r",
        "\0",
        "title",
        " title=\"",
        " lang='",
        "中文",
        "\u{a0}",
        "&nbsp;",
        "&#10;",
        "&#x4e2d;",
        "!",
        "?",
        "-",
        "\u{feff}",
        "\u{1}",
    ];

    #[test]
    fn tokenizers_agree_on_markup_soup() {
        let base = Url::parse(BASE_URL).unwrap();
        let mut rng = Rng(0x510e_527f_ade6_82d1);
        let mut lexed = [0; 3];
        for _ in 0..20_000 {
            let html: String = (0..1 + rng.below(12)).map(|_| rng.pick(SOUP)).collect();
            let answer = tokenizers_agree(&html);
            lexed[match answer {
                Lexed::Sanitized(_) => 0,
                Lexed::OutsideGrammar => 1,
                Lexed::Unknown => 2,
            }] += 1;
            if matches!(answer, Lexed::Sanitized(_)) {
                check(&html, &base);
            }
        }
        println!("sanitized, outside the grammar, unknown: {lexed:?}");
        assert!(lexed.iter().all(|&n| n >= 1_000), "{lexed:?}");
    }
}
