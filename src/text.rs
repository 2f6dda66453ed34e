//! Plain text and related-reading snippets from record bodies that may be HTML or plain text.
//!
//! This module turns markup into readable single-line text ([`plain_text`], [`plain_line`]),
//! cuts that text into a short snippet on grapheme-cluster boundaries ([`summarise`]), decides
//! whether a string is HTML at all ([`looks_like_html`]) and removes characters XML 1.0 cannot
//! carry ([`strip_forbidden_chars`]). It must not produce markup, must not decode entities twice
//! (text that reads `&lt;b&gt;` in the source comes out as `<b>`, and is never parsed again), must
//! not split a grapheme cluster, and must not recurse on nesting depth: the html5ever tokenizer
//! is a flat state machine and this module keeps only counters, so hostile input cannot
//! overflow the stack. Sanitising HTML for output is [`crate::sanitize`]'s job, not this one's.

use std::borrow::Cow;
use std::cell::RefCell;

use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use unicode_segmentation::UnicodeSegmentation;

/// How many graphemes past `max` [`plain_text_prefix`] collects before it stops. Two would do
/// (the cut never looks past grapheme index `max`, and of a prefix only the very last grapheme
/// can still grow when more text follows); a few more cost nothing and leave room for later
/// tweaks to the cut.
const PREFIX_MARGIN: usize = 8;

/// Bytes handed to the tokenizer per step when extracting a prefix, for a grapheme `limit`:
/// about two bytes of input per grapheme wanted (markup and multi-byte text make the real ratio
/// higher, so usually one or two steps do), within bounds that keep the per-step overhead (a
/// tendril copy and a length check) negligible and the overshoot small.
fn prefix_chunk(limit: usize) -> usize {
    limit.saturating_mul(2).clamp(PREFIX_CHUNK_MIN, PREFIX_CHUNK_MAX)
}
const PREFIX_CHUNK_MIN: usize = 128;
const PREFIX_CHUNK_MAX: usize = 1024;

/// Whether `s` should be treated as HTML: it contains `<` followed by an ASCII letter, `/` or `!`
/// (a tag, end tag, comment or doctype), or a character reference such as `&amp;`, `&#233;` or
/// `&#x4e2d;`. Everything else is plain text, so `a < b`, `AT&T` and `<3` stay as written.
pub fn looks_like_html(s: &str) -> bool {
    let bytes = s.as_bytes();
    // memchr skips the text between candidates; titles, names and categories
    // are plain text scanned whole on every record.
    memchr::memchr2_iter(b'<', b'&', bytes).any(|i| match bytes[i] {
        b'<' => {
            let next = bytes.get(i + 1).copied().unwrap_or(b' ');
            next.is_ascii_alphabetic() || next == b'/' || next == b'!'
        }
        _ => is_char_ref(&bytes[i + 1..]),
    })
}

/// Whether `rest` (the bytes after an `&`) starts a terminated character reference:
/// `#digits;`, `#xhex;` or `name;` with an ASCII-alphanumeric name starting with a letter.
fn is_char_ref(rest: &[u8]) -> bool {
    // No real entity name or number is longer than this; bounding the scan keeps a pathological
    // run like `&aaaa…` from making detection quadratic.
    const MAX_REF: usize = 40;
    let (body, pred): (&[u8], fn(&u8) -> bool) = match rest {
        [b'#', b'x' | b'X', tail @ ..] => (tail, u8::is_ascii_hexdigit),
        [b'#', tail @ ..] => (tail, u8::is_ascii_digit),
        [first, ..] if first.is_ascii_alphabetic() => (rest, u8::is_ascii_alphanumeric),
        _ => return false,
    };
    let len = body.iter().take(MAX_REF).take_while(|b| pred(b)).count();
    len > 0 && body.get(len) == Some(&b';')
}

/// Plain text of an HTML or plain-text string.
///
/// For HTML (see [`looks_like_html`]): tags are removed, character references decoded once, the
/// content of `script`, `style`, `template`, `noscript`, `title`, `iframe`, `noembed`,
/// `noframes` and `head` dropped, and block elements (`p`, `div`, `br`, `li`, `h1`–`h6`,
/// `blockquote`, `tr`, `pre`, lists, tables, `hr`, `figure`, …) become paragraph breaks; table
/// cells are separated by a space. For plain text, blank lines separate paragraphs.
///
/// In both cases whitespace (including no-break and ideographic spaces) collapses to one space
/// within a paragraph, empty paragraphs are dropped, paragraphs are joined by two spaces, the
/// result has no leading or trailing whitespace, and characters XML 1.0 forbids are removed.
pub fn plain_text(input: &str) -> String {
    extract(input, usize::MAX)
}

/// Like [`plain_text`], but stops once more than `max_graphemes` plus a small margin of
/// graphemes have been collected, so a snippet of a long article costs about as much as its
/// first few hundred bytes.
///
/// The result is either the complete [`plain_text`], or a prefix of it long enough that
/// [`summarise`] cuts it exactly as it would cut the complete text.
pub fn plain_text_prefix(input: &str, max_graphemes: usize) -> String {
    extract(input, max_graphemes.saturating_add(PREFIX_MARGIN))
}

/// The related-reading snippet of `input` (HTML or plain text): its [`plain_text`], cut to at
/// most `max` grapheme clusters.
///
/// Text that fits (`max` graphemes or fewer) is returned unchanged, without `ellipsis`. Longer
/// text is cut after `max` graphemes, never inside a cluster (emoji ZWJ sequences, flags,
/// combining marks and Hangul syllables stay whole). When that cut would split a word of a
/// space-separated script, the cut moves back to the last whitespace within the final 20% of
/// `max`; if there is none the word is cut at `max`. CJK, kana, Hangul, Thai, Lao, Khmer and
/// similar text is cut exactly at `max`. Trailing whitespace, separator punctuation
/// (`, . ; : ! ? -`, `，。、；：！？…—·` and the like) and dangling opening brackets or quotes are
/// then removed, closing ones kept, and `ellipsis` appended.
pub fn summarise(input: &str, max: usize, ellipsis: &str) -> String {
    cut_plain(plain_text_prefix(input, max), max, ellipsis)
}

/// Cuts text that is already plain (for example a [`plain_text`] result) exactly as
/// [`summarise`] would, without looking for markup or changing whitespace. Use it to cut one
/// extracted text to several lengths: `summarise(html, n, e) == summarise_plain(&plain_text(html),
/// n, e)` for every input. (Passing `plain_text(html)` to [`summarise`] instead would treat it as
/// plain-text input again, collapsing the two-space paragraph joins to one space and decoding any
/// `&amp;`-style text a second time.)
pub fn summarise_plain(text: &str, max: usize, ellipsis: &str) -> String {
    cut_plain(text.to_owned(), max, ellipsis)
}

/// A plain-text single line for titles, author names and categories: HTML (see
/// [`looks_like_html`]) has its tags stripped and character references decoded once; all
/// whitespace, newlines included, collapses to single spaces; the result is trimmed and has no
/// characters XML 1.0 forbids.
pub fn plain_line(input: &str) -> String {
    if looks_like_html(input) {
        // plain_text already collapsed whitespace; only its two-space paragraph joins remain.
        collapse_whitespace(&plain_text(input))
    } else {
        collapse_whitespace(input)
    }
}

/// `s` without the characters XML 1.0 forbids (C0 controls other than tab, line feed and
/// carriage return; U+FFFE and U+FFFF) and without DEL and the C1 controls U+0080–U+009F, which
/// XML allows but which are never intended in feed text. Borrows when nothing needs removing.
pub fn strip_forbidden_chars(s: &str) -> Cow<'_, str> {
    // Byte scan for the exact encodings of forbidden characters: an ASCII control byte, C2 80-9F
    // (U+0080-U+009F) or EF BF BE/BF (U+FFFE/U+FFFF). CJK text is full of C2/EF lead bytes
    // (fullwidth punctuation starts with EF), so checking lead bytes alone would send most
    // Chinese text down the slow path; this runs on every emitted string.
    let bytes = s.as_bytes();
    let mut from = 0;
    let hit = loop {
        let Some(i) = next_suspect(bytes, from) else { break None };
        if forbidden_len(bytes, i) > 0 {
            break Some(i);
        }
        from = i + 1;
    };
    let Some(start) = hit else { return Cow::Borrowed(s) };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..start]);
    out.extend(s[start..].chars().filter(|&c| !is_forbidden_char(c)));
    Cow::Owned(out)
}

/// The length in bytes of the forbidden character ([`strip_forbidden_chars`])
/// that starts at `bytes[i]`, or 0 when none starts there.
#[inline]
pub(crate) fn forbidden_len(bytes: &[u8], i: usize) -> usize {
    match bytes[i] {
        0x09 | 0x0a | 0x0d => 0,
        0x00..0x20 | 0x7f => 1,
        0xc2 if bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)) => 2,
        0xef if bytes.get(i + 1) == Some(&0xbf)
            && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) =>
        {
            3
        }
        _ => 0,
    }
}

/// The index of the first byte at or after `from` for which `wanted` holds, or the length.
///
/// Markup-free runs of article text are long, and most of their bytes are in multi-byte
/// characters; testing a whole 16-byte block at once (a branch-free test the compiler turns
/// into vector compares, `wanted` being a few `==` joined with `|`) skips them several times
/// faster than a byte-by-byte search.
#[inline(always)]
pub(crate) fn find_byte(bytes: &[u8], mut from: usize, wanted: impl Fn(u8) -> bool) -> usize {
    const BLOCK: usize = 16;
    while let Some(block) = bytes.get(from..from + BLOCK) {
        if block.iter().fold(false, |found, &b| found | wanted(b)) {
            break;
        }
        from += BLOCK;
    }
    match bytes.get(from..).and_then(|rest| rest.iter().position(|&b| wanted(b))) {
        Some(at) => from + at,
        None => bytes.len(),
    }
}

/// The index of the first byte at or after `from` that may start a forbidden
/// character ([`SUSPECT`]). Clean 32-byte blocks are skipped with a
/// branch-free test the compiler turns into vector compares; only a block
/// that holds a suspect is searched byte by byte.
fn next_suspect(bytes: &[u8], mut from: usize) -> Option<usize> {
    const BLOCK: usize = 32;
    // Each block is read with one byte of lookahead, so the two-byte starts
    // of forbidden characters (C2 80-9F, EF BF) are told apart from the lead
    // bytes of ordinary text: CJK full-width punctuation starts with EF, and
    // flagging every EF sent most Chinese blocks down the byte-by-byte path.
    while from + BLOCK < bytes.len() {
        let block = &bytes[from..=from + BLOCK];
        let mut flagged = false;
        for pair in block.windows(2) {
            let (b, next) = (pair[0], pair[1]);
            flagged |= ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
                | (b == 0x7f)
                | ((b == 0xc2) & (next & 0xe0 == 0x80))
                | ((b == 0xef) & (next == 0xbf));
        }
        if flagged && let Some(p) = block[..BLOCK].iter().position(|&b| SUSPECT[usize::from(b)]) {
            return Some(from + p);
        }
        from += BLOCK;
    }
    bytes[from..].iter().position(|&b| SUSPECT[usize::from(b)]).map(|p| from + p)
}

/// Bytes that may start a forbidden character: C0 controls bar tab, LF and
/// CR; DEL; and the lead bytes of U+0080-U+009F (C2) and U+FFFE/U+FFFF (EF).
static SUSPECT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = !matches!(b, 0x09 | 0x0a | 0x0d);
        b += 1;
    }
    t[0x7f] = true;
    t[0xc2] = true;
    t[0xef] = true;
    t
};

/// Whether `c` is removed by [`strip_forbidden_chars`].
fn is_forbidden_char(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || c == '\u{fffe}'
        || c == '\u{ffff}'
}

/// Collapses every whitespace run to one space, trims, and removes forbidden characters.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|&c| !is_forbidden_char(c)));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

/// What separates the next piece of text from the text already written.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    Space,
    Paragraph,
}

/// The accumulating plain text. Whitespace and breaks are held in `gap` and only written when
/// more text follows, which is what makes the output of a truncated run a prefix of the output
/// of a full run (the property [`plain_text_prefix`] relies on).
struct TextBuf {
    out: String,
    gap: Gap,
    /// Number of chars in `out`: an upper bound on its graphemes, checked before counting them.
    chars: usize,
    /// Plain-text mode only: newlines in the current whitespace run, and whether the previous
    /// char was `\r` (so `\r\n` counts once, even across chunk boundaries).
    newlines: u32,
    after_cr: bool,
}

impl TextBuf {
    fn new(capacity: usize) -> Self {
        TextBuf {
            out: String::with_capacity(capacity),
            gap: Gap::None,
            chars: 0,
            newlines: 0,
            after_cr: false,
        }
    }

    fn request(&mut self, gap: Gap) {
        self.gap = self.gap.max(gap);
    }

    /// Appends text in which whitespace is insignificant (HTML text content).
    fn push_html_text(&mut self, text: &str) {
        for c in text.chars() {
            if is_forbidden_char(c) {
                // Checked first: U+0085 is both whitespace and forbidden, and goes entirely.
                continue;
            }
            if c.is_whitespace() {
                self.request(Gap::Space);
            } else {
                self.push_visible(c);
            }
        }
    }

    /// Appends plain text, where a whitespace run holding two or more line breaks is a
    /// paragraph break.
    fn push_plain_text(&mut self, text: &str) {
        // Runs without a byte that may start whitespace or a forbidden
        // character are appended whole: char by char, this was most of the
        // time spent on summaries.
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let end = find_byte(bytes, at, |b| {
                (b < 0x21)
                    | (b == 0x7f)
                    | (b == 0xc2)
                    | (b == 0xe1)
                    | (b == 0xe2)
                    | (b == 0xe3)
                    | (b == 0xef)
            });
            if end > at {
                // A run of visible characters: what `push_plain_char` does
                // for its first one, then the rest as they are.
                let run = &text[at..end];
                if self.newlines >= 2 {
                    self.request(Gap::Paragraph);
                }
                self.newlines = 0;
                self.after_cr = false;
                let mut chars = run.chars();
                if let Some(first) = chars.next() {
                    self.push_visible(first);
                    let rest = chars.as_str();
                    self.out.push_str(rest);
                    self.chars += rest.bytes().filter(|&b| (b as i8) >= -0x40).count();
                }
                at = end;
            }
            if let Some(c) = text[at..].chars().next() {
                self.push_plain_char(c);
                at += c.len_utf8();
            }
        }
    }

    /// [`TextBuf::push_plain_text`] for one character.
    fn push_plain_char(&mut self, c: char) {
        match c {
            c if is_forbidden_char(c) => return,
            '\r' => {
                self.newlines += 1;
                self.after_cr = true;
                self.request(Gap::Space);
                return;
            }
            '\n' => {
                if !self.after_cr {
                    self.newlines += 1;
                }
                self.request(Gap::Space);
            }
            c if c.is_whitespace() => self.request(Gap::Space),
            c => {
                if self.newlines >= 2 {
                    self.request(Gap::Paragraph);
                }
                self.newlines = 0;
                self.push_visible(c);
            }
        }
        self.after_cr = false;
    }

    fn push_visible(&mut self, c: char) {
        if is_forbidden_char(c) {
            return;
        }
        // Leading gaps are dropped: there is nothing to separate yet.
        if !self.out.is_empty() {
            match self.gap {
                Gap::None => {}
                Gap::Space => {
                    self.out.push(' ');
                    self.chars += 1;
                }
                Gap::Paragraph => {
                    self.out.push_str("  ");
                    self.chars += 2;
                }
            }
        }
        self.gap = Gap::None;
        self.out.push(c);
        self.chars += 1;
    }

    /// Whether more than `limit` graphemes have been collected.
    fn has_more_than(&self, limit: usize) -> bool {
        // Graphemes never outnumber chars, so the char count rules most calls out for free.
        self.chars > limit && grapheme_count(&self.out) > limit
    }
}

/// Tokenizer state beyond the text itself.
struct HtmlState {
    text: TextBuf,
    /// Inside an element whose raw-text content is dropped (`script`, `style`, `title`, …). The
    /// tokenizer only leaves raw-text mode on the matching end tag, so the next end tag ends it.
    in_dropped_raw: bool,
    /// Depth of open `template` elements; their content is inert in a browser, so it is dropped.
    template_depth: u32,
    /// Between `<head>` and the point where a browser would leave the head.
    in_head: bool,
}

/// The html5ever token sink. html5ever 0.40 calls `process_token` through `&self`, hence the
/// `RefCell`; the tokenizer never re-enters the sink, so the borrow cannot conflict.
struct Extractor {
    state: RefCell<HtmlState>,
}

impl TokenSink for Extractor {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let mut st = self.state.borrow_mut();
        match token {
            Token::CharacterTokens(t) => st.characters(&t),
            Token::TagToken(tag) => return st.tag(&tag),
            // Comments, doctypes, NUL characters, parse errors and EOF carry no text.
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

impl HtmlState {
    fn characters(&mut self, t: &str) {
        if self.in_dropped_raw || self.template_depth > 0 {
            return;
        }
        if self.in_head {
            // As in a browser, stray text in the head ends the head and is shown.
            if t.chars().all(char::is_whitespace) {
                return;
            }
            self.in_head = false;
        }
        self.text.push_html_text(t);
    }

    fn tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        match tag.kind {
            TagKind::StartTag => {
                if self.in_head && !is_head_content(name) {
                    self.in_head = false;
                }
                // The tokenizer alone does not know which elements hold raw text: in a full
                // parser the tree builder switches its state, so this sink does it instead.
                // Without this, `<script>if (a<b) …` would be tokenized as markup and its code
                // would leak into the text.
                match name {
                    "script" => {
                        self.in_dropped_raw = true;
                        return TokenSinkResult::RawData(RawKind::ScriptData);
                    }
                    // noscript is raw text because browsers parse it with scripting enabled.
                    "style" | "noscript" | "iframe" | "noembed" | "noframes" => {
                        self.in_dropped_raw = true;
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    "title" => {
                        self.in_dropped_raw = true;
                        return TokenSinkResult::RawData(RawKind::Rcdata);
                    }
                    "textarea" => {
                        self.text.request(Gap::Paragraph);
                        return TokenSinkResult::RawData(RawKind::Rcdata);
                    }
                    "xmp" => {
                        self.text.request(Gap::Paragraph);
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    "plaintext" => {
                        self.text.request(Gap::Paragraph);
                        return TokenSinkResult::Plaintext;
                    }
                    "template" => self.template_depth = self.template_depth.saturating_add(1),
                    "head" => self.in_head = true,
                    _ => self.boundary(name),
                }
            }
            TagKind::EndTag => {
                self.in_dropped_raw = false;
                match name {
                    "template" => self.template_depth = self.template_depth.saturating_sub(1),
                    "head" => self.in_head = false,
                    _ => self.boundary(name),
                }
            }
        }
        TokenSinkResult::Continue
    }

    /// Records the separation an element's start or end implies.
    fn boundary(&mut self, name: &str) {
        if is_block(name) {
            self.text.request(Gap::Paragraph);
        } else if matches!(name, "td" | "th") {
            self.text.request(Gap::Space);
        }
    }
}

/// Elements that may appear in a document head without closing it.
fn is_head_content(name: &str) -> bool {
    matches!(
        name,
        "meta"
            | "link"
            | "title"
            | "base"
            | "style"
            | "script"
            | "noscript"
            | "template"
            | "basefont"
            | "bgsound"
    )
}

/// Elements whose start and end separate paragraphs.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "br"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "listing"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Extracts plain text, stopping once more than `limit` graphemes have been collected
/// (`usize::MAX`: never stop early).
fn extract(input: &str, limit: usize) -> String {
    let capacity =
        if limit == usize::MAX { input.len() } else { input.len().min(limit.saturating_mul(4)) };
    if !looks_like_html(input) {
        let mut buf = TextBuf::new(capacity);
        if limit == usize::MAX {
            buf.push_plain_text(input);
        } else {
            for chunk in chunks(input, prefix_chunk(limit)) {
                buf.push_plain_text(chunk);
                if buf.has_more_than(limit) {
                    break;
                }
            }
        }
        return buf.out;
    }

    let sink = Extractor {
        state: RefCell::new(HtmlState {
            text: TextBuf::new(capacity),
            in_dropped_raw: false,
            template_depth: 0,
            in_head: false,
        }),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let queue = BufferQueue::default();
    // The whole input in one go when no early stop is possible; otherwise small chunks, checking
    // the collected length in between. The tokenizer keeps any incomplete tag or character
    // reference at a chunk end in the queue and finishes it when the next chunk arrives.
    let step = if limit == usize::MAX { input.len().max(1) } else { prefix_chunk(limit) };
    for chunk in chunks(input, step) {
        queue.push_back(StrTendril::from_slice(chunk));
        feed_all(&tokenizer, &queue);
        if tokenizer.sink.state.borrow().text.has_more_than(limit) {
            // Enough text: what was collected is a prefix of the full result. Skipping
            // `end()` is fine, it would only flush text after this point.
            return tokenizer.sink.state.into_inner().text.out;
        }
    }
    tokenizer.end();
    tokenizer.sink.state.into_inner().text.out
}

/// Runs the tokenizer over everything queued.
fn feed_all(tokenizer: &Tokenizer<Extractor>, queue: &BufferQueue) {
    // This sink never asks for script execution or reports an encoding, so `feed` returns
    // `Done` the first time; the loop only guards against that changing in a future html5ever.
    while !matches!(tokenizer.feed(queue), TokenizerResult::Done) {}
}

/// Splits `s` into pieces of about `size` bytes, each ending on a char boundary.
fn chunks(s: &str, size: usize) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = size.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (head, tail) = rest.split_at(end);
        rest = tail;
        Some(head)
    })
}

// ---------------------------------------------------------------------------------------------
// Cutting
// ---------------------------------------------------------------------------------------------

/// The number of grapheme clusters in `s`.
fn grapheme_count(s: &str) -> usize {
    if is_simple_text(s) { s.chars().count() } else { s.graphemes(true).count() }
}

/// Whether every character of `s` is a grapheme cluster of its own whatever
/// its neighbours ([`is_simple_char`]), so chars and clusters coincide.
fn is_simple_text(s: &str) -> bool {
    s.chars().all(is_simple_char)
}

/// Characters whose Grapheme_Cluster_Break property is Control, LF or Other
/// (not CR, Extend, ZWJ, SpacingMark, Prepend, Regional_Indicator or a
/// Hangul jamo) and which take no part in Indic conjuncts: no segmentation
/// rule joins them to a neighbour (UAX #29 GB4-GB13). Precomposed Hangul
/// syllables (LV/LVT) only join following jamo, which are not in this set.
/// The ranges cover the scripts feeds are mostly written in; anything else
/// takes the full rules.
fn is_simple_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | ' '..='~'
        | '\u{a0}'..='\u{ac}' | '\u{ae}'..='\u{24f}'
        | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}'
        | '\u{3000}'..='\u{3029}' | '\u{3030}'..='\u{3096}' | '\u{309b}'..='\u{30ff}'
        | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7a3}'
        | '\u{ff01}'..='\u{ff9d}')
}

/// Cuts plain text as described on [`summarise`].
fn cut_plain(text: String, max: usize, ellipsis: &str) -> String {
    // Graphemes never outnumber chars, so text of at most `max` chars fits; counting chars is
    // much cheaper than walking clusters, and most summaries given with a record are short.
    if text.chars().count() <= max {
        return text;
    }
    // The cut may move back to whitespace at grapheme index >= window_start (final 20%).
    let window_start = max - max / 5;
    let mut last_space = None;
    let mut before: Option<&str> = None;
    let mut cut = None;
    // Most snippets hold only characters that are clusters by themselves;
    // walking chars then gives the same cuts as the full segmentation rules.
    let clusters: Box<dyn Iterator<Item = (usize, &str)>> = if is_simple_text(&text) {
        Box::new(text.char_indices().map(|(i, c)| (i, &text[i..i + c.len_utf8()])))
    } else {
        Box::new(text.grapheme_indices(true))
    };
    for (index, (offset, g)) in clusters.enumerate() {
        if index == max {
            cut = Some((offset, g));
            break;
        }
        if index >= window_start && is_space(g) {
            last_space = Some(offset);
        }
        before = Some(g);
    }
    // Fewer than max + 1 graphemes: the text fits.
    let Some((mut end, after)) = cut else { return text };

    let splits_word = before.is_some_and(is_word_grapheme) && is_word_grapheme(after);
    // A word of a space-separated script would be split. A word longer than the window is cut
    // at `max` anyway: keeping part of it beats dropping up to 20% of the snippet.
    if let (true, Some(space)) = (splits_word, last_space) {
        end = space;
    }

    let kept = trim_dangling(&text[..end]);
    let mut out = String::with_capacity(kept.len() + ellipsis.len());
    out.push_str(kept);
    out.push_str(ellipsis);
    out
}

/// Removes trailing whitespace, separator punctuation and opening brackets/quotes, a grapheme
/// at a time so a cluster is never broken.
fn trim_dangling(mut s: &str) -> &str {
    while let Some(g) = s.graphemes(true).next_back() {
        let mut chars = g.chars();
        let removable = match (chars.next(), chars.next()) {
            (Some(c), None) => c.is_whitespace() || is_trailing_separator(c),
            _ => is_space(g),
        };
        if !removable {
            break;
        }
        s = &s[..s.len() - g.len()];
    }
    s
}

/// Punctuation that reads badly right before an ellipsis: separators and opening brackets.
/// Closing brackets and quotes stay, they finish something. ASCII quotes `"` and `'` are
/// ambiguous (opening or closing) and stay too.
fn is_trailing_separator(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '-'
            | '–'
            | '—'
            | '…'
            | '·'
            | '，'
            | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '・'
            | '･'
            | '¡'
            | '¿'
            | '('
            | '['
            | '{'
            | '“'
            | '‘'
            | '「'
            | '『'
            | '《'
            | '〈'
            | '（'
            | '【'
            | '〔'
            | '［'
            | '｛'
    )
}

fn is_space(g: &str) -> bool {
    g.chars().all(char::is_whitespace)
}

/// Whether a grapheme belongs to a word of a script that separates words with spaces.
fn is_word_grapheme(g: &str) -> bool {
    g.chars().next().is_some_and(|c| c.is_alphanumeric() && !is_unspaced_script(c))
}

/// Scripts written without spaces between words (plus Hangul, whose syllable blocks are cut
/// like CJK for snippets): a cut anywhere between clusters is acceptable there.
fn is_unspaced_script(c: char) -> bool {
    matches!(
        u32::from(c),
        0x0E00..=0x0EFF // Thai, Lao
            | 0x0F00..=0x0FFF // Tibetan
            | 0x1000..=0x109F // Myanmar
            | 0x1100..=0x11FF // Hangul Jamo
            | 0x1780..=0x17FF // Khmer
            | 0x19E0..=0x19FF // Khmer symbols
            | 0x2E80..=0x2FDF // CJK and Kangxi radicals
            | 0x2FF0..=0x303F // ideographic description, CJK symbols and punctuation
            | 0x3040..=0x33FF // kana, Bopomofo, Hangul compatibility Jamo, enclosed CJK, compat
            | 0x3400..=0x4DBF // CJK extension A
            | 0x4E00..=0x9FFF // CJK unified ideographs
            | 0xA000..=0xA4CF // Yi
            | 0xA960..=0xA97F // Hangul Jamo extended A
            | 0xAC00..=0xD7FF // Hangul syllables, Jamo extended B
            | 0xF900..=0xFAFF // CJK compatibility ideographs
            | 0xFE30..=0xFE4F // CJK compatibility forms
            | 0xFF00..=0xFFEF // half-width and full-width forms
            | 0x1B000..=0x1B16F // kana supplement and extensions
            | 0x20000..=0x3FFFF // CJK extensions B onwards
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `push_plain_text` as it was, a character at a time: the oracle for
    /// the run-at-a-time version.
    fn plain_by_char(parts: &[&str]) -> (String, usize) {
        let mut buf = TextBuf::new(0);
        for part in parts {
            for c in part.chars() {
                buf.push_plain_char(c);
            }
        }
        (buf.out, buf.chars)
    }

    #[test]
    fn plain_text_by_runs_is_plain_text_by_characters() {
        let pieces = [
            "a",
            "中文",
            "。",
            "，",
            " ",
            "\n",
            "\r",
            "\r\n",
            "\t",
            "\u{a0}",
            "\u{3000}",
            "\u{2028}",
            "\u{85}",
            "\u{1}",
            "\u{7f}",
            "\u{9f}",
            "\u{fffe}",
            "\u{ffff}",
            "é",
            "\u{1680}",
            "\u{205f}",
            "\u{2009}",
            "\u{202f}",
            "👩‍👩‍👧",
            "\u{e000}",
            "\u{ef}x",
            "Ⅻ",
            "\u{c0}",
        ];
        let mut state: u64 = 7;
        for _ in 0..20_000 {
            let mut parts = Vec::new();
            let n = (state % 5) as usize + 1;
            for _ in 0..n {
                let mut text = String::new();
                for _ in 0..(state % 9) {
                    state =
                        state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
                }
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                parts.push(text);
            }
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            let mut buf = TextBuf::new(0);
            for part in &parts {
                buf.push_plain_text(part);
            }
            assert_eq!((buf.out, buf.chars), plain_by_char(&parts), "{parts:?}");
        }
    }

    const FAMILY: &str = "👨\u{200d}👩\u{200d}👧\u{200d}👦";

    // ---- looks_like_html ------------------------------------------------------------------

    #[test]
    fn detects_html() {
        for s in [
            "<p>x</p>",
            "a<b>c",
            "</div>",
            "<!-- c -->",
            "<!DOCTYPE html>",
            "R&amp;D",
            "&#233;",
            "&#x4e2d;",
            "&#X4E2D;",
            "x &nbsp; y",
        ] {
            assert!(looks_like_html(s), "{s:?}");
        }
    }

    #[test]
    fn detects_plain_text() {
        for s in [
            "",
            "plain",
            "a < b",
            "1<2",
            "<3 you",
            "AT&T",
            "fish & chips",
            "&;",
            "&#;",
            "&#x;",
            "&#12a;",
            "&amp",
            "trailing <",
            "trailing &",
            "&1abc;",
        ] {
            assert!(!looks_like_html(s), "{s:?}");
        }
    }

    // ---- plain_text --------------------------------------------------------------------------

    #[test]
    fn decodes_entities_once() {
        assert_eq!(plain_text("a &amp; b &lt;c&gt;"), "a & b <c>");
        assert_eq!(plain_text("x&nbsp;y"), "x y");
        assert_eq!(plain_text("&#x4e2d;&#25991;"), "中文");
        assert_eq!(plain_text("&copy; 2025"), "© 2025");
        assert_eq!(plain_text("&amp;lt;"), "&lt;");
        assert_eq!(plain_text("<p>&lt;b&gt;bold&lt;/b&gt;</p>"), "<b>bold</b>");
    }

    #[test]
    fn nested_blocks_become_paragraphs() {
        assert_eq!(plain_text("<div><p>a</p><ul><li>b</li><li>c</li></ul></div>"), "a  b  c");
        assert_eq!(plain_text("<h1>Title</h1>Body <em>text</em>."), "Title  Body text.");
        assert_eq!(plain_text("<p>one</p>\n\n<p>two</p>"), "one  two");
        assert_eq!(
            plain_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"),
            "a b  c"
        );
        assert_eq!(plain_text("a<hr>b<blockquote>c</blockquote>d"), "a  b  c  d");
    }

    #[test]
    fn br_is_a_paragraph_break() {
        assert_eq!(plain_text("line one<br>line two<br/>three"), "line one  line two  three");
        assert_eq!(plain_text("a<br><br><br>b"), "a  b");
    }

    #[test]
    fn inline_elements_do_not_separate() {
        assert_eq!(plain_text("un<b>believ</b>able"), "unbelievable");
        assert_eq!(plain_text("<a href=\"x\">link</a>, then"), "link, then");
    }

    #[test]
    fn whitespace_collapses_and_empty_paragraphs_drop() {
        assert_eq!(plain_text("<p>  a \n\t b  </p><p> </p><p></p><div>\n</div><p>c</p>"), "a b  c");
        assert_eq!(plain_text("<p>\u{3000}全角&nbsp;&nbsp;空白</p>"), "全角 空白");
    }

    #[test]
    fn drops_script_style_and_friends() {
        let html = "<head><title>T</title><style>p{color:red}</style><meta charset=utf-8></head>\
                    <body><p>a</p><script>if (a<b) { x = '</p>' }</script>\
                    <noscript><p>enable js</p></noscript><template><p>tpl</p></template>\
                    <style>.x{}</style><p>b</p><iframe><p>f</p></iframe></body>";
        assert_eq!(plain_text(html), "a  b");
        assert_eq!(plain_text("x<script>document.write('<p>y')</script>z"), "xz");
        assert_eq!(plain_text("<template><template>a</template>b</template>c"), "c");
    }

    #[test]
    fn text_in_head_ends_the_head() {
        assert_eq!(plain_text("<head><title>t</title>shown<p>p</p>"), "shown  p");
        assert_eq!(plain_text("<head><meta charset=utf-8><div>d</div>"), "d");
    }

    #[test]
    fn raw_text_elements_keep_their_text() {
        assert_eq!(plain_text("<textarea><b>x</b></textarea>"), "<b>x</b>");
        assert_eq!(plain_text("<p>a</p><plaintext><p>b"), "a  <p>b");
    }

    #[test]
    fn comments_and_doctype_are_ignored() {
        assert_eq!(plain_text("<!DOCTYPE html><!-- hidden -->a<!-- <p>x</p> -->b"), "ab");
        assert_eq!(plain_text("a<![CDATA[x]]>b"), "ab");
    }

    #[test]
    fn plain_input_uses_blank_lines() {
        assert_eq!(
            plain_text("First  para\nstill first.\n\n  Second\r\n\r\nThird\n \n\n\nFourth"),
            "First para still first.  Second  Third  Fourth"
        );
        assert_eq!(plain_text("a\r\nb"), "a b");
        assert_eq!(plain_text("a\r\rb"), "a  b");
        assert_eq!(plain_text("  \n\n  "), "");
        assert_eq!(plain_text(""), "");
    }

    #[test]
    fn forbidden_chars_removed_from_text() {
        assert_eq!(plain_text("a\u{1}b\u{85}c"), "abc");
        assert_eq!(plain_text("<p>a&#1;b\u{7f}c</p>"), "abc");
        assert_eq!(plain_text("<p>a\0b</p>"), "ab");
    }

    #[test]
    fn odd_markup_is_handled_like_a_browser() {
        assert_eq!(plain_text("<p>unclosed <b>bold"), "unclosed bold");
        assert_eq!(plain_text("a <b"), "a");
        assert_eq!(plain_text("<p title='x>y'>t</p>"), "t");
        assert_eq!(plain_text("a &amp b <i>c</i>"), "a & b c");
        assert_eq!(plain_text("<P>A</P><DIV>B</DIV>"), "A  B");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 60_000;
        let html = format!("{}deep{}", "<div><span>".repeat(depth), "</span></div>".repeat(depth));
        assert_eq!(plain_text(&html), "deep");
        assert_eq!(summarise(&html, 2, "…"), "de…");
        let unclosed = "<b>".repeat(depth) + "x";
        assert_eq!(plain_text(&unclosed), "x");
    }

    // ---- plain_line / strip_forbidden_chars --------------------------------------------------

    #[test]
    fn plain_line_flattens() {
        assert_eq!(plain_line("  Hello\n  <b>World</b> &amp; co  "), "Hello World & co");
        assert_eq!(plain_line("<p>a</p><p>b</p>"), "a b");
        assert_eq!(plain_line("Tom & Jerry <3\r\n"), "Tom & Jerry <3");
        assert_eq!(plain_line("a\u{0}b\u{1b}c\u{ffff}"), "abc");
        assert_eq!(plain_line("&amp;lt;tag&amp;gt;"), "&lt;tag&gt;");
        assert_eq!(plain_line(""), "");
    }

    #[test]
    fn strip_forbidden_borrows_when_clean() {
        assert!(matches!(strip_forbidden_chars("plain ascii\t\n\r"), Cow::Borrowed(_)));
        // Non-ASCII chars that share the pre-scan lead bytes are still clean.
        assert!(matches!(strip_forbidden_chars("é ¢ \u{fff0} ｱ"), Cow::Borrowed(_)));
        assert_eq!(strip_forbidden_chars("a\u{0}b\u{8}c\u{b}d\u{1f}e"), "abcde");
        assert_eq!(strip_forbidden_chars("x\u{7f}\u{80}\u{9f}\u{a0}y"), "x\u{a0}y");
        assert_eq!(strip_forbidden_chars("\u{fffe}中\u{ffff}\u{fffd}"), "中\u{fffd}");
        assert!(matches!(strip_forbidden_chars("a\u{1}"), Cow::Owned(_)));
    }

    #[test]
    fn strip_forbidden_finds_every_forbidden_char_at_every_offset() {
        // Block boundaries (32 bytes) must not hide a character whose first
        // byte ends one block and whose second starts the next.
        let fillers = ["a", "中", "，", "\u{ff01}", "é", "\u{a0}", "\u{ffc0}"];
        let bad = ['\u{1}', '\u{7f}', '\u{80}', '\u{9f}', '\u{fffe}', '\u{ffff}'];
        for filler in fillers {
            for &b in &bad {
                for at in 0..80 {
                    let mut s = filler.repeat(at);
                    s.push(b);
                    s.push_str(&filler.repeat(40));
                    let naive: String = s.chars().filter(|&c| !is_forbidden_char(c)).collect();
                    assert_eq!(strip_forbidden_chars(&s), naive, "{filler:?} {b:?} at {at}");
                }
            }
            let clean = filler.repeat(100);
            assert!(matches!(strip_forbidden_chars(&clean), Cow::Borrowed(_)), "{filler:?}");
        }
    }

    #[test]
    fn simple_chars_are_clusters_of_their_own_next_to_anything() {
        // The segmentation rules look at pairs of property values; these
        // neighbours have every value a simple char can have (Other, Control,
        // LF, LV, LVT).
        let neighbours = ["a", " ", "\n", "\t", "中", "가", "각", "ｱ", "\u{2014}"];
        let mut checked = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32).filter(|&c| is_simple_char(c)) {
            for n in neighbours {
                assert_eq!(format!("{c}{n}").graphemes(true).count(), 2, "{c:?} then {n:?}");
                assert_eq!(format!("{n}{c}").graphemes(true).count(), 2, "{n:?} then {c:?}");
            }
            assert_eq!(format!("{c}{c}").graphemes(true).count(), 2, "{c:?} twice");
            checked += 1;
        }
        assert!(checked > 39_000, "{checked}");
    }

    #[test]
    fn the_char_path_cuts_like_the_grapheme_path() {
        let texts = [
            "中文摘要，测试文本需要在这里截断而不是更晚。",
            "Plain ascii words that go on and on here",
            "한국어 문장도 함께 처리됩니다 그리고 더",
            "かなカナ漢字テキスト「引用」…—",
            "mixed 中文 and English, with “quotes” — and · dots",
        ];
        for text in texts {
            assert!(is_simple_text(text), "{text}");
            for max in 1..40 {
                // Appending a combining mark at the end forces the grapheme
                // path without changing any cut before it.
                let forced = format!("{text}\u{301}");
                let fast = cut_plain(text.to_owned(), max, "...");
                let slow = cut_plain(forced.clone(), max, "...");
                if text.chars().count() > max {
                    assert_eq!(fast, slow, "{text} at {max}");
                }
            }
        }
    }

    // ---- summarise ---------------------------------------------------------------------------

    #[test]
    fn cjk_cut_exactly_at_max() {
        let text = "中文摘要测试文本需要在这里截断而不是更晚";
        assert_eq!(summarise(text, 5, "…"), "中文摘要测…");
        assert_eq!(summarise(text, 8, "..."), "中文摘要测试文本...");
        assert_eq!(summarise("かなカナ漢字テキスト", 4, "…"), "かなカナ…");
        assert_eq!(summarise("한국어텍스트입니다", 3, "…"), "한국어…");
    }

    #[test]
    fn zwj_family_is_never_split() {
        let text = format!("{FAMILY}{FAMILY}{FAMILY}");
        assert_eq!(summarise(&text, 2, "…"), format!("{FAMILY}{FAMILY}…"));
        assert_eq!(summarise(&text, 3, "…"), text);
        let flags = "🇯🇵🇫🇷🇩🇪";
        assert_eq!(summarise(flags, 1, "…"), "🇯🇵…");
    }

    #[test]
    fn combining_marks_are_never_split() {
        let text = "e\u{301}e\u{301}e\u{301}e\u{301}";
        assert_eq!(summarise(text, 2, "…"), "e\u{301}e\u{301}…");
        assert_eq!(summarise("ก\u{e34}นข\u{e49}าว", 2, "…"), "ก\u{e34}น…");
    }

    #[test]
    fn latin_cut_at_word_boundary() {
        let text = "The quick brown fox jumps over the lazy dog";
        // 20 graphemes end inside "jumps"; the space before it is in the final 20%.
        assert_eq!(summarise(text, 22, "…"), "The quick brown fox…");
        assert_eq!(summarise(text, 19, "…"), "The quick brown fox…");
        assert_eq!(summarise(text, 20, "…"), "The quick brown fox…");
        assert_eq!(summarise("Grüße aus München und Köln", 20, "…"), "Grüße aus München…");
    }

    #[test]
    fn long_latin_word_cut_at_max() {
        let text = "Supercalifragilisticexpialidocious is long";
        assert_eq!(summarise(text, 10, "…"), "Supercalif…");
        // A space exists, but outside the final 20% (index 2 < 10 - 2).
        assert_eq!(summarise("An extraordinarily long word", 10, "…"), "An extraor…");
    }

    #[test]
    fn exact_fit_has_no_ellipsis() {
        assert_eq!(summarise("12345", 5, "…"), "12345");
        assert_eq!(summarise("中文摘要", 4, "…"), "中文摘要");
        assert_eq!(summarise("Ends with a comma,", 18, "…"), "Ends with a comma,");
        assert_eq!(summarise("<p>ab</p><p>cd</p>", 6, "…"), "ab  cd");
        assert_eq!(summarise("", 3, "…"), "");
    }

    #[test]
    fn trailing_separators_trimmed_before_ellipsis() {
        assert_eq!(summarise("今天天气很好，我们去公园", 6, "…"), "今天天气很好…");
        assert_eq!(summarise("今天天气很好，我们去公园", 7, "…"), "今天天气很好…");
        assert_eq!(summarise("Hello, world", 7, "…"), "Hello…");
        assert_eq!(summarise("Hello, world and more", 6, "…"), "Hello…");
        assert_eq!(summarise("Wait... what? Really", 7, "…"), "Wait…");
        assert_eq!(summarise("他说：「你好」世界", 4, "…"), "他说…");
        assert_eq!(summarise("他说：「你好」世界", 7, "…"), "他说：「你好」…");
        assert_eq!(summarise("see (the note) here", 5, "…"), "see…");
        assert_eq!(summarise("see (the note) here", 14, "…"), "see (the note)…");
        assert_eq!(summarise("a — b", 3, "…"), "a…");
    }

    #[test]
    fn max_zero_and_ellipsis_variants() {
        assert_eq!(summarise("abc", 0, "…"), "…");
        assert_eq!(summarise("abc def", 4, ""), "abc");
        assert_eq!(summarise("abcdef", 3, " [more]"), "abc [more]");
    }

    #[test]
    fn summarise_html_keeps_paragraph_gap() {
        let html = "<p>First paragraph.</p><p>Second one is longer than that.</p>";
        assert_eq!(summarise(html, 30, "…"), "First paragraph.  Second one…");
        assert_eq!(summarise(html, 17, "…"), "First paragraph…");
    }

    fn long_inputs() -> Vec<String> {
        let para = "<p>Lorem ipsum <b>dolor</b> sit amet, consectetur adipiscing elit. \
                    Integer &amp; nec odio. Praesent libero.</p>";
        let cjk = "<p>北京时间今天上午，新一代的航天器<em>成功</em>发射。这是一次重要的任务，\
                   标志着我国航天事业的新进展。</p>";
        vec![
            para.repeat(40),
            cjk.repeat(40),
            format!("{}{}", FAMILY.repeat(300), para.repeat(5)),
            "e\u{301}".repeat(900),
            "word ".repeat(600),
            "Plain text paragraph one.\n\nParagraph two, which goes on.\n".repeat(50),
            format!("<div>{}</div>", "x&nbsp;y&#x4e2d; ".repeat(400)),
            format!("<p>{}</p>", "a".repeat(3000)),
            format!("<script>{}</script><p>{}</p>", "var x = 1;".repeat(200), "tail ".repeat(200)),
            "<ul>".to_string() + &"<li>item</li>".repeat(500) + "</ul>",
            // A character reference straddling a chunk boundary.
            format!("{}&amp;{}", "z".repeat(PREFIX_CHUNK_MIN - 2), " q".repeat(400)),
            format!("{}&amp;{}", "z".repeat(PREFIX_CHUNK_MAX - 3), " q".repeat(900)),
            format!("<p>{}</p>", "🇯🇵".repeat(500)),
        ]
    }

    #[test]
    fn prefix_extraction_is_exact() {
        let mut inputs = long_inputs();
        inputs.extend(["short", "<p>short</p>", "", "a  b"].map(String::from));
        for input in &inputs {
            let full = plain_text(input);
            for max in [0, 1, 2, 5, 9, 10, 37, 50, 64, 99, 100, 150, 200, 280, 511, 1000, 5000] {
                let prefix = plain_text_prefix(input, max);
                assert!(full.starts_with(&prefix), "prefix property for max {max}: {input:?}");
                assert_eq!(
                    summarise(input, max, "…"),
                    cut_plain(full.clone(), max, "…"),
                    "max {max}: {input:?}"
                );
            }
        }
    }

    #[test]
    fn summarise_html_equals_summarise_of_plain_text() {
        for input in long_inputs() {
            let text = plain_text(&input);
            for max in [1, 7, 20, 100, 200, 300] {
                let expected = summarise_plain(&text, max, "…");
                assert_eq!(summarise(&input, max, "…"), expected, "{max}: {input:?}");
                // Through the public plain-text path too, where that path leaves the text as
                // it is: one paragraph, and nothing that reads as markup.
                if !text.contains("  ") && !looks_like_html(&text) {
                    assert_eq!(summarise(&text, max, "…"), expected, "{max}: {input:?}");
                }
            }
        }
        let html = "<p>One.</p><p>Two and three.</p>";
        assert_eq!(summarise(html, 10, "…"), "One.  Two…");
        assert_eq!(summarise_plain(&plain_text(html), 10, "…"), "One.  Two…");
        // Plain-text input collapses the paragraph join, so this differs by design.
        assert_eq!(summarise(&plain_text(html), 10, "…"), "One. Two…");
    }

    #[test]
    fn prefix_stops_early() {
        let input = "<p>word </p>".repeat(10_000);
        let prefix = plain_text_prefix(&input, 100);
        assert!(prefix.len() < 2 * PREFIX_CHUNK_MAX, "{}", prefix.len());
        assert!(prefix.graphemes(true).count() > 100);
    }

    #[test]
    #[ignore = "timing; run with --ignored --nocapture"]
    fn time_summarise_2kb_article() {
        let article = "<article><h2>Markets rally as inflation cools</h2>\
            <p>Stocks rose on <a href=\"/markets\">Wall Street</a> on Tuesday after new figures \
            showed that consumer prices grew more slowly than expected in March, raising hopes \
            that the central bank could begin cutting interest rates &ndash; perhaps as early \
            as this summer.</p>\
            <p>The benchmark index gained 1.2%, its best day in a month, while bond yields \
            fell sharply. &ldquo;This is the report the market was waiting for,&rdquo; said one \
            strategist, noting that shelter costs, long the stickiest component, had finally \
            started to ease.</p><figure><img src=\"chart.png\" alt=\"chart\"><figcaption>\
            Prices over the past year</figcaption></figure>\
            <p>Not everyone was convinced. Several analysts cautioned that a single month of \
            data was not enough to declare victory, and that energy prices could still push \
            headline inflation higher in the months ahead. Others pointed to the strength of \
            the labour market, where wages are still rising faster than before the pandemic.</p>\
            <ul><li>Core prices: +0.2% on the month</li><li>Energy: &minus;1.1%</li>\
            <li>Food: +0.1%</li></ul><p>Officials will meet again in six weeks; futures \
            markets now price in two cuts before the end of the year.</p>\
            <h3>What it means for borrowers</h3><p>Mortgage rates, which track long-term \
            bond yields, dipped to their lowest level since February. Lenders said enquiries \
            had picked up within hours of the release, although most buyers are still waiting \
            for clearer signs before committing. <em>Credit-card</em> rates, by contrast, tend \
            to follow the policy rate itself and are unlikely to move until officials act.</p>\
            <blockquote><p>&ldquo;One good month does not make a trend,&rdquo; a former \
            official wrote in a note to clients, &ldquo;but it is a start.&rdquo;</p>\
            </blockquote><p>The next inflation report is due on the 14th.</p></article>";
        assert!((1800..2600).contains(&article.len()), "{}", article.len());
        let iterations = 20_000;
        for (label, max) in [("summarise(200)", 200), ("summarise(50)", 50)] {
            let start = std::time::Instant::now();
            let mut total = 0;
            for _ in 0..iterations {
                total += summarise(std::hint::black_box(article), max, "…").len();
            }
            let per = start.elapsed() / iterations;
            println!("{label}: {per:?} per call ({} bytes in, {total} total out)", article.len());
        }
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(plain_text(std::hint::black_box(article)));
        }
        println!("plain_text (full): {:?} per call", start.elapsed() / iterations);
    }
}
