//! Filesystem faults end to end: writes that fail part way, a run killed
//! while it writes, links planted in the output, and a state database that
//! cannot be used. Each test runs the real binary in a temp directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{SMALL_CONFIG, SMALL_RECORDS, TestDir};

/// Our temp files' name prefix (kept in step with `src/output.rs`).
const TEMP_PREFIX: &str = ".feedwright-tmp-";

/// Every file under `root` by relative path, except the lock file (its
/// content is the last holder's pid).
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                dirs.push(e.path());
            } else if e.file_name() != ".feedwright-lock" {
                let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
                files.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    files
}

fn temp_files(files: &BTreeMap<String, Vec<u8>>) -> Vec<&String> {
    files.keys().filter(|k| k.rsplit('/').next().unwrap().starts_with(TEMP_PREFIX)).collect()
}

/// Parses a feed file completely: a truncated file fails here.
fn assert_parses(name: &str, bytes: &[u8]) {
    if name.ends_with("rss.xml") {
        rss::Channel::read_from(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    } else if name.ends_with("atom.xml") {
        atom_syndication::Feed::read_from(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    } else if name.ends_with(".json") {
        serde_json::from_slice::<serde_json::Value>(bytes)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    } else if name.ends_with(".html") {
        assert!(bytes.trim_ascii_end().ends_with(b"</html>"), "{name} is cut short");
    } else if name.ends_with(".opml") {
        assert!(bytes.trim_ascii_end().ends_with(b"</opml>"), "{name} is cut short");
    }
}

/// Every output file is the old version or the complete new one.
fn assert_old_or_new(
    now: &BTreeMap<String, Vec<u8>>,
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
) {
    for (name, bytes) in now.iter().filter(|(k, _)| !temp_files(now).contains(k)) {
        let is_old = old.get(name) == Some(bytes);
        let is_new = new.get(name) == Some(bytes);
        assert!(
            is_old || is_new,
            "{name} ({} bytes) is neither the old nor the new file",
            bytes.len()
        );
        assert_parses(name, bytes);
    }
}

/// Runs `feedwright build` through `sh` with a file size limit (`ulimit -f`,
/// in 512- or 1024-byte blocks depending on the shell) and SIGXFSZ ignored,
/// so a write past the limit fails with EFBIG instead of killing the process.
#[cfg(unix)]
fn build_with_file_size_limit(t: &TestDir, blocks: u32) -> crate::util::Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f {blocks} && trap '' XFSZ && exec \"$0\" build"))
        .arg(env!("CARGO_BIN_EXE_feedwright"))
        .current_dir(t.join(""))
        .output()
        .expect("run sh");
    crate::util::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// FS-01 with a real write error from the kernel part way through a file.
/// ENOSPC itself needs a small mounted filesystem; a file size limit fails
/// the same `write` calls the same way (EFBIG instead of ENOSPC) without
/// privileges. The ENOSPC kind itself is tested in `src/output.rs` and
/// `src/app.rs` with an injected fault.
#[cfg(unix)]
#[test]
fn a_write_failing_part_way_exits_3_names_the_file_and_keeps_the_old_one() {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG).file("records.jsonl", SMALL_RECORDS);
    assert_eq!(t.run(&["build"]).code, 0);
    let old = snapshot(&t.join("output"));
    // One article of about 200 KB makes the world and news feeds far larger
    // than the limit (50 or 100 KiB); the old files are a few KB.
    let big = format!("<p>{}</p>", "湿地 ".repeat(30_000));
    let records = SMALL_RECORDS.replacen("<p>清晨六点", &format!("{big}<p>清晨六点"), 1);
    t.file("records.jsonl", records);

    let run = build_with_file_size_limit(&t, 100);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let output = t.join("output");
    let named = run
        .stderr
        .strip_prefix("error: cannot write output/")
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("names an output file: {}", run.stderr))
        .to_owned();
    assert!(run.stderr.contains(": File too large (os error 27); "), "{}", run.stderr);
    assert!(run.stderr.contains("raise the limit and run again"), "{}", run.stderr);
    let after = snapshot(&output);
    assert_eq!(temp_files(&after), Vec::<&String>::new(), "the partial temp file is removed");
    assert_eq!(after.get(&named), old.get(&named), "{named} keeps its old bytes");

    // Without the limit the same build succeeds; every file of the failed
    // run was either left alone or already the complete new version.
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let new = snapshot(&output);
    assert_eq!(after.keys().collect::<Vec<_>>(), old.keys().collect::<Vec<_>>());
    assert_old_or_new(&after, &old, &new);
    assert_ne!(after, new, "the failed run did not finish");
}

/// A site with `channels` channels of `items` long articles each, so the
/// write phase takes long enough to be interrupted.
fn big_site(t: &TestDir, channels: usize, items: usize, word: &str) {
    let mut config = String::from(
        "[site]\ntitle = \"Big\"\nlink = \"https://example.org/\"\ntimezone = \"UTC\"\n\n",
    );
    let mut records = String::new();
    for c in 0..channels {
        config.push_str(&format!("[[channel]]\nid = \"c{c:02}\"\ntitle = \"Channel {c}\"\n\n"));
        for i in 0..items {
            let content = format!("<p>{}</p>", format!("{word} {c} {i} ").repeat(1500));
            records.push_str(&format!(
                "{{\"id\": \"{c}-{i}\", \"title\": \"{word} {c} {i}\", \"channel\": \"c{c:02}\", \"published\": \"2025-01-{:02}T00:00:00Z\", \"content\": \"{content}\"}}\n",
                i % 28 + 1
            ));
        }
    }
    config.push_str("[[source]]\nid = \"r\"\nkind = \"records\"\npath = \"records.jsonl\"\n");
    t.file("feeds.toml", config).file("records.jsonl", records);
}

/// Whether any channel directory (or the root) holds one of our temp files.
fn temp_file_present(root: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(root) else { return false };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name();
        if name.to_string_lossy().starts_with(TEMP_PREFIX) {
            return true;
        }
        if e.file_type().is_ok_and(|t| t.is_dir())
            && std::fs::read_dir(e.path()).is_ok_and(|mut d| {
                d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with(TEMP_PREFIX)))
            })
        {
            return true;
        }
    }
    false
}

/// Puts the output directory back to `files` (after a run that finished
/// before it could be killed).
fn restore(root: &Path, files: &BTreeMap<String, Vec<u8>>) {
    std::fs::remove_dir_all(root).unwrap();
    for (name, bytes) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// FS-03: SIGKILL while files are being written. The kill is sent as soon as
/// a temp file is seen, so it lands in the write phase by construction; if
/// the run still finishes first, the old output is restored and it is tried
/// again.
#[cfg(unix)]
#[test]
fn a_run_killed_while_writing_leaves_each_file_old_or_new_and_the_next_run_cleans_up() {
    let t = TestDir::new();
    big_site(&t, 30, 8, "old");
    assert_eq!(t.run(&["build"]).code, 0);
    let output = t.join("output");
    let old = snapshot(&output);
    // The complete new version, built elsewhere, to compare against.
    big_site(&t, 30, 8, "new");
    let run = t.run(&["build", "--out", "expected"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let new = snapshot(&t.join("expected"));
    assert_eq!(old.keys().collect::<Vec<_>>(), new.keys().collect::<Vec<_>>());

    let mut killed = None;
    // The write phase of this small site lasts tens of milliseconds, so a
    // run often finishes before a late kill lands: enough attempts that
    // one is killed in time even on a loaded machine.
    for attempt in 1..=20 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_feedwright"))
            .arg("build")
            .current_dir(t.join(""))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        let finished = loop {
            if temp_file_present(&output) {
                // A varying delay moves the kill around the write phase from
                // one test run to the next.
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos();
                std::thread::sleep(Duration::from_millis(u64::from(nanos % 20)));
                child.kill().unwrap();
                break false;
            }
            if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                break true;
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        let status = child.wait().unwrap();
        if !finished && status.code().is_none() {
            killed = Some(attempt);
            break;
        }
        eprintln!("attempt {attempt}: the run ended before the kill ({status}); trying again");
        restore(&output, &old);
    }
    assert!(killed.is_some(), "no attempt was killed while writing");

    let after = snapshot(&output);
    let leftovers = temp_files(&after).len();
    let replaced = after.iter().filter(|(k, v)| new.get(*k) == Some(*v)).count();
    eprintln!("killed while writing: {replaced} file(s) new, {leftovers} temp file(s) left");
    assert_old_or_new(&after, &old, &new);
    for name in after.keys().filter(|k| !temp_files(&after).contains(k)) {
        assert!(old.contains_key(name), "unexpected file {name}");
    }

    // The next run replaces every file and removes what the killed one left.
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let done = snapshot(&output);
    assert_eq!(temp_files(&done), Vec::<&String>::new());
    assert!(done == new, "the next run writes the complete new version");
}

/// FS-05: a link planted under a temp file's name, in a channel directory
/// and at the top, is removed at the next start; its target is untouched.
/// (Creating a temp file never meets such a link: the names are random and
/// opened O_EXCL, see `write_atomic`.)
#[cfg(unix)]
#[test]
fn links_planted_under_temp_names_are_removed_not_followed() {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG).file("records.jsonl", SMALL_RECORDS);
    assert_eq!(t.run(&["build"]).code, 0);
    t.file("outside/precious.txt", "precious");
    t.file("outside/dir/.feedwright-tmp-inner", "also precious");
    let file_link = t.join("output/world/.feedwright-tmp-planted");
    let dir_link = t.join("output/.feedwright-tmp-dir");
    std::os::unix::fs::symlink(t.join("outside/precious.txt"), &file_link).unwrap();
    std::os::unix::fs::symlink(t.join("outside/dir"), &dir_link).unwrap();

    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::symlink_metadata(&file_link).is_err(), "the file link is removed");
    assert!(std::fs::symlink_metadata(&dir_link).is_err(), "the directory link is removed");
    assert_eq!(t.read("outside/precious.txt"), "precious");
    assert_eq!(t.read("outside/dir/.feedwright-tmp-inner"), "also precious");
}

/// FS-05: the start-of-run temp file cleanup does not follow a channel
/// directory replaced by a link, so files named like ours elsewhere stay.
#[cfg(unix)]
#[test]
fn temp_file_cleanup_does_not_reach_through_a_linked_channel_directory() {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG).file("records.jsonl", SMALL_RECORDS);
    assert_eq!(t.run(&["build"]).code, 0);
    t.file("elsewhere/.feedwright-tmp-not-ours", "someone else's");
    std::fs::remove_dir_all(t.join("output/world")).unwrap();
    std::os::unix::fs::symlink(t.join("elsewhere"), t.join("output/world")).unwrap();

    let run = t.run(&["build"]);
    assert_eq!(run.code, 3, "writing through the link is refused: {}", run.stderr);
    assert_eq!(t.read("elsewhere/.feedwright-tmp-not-ours"), "someone else's");
}

/// A config with one local feed file source (so a state database is used)
/// and one records source.
fn stateful_site(t: &TestDir) {
    t.file(
        "feeds.toml",
        format!(
            "{SMALL_CONFIG}\n[[source]]\nid = \"f\"\nkind = \"feed\"\npath = \"f.xml\"\nchannel = \"tech\"\n"
        ),
    );
    t.file("records.jsonl", SMALL_RECORDS);
    t.file(
        "f.xml",
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title><link>https://f.example/</link><description>d</description><item><title>Stored story</title><link>https://f.example/1</link><guid>https://f.example/1</guid><pubDate>Mon, 03 Mar 2025 10:00:00 +0000</pubDate></item></channel></rss>",
    );
}

/// FS-10: another connection holds the write lock for longer than the busy
/// timeout (5 s, so this test takes that long).
#[test]
fn a_state_database_locked_too_long_exits_3_and_writes_nothing() {
    let t = TestDir::new();
    stateful_site(&t);
    assert_eq!(t.run(&["build"]).code, 0);
    let before = snapshot(&t.join("output"));
    let db = t.join(".feedwright/state.db");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    t.file("records.jsonl", SMALL_RECORDS.replace("港口夜间作业恢复", "港口全面恢复"));

    let started = Instant::now();
    let run = t.run(&["build"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(started.elapsed() >= Duration::from_secs(4), "it waited for the lock first");
    assert_eq!(
        run.stderr,
        format!(
            "error: state database {} is locked: another process held it for over 5s; wait for the other feedwright run to finish, or stop it\n",
            PathBuf::from(".feedwright/state.db").display()
        )
    );
    assert_eq!(snapshot(&t.join("output")), before, "outputs untouched");

    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(t.read("output/tech/rss.xml").contains("Stored story"));
}

/// Makes a file immutable (`chattr +i`) until dropped: a write-protected
/// state file that binds root too, where mode bits do not.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(path.to_owned()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// Makes `path` unwritable for this user: mode bits, or `chattr +i` where
/// they do not bind (root, the usual CI container), judged by `writable`.
/// `None` (with a note) when neither works and the test must be skipped;
/// else the `chattr` guard, if one was needed, to drop when done.
#[cfg(unix)]
fn make_read_only(
    path: &Path,
    mode: u32,
    writable: impl Fn() -> bool,
) -> Option<Option<Immutable>> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if !writable() {
        return Some(None);
    }
    let guard = Immutable::set(path);
    if guard.is_none() {
        eprintln!("skipped: running as root and `chattr +i` is not permitted here");
        return None;
    }
    Some(guard)
}

/// FS-10: a state file this user may not write. Mode bits do not bind root
/// (the usual CI container), so it falls back to `chattr +i` there, and is
/// skipped with a reason when neither works.
#[cfg(unix)]
#[test]
fn a_read_only_state_database_exits_3_and_is_left_alone() {
    let t = TestDir::new();
    stateful_site(&t);
    assert_eq!(t.run(&["build"]).code, 0);
    let before = snapshot(&t.join("output"));
    let db = t.join(".feedwright/state.db");
    let bytes = std::fs::read(&db).unwrap();
    let Some(guard) =
        make_read_only(&db, 0o400, || std::fs::OpenOptions::new().write(true).open(&db).is_ok())
    else {
        return;
    };
    t.file("records.jsonl", SMALL_RECORDS.replace("港口夜间作业恢复", "港口全面恢复"));

    let run = t.run(&["build"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: state database .feedwright/state.db is read-only (")
            && run.stderr.contains("make the file and its directory writable"),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(&t.join("output")), before, "outputs untouched");
    // Reading it still works: `status` and `check` open it read-only.
    let status = t.run(&["status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(status.stdout.contains("last fetch (UTC)"), "{}", status.stdout);
    let check = t.run(&["check"]);
    assert!(check.code <= 1 && !check.stderr.contains("read-only"), "{}", check.stderr);
    drop(guard);
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "never recreated");
}

/// FS-10, failing mid-run: the lock is taken while the build waits for a
/// slow feed, after it opened the database, so the failure comes from the
/// run's one write transaction, after fetching and before any output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_database_locked_mid_run_fails_before_any_output_is_written() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let feed = |title: &str| {
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title><link>https://f.example/</link><description>d</description><item><title>{title}</title><link>https://f.example/1</link><guid>https://f.example/1</guid></item></channel></rss>"
        )
    };
    let server = MockServer::start().await;
    Mock::given(path("/f.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(feed("First story")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/f.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(feed("Second story"))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let t = TestDir::new();
    t.file("records.jsonl", SMALL_RECORDS).file(
        "feeds.toml",
        format!(
            "{SMALL_CONFIG}\n[[source]]\nid = \"f\"\nkind = \"feed\"\nurl = \"{}/f.xml\"\nchannel = \"tech\"\nallow_private = true\n",
            server.uri()
        ),
    );
    let dir = t.join("");
    let build = move || crate::util::run_in(&dir, &["build"]);
    let first = tokio::task::spawn_blocking(build.clone()).await.unwrap();
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = snapshot(&t.join("output"));

    let running = tokio::task::spawn_blocking(build.clone());
    while server.received_requests().await.unwrap().len() < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let holder = rusqlite::Connection::open(t.join(".feedwright/state.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let run = running.await.unwrap();
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("state database .feedwright/state.db is locked"), "{}", run.stderr);
    assert_eq!(snapshot(&t.join("output")), before, "outputs untouched");

    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    let run = tokio::task::spawn_blocking(build).await.unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(t.read("output/tech/rss.xml").contains("Second story"));
}

/// The state database's write lock is never held while a fetch is pending,
/// also when a local html page is read before the slow feed answers (that
/// source used to be counted out of the pending fetches without having
/// been counted in, so recording began during the fetch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_html_page_does_not_open_the_write_lock_while_a_fetch_is_pending() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(path("/f.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(
                    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title><link>https://f.example/</link><description>d</description><item><title>Slow story</title><link>https://f.example/1</link></item></channel></rss>",
                )
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let t = TestDir::new();
    t.file("records.jsonl", SMALL_RECORDS)
        .file(
            "page.html",
            "<ul class=\"related\"><li><a href=\"https://p.example/1\">Local story</a> <span class=\"time\">2025-02-01 10:00</span></li></ul>",
        )
        .file(
            "feeds.toml",
            format!(
                "{SMALL_CONFIG}\n[[source]]\nid = \"f\"\nkind = \"feed\"\nurl = \"{}/f.xml\"\nchannel = \"tech\"\nallow_private = true\n\n[[source]]\nid = \"page\"\nkind = \"html\"\npath = \"page.html\"\nchannel = \"world\"\n[source.select]\nitem = \"ul.related li\"\ndate = \"span.time\"\n",
                server.uri()
            ),
        );
    // A first run builds its new database aside, where no other connection
    // can see it; the lock is watched on the second run, at the real path.
    let dir = t.join("");
    let first = tokio::task::spawn_blocking(move || crate::util::run_in(&dir, &["build"]));
    assert_eq!(first.await.unwrap().code, 0);
    let dir = t.join("");
    let seen = server.received_requests().await.unwrap().len();
    let running = tokio::task::spawn_blocking(move || crate::util::run_in(&dir, &["build"]));
    while server.received_requests().await.unwrap().len() == seen {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The local page is read at once; give the run time to (wrongly) start
    // recording while the feed's response is still 1.5 s away.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let holder = rusqlite::Connection::open(t.join(".feedwright/state.db")).unwrap();
    holder.busy_timeout(Duration::ZERO).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").expect("no write lock held during the fetch");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    let run = running.await.unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(t.read("output/tech/rss.xml").contains("Slow story"));
    assert!(t.read("output/world/rss.xml").contains("Local story"));
}

/// FS-02: an output directory this user may not write. Mode bits do not bind
/// root (the usual CI container), so it falls back to `chattr +i` there, and
/// is skipped with a reason when neither works.
#[cfg(unix)]
#[test]
fn a_read_only_output_directory_exits_3_names_the_file_and_keeps_its_files() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG).file("records.jsonl", SMALL_RECORDS);
    assert_eq!(t.run(&["build"]).code, 0);
    let tech = t.join("output/tech");
    let before = snapshot(&tech);
    let writable = || {
        let wrote = std::fs::write(tech.join("probe"), b"x").is_ok();
        let _ = std::fs::remove_file(tech.join("probe"));
        wrote
    };
    let Some(guard) = make_read_only(&tech, 0o555, writable) else { return };
    t.file("records.jsonl", SMALL_RECORDS.replace("still matter", "still matter today"));

    let run = t.run(&["build"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: cannot write output/tech/")
            && run.stderr.contains("make the output directory writable by this user")
            && !run.stderr.contains(".feedwright-tmp"),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(&tech), before, "the directory's files are untouched");

    drop(guard);
    std::fs::set_permissions(&tech, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_ne!(snapshot(&tech), before, "the next run writes the change");
}
