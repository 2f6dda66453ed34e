//! Writes files under the output directory: only when their bytes change,
//! and atomically (temp file in the same directory, fsync, rename), so a
//! crash leaves the old file or the new one, never half of one. A run's
//! files are written to temp files as they come; when the run finishes each
//! is fsynced and renamed, on several threads at once, and each directory
//! is fsynced once after. Until then each changed file needs room for its
//! old and new copy.
//!
//! A manifest (`.feedwright-manifest`) lists every file feedwright wrote, so
//! files of channels removed from the config can be deleted without ever
//! touching a file someone else put there. This module knows nothing about
//! feeds: it takes relative paths and bytes.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::OutputError;

mod direct;

/// The manifest's name inside the output directory.
pub const MANIFEST: &str = ".feedwright-manifest";
/// The lock file, held for the whole run so two runs never interleave writes.
pub const LOCK: &str = ".feedwright-lock";
/// Temp files start with this, so leftovers from a crash can be recognised.
const TEMP_PREFIX: &str = ".feedwright-tmp-";

/// What a run did to the output directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Writes one run's files. `write` takes `&self` so channels can be
/// rendered and written from several threads at once.
pub struct OutputDir {
    root: PathBuf,
    /// Held (with an OS file lock) until the run ends; the lock is released
    /// when the file is closed, even if the process is killed.
    _lock: fs::File,
    previous: BTreeSet<String>,
    done: Mutex<Done>,
}

/// What has been written so far.
#[derive(Default)]
struct Done {
    written: BTreeSet<String>,
    summary: WriteSummary,
    /// Directories with a rename in them that is not yet fsynced.
    unsynced: BTreeSet<PathBuf>,
    /// Written temp files not yet fsynced and renamed over their targets.
    pending: Vec<Pending>,
}

/// A file's new bytes, whole in a closed temp file beside it (mode 0600, so
/// a web server publishing the directory cannot serve it), waiting to be
/// fsynced, made readable and renamed over the target
/// ([`OutputDir::install_pending`]). Dropping it removes the temp file.
struct Pending {
    temp: tempfile::TempPath,
    target: PathBuf,
}

impl OutputDir {
    /// Opens (creating it if needed) the output directory and removes temp
    /// files a crashed run may have left.
    pub fn open(root: &Path) -> Result<OutputDir, OutputError> {
        match fs::metadata(root) {
            Ok(m) if !m.is_dir() => {
                return Err(OutputError::NotADirectory { path: root.to_owned() });
            }
            Ok(_) => {}
            Err(_) => fs::create_dir_all(root)
                .map_err(|e| OutputError::Write { path: root.to_owned(), source: e })?,
        }
        let lock = lock(root)?;
        let previous = fs::read_to_string(root.join(MANIFEST))
            .map(|s| s.lines().filter(|l| is_safe_relative(l)).map(str::to_owned).collect())
            .unwrap_or_default();
        let out =
            OutputDir { root: root.to_owned(), _lock: lock, previous, done: Mutex::default() };
        out.remove_stale_temp_files();
        Ok(out)
    }

    /// Writes `bytes` to `relative` (e.g. `world/rss.xml`) unless the file
    /// already holds exactly these bytes. Returns whether it changed.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<bool, OutputError> {
        debug_assert!(is_safe_relative(relative), "unsafe output path {relative}");
        let path = self.root.join(relative);
        // A channel directory replaced by a symlink would send our writes
        // somewhere else; the output root itself may be a link on purpose.
        if let Some(dir) = path.parent().filter(|d| *d != self.root)
            && fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink())
        {
            let source = std::io::Error::other(format!(
                "{} is a symbolic link; feedwright does not write through links inside the output directory",
                dir.display()
            ));
            return Err(OutputError::Write { path, source });
        }
        // The bytes are compared only through a regular file: a planted
        // file symlink is always replaced, never trusted.
        let regular = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
        let unchanged = regular && fs::read(&path).is_ok_and(|old| old == bytes);
        let pending = if unchanged { None } else { Some(write_temp(&path, bytes)?) };
        // Only the bookkeeping is under the lock, never the I/O.
        let mut done = self.done.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(temp) = pending {
            done.pending.push(Pending { temp, target: path });
        }
        done.written.insert(relative.to_owned());
        if unchanged {
            done.summary.unchanged += 1;
        } else {
            done.summary.changed += 1;
        }
        Ok(!unchanged)
    }

    /// Removes files the previous run wrote and this one did not, then
    /// records this run's files in the manifest.
    pub fn finish(mut self) -> Result<WriteSummary, OutputError> {
        if let Err(e) = self.install_pending() {
            // Like a failed write: what is in place stays, and is recorded.
            let _ = self.abandon();
            return Err(e);
        }
        let Done { written, mut summary, unsynced, .. } = self.take_done();
        sync_dirs(unsynced.iter().map(PathBuf::as_path));
        for stale in self.previous.difference(&written) {
            let path = self.root.join(stale);
            // Never delete through a link: only our own files, in place.
            let linked_dir = path
                .parent()
                .filter(|d| *d != self.root)
                .is_some_and(|d| fs::symlink_metadata(d).is_ok_and(|m| m.file_type().is_symlink()));
            if linked_dir {
                continue;
            }
            match fs::remove_file(&path) {
                Ok(()) => summary.removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(OutputError::Remove { path, source: e }),
            }
            // Only empty directories go; anything a user added keeps its directory.
            if let Some(dir) = path.parent().filter(|d| *d != self.root) {
                let _ = fs::remove_dir(dir);
            }
        }
        let mut manifest = String::new();
        for f in &written {
            manifest.push_str(f);
            manifest.push('\n');
        }
        let path = self.root.join(MANIFEST);
        if fs::read_to_string(&path).ok().as_deref() != Some(manifest.as_str()) {
            write_atomic(&path, manifest.as_bytes())?;
        }
        Ok(summary)
    }

    /// After a failed run: removes nothing, and records in the manifest
    /// every file the previous runs or this one wrote, so none is orphaned.
    pub fn abandon(mut self) -> Result<(), OutputError> {
        // The files written whole before the failure are put in place, as
        // when each was renamed as soon as it was written.
        let installed = self.install_pending();
        let done = self.take_done();
        sync_dirs(done.unsynced.iter().map(PathBuf::as_path));
        let all: BTreeSet<&String> = self.previous.iter().chain(&done.written).collect();
        let mut manifest = String::new();
        for f in all {
            manifest.push_str(f);
            manifest.push('\n');
        }
        // A run that failed on a full disk usually has nothing new to record;
        // skipping the rewrite keeps it from failing again on the manifest.
        let path = self.root.join(MANIFEST);
        if fs::read_to_string(&path).ok().as_deref() != Some(manifest.as_str()) {
            write_atomic(&path, manifest.as_bytes())?;
        }
        installed
    }

    /// Fsyncs every written temp file and renames each over its target.
    ///
    /// Fsyncing each file as soon as it was written made every fsync its own
    /// journal commit and disk flush, a third of the time a large build
    /// spent writing; fsynced together, from several threads, they share
    /// them. Each thread renames a file as soon as it is fsynced (files are
    /// independent: a crash part way leaves some old files and some new
    /// ones, each whole), where one thread renaming them all afterwards was
    /// a serial tail after the last fsync. A crash before a rename leaves
    /// the old file (and a temp file, removed by the next run). The first
    /// error is returned; the files that could be installed are.
    fn install_pending(&mut self) -> Result<(), OutputError> {
        let done = self.done.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        let pending = std::mem::take(&mut done.pending);
        let installed = in_parallel(pending, |Pending { temp, target }| {
            let result = install(temp, &target);
            (target, result)
        });
        let mut first_error = None;
        for (target, result) in installed {
            match result {
                Ok(()) => {
                    if let Some(dir) = target.parent() {
                        done.unsynced.insert(dir.to_owned());
                    }
                }
                Err(source) => {
                    first_error.get_or_insert(OutputError::Write { path: target, source });
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The run's record, leaving an empty one for `Drop`.
    fn take_done(&mut self) -> Done {
        std::mem::take(self.done.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn remove_stale_temp_files(&self) {
        // `file_type()` of a directory entry does not follow links: a channel
        // directory replaced by a link to elsewhere is not searched, and a
        // link planted under a temp name is removed itself, never its target.
        let mut dirs = vec![self.root.clone()];
        if let Ok(entries) = fs::read_dir(&self.root) {
            dirs.extend(
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path()),
            );
        }
        for dir in dirs {
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            for e in entries.filter_map(Result::ok) {
                let ours = e.file_name().to_string_lossy().starts_with(TEMP_PREFIX);
                if ours && e.file_type().is_ok_and(|t| !t.is_dir()) {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }
}

impl Drop for OutputDir {
    /// A run that ends without `finish` or `abandon` (a writer thread
    /// panicked) installs nothing more: its pending temp files are removed
    /// as they drop, and the old files stay. Renames already done are made
    /// durable.
    fn drop(&mut self) {
        let done = self.done.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        sync_dirs(done.unsynced.iter().map(PathBuf::as_path));
    }
}

/// Takes the output directory's lock, or says which process holds it.
fn lock(root: &Path) -> Result<fs::File, OutputError> {
    let path = root.join(LOCK);
    let err = |e: std::io::Error| OutputError::Write { path: path.clone(), source: e };
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(err)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let pid = fs::read_to_string(&path).unwrap_or_default().trim().to_owned();
            let pid = if pid.is_empty() { "unknown".to_owned() } else { pid };
            return Err(OutputError::Locked { path: root.to_owned(), pid });
        }
        Err(fs::TryLockError::Error(e)) => return Err(err(e)),
    }
    // The pid is only for the message a second run prints.
    file.set_len(0).map_err(err)?;
    write!(file, "{}", std::process::id()).map_err(err)?;
    Ok(file)
}

/// A manifest line we are willing to delete: relative, no `..`, no root.
fn is_safe_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Writes a file atomically: a temp file beside it (created exclusively, so
/// a planted symlink is never followed), fsync, rename over the target, then
/// fsync the directory so the rename itself survives a crash.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let err = |e: std::io::Error| OutputError::Write { path: path.to_owned(), source: e };
    let temp = write_temp(path, bytes)?;
    install(temp, path).map_err(err)?;
    sync_dirs(path.parent());
    Ok(())
}

/// Fsyncs a written temp file of ours (closed after writing), makes it
/// readable and renames it over `target`. On failure the temp file is
/// dropped and removed; the old file stays.
fn install(temp: tempfile::TempPath, target: &Path) -> std::io::Result<()> {
    let file = fs::File::open(&temp)?;
    file.sync_all()?;
    set_readable(&file)?;
    drop(file);
    temp.persist(target).map_err(|e| e.error)
}

/// Threads for [`in_parallel`]. Fsyncs that wait together share journal
/// commits and disk flushes: on the 50,000-record benchmark 16 threads
/// finished its 200 fsyncs and renames about a tenth sooner than 8, and 64
/// took longer than either.
const SYNC_THREADS: usize = 16;

/// `f` over `items` on up to [`SYNC_THREADS`] threads (this one among
/// them), each taking the next item as it finishes one; the results in the
/// order of `items`. A thread that cannot be started leaves its share to
/// the others.
fn in_parallel<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    use std::sync::PoisonError;
    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..count).map(|_| None).collect());
    let work = || {
        loop {
            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((i, item)) = next else { break };
            let result = f(item);
            results.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(result);
        }
    };
    // A panic in any thread is raised again when the scope ends.
    std::thread::scope(|scope| {
        for _ in 1..SYNC_THREADS.min(count) {
            let _ = std::thread::Builder::new().spawn_scoped(scope, work);
        }
        work();
    });
    results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .map(|r| r.expect("every item is done once the threads have ended"))
        .collect()
}

/// Makes the renames in `dirs` durable, several directories at once. A
/// directory fsync that fails is not an error: each file is already whole
/// on disk, old or new, and a crash can at worst bring back the old one.
fn sync_dirs<'a>(dirs: impl IntoIterator<Item = &'a Path>) {
    let dirs: Vec<&Path> = dirs.into_iter().collect();
    let sync = |dir: &Path| {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    };
    if dirs.len() <= 1 {
        dirs.into_iter().for_each(sync);
    } else {
        in_parallel(dirs, sync);
    }
}

/// Writes `bytes` whole into a new temp file beside `path` and closes it:
/// the first half of [`write_atomic`], whose fsync and rename [`OutputDir`]
/// does for all of a run's files together at the end
/// ([`OutputDir::install_pending`]). The file is not left open, so a site of
/// thousands of channels does not run out of file descriptors.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<tempfile::TempPath, OutputError> {
    let err = |e: std::io::Error| OutputError::Write { path: path.to_owned(), source: e };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(err)?;
    // tempfile picks a random name and opens it O_CREAT|O_EXCL (retrying on
    // a clash), so a link planted at a guessed temp name is never opened.
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| err(without_temp_path(e)))?;
    let direct = bytes.len() >= direct::THRESHOLD
        && !fault_applies(path)
        && direct::write(tmp.as_file(), bytes).map_err(err)?;
    if !direct {
        write_bytes(tmp.as_file_mut(), path, bytes).map_err(err)?;
        start_writeback(tmp.as_file());
    }
    Ok(tmp.into_temp_path())
}

/// Asks the kernel to start writing `file`'s cached bytes to the disk now,
/// without waiting: the fsync at the end of the run then finds them written,
/// where otherwise it started the writes of every small file at once.
/// (`POSIX_FADV_DONTNEED` starts writeback of dirty pages and keeps them
/// until written.) Only advice: a failure changes nothing.
fn start_writeback(file: &fs::File) {
    #[cfg(target_os = "linux")]
    let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// Whether a test's simulated full disk covers `target` (its bytes then go
/// through [`write_bytes`], where the simulation lives).
#[cfg(not(test))]
fn fault_applies(_target: &Path) -> bool {
    false
}

#[cfg(test)]
fn fault_applies(target: &Path) -> bool {
    fault::room(target, 0).is_some()
}

#[cfg(not(test))]
fn write_bytes(out: &mut impl Write, _target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(bytes)
}

/// The real write, except that a disk made "full" by [`fault::disk_full_after`]
/// takes only the bytes that still fit, then fails the way a full disk does.
#[cfg(test)]
fn write_bytes(out: &mut impl Write, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match fault::room(target, bytes.len()) {
        Some(fits) if fits < bytes.len() => {
            out.write_all(&bytes[..fits])?;
            Err(fault::enospc())
        }
        _ => out.write_all(bytes),
    }
}

/// Test-only fault injection for the output path: no unprivileged way gives
/// a real ENOSPC on demand (that needs a small mounted filesystem), so tests
/// give a directory a byte budget instead. Everything but the failing
/// `write` call is the real code, except that files under a budget are
/// never written with direct I/O (see [`fault_applies`]).
#[cfg(test)]
pub(crate) mod fault {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, PoisonError};

    /// Output roots with the bytes they still take. Keyed by directory, so
    /// tests running in parallel in other temp dirs are not affected.
    static BUDGETS: Mutex<Vec<(PathBuf, usize)>> = Mutex::new(Vec::new());

    /// From now on, files under `root` may take `bytes` more bytes in all.
    pub(crate) fn disk_full_after(root: &Path, bytes: usize) {
        let mut budgets = BUDGETS.lock().unwrap_or_else(PoisonError::into_inner);
        budgets.retain(|(r, _)| r != root);
        budgets.push((root.to_owned(), bytes));
    }

    /// Space is freed: writes under `root` succeed again.
    pub(crate) fn free_space(root: &Path) {
        BUDGETS.lock().unwrap_or_else(PoisonError::into_inner).retain(|(r, _)| r != root);
    }

    /// How many of `want` bytes fit for `target`; `None` if no budget applies.
    pub(super) fn room(target: &Path, want: usize) -> Option<usize> {
        let mut budgets = BUDGETS.lock().unwrap_or_else(PoisonError::into_inner);
        let (_, left) = budgets.iter_mut().find(|(root, _)| target.starts_with(root))?;
        let fits = want.min(*left);
        *left -= fits;
        Some(fits)
    }

    /// The error a full disk gives: ENOSPC where the number is known.
    pub(super) fn enospc() -> std::io::Error {
        if cfg!(target_os = "linux") {
            std::io::Error::from_raw_os_error(28)
        } else {
            std::io::ErrorKind::StorageFull.into()
        }
    }
}

/// tempfile's errors name the random temp path ("... at path \"...\""),
/// which means nothing to the user; the message names the file being
/// written instead, so only the operating system's part is kept.
fn without_temp_path(e: std::io::Error) -> std::io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    let text = e.to_string();
    match text.split_once(" at path ") {
        Some((os, _)) => std::io::Error::new(e.kind(), os.to_owned()),
        None => e,
    }
}

/// Temp files are created 0600; published feeds must be world-readable.
#[cfg(unix)]
fn set_readable(file: &fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_readable(_: &fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item is done once, on several threads, and the results come
    /// back in the items' order, however many items there are per thread.
    #[test]
    fn in_parallel_keeps_the_order_of_the_items() {
        for n in [0, 1, 2, SYNC_THREADS - 1, SYNC_THREADS, 5 * SYNC_THREADS + 3] {
            let threads = Mutex::new(BTreeSet::new());
            let items: Vec<usize> = (0..n).collect();
            let doubled = in_parallel(items, |i| {
                threads.lock().unwrap().insert(format!("{:?}", std::thread::current().id()));
                // Long enough that one thread cannot take every item.
                std::thread::sleep(std::time::Duration::from_millis(2));
                2 * i
            });
            assert_eq!(doubled, (0..n).map(|i| 2 * i).collect::<Vec<_>>());
            if n >= SYNC_THREADS {
                assert!(threads.lock().unwrap().len() > 1, "{n} items ran on one thread");
            }
        }
    }

    #[test]
    fn an_abandoned_run_keeps_every_file_in_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::open(dir.path()).unwrap();
        out.write("a/rss.xml", b"one").unwrap();
        out.write("b/rss.xml", b"two").unwrap();
        out.finish().unwrap();
        // The next run writes a new channel, then fails before finishing.
        let out = OutputDir::open(dir.path()).unwrap();
        out.write("c/rss.xml", b"three").unwrap();
        out.abandon().unwrap();
        let manifest = fs::read_to_string(dir.path().join(MANIFEST)).unwrap();
        assert_eq!(manifest, "a/rss.xml\nb/rss.xml\nc/rss.xml\n");
        assert!(dir.path().join("a/rss.xml").exists(), "nothing is removed by a failed run");
    }

    /// Every file under `root` whose name marks it as one of our temp files.
    fn temp_files(root: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut dirs = vec![root.to_owned()];
        while let Some(dir) = dirs.pop() {
            for e in fs::read_dir(dir).unwrap().map(Result::unwrap) {
                if e.file_type().unwrap().is_dir() {
                    dirs.push(e.path());
                } else if e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                    found.push(e.path());
                }
            }
        }
        found
    }

    /// The permission bits of `path`.
    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// A run's new files are put in place together when it finishes: until
    /// then each is a temp file beside the old one, and a run that ends
    /// without finishing (a writer thread panicked) leaves the old files
    /// and no temp file.
    #[test]
    fn new_files_replace_the_old_ones_when_the_run_finishes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let out = OutputDir::open(root).unwrap();
        out.write("a/rss.xml", b"old a").unwrap();
        out.finish().unwrap();

        let out = OutputDir::open(root).unwrap();
        assert!(out.write("a/rss.xml", b"new a").unwrap());
        assert!(out.write("b/rss.xml", b"new b").unwrap());
        assert_eq!(fs::read(root.join("a/rss.xml")).unwrap(), b"old a");
        assert!(!root.join("b/rss.xml").exists());
        assert_eq!(temp_files(root).len(), 2);
        #[cfg(unix)]
        for temp in temp_files(root) {
            assert_eq!(mode(&temp), 0o600, "a web server must not serve {}", temp.display());
        }
        out.finish().unwrap();
        assert_eq!(fs::read(root.join("a/rss.xml")).unwrap(), b"new a");
        assert_eq!(fs::read(root.join("b/rss.xml")).unwrap(), b"new b");
        assert_eq!(temp_files(root), Vec::<PathBuf>::new());
        #[cfg(unix)]
        assert_eq!(mode(&root.join("b/rss.xml")), 0o644);

        let out = OutputDir::open(root).unwrap();
        out.write("a/rss.xml", b"newer a").unwrap();
        drop(out);
        assert_eq!(fs::read(root.join("a/rss.xml")).unwrap(), b"new a");
        assert_eq!(temp_files(root), Vec::<PathBuf>::new());
    }

    #[test]
    fn a_full_disk_mid_file_keeps_the_old_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let out = OutputDir::open(root).unwrap();
        out.write("a/rss.xml", b"old a").unwrap();
        out.write("b/rss.xml", b"old b").unwrap();
        out.finish().unwrap();
        let manifest = fs::read(root.join(MANIFEST)).unwrap();

        // The disk fills up halfway through the second file of the next run.
        let new_a = b"new a, complete".as_slice();
        let new_b = vec![b'b'; 64 * 1024];
        fault::disk_full_after(root, new_a.len() + 1000);
        let out = OutputDir::open(root).unwrap();
        assert!(out.write("a/rss.xml", new_a).unwrap());
        let err = out.write("b/rss.xml", &new_b).unwrap_err();
        out.abandon().unwrap();

        let OutputError::Write { path, source } = &err else { panic!("{err:?}") };
        assert_eq!(path, &root.join("b/rss.xml"));
        assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("cannot write {}: ", root.join("b/rss.xml").display())));
        assert!(msg.contains("the disk or quota is full: free some space and run again"), "{msg}");
        // The partly written temp file is gone; each file is whole, old or new.
        assert_eq!(temp_files(root), Vec::<PathBuf>::new());
        assert_eq!(fs::read(root.join("b/rss.xml")).unwrap(), b"old b");
        assert_eq!(fs::read(root.join("a/rss.xml")).unwrap(), new_a);
        // Nothing new to record, so the manifest was not rewritten on the full disk.
        assert_eq!(fs::read(root.join(MANIFEST)).unwrap(), manifest);

        // Once space is freed, the next run writes everything.
        fault::free_space(root);
        let out = OutputDir::open(root).unwrap();
        out.write("a/rss.xml", new_a).unwrap();
        assert!(out.write("b/rss.xml", &new_b).unwrap());
        out.finish().unwrap();
        assert_eq!(fs::read(root.join("b/rss.xml")).unwrap(), new_b);
        assert_eq!(fs::read(root.join(MANIFEST)).unwrap(), manifest);
    }

    #[test]
    fn a_full_disk_that_also_refuses_the_manifest_keeps_the_old_manifest_whole() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let out = OutputDir::open(root).unwrap();
        out.write("a/rss.xml", b"old a").unwrap();
        out.finish().unwrap();

        // A new channel's file just fits, the next does not, and then the
        // manifest cannot be rewritten either: the old one must stay whole.
        fault::disk_full_after(root, "new channel".len());
        let out = OutputDir::open(root).unwrap();
        assert!(!out.write("a/rss.xml", b"old a").unwrap(), "unchanged: nothing written");
        out.write("c/rss.xml", b"new channel").unwrap();
        let err = out.write("d/rss.xml", b"x").unwrap_err();
        assert!(err.to_string().contains(&root.join("d/rss.xml").display().to_string()));
        let err = out.abandon().unwrap_err();
        assert!(err.to_string().contains(MANIFEST), "{err}");
        fault::free_space(root);

        assert_eq!(fs::read_to_string(root.join(MANIFEST)).unwrap(), "a/rss.xml\n");
        assert!(!root.join("d/rss.xml").exists());
        assert_eq!(temp_files(root), Vec::<PathBuf>::new());
    }
}
