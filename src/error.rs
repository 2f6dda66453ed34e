//! Typed errors that callers branch on. Each message says what was wrong,
//! where (file, line, column), and what to do about it; `main` prints the
//! message and picks the exit code from the variant.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// The configuration could not be loaded; nothing was written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config file does not exist.
    #[error("config not found: {} (pass --config PATH or create feeds.toml)", path.display())]
    NotFound { path: PathBuf },
    /// The config file exists but could not be read.
    #[error("cannot read config {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// The file is larger than a config file can sensibly be.
    #[error("{}: config file is {size} bytes, over the {limit}-byte limit", path.display())]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    /// A problem at a known position (TOML syntax, unknown key, bad value).
    #[error("{}:{line}:{column}: {message}", path.display())]
    At { path: PathBuf, line: usize, column: usize, message: String },
    /// A problem with no single position (e.g. a missing table).
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// The output directory could not be written; the previous files stay.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OutputError {
    /// Creating, writing, syncing or renaming a file failed.
    #[error("cannot write {}: {source}{}", path.display(), write_hint(source))]
    Write { path: PathBuf, source: io::Error },
    /// Removing a stale file failed.
    #[error("cannot remove stale file {}: {source}", path.display())]
    Remove { path: PathBuf, source: io::Error },
    /// Another feedwright run holds the output directory's lock.
    #[error("output directory {} is locked by pid {pid}: another feedwright run is writing it; try again when it ends", path.display())]
    Locked { path: PathBuf, pid: String },
    /// The output path exists but is not a directory.
    #[error("output path {} is not a directory", path.display())]
    NotADirectory { path: PathBuf },
}

/// What to do about a failed write, for the kinds a user can fix. Every
/// write is atomic, so each hint can promise the old file is still there.
fn write_hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "; the disk or quota is full: free some space and run again \
             (files not yet replaced keep their previous version)"
        }
        io::ErrorKind::FileTooLarge => {
            "; the file is over this process's file size limit (ulimit -f): \
             raise the limit and run again (the previous version is kept)"
        }
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            "; make the output directory writable by this user, or pass --out DIR \
             (the previous version is kept)"
        }
        _ => "",
    }
}
