//! Serde mirror of `feeds.toml`: field for field what a user may write, with
//! unknown keys rejected. Nothing here is checked beyond its TOML type; that
//! is `validate`'s job, which turns these into the types in `types.rs`.

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub site: Option<SiteConfig>,
    #[serde(default)]
    pub channel: Vec<ChannelConfig>,
    #[serde(default)]
    pub source: Vec<SourceConfig>,
    pub fetch: Option<FetchConfig>,
}

/// `[fetch]`: limits for every `kind = "feed"` source with a URL.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    pub concurrency: Option<Spanned<i64>>,
    pub per_host: Option<Spanned<i64>>,
    pub connect_timeout: Option<Spanned<String>>,
    pub read_timeout: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub max_body_mib: Option<Spanned<i64>>,
    pub max_redirects: Option<Spanned<i64>>,
    pub allow_private: Option<bool>,
}

/// A value that may be one string or a list of strings (`include`). The
/// span is on the whole value: serde's untagged enums cannot carry spans
/// inside.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// `[site]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: Spanned<String>,
    pub link: Spanned<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub timezone: Option<Spanned<String>>,
    pub output: Option<String>,
    pub formats: Option<Spanned<Vec<Spanned<String>>>>,
    pub summary_length: Option<Spanned<i64>>,
    pub ellipsis: Option<String>,
    pub items_per_channel: Option<Spanned<i64>>,
    pub author: Option<String>,
    pub state: Option<String>,
}

/// One `[[channel]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub description: Option<String>,
    pub link: Option<Spanned<String>>,
    pub language: Option<String>,
    pub parent: Option<Spanned<String>>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    pub items_per_channel: Option<Spanned<i64>>,
    pub summary_length: Option<Spanned<i64>>,
    pub keep_days: Option<Spanned<i64>>,
    pub keep_items: Option<Spanned<i64>>,
}

/// One `[[source]]`. Kind-specific keys live side by side; `validate` rejects
/// a key that the source's kind does not use.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    pub path: Option<Spanned<String>>,
    pub format: Option<Spanned<String>>,
    pub channel: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
    #[serde(default = "yes")]
    pub enabled: bool,
    // kind = "feed"
    pub url: Option<Spanned<String>>,
    pub every: Option<Spanned<String>>,
    pub include: Option<Spanned<OneOrMany>>,
    pub exclude: Option<Spanned<OneOrMany>>,
    pub max_age: Option<Spanned<String>>,
    pub max_items: Option<Spanned<i64>>,
    pub allow_private: Option<bool>,
    // kind = "html"
    pub select: Option<Spanned<SelectConfig>>,
    pub article: Option<Spanned<ArticleConfig>>,
    pub follow: Option<bool>,
    pub next: Option<Spanned<String>>,
    pub max_pages: Option<Spanned<i64>>,
}

/// `[source.select]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectConfig {
    pub item: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub link: Option<Spanned<String>>,
    pub summary: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub date_format: Option<Spanned<OneOrMany>>,
    pub author: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
    pub category: Option<Spanned<String>>,
}

/// `[source.article]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleConfig {
    pub content: Option<Spanned<String>>,
    pub author: Option<Spanned<String>>,
    pub published: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub channel: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}
