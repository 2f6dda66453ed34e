//! Content HTML for feeds: the body that goes into RSS `content:encoded`, Atom `content` and
//! JSON Feed `content_html`, made safe to show in any reader.
//!
//! [`sanitize_html`] runs record HTML through ammonia with a narrowed allow-list, makes relative
//! links absolute against the record's own URL, and removes characters XML cannot carry; plain
//! text is first turned into paragraphs by [`text_to_html`]. This module must not let anything
//! executable or page-altering through (scripts, event handlers, styles, frames, forms, plugin
//! objects, SVG/MathML, `javascript:` or `data:` URLs), must not keep a relative URL it cannot
//! resolve, and must not depend on anything but its inputs: the same record always gives the
//! same bytes, so unchanged feeds are not rewritten.
//!
//! Most article HTML takes a fast path instead (the private `fast` module): one *tokenizer*
//! pass that writes the output directly, skipping ammonia's tree building, cleaning
//! and serialising, which cost several times as much. It is a pure optimisation and never
//! changes a byte of output: it accepts only a narrow grammar (a fixed set of common elements
//! and attributes, absolute `http(s)` URLs, properly nested and closed markup that obeys the
//! content rules the HTML parser enforces) for which it can show, token by token, that the tree
//! builder would not rearrange anything and ammonia would keep everything, and writes exactly
//! what ammonia's serialiser would. Anything else, at the first token outside that grammar, goes
//! through ammonia as before. A differential test generates thousands of documents in and just
//! outside the grammar and holds the fast path to ammonia's bytes on every one.
//!
//! The fast path has two tokenizers in front of the one grammar. A hand-written byte lexer (the
//! private `lex` module) reads a strict, unambiguous subset of HTML, on which it produces
//! exactly html5ever's tokens, several times faster; at anything outside that subset it gives
//! up and html5ever's tokenizer reads the document instead.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use url::Url;

use crate::text::{looks_like_html, plain_text, strip_forbidden_chars};

mod fast;
mod lex;

/// URL schemes allowed in `href` and `src`.
const SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Element nesting depth above which ammonia is not used. html5ever's tree builder checks
/// element scopes by walking the stack of open elements, so its cost grows with the square of
/// the depth (measured: 20,000 nested `<div>`s take 0.75 s, 60,000 about 7 s); a record built
/// to nest that deep is flattened to text paragraphs instead. Real articles nest a few dozen
/// levels at most.
const MAX_DEPTH: usize = 256;

/// The sanitiser, configured once.
///
/// Why one shared `Builder` with a thread-local base, rather than a builder per record with
/// `UrlRelative::RewriteWithBase(base)`: `Builder` cannot be cloned (it may hold boxed
/// callbacks) and building one fills a dozen hash sets and maps, about 4 µs or 8% of
/// sanitising a 1.5 KB article (measured), 50,000 times over. `url_relative` needs `&mut`, so
/// it cannot be set per call on a shared builder either. Instead the shared
/// builder's `UrlRelative::Custom` callback reads the record's base URL from [`BASE`], which
/// [`sanitize_html`] sets on the current thread for exactly the duration of its synchronous
/// `clean` call. Records processed in parallel (rayon) each run on one thread at a time, so
/// they cannot see each other's base.
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    // ammonia's defaults already exclude all of these; removing them again documents the
    // policy and keeps it if a future ammonia widens its defaults.
    builder.rm_tags([
        "script", "style", "iframe", "object", "embed", "form", "svg", "math", "meta", "base",
        "link", "input", "button", "textarea", "select", "frame", "frameset", "applet",
    ]);
    builder.rm_generic_attributes(["style", "class", "id"]);
    // Elements whose content is code, fallback for disabled features, or chrome: dropped along
    // with their text, not unwrapped. `noscript`, `noembed`, `noframes`, `iframe` and `title`
    // hold raw text, which would otherwise surface as visible escaped markup.
    builder.clean_content_tags(HashSet::from([
        "script", "style", "template", "noscript", "noembed", "noframes", "iframe", "object",
        "embed", "applet", "svg", "math", "title", "head", "select",
    ]));
    builder.url_schemes(HashSet::from(SCHEMES));
    builder.url_relative(UrlRelative::Custom(Box::new(resolve_relative)));
    builder.link_rel(Some("noopener noreferrer"));
    builder.strip_comments(true);
    builder
});

thread_local! {
    /// The base URL of the record being sanitised on this thread, if any (see [`SANITIZER`]).
    static BASE: RefCell<Option<Url>> = const { RefCell::new(None) };
}

/// Sets [`BASE`] for the lifetime of the guard and restores the previous value afterwards, even
/// if ammonia panics, so a later record can never inherit this record's base.
struct BaseGuard {
    previous: Option<Url>,
}

impl BaseGuard {
    fn set(base: Option<Url>) -> Self {
        BaseGuard { previous: BASE.replace(base) }
    }
}

impl Drop for BaseGuard {
    fn drop(&mut self) {
        BASE.set(self.previous.take());
    }
}

/// ammonia's callback for relative URLs: absolute against the current base, or removed.
fn resolve_relative(relative: &str) -> Option<Cow<'_, str>> {
    BASE.with_borrow(|base| {
        let joined = base.as_ref()?.join(relative).ok()?;
        // ammonia does not re-check the scheme of what this returns. The base is http(s), so a
        // relative reference cannot change the scheme; checking anyway costs nothing.
        matches!(joined.scheme(), "http" | "https").then(|| Cow::Owned(String::from(joined)))
    })
}

/// Sanitised HTML for `content:encoded`, Atom `content` and JSON Feed `content_html`.
///
/// `html` may be HTML or plain text (decided by [`looks_like_html`]); plain text becomes
/// paragraphs via [`text_to_html`]. The HTML keeps ammonia's default allow-list of formatting
/// and structural elements minus anything risky: no `script`, `style`, `iframe`, `object`,
/// `embed`, `form`, `svg`, `math`, `meta`, `base` or `link` (the content of scripts, styles,
/// frames, plugin objects, SVG and MathML is dropped entirely), no `style`, `class`, `id` or
/// `on*` attributes, and URLs only with the schemes `http`, `https` and `mailto`. Links get
/// `rel="noopener noreferrer"`; `referrerpolicy` and other unlisted attributes are removed.
/// Tracking pixels are removed whole (see [`is_tracking_pixel`] for the rule).
///
/// Relative `href`/`src` URLs are made absolute against `base` (the record's link) when it is
/// an `http` or `https` URL; without such a base they are removed, since a reader would resolve
/// them against the feed's URL and get them wrong. Comments are removed, as are characters XML
/// 1.0 forbids. The output depends only on the arguments.
///
/// The output is HTML5 serialisation, meant to be embedded as escaped text (as all three feed
/// formats do): void elements are written `<br>`, and U+00A0 is written `&nbsp;`.
pub fn sanitize_html(html: &str, base: Option<&Url>) -> String {
    sanitize_with_base(html, || base.cloned())
}

/// [`sanitize_html`] with the record's link as the base, parsed only when the HTML goes to
/// the slow path: the fast paths decline every relative URL, so most articles never need the
/// base, and parsing every record's link for it took a share of a large build.
pub fn sanitize_html_against(html: &str, link: Option<&str>) -> String {
    sanitize_with_base(html, || link.and_then(|l| Url::parse(l).ok()))
}

fn sanitize_with_base(html: &str, base: impl FnOnce() -> Option<Url>) -> String {
    if !looks_like_html(html) {
        // text_to_html escapes everything and adds only <p> and <br>: already safe, and exactly
        // what ammonia would write for it (see the fixed-point test), so ammonia is skipped.
        return text_to_html(html);
    }
    // Controls are removed before parsing too, so the sanitiser judges exactly the text that
    // will be written: removing them only afterwards could join an attribute value it had
    // judged harmless into something else.
    let input = strip_forbidden_chars(html);
    // Most articles are simple enough to be proven safe and written out in one tokenizer pass,
    // with exactly the bytes ammonia would produce (see the `fast` module). Most of those are
    // plain enough for the byte lexer to tokenize (see the `lex` module), several times faster
    // than html5ever's tokenizer.
    match lex::sanitize(&input) {
        lex::Lexed::Sanitized(out) => return out,
        // The html5ever fast path would decline it too.
        lex::Lexed::OutsideGrammar => {}
        lex::Lexed::Unknown => {
            if let Some(out) = fast::sanitize(&input) {
                return out;
            }
        }
    }
    sanitize_slowly(&input, base().as_ref())
}

/// The fast tiers of [`sanitize_html`] on their own, for `benches/sanitize.rs`; not part of the
/// crate's interface. Each takes HTML already stripped of forbidden characters and returns
/// `None` where [`sanitize_html`] would go on to the next tier.
#[doc(hidden)]
pub mod tiers {
    /// The byte lexer fast path (`None` for both of its refusals).
    pub fn lexer(input: &str) -> Option<String> {
        match super::lex::sanitize(input) {
            super::lex::Lexed::Sanitized(out) => Some(out),
            super::lex::Lexed::OutsideGrammar | super::lex::Lexed::Unknown => None,
        }
    }

    /// The html5ever tokenizer fast path.
    pub fn tokenizer(input: &str) -> Option<String> {
        super::fast::sanitize(input)
    }
}

/// [`sanitize_html`] by ammonia, for HTML (already stripped of forbidden characters) outside
/// the fast path's grammar.
fn sanitize_slowly(input: &str, base: Option<&Url>) -> String {
    if is_too_deep(input) {
        return flattened(input);
    }
    let base = base.filter(|b| matches!(b.scheme(), "http" | "https")).cloned();
    let cleaned = {
        let _guard = BaseGuard::set(base);
        SANITIZER.clean(input).to_string()
    };
    let cleaned = drop_tracking_pixels(cleaned);
    // Character references such as `&#1;` decode to controls inside the parser, so the output
    // is filtered as well.
    match strip_forbidden_chars(&cleaned) {
        Cow::Borrowed(_) => cleaned,
        Cow::Owned(stripped) => stripped,
    }
}

/// Whether an `<img>` whose `width` and `height` attributes have these values (after character
/// references are decoded; `None` for a missing attribute) is a tracking pixel, an image no
/// reader is meant to see that only reports each view to its server. The rule: both attributes
/// are present and each is a decimal number no larger than 1, optionally written with a `px`
/// suffix (ASCII case-insensitive) and surrounded by ASCII whitespace: `0`, `1`, `01`, `1.0`,
/// `0.5`, ` 1px `. `1%`, `2`, `1 px` and a single 1-pixel side are not pixels.
///
/// Sizes set by `style` are not looked at: `style` is removed anyway, and what a hidden or
/// shrunk image shows after that is the reader's business. An image without sizes cannot be
/// told from a real one without fetching it, which the sanitiser never does.
pub fn is_tracking_pixel(width: Option<&str>, height: Option<&str>) -> bool {
    width.is_some_and(is_pixel_size) && height.is_some_and(is_pixel_size)
}

fn is_pixel_size(value: &str) -> bool {
    let value = value.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r'));
    let number = match value.len().checked_sub(2) {
        Some(cut) if value.is_char_boundary(cut) && value[cut..].eq_ignore_ascii_case("px") => {
            &value[..cut]
        }
        _ => value,
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    // Digits only, so `parse` never sees `inf`, `1e0` or a sign.
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && number.parse::<f64>().is_ok_and(|n| n <= 1.0)
}

/// ammonia's output without the `<img>` tags [`is_tracking_pixel`] condemns. ammonia has no hook
/// that sees an element's attributes together, so this works on its serialisation, which is
/// regular enough to read without a parser: no comments, no raw-text elements, `<` and `>`
/// escaped everywhere but in tags, every attribute written `␠name="value"` with `"` escaped in
/// the value. A value with an escape in it (`&`) cannot be a pixel size, so escaped values need
/// no decoding. The fast path drops the same tags as it writes them (see `fast::Grammar`).
fn drop_tracking_pixels(html: String) -> String {
    if !html.contains("<img") {
        return html;
    }
    let mut out = String::with_capacity(html.len());
    let (mut copied, mut from) = (0, 0);
    while let Some(found) = html[from..].find("<img") {
        let start = from + found;
        let Some(length) = html[start..].find('>') else { break };
        let end = start + length + 1;
        if serialised_img_is_pixel(&html[start + 4..end - 1]) {
            out.push_str(&html[copied..start]);
            copied = end;
        }
        from = end;
    }
    if copied == 0 {
        return html;
    }
    out.push_str(&html[copied..]);
    out
}

/// Whether the attributes of a serialised `<img` tag (what follows the name, up to but without
/// the `>`) make it a tracking pixel. Anything not in the serialiser's form is kept.
fn serialised_img_is_pixel(mut attributes: &str) -> bool {
    let (mut width, mut height) = (None, None);
    while !attributes.is_empty() {
        let Some(rest) = attributes.strip_prefix(' ') else { return false };
        let Some((name, rest)) = rest.split_once("=\"") else { return false };
        let Some((value, rest)) = rest.split_once('"') else { return false };
        match name {
            "width" => width = Some(value),
            "height" => height = Some(value),
            _ => {}
        }
        attributes = rest;
    }
    is_tracking_pixel(width, height)
}

/// Pathologically nested HTML as escaped text paragraphs (see [`MAX_DEPTH`]). The tokenizer
/// behind [`plain_text`] is linear; its paragraphs are joined by two spaces, and since it
/// collapses all other whitespace to single spaces, splitting on two spaces recovers them.
fn flattened(html: &str) -> String {
    let text = plain_text(html);
    let mut out = String::with_capacity(text.len() + 16);
    for paragraph in text.split("  ").filter(|p| !p.is_empty()) {
        out.push_str("<p>");
        escape_into(&mut out, paragraph);
        out.push_str("</p>");
    }
    out
}

/// Whether `html` nests elements deeper than [`MAX_DEPTH`]. A byte scan rules out almost all
/// input; only what it flags is tokenized, to skip `<` inside comments, attribute values and
/// script or style text.
fn is_too_deep(html: &str) -> bool {
    rough_depth(html) > MAX_DEPTH && tokenized_depth(html) > MAX_DEPTH
}

/// An upper bound of sorts on nesting depth: `<name` opens (unless the element is void or
/// usually left unclosed), `</` closes. Counts markup inside comments and raw text too, so it
/// can only err high.
fn rough_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(found) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + found + 1;
        match bytes.get(start) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b) if b.is_ascii_alphabetic() => {
                let len = bytes[start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
                let mut lower = [0u8; 12];
                let opens = match lower.get_mut(..len) {
                    Some(name) => {
                        name.copy_from_slice(&bytes[start..start + len]);
                        name.make_ascii_lowercase();
                        !never_nests(name)
                    }
                    // Longer than any element in never_nests.
                    None => true,
                };
                if opens {
                    depth += 1;
                    max = max.max(depth);
                }
            }
            _ => {}
        }
        i = start;
    }
    max
}

/// Elements that do not deepen nesting in practice: void elements, and elements whose end tag
/// is optional and which the parser closes when a sibling starts (a page of unclosed `<p>` or
/// `<li>` is flat, not deep).
fn never_nests(lowercase_name: &[u8]) -> bool {
    matches!(
        lowercase_name,
        b"area"
            | b"base"
            | b"basefont"
            | b"bgsound"
            | b"br"
            | b"col"
            | b"embed"
            | b"frame"
            | b"hr"
            | b"img"
            | b"input"
            | b"keygen"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
            | b"p"
            | b"li"
            | b"dt"
            | b"dd"
            | b"option"
            | b"optgroup"
            | b"tr"
            | b"td"
            | b"th"
            | b"tbody"
            | b"thead"
            | b"tfoot"
            | b"rb"
            | b"rt"
            | b"rtc"
            | b"rp"
            | b"colgroup"
            | b"caption"
            | b"html"
            | b"head"
            | b"body"
    )
}

/// Counts nesting depth from tokens, as [`rough_depth`] does from bytes.
struct DepthSink {
    depth: Cell<usize>,
    max: Cell<usize>,
}

impl TokenSink for DepthSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else { return TokenSinkResult::Continue };
        let name: &str = &tag.name;
        match tag.kind {
            TagKind::EndTag => self.depth.set(self.depth.get().saturating_sub(1)),
            TagKind::StartTag => {
                if !tag.self_closing && !never_nests(name.as_bytes()) {
                    let depth = self.depth.get() + 1;
                    self.depth.set(depth);
                    self.max.set(self.max.get().max(depth));
                }
                // As in text.rs: the tree builder would switch these states, so without it
                // markup inside scripts and styles would be counted.
                match name {
                    "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    "title" | "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
                    "plaintext" => return TokenSinkResult::Plaintext,
                    _ => {}
                }
            }
        }
        TokenSinkResult::Continue
    }
}

fn tokenized_depth(html: &str) -> usize {
    let tokenizer = Tokenizer::new(
        DepthSink { depth: Cell::new(0), max: Cell::new(0) },
        TokenizerOpts::default(),
    );
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    // This sink never asks for a script to run, so the first `feed` returns `Done`.
    while !matches!(tokenizer.feed(&queue), TokenizerResult::Done) {}
    tokenizer.end();
    tokenizer.sink.max.get()
}

/// Plain text as HTML paragraphs: `&`, `<`, `>` escaped (and U+00A0 written `&nbsp;`, as the
/// HTML serialiser writes it), blank lines separating `<p>` elements, single line breaks kept
/// as `<br>`, surrounding whitespace of each line and paragraph trimmed, characters XML 1.0
/// forbids removed. Empty or whitespace-only text gives an empty string.
pub fn text_to_html(text: &str) -> String {
    let text = strip_forbidden_chars(text);
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 16);
    let mut in_paragraph = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if in_paragraph {
                out.push_str("</p>");
                in_paragraph = false;
            }
            continue;
        }
        // A single line break inside a paragraph is kept: plain-text bodies use them for
        // addresses, verse and lists, where running the lines together would garble them.
        out.push_str(if in_paragraph { "<br>" } else { "<p>" });
        in_paragraph = true;
        escape_into(&mut out, line);
    }
    if in_paragraph {
        out.push_str("</p>");
    }
    out
}

/// Appends `s` escaped for HTML text content.
fn escape_into(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<', '>', '\u{a0}']) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or_default();
        out.push_str(match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            _ => "&nbsp;",
        });
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE_URL: &str = "https://news.example.com/world/2025/a.html";

    /// The realistic article from the benchmark corpus the fast path must handle.
    pub(in crate::sanitize) const ARTICLE: &str = "<p><img \
        src=\"https://ch02.example.org/img/94372.png\" alt=\"修复\"/> Header network deploy.</p>\
        <p>漏洞读者修复总结。</p><ul><li>Index unicode ranking.</li><li>缓存索引标准协议。</li>\
        </ul><blockquote><p>Quote &amp; more</p></blockquote><pre><code>fn main() {}</code></pre>\
        <p>See <a href=\"https://example.org/x?a=1&amp;b=2\">link</a> and <b>bold</b>.</p>";

    fn base() -> Url {
        Url::parse(BASE_URL).unwrap()
    }

    fn clean(html: &str) -> String {
        sanitize_html(html, Some(&base()))
    }

    #[test]
    fn keeps_ordinary_markup() {
        assert_eq!(
            clean("<p>Hello <b>bold</b> <em>em</em> <code>x</code></p><ul><li>a</li></ul>"),
            "<p>Hello <b>bold</b> <em>em</em> <code>x</code></p><ul><li>a</li></ul>"
        );
        assert_eq!(
            clean("<h2 title=\"t\" lang=\"en\">H</h2>"),
            "<h2 title=\"t\" lang=\"en\">H</h2>"
        );
        assert_eq!(clean("<p>a<br/>b</p>"), "<p>a<br>b</p>");
        assert_eq!(clean("<p>unclosed <i>tags"), "<p>unclosed <i>tags</i></p>");
    }

    #[test]
    fn removes_script() {
        assert_eq!(clean("<p>a</p><script>alert(1)</script><p>b</p>"), "<p>a</p><p>b</p>");
        assert_eq!(clean("<SCRIPT SRC=//evil.example/x.js></SCRIPT>ok"), "ok");
        assert_eq!(clean("<scr<script>ipt>alert(1)</script>"), "ipt&gt;alert(1)");
    }

    #[test]
    fn removes_event_handlers() {
        assert_eq!(
            clean("<img src=\"x.png\" onerror=\"alert(1)\" alt=\"pic\">"),
            "<img src=\"https://news.example.com/world/2025/x.png\" alt=\"pic\">"
        );
        assert_eq!(clean("<p onclick=\"x()\" OnMouseOver=\"y()\">t</p>"), "<p>t</p>");
        assert_eq!(clean("<body onload=\"x()\">t</body>"), "t");
    }

    #[test]
    fn removes_javascript_urls() {
        let expected = "<a rel=\"noopener noreferrer\">x</a>";
        for href in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "java&#x09;script:alert(1)",
            "java&#10;script:alert(1)",
            "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
            "&#x6A;avascript&colon;alert(1)",
            "jav&#x0D;ascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "file:///etc/passwd",
        ] {
            assert_eq!(clean(&format!("<a href=\"{href}\">x</a>")), expected, "{href:?}");
        }
        assert_eq!(clean("<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">"), "<img>");
    }

    #[test]
    fn control_chars_cannot_hide_a_scheme() {
        // Removed before parsing, so the sanitiser sees the real, rejected scheme.
        assert_eq!(
            clean("<a href=\"java\u{1}script:alert(1)\">x</a>"),
            "<a rel=\"noopener noreferrer\">x</a>"
        );
        // Produced by a character reference: the value is judged relative, and resolving
        // percent-encodes the control, so nothing executable can come out.
        assert_eq!(
            clean("<a href=\"java&#1;script:alert(1)\">x</a>"),
            "<a href=\"https://news.example.com/world/2025/java%01script:alert(1)\" \
             rel=\"noopener noreferrer\">x</a>"
        );
        assert_eq!(
            sanitize_html("<a href=\"java&#1;script:alert(1)\">x</a>", None),
            "<a rel=\"noopener noreferrer\">x</a>"
        );
    }

    #[test]
    fn removes_style() {
        assert_eq!(clean("<p style=\"color:red;background:url(x)\">t</p>"), "<p>t</p>");
        assert_eq!(clean("<style>p{display:none}</style><p>t</p>"), "<p>t</p>");
        assert_eq!(clean("<p class=\"c\" id=\"i\">t</p>"), "<p>t</p>");
    }

    #[test]
    fn removes_frames_objects_forms() {
        assert_eq!(clean("<iframe src=\"https://evil.example/\">fallback</iframe>ok"), "ok");
        assert_eq!(clean("<object data=\"x.swf\"><param name=a value=b>alt</object>ok"), "ok");
        assert_eq!(clean("<embed src=\"x.swf\">ok"), "ok");
        assert_eq!(clean("<form action=\"/steal\"><input name=p><button>Go</button></form>"), "Go");
        assert_eq!(clean("<noscript><p>enable js</p></noscript>ok"), "ok");
        assert_eq!(clean("<template><p>t</p></template>ok"), "ok");
        assert_eq!(
            clean("<meta http-equiv=refresh content=0><base href=//e.x/><link rel=x>ok"),
            "ok"
        );
    }

    #[test]
    fn removes_svg_and_math() {
        assert_eq!(
            clean("<svg onload=alert(1)><script>alert(2)</script><text>t</text></svg>ok"),
            "ok"
        );
        assert_eq!(
            clean("<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>ok"),
            "ok"
        );
        assert_eq!(
            clean("<math><mi>x</mi><maction actiontype=statusline>y</maction></math>ok"),
            "ok"
        );
    }

    #[test]
    fn makes_relative_urls_absolute() {
        assert_eq!(
            clean("<a href=\"/x\">x</a>"),
            "<a href=\"https://news.example.com/x\" rel=\"noopener noreferrer\">x</a>"
        );
        assert_eq!(
            clean("<img src=\"y.png\">"),
            "<img src=\"https://news.example.com/world/2025/y.png\">"
        );
        assert_eq!(
            clean("<a href=\"../b.html?q=1#f\">b</a>"),
            "<a href=\"https://news.example.com/world/b.html?q=1#f\" rel=\"noopener noreferrer\">b</a>"
        );
        assert_eq!(
            clean("<a href=\"#top\">t</a>"),
            "<a href=\"https://news.example.com/world/2025/a.html#top\" rel=\"noopener noreferrer\">t</a>"
        );
        assert_eq!(
            clean("<img src=\"//cdn.example.net/i.png\">"),
            "<img src=\"https://cdn.example.net/i.png\">"
        );
        // Absolute URLs are left exactly as written.
        assert_eq!(
            clean("<a href=\"http://other.example/p?a=1&amp;b=2\">o</a>"),
            "<a href=\"http://other.example/p?a=1&amp;b=2\" rel=\"noopener noreferrer\">o</a>"
        );
        assert_eq!(
            clean("<a href=\"mailto:desk@example.com\">m</a>"),
            "<a href=\"mailto:desk@example.com\" rel=\"noopener noreferrer\">m</a>"
        );
    }

    #[test]
    fn relative_urls_dropped_without_usable_base() {
        let html = "<a href=\"/x\">x</a><img src=\"y.png\" alt=\"y\">";
        let expected = "<a rel=\"noopener noreferrer\">x</a><img alt=\"y\">";
        assert_eq!(sanitize_html(html, None), expected);
        let odd_base = Url::parse("ftp://files.example/dir/").unwrap();
        assert_eq!(sanitize_html(html, Some(&odd_base)), expected);
        // A base does not leak into a later call on the same thread.
        let _ = clean(html);
        assert_eq!(sanitize_html(html, None), expected);
    }

    #[test]
    fn a_records_link_is_the_base_for_relative_urls() {
        let html = "<p><a href=\"/x\">x</a><img src=\"y.png\" alt=\"y\"></p>";
        assert_eq!(
            sanitize_html_against(html, Some("https://news.example.com/world/a.html")),
            "<p><a href=\"https://news.example.com/x\" rel=\"noopener noreferrer\">x</a>\
             <img src=\"https://news.example.com/world/y.png\" alt=\"y\"></p>"
        );
        let dropped = "<p><a rel=\"noopener noreferrer\">x</a><img alt=\"y\"></p>";
        assert_eq!(sanitize_html_against(html, Some("not a link")), dropped);
        assert_eq!(sanitize_html_against(html, None), dropped);
    }

    #[test]
    fn rel_replaced_and_referrerpolicy_stripped() {
        assert_eq!(
            clean(
                "<a href=\"https://e.x/\" rel=\"opener\" target=\"_blank\" \
                   referrerpolicy=\"unsafe-url\">e</a>"
            ),
            "<a href=\"https://e.x/\" rel=\"noopener noreferrer\">e</a>"
        );
        assert_eq!(
            clean("<img src=\"https://e.x/i.png\" referrerpolicy=\"unsafe-url\" width=\"10\">"),
            "<img src=\"https://e.x/i.png\" width=\"10\">"
        );
    }

    #[test]
    fn pixel_sizes() {
        for size in ["0", "1", "01", "1.0", "0.5", "1.", " 1 ", "\t1\n", "1px", "1PX", "0Px"] {
            assert!(is_tracking_pixel(Some(size), Some("1")), "{size:?}");
        }
        for size in
            ["2", "1.5", "10", "1%", "1 px", "px", "", "-1", "+1", ".5", "1e0", "inf", "1\u{a0}"]
        {
            assert!(!is_tracking_pixel(Some(size), Some("1")), "{size:?}");
        }
        assert!(!is_tracking_pixel(Some("1"), None));
        assert!(!is_tracking_pixel(None, Some("1")));
    }

    #[test]
    fn tracking_pixels_removed() {
        // Absolute URLs: the fast path; a relative one: ammonia and the pass after it.
        for src in ["https://t.example/p.gif?u=1&amp;m=2", "/p.gif"] {
            for pixel in [
                format!("<img src=\"{src}\" width=\"1\" height=\"1\">"),
                format!("<IMG height=0 SRC='{src}' width=\"1px\" alt=\"\" title=\"t\"/>"),
                format!(
                    "<img width=\"1\" height=\"1\" src=\"{src}\" referrerpolicy=\"unsafe-url\">"
                ),
                format!("<img width=\"1\" height=\"1\" src=\"{src}\" onload=\"x()\">"),
            ] {
                let html = format!("<p>Story{pixel} ends.</p><p><b>b</b></p>");
                assert_eq!(clean(&html), "<p>Story ends.</p><p><b>b</b></p>", "{html}");
            }
        }
        // Only pixels go; other images stay, in the same document.
        let html = "<p><img src=\"https://e.x/a.png\" width=\"1\" height=\"20\">\
                    <img src=\"https://e.x/p.gif\" width=\"1\" height=\"1\">\
                    <img src=\"b.png\" width=\"1%\" height=\"1\" alt=\"a &quot;q&quot;\"></p>";
        assert_eq!(
            clean(html),
            "<p><img src=\"https://e.x/a.png\" width=\"1\" height=\"20\">\
             <img src=\"https://news.example.com/world/2025/b.png\" width=\"1%\" height=\"1\" \
             alt=\"a &quot;q&quot;\"></p>"
        );
        // A `>` in an attribute value is escaped by the serialiser, so it cannot end the tag
        // early and hide a size from the pass after ammonia.
        assert_eq!(
            clean("<div><img alt=\"a>b\" src=\"p.gif\" width=\"1\" height=\"1\"></div>"),
            "<div></div>"
        );
        // A pixel inside a link leaves the (empty) link.
        assert_eq!(
            clean("<a href=\"https://e.x/\"><img src=\"https://e.x/p.gif\" width=1 height=1></a>"),
            "<a href=\"https://e.x/\" rel=\"noopener noreferrer\"></a>"
        );
    }

    #[test]
    fn comments_and_forbidden_chars_removed() {
        assert_eq!(clean("<p>a<!-- secret -->b</p>"), "<p>ab</p>");
        assert_eq!(clean("<p>a\u{1}b&#2;c\u{7f}d&#xFFFF;e</p>"), "<p>abcde</p>");
    }

    #[test]
    fn plain_text_becomes_paragraphs() {
        assert_eq!(
            text_to_html("First line\nsecond line\n\n  Second para & <stuff>  \n\n\n"),
            "<p>First line<br>second line</p><p>Second para &amp; &lt;stuff&gt;</p>"
        );
        assert_eq!(text_to_html("a\r\n\r\nb\u{a0}c\u{1}"), "<p>a</p><p>b&nbsp;c</p>");
        assert_eq!(text_to_html(""), "");
        assert_eq!(text_to_html(" \n \n"), "");
        assert_eq!(
            sanitize_html("Tom & Jerry <3\n\nPart 2", Some(&base())),
            "<p>Tom &amp; Jerry &lt;3</p><p>Part 2</p>"
        );
    }

    #[test]
    fn text_to_html_is_a_sanitiser_fixed_point() {
        for text in [
            "one\ntwo\n\nthree",
            "a < b > c & d \"quoted\" 'single'",
            "x\u{a0}y",
            "中文\n\n段落",
            "👨\u{200d}👩\u{200d}👧 e\u{301}",
        ] {
            let html = text_to_html(text);
            assert_eq!(SANITIZER.clean(&html).to_string(), html, "{text:?}");
        }
    }

    #[test]
    fn output_is_deterministic() {
        let html = "<p lang=\"en\" title=\"t\"><a hreflang=\"en\" href=\"/a\" title=\"x\">a</a>\
                    <img width=\"1\" alt=\"b\" src=\"c.png\" height=\"2\"></p>";
        let first = clean(html);
        for _ in 0..20 {
            assert_eq!(clean(html), first);
        }
        assert_eq!(
            first,
            "<p lang=\"en\" title=\"t\"><a hreflang=\"en\" href=\"https://news.example.com/a\" \
             title=\"x\" rel=\"noopener noreferrer\">a</a><img width=\"1\" alt=\"b\" \
             src=\"https://news.example.com/world/2025/c.png\" height=\"2\"></p>"
        );
    }

    #[test]
    fn parallel_threads_keep_their_own_base() {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let base = Url::parse(&format!("https://site{i}.example/dir/")).unwrap();
                    for _ in 0..200 {
                        let out = sanitize_html("<img src=\"p.png\">", Some(&base));
                        assert_eq!(out, format!("<img src=\"https://site{i}.example/dir/p.png\">"));
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    }

    #[test]
    fn deep_nesting_is_flattened_quickly() {
        let depth = 60_000;
        let html =
            format!("<p>intro</p>{}deep <b>x</b>{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let start = std::time::Instant::now();
        assert_eq!(sanitize_html(&html, None), "<p>intro</p><p>deep x</p>");
        // Quadratic tree building would take minutes here in a debug build.
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
        let unclosed = format!("{}<script>alert(1)</script>&lt;tag&gt;", "<span>".repeat(depth));
        assert_eq!(sanitize_html(&unclosed, None), "<p>&lt;tag&gt;</p>");
    }

    #[test]
    fn depth_limit_spares_real_articles() {
        let nested = format!("{}x{}", "<div>".repeat(MAX_DEPTH), "</div>".repeat(MAX_DEPTH));
        assert!(clean(&nested).starts_with("<div><div><div>"));
        let deeper =
            format!("{}x{}", "<div>".repeat(MAX_DEPTH + 1), "</div>".repeat(MAX_DEPTH + 1));
        assert_eq!(clean(&deeper), "<p>x</p>");
        // Long but flat: many unclosed paragraphs, list items, line breaks and images.
        let flat = "<p>para<br><img src=\"i.png\" alt=\"i\"><li>item".repeat(2 * MAX_DEPTH);
        assert_eq!(rough_depth(&flat), 0);
        assert!(clean(&flat).starts_with("<p>para<br><img src=\"https://news.example.com/world/2025/i.png\" alt=\"i\"></p><li>item<p>para"));
        // Markup inside comments, attributes and scripts only fools the byte scan.
        let hidden = format!(
            "<!--{}--><a title=\"{}\">t</a><script>{}</script>ok",
            "<div>".repeat(MAX_DEPTH + 1),
            "<b>".repeat(MAX_DEPTH + 1),
            "<i>".repeat(MAX_DEPTH + 1)
        );
        assert!(rough_depth(&hidden) > MAX_DEPTH);
        assert_eq!(tokenized_depth(&hidden), 1);
        assert_eq!(
            sanitize_html(&hidden, None),
            format!(
                "<a title=\"{}\" rel=\"noopener noreferrer\">t</a>ok",
                "&lt;b&gt;".repeat(MAX_DEPTH + 1)
            )
        );
    }

    #[test]
    #[ignore = "timing; run with --ignored --nocapture"]
    fn time_sanitize_vs_builder_per_call() {
        let base = base();
        let iterations = 5_000;
        // Best of several rounds: the machine may be busy with other work.
        let time = |label: &str, html: &str, run: &dyn Fn(&str) -> String| {
            let best = (0..10)
                .map(|_| {
                    let start = std::time::Instant::now();
                    for _ in 0..iterations / 10 {
                        std::hint::black_box(run(std::hint::black_box(html)));
                    }
                    start.elapsed() / (iterations / 10)
                })
                .min()
                .unwrap_or_default();
            println!("{label}: {best:?} per call ({} bytes)", html.len());
        };
        // Relative links: outside the fast path.
        let relative = "<p>Stocks rose on <a href=\"/markets\">Wall Street</a> after new figures \
                        showed prices grew <b>more slowly</b> than expected.</p>"
            .repeat(12);
        let article_3k = ARTICLE.repeat(3_000usize.div_ceil(ARTICLE.len()));
        for (name, html) in
            [("relative", &*relative), ("article", ARTICLE), ("article 3K", &article_3k)]
        {
            time(&format!("{name}, sanitize_html"), html, &|h| sanitize_html(h, Some(&base)));
            time(&format!("{name}, ammonia path"), html, &|h| {
                sanitize_slowly(&strip_forbidden_chars(h), Some(&base))
            });
        }
        assert!(fast::sanitize(ARTICLE).is_some() && fast::sanitize(&article_3k).is_some());
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            let mut builder = Builder::default();
            builder.url_relative(UrlRelative::RewriteWithBase(base.clone()));
            std::hint::black_box(builder.clean(std::hint::black_box(&relative)).to_string());
        }
        println!("relative, builder per call: {:?} per call", start.elapsed() / iterations);
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(Builder::default());
        }
        println!("Builder::default() alone: {:?} per call", start.elapsed() / iterations);
    }
}
