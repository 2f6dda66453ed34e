//! Loads `feeds.toml` into a validated [`Config`].
//!
//! `Config::from_file` only reads the file (size cap, BOM, UTF-8) and
//! `Config::parse` does the rest, so tests drive it with inline strings.
//! Every error names the file and, where there is one, the line and column of
//! the offending key or value. This module never touches the record files a
//! source points at: a missing record file is a source problem at build
//! time, not a config error, so one broken source cannot stop the others.

mod raw;
mod select;
mod types;
mod validate;

use std::path::{Path, PathBuf};

pub use select::{ArticleSelect, Field, Select};
pub use types::*;
pub use validate::line_column;

use crate::error::ConfigError;

/// Config files larger than this are refused before parsing.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A loaded and validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, for messages.
    pub path: PathBuf,
    /// `None` for a config with no `[site]` and no channels (a no-op run).
    pub site: Option<Site>,
    /// In file order; parents may come after children.
    pub channels: Vec<Channel>,
    /// In file order, disabled ones included.
    pub sources: Vec<Source>,
    /// Channel ids, titles and aliases, for resolving records' `channel`.
    pub names: ChannelNames,
    /// `[fetch]` limits.
    pub fetch: Fetch,
}

impl Config {
    /// Reads and validates the config file at `path`.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ConfigError::NotFound { path: path.to_owned() },
            _ => ConfigError::Read { path: path.to_owned(), source: e },
        })?;
        if meta.is_dir() {
            let message = "is a directory; pass the path of a feeds.toml file".to_owned();
            return Err(ConfigError::Invalid { path: path.to_owned(), message });
        }
        if meta.len() > MAX_CONFIG_BYTES {
            let (size, limit) = (meta.len(), MAX_CONFIG_BYTES);
            return Err(ConfigError::TooLarge { path: path.to_owned(), size, limit });
        }
        let bytes = std::fs::read(path)
            .map_err(|e| ConfigError::Read { path: path.to_owned(), source: e })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: format!("not valid UTF-8 at byte {}; save the file as UTF-8", e.valid_up_to()),
        })?;
        Config::parse(text, path)
    }

    /// Parses and validates config text; `path` is used for messages and to
    /// resolve relative paths (against its directory).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        // Editors on Windows like to add a BOM; TOML does not allow one.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let file: raw::ConfigFile =
            toml::from_str(text).map_err(|e| validate::toml_error(&e, text, path))?;
        let base = path.parent().map(Path::to_owned).unwrap_or_default();
        validate::validate(file, text, path, &base)
    }

    /// True for a config with nothing to build (no site or no channels).
    pub fn is_empty(&self) -> bool {
        self.site.is_none() || self.channels.is_empty()
    }

    /// Whether any enabled source needs the state database.
    pub fn needs_state(&self) -> bool {
        self.sources.iter().any(|s| s.enabled && !matches!(s.kind, SourceKind::Records { .. }))
    }

    /// Looks a channel up by id.
    pub fn channel(&self, id: &ChannelId) -> Option<&Channel> {
        self.channels.iter().find(|c| &c.id == id)
    }
}

#[cfg(test)]
mod tests;
