//! Command-line arguments (clap derive). Flags only; no logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Turns article records, other sites' feeds and news pages into RSS 2.0, Atom 1.0 and JSON
/// Feed channels.
#[derive(Debug, Parser)]
#[command(name = "feedwright", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "Examples:
  feedwright build                      build every channel from ./feeds.toml into output/
  feedwright build --out /srv/www/feeds write somewhere else
  feedwright build --strict             refuse to write if any record is bad
  feedwright check --config site.toml   validate config and records, write nothing
  feedwright status                     when each feed source was fetched, and how it went

Exit codes: 0 all good; 1 some records or sources had problems (feeds were still
written, except with --strict); 2 config or usage error; 3 the output or the state
database could not be used.";

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every source and write the feeds, pages and OPML list.
    #[command(after_help = EXAMPLES)]
    Build(BuildArgs),
    /// Validate the config and every record without writing anything.
    #[command(after_help = EXAMPLES)]
    Check(CheckArgs),
    /// Show each feed source's last fetch, status, items, next retry and last error.
    #[command(after_help = EXAMPLES)]
    Status(CheckArgs),
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct Common {
    /// The config file.
    #[arg(long, short = 'c', value_name = "PATH", default_value = "feeds.toml")]
    pub config: PathBuf,
    /// Print only errors.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail (files read per source, per-request logs).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// The state database (overrides `[site] state`).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// How problems and logs are written to stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per problem.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `feedwright build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output directory (overrides `[site] output`).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit 1 without writing anything if any record or source has a problem.
    #[arg(long)]
    pub strict: bool,
}

/// `feedwright check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
}
