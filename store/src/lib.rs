//! faultline's run store: one SQLite file (WAL, `synchronous=NORMAL`) holding searches, their
//! runs — content-addressed, with compressed traces — counterexamples and nondeterminism
//! findings, so that a search killed at any point resumes without re-running a finished run.
//!
//! Reads go through [`Store`] (and [`RunCache`] for lookups from many threads); every write
//! of a search in progress goes through one [`Writer`] thread, which commits whatever is
//! queued in one transaction at a time: a `kill -9` loses at most the runs still queued.

mod codec;
mod merge;
mod queries;
mod schema;
mod suggest;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

pub use codec::{compress, decompress, hash_parts, trace_hash};
pub use merge::Conflict;
pub use queries::{Finding, GcReport, RunDetail, SearchRunRow, SearchSummary};
pub use schema::SCHEMA_VERSION;
pub use suggest::{Appended, LearnedTrace};
pub use writer::{Writer, WriterStats};

/// What can go wrong with a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite refused (a locked, read-only or corrupt file, a full disk).
    #[error("{path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file is not a faultline store, or one written by a newer faultline.
    #[error("{path}: {problem}")]
    Schema {
        /// The database file.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A stored value does not read back (a damaged row).
    #[error("corrupt store: {what}: {problem}")]
    Corrupt {
        /// The row and column.
        what: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The database file is missing (commands that only read never create one).
    #[error("{path}: no such store (run `faultline explore --db {path}` to create one)")]
    Missing {
        /// The path asked for.
        path: String,
    },
    /// The writer thread stopped (its first error is reported when it is closed).
    #[error("the store's writer thread stopped: {0}")]
    Writer(String),
}

/// A search as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRow {
    /// Row id (what `faultline db ls` prints).
    pub id: i64,
    /// Hash of everything that decides the search's course.
    pub key: String,
    /// The SUT's name.
    pub sut: String,
    /// Set when the search ended: its verdict.
    pub verdict: Option<String>,
    /// Runs recorded for it so far.
    pub runs: u64,
}

/// What identifies a new search (see the `searches` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSearch {
    /// Hash of everything that decides the search's course.
    pub key: String,
    /// The SUT's name.
    pub sut: String,
    /// `builtin`, or where foreign traces came from.
    pub source: String,
    /// The SUT's build (runs of another build are never reused).
    pub build_id: String,
    /// The faultline version that ran it.
    pub faultline_version: String,
    /// The failure spec, JSON.
    pub spec: String,
    /// `ldfi`, `random`, `exhaustive`.
    pub strategy: String,
    /// The runs' seed.
    pub seed: u64,
    /// `invariant` or `spec:<file>#<hash>`.
    pub oracle: String,
    /// Everything else that decides the search (JSON).
    pub config: String,
    /// `K/N` for a shard of a sharded search.
    pub shard: Option<String>,
}

/// A stored run's trace, for reuse instead of running it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRun {
    /// Hash of the trace's JSON Lines bytes.
    pub trace_hash: String,
    /// The trace's JSON Lines bytes.
    pub trace: Vec<u8>,
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// How long a connection waits for another one's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

fn connect(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite(path))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite(path))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sqlite(path))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sqlite(path))?;
    // Run ids are random hashes: their index is written all over; keep it in memory (64 MiB).
    conn.pragma_update(None, "cache_size", -65_536)
        .map_err(sqlite(path))?;
    Ok(conn)
}

impl Store {
    /// Opens `path`, creating it when missing, and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut conn = connect(path, OpenFlags::default())?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(sqlite(path))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Schema {
                path: path.display().to_string(),
                problem: format!("cannot switch to WAL journaling (got {mode})"),
            });
        }
        migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing store, refusing a missing file, and migrates it.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        Store::open(path)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file (after migration: [`SCHEMA_VERSION`]).
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(sqlite(&self.path))?;
        Ok(usize::try_from(version).unwrap_or(0))
    }

    /// The search with `new.key`, or a new row for it.
    pub fn begin_search(&mut self, new: &NewSearch, now: i64) -> Result<SearchRow, StoreError> {
        let err = sqlite(&self.path);
        self.conn
            .execute(
                "INSERT INTO searches (key, sut, source, build_id, faultline_version, spec, \
                 strategy, seed, oracle, config, shard, started_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
                 ON CONFLICT(key) DO NOTHING",
                params![
                    new.key,
                    new.sut,
                    new.source,
                    new.build_id,
                    new.faultline_version,
                    new.spec,
                    new.strategy,
                    new.seed as i64,
                    new.oracle,
                    new.config,
                    new.shard,
                    now
                ],
            )
            .map_err(&err)?;
        self.search_by_key(&new.key)?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("search {}", new.key),
                problem: "inserted but not found".into(),
            })
    }

    /// The search with `key`, if stored.
    pub fn search_by_key(&self, key: &str) -> Result<Option<SearchRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT s.id, s.key, s.sut, s.verdict, \
                 (SELECT COUNT(*) FROM search_runs r WHERE r.search_id = s.id) \
                 FROM searches s WHERE s.key = ?1",
                [key],
                |row| {
                    Ok(SearchRow {
                        id: row.get(0)?,
                        key: row.get(1)?,
                        sut: row.get(2)?,
                        verdict: row.get(3)?,
                        runs: row.get::<_, i64>(4)? as u64,
                    })
                },
            )
            .optional()
            .map_err(sqlite(&self.path))
    }

    /// A cache of this store's runs that many threads may read (its own connection).
    pub fn run_cache(&self) -> Result<RunCache, StoreError> {
        let conn = connect(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(RunCache {
            conn: Mutex::new(conn),
            path: self.path.clone(),
        })
    }

    /// Starts the writer thread on a connection of its own.
    pub fn writer(&self) -> Result<Writer, StoreError> {
        let conn = connect(&self.path, OpenFlags::default())?;
        Ok(Writer::spawn(conn, self.path.clone()))
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sqlite(path))?;
    if usize::try_from(version).is_ok_and(|v| v > SCHEMA_VERSION) {
        return Err(StoreError::Schema {
            path: path.display().to_string(),
            problem: format!(
                "schema version {version} is newer than this faultline knows ({SCHEMA_VERSION}); \
                 use a newer faultline"
            ),
        });
    }
    if version == 0 {
        // A file with tables but no version is someone else's database.
        let tables: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| row.get(0))
            .map_err(sqlite(path))?;
        if tables > 0 {
            return Err(StoreError::Schema {
                path: path.display().to_string(),
                problem: "not a faultline store (it has tables but no faultline schema version)"
                    .into(),
            });
        }
    }
    schema::migrations()
        .to_latest(conn)
        .map_err(|err| StoreError::Schema {
            path: path.display().to_string(),
            problem: format!("migration failed: {err}"),
        })
}

/// Stored runs by id, readable from many threads.
pub struct RunCache {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl RunCache {
    /// The stored run `run_id`, if any.
    pub fn get(&self, run_id: &str) -> Result<Option<StoredRun>, StoreError> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::Writer("a reader thread panicked".into()))?;
        let row: Option<(String, Vec<u8>)> = conn
            .query_row(
                "SELECT trace_hash, trace FROM runs WHERE run_id = ?1",
                [run_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(sqlite(&self.path))?;
        drop(conn);
        row.map(|(trace_hash, blob)| {
            Ok(StoredRun {
                trace_hash,
                trace: decompress(&blob, run_id)?,
            })
        })
        .transpose()
    }
}
