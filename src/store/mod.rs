//! Persistent state in one SQLite file: per-source fetch bookkeeping (HTTP
//! validators, failure counts, retry times) and every item seen per source,
//! with the time it was first and last seen.
//!
//! What this module does:
//! - opens or creates the database safely (parent dir 0700, file 0600 on
//!   unix, WAL, 5 s busy timeout, foreign keys), checks it with
//!   `PRAGMA quick_check`, and migrates it (`PRAGMA user_version`, one
//!   transaction per step);
//! - records fetch attempts and item lists, each call atomic (a savepoint,
//!   its own transaction unless inside [`Store::batch`], which makes a whole
//!   run's writes one transaction), so a crash or error leaves the previous
//!   state intact;
//! - applies retention (by age and by count) and forgets removed sources;
//! - computes the retry backoff after repeated failures ([`backoff`]).
//!
//! What it must not do:
//! - delete, truncate or recreate a database it cannot read: a corrupt file is
//!   reported ([`StoreError::Corrupt`]) and left for the user to move aside;
//! - fetch, parse or decide anything about feeds: callers pass results in;
//! - be async: callers run it on `spawn_blocking` or between async phases.
//!
//! This is the only module that uses `rusqlite`.
//!
//! # Storage conventions
//!
//! Timestamps are stored as INTEGER unix seconds (UTC); sub-second parts are
//! dropped. Seconds are what feed dates carry, they compare and sort in SQL
//! without parsing, and `datetime(col, 'unixepoch')` shows them in the
//! `sqlite3` shell. An item is keyed by (source id, [`Article::id`]) and stored
//! whole as JSON, next to the columns SQL needs (dates, content hash).

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use thiserror::Error;

use crate::model::Article;

mod fresh;
mod json;

/// How long a statement waits for another connection's lock before failing
/// with [`StoreError::Locked`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Consecutive failures that are retried at the normal schedule; backoff
/// starts with the next one (RELIABILITY §3: "3, exponential to 24 h").
pub const FAILURES_BEFORE_BACKOFF: u32 = 2;

/// The delay after the first failure that backs off (the third in a row).
pub const BACKOFF_BASE: Duration = Duration::from_secs(15 * 60);

/// The longest backoff delay, jitter included.
pub const BACKOFF_MAX: Duration = Duration::from_secs(24 * 60 * 60);

/// Longest `last_error` kept; errors can quote server bodies, and the status
/// command only needs the gist.
const MAX_ERROR_LEN: usize = 2048;

/// Schema migrations, in order. Migration `i` brings `user_version` from `i`
/// to `i + 1`. Never edit a released entry: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: sources and their items.
    "CREATE TABLE sources (
        id             TEXT PRIMARY KEY NOT NULL,
        etag           TEXT,
        last_modified  TEXT,
        last_attempt   INTEGER,
        last_success   INTEGER,
        last_status    TEXT,
        failures       INTEGER NOT NULL DEFAULT 0,
        retry_at       INTEGER,
        last_error     TEXT,
        items_seen_at  INTEGER
    ) STRICT;
    CREATE TABLE items (
        source        TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        item_id       TEXT NOT NULL,
        item_date     INTEGER,
        first_seen    INTEGER NOT NULL,
        last_seen     INTEGER NOT NULL,
        content_hash  TEXT NOT NULL,
        article       TEXT NOT NULL,
        PRIMARY KEY (source, item_id)
    ) STRICT;
    CREATE INDEX items_by_date ON items (source, coalesce(item_date, first_seen));",
];

/// A state database operation failed. Every message names the file and says
/// what to do.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file or its directory could not be created or opened.
    #[error("cannot open state database {}: {source}", path.display())]
    Open { path: PathBuf, source: io::Error },
    /// The file is not a readable SQLite database. It is left untouched.
    #[error(
        "state database {} is corrupt or not a SQLite database ({detail}); \
         move it aside (e.g. add `.corrupt` to its name) and run again to start with empty \
         state, or restore a backup; feedwright never deletes it",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    /// Another connection held the lock for longer than [`BUSY_TIMEOUT`].
    #[error(
        "state database {} is locked: another process held it for over {}s; \
         wait for the other feedwright run to finish, or stop it",
        path.display(),
        BUSY_TIMEOUT.as_secs()
    )]
    Locked { path: PathBuf },
    /// The file, its directory or the filesystem does not allow writing.
    #[error(
        "state database {} is read-only ({detail}); make the file and its directory \
         writable by this user, or choose another state path",
        path.display()
    )]
    ReadOnly { path: PathBuf, detail: String },
    /// The disk or quota is full.
    #[error(
        "state database {}: disk or quota full; free some space and run again \
         (the previous state is intact)",
        path.display()
    )]
    Full { path: PathBuf },
    /// The file was written by a newer feedwright with a schema this one does
    /// not know.
    #[error(
        "state database {} has schema version {found}, newer than this feedwright \
         supports ({supported}); upgrade feedwright or move the file aside",
        path.display()
    )]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    /// An item cannot be stored (a caller bug, e.g. an empty id); nothing of
    /// the call was written.
    #[error("state database {}: source {source_id}: {detail}", path.display())]
    InvalidItem { path: PathBuf, source_id: String, detail: String },
    /// Any other SQLite failure.
    #[error("state database {}: {source}", path.display())]
    Sqlite { path: PathBuf, source: rusqlite::Error },
}

/// What the store knows about one source. `Default` (with the id set) for a
/// source never seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    pub id: String,
    /// `ETag` of the last full fetch, for `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` of the last full fetch, for `If-Modified-Since`.
    pub last_modified: Option<String>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// Outcome of the last attempt: the HTTP status line given with
    /// [`Attempt::Fetched`], `"304 Not Modified"`, or `"failed"`.
    pub last_status: Option<String>,
    /// Consecutive failures; 0 after any success.
    pub failures: u32,
    /// Do not fetch before this time (set with a failure).
    pub retry_at: Option<DateTime<Utc>>,
    /// The error of the last attempt, if it failed (cut to 2 KiB).
    pub last_error: Option<String>,
    /// Number of stored items.
    pub items: usize,
    /// When the last item list was stored ([`Store::upsert_items`]); the items
    /// last seen then are the source's current list.
    pub items_seen_at: Option<DateTime<Utc>>,
}

/// The result of one fetch attempt, for [`Store::record_attempt`].
#[derive(Debug, Clone)]
pub enum Attempt {
    /// A full response was received and parsed. Validators replace the stored
    /// ones (`None` clears them: the server stopped sending them).
    Fetched {
        at: DateTime<Utc>,
        etag: Option<String>,
        last_modified: Option<String>,
        /// E.g. `"200 OK"`.
        status: String,
    },
    /// The server answered 304; validators are kept.
    NotModified { at: DateTime<Utc> },
    /// The attempt failed. `retry_at`: typically from [`backoff`] with the new
    /// failure count, or the server's `Retry-After`.
    Failed { at: DateTime<Utc>, error: String, retry_at: Option<DateTime<Utc>> },
}

/// A stored item with the times the store saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    pub article: Article,
    /// When the item was first stored; never changes while the row exists.
    pub first_seen: DateTime<Utc>,
    /// The last upsert whose list contained the item.
    pub last_seen: DateTime<Utc>,
}

impl StoredItem {
    /// The date to sort and show the item by: its own date, else the time it
    /// was first seen (DATE-01: stable across runs, never "now").
    pub fn date(&self) -> DateTime<FixedOffset> {
        self.article.date().unwrap_or_else(|| self.first_seen.fixed_offset())
    }
}

/// What [`Store::upsert_items`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Keys not stored before.
    pub new: usize,
    /// Stored keys whose content changed (record replaced).
    pub updated: usize,
    /// Stored keys with the same content (only `last_seen` moved).
    pub unchanged: usize,
}

/// The state database. One handle per thread; several handles (and
/// processes) may share a file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Whether a batch commit has already left its checkpoint to closing
    /// (see [`Batch::commit`]): only the first one does.
    checkpoint_deferred: bool,
    /// A new database's temp file, installed at `path` once `conn` has
    /// closed (fields drop in order); see [`Store::open_for_run`].
    fresh: Option<fresh::Fresh>,
}

impl Store {
    /// Opens or creates the DB: creates the parent dir (0700) and the file
    /// (0600 on unix) when missing (existing ones keep their modes), turns on
    /// WAL, a 5 s busy timeout and foreign keys, checks the file with
    /// `PRAGMA quick_check`, and runs pending migrations (`PRAGMA
    /// user_version`; each migration in its own transaction).
    ///
    /// A file that is not a healthy SQLite database gives
    /// [`StoreError::Corrupt`] and is left exactly as it was.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        create_file(path)?;
        let conn = Connection::open(path).map_err(|e| map_err(path, e))?;
        let mut store =
            Store { conn, path: path.to_path_buf(), checkpoint_deferred: false, fresh: None };
        store.configure()?;
        store.check()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens the database for one build run: as [`Store::open`], except
    /// that a database that does not exist yet is built in a temp file
    /// beside `path` and appears there only when the store is dropped (by
    /// [`Store::close_in_background`] or otherwise): written once, without
    /// a WAL copy, and fsynced once. See the `fresh` module.
    pub fn open_for_run(path: &Path) -> Result<Store, StoreError> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // Whatever is there (a file, a link, something unreadable) is
            // opened, or refused, as always.
            _ => return Store::open(path),
        }
        create_parent(path)?;
        let fresh = fresh::Fresh::create(path).map_err(|e| io_error(path, e))?;
        let conn = Connection::open(fresh.temp()).map_err(|e| map_err(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            checkpoint_deferred: false,
            fresh: Some(fresh),
        };
        store.configure()?;
        store.check()?;
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens an existing database only to read it (`check`, `status`), so
    /// that they work on a file this user may not write and can never change
    /// it. A file with an older schema is opened as by [`Store::open`],
    /// which migrates it first.
    pub fn open_for_reading(path: &Path) -> Result<Store, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| map_err(path, e))?;
        let store =
            Store { conn, path: path.to_path_buf(), checkpoint_deferred: false, fresh: None };
        store.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| store.err(e))?;
        store.check()?;
        let (found, supported) = (store.schema_version()?, MIGRATIONS.len() as i64);
        if found > supported {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found, supported });
        }
        if found < supported {
            drop(store);
            return Store::open(path);
        }
        Ok(store)
    }

    /// The schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// The state of one source; the default state (with `id` set) if unknown.
    pub fn source(&self, id: &str) -> Result<SourceState, StoreError> {
        let sql = format!("{SOURCE_SELECT} WHERE s.id = ?1");
        let row = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut st| st.query_row([id], read_source).optional())
            .map_err(|e| self.err(e))?;
        match row {
            Some(raw) => raw.into_state(&self.path),
            None => Ok(SourceState { id: id.to_owned(), ..SourceState::default() }),
        }
    }

    /// Every known source, sorted by id (for `feedwright status`).
    pub fn sources(&self) -> Result<Vec<SourceState>, StoreError> {
        let sql = format!("{SOURCE_SELECT} ORDER BY s.id");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], read_source).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for raw in rows {
            out.push(raw.map_err(|e| self.err(e))?.into_state(&self.path)?);
        }
        Ok(out)
    }

    /// Runs `f` in one write transaction: everything it records lands
    /// together or not at all. Each write method is a savepoint inside it.
    /// A run's fetch results go through one batch: one commit instead of
    /// three per source, so the disk sees a handful of syncs, not hundreds.
    pub fn batch<T>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut batch = self.begin()?;
        let value = f(&mut batch)?;
        batch.commit()?;
        Ok(value)
    }

    /// Opens a write transaction like [`Store::batch`] does, for a caller
    /// that records while it still waits for work (an `async` loop): the
    /// returned guard is the store, and dropping it without
    /// [`Batch::commit`] rolls everything back.
    pub fn begin(&mut self) -> Result<Batch<'_>, StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.err(e))?;
        Ok(Batch { store: self, open: true })
    }

    /// Records one fetch attempt's result in one transaction.
    ///
    /// `Fetched` and `NotModified` set `last_success`, reset `failures` to 0
    /// and clear `retry_at` and `last_error`; `Failed` adds one to `failures`
    /// and sets `retry_at` and `last_error`. Every kind sets `last_attempt`
    /// and `last_status`.
    pub fn record_attempt(&mut self, id: &str, attempt: &Attempt) -> Result<(), StoreError> {
        let path = &self.path;
        let tx = self.conn.savepoint().map_err(|e| map_err(path, e))?;
        ensure_source(&tx, id).map_err(|e| map_err(path, e))?;
        let result = match attempt {
            Attempt::Fetched { at, etag, last_modified, status } => tx
                .prepare_cached(
                    "UPDATE sources SET etag = ?2, last_modified = ?3, last_attempt = ?4,
                    last_success = ?4, last_status = ?5, failures = 0, retry_at = NULL,
                    last_error = NULL
                 WHERE id = ?1",
                )
                .and_then(|mut st| {
                    st.execute(params![id, etag, last_modified, at.timestamp(), status])
                }),
            Attempt::NotModified { at } => tx
                .prepare_cached(
                    "UPDATE sources SET last_attempt = ?2, last_success = ?2,
                    last_status = '304 Not Modified', failures = 0, retry_at = NULL,
                    last_error = NULL
                 WHERE id = ?1",
                )
                .and_then(|mut st| st.execute(params![id, at.timestamp()])),
            Attempt::Failed { at, error, retry_at } => tx
                .prepare_cached(
                    // min(): the count saturates instead of overflowing u32.
                    "UPDATE sources SET last_attempt = ?2, last_status = 'failed',
                    failures = min(failures + 1, 4294967295), retry_at = ?3, last_error = ?4
                 WHERE id = ?1",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        id,
                        at.timestamp(),
                        retry_at.map(|t| t.timestamp()),
                        cut(error)
                    ])
                }),
        };
        result.map_err(|e| map_err(path, e))?;
        tx.commit().map_err(|e| map_err(path, e))
    }

    /// Undoes a clock that went back. A last attempt or success stored after
    /// `now` means the clock was set back since (or the file came from a
    /// machine whose clock ran ahead); `every` and the backoff would then hold
    /// the source until the clock caught up, for years perhaps. Such times are
    /// moved back together until the latest is `now`: the source counts as
    /// fetched just now, so it waits at most `every` (or its backoff delay,
    /// which is kept) from here. Updates `state` to match. Returns how far
    /// the times moved, or `None` when none was in the future.
    ///
    /// Item times (`first_seen`, `last_seen`) are left alone: they only date
    /// items, and moving them would change what the feeds show.
    pub fn pull_back_future_times(
        &mut self,
        state: &mut SourceState,
        now: DateTime<Utc>,
    ) -> Result<Option<chrono::Duration>, StoreError> {
        // Whole seconds, as stored; the latest time ends at or just before `now`.
        let latest = state.last_attempt.max(state.last_success).map(|t| t.timestamp());
        let Some(secs) = latest.map(|t| t - now.timestamp()).filter(|s| *s > 0) else {
            return Ok(None);
        };
        let shift = chrono::Duration::seconds(secs);
        self.conn
            .execute(
                "UPDATE sources SET last_attempt = last_attempt - ?2,
                    last_success = last_success - ?2, retry_at = retry_at - ?2
                 WHERE id = ?1",
                params![state.id, secs],
            )
            .map_err(|e| self.err(e))?;
        let back = |t: &mut Option<DateTime<Utc>>| *t = t.map(|t| t - shift);
        back(&mut state.last_attempt);
        back(&mut state.last_success);
        back(&mut state.retry_at);
        Ok(Some(shift))
    }

    /// Upserts a source's current items, in one transaction: new keys get
    /// `first_seen = now`; stored keys keep `first_seen` and have their
    /// record replaced when the content hash changed; all of them get
    /// `last_seen` = the call's stamp, which is also the source's
    /// `items_seen_at` (`now`, or a second past the previous stamp when that
    /// is within a minute ahead of `now`: see the body). Returns the counts
    /// (new, updated, unchanged).
    ///
    /// Keys are (`source`, [`Article::id`]). When an id repeats within
    /// `items`, the first occurrence counts and later ones are ignored. An
    /// empty id is a caller bug: [`StoreError::InvalidItem`], and nothing of
    /// the call is written. The content hash leaves out [`Article::origin`]
    /// (a position such as `feed.xml[3]` moves as upstream adds items and is
    /// not content).
    pub fn upsert_items(
        &mut self,
        source: &str,
        items: &[Article],
        now: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        self.upsert_encoded(source, items, &[], now)
    }

    /// [`Store::upsert_items`], with `encoded[i]` the [`Encoded`] form of
    /// `items[i]` worked out ahead (items past the end of `encoded` are
    /// encoded here), so the single writer does not serialise and hash
    /// what parsing threads could.
    pub fn upsert_encoded(
        &mut self,
        source: &str,
        items: &[Article],
        encoded: &[Encoded],
        now: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        let path = &self.path;
        let sql_err = |e| map_err(path, e);
        let now_s = now.timestamp();
        let tx = self.conn.savepoint().map_err(sql_err)?;
        ensure_source(&tx, source).map_err(sql_err)?;
        // `last_seen` equal to the source's `items_seen_at` marks its current
        // list (see `prune`), so this call's stamp must differ from the last
        // one's even when two runs fall within one second: otherwise every
        // item of the earlier list would count as current and outlive
        // `keep_items`. Only a previous stamp less than a minute ahead is
        // stepped past: one left far ahead by a clock that has since moved
        // back is not followed (that would pin every later stamp there and
        // keep gone items for the whole skew past `keep_days`). The stamp
        // dates nothing (`first_seen` stays `now`).
        let previous: Option<i64> = tx
            .prepare_cached("SELECT items_seen_at FROM sources WHERE id = ?1")
            .and_then(|mut st| st.query_row([source], |r| r.get(0)))
            .map_err(sql_err)?;
        let stamp = match previous {
            Some(p) if (now_s..now_s.saturating_add(60)).contains(&p) => p + 1,
            _ => now_s,
        };
        // A source with nothing stored yet (every source of a first run)
        // has no hashes to compare: each item is new.
        let none_stored: bool = tx
            .prepare_cached("SELECT NOT EXISTS (SELECT 1 FROM items WHERE source = ?1)")
            .and_then(|mut st| st.query_row([source], |r| r.get(0)))
            .map_err(sql_err)?;
        let mut counts = UpsertCounts::default();
        let mut stored_bytes = 0;
        {
            let mut select = tx
                .prepare_cached("SELECT content_hash FROM items WHERE source = ?1 AND item_id = ?2")
                .map_err(sql_err)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO items (source, item_id, item_date, first_seen, last_seen,
                        content_hash, article)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(sql_err)?;
            let mut replace = tx
                .prepare_cached(
                    "UPDATE items SET item_date = ?3, last_seen = ?4, content_hash = ?5,
                        article = ?6
                     WHERE source = ?1 AND item_id = ?2",
                )
                .map_err(sql_err)?;
            let mut touch = tx
                .prepare_cached(
                    "UPDATE items SET last_seen = ?3 WHERE source = ?1 AND item_id = ?2",
                )
                .map_err(sql_err)?;
            let mut seen = HashSet::new();
            for (n, item) in items.iter().enumerate() {
                if item.id.is_empty() {
                    // Returning drops `tx` uncommitted: the whole call rolls back.
                    return Err(StoreError::InvalidItem {
                        path: path.clone(),
                        source_id: source.to_owned(),
                        detail: format!("item {:?} has an empty id", item.title),
                    });
                }
                if !seen.insert(item.id.as_str()) {
                    continue;
                }
                let invalid = |e: serde_json::Error| StoreError::InvalidItem {
                    path: path.clone(),
                    source_id: source.to_owned(),
                    detail: format!("item {} cannot be encoded: {e}", item.id),
                };
                let fresh;
                let done = match encoded.get(n) {
                    Some(done) => done,
                    None => {
                        fresh = Encoded::new(item).map_err(invalid)?;
                        &fresh
                    }
                };
                let (json, hash) = (done.text(), &done.hash);
                stored_bytes += done.json.len();
                let stored: Option<String> = if none_stored {
                    None
                } else {
                    select
                        .query_row(params![source, item.id], |r| r.get(0))
                        .optional()
                        .map_err(sql_err)?
                };
                match stored {
                    Some(old) if old == *hash => {
                        touch.execute(params![source, item.id, stamp]).map_err(sql_err)?;
                        counts.unchanged += 1;
                    }
                    Some(_) => {
                        let date = item.date().map(|d| d.timestamp());
                        replace
                            .execute(params![source, item.id, date, stamp, hash, json])
                            .map_err(sql_err)?;
                        counts.updated += 1;
                    }
                    None => {
                        let date = item.date().map(|d| d.timestamp());
                        insert
                            .execute(params![source, item.id, date, now_s, stamp, hash, json])
                            .map_err(sql_err)?;
                        counts.new += 1;
                    }
                }
            }
        }
        tx.prepare_cached("UPDATE sources SET items_seen_at = ?2 WHERE id = ?1")
            .and_then(|mut st| st.execute(params![source, stamp]))
            .map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
        if let Some(fresh) = &mut self.fresh {
            fresh.stored(stored_bytes);
        }
        Ok(counts)
    }

    /// Every stored item of a source with its first/last seen times, so items
    /// that dropped off upstream still appear. Newest first (item date, else
    /// first seen), ties by id.
    ///
    /// A row whose JSON no longer decodes (edited by hand, or written by an
    /// incompatible version) is skipped with a warning, not deleted.
    pub fn items(&self, source: &str) -> Result<Vec<StoredItem>, StoreError> {
        self.items_reusing(source, Vec::new())
    }

    /// [`Store::items`], taking the articles in `fresh` (the list just
    /// upserted for `source`) as they are instead of decoding their stored
    /// copies, which upserting made equal to them (up to `origin`).
    pub fn items_reusing(
        &self,
        source: &str,
        fresh: Vec<Article>,
    ) -> Result<Vec<StoredItem>, StoreError> {
        if fresh.is_empty() {
            return self.read_items(source, true, |_, row| Ok(article_at(row, 4)));
        }
        let mut fresh: HashMap<String, Article> =
            fresh.into_iter().rev().map(|a| (a.id.clone(), a)).collect();
        // The articles are not selected with the rest: sorting the rows
        // with their few KiB of JSON copied them all, when most are in
        // `fresh`; the others are looked up one by one.
        let mut by_rowid = self
            .conn
            .prepare_cached("SELECT article FROM items WHERE rowid = ?1")
            .map_err(|e| self.err(e))?;
        self.read_items(source, false, |id, row| match fresh.remove(id) {
            Some(article) => Ok(Ok(article)),
            None => by_rowid.query_row([row.get::<_, i64>(3)?], |r| Ok(article_at(r, 0))),
        })
    }

    /// `source`'s items in feed order, each article given by `article(item
    /// id, row)`. A row holds `item_id, first_seen, last_seen, rowid`, and
    /// the article's JSON fifth if `with_article`. An item whose article or
    /// times do not decode is skipped with a warning.
    fn read_items(
        &self,
        source: &str,
        with_article: bool,
        mut article: impl FnMut(&str, &rusqlite::Row<'_>) -> rusqlite::Result<Result<Article, String>>,
    ) -> Result<Vec<StoredItem>, StoreError> {
        let sql = if with_article {
            "SELECT item_id, first_seen, last_seen, rowid, article FROM items WHERE source = ?1
             ORDER BY coalesce(item_date, first_seen) DESC, item_id"
        } else {
            "SELECT item_id, first_seen, last_seen, rowid FROM items WHERE source = ?1
             ORDER BY coalesce(item_date, first_seen) DESC, item_id"
        };
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let mut rows = stmt.query([source]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let id: String = row.get(0).map_err(|e| self.err(e))?;
            let decoded = article(&id, row).map_err(|e| self.err(e))?;
            let first = row.get::<_, i64>(1).map_err(|e| self.err(e))?;
            let last = row.get::<_, i64>(2).map_err(|e| self.err(e))?;
            let times = time(first).zip(time(last)).ok_or_else(|| "bad seen times".to_owned());
            match decoded.and_then(|a| times.map(|t| (a, t))) {
                Ok((article, (first_seen, last_seen))) => {
                    out.push(StoredItem { article, first_seen, last_seen });
                }
                Err(detail) => tracing::warn!(
                    path = %self.path.display(),
                    source,
                    item = %id,
                    "skipping unreadable stored item: {detail}"
                ),
            }
        }
        Ok(out)
    }

    /// Retention for one source, in one transaction: deletes items last seen
    /// more than `keep_days` days before `now`, and items beyond the newest
    /// `keep_items` (newest by item date, else first seen; ties by id).
    /// Returns the number of items deleted.
    ///
    /// Items in the source's current list (last seen by the latest
    /// [`upsert_items`](Self::upsert_items)) are never deleted: a 304 or a
    /// failing source does not move `last_seen`, and they would otherwise age
    /// out while still upstream (B3), or — over the count — be deleted and
    /// come back next run as new with a fresh `first_seen` (DATE-01). So a
    /// source keeps at most `keep_items` + its current list size.
    pub fn prune(
        &mut self,
        source: &str,
        keep_days: Option<u32>,
        keep_items: Option<usize>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let path = &self.path;
        let sql_err = |e| map_err(path, e);
        let tx = self.conn.savepoint().map_err(sql_err)?;
        let current: Option<i64> = tx
            .prepare_cached("SELECT items_seen_at FROM sources WHERE id = ?1")
            .and_then(|mut st| st.query_row([source], |r| r.get(0)))
            .optional()
            .map_err(sql_err)?
            .flatten();
        let mut deleted = 0;
        if let Some(days) = keep_days {
            let cutoff = now.timestamp().saturating_sub(i64::from(days) * 86_400);
            deleted += tx
                .prepare_cached(
                    "DELETE FROM items WHERE source = ?1 AND last_seen < ?2
                        AND (?3 IS NULL OR last_seen <> ?3)",
                )
                .and_then(|mut st| st.execute(params![source, cutoff, current]))
                .map_err(sql_err)?;
        }
        if let Some(keep) = keep_items {
            let keep = i64::try_from(keep).unwrap_or(i64::MAX);
            // Most sources hold fewer than `keep` items: counting them (in
            // the index) is cheaper than sorting them to find none to delete.
            let stored: i64 = tx
                .prepare_cached("SELECT count(*) FROM items WHERE source = ?1")
                .and_then(|mut st| st.query_row([source], |r| r.get(0)))
                .map_err(sql_err)?;
            if stored > keep {
                deleted += tx
                    .prepare_cached(
                        "DELETE FROM items WHERE source = ?1 AND (?3 IS NULL OR last_seen <> ?3)
                            AND item_id NOT IN (
                                SELECT item_id FROM items WHERE source = ?1
                                ORDER BY coalesce(item_date, first_seen) DESC, item_id
                                LIMIT ?2)",
                    )
                    .and_then(|mut st| st.execute(params![source, keep, current]))
                    .map_err(sql_err)?;
            }
        }
        tx.commit().map_err(sql_err)?;
        Ok(deleted)
    }

    /// Removes the state (bookkeeping and items) of every source whose id is
    /// not in `keep` — call it with the configured ids. Returns the number of
    /// sources removed.
    pub fn forget_other_sources(&mut self, keep: &[&str]) -> Result<usize, StoreError> {
        let path = &self.path;
        let sql_err = |e| map_err(path, e);
        let keep: HashSet<&str> = keep.iter().copied().collect();
        let tx = self.conn.savepoint().map_err(sql_err)?;
        let ids: Vec<String> = {
            let mut stmt = tx.prepare("SELECT id FROM sources").map_err(sql_err)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(sql_err)?;
            rows.collect::<Result<_, _>>().map_err(sql_err)?
        };
        let mut removed = 0;
        for id in ids.iter().filter(|id| !keep.contains(id.as_str())) {
            // Items go with the source row (ON DELETE CASCADE).
            removed += tx.execute("DELETE FROM sources WHERE id = ?1", [id]).map_err(sql_err)?;
        }
        tx.commit().map_err(sql_err)?;
        Ok(removed)
    }

    /// Housekeeping for RES-08, cheap enough to call once per run or daemon
    /// cycle: `VACUUM` when over a quarter of the file (and over 1 MiB) is
    /// free pages left by pruning, then `PRAGMA optimize`, then a WAL
    /// checkpoint that truncates the `-wal` file. A vacuum that fails (a full
    /// disk: it needs room for a copy of the database; another connection
    /// busy) is a warning and the rest still runs. Returns whether it
    /// vacuumed. A vacuum holds the write lock for as long as it copies.
    pub fn maintain(&mut self) -> Result<bool, StoreError> {
        let pragma = |name: &str| -> Result<i64, StoreError> {
            self.conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .map_err(|e| self.err(e))
        };
        let pages = pragma("page_count")?;
        let free = pragma("freelist_count")?;
        let page_size = pragma("page_size")?;
        let vacuum = free * 4 > pages && free * page_size > 1 << 20;
        let vacuumed = vacuum
            && match self.conn.execute_batch("VACUUM") {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(
                        path = %self.path.display(),
                        "state database not vacuumed: {}",
                        self.err(e)
                    );
                    false
                }
            };
        // Before the checkpoint, so that whatever ANALYZE it runs is in the
        // main file too.
        self.conn.execute_batch("PRAGMA optimize").map_err(|e| self.err(e))?;
        // Returns a row (busy, log, checkpointed); a busy reader only makes it partial.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| self.err(e))?;
        Ok(vacuumed)
    }

    /// Runs [`Store::maintain`] (a vacuum when pruning freed a quarter of
    /// the file, the WAL checkpointed into the main file, `PRAGMA
    /// optimize`) and closes the database, on a thread of its own; returns
    /// it, to be joined before the process exits. After a first run the
    /// checkpoint is tens of MiB of copying that nothing else in the run
    /// waits for. A checkpoint cut short (the process killed) leaves the
    /// WAL, which the next open replays. Without a thread to spare, it
    /// closes here, as a drop would.
    pub fn close_in_background(mut self) -> Closing {
        let thread = std::thread::Builder::new().name("state-close".into());
        // A failed spawn drops the closure, and with it the store, here
        // (without the housekeeping, which the next run does).
        Closing(
            thread
                .spawn(move || {
                    // The run's data is committed: housekeeping that fails
                    // costs nothing but the space it would have freed.
                    if let Err(e) = self.maintain() {
                        tracing::warn!("state database housekeeping skipped: {e}");
                    }
                    self.close().err()
                })
                .ok(),
        )
    }

    /// Closes the database; a new one built aside is installed at its path
    /// (see the `fresh` module), or the error says why this run's state
    /// was not kept.
    pub fn close(mut self) -> Result<(), String> {
        if self.fresh.is_none() {
            return Ok(());
        }
        self.set_journal_for_install();
        let fresh = self.fresh.take();
        drop(self);
        fresh.map_or(Ok(()), |mut fresh| fresh.install())
    }

    /// A new database is installed in the journal mode every open sets;
    /// should this fail, the next open switches it.
    fn set_journal_for_install(&self) {
        let _ = self.conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()));
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        map_err(&self.path, e)
    }

    /// Per-connection settings.
    fn configure(&mut self) -> Result<(), StoreError> {
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| self.err(e))?;
        // Every per-source statement is cached (parsing them again for each
        // of hundreds of sources showed); rusqlite keeps 16 by default,
        // fewer than there are.
        self.conn.set_prepared_statement_cache_capacity(32);
        // Items are stored whole, a few KiB of JSON each: with 4 KiB pages
        // most of them spill into a half-empty overflow page, so a first run
        // writes (and checkpoints) half as much again as with 16 KiB pages,
        // where several fit in one. Only a database without pages yet takes
        // this; an existing file keeps its page size.
        self.conn.pragma_update(None, "page_size", 16 * 1024).map_err(|e| self.err(e))?;
        // WAL, with NORMAL syncs: crash-safe in WAL mode (a power cut may
        // lose the last commit, never consistency) without an fsync per
        // transaction. A new database being built aside is a file only this
        // connection knows of: rollback needs a journal, but a crash only
        // loses the temp file, and it is fsynced once before it is installed
        // (see the `fresh` module).
        let (journal, synchronous) =
            if self.fresh.is_some() { ("MEMORY", "OFF") } else { ("WAL", "NORMAL") };
        // The first statement that reads the file: a garbage file fails here
        // with "file is not a database", mapped to Corrupt.
        let mode: String = self
            .conn
            .query_row(&format!("PRAGMA journal_mode = {journal}"), [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if !mode.eq_ignore_ascii_case(journal) {
            // E.g. a filesystem without shared memory for WAL; still correct,
            // only readers and the writer block each other.
            tracing::warn!(path = %self.path.display(), mode, "state database is not in {journal} mode");
        }
        self.conn.pragma_update(None, "synchronous", synchronous).map_err(|e| self.err(e))?;
        self.conn.pragma_update(None, "foreign_keys", true).map_err(|e| self.err(e))?;
        Ok(())
    }

    /// `PRAGMA quick_check`: O(size) but no index cross-checks; catches
    /// damaged pages before we write on top of them.
    fn check(&self) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check(5)").map_err(|e| self.err(e))?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        if lines.len() == 1 && lines[0] == "ok" {
            return Ok(());
        }
        Err(StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!("integrity check: {}", lines.join("; ")),
        })
    }

    /// Runs the migrations the file has not had yet.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let supported = MIGRATIONS.len() as i64;
        for (step, sql) in (0i64..).zip(MIGRATIONS) {
            let path = &self.path;
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| map_err(path, e))?;
            // Read inside the write transaction: another process may have
            // migrated while we waited for the lock.
            let version: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| map_err(path, e))?;
            if version > supported {
                return Err(StoreError::TooNew { path: path.clone(), found: version, supported });
            }
            if version > step {
                continue;
            }
            tx.execute_batch(sql).map_err(|e| map_err(path, e))?;
            tx.pragma_update(None, "user_version", step + 1).map_err(|e| map_err(path, e))?;
            tx.commit().map_err(|e| map_err(path, e))?;
        }
        let version = self.schema_version()?;
        if version > supported {
            return Err(StoreError::TooNew { path: self.path.clone(), found: version, supported });
        }
        Ok(())
    }

    /// Test hook: shorter lock waits, so lock tests finish quickly.
    #[cfg(test)]
    fn set_busy_timeout(&self, timeout: Duration) {
        self.conn.busy_timeout(timeout).unwrap();
    }
}

/// A database closing on its own thread ([`Store::close_in_background`]);
/// dropping this waits for it, so a run ends with the database closed.
#[derive(Debug)]
pub struct Closing(Option<std::thread::JoinHandle<Option<String>>>);

impl Closing {
    /// Waits for the database to close; says why this run's state was not
    /// kept, if it was not (a new database that could not be installed).
    pub fn finish(mut self) -> Option<String> {
        // A panic while closing is not worth re-raising here: the data is
        // committed, and a WAL left behind is replayed on next open.
        self.0.take().and_then(|thread| thread.join().ok().flatten())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.fresh.is_some() {
            self.set_journal_for_install();
        }
    }
}

impl Drop for Closing {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take()
            && let Ok(Some(problem)) = thread.join()
        {
            tracing::warn!("{problem}");
        }
    }
}

/// A write transaction opened by [`Store::begin`].
#[derive(Debug)]
pub struct Batch<'a> {
    store: &'a mut Store,
    open: bool,
}

impl Batch<'_> {
    /// Commits everything recorded since [`Store::begin`].
    ///
    /// The WAL checkpoint that SQLite would run straight after the first
    /// batch's commit (copying the whole WAL into the main file, a first
    /// run's tens of MiB) is left to closing the connection, which
    /// [`Store::close_in_background`] does beside the rest of the run. Only
    /// the first batch of a connection defers it: a store kept open across
    /// many batches (a daemon's cycles) checkpoints at the next commit as
    /// SQLite does by default, so the WAL stays bounded.
    pub fn commit(mut self) -> Result<(), StoreError> {
        let store = &mut *self.store;
        let err = |e| map_err(&store.path, e);
        let restore = if store.checkpoint_deferred {
            None
        } else {
            let threshold: i64 =
                store.conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).map_err(err)?;
            store.conn.pragma_update(None, "wal_autocheckpoint", 0).map_err(err)?;
            Some(threshold)
        };
        let committed = store.conn.execute_batch("COMMIT").map_err(err);
        if let Some(threshold) = restore
            && let Err(e) = store.conn.pragma_update(None, "wal_autocheckpoint", threshold)
        {
            // The data is committed (or the error below says why not); a
            // threshold left at 0 only delays checkpoints to closing.
            tracing::warn!(path = %store.path.display(), "cannot restore wal_autocheckpoint: {e}");
        }
        committed?;
        // Only now: a COMMIT that failed (a busy database, a full disk)
        // leaves the transaction open, for `Drop` to roll back, and the next
        // batch may still defer its checkpoint.
        store.checkpoint_deferred |= restore.is_some();
        self.open = false;
        Ok(())
    }
}

impl std::ops::Deref for Batch<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        self.store
    }
}

impl std::ops::DerefMut for Batch<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.store
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if self.open {
            // Whatever ended the batch early is being reported; a failed
            // rollback leaves nothing half-done either (SQLite rolls back an
            // unfinished transaction when the connection closes).
            let _ = self.store.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The delay before the next try after `failures` consecutive failures, or
/// `None` while no backoff applies (fewer than 3 failures: retry at the
/// normal schedule).
///
/// From the third failure: 15 min × 2^(failures − 3), capped at 24 h
/// (15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 16 h, 24 h, 24 h, ...), then ±10%
/// jitter, clamped again to 24 h. The jitter comes from a hash of (source id,
/// failures), not an RNG: sources failing together (one host down) spread
/// out, while the same inputs always give the same delay, so tests and
/// restarts are stable.
pub fn backoff(source: &str, failures: u32) -> Option<Duration> {
    if failures <= FAILURES_BEFORE_BACKOFF {
        return None;
    }
    let max = BACKOFF_MAX.as_millis() as u64;
    let doublings = failures - FAILURES_BEFORE_BACKOFF - 1;
    // Past 2^7 the cap applies anyway; checked_shl avoids shifting too far.
    let raw = 1u64
        .checked_shl(doublings.min(16))
        .map_or(max, |m| (BACKOFF_BASE.as_millis() as u64).saturating_mul(m))
        .min(max);
    // 900..=1100 thousandths: ±10%.
    let permille = 900 + jitter(source, failures);
    Some(Duration::from_millis((raw * permille / 1000).min(max)))
}

/// 0..=200, from a hash of (source, failures).
fn jitter(source: &str, failures: u32) -> u64 {
    let mut h = Fnv1a::new();
    h.update(source.as_bytes());
    h.update(&[0xff]); // separator: ("a", 1) and ("a\x01", ...) differ
    h.update(&failures.to_le_bytes());
    // Finaliser (murmur3 fmix64): FNV's low bits alone are poorly mixed.
    let mut x = h.0;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    x % 201
}

/// 64-bit FNV-1a, for the backoff jitter's few bytes.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// An article as stored: its JSON, and its content hash, XXH3-64 of that
/// JSON without `origin` (FNV-1a until 2026-11, which hashed a byte at a
/// time and was a twentieth of a large merge; the change rewrites every
/// stored item once) (where in the upstream document the item was read
/// changes when the feed shifts; the item does not). One serialisation
/// serves both. Stable for a given `Article` shape; a new field changes every
/// hash once (one "updated" run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// UTF-8 (serde_json writes nothing else), bound as text without
    /// checking it again.
    json: Vec<u8>,
    hash: String,
}

impl Encoded {
    pub fn new(article: &Article) -> Result<Encoded, serde_json::Error> {
        // Sized for the article's longest texts plus escapes and field
        // names: growing a few KiB of JSON by doubling copied it twice over.
        let texts = article.content.as_ref().map_or(0, String::len)
            + article.summary.as_ref().map_or(0, String::len)
            + article.title.len();
        let mut json = Vec::with_capacity(texts + texts / 8 + 1024);
        // The hash leaves out `"origin"` (see above), whose bytes the
        // writer points out.
        let origin = json::write_article(&mut json, article)?;
        let (before, after) = (&json[..origin.start], &json[origin.end..]);
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(before);
        h.update(after);
        let hash = format!("{:016x}", h.digest());
        Ok(Encoded { json, hash })
    }

    /// The JSON, for binding as text.
    fn text(&self) -> rusqlite::types::ToSqlOutput<'_> {
        rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(&self.json))
    }
}

/// The article stored as JSON in column `i` of `row`, or why it cannot be read.
fn article_at(row: &rusqlite::Row<'_>, i: usize) -> Result<Article, String> {
    match row.get_ref(i).map_err(|e| e.to_string())?.as_str() {
        Ok(json) => serde_json::from_str::<Article>(json).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Creates the parent directory (0700) and the file (0600) if missing, so
/// that SQLite never creates them with umask-default modes; the `-wal` and
/// `-shm` files inherit the database file's mode.
fn create_file(path: &Path) -> Result<(), StoreError> {
    create_parent(path)?;
    let mut options = std::fs::OpenOptions::new();
    // No truncate: an existing file, healthy or not, is never altered here.
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop).map_err(|e| io_error(path, e))
}

/// Creates the database's directory (0700 on unix) when missing.
fn create_parent(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| io_error(path, e))?;
    }
    Ok(())
}

/// An I/O error creating the database at `path`, as the variant callers act on.
fn io_error(path: &Path, source: io::Error) -> StoreError {
    match source.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::ReadOnly { path: path.to_path_buf(), detail: source.to_string() }
        }
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            StoreError::Full { path: path.to_path_buf() }
        }
        _ => StoreError::Open { path: path.to_path_buf(), source },
    }
}

/// Maps SQLite result codes to the variants callers act on.
fn map_err(path: &Path, e: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    };
    match code {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            StoreError::Corrupt { path, detail: e.to_string() }
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked { path },
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly { path, detail: e.to_string() }
        }
        Some(ErrorCode::DiskFull) => StoreError::Full { path },
        _ => StoreError::Sqlite { path, source: e },
    }
}

/// Inserts an empty state row for a source if it has none.
fn ensure_source(conn: &Connection, id: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached("INSERT INTO sources (id) VALUES (?1) ON CONFLICT (id) DO NOTHING")
        .and_then(|mut st| st.execute([id]))
}

fn time(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

/// Cuts `s` to [`MAX_ERROR_LEN`] bytes at a char boundary.
fn cut(s: &str) -> &str {
    if s.len() <= MAX_ERROR_LEN {
        return s;
    }
    let end = (0..=MAX_ERROR_LEN).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    &s[..end]
}

const SOURCE_SELECT: &str = "SELECT s.id, s.etag, s.last_modified, s.last_attempt,
        s.last_success, s.last_status, s.failures, s.retry_at, s.last_error,
        (SELECT count(*) FROM items i WHERE i.source = s.id), s.items_seen_at
    FROM sources s";

/// A `sources` row as stored, before the timestamps are checked.
struct RawSource {
    id: String,
    etag: Option<String>,
    last_modified: Option<String>,
    last_attempt: Option<i64>,
    last_success: Option<i64>,
    last_status: Option<String>,
    failures: u32,
    retry_at: Option<i64>,
    last_error: Option<String>,
    items: i64,
    items_seen_at: Option<i64>,
}

fn read_source(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawSource> {
    Ok(RawSource {
        id: r.get(0)?,
        etag: r.get(1)?,
        last_modified: r.get(2)?,
        last_attempt: r.get(3)?,
        last_success: r.get(4)?,
        last_status: r.get(5)?,
        failures: r.get(6)?,
        retry_at: r.get(7)?,
        last_error: r.get(8)?,
        items: r.get(9)?,
        items_seen_at: r.get(10)?,
    })
}

impl RawSource {
    fn into_state(self, path: &Path) -> Result<SourceState, StoreError> {
        let id = self.id;
        let ts = |v: Option<i64>| -> Result<Option<DateTime<Utc>>, StoreError> {
            v.map(|s| {
                time(s).ok_or_else(|| StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("source {id}: timestamp {s} out of range"),
                })
            })
            .transpose()
        };
        Ok(SourceState {
            etag: self.etag,
            last_modified: self.last_modified,
            last_attempt: ts(self.last_attempt)?,
            last_success: ts(self.last_success)?,
            last_status: self.last_status,
            failures: self.failures,
            retry_at: ts(self.retry_at)?,
            last_error: self.last_error,
            items: usize::try_from(self.items).unwrap_or(0),
            items_seen_at: ts(self.items_seen_at)?,
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, SeekFrom, Write};

    use chrono::TimeZone;

    use super::*;
    use crate::model::{Enclosure, Origin, Via};

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    const DAY: i64 = 86_400;

    fn article(id: &str, title: &str) -> Article {
        Article { id: id.to_owned(), title: title.to_owned(), ..Article::default() }
    }

    fn dated(id: &str, secs: i64) -> Article {
        let d = t(secs).fixed_offset();
        Article { published: Some(d), ..article(id, id) }
    }

    fn temp() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("feedwright.db");
        (dir, path)
    }

    fn ids(items: &[StoredItem]) -> Vec<&str> {
        items.iter().map(|i| i.article.id.as_str()).collect()
    }

    #[test]
    fn open_twice_is_idempotent_and_sets_user_version() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        store.upsert_items("a", &[article("x", "X")], t(0)).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(store.items("a").unwrap().len(), 1);
        let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: bool = store.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert!(fk);
    }

    #[test]
    fn new_files_get_16k_pages_and_existing_ones_keep_theirs() {
        let page_size = |store: &Store| -> i64 {
            store.conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap()
        };
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store.upsert_items("a", &[article("x", "X")], t(0)).unwrap();
        assert_eq!(page_size(&store), 16 * 1024);

        let (_dir, old) = temp();
        std::fs::create_dir_all(old.parent().unwrap()).unwrap();
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch("PRAGMA page_size = 4096; CREATE TABLE t (x); DROP TABLE t;").unwrap();
        drop(conn);
        let mut store = Store::open(&old).unwrap();
        store.upsert_items("a", &[article("x", "X")], t(0)).unwrap();
        assert_eq!(page_size(&store), 4096);
        assert_eq!(store.items("a").unwrap().len(), 1);
    }

    #[test]
    fn newer_schema_is_refused_and_kept() {
        let (_dir, path) = temp();
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("upgrade feedwright"), "{err}");
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 99);
    }

    #[test]
    fn unknown_source_has_default_state() {
        let (_dir, path) = temp();
        let store = Store::open(&path).unwrap();
        let s = store.source("nope").unwrap();
        assert_eq!(s, SourceState { id: "nope".into(), ..SourceState::default() });
        assert!(store.sources().unwrap().is_empty());
    }

    #[test]
    fn times_after_now_are_pulled_back_together() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store.record_attempt("s", &Attempt::NotModified { at: t(500) }).unwrap();
        let failed = Attempt::Failed { at: t(1000), error: "e".into(), retry_at: Some(t(1900)) };
        store.record_attempt("s", &failed).unwrap();
        store.record_attempt("past", &Attempt::NotModified { at: t(50) }).unwrap();

        let mut state = store.source("s").unwrap();
        let shift = store.pull_back_future_times(&mut state, t(100)).unwrap();
        assert_eq!(shift, Some(chrono::Duration::seconds(900)));
        assert_eq!(state.last_attempt, Some(t(100)));
        assert_eq!(state.last_success, Some(t(-400)));
        assert_eq!(state.retry_at, Some(t(1000)), "the backoff delay is kept");
        assert_eq!(store.source("s").unwrap(), state, "stored as well");
        assert_eq!(store.pull_back_future_times(&mut state, t(100)).unwrap(), None);

        let mut past = store.source("past").unwrap();
        assert_eq!(store.pull_back_future_times(&mut past, t(100)).unwrap(), None);
        assert_eq!(past.last_success, Some(t(50)));
    }

    /// A batch's commit leaves the WAL for closing to checkpoint, so that
    /// the copy runs beside the rest of the run, and the connection's own
    /// checkpoint threshold is back afterwards.
    #[test]
    fn a_batch_leaves_the_checkpoint_to_closing() {
        let (_dir, path) = temp();
        let wal =
            path.with_file_name(format!("{}-wal", path.file_name().unwrap().to_string_lossy()));
        let mut store = Store::open(&path).unwrap();
        // Every commit would checkpoint at once with a one-page threshold.
        store.conn.pragma_update(None, "wal_autocheckpoint", 1).unwrap();
        let main_before = std::fs::metadata(&path).unwrap().len();
        let items: Vec<Article> = (0..200).map(|n| dated(&format!("urn:{n}"), n)).collect();
        let mut batch = store.begin().unwrap();
        batch.upsert_items("s", &items, t(0)).unwrap();
        batch.commit().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), main_before, "checkpointed at commit");
        assert!(std::fs::metadata(&wal).unwrap().len() > 0);
        let threshold: i64 =
            store.conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
        assert_eq!(threshold, 1);
        // The next batch of the same connection checkpoints as usual, so a
        // store kept open does not grow its WAL without end.
        let mut batch = store.begin().unwrap();
        batch.upsert_items("t", &items, t(1)).unwrap();
        batch.commit().unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > main_before, "second commit deferred");
        drop(store.close_in_background());
        assert!(!wal.exists(), "the WAL is removed when the last connection closes");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.items("s").unwrap().len(), 200);
    }

    /// The names in `path`'s directory, sorted.
    fn names_beside(path: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_database_is_built_aside_and_appears_when_closed() {
        let (_dir, path) = temp();
        let mut store = Store::open_for_run(&path).unwrap();
        assert!(!path.exists(), "nothing at the path while the run builds it");
        let pid = std::process::id();
        let building = names_beside(&path);
        assert_eq!(building.len(), 1, "{building:?}");
        assert!(building[0].starts_with(&format!("feedwright.db.new-{pid}-")), "{building:?}");
        let mut batch = store.begin().unwrap();
        batch.upsert_items("s", &[dated("urn:1", 0), dated("urn:2", 1)], t(0)).unwrap();
        batch.commit().unwrap();
        drop(store.close_in_background());
        assert_eq!(names_beside(&path), ["feedwright.db"], "temp file renamed, no companions");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:2", "urn:1"]);
        let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let page_size: i64 = store.conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(page_size, 16 * 1024);
        drop(store);
        // Once it exists, a run opens it in place.
        let store = Store::open_for_run(&path).unwrap();
        assert!(store.fresh.is_none());
        assert_eq!(names_beside(&path).iter().filter(|n| n.contains(".new-")).count(), 0);
    }

    #[test]
    fn a_large_new_database_is_fsynced_along_the_way_and_installed_whole() {
        let (_dir, path) = temp();
        let before = fresh::EARLY_FLUSHES.load(std::sync::atomic::Ordering::Relaxed);
        let mut store = Store::open_for_run(&path).unwrap();
        let body = "<p>".to_owned() + &"long text ".repeat(3000) + "</p>";
        let mut batch = store.begin().unwrap();
        for s in 0..10 {
            let items: Vec<Article> = (0..40)
                .map(|n| Article {
                    content: Some(body.clone()),
                    ..dated(&format!("urn:{s}:{n}"), n)
                })
                .collect();
            batch.upsert_items(&format!("s{s}"), &items, t(0)).unwrap();
        }
        batch.commit().unwrap();
        drop(store.close_in_background());
        let after = fresh::EARLY_FLUSHES.load(std::sync::atomic::Ordering::Relaxed);
        assert!(after > before, "12 MB of items: at least one early fsync");
        assert_eq!(names_beside(&path), ["feedwright.db"]);
        let store = Store::open(&path).unwrap();
        for s in 0..10 {
            let items = store.items(&format!("s{s}")).unwrap();
            assert_eq!(items.len(), 40);
            assert!(items.iter().all(|i| i.article.content.as_deref() == Some(body.as_str())));
        }
    }

    #[test]
    fn a_new_database_dropped_without_closing_is_still_installed() {
        let (_dir, path) = temp();
        let mut store = Store::open_for_run(&path).unwrap();
        store.upsert_items("s", &[article("urn:1", "One")], t(0)).unwrap();
        drop(store);
        assert_eq!(Store::open(&path).unwrap().items("s").unwrap().len(), 1);
    }

    #[test]
    fn a_database_another_run_created_meanwhile_is_kept() {
        let (_dir, path) = temp();
        let mut first = Store::open_for_run(&path).unwrap();
        let mut second = Store::open_for_run(&path).unwrap();
        first.upsert_items("first", &[article("urn:1", "One")], t(0)).unwrap();
        second.upsert_items("second", &[article("urn:2", "Two")], t(0)).unwrap();
        assert_eq!(first.close(), Ok(()));
        let refused = second.close().unwrap_err();
        assert!(
            refused.starts_with("this run's new state database ")
                && refused.contains("feedwright.db was not saved (")
                && refused.ends_with("the next run starts with empty state"),
            "{refused}"
        );
        assert_eq!(names_beside(&path), ["feedwright.db"], "the second run's temp file is gone");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.items("first").unwrap().len(), 1);
        assert!(store.items("second").unwrap().is_empty());
    }

    #[test]
    fn closing_says_when_a_new_database_could_not_be_installed() {
        let (_dir, path) = temp();
        let mut store = Store::open_for_run(&path).unwrap();
        store.upsert_items("s", &[article("urn:1", "One")], t(0)).unwrap();
        std::fs::write(&path, "someone else's").unwrap();
        let problem = store.close_in_background().finish().expect("a problem");
        assert!(problem.contains("was not saved"), "{problem}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "someone else's");
        assert_eq!(names_beside(&path), ["feedwright.db"]);
        // And nothing to say when it was installed.
        let (_dir, path) = temp();
        let store = Store::open_for_run(&path).unwrap();
        assert_eq!(store.close_in_background().finish(), None);
        assert!(path.exists());
    }

    #[test]
    fn temp_files_of_builds_that_are_over_are_removed_and_others_kept() {
        let (_dir, path) = temp();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let own = std::process::id();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let write = |name: &str, age: Option<std::time::SystemTime>| {
            let file = std::fs::File::create(path.with_file_name(name)).unwrap();
            if let Some(when) = age {
                file.set_modified(when).unwrap();
            }
            file
        };
        // Over: old and unlocked, whatever the pid (this process's own too).
        let over = [
            "feedwright.db.new-1-0".to_owned(),
            "feedwright.db.new-1-0-journal".to_owned(),
            format!("feedwright.db.new-{own}-0"),
            format!("feedwright.db.new-{own}-0-wal"),
            // A companion whose temp file is gone.
            "feedwright.db.new-77-4-shm".to_owned(),
        ];
        for name in &over {
            write(name, Some(old));
        }
        // Kept: locked (a build in progress), just written, or not our name.
        let locked = write("feedwright.db.new-2-0", Some(old));
        locked.try_lock().unwrap();
        let kept = [
            "feedwright.db.new-2-0",
            "feedwright.db.new-3-0",
            "feedwright.db.new-notapid",
            "feedwright.db.new-4-0-extra",
            "other.db.new-5-0",
        ];
        for name in &kept[1..] {
            let when = if *name == "feedwright.db.new-3-0" { None } else { Some(old) };
            write(name, when);
        }
        std::fs::create_dir(path.with_file_name("feedwright.db.new-6-0")).unwrap();
        let store = Store::open_for_run(&path).unwrap();
        let names = names_beside(&path);
        for gone in &over {
            assert!(!names.contains(gone), "{gone} removed: {names:?}");
        }
        for name in kept {
            assert!(names.iter().any(|n| n == name), "{name} kept: {names:?}");
        }
        assert!(names.iter().any(|n| n == "feedwright.db.new-6-0"), "directories are not ours");
        drop(store);
        drop(locked);
        assert!(path.exists());
    }

    #[test]
    fn attempt_bookkeeping() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        let fetched = Attempt::Fetched {
            at: t(0),
            etag: Some("\"v1\"".into()),
            last_modified: Some("Tue, 14 Nov 2023 22:13:20 GMT".into()),
            status: "200 OK".into(),
        };
        store.record_attempt("a", &fetched).unwrap();
        let s = store.source("a").unwrap();
        assert_eq!(s.etag.as_deref(), Some("\"v1\""));
        assert_eq!(s.last_success, Some(t(0)));
        assert_eq!(s.last_status.as_deref(), Some("200 OK"));
        assert_eq!(s.failures, 0);

        for n in 1..=3 {
            let failed = Attempt::Failed {
                at: t(n),
                error: format!("boom {n}"),
                retry_at: Some(t(n + 900)),
            };
            store.record_attempt("a", &failed).unwrap();
        }
        let s = store.source("a").unwrap();
        assert_eq!(s.failures, 3);
        assert_eq!(s.retry_at, Some(t(903)));
        assert_eq!(s.last_error.as_deref(), Some("boom 3"));
        assert_eq!(s.last_attempt, Some(t(3)));
        assert_eq!(s.last_success, Some(t(0)));
        assert_eq!(s.last_status.as_deref(), Some("failed"));
        // Validators survive failures.
        assert_eq!(s.etag.as_deref(), Some("\"v1\""));

        store.record_attempt("a", &Attempt::NotModified { at: t(10) }).unwrap();
        let s = store.source("a").unwrap();
        assert_eq!(s.failures, 0);
        assert_eq!(s.retry_at, None);
        assert_eq!(s.last_error, None);
        assert_eq!(s.last_success, Some(t(10)));
        assert_eq!(s.etag.as_deref(), Some("\"v1\""));
        assert_eq!(s.last_status.as_deref(), Some("304 Not Modified"));

        // A full fetch without validators clears them.
        let plain = Attempt::Fetched {
            at: t(20),
            etag: None,
            last_modified: None,
            status: "200 OK".into(),
        };
        store.record_attempt("a", &plain).unwrap();
        let s = store.source("a").unwrap();
        assert_eq!((s.etag, s.last_modified), (None, None));

        // Huge errors are cut.
        let long = "é".repeat(5000);
        store
            .record_attempt("b", &Attempt::Failed { at: t(0), error: long, retry_at: None })
            .unwrap();
        let s = store.source("b").unwrap();
        assert!(s.last_error.unwrap().len() <= MAX_ERROR_LEN);
        assert_eq!(s.failures, 1);
        assert_eq!(s.retry_at, None);

        let all = store.sources().unwrap();
        assert_eq!(all.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn upsert_counts_and_first_seen_survive_runs() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        let undated = article("tag:x,2024:undated", "Undated");
        let one = dated("urn:one", -DAY);
        let counts = store.upsert_items("s", &[undated.clone(), one.clone()], t(0)).unwrap();
        assert_eq!(counts, UpsertCounts { new: 2, updated: 0, unchanged: 0 });
        drop(store);

        // Next run: same undated item, changed dated item, one new item.
        let mut store = Store::open(&path).unwrap();
        let one_v2 = Article { title: "edited".into(), ..one.clone() };
        let two = dated("urn:two", 0);
        let counts = store.upsert_items("s", &[undated.clone(), one_v2, two], t(3600)).unwrap();
        assert_eq!(counts, UpsertCounts { new: 1, updated: 1, unchanged: 1 });

        let items = store.items("s").unwrap();
        let find = |id: &str| items.iter().find(|i| i.article.id == id).unwrap();
        let u = find("tag:x,2024:undated");
        assert_eq!(u.first_seen, t(0));
        assert_eq!(u.last_seen, t(3600));
        // DATE-01: the undated item's date is its first-seen time, every run.
        assert_eq!(u.date(), t(0).fixed_offset());
        let o = find("urn:one");
        assert_eq!(o.article.title, "edited");
        assert_eq!(o.first_seen, t(0));
        assert_eq!(find("urn:two").first_seen, t(3600));
        assert_eq!(store.source("s").unwrap().items, 3);
        assert_eq!(store.source("s").unwrap().items_seen_at, Some(t(3600)));

        // Only the origin (position upstream) moved: not a content change.
        let moved = Article {
            origin: Origin { source: "s".into(), location: "feed.xml[9]".into() },
            ..undated
        };
        let counts = store.upsert_items("s", &[moved], t(7200)).unwrap();
        assert_eq!(counts, UpsertCounts { new: 0, updated: 0, unchanged: 1 });
    }

    #[test]
    fn upsert_duplicates_count_once_and_sources_are_separate() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        let a = article("urn:a", "first");
        let a2 = article("urn:a", "second");
        let counts = store.upsert_items("s", &[a.clone(), a2], t(0)).unwrap();
        assert_eq!(counts, UpsertCounts { new: 1, updated: 0, unchanged: 0 });
        assert_eq!(store.items("s").unwrap()[0].article.title, "first");
        // Same id under another source is another item.
        let counts = store.upsert_items("other", &[a], t(0)).unwrap();
        assert_eq!(counts.new, 1);
        assert_eq!(store.items("other").unwrap().len(), 1);
        assert!(store.items("unknown").unwrap().is_empty());
    }

    #[test]
    fn failed_upsert_leaves_previous_rows_intact() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store.upsert_items("s", &[article("urn:a", "A"), article("urn:b", "B")], t(0)).unwrap();
        let before = store.items("s").unwrap();

        // The empty id fails the call after "urn:a" was already rewritten
        // inside the transaction; the rollback must undo that write.
        let batch = [article("urn:a", "A changed"), article("", "broken"), article("urn:c", "C")];
        let err = store.upsert_items("s", &batch, t(100)).unwrap_err();
        assert!(matches!(err, StoreError::InvalidItem { .. }), "{err}");
        assert!(err.to_string().contains("broken"), "{err}");

        assert_eq!(store.items("s").unwrap(), before);
        assert_eq!(store.source("s").unwrap().items_seen_at, Some(t(0)));
        // The same holds for a fresh connection (nothing half-written on disk).
        drop(store);
        assert_eq!(Store::open(&path).unwrap().items("s").unwrap(), before);
    }

    #[test]
    fn dropped_transaction_is_rolled_back() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store.upsert_items("s", &[article("urn:a", "A")], t(0)).unwrap();
        {
            let tx = store.conn.transaction().unwrap();
            tx.execute("DELETE FROM items", []).unwrap();
            // Dropped without commit, as on an early return or a panic.
        }
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:a"]);
    }

    #[test]
    fn items_round_trip_every_field() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        let published = chrono::FixedOffset::east_opt(2 * 3600)
            .unwrap()
            .with_ymd_and_hms(2024, 2, 29, 12, 30, 45)
            .unwrap();
        let full = Article {
            key: Some("rec-1".into()),
            id: "https://example.org/a/1".into(),
            title: "Title <&> \"quoted\" — ünïcode".into(),
            link: Some("https://example.org/a/1".into()),
            channel: Some("world".into()),
            published: Some(published),
            updated: Some(published + chrono::Duration::hours(1)),
            authors: vec!["Ann".into(), "Bo".into()],
            source: Some("Example Times".into()),
            summary: Some("<p>Summary</p>".into()),
            content: Some("<p>Content\n\u{1F600}</p>".into()),
            categories: vec!["a".into(), "b".into()],
            image: Some("https://example.org/i.png".into()),
            enclosure: Some(Enclosure {
                url: "https://example.org/a.mp3".into(),
                mime_type: "audio/mpeg".into(),
                length: u64::MAX,
            }),
            snippet: "Summary".into(),
            origin: Origin { source: "up".into(), location: "https://up/feed.xml[0]".into() },
            via: Some(Via {
                id: "urn:up".into(),
                title: "Upstream".into(),
                feed_url: "https://up/feed.xml".into(),
                link: Some("https://up/".into()),
            }),
        };
        store.upsert_items("up", std::slice::from_ref(&full), t(0)).unwrap();
        let items = store.items("up").unwrap();
        assert_eq!(
            items,
            [StoredItem { article: full.clone(), first_seen: t(0), last_seen: t(0) }]
        );
        assert_eq!(items[0].date(), published);
    }

    #[test]
    fn items_are_newest_first() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        let batch =
            [dated("urn:old", -10 * DAY), article("urn:undated", "u"), dated("urn:new", DAY)];
        store.upsert_items("s", &batch, t(0)).unwrap();
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:new", "urn:undated", "urn:old"]);
    }

    #[test]
    fn prune_by_days_spares_current_items() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store
            .upsert_items("s", &[article("urn:gone", "g"), article("urn:stay", "s")], t(0))
            .unwrap();
        store.upsert_items("s", &[article("urn:stay", "s")], t(10 * DAY)).unwrap();
        store
            .upsert_items("s", &[article("urn:stay", "s"), article("urn:new", "n")], t(40 * DAY))
            .unwrap();

        // 30 days: "gone" (last seen day 0) goes; the others were seen on day 40.
        assert_eq!(store.prune("s", Some(30), None, t(40 * DAY)).unwrap(), 1);
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:new", "urn:stay"]);

        // A year of 304s or failures: the current list still stays (B3).
        assert_eq!(store.prune("s", Some(30), None, t(400 * DAY)).unwrap(), 0);
        assert_eq!(store.items("s").unwrap().len(), 2);

        // Once upstream drops everything, old items age out.
        store.upsert_items("s", &[], t(401 * DAY)).unwrap();
        assert_eq!(store.prune("s", Some(30), None, t(401 * DAY)).unwrap(), 2);
        assert!(store.items("s").unwrap().is_empty());
        assert_eq!(store.prune("unknown", Some(0), Some(0), t(0)).unwrap(), 0);
    }

    #[test]
    fn prune_by_count_keeps_newest() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        // Day 0 list: five dated items; then upstream moves on to one new item.
        let old: Vec<Article> = (1..=5).map(|n| dated(&format!("urn:{n}"), n * DAY)).collect();
        store.upsert_items("s", &old, t(0)).unwrap();
        // Undated, first seen day 3.5: sorts between urn:3 and urn:4.
        store.upsert_items("s", &[article("urn:u", "u")], t(3 * DAY + DAY / 2)).unwrap();

        assert_eq!(store.prune("s", None, Some(3), t(4 * DAY)).unwrap(), 3);
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:5", "urn:4", "urn:u"]);

        // The current list is kept even beyond the count.
        assert_eq!(store.prune("s", None, Some(0), t(4 * DAY)).unwrap(), 2);
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:u"]);
    }

    #[test]
    fn a_stamp_left_ahead_by_the_clock_is_not_followed() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        // A run while the clock was a year ahead, then runs on the right time.
        store.upsert_items("s", &[dated("urn:a", 0)], t(365 * DAY)).unwrap();
        store.upsert_items("s", &[dated("urn:b", DAY)], t(0)).unwrap();
        store.upsert_items("s", &[dated("urn:c", 2 * DAY)], t(40 * DAY)).unwrap();
        let seen: Vec<DateTime<Utc>> =
            store.items("s").unwrap().iter().map(|i| i.last_seen).collect();
        assert_eq!(seen, [t(40 * DAY), t(0), t(365 * DAY)]);
        // b left the feed 40 days ago: keep_days = 30 retires it. (a, seen
        // "in the future", waits until then, as before.)
        assert_eq!(store.prune("s", Some(30), None, t(40 * DAY)).unwrap(), 1);
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:c", "urn:a"]);
    }

    #[test]
    fn a_list_replaced_within_the_same_second_is_no_longer_current() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        let old: Vec<Article> = (1..=3).map(|n| dated(&format!("urn:{n}"), n * DAY)).collect();
        store.upsert_items("s", &old, t(0)).unwrap();
        store.upsert_items("s", &[dated("urn:4", 4 * DAY)], t(0)).unwrap();
        assert_eq!(store.prune("s", None, Some(2), t(0)).unwrap(), 2);
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:4", "urn:3"]);
        // New items still date from the real time.
        assert!(store.items("s").unwrap().iter().all(|i| i.first_seen == t(0)));
        // A third list in that second is current alone as well.
        store.upsert_items("s", &[dated("urn:5", 5 * DAY)], t(0)).unwrap();
        assert_eq!(store.prune("s", None, Some(0), t(0)).unwrap(), 2);
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:5"]);
    }

    #[test]
    fn items_reusing_takes_fresh_articles_and_decodes_the_rest_in_order() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store.upsert_items("s", &[dated("urn:old", 100)], t(0)).unwrap();
        let mut fresh = dated("urn:new", 200);
        fresh.origin.location = "just read".to_owned();
        store.upsert_items("s", std::slice::from_ref(&fresh), t(10)).unwrap();
        let items = store.items_reusing("s", vec![fresh.clone()]).unwrap();
        assert_eq!(ids(&items), ["urn:new", "urn:old"]);
        assert_eq!(items[0].article, fresh);
        assert_eq!(items[1].article, store.items("s").unwrap()[1].article);
        assert_eq!((items[0].first_seen, items[1].first_seen), (t(10), t(0)));
    }

    #[test]
    fn a_store_opened_for_reading_reads_and_never_writes() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store.upsert_items("s", &[article("urn:a", "a")], t(0)).unwrap();
        drop(store);
        let mut reading = Store::open_for_reading(&path).unwrap();
        assert_eq!(ids(&reading.items("s").unwrap()), ["urn:a"]);
        let refused = reading.record_attempt("s", &Attempt::NotModified { at: t(1) });
        assert!(matches!(refused, Err(StoreError::ReadOnly { .. })), "{refused:?}");
        assert!(Store::open_for_reading(&path.with_extension("missing")).is_err());
    }

    #[test]
    fn a_batch_lands_whole_or_not_at_all() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store
            .batch(|s| {
                s.upsert_items("a", &[article("urn:a1", "a1")], t(0))?;
                s.record_attempt("a", &Attempt::NotModified { at: t(0) })?;
                s.upsert_items("b", &[article("urn:b1", "b1")], t(0))
            })
            .unwrap();
        let failed: Result<(), StoreError> = store.batch(|s| {
            s.upsert_items("a", &[article("urn:a2", "a2")], t(1))?;
            let error = "boom".to_owned();
            s.record_attempt("a", &Attempt::Failed { at: t(1), error, retry_at: None })?;
            assert_eq!(s.forget_other_sources(&["a"])?, 1, "b is gone inside the batch");
            Err(StoreError::Corrupt { path: PathBuf::from("x"), detail: "stop".to_owned() })
        });
        assert!(failed.is_err());
        // Nothing of the failed batch stayed; the first batch did.
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(ids(&store.items("a").unwrap()), ["urn:a1"]);
        assert_eq!(ids(&store.items("b").unwrap()), ["urn:b1"]);
        let a = store.source("a").unwrap();
        assert_eq!((a.last_attempt, a.failures, a.last_error), (Some(t(0)), 0, None));
    }

    #[test]
    fn a_begun_batch_dropped_uncommitted_is_rolled_back() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        let mut batch = store.begin().unwrap();
        batch.upsert_items("a", &[article("urn:a1", "a1")], t(0)).unwrap();
        assert_eq!(batch.items("a").unwrap().len(), 1, "visible inside the batch");
        drop(batch);
        assert!(store.items("a").unwrap().is_empty());
        let mut batch = store.begin().unwrap();
        batch.upsert_items("a", &[article("urn:a2", "a2")], t(1)).unwrap();
        batch.commit().unwrap();
        drop(store);
        assert_eq!(ids(&Store::open(&path).unwrap().items("a").unwrap()), ["urn:a2"]);
    }

    #[test]
    fn forget_other_sources_removes_state_and_items() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        for id in ["a", "b", "c"] {
            store.upsert_items(id, &[article("urn:x", "x")], t(0)).unwrap();
        }
        store.record_attempt("d", &Attempt::NotModified { at: t(0) }).unwrap();
        assert_eq!(store.forget_other_sources(&["a", "c", "never-seen"]).unwrap(), 2);
        let left: Vec<String> = store.sources().unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(left, ["a", "c"]);
        assert!(store.items("b").unwrap().is_empty());
        let rows: i64 =
            store.conn.query_row("SELECT count(*) FROM items", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 2);
    }

    #[test]
    fn backoff_table() {
        assert_eq!(backoff("s", 0), None);
        assert_eq!(backoff("s", 1), None);
        assert_eq!(backoff("s", 2), None);
        let min = |m: u64| Duration::from_secs(m * 60);
        let expected = [
            (3, min(15)),
            (4, min(30)),
            (5, min(60)),
            (6, min(120)),
            (7, min(240)),
            (8, min(480)),
            (9, min(960)),
            (10, BACKOFF_MAX),
            (11, BACKOFF_MAX),
            (40, BACKOFF_MAX),
            (u32::MAX, BACKOFF_MAX),
        ];
        for id in ["s", "news", "a-much-longer-source-id", ""] {
            for (failures, raw) in expected {
                let d = backoff(id, failures).unwrap();
                let lo = raw.mul_f64(0.9);
                let hi = raw.mul_f64(1.1).min(BACKOFF_MAX);
                assert!(lo <= d && d <= hi, "{id} {failures}: {d:?} not in {lo:?}..={hi:?}");
                // Deterministic.
                assert_eq!(backoff(id, failures), Some(d));
            }
        }
        // The jitter spreads sources that fail together.
        let delays: HashSet<Duration> =
            (0..20).map(|n| backoff(&format!("src{n}"), 5).unwrap()).collect();
        assert!(delays.len() > 10, "{delays:?}");
    }

    #[test]
    fn garbage_file_is_corrupt_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 13) as u8).collect();
        std::fs::write(&path, &garbage).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("move it aside"), "{msg}");
        assert!(msg.contains("never deletes"), "{msg}");
        assert_eq!(std::fs::read(&path).unwrap(), garbage);
    }

    #[test]
    fn damaged_pages_are_corrupt_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut store = Store::open(&path).unwrap();
        let many: Vec<Article> =
            (0..200).map(|n| article(&format!("urn:{n}"), &"x".repeat(500))).collect();
        store.upsert_items("s", &many, t(0)).unwrap();
        drop(store); // last connection: WAL checkpointed into the main file
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len > 8 * 4096, "{len}");
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        // Pages 2.. hold the schema's tables; the header (page 1) stays valid.
        f.seek(SeekFrom::Start(4096)).unwrap();
        f.write_all(&[0xA5; 4 * 4096]).unwrap();
        drop(f);
        let damaged = std::fs::read(&path).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert_eq!(std::fs::read(&path).unwrap(), damaged);
    }

    #[test]
    fn directory_path_is_a_named_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert!(err.to_string().contains(&dir.path().display().to_string()), "{err}");

        // Parent "directory" is a file.
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let err = Store::open(&file.join("state.db")).unwrap_err();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    }

    #[cfg(unix)]
    #[test]
    fn read_only_file_is_a_named_error() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        drop(Store::open(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        // Root (as in CI containers) writes regardless of mode bits; only
        // assert where the bits bind.
        let privileged = std::fs::OpenOptions::new().write(true).open(&path).is_ok();
        let result = Store::open(&path);
        if privileged {
            assert!(result.is_ok());
        } else {
            let err = result.unwrap_err();
            assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
            assert!(err.to_string().contains("writable"), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn new_file_is_0600_and_dir_0700() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, path) = temp();
        drop(Store::open(&path).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // WAL and shared-memory files inherit the database file's mode.
        let store = Store::open(&path).unwrap();
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600);
        }
        drop(store);
    }

    #[test]
    fn writer_and_reader_handles_share_the_file() {
        let (_dir, path) = temp();
        let mut writer = Store::open(&path).unwrap();
        let reader = Store::open(&path).unwrap();
        writer.upsert_items("s", &[article("urn:a", "A")], t(0)).unwrap();
        assert_eq!(ids(&reader.items("s").unwrap()), ["urn:a"]);

        // A reader in the middle of a read transaction does not block the writer (WAL).
        reader.conn.execute_batch("BEGIN; SELECT count(*) FROM items;").unwrap();
        writer.upsert_items("s", &[article("urn:b", "B")], t(1)).unwrap();
        reader.conn.execute_batch("COMMIT").unwrap();
        assert_eq!(reader.items("s").unwrap().len(), 2);
    }

    #[test]
    fn writer_waits_for_another_writer() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            other.execute_batch("COMMIT").unwrap();
        });
        // Waits (busy_timeout) instead of failing with "database is locked".
        store.record_attempt("s", &Attempt::NotModified { at: t(0) }).unwrap();
        releaser.join().unwrap();
        assert_eq!(store.source("s").unwrap().last_success, Some(t(0)));
    }

    /// SQLITE_FULL, as a full disk gives it: `max_page_count` caps the file
    /// at its current size for this connection, so the next growth fails
    /// inside SQLite's own write path.
    #[test]
    fn a_full_database_is_a_named_error_and_the_batch_rolls_back() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store.upsert_items("s", &[article("urn:kept", "kept")], t(0)).unwrap();
        let pages: i64 = store.conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        store.conn.pragma_update(None, "max_page_count", pages).unwrap();
        let many: Vec<Article> =
            (0..200).map(|n| article(&format!("urn:{n}"), &"z".repeat(2000))).collect();
        let err = store
            .batch(|s| {
                s.record_attempt("s", &Attempt::NotModified { at: t(1) })?;
                s.upsert_items("s", &many, t(1))
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::Full { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("free some space and run again"), "{msg}");
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(ids(&store.items("s").unwrap()), ["urn:kept"]);
        assert_eq!(store.source("s").unwrap().last_attempt, None, "the whole batch rolled back");
    }

    #[test]
    fn lock_held_too_long_is_locked_error() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        store.set_busy_timeout(Duration::from_millis(50));
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let err = store.record_attempt("s", &Attempt::NotModified { at: t(0) }).unwrap_err();
        assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
        assert!(err.to_string().contains("locked"), "{err}");
    }

    #[test]
    fn maintain_vacuums_after_large_prunes() {
        let (_dir, path) = temp();
        let mut store = Store::open(&path).unwrap();
        assert!(!store.maintain().unwrap());
        let many: Vec<Article> =
            (0..400).map(|n| article(&format!("urn:{n}"), &"y".repeat(8000))).collect();
        store.upsert_items("s", &many, t(0)).unwrap();
        store.upsert_items("s", &[], t(1)).unwrap();
        assert_eq!(store.prune("s", None, Some(0), t(1)).unwrap(), 400);
        assert!(store.maintain().unwrap());
        assert!(!store.maintain().unwrap());
    }

    #[test]
    fn items_encoded_ahead_are_stored_as_if_encoded_here() {
        let rows = |store: &Store| -> Vec<(String, String, String)> {
            let mut stmt = store
                .conn
                .prepare("SELECT item_id, content_hash, article FROM items ORDER BY item_id")
                .unwrap();
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
            rows.collect::<Result<_, _>>().unwrap()
        };
        let items = [dated("urn:a", 1), dated("urn:b", 2), dated("urn:a", 3)];
        let (_dir, here) = temp();
        let mut here = Store::open(&here).unwrap();
        let counts = here.upsert_items("s", &items, t(5)).unwrap();
        let (_dir, ahead) = temp();
        let mut ahead = Store::open(&ahead).unwrap();
        // The last item is left for the store to encode.
        let encoded: Vec<Encoded> = items[..2].iter().map(|a| Encoded::new(a).unwrap()).collect();
        assert_eq!(ahead.upsert_encoded("s", &items, &encoded, t(5)).unwrap(), counts);
        assert_eq!(rows(&ahead), rows(&here));
    }

    #[test]
    fn content_hash_is_stable_hex() {
        let content_hash = |a: &Article| Encoded::new(a).map(|e| e.hash);
        let a = dated("urn:a", 0);
        let h = content_hash(&a).unwrap();
        assert_eq!(h.len(), 16);
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(content_hash(&a.clone()).unwrap(), h);
        assert_ne!(content_hash(&Article { title: "other".into(), ..a.clone() }).unwrap(), h);
        // Where the item was read is not part of it; what it says is.
        let moved = Origin { source: "s".into(), location: "feed.xml entry 9".into() };
        assert_eq!(content_hash(&Article { origin: moved.clone(), ..a.clone() }).unwrap(), h);
        let tricky =
            Article { summary: Some(r#","origin":{}"#.into()), origin: moved, ..a.clone() };
        assert_ne!(content_hash(&tricky).unwrap(), h);
        assert_eq!(
            content_hash(&tricky).unwrap(),
            content_hash(&Article { origin: Origin::default(), ..tricky.clone() }).unwrap()
        );
    }
}
