//! An iterative tree walk and the plain-text collector built on it.
//!
//! scraper's own `text()` would include the contents of `<script>` and `<style>` and cannot
//! skip hidden subtrees, so text is collected here instead. Every walk is a loop over
//! first-child / next-sibling / parent links with no recursion, so a page of 20,000 nested
//! elements cannot overflow the stack.

use std::ops::Deref;

use scraper::{ElementRef, Node};

/// A reference to any node of a parsed page. scraper does not re-export the tree crate's type,
/// so it is named through `ElementRef`'s `Deref` target.
pub(super) type NodeRef<'a> = <ElementRef<'a> as Deref>::Target;

/// One step of a walk.
pub(super) enum Step<'a> {
    /// Entering a node, before its children.
    Open(NodeRef<'a>),
    /// Leaving a node, after its children (also sent for nodes whose children were skipped).
    Close(NodeRef<'a>),
}

/// Visits `root` and its descendants in document order. On [`Step::Open`], the visitor returns
/// whether to descend into the node's children; each opened node is closed exactly once.
pub(super) fn walk<'a>(root: NodeRef<'a>, mut visit: impl FnMut(Step<'a>) -> bool) {
    let mut node = root;
    loop {
        if visit(Step::Open(node))
            && let Some(child) = node.first_child()
        {
            node = child;
            continue;
        }
        loop {
            visit(Step::Close(node));
            if node == root {
                return;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                break;
            }
            match node.parent() {
                Some(parent) => node = parent,
                // Unreachable: every node below `root` has a parent. Stopping is the safe answer.
                None => return,
            }
        }
    }
}

/// Elements whose content is never text a reader sees.
pub(super) fn is_non_text(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "template"
            | "noscript"
            | "iframe"
            | "noembed"
            | "noframes"
            | "object"
            | "svg"
            | "math"
            | "head"
    )
}

/// Whether an element is hidden by markup (`hidden`, `aria-hidden="true"`, or an inline
/// `display:none` / `visibility:hidden`): text a page hides is usually keyword stuffing or a
/// template, never the visible title.
pub(super) fn is_hidden(el: &scraper::node::Element) -> bool {
    if el.attr("hidden").is_some() {
        return true;
    }
    if el.attr("aria-hidden").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return true;
    }
    match el.attr("style") {
        Some(style) if style.len() < 2048 => {
            let compact: String = style
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            compact.contains("display:none") || compact.contains("visibility:hidden")
        }
        _ => false,
    }
}

/// Elements that start a new line when rendered; their edges separate words.
pub(super) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "blockquote"
            | "pre"
            | "hr"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "main"
            | "figure"
            | "figcaption"
            | "address"
            | "form"
    )
}

/// Accumulates text with whitespace collapsed to single spaces and no leading or trailing
/// space. Characters are taken as scraper decoded them: entities are decoded exactly once, by
/// the HTML parser, and the result is never parsed as markup again.
#[derive(Default)]
pub(super) struct TextOut {
    pub(super) out: String,
    gap: bool,
}

impl TextOut {
    /// Appends a text node's content.
    pub(super) fn push(&mut self, text: &str) {
        // A byte loop that copies whole words: ASCII is classified without decoding, and only
        // non-ASCII characters are decoded to test for Unicode whitespace (no-break and
        // ideographic spaces) and forbidden controls. This is the hottest loop of listing
        // extraction after the parser itself.
        let bytes = text.as_bytes();
        let mut word: Option<usize> = None;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let (len, space, drop) = if b < 0x80 {
                let space = matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
                (1, space, !space && (b < 0x20 || b == 0x7f))
            } else {
                match text[i..].chars().next() {
                    Some(c) => (c.len_utf8(), c.is_whitespace(), is_forbidden(c)),
                    None => break,
                }
            };
            if space || drop {
                if let Some(start) = word.take() {
                    self.word(&text[start..i]);
                }
                self.gap |= space;
            } else if word.is_none() {
                word = Some(i);
            }
            i += len;
        }
        if let Some(start) = word {
            self.word(&text[start..]);
        }
    }

    fn word(&mut self, word: &str) {
        if self.gap && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.gap = false;
        self.out.push_str(word);
    }

    /// Marks a word boundary (a block edge or `<br>`).
    pub(super) fn boundary(&mut self) {
        self.gap = true;
    }
}

/// Characters XML 1.0 cannot carry, plus DEL and the C1 controls (as `crate::text` treats
/// them); whitespace controls never get here.
fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// The visible text of `root` and its descendants, whitespace-collapsed: no script, style,
/// template or noscript content and nothing from hidden subtrees. Block edges separate words.
pub(super) fn element_text(root: ElementRef<'_>) -> String {
    let mut text = TextOut::default();
    collect_text(*root, &mut text, usize::MAX, |_| false);
    text.out
}

/// Appends the visible text under `root` to `text`, stopping once `text` holds `limit`
/// bytes; `also_skip` names further elements whose subtrees are left out.
pub(super) fn collect_text(
    root: NodeRef<'_>,
    text: &mut TextOut,
    limit: usize,
    also_skip: impl Fn(&str) -> bool,
) {
    walk(root, |step| match step {
        Step::Open(node) => {
            if text.out.len() >= limit {
                return false;
            }
            match node.value() {
                Node::Text(t) => {
                    text.push(t);
                    false
                }
                Node::Element(el) => {
                    let name = el.name();
                    // The root itself is read even if it is, say, a <noscript> the user chose.
                    if node != root && (is_non_text(name) || also_skip(name) || is_hidden(el)) {
                        return false;
                    }
                    if is_block(name) {
                        text.boundary();
                    }
                    true
                }
                _ => false,
            }
        }
        Step::Close(node) => {
            if let Node::Element(el) = node.value()
                && is_block(el.name())
            {
                text.boundary();
            }
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn text_of(html: &str, css: &str) -> String {
        let doc = Html::parse_document(html);
        let sel = Selector::parse(css).unwrap();
        element_text(doc.select(&sel).next().unwrap())
    }

    #[test]
    fn skips_scripts_styles_and_hidden_text() {
        let html = "<div id=x> Hello <script>alert('x')</script><style>p{}</style>\
                    <noscript>enable js</noscript><span hidden>spam</span>\
                    <b style='display: none'>more spam</b><template>t</template>world </div>";
        assert_eq!(text_of(html, "#x"), "Hello world");
    }

    #[test]
    fn blocks_separate_words_and_entities_decode_once() {
        let html =
            "<div id=x><p>one</p><p>two<br>three</p>&amp;lt;b&amp;gt; &lt;i&gt;\u{3000}x</div>";
        assert_eq!(text_of(html, "#x"), "one two three &lt;b&gt; <i> x");
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        // Spans: html5ever nests them cheaply (20,000 divs are quadratic for the parser itself,
        // which is why extraction caps the depth first, see `depth`).
        let depth = 20_000;
        let html =
            format!("{}<b id=deep>bottom</b>{}", "<span>".repeat(depth), "</span>".repeat(depth));
        let doc = Html::parse_document(&html);
        assert_eq!(element_text(doc.root_element()), "bottom");
    }
}
