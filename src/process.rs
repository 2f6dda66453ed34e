//! Settings for the whole process, made once at start-up by the binary, and
//! how large values are let go of.

/// Turns transparent huge pages off for this process, where the system would
/// otherwise give them to the allocator's arenas (THP in `madvise` mode).
///
/// A build allocates its few hundred MiB once and exits within seconds. On a
/// machine whose free memory is fragmented (any machine that has just run
/// another large program) each 2 MiB page fault first compacts memory to
/// find a free huge page: the large-records benchmark spent twice as much
/// system time with huge pages (0.79 s against 0.39 s) and finished a fifth
/// later, for no gain in a run too short for fewer TLB misses to pay back.
/// A failure (an old kernel) leaves the system default, so it is ignored.
pub fn prefer_small_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// Drops `value` on a thread of its own, so that freeing a large structure
/// (tens of thousands of articles) happens beside the work that follows
/// instead of before it. Where no thread can be started it is dropped here.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and `value` with it, right here.
    let _ = std::thread::Builder::new().name("drop".to_owned()).spawn(move || drop(value));
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn huge_pages_are_off_afterwards() {
        super::prefer_small_pages();
        assert_eq!(rustix::thread::transparent_huge_pages_are_disabled().ok(), Some(true));
    }

    #[test]
    fn a_value_dropped_in_the_background_is_dropped() {
        struct Tell(std::sync::mpsc::Sender<std::thread::ThreadId>);
        impl Drop for Tell {
            fn drop(&mut self) {
                let _ = self.0.send(std::thread::current().id());
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        super::drop_in_background(Tell(tx));
        let dropped_on = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        assert_ne!(dropped_on, std::thread::current().id());
    }
}
