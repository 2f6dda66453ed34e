//! feedwright turns article records into channel feeds: RSS 2.0, Atom 1.0 and
//! JSON Feed files, plus HTML pages and an OPML list, written into `output/`.
//!
//! # Layout
//!
//! Data flows one way, and the modules are listed in that order:
//!
//! - [`config`]: `feeds.toml` → validated [`config::Config`] (site, channels, sources).
//! - [`model`]: the one normalised record, [`model::Article`], and [`model::ChannelFeed`].
//! - [`dates`]: the date formats records may use, read in the right timezone.
//! - [`fetch`]: the only module that touches the network: limits, politeness, SSRF guard.
//! - [`decode`]: bytes of a fetched document to UTF-8 text (BOM, header, prolog).
//! - [`sources`]: collect records from each configured source (one module per kind).
//! - [`store`]: SQLite state: validators, failures, items seen per source.
//! - [`aggregate`]: feed and html sources: which are due, fetch, parse, store, stored items.
//! - [`scrape`]: the network side of html sources: listing pages, pagination, followed articles.
//! - [`text`]: plain text and related-reading snippets from HTML or text.
//! - [`sanitize`]: safe content HTML with absolute URLs.
//! - [`gather`]: every source into the pipeline in config order, feed results as they come.
//! - [`pipeline`]: resolve channels, dedupe, sort, limit, aggregate parents, summarise.
//! - [`emit`]: render a channel in each format (one module per format) and the site pages.
//! - [`output`]: atomic, change-only writes under the output directory; stale-file removal.
//! - [`app`]: one `build`, `check` or `status` run, top to bottom, returning a [`app::Report`].
//! - [`cli`]: the command-line arguments (parsed by `main`).
//! - [`error`]: the typed errors callers branch on.

pub mod aggregate;
pub mod app;
pub mod cli;
pub mod config;
pub mod dates;
pub mod decode;
pub mod emit;
pub mod error;
#[cfg(test)]
mod fault;
pub mod fetch;
pub mod gather;
mod links;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod process;
pub mod sanitize;
pub mod scrape;
pub mod sources;
pub mod store;
pub mod text;
