//! What `faultline db` and `faultline report` read: searches, runs, and garbage collection.

use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError, decompress, sqlite};

/// One search, for `faultline db ls`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SearchSummary {
    /// Row id.
    pub id: i64,
    /// Hash of what decides its course.
    pub key: String,
    /// The SUT.
    pub sut: String,
    /// The failure spec (JSON).
    pub spec: serde_json::Value,
    /// Strategy.
    pub strategy: String,
    /// Seed of its runs.
    pub seed: u64,
    /// `invariant` or `spec:<file>#<hash>`.
    pub oracle: String,
    /// `K/N` for a shard.
    pub shard: Option<String>,
    /// The SUT's build.
    pub build_id: String,
    /// Runs recorded.
    pub runs: u64,
    /// Counterexamples recorded.
    pub counterexamples: u64,
    /// Verdict, once finished.
    pub verdict: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
    /// Unix seconds, once finished.
    pub finished_at: Option<i64>,
    /// The final report (JSON), once finished.
    #[serde(skip)]
    pub report: Option<String>,
    /// Everything else that decided the search (JSON).
    #[serde(skip)]
    pub config: String,
    /// The faultline version that ran it.
    pub faultline_version: String,
    /// Where its runs came from.
    pub source: String,
}

/// One run of a search, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SearchRunRow {
    /// Position in the search (0 = failure-free).
    pub idx: u64,
    /// Content hash of the run.
    pub run_id: String,
    /// The solver call that proposed it (0 = none).
    pub solver_call: u64,
    /// good, vacuous, bad.
    pub outcome: String,
    /// The fault set (JSON).
    pub faults: String,
    /// Wall time of the run, µs.
    pub duration_us: u64,
    /// The goal learned from it (JSON).
    pub goal: Option<String>,
}

/// A run, for `faultline db show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDetail {
    /// Content hash.
    pub run_id: String,
    /// The SUT.
    pub sut: String,
    /// The fault set (JSON).
    pub faults: String,
    /// Hash of the trace bytes.
    pub trace_hash: String,
    /// Events in the trace.
    pub events: u64,
    /// Wall time, µs.
    pub duration_us: u64,
    /// The trace, JSON Lines.
    pub trace: Vec<u8>,
    /// (search id, outcome) of every search that ran it.
    pub searches: Vec<(i64, String)>,
}

/// A nondeterminism finding: (run id, search id, one trace hash, the other).
pub type Finding = (String, Option<i64>, String, String);

/// What `gc` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GcReport {
    /// Searches removed (older than asked, or unfinished when asked).
    pub searches: u64,
    /// Runs no search refers to any more.
    pub runs: u64,
    /// File size before and after, bytes.
    pub bytes_before: u64,
    /// File size after `VACUUM`.
    pub bytes_after: u64,
}

const SUMMARY: &str = "SELECT s.id, s.key, s.sut, s.spec, s.strategy, s.seed, s.oracle, s.shard, \
     s.build_id, (SELECT COUNT(*) FROM search_runs r WHERE r.search_id = s.id), \
     (SELECT COUNT(*) FROM counterexamples c WHERE c.search_id = s.id), \
     s.verdict, s.started_at, s.finished_at, s.report, s.config, s.faultline_version, s.source \
     FROM searches s";

fn summary(row: &rusqlite::Row<'_>) -> rusqlite::Result<(SearchSummary, String)> {
    let spec: String = row.get(3)?;
    Ok((
        SearchSummary {
            id: row.get(0)?,
            key: row.get(1)?,
            sut: row.get(2)?,
            spec: serde_json::Value::Null,
            strategy: row.get(4)?,
            seed: row.get::<_, i64>(5)? as u64,
            oracle: row.get(6)?,
            shard: row.get(7)?,
            build_id: row.get(8)?,
            runs: row.get::<_, i64>(9)? as u64,
            counterexamples: row.get::<_, i64>(10)? as u64,
            verdict: row.get(11)?,
            started_at: row.get(12)?,
            finished_at: row.get(13)?,
            report: row.get(14)?,
            config: row.get(15)?,
            faultline_version: row.get(16)?,
            source: row.get(17)?,
        },
        spec,
    ))
}

fn with_spec((mut summary, spec): (SearchSummary, String)) -> Result<SearchSummary, StoreError> {
    summary.spec = serde_json::from_str(&spec).map_err(|err| StoreError::Corrupt {
        what: format!("search {}: spec", summary.id),
        problem: err.to_string(),
    })?;
    Ok(summary)
}

impl Store {
    /// Every search, oldest first.
    pub fn searches(&self) -> Result<Vec<SearchSummary>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(&format!("{SUMMARY} ORDER BY s.id"))
            .map_err(sqlite(self.path()))?;
        let rows = stmt
            .query_map([], summary)
            .map_err(sqlite(self.path()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite(self.path()))?;
        rows.into_iter().map(with_spec).collect()
    }

    /// Search `id`, if stored.
    pub fn search(&self, id: i64) -> Result<Option<SearchSummary>, StoreError> {
        let row = self
            .conn()
            .query_row(&format!("{SUMMARY} WHERE s.id = ?1"), [id], summary)
            .optional()
            .map_err(sqlite(self.path()))?;
        row.map(with_spec).transpose()
    }

    /// The runs of search `id`, in order, with their fault sets.
    pub fn search_runs(&self, id: i64) -> Result<Vec<SearchRunRow>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT r.idx, r.run_id, r.solver_call, r.outcome, u.faults, u.duration_us, \
                 r.goal FROM search_runs r JOIN runs u ON u.run_id = r.run_id \
                 WHERE r.search_id = ?1 ORDER BY r.idx",
            )
            .map_err(sqlite(self.path()))?;
        let rows = stmt
            .query_map([id], |row| {
                Ok(SearchRunRow {
                    idx: row.get::<_, i64>(0)? as u64,
                    run_id: row.get(1)?,
                    solver_call: row.get::<_, i64>(2)? as u64,
                    outcome: row.get(3)?,
                    faults: row.get(4)?,
                    duration_us: row.get::<_, i64>(5)? as u64,
                    goal: row.get(6)?,
                })
            })
            .map_err(sqlite(self.path()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite(self.path()))?;
        Ok(rows)
    }

    /// The counterexamples of search `id`: (run id, faults JSON, reproducer).
    pub fn counterexamples(&self, id: i64) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT c.run_id, c.faults, c.reproducer FROM counterexamples c \
                 JOIN search_runs r ON r.search_id = c.search_id AND r.run_id = c.run_id \
                 WHERE c.search_id = ?1 GROUP BY c.run_id ORDER BY MIN(r.idx)",
            )
            .map_err(sqlite(self.path()))?;
        let rows = stmt
            .query_map([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .map_err(sqlite(self.path()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite(self.path()))?;
        Ok(rows)
    }

    /// Nondeterminism findings: (run id, search id, hash a, hash b).
    pub fn nondeterminism(&self) -> Result<Vec<Finding>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT run_id, search_id, trace_hash_a, trace_hash_b FROM nondeterminism \
                 ORDER BY id",
            )
            .map_err(sqlite(self.path()))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .map_err(sqlite(self.path()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite(self.path()))?;
        Ok(rows)
    }

    /// Run `run_id` with its trace; a unique prefix of at least 8 hex digits will do.
    pub fn run(&self, run_id: &str) -> Result<Option<RunDetail>, StoreError> {
        if run_id.len() < 8 || !run_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let pattern = format!("{}%", run_id.to_ascii_lowercase());
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT run_id, sut, faults, trace_hash, events, duration_us, trace FROM runs \
                 WHERE run_id LIKE ?1 LIMIT 2",
            )
            .map_err(sqlite(self.path()))?;
        let mut found = stmt
            .query_map([pattern], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, i64>(4)? as u64,
                    row.get::<_, i64>(5)? as u64,
                    row.get::<_, Vec<u8>>(6)?,
                ))
            })
            .map_err(sqlite(self.path()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite(self.path()))?;
        if found.len() != 1 {
            return Ok(None);
        }
        let (run_id, sut, faults, trace_hash, events, duration_us, blob) = found.remove(0);
        let trace = decompress(&blob, &run_id)?;
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT search_id, outcome FROM search_runs WHERE run_id = ?1 ORDER BY search_id",
            )
            .map_err(sqlite(self.path()))?;
        let searches = stmt
            .query_map([&run_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(sqlite(self.path()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite(self.path()))?;
        Ok(Some(RunDetail {
            run_id,
            sut,
            faults,
            trace_hash,
            events,
            duration_us,
            trace,
            searches,
        }))
    }

    /// Removes searches started before `older_than` (unix seconds), unfinished searches when
    /// `unfinished`, then every run no search, counterexample or finding refers to, and
    /// compacts the file.
    pub fn gc(
        &mut self,
        older_than: Option<i64>,
        unfinished: bool,
    ) -> Result<GcReport, StoreError> {
        let bytes_before = file_size(self.path());
        let path = self.path().to_path_buf();
        let tx = self.conn_mut().transaction().map_err(sqlite(&path))?;
        let mut searches = 0;
        if let Some(cutoff) = older_than {
            searches += tx
                .execute(
                    "DELETE FROM searches WHERE started_at < ?1",
                    params![cutoff],
                )
                .map_err(sqlite(&path))?;
        }
        if unfinished {
            searches += tx
                .execute("DELETE FROM searches WHERE finished_at IS NULL", [])
                .map_err(sqlite(&path))?;
        }
        let runs = tx
            .execute(
                "DELETE FROM runs WHERE run_id NOT IN (SELECT run_id FROM search_runs) \
                 AND run_id NOT IN (SELECT run_id FROM nondeterminism)",
                [],
            )
            .map_err(sqlite(&path))?;
        tx.commit().map_err(sqlite(&path))?;
        self.conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
            .map_err(sqlite(&path))?;
        Ok(GcReport {
            searches: searches as u64,
            runs: runs as u64,
            bytes_before,
            bytes_after: file_size(&path),
        })
    }
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |meta| meta.len())
}
