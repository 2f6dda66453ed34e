//! The `feedwright` binary: parses arguments, runs the library, prints the
//! report, and maps the outcome to an exit code. Nothing else lives here.

use std::process::ExitCode;

use clap::Parser;
use feedwright::app::{self, BuildOptions};
use feedwright::cli::{Cli, Command};
use feedwright::config::Config;

// mimalloc: the build allocates many short-lived strings from several
// threads, where glibc malloc measured noticeably slower.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for configuration and usage errors (nothing written).
const EXIT_CONFIG: u8 = 2;
/// Exit code when the output could not be written.
const EXIT_OUTPUT: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's own help/version exits are successes.
            return ExitCode::from(if e.use_stderr() { EXIT_CONFIG } else { 0 });
        }
    };
    let (common, result) = match &cli.command {
        Command::Build(args) => (&args.common, run_build(args)),
        Command::Check(args) => (&args.common, run_check(&args.common.config)),
    };
    match result {
        Ok(report) => {
            for line in report.problem_lines() {
                eprintln!("{line}");
            }
            if !common.quiet {
                print!("{}", report.summary(common.verbose));
            }
            // For benchmarks: where the time went, on stderr.
            if std::env::var_os("FEEDWRIGHT_TIMINGS").is_some() {
                eprint!("{}", report.timings.render());
            }
            ExitCode::from(report.exit_code())
        }
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn run_build(args: &feedwright::cli::BuildArgs) -> Result<app::Report, (u8, String)> {
    let config =
        Config::from_file(&args.common.config).map_err(|e| (EXIT_CONFIG, e.to_string()))?;
    let options = BuildOptions { out: args.out.clone(), strict: args.strict };
    app::build(&config, &options).map_err(|e| (EXIT_OUTPUT, e.to_string()))
}

fn run_check(path: &std::path::Path) -> Result<app::Report, (u8, String)> {
    let config = Config::from_file(path).map_err(|e| (EXIT_CONFIG, e.to_string()))?;
    Ok(app::check(&config))
}
