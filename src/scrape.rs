//! The network side of `kind = "html"` sources: fetch a listing page (and
//! its next pages), extract items with the source's selectors, and, with
//! `follow = true`, fetch each item's article page and fill the record from
//! it. Extraction itself is pure and lives in `sources::html`; this module
//! only moves bytes and decides what to fetch.
//!
//! Article pages already in the state database are not fetched again: a
//! stored item with content is reused as it is. Listing pages get a
//! conditional GET like feeds. Nothing here writes the store or prints.

use std::path::Path;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use url::Url;

use crate::aggregate::Fetched;
use crate::config::{ChannelNames, FeedLocation, HtmlSource, Source, redact_url};
use crate::decode::{charset_of, decode};
use crate::fetch::{FetchError, FetchOutcome, FetchRequest, Fetcher, Validators};
use crate::model::Article;
use crate::pipeline::stable_id;
use crate::sources::html::{PageOptions, extract_article, extract_listing};
use crate::store::SourceState;

/// Everything one html source's run needs besides the fetcher.
pub struct ScrapeJob<'a> {
    pub source: &'a Source,
    pub html: &'a HtmlSource,
    pub site_link: &'a Url,
    pub now: DateTime<Utc>,
    /// The source's stored items (only read when following articles).
    pub cached: &'a [Article],
    /// Channel names, for a breadcrumb that picks an item's channel.
    pub names: &'a ChannelNames,
}

/// A fetched page: its text and the URL it came from.
struct Page {
    text: String,
    url: Url,
    validators: Validators,
    warning: Option<String>,
}

/// Runs one html source: listing pages, then (optionally) articles.
pub(crate) async fn scrape(
    fetcher: Result<&Fetcher, &FetchError>,
    job: ScrapeJob<'_>,
    state: &SourceState,
) -> Fetched {
    let validators =
        Validators { etag: state.etag.clone(), last_modified: state.last_modified.clone() };
    let first = match &job.html.location {
        FeedLocation::Path { path, .. } => read_file(path).await,
        FeedLocation::Url(url) => match fetcher {
            Ok(f) => fetch_page(f, url, &validators, job.html.allow_private).await,
            Err(e) => Err((e.to_string(), None)),
        },
    };
    let first = match first {
        Ok(Some(page)) => page,
        Ok(None) => return Fetched::NotModified,
        Err((error, retry_after)) => return Fetched::Failed { error, retry_after },
    };
    let page_validators = first.validators.clone();
    let mut warnings: Vec<String> = first.warning.iter().cloned().collect();
    let mut articles: Vec<Article> = Vec::new();
    let mut page = first;
    let mut pages = 0;
    loop {
        pages += 1;
        let opts = PageOptions {
            source_id: &job.source.id,
            page_url: &page.url,
            tz: job.source.timezone,
            now: job.now,
        };
        let listing = extract_listing(&page.text, &job.html.select, job.html.next.as_ref(), &opts);
        warnings.extend(listing.warnings);
        if listing.items.is_empty() {
            warnings.push(format!(
                "0 items matched \"{}\" on {}",
                job.html.select.item.raw,
                shown(&page.url)
            ));
        }
        for a in listing.items {
            if !articles.iter().any(|b| b.link == a.link) {
                articles.push(a);
            }
        }
        // Pagination only over http(s): a local page's "next" link points
        // at the live site, which a local source must not fetch.
        let (Some(next), Ok(fetcher), FeedLocation::Url(_)) =
            (listing.next, fetcher, &job.html.location)
        else {
            break;
        };
        if pages >= job.html.max_pages {
            break;
        }
        match fetch_page(fetcher, &next, &Validators::default(), job.html.allow_private).await {
            Ok(Some(p)) => page = p,
            Ok(None) => break,
            Err((error, _)) => {
                warnings.push(format!("next page {}: {error}", shown(&next)));
                break;
            }
        }
    }
    if articles.is_empty() {
        // Nothing matched: keep the stored items rather than replacing them
        // with nothing, and say so (the warning above names the selector).
        return Fetched::Items {
            articles,
            encoded: Vec::new(),
            validators: Validators::default(),
            warnings,
        };
    }
    if job.html.follow
        && let Ok(fetcher) = fetcher
    {
        follow(fetcher, &job, &mut articles, &mut warnings).await;
    }
    if let Some(channel) = &job.source.channel {
        for a in &mut articles {
            a.id = stable_id(a, channel, job.site_link);
        }
    }
    Fetched::Items { articles, encoded: Vec::new(), validators: page_validators, warnings }
}

/// Fills each item from its article page, fetching only pages not already
/// stored; the fetcher bounds how many run at once.
async fn follow(
    fetcher: &Fetcher,
    job: &ScrapeJob<'_>,
    articles: &mut [Article],
    warnings: &mut Vec<String>,
) {
    let work = articles.iter_mut().map(|item| async move {
        let link = item.link.clone()?;
        let stored = job.cached.iter().find(|c| c.link.as_deref() == Some(&link));
        if let Some(stored) = stored.filter(|c| c.content.is_some()) {
            let listing_date = item.published;
            *item = stored.clone();
            item.published = item.published.or(listing_date);
            return None;
        }
        let url = Url::parse(&link).ok()?;
        match fetch_page(fetcher, &url, &Validators::default(), job.html.allow_private).await {
            Ok(Some(page)) => {
                let opts = PageOptions {
                    source_id: &job.source.id,
                    page_url: &page.url,
                    tz: job.source.timezone,
                    now: job.now,
                };
                let found = extract_article(&page.text, job.html.article.as_ref(), &opts);
                if let Some(t) = found.title.filter(|t| !t.is_empty() && item.title.is_empty()) {
                    item.title = t;
                }
                item.content = found.content.or(item.content.take());
                if !found.authors.is_empty() {
                    item.authors = found.authors;
                }
                item.published = found.published.or(item.published);
                item.source = found.source.or(item.source.take());
                // A breadcrumb names a channel only if it is one we know.
                if let Some(c) = found.channel.filter(|c| job.names.resolve(c).is_some()) {
                    item.channel = Some(c);
                }
                None
            }
            Ok(None) => None,
            Err((error, _)) => Some(format!("article {}: {error}", shown(&url))),
        }
    });
    warnings.extend(join_all(work).await.into_iter().flatten());
}

/// GETs a page and decodes it; `Ok(None)` for 304 Not Modified.
async fn fetch_page(
    fetcher: &Fetcher,
    url: &Url,
    validators: &Validators,
    allow_private: bool,
) -> Result<Option<Page>, (String, Option<std::time::Duration>)> {
    let request = FetchRequest { url, validators, allow_private };
    match fetcher.fetch(request).await {
        Ok(FetchOutcome::NotModified) => Ok(None),
        Ok(FetchOutcome::Fetched(body)) => {
            let charset = body.content_type.as_deref().and_then(charset_of);
            let decoded = decode(&body.body, charset).map_err(|e| (e.to_string(), None))?;
            Ok(Some(Page {
                text: decoded.text.into_owned(),
                url: body.final_url,
                validators: body.validators,
                warning: decoded.warning,
            }))
        }
        Err(e) => Err((crate::aggregate::describe(&e), e.retry_after())),
    }
}

async fn read_file(path: &Path) -> Result<Option<Page>, (String, Option<std::time::Duration>)> {
    let bytes =
        tokio::fs::read(path).await.map_err(|e| (format!("cannot read file: {e}"), None))?;
    let decoded = decode(&bytes, None).map_err(|e| (e.to_string(), None))?;
    let url = crate::aggregate::file_url(path)
        .ok_or_else(|| ("cannot turn the path into a file URL".to_owned(), None))?;
    Ok(Some(Page {
        text: decoded.text.into_owned(),
        url,
        validators: Validators::default(),
        warning: decoded.warning,
    }))
}

fn shown(url: &Url) -> String {
    if url.scheme() == "file" {
        url.to_file_path().map_or_else(|()| url.to_string(), |p| p.display().to_string())
    } else {
        redact_url(url)
    }
}
