//! CSS selector settings of `kind = "html"` sources: `[source.select]` for a
//! listing page and `[source.article]` for followed article pages.
//!
//! A field is written `"css selector"` (the text of the first match) or
//! `"css selector@attr"` (that attribute of the first match). Selectors are
//! parsed here, at config load, so a syntax error is reported with the
//! source id and the selector before anything is fetched.

use scraper::Selector;

/// One extraction rule: a selector and, optionally, the attribute to read.
#[derive(Debug, Clone)]
pub struct Field {
    /// The selector as written (with any `@attr`), for messages.
    pub raw: String,
    pub selector: Selector,
    /// `None`: the element's text (whitespace collapsed).
    pub attr: Option<String>,
}

impl Field {
    /// Parses `"a.title"` or `"a@href"`. The error says what is wrong with
    /// the selector.
    pub fn parse(raw: &str) -> Result<Field, String> {
        let raw = raw.trim();
        let (css, attr) = match raw.rsplit_once('@') {
            Some((css, attr))
                if !attr.is_empty()
                    && attr
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':')) =>
            {
                (css.trim(), Some(attr.to_ascii_lowercase()))
            }
            _ => (raw, None),
        };
        if css.is_empty() {
            return Err("empty selector".to_owned());
        }
        let selector = Selector::parse(css).map_err(|e| format!("invalid CSS selector: {e}"))?;
        Ok(Field { raw: raw.to_owned(), selector, attr })
    }
}

/// `[source.select]`: how to find items on a listing page.
#[derive(Debug, Clone)]
pub struct Select {
    /// One match per item.
    pub item: Field,
    /// Inside the item; default: the first `a`'s text.
    pub title: Field,
    /// Inside the item; default: the first `a`'s `href`.
    pub link: Field,
    pub summary: Option<Field>,
    pub date: Option<Field>,
    /// chrono formats tried on the date text (before the built-in formats);
    /// formats without a year take the latest such date not in the future.
    pub date_format: Vec<String>,
    pub author: Option<Field>,
    pub image: Option<Field>,
    pub category: Option<Field>,
}

/// `[source.article]`: what to read from a followed article page. Every
/// field is optional; without `content`, a main-content heuristic picks the
/// body.
#[derive(Debug, Clone, Default)]
pub struct ArticleSelect {
    pub content: Option<Field>,
    pub author: Option<Field>,
    pub published: Option<Field>,
    pub source: Option<Field>,
    pub title: Option<Field>,
    /// A breadcrumb or section name that names the item's channel.
    pub channel: Option<Field>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_take_text_or_an_attribute() {
        let f = Field::parse("a.title").unwrap();
        assert_eq!((f.raw.as_str(), f.attr), ("a.title", None));
        let f = Field::parse(" a@HREF ").unwrap();
        assert_eq!((f.raw.as_str(), f.attr.as_deref()), ("a@HREF", Some("href")));
        let f = Field::parse("time@datetime").unwrap();
        assert_eq!(f.attr.as_deref(), Some("datetime"));
        // An attribute selector is not an `@attr`.
        assert_eq!(Field::parse("a[href]").unwrap().attr, None);
    }

    #[test]
    fn bad_selectors_say_why() {
        assert!(Field::parse("ul..x").unwrap_err().starts_with("invalid CSS selector"));
        assert_eq!(Field::parse("@href").unwrap_err(), "empty selector");
    }
}
