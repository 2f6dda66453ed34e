//! The single integration-test binary (`autotests = false`): each module
//! drives the real `feedwright` binary on fixtures in a temp directory.

// Shared harness: TestDir builder, running the binary, reading output.
mod util;

// `build` end to end: snapshots, parse-back, determinism, stale files, bad records.
mod build;
// Every record format: good records read, bad ones named by file:line.
mod records;
// Feed sources: fetching from a local test server, state across runs, merging.
mod aggregate;
// HTML sources: selectors, followed articles, charsets, pagination.
mod scrape;
// `check` and exit codes for config and output errors, with exact messages.
mod errors;
// Filesystem faults: failed writes, kills while writing, planted links, state DB faults.
mod faults;
// Hostile feeds: scripts, dangerous URLs, tracking pixels, XXE, checked in every output.
mod hostile;
