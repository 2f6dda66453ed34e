//! A state database that does not exist yet is built in a temp file beside
//! its path and put in place when its connection closes.
//!
//! A first run stores every item of every source, tens of MiB. In WAL mode
//! each of those pages is written twice (into the WAL, then into the file by
//! the checkpoint) and both copies are fsynced: on the merge benchmark that
//! was a quarter of a first run's time. A file no other process can see yet
//! needs neither: it is written with an in-memory rollback journal and no
//! syncs, then switched to WAL, closed, fsynced once and renamed into place.
//!
//! While the run goes on, a thread fsyncs what SQLite has written so far
//! each time another few MiB of items went in, so the disk writes beside
//! the parsing and the last fsync has only the rest to wait for.
//!
//! Until then nothing is at the path. A run killed before that leaves only
//! its temp file, which a later run removes, and the next run starts with
//! empty state, as if the killed one had never started. A temp file is
//! known to be in use by the lock its builder holds on it (`flock`, which
//! SQLite's own `fcntl` locks do not touch), not by its name: a pid can be
//! reused, and means nothing in another pid namespace. If another run put a
//! database at the path meanwhile, that one is kept and this run's state is
//! dropped; the run says so in its report.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

/// Between the database's file name and the building process's id.
const MARK: &str = ".new-";

/// A temp file changed more recently than this is never taken for one that
/// a build left behind.
const RECENT: std::time::Duration = std::time::Duration::from_secs(10);

/// Bytes of items stored between two early fsyncs.
const FLUSH_EVERY: usize = 8 << 20;

/// Early fsyncs done, for tests.
#[cfg(test)]
pub(super) static EARLY_FLUSHES: AtomicUsize = AtomicUsize::new(0);

/// The temp file a new database is built in, installed at `target` by
/// [`Fresh::install`], or when dropped. It is a field of [`super::Store`]
/// after the connection, so it is dropped once the connection has closed
/// and written everything.
#[derive(Debug)]
pub(super) struct Fresh {
    temp: PathBuf,
    target: PathBuf,
    /// The temp file, locked while this build goes on.
    _lock: std::fs::File,
    /// Bytes stored since the last early fsync was asked for.
    unflushed: usize,
    flusher: Option<Flusher>,
    /// Installed (or given up on) already.
    done: bool,
}

/// The thread that fsyncs the temp file when nudged.
#[derive(Debug)]
struct Flusher {
    nudge: SyncSender<()>,
    thread: JoinHandle<()>,
}

impl Fresh {
    /// Creates an empty temp file (0600 on unix) beside `target`, whose
    /// directory must exist, and locks it, after removing the temp files of
    /// builds that are over.
    pub(super) fn create(target: &Path) -> io::Result<Fresh> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let name = target.file_name().ok_or_else(|| io::Error::other("no file name"))?;
        remove_abandoned(target);
        let mut options = std::fs::OpenOptions::new();
        // create_new: never opens (or follows a link planted at) an existing name.
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // A name still taken (a build of this pid that is over, but whose
        // file could not be removed) is skipped for the next.
        let mut tries = 0;
        let (temp, file) = loop {
            let n = COUNT.fetch_add(1, Ordering::Relaxed);
            let mut temp_name = name.to_owned();
            temp_name.push(format!("{MARK}{}-{n}", std::process::id()));
            let temp = target.with_file_name(temp_name);
            match options.open(&temp) {
                Ok(file) => break (temp, file),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
                Err(e) => return Err(e),
            }
        };
        // Only a filesystem without locks refuses; then only the rule that
        // a recently changed file is never removed keeps other runs'
        // cleanup off it.
        let _ = file.try_lock();
        let flusher = file.try_clone().ok().and_then(flusher);
        Ok(Fresh {
            temp,
            target: target.to_owned(),
            _lock: file,
            unflushed: 0,
            flusher,
            done: false,
        })
    }

    /// Where the database is being built.
    pub(super) fn temp(&self) -> &Path {
        &self.temp
    }

    /// Notes that about `bytes` more were stored; every [`FLUSH_EVERY`],
    /// asks the flusher to fsync what is written so far.
    pub(super) fn stored(&mut self, bytes: usize) {
        self.unflushed += bytes;
        if self.unflushed < FLUSH_EVERY {
            return;
        }
        self.unflushed = 0;
        if let Some(f) = &self.flusher {
            // Full: a flush is already asked for, which covers this one.
            match f.nudge.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
            }
        }
    }

    /// Fsyncs the temp file and renames it to the target unless something
    /// is there by now; then fsyncs the directory. Call it once the
    /// connection is closed. On failure the temp file is removed and the
    /// message says what happened to this run's state.
    pub(super) fn install(&mut self) -> Result<(), String> {
        self.done = true;
        if let Some(Flusher { nudge, thread }) = self.flusher.take() {
            drop(nudge);
            let _ = thread.join();
        }
        let installed = std::fs::File::open(&self.temp)
            .and_then(|f| f.sync_all())
            .and_then(|()| rename_no_replace(&self.temp, &self.target));
        match installed {
            Ok(()) => {
                let dir = match self.target.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                // The file is whole on disk either way; a failed directory
                // sync can at worst lose the name after a power cut.
                let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
                Ok(())
            }
            Err(e) => {
                remove_with_companions(&self.temp);
                Err(format!(
                    "this run's new state database {} was not saved ({e}); the next run \
                     starts with empty state",
                    self.target.display()
                ))
            }
        }
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if !self.done
            && let Err(message) = self.install()
        {
            tracing::warn!("{message}");
        }
    }
}

/// Removes `temp` and the files SQLite keeps beside it.
fn remove_with_companions(temp: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = temp.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}

/// Starts the thread that fsyncs `file` each time it is nudged, until the
/// sender is dropped; `None` if no thread can be started (then only the
/// last fsync runs).
fn flusher(file: std::fs::File) -> Option<Flusher> {
    let (nudge, nudged) = sync_channel::<()>(1);
    let thread = std::thread::Builder::new()
        .name("state-flush".to_owned())
        .spawn(move || {
            while nudged.recv().is_ok() {
                // A failure here only leaves the work to the last fsync,
                // which reports it.
                let _ = file.sync_data();
                #[cfg(test)]
                EARLY_FLUSHES.fetch_add(1, Ordering::Relaxed);
            }
        })
        .ok()?;
    Some(Flusher { nudge, thread })
}

/// Renames `from` to `to`, failing with `AlreadyExists` if `to` exists.
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            // Filesystems without the flag: the check below, racy but rare.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    if std::fs::symlink_metadata(to).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "another run created the state database meanwhile",
        ));
    }
    std::fs::rename(from, to)
}

/// Removes the temp files (and their SQLite companions) of builds of a
/// database at `target` that are over: named `<name>.new-<pid>-<n>` and not
/// locked. A companion whose temp file is gone goes too.
fn remove_abandoned(target: &Path) {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else { return };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut prefix = name.to_owned();
    prefix.push(MARK);
    let prefix = prefix.to_string_lossy().into_owned();
    for entry in entries.filter_map(Result::ok) {
        // Only files: a directory or link under such a name is not ours.
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let (stem, companion) = match rest.rsplit_once('-') {
            Some((stem, "journal" | "wal" | "shm")) => (stem, true),
            _ => (rest, false),
        };
        let numbers = stem.split_once('-').is_some_and(|(pid, n)| {
            [pid, n].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        if !numbers {
            continue;
        }
        let path = entry.path();
        if companion {
            let temp = dir.join(format!("{prefix}{stem}"));
            if !temp.exists() {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        }
        // Locked: a build is still writing it. Changed in the last few
        // seconds: a build may have created it and not locked it yet.
        let recent = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().map_or(true, |age| age < RECENT));
        if recent {
            continue;
        }
        if std::fs::File::open(&path).is_ok_and(|file| file.try_lock().is_ok()) {
            remove_with_companions(&path);
        }
    }
}
