//! Collects article records from the configured sources.
//!
//! Each source kind is its own module; `app` dispatches on the kind with a
//! `match` (local records here, feed and html sources through `aggregate`,
//! which needs the network and the state database), so adding a kind
//! touches one file plus its arm there. Sources
//! stream: every record is handed to a callback as soon as it is read, so
//! memory does not grow with the number of records. A source never aborts the
//! run: bad records and unreadable files become [`Problem`]s in the returned
//! [`SourceReport`], and the caller carries on with the next source.

pub mod feed;
pub mod html;
mod img_tags;
pub mod records;

use std::fmt;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The record (or file, or source) was skipped.
    Skipped,
    /// Something was dropped or assumed, but the record was kept.
    Warning,
    /// Worth knowing, not wrong (only `check` reports these).
    Note,
}

/// One problem with a record, file or source, in the words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// `file:line`, `file[index]`, or the file path.
    pub location: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// At most this many problems (and, separately, notes) are kept per source;
/// the rest are counted,
/// so a file of a million bad lines cannot fill memory with messages.
pub const MAX_PROBLEMS_KEPT: usize = 200;

/// What one source produced, besides its records.
#[derive(Debug, Clone, Default)]
pub struct SourceReport {
    pub id: String,
    /// Records handed on.
    pub read: usize,
    /// Records skipped because they were bad.
    pub skipped: usize,
    /// Files read (for a records source).
    pub files: usize,
    /// The source as a whole could not be read (no files, unreadable path).
    pub failed: Option<String>,
    /// Problems, at most [`MAX_PROBLEMS_KEPT`].
    pub problems: Vec<Problem>,
    /// Warnings and skips not kept in `problems` (they still count).
    pub problems_dropped: usize,
    /// Notes not kept in `problems`; notes never make a run fail.
    pub notes_dropped: usize,
    /// Notes kept so far (they have their own cap, so they can never crowd
    /// out a real problem).
    notes_kept: usize,
}

impl SourceReport {
    /// An empty report for source `id`.
    pub fn new(id: &str) -> SourceReport {
        SourceReport { id: id.to_owned(), ..SourceReport::default() }
    }

    /// Records a problem, counting skipped records.
    pub fn problem(
        &mut self,
        severity: Severity,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        if severity == Severity::Skipped {
            self.skipped += 1;
        }
        let is_note = severity == Severity::Note;
        let kept = if is_note { self.notes_kept } else { self.problems.len() - self.notes_kept };
        if kept < MAX_PROBLEMS_KEPT {
            let (location, message) = (location.into(), message.into());
            self.problems.push(Problem { severity, location, message });
            self.notes_kept += usize::from(is_note);
        } else if is_note {
            self.notes_dropped += 1;
        } else {
            self.problems_dropped += 1;
        }
    }

    /// Whether anything went wrong (notes do not count).
    pub fn has_problems(&self) -> bool {
        self.failed.is_some()
            || self.problems_dropped > 0
            || self.problems.iter().any(|p| p.severity != Severity::Note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_never_crowd_out_problems_or_fail_a_run() {
        let mut r = SourceReport::new("s");
        for i in 0..MAX_PROBLEMS_KEPT + 50 {
            r.problem(Severity::Note, format!("f:{i}"), "record has no date");
        }
        assert!(!r.has_problems(), "notes alone are not problems");
        assert_eq!(r.notes_dropped, 50);
        r.problem(Severity::Skipped, "f:999", "record has no title");
        assert!(r.has_problems());
        assert_eq!(r.problems.last().map(|p| p.location.as_str()), Some("f:999"));
        assert_eq!((r.skipped, r.problems_dropped), (1, 0));
    }
}
