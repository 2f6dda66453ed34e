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
//! its temp file, which a later run removes once that process is gone, and
//! the next run starts with empty state, as if the killed one had never
//! started. If another run put a database at the path meanwhile, that one is
//! kept and this run's state is dropped, with a warning.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

/// Between the database's file name and the building process's id.
const MARK: &str = ".new-";

/// Bytes of items stored between two early fsyncs.
const FLUSH_EVERY: usize = 8 << 20;

/// Early fsyncs done, for tests.
#[cfg(test)]
pub(super) static EARLY_FLUSHES: AtomicUsize = AtomicUsize::new(0);

/// The temp file a new database is built in, installed at `target` when
/// dropped. It is a field of [`super::Store`] after the connection, so it is
/// dropped once the connection has closed and written everything.
#[derive(Debug)]
pub(super) struct Fresh {
    temp: PathBuf,
    target: PathBuf,
    /// Bytes stored since the last early fsync was asked for.
    unflushed: usize,
    flusher: Option<Flusher>,
}

/// The thread that fsyncs the temp file when nudged.
#[derive(Debug)]
struct Flusher {
    nudge: SyncSender<()>,
    thread: JoinHandle<()>,
}

impl Fresh {
    /// Creates an empty temp file (0600 on unix) beside `target`, whose
    /// directory must exist, after removing those of builds whose process
    /// is gone.
    pub(super) fn create(target: &Path) -> io::Result<Fresh> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let name = target.file_name().ok_or_else(|| io::Error::other("no file name"))?;
        remove_abandoned(target);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let mut temp_name = name.to_owned();
        temp_name.push(format!("{MARK}{}-{n}", std::process::id()));
        let temp = target.with_file_name(temp_name);
        let mut options = std::fs::OpenOptions::new();
        // create_new: never opens (or follows a link planted at) an existing name.
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&temp)?;
        Ok(Fresh { temp, target: target.to_owned(), unflushed: 0, flusher: flusher(file) })
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

    /// Where the database is being built.
    pub(super) fn temp(&self) -> &Path {
        &self.temp
    }

    /// Fsyncs the temp file and renames it to the target unless something
    /// is there by now; then fsyncs the directory.
    fn install(&mut self) -> io::Result<()> {
        if let Some(Flusher { nudge, thread }) = self.flusher.take() {
            drop(nudge);
            let _ = thread.join();
        }
        std::fs::File::open(&self.temp)?.sync_all()?;
        rename_no_replace(&self.temp, &self.target)?;
        if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The file is whole on disk either way; a failed directory sync
            // can at worst lose the name after a power cut.
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Err(e) = self.install() {
            tracing::warn!(
                path = %self.target.display(),
                "this run's new state database was not saved ({e}); \
                 the next run starts with empty state"
            );
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let mut name = self.temp.clone().into_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
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

/// Removes the temp files (and their SQLite companions) that builds of a
/// database at `target` left when their process died. Temp files of live
/// processes, this one included, are left alone.
fn remove_abandoned(target: &Path) {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else { return };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut prefix = name.to_owned();
    prefix.push(MARK);
    let prefix = prefix.to_string_lossy().into_owned();
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !process_is_gone(pid) {
            continue;
        }
        // Only files: a directory or link under such a name is not ours.
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether no process `pid` exists (so no build of ours can be running in it).
fn process_is_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else {
            return false;
        };
        // ESRCH: no such process. EPERM: it exists, as another user.
        matches!(rustix::process::test_kill_process(pid), Err(e) if e == rustix::io::Errno::SRCH)
    }
    #[cfg(not(unix))]
    false
}
