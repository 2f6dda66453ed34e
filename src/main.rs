//! The `feedwright` binary: parses arguments, runs the library, prints the
//! report, and maps the outcome to an exit code. Nothing else lives here.

use std::process::ExitCode;

use clap::Parser;
use feedwright::app::{self, BuildOptions};
use std::io::IsTerminal;

use feedwright::cli::{Cli, Command, Common, LogFormat};
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
    feedwright::process::prefer_small_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's own help/version exits are successes.
            return ExitCode::from(if e.use_stderr() { EXIT_CONFIG } else { 0 });
        }
    };
    let common = match &cli.command {
        Command::Build(args) => &args.common,
        Command::Check(args) | Command::Status(args) => &args.common,
    };
    init_logging(common);
    let (common, result) = match &cli.command {
        Command::Build(args) => (&args.common, run_build(args)),
        Command::Check(args) => (&args.common, run_check(&args.common)),
        Command::Status(args) => return run_status(&args.common),
    };
    match result {
        Ok(report) => {
            let lines = match common.log_format {
                LogFormat::Text => report.problem_lines(),
                LogFormat::Json => report.problem_json_lines(),
            };
            for line in lines {
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
    // A progress bar only for a person watching a terminal.
    let progress = std::io::stderr().is_terminal()
        && !args.common.quiet
        && args.common.log_format == LogFormat::Text;
    let options = BuildOptions {
        out: args.out.clone(),
        strict: args.strict,
        state: args.common.state.clone(),
        progress,
    };
    // One multi-thread runtime for the whole run; only fetching is async.
    // One blocking thread per core: parsing is CPU-bound, and each further
    // thread only adds memory (its allocator heap starts on fresh pages,
    // which the kernel must zero: on the merge benchmark, 4 threads on 2
    // cores cost a fifth more time and memory than 2).
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.max(2))
        .build()
        .map_err(|e| (EXIT_OUTPUT, format!("cannot start the async runtime: {e}")))?;
    let report =
        runtime.block_on(app::build(&config, &options)).map_err(|e| (EXIT_OUTPUT, e.to_string()));
    // Not shut down: the run is over and the process exits next, which
    // stops its threads at once. Shutting down joined each of them first,
    // and each thread's allocator heap was handed back page by page on its
    // way out (a few percent of a large merge).
    std::mem::forget(runtime);
    report
}

/// Logs go to stderr: warnings by default, errors only with -q, per-request
/// detail with -v; as JSON lines with --log-format json.
fn init_logging(common: &Common) {
    let level = if common.quiet {
        "error"
    } else if common.verbose {
        "feedwright=debug,warn"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FEEDWRIGHT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match common.log_format {
        // Colour only on a terminal: in cron mail and log files the escape
        // codes are noise.
        LogFormat::Text => builder
            .without_time()
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

fn run_check(common: &feedwright::cli::Common) -> Result<app::Report, (u8, String)> {
    let config = Config::from_file(&common.config).map_err(|e| (EXIT_CONFIG, e.to_string()))?;
    app::check(&config, common.state.as_deref()).map_err(|e| (EXIT_OUTPUT, e.to_string()))
}

fn run_status(common: &feedwright::cli::Common) -> ExitCode {
    let result = Config::from_file(&common.config)
        .map_err(|e| (EXIT_CONFIG, e.to_string()))
        .and_then(|config| {
            app::status(&config, common.state.as_deref()).map_err(|e| (EXIT_OUTPUT, e.to_string()))
        });
    match result {
        Ok(states) => {
            print!("{}", app::render_status(&states, chrono::Utc::now()));
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}
