//! The main-content heuristic: which element of an article page holds the article body, when
//! the source configures no `content` selector (or it matches nothing).
//!
//! One iterative pass over the page scores every candidate container (`article`, `main`,
//! `div`, `section`, `td`) by the paragraph text it holds directly or one level down, scaled
//! down by how much of its text is link text, so a navigation block full of links, a footer
//! or a related-reading list loses to the paragraphs of the story. It only chooses an element;
//! it does not clean or sanitise it.

use scraper::{ElementRef, Node};

use super::walk::{NodeRef, Step, is_hidden, is_non_text, walk};

/// Paragraphs shorter than this (in non-space characters) are bylines, captions or buttons,
/// not body text. Twenty characters is a short sentence in Chinese and four or five words in
/// English.
const MIN_PARAGRAPH: u32 = 20;

/// Elements whose subtrees never hold the article body.
fn is_chrome(name: &str) -> bool {
    matches!(
        name,
        "nav" | "header" | "footer" | "aside" | "form" | "button" | "select" | "textarea" | "menu"
    )
}

/// Elements that may be chosen as the body. `body` is the last resort for a page that puts
/// its paragraphs straight into it; any tighter container with the same text scores higher.
fn is_candidate(name: &str) -> bool {
    matches!(name, "article" | "main" | "div" | "section" | "td" | "body")
}

/// Elements whose text counts as one paragraph of the element around them.
fn is_paragraph(name: &str) -> bool {
    matches!(name, "p" | "pre" | "blockquote")
}

/// A multiplier from the element's class and id: names that say "comments", "sidebar",
/// "related" and so on push a block down; names that say "article", "content" and so on
/// push it up. Both are hints only: the text decides between blocks of similar weight.
fn name_hint(el: &scraper::node::Element) -> f64 {
    const NEGATIVE: [&str; 14] = [
        "comment",
        "footer",
        "sidebar",
        "related",
        "recommend",
        "share",
        "nav",
        "menu",
        "crumb",
        "banner",
        "promo",
        "advert",
        "widget",
        "copyright",
    ];
    const POSITIVE: [&str; 8] =
        ["article", "content", "body", "text", "post", "entry", "main", "detail"];
    let mut names = String::new();
    for value in [el.attr("class"), el.attr("id")].into_iter().flatten() {
        names.push_str(&value.to_ascii_lowercase());
        names.push(' ');
    }
    if names.is_empty() {
        1.0
    } else if NEGATIVE.iter().any(|n| names.contains(n)) {
        0.25
    } else if POSITIVE.iter().any(|p| names.contains(p)) {
        1.25
    } else {
        1.0
    }
}

/// Per open element: text counts and the paragraph credit it has collected so far.
struct Frame<'a> {
    node: NodeRef<'a>,
    name_hint: f64,
    candidate: bool,
    paragraph: bool,
    link: bool,
    /// Non-space characters in the subtree (skipped subtrees excluded).
    text: u32,
    /// Of those, characters inside links.
    link_text: u32,
    /// Characters of text nodes that are direct children (text laid out with `<br>`, as many
    /// Chinese news pages do, rather than in `<p>`).
    direct_text: u32,
    /// Paragraph text credited to this element.
    credit: f64,
}

/// The element that most likely holds the article body, or `None` when the page has no
/// paragraph text at all.
pub(super) fn main_content<'a>(root: ElementRef<'a>) -> Option<ElementRef<'a>> {
    let mut stack: Vec<Frame<'a>> = Vec::new();
    let mut links_open = 0u32;
    let mut best: Option<(f64, NodeRef<'a>)> = None;

    walk(*root, |step| match step {
        Step::Open(node) => match node.value() {
            Node::Element(el) => {
                let name = el.name();
                if node != *root && (is_non_text(name) || is_chrome(name) || is_hidden(el)) {
                    return false;
                }
                let candidate = is_candidate(name);
                let link = name == "a";
                links_open += u32::from(link);
                stack.push(Frame {
                    node,
                    name_hint: if candidate { name_hint(el) } else { 1.0 },
                    candidate,
                    paragraph: is_paragraph(name),
                    link,
                    text: 0,
                    link_text: 0,
                    direct_text: 0,
                    credit: 0.0,
                });
                true
            }
            Node::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let n = u32::try_from(t.chars().filter(|c| !c.is_whitespace()).count())
                        .unwrap_or(u32::MAX);
                    top.text = top.text.saturating_add(n);
                    top.direct_text = top.direct_text.saturating_add(n);
                    if links_open > 0 {
                        top.link_text = top.link_text.saturating_add(n);
                    }
                }
                false
            }
            _ => false,
        },
        Step::Close(node) => {
            // Skipped elements were never pushed.
            if stack.last().is_none_or(|top| top.node != node) {
                return true;
            }
            let Some(mut frame) = stack.pop() else { return true };
            links_open -= u32::from(frame.link);
            let len = stack.len();
            if frame.paragraph && frame.text >= MIN_PARAGRAPH {
                let weight = f64::from(frame.text) * (1.0 - density(&frame));
                if let Some(parent) = stack.last_mut() {
                    parent.credit += weight;
                }
                if len >= 2 {
                    stack[len - 2].credit += weight / 2.0;
                }
            }
            if frame.candidate {
                let direct = frame.direct_text;
                if direct >= MIN_PARAGRAPH {
                    frame.credit += f64::from(direct);
                    if let Some(parent) = stack.last_mut() {
                        parent.credit += f64::from(direct) / 2.0;
                    }
                }
                let score = frame.credit * (1.0 - density(&frame)) * frame.name_hint;
                if score > 0.0 && best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, frame.node));
                }
            }
            if let Some(parent) = stack.last_mut() {
                parent.text = parent.text.saturating_add(frame.text);
                parent.link_text = parent.link_text.saturating_add(frame.link_text);
            }
            true
        }
    });
    best.and_then(|(_, node)| ElementRef::wrap(node))
}

/// Link text over all text: 0 for prose, near 1 for a menu.
fn density(frame: &Frame<'_>) -> f64 {
    if frame.text == 0 { 0.0 } else { f64::from(frame.link_text) / f64::from(frame.text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn chosen(html: &str) -> Option<String> {
        let doc = Html::parse_document(html);
        main_content(doc.root_element()).map(|el| {
            let v = el.value();
            format!("{}#{}", v.name(), v.id().unwrap_or(""))
        })
    }

    const PARA: &str = "The committee met for the third time this winter and agreed on a plan.";

    #[test]
    fn prose_beats_navigation_and_footer() {
        let links: String = (0..40)
            .map(|i| format!("<li><a href='/s{i}'>Section number {i} of the site</a></li>"))
            .collect();
        let html = format!(
            "<body><div id=nav><ul>{links}</ul></div>\
             <div id=wrap><div id=story><h1>Title</h1><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p></div>\
             <div id=foot><p>Copyright notice and a long legal line about the terms of use here.</p></div></div></body>"
        );
        assert_eq!(chosen(&html).as_deref(), Some("div#story"));
    }

    #[test]
    fn br_separated_text_counts_as_paragraphs() {
        let html = format!(
            "<body><table><tr><td id=menu><a href=/a>{PARA}</a><br><a href=/b>{PARA}</a></td>\
             <td id=text>{PARA}<br>{PARA}<br>{PARA}</td></tr></table></body>"
        );
        assert_eq!(chosen(&html).as_deref(), Some("td#text"));
    }

    #[test]
    fn a_related_list_loses_to_the_story() {
        let items: String = (0..10)
            .map(|i| format!("<li><a href='/r{i}'>Headline {i}</a><p>{PARA}</p></li>"))
            .collect();
        let html = format!(
            "<body><article id=a><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p></article>\
             <div class=related id=r><ul>{items}</ul></div></body>"
        );
        assert_eq!(chosen(&html).as_deref(), Some("article#a"));
    }

    #[test]
    fn nothing_to_choose() {
        assert_eq!(chosen("<body><nav><a href=/>Home</a></nav></body>"), None);
    }
}
