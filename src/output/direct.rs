//! Large files are written with `O_DIRECT`: they are fsynced before the
//! run ends anyway, so copying them into the page cache first only costs CPU
//! (on a 300 MB build that copy was a fifth of all the time spent). Small files,
//! which are most of them, go through the page cache as usual.
//!
//! `O_DIRECT` needs the buffer, offset and length aligned to the device's
//! block size. The whole blocks are written directly (from an aligned copy,
//! kept per thread and reused, when the bytes do not start on a block
//! boundary), and the partial last block through the page cache. Where the
//! filesystem refuses direct I/O (tmpfs, some network filesystems), the
//! caller writes normally.

use std::cell::RefCell;
use std::fs::File;
use std::io;

use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};

/// Files at least this large bypass the page cache.
pub(super) const THRESHOLD: usize = 1 << 20;

/// Alignment for buffer, offset and length: the largest logical block size
/// in common use, so it suits 512-byte devices too.
const ALIGN: usize = 4096;

thread_local! {
    /// The aligned copy of the file, reused so each large file does not cost
    /// freshly zeroed pages.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Writes `bytes` to the empty file `file`: its whole blocks with direct
/// I/O, the partial last block through the page cache. `Ok(false)` means
/// the filesystem does not do direct I/O and nothing was written (the file
/// is empty again): write it the usual way.
pub(super) fn write(file: &File, bytes: &[u8]) -> io::Result<bool> {
    let flags = fcntl_getfl(file)?;
    if fcntl_setfl(file, flags | OFlags::DIRECT).is_err() {
        return Ok(false);
    }
    let head = bytes.len() / ALIGN * ALIGN;
    let written = SCRATCH.with_borrow_mut(|scratch| write_blocks(file, &bytes[..head], scratch));
    #[cfg(test)]
    let written = match tests::REFUSE_AFTER.get() {
        // A filesystem that takes the flag, then refuses the write part way.
        Some(n) => {
            file.set_len(n)?;
            Err(rustix::io::Errno::INVAL.into())
        }
        None => written,
    };
    // Back to buffered I/O either way, for the tail, the fsync and anything
    // after it.
    fcntl_setfl(file, flags)?;
    match written {
        // The tail goes through the page cache: padding it to a whole block
        // and cutting the file back afterwards made ext4 read that block
        // back from disk to zero the cut-off part.
        Ok(()) => {
            write_all_at(file, &bytes[head..], head as u64)?;
            Ok(true)
        }
        // EINVAL: the device wants a larger alignment, or the filesystem
        // takes the flag but not the write. Start over without it.
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
            file.set_len(0)?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Writes `blocks` (a whole number of [`ALIGN`] blocks) at offset 0 with
/// direct I/O: from where they are if they start on a block boundary (a
/// large buffer usually does), else from an aligned copy.
fn write_blocks(file: &File, blocks: &[u8], scratch: &mut Vec<u8>) -> io::Result<()> {
    if blocks.as_ptr().align_offset(ALIGN) == 0 {
        return write_all_at(file, blocks, 0);
    }
    // Grown only, never cleared: the copy overwrites what is written.
    if scratch.len() < blocks.len() + ALIGN {
        scratch.resize(blocks.len() + ALIGN, 0);
    }
    let offset = scratch.as_ptr().align_offset(ALIGN);
    let copy = &mut scratch[offset..offset + blocks.len()];
    copy.copy_from_slice(blocks);
    write_all_at(file, copy, 0)
}

/// Writes all of `buf` at `offset`; for direct I/O both are aligned.
fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        match rustix::io::pwrite(file, &buf[done..], offset + done as u64) {
            // A short direct write ends on a block boundary, so the rest
            // stays aligned.
            Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Makes this thread's direct writes fail with EINVAL, as some
        /// filesystems do, leaving this many bytes written.
        pub(in crate::output) static REFUSE_AFTER: Cell<Option<u64>> = const { Cell::new(None) };
    }

    /// A temp directory, or `None` (with a note) where its filesystem takes
    /// no direct I/O at all: there the tests below would prove nothing.
    fn direct_dir() -> Option<tempfile::TempDir> {
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("probe")).unwrap();
        let flags = fcntl_getfl(&file).unwrap();
        if fcntl_setfl(&file, flags | OFlags::DIRECT).is_err() {
            eprintln!("skipped: no direct I/O under {}", dir.path().display());
            return None;
        }
        Some(dir)
    }

    /// A direct write the filesystem refuses part way leaves the file empty
    /// and says so; the whole write then goes through the page cache.
    #[test]
    fn a_refused_direct_write_falls_back_to_a_normal_one() {
        let Some(dir) = direct_dir() else { return };
        let bytes: Vec<u8> = (0..THRESHOLD + 99).map(|i| (i % 241) as u8).collect();
        REFUSE_AFTER.set(Some(2 * ALIGN as u64));
        let file = File::create(dir.path().join("f")).unwrap();
        assert!(!write(&file, &bytes).unwrap());
        assert_eq!(file.metadata().unwrap().len(), 0);
        let path = dir.path().join("g");
        crate::output::write_atomic(&path, &bytes).unwrap();
        REFUSE_AFTER.set(None);
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }

    /// Lengths around block boundaries all come back exactly.
    #[test]
    fn any_length_reads_back_exactly() {
        let Some(dir) = direct_dir() else { return };
        for len in [THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 3 * ALIGN * 100 + 17] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let path = dir.path().join(format!("f{len}"));
            let file = File::create(&path).unwrap();
            assert!(write(&file, &bytes).unwrap(), "direct I/O refused for length {len}");
            drop(file);
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "length {len}");
        }
    }

    /// A page-aligned buffer (written in place up to its last block) and a
    /// misaligned one (copied) give the same file.
    #[test]
    fn aligned_and_misaligned_buffers_give_the_same_file() {
        let Some(dir) = direct_dir() else { return };
        let len = THRESHOLD + 1234;
        let mut raw = vec![0u8; len + 2 * ALIGN];
        let at = raw.as_ptr().align_offset(ALIGN);
        for (i, b) in raw.iter_mut().enumerate() {
            *b = (i % 253) as u8;
        }
        for start in [at, at + 1] {
            let bytes = &raw[start..start + len];
            let path = dir.path().join(format!("f{start}"));
            let file = File::create(&path).unwrap();
            assert!(write(&file, bytes).unwrap(), "direct I/O refused at start {start}");
            drop(file);
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "start {start}");
        }
    }

    /// The file is back in buffered mode afterwards, so later writes and
    /// the fsync need no alignment.
    #[test]
    fn the_file_is_buffered_again_afterwards() {
        let Some(dir) = direct_dir() else { return };
        let file = File::create(dir.path().join("f")).unwrap();
        let before = fcntl_getfl(&file).unwrap();
        assert!(write(&file, &vec![7u8; THRESHOLD + 5]).unwrap(), "direct I/O refused");
        assert_eq!(fcntl_getfl(&file).unwrap(), before);
        assert!(!before.contains(OFlags::DIRECT));
    }
}
