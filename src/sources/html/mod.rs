//! Extraction from HTML news pages, for `kind = "html"` sources: the items of a listing page
//! ([`extract_listing`]), the fields of a followed article page ([`extract_article`]) and the
//! date hidden in a page's surrounding text ([`find_date`]).
//!
//! This module is pure. It must not fetch, read files or read the clock (the caller passes
//! `now` and the zone in [`PageOptions`]), and it must not sanitise: article content comes back
//! as the page's own HTML and the pipeline sanitises it. It must also not trust the page:
//! titles, summaries, authors and other text fields are plain text taken from text nodes, with
//! entities decoded exactly once by the HTML parser and the contents of `script`, `style`,
//! `template` and `noscript` (and hidden elements) never included; links are resolved to
//! absolute http(s) URLs and anything else (`javascript:`, `data:`) is dropped. Every walk over
//! the parsed tree is iterative, so hostile nesting depth cannot overflow the stack, and each
//! page is parsed once.

mod content;
mod date;
mod depth;
#[cfg(test)]
mod tests;
mod walk;

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::config::{ArticleSelect, Field, Select};
use crate::model::{Article, Origin};

use walk::{TextOut, collect_text, element_text};

/// At most this many warnings are returned per page; the rest are counted in one last line, so
/// a page of ten thousand broken items cannot flood the report.
const MAX_WARNINGS: usize = 50;

/// How much of an article page's visible text (in bytes) is searched for a date when no
/// selector, meta tag or `<time>` gives one: enough for a breadcrumb, a headline and a byline
/// line, not so much that a date inside the story or a sidebar is taken for the page's own.
const TOP_TEXT_BYTES: usize = 2000;

/// What extraction needs to know about the page besides its HTML.
#[derive(Debug, Clone, Copy)]
pub struct PageOptions<'a> {
    /// The source's id, for each item's [`Origin`].
    pub source_id: &'a str,
    /// The URL the page was fetched from (after redirects): the base for relative links.
    pub page_url: &'a Url,
    /// The zone local times on the page are read in.
    pub tz: Tz,
    /// The time relative and year-less dates are resolved against.
    pub now: DateTime<Utc>,
}

/// What a listing page yielded.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The items, in page order, each with a unique link.
    pub items: Vec<Article>,
    /// The next page of the listing, if the `next` selector found one that is not this page.
    pub next: Option<Url>,
    /// Skipped items and unreadable dates, each naming the page and the item; at most 50,
    /// then one line counting the rest.
    pub warnings: Vec<String>,
}

/// The fields read from a followed article page. Every field is optional; the caller keeps
/// what the listing gave for the ones that are missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticlePage {
    /// Plain-text title.
    pub title: Option<String>,
    /// The inner HTML of the article body, as on the page: NOT sanitised (the pipeline does
    /// that before anything is emitted).
    pub content: Option<String>,
    /// Plain-text author names, without labels such as `作者：` or `By`.
    pub authors: Vec<String>,
    pub published: Option<DateTime<FixedOffset>>,
    /// The publisher named in a "source" line (`来源：江城日报` gives `江城日报`).
    pub source: Option<String>,
    /// The text of the last match of the channel selector (a breadcrumb's last link).
    pub channel: Option<String>,
}

/// Reads the items of a listing page.
///
/// Items are the elements matched by `select.item`. For each, in page order:
/// - `title`: the text of `select.title` inside the item (an `@attr` field reads that
///   attribute instead); items without a title are skipped with a warning;
/// - `link`: `select.link`, resolved against the page's `<base href>` (if it is http(s)), else
///   against `page_url`; only http(s) links are kept, and an item left without one is skipped
///   with a warning. A later item with the same link as an earlier one is dropped;
/// - `summary`, `author`, `category`: plain text of those fields, when configured;
/// - `image`: the field's URL (`src` when no `@attr` is given), resolved like links;
/// - `published`: [`find_date`] on the `date` field with `select.date_format`; without a date
///   field, the item's first `<time datetime>`.
///
/// Text is whitespace-collapsed and entity-decoded once. Each article has `key` and `link` set
/// to the resolved link and `origin` `{page_url} item {n}` (n counts matched items from 1).
/// `next` is the first match of the `next` field (its `@attr`, else `href`, else its text),
/// resolved like links; `None` when absent or when it is this page.
pub fn extract_listing(
    html: &str,
    select: &Select,
    next: Option<&Field>,
    opts: &PageOptions,
) -> Listing {
    let doc = Html::parse_document(&depth::limit_depth(html));
    let base = base_url(&doc, opts.page_url);
    let mut listing = Listing::default();
    let mut warnings = Warnings::default();
    let mut seen: HashSet<String> = HashSet::new();

    for (index, item) in doc.select(&select.item.selector).enumerate() {
        let location = format!("{} item {}", opts.page_url, index + 1);
        // A link seen earlier on the page (a "top stories" box repeating the list) is dropped.
        if let Some(article) = read_item(item, select, &base, opts, &location, &mut warnings)
            && seen.insert(article.key.clone().unwrap_or_default())
        {
            listing.items.push(article);
        }
    }

    listing.next = next.and_then(|field| {
        let el = doc.select(&field.selector).next()?;
        let href = url_value(el, field, &["href"])?;
        let url = resolve(&base, &href)?;
        (!same_page(&url, opts.page_url)).then_some(url)
    });
    listing.warnings = warnings.finish();
    listing
}

/// One listing item, or `None` (with a warning) when it has no title or no usable link.
fn read_item(
    item: ElementRef<'_>,
    select: &Select,
    base: &Url,
    opts: &PageOptions,
    location: &str,
    warnings: &mut Warnings,
) -> Option<Article> {
    let Some(title) = text_field(item, &select.title) else {
        warnings.push(format!(
            "{location}: skipped: no title (\"{}\" found no text)",
            select.title.raw
        ));
        return None;
    };
    let link = match first_match(item, &select.link)
        .and_then(|el| url_value(el, &select.link, &["href"]))
    {
        None => {
            warnings
                .push(format!("{location}: skipped: no link (\"{}\" found none)", select.link.raw));
            return None;
        }
        Some(href) => match resolve(base, &href) {
            Some(url) => url.to_string(),
            None => {
                warnings.push(format!(
                    "{location}: skipped: link {:?} is not an http(s) URL",
                    shorten(&href)
                ));
                return None;
            }
        },
    };

    let published = match &select.date {
        Some(field) => match text_field(item, field) {
            Some(text) => {
                let found = find_date(&text, &select.date_format, opts.tz, opts.now);
                if found.is_none() {
                    warnings.push(format!("{location}: no date in {:?}", shorten(&text)));
                }
                found
            }
            None => None,
        },
        // Without a date selector, a machine-readable <time> is still a safe find.
        None => item
            .select(&TIME_DATETIME)
            .next()
            .and_then(|t| t.attr("datetime"))
            .and_then(|v| find_date(v, &[], opts.tz, opts.now)),
    };
    let image = select.image.as_ref().and_then(|field| {
        let el = first_match(item, field)?;
        resolve(base, &url_value(el, field, &["src", "data-src"])?).map(String::from)
    });
    let optional = |field: &Option<Field>| field.as_ref().and_then(|f| text_field(item, f));

    Some(Article {
        key: Some(link.clone()),
        title,
        link: Some(link),
        summary: optional(&select.summary),
        published,
        authors: optional(&select.author).into_iter().collect(),
        categories: optional(&select.category).into_iter().collect(),
        image,
        origin: Origin { source: opts.source_id.to_owned(), location: location.to_owned() },
        ..Article::default()
    })
}

/// Reads a followed article page.
///
/// - `content`: the inner HTML of the first match of `select.content`; without it, or when it
///   matches nothing, a main-content heuristic picks the element (`article`, `main`, `div`,
///   `section`, `td`) with the most paragraph text, discounting link-heavy blocks and ignoring
///   `nav`, `header`, `footer`, `aside`, `form`, scripts and styles. Not sanitised.
/// - `title`: `select.title`, else `og:title`, else the first `h1`, else `<title>`.
/// - `authors`: every match of `select.author` (labels such as `作者：` and `By` removed,
///   duplicates dropped), else `<meta name="author">`.
/// - `published`: `select.published` through [`find_date`]; else `article:published_time`
///   (and similar meta tags), the first `<time datetime>`, or a date in the first two kilobytes of the page's visible text.
/// - `source`: `select.source` with a label such as `来源：`, `来源:` or `Source:` removed, and
///   cut at the next label (`作者：`, `编辑：`, ...) or `|`.
/// - `channel`: the text of the last match of `select.channel`.
pub fn extract_article(
    html: &str,
    select: Option<&ArticleSelect>,
    opts: &PageOptions,
) -> ArticlePage {
    let doc = Html::parse_document(&depth::limit_depth(html));
    let root = doc.root_element();
    let none = ArticleSelect::default();
    let select = select.unwrap_or(&none);

    let title = select
        .title
        .as_ref()
        .and_then(|f| text_field(root, f))
        .or_else(|| meta_content(&doc, &OG_TITLE))
        .or_else(|| doc.select(&H1).map(element_text).find(|t| !t.is_empty()))
        .or_else(|| doc.select(&TITLE).map(element_text).find(|t| !t.is_empty()));

    let content = select
        .content
        .as_ref()
        .and_then(|f| doc.select(&f.selector).next())
        .or_else(|| content::main_content(root))
        .map(|el| el.inner_html())
        .filter(|html| !html.trim().is_empty());

    let mut authors: Vec<String> = Vec::new();
    if let Some(field) = &select.author {
        for el in doc.select(&field.selector) {
            let name = strip_label(&value_text(el, field), AUTHOR_LABELS);
            if !name.is_empty() && !authors.contains(&name) {
                authors.push(name);
            }
        }
    }
    if authors.is_empty()
        && let Some(name) = meta_content(&doc, &META_AUTHOR)
    {
        let name = strip_label(&name, AUTHOR_LABELS);
        if !name.is_empty() {
            authors.push(name);
        }
    }

    let published = select
        .published
        .as_ref()
        .and_then(|f| text_field(root, f))
        .and_then(|text| find_date(&text, &[], opts.tz, opts.now))
        .or_else(|| {
            doc.select(&META_PUBLISHED)
                .filter_map(|m| m.attr("content"))
                .find_map(|v| find_date(v, &[], opts.tz, opts.now))
        })
        .or_else(|| {
            doc.select(&TIME_DATETIME)
                .filter_map(|t| t.attr("datetime"))
                .find_map(|v| find_date(v, &[], opts.tz, opts.now))
        })
        .or_else(|| {
            let body = doc.select(&BODY).next().unwrap_or(root);
            let mut top = TextOut::default();
            collect_text(*body, &mut top, TOP_TEXT_BYTES, |name| {
                matches!(name, "nav" | "aside" | "footer" | "form")
            });
            find_date(&top.out, &[], opts.tz, opts.now)
        });

    let source = select
        .source
        .as_ref()
        .and_then(|f| text_field(root, f))
        .map(|text| strip_label(&text, SOURCE_LABELS))
        .filter(|s| !s.is_empty());

    // The last non-empty match: a breadcrumb ends with the most specific section.
    let channel = select.channel.as_ref().and_then(|field| {
        doc.select(&field.selector).rev().map(|el| value_text(el, field)).find(|t| !t.is_empty())
    });

    ArticlePage { title, content, authors, published, source, channel }
}

// Date finding is documented where it lives, in `date.rs`.
pub use date::find_date;

// ---------------------------------------------------------------------------------------------
// Fields and URLs
// ---------------------------------------------------------------------------------------------

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("built-in selector")
}

static BASE: LazyLock<Selector> = LazyLock::new(|| selector("base[href]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static TIME_DATETIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static OG_TITLE: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"meta[property="og:title"][content]"#));
static META_AUTHOR: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"meta[name="author"][content]"#));
static META_PUBLISHED: LazyLock<Selector> = LazyLock::new(|| {
    selector(
        r#"meta[property="article:published_time"][content],
           meta[itemprop="datePublished"][content],
           meta[name="pubdate"][content], meta[name="PubDate"][content],
           meta[name="publishdate"][content], meta[name="publish-date"][content]"#,
    )
});

/// The first element matching `field` inside `scope`, or `scope` itself when nothing inside
/// matches but it does (an item selector `a.story` with the default title selector `a`).
fn first_match<'a>(scope: ElementRef<'a>, field: &Field) -> Option<ElementRef<'a>> {
    scope.select(&field.selector).next().or_else(|| field.selector.matches(&scope).then_some(scope))
}

/// The field's plain text inside `scope`, if it matched and is not empty.
fn text_field(scope: ElementRef<'_>, field: &Field) -> Option<String> {
    let text = value_text(first_match(scope, field)?, field);
    (!text.is_empty()).then_some(text)
}

/// An element's value for a field: its `@attr` (whitespace-collapsed), else its visible text.
fn value_text(el: ElementRef<'_>, field: &Field) -> String {
    match &field.attr {
        Some(attr) => collapse(el.attr(attr).unwrap_or("")),
        None => element_text(el),
    }
}

/// An element's URL for a field: its `@attr`; without one, the first of `attrs` it has; else
/// its text.
fn url_value(el: ElementRef<'_>, field: &Field, attrs: &[&str]) -> Option<String> {
    let raw = match &field.attr {
        Some(attr) => el.attr(attr)?.to_owned(),
        None => match attrs.iter().find_map(|a| el.attr(a)) {
            Some(v) => v.to_owned(),
            None => element_text(el),
        },
    };
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.to_owned())
}

/// Whitespace collapsed, forbidden characters removed.
fn collapse(s: &str) -> String {
    let mut out = TextOut::default();
    out.push(s);
    out.out
}

/// The `content` of the first matching meta tag, as plain text (never parsed as HTML: a quote
/// or `<script>` in an `og:title` stays text).
fn meta_content(doc: &Html, sel: &Selector) -> Option<String> {
    doc.select(sel).filter_map(|m| m.attr("content")).map(collapse).find(|t| !t.is_empty())
}

/// The base for relative links: the page's first `<base href>` when it resolves to an http(s)
/// URL, else the page URL. A `javascript:` or `data:` base is ignored rather than letting it
/// turn every relative link into a script.
fn base_url(doc: &Html, page_url: &Url) -> Url {
    doc.select(&BASE)
        .next()
        .and_then(|b| b.attr("href"))
        .and_then(|href| resolve(page_url, href))
        .unwrap_or_else(|| page_url.clone())
}

/// `href` resolved against `base`, if the result is an http(s) URL.
fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Whether two URLs name the same page (fragments aside).
fn same_page(a: &Url, b: &Url) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}

/// A value as shown in a warning: at most 80 characters.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

const SOURCE_LABELS: &[&str] = &["来源", "來源", "稿源", "出处", "source"];
const AUTHOR_LABELS: &[&str] = &["作者", "记者", "撰文", "author", "authors", "by"];

/// Labels that end a labelled value when a line holds several (`来源：X 作者：Y`).
const ANY_LABEL: &[&str] = &[
    "来源",
    "來源",
    "作者",
    "记者",
    "编辑",
    "责任编辑",
    "责编",
    "时间",
    "发布时间",
    "日期",
    "点击",
    "source",
    "author",
    "editor",
    "date",
    "published",
    "updated",
];

/// The value a label introduces: with `来源：江城日报 作者：李明`, `source` labels give
/// `江城日报`. The label (followed by `:` or `：`) may stand anywhere in the text, because
/// source lines often start with the date; `By Jane Doe` needs no colon. Text without a label
/// is returned whole. The value ends at the next label or at `|`, `｜` or `丨`.
fn strip_label(text: &str, labels: &[&str]) -> String {
    let lower = text.to_ascii_lowercase();
    let mut value = text;
    let mut best: Option<usize> = None;
    for label in labels {
        for (at, _) in lower.match_indices(label) {
            if !starts_word(&lower, at, label) {
                continue;
            }
            let after = &text[at + label.len()..];
            let rest = after.trim_start();
            let value_start = if let Some(v) = rest.strip_prefix([':', '：']) {
                Some(v)
            } else if *label == "by" && at == 0 && after.starts_with(char::is_whitespace) {
                Some(rest)
            } else {
                None
            };
            if let Some(v) = value_start {
                let start = text.len() - v.len();
                if best.is_none_or(|b| at < b) {
                    best = Some(at);
                    value = &text[start..];
                }
                break;
            }
        }
    }
    let mut end = value.len();
    if let Some(i) = value.find(['|', '｜', '丨']) {
        end = end.min(i);
    }
    let value_lower = value.to_ascii_lowercase();
    for label in ANY_LABEL {
        for (at, _) in value_lower.match_indices(label) {
            if at == 0 || !starts_word(&value_lower, at, label) {
                continue;
            }
            let rest = value[at + label.len()..].trim_start();
            if rest.starts_with([':', '：']) {
                end = end.min(at);
                break;
            }
        }
    }
    value[..end].trim().trim_end_matches([',', '，', ';', '；']).trim().to_owned()
}

/// Whether the Latin `label` found at `at` in `text` is a whole word ("bylines" holds no "by",
/// "update" no "date"); Chinese labels need no boundary.
fn starts_word(text: &str, at: usize, label: &str) -> bool {
    if !label.is_ascii() {
        return true;
    }
    let before = text[..at].chars().next_back();
    let after = text[at + label.len()..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

// ---------------------------------------------------------------------------------------------
// Warnings
// ---------------------------------------------------------------------------------------------

/// Warnings of one page, at most [`MAX_WARNINGS`] kept.
#[derive(Default)]
struct Warnings {
    kept: Vec<String>,
    dropped: usize,
}

impl Warnings {
    fn push(&mut self, message: String) {
        if self.kept.len() < MAX_WARNINGS {
            self.kept.push(message);
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.kept.push(format!("... and {} more warnings on this page", self.dropped));
        }
        self.kept
    }
}
