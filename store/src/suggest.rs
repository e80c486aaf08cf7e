//! The state of `faultline suggest --db`: the loop's failure spec and goal guess, and one row
//! per trace learned, with the lesson the proposer drew from it.

use rusqlite::{OptionalExtension, params};

use crate::codec::{compress, decompress};
use crate::{Store, StoreError, sqlite};

/// One trace as `suggest` learned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedTrace {
    /// The trace file, as an absolute path.
    pub path: String,
    /// Its length and modification time when it was read: a later call that finds them
    /// changed refuses the file (a run's trace must not change once learned).
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// The run's fault set, canonical JSON.
    pub faults: String,
    /// A hash of the run's events.
    pub events_hash: String,
    /// The trace header's verdict (`good`, `vacuous`, `bad`).
    pub verdict: String,
    /// A good run whose goal was learned.
    pub tested: bool,
    /// Why its goal may not cover the property, if so.
    pub caveat: Option<String>,
    /// Whether it derives the `--goal` fact (false without `--goal`).
    pub derives_goal: bool,
    /// The lesson, JSON (stored compressed).
    pub lesson: Vec<u8>,
}

impl Store {
    /// The loop's failure spec and goal guess, if one was recorded.
    pub fn suggest_loop(&self) -> Result<Option<(String, String)>, StoreError> {
        self.conn
            .query_row(
                "SELECT spec, guess FROM suggest_loop WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(sqlite(&self.path))
    }

    /// Every trace learned so far, in the order first given.
    pub fn learned_traces(&self) -> Result<Vec<LearnedTrace>, StoreError> {
        let err = sqlite(&self.path);
        let mut statement = self
            .conn
            .prepare(
                "SELECT path, size, mtime_ns, faults, events_hash, verdict, tested, caveat, \
                 derives_goal, lesson FROM suggest_traces ORDER BY seq",
            )
            .map_err(&err)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    LearnedTrace {
                        path: row.get(0)?,
                        size: row.get(1)?,
                        mtime_ns: row.get(2)?,
                        faults: row.get(3)?,
                        events_hash: row.get(4)?,
                        verdict: row.get(5)?,
                        tested: row.get(6)?,
                        caveat: row.get(7)?,
                        derives_goal: row.get(8)?,
                        lesson: Vec::new(),
                    },
                    row.get::<_, Vec<u8>>(9)?,
                ))
            })
            .map_err(&err)?;
        let mut out = Vec::new();
        for row in rows {
            let (mut learned, blob) = row.map_err(&err)?;
            learned.lesson = decompress(&blob, &learned.path)?;
            out.push(learned);
        }
        Ok(out)
    }

    /// Records the loop's spec and guess (when new) and appends `traces`, all in one
    /// transaction: a failed or killed call stores nothing.
    pub fn add_learned_traces(
        &mut self,
        spec: &str,
        guess: &str,
        now: i64,
        traces: &[LearnedTrace],
    ) -> Result<(), StoreError> {
        let err = sqlite(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        tx.execute(
            "INSERT INTO suggest_loop (id, spec, guess, created_at) VALUES (1, ?1, ?2, ?3) \
             ON CONFLICT(id) DO NOTHING",
            params![spec, guess, now],
        )
        .map_err(&err)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO suggest_traces (path, size, mtime_ns, faults, events_hash, \
                     verdict, tested, caveat, derives_goal, lesson) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(&err)?;
            for trace in traces {
                insert
                    .execute(params![
                        trace.path,
                        trace.size,
                        trace.mtime_ns,
                        trace.faults,
                        trace.events_hash,
                        trace.verdict,
                        trace.tested,
                        trace.caveat,
                        trace.derives_goal,
                        compress(&trace.lesson),
                    ])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }
}
