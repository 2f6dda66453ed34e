//! Fault injection for the unit tests of per-source panic isolation (contract CON-11), compiled
//! only into `cargo test` builds of the library.
//!
//! `aggregate` and `app` run each source under `catch_unwind` (or on a task whose `JoinError`
//! they turn into an error) so that a bug that panics on one source's input fails that source
//! alone. No real input is known to panic (each would be a bug to fix), so the tests need a way
//! to make one source panic at each of the places that isolation has to hold. A source id picks
//! the place. This is deliberately not a config key, an environment variable or a debug-build
//! switch: nothing a user or a shipped binary can reach should be able to crash a source.

/// Panics when `source_id` is `panic-<stage>`.
pub(crate) fn panic_if_named(source_id: &str, stage: &str) {
    if source_id.strip_prefix("panic-") == Some(stage) {
        panic!("injected panic ({stage}) for source {source_id}");
    }
}

/// Text that makes preparing an item panic (sanitising, snippets), for the
/// tests of per-item isolation in `pipeline`.
pub(crate) const PANIC_MARK: &str = "FEEDWRIGHT-TEST-PANIC";

/// Panics when `text` holds [`PANIC_MARK`].
pub(crate) fn panic_if_marked(text: &str) {
    if text.contains(PANIC_MARK) {
        panic!("injected panic while preparing an item");
    }
}
