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
    /// The fault list of the trace's header, as written (JSON).
    pub header_faults: String,
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
                "SELECT path, size, mtime_ns, faults, header_faults, events_hash, verdict, tested, \
                 caveat, derives_goal, lesson FROM suggest_traces ORDER BY seq",
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
                        header_faults: row.get(4)?,
                        events_hash: row.get(5)?,
                        verdict: row.get(6)?,
                        tested: row.get(7)?,
                        caveat: row.get(8)?,
                        derives_goal: row.get(9)?,
                        lesson: Vec::new(),
                    },
                    row.get::<_, Vec<u8>>(10)?,
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
    /// transaction that holds the write lock from its first read: a failed or killed call
    /// stores nothing, and two calls at once cannot both pass the checks made here again —
    /// the spec and guess, and each new run against the stored ones. A trace another call
    /// stored meanwhile, with the same events, is skipped.
    pub fn add_learned_traces(
        &mut self,
        spec: &str,
        guess: &str,
        now: i64,
        traces: &[LearnedTrace],
    ) -> Result<Appended, StoreError> {
        let err = sqlite(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&err)?;
        let stored: Option<(String, String)> = tx
            .query_row(
                "SELECT spec, guess FROM suggest_loop WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(&err)?;
        match stored {
            Some((stored_spec, stored_guess)) if stored_spec != spec || stored_guess != guess => {
                return Ok(Appended::OtherLoop {
                    spec: stored_spec,
                    guess: stored_guess,
                });
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO suggest_loop (id, spec, guess, created_at) VALUES (1, ?1, ?2, ?3)",
                    params![spec, guess, now],
                )
                .map_err(&err)?;
            }
        }
        {
            let mut same_faults = tx
                .prepare("SELECT path, events_hash FROM suggest_traces WHERE faults = ?1")
                .map_err(&err)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO suggest_traces (path, size, mtime_ns, faults, header_faults, \
                     events_hash, verdict, tested, caveat, derives_goal, lesson) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
                     ON CONFLICT(path) DO NOTHING",
                )
                .map_err(&err)?;
            for trace in traces {
                let others: Vec<(String, String)> = same_faults
                    .query_map(params![trace.faults], |row| Ok((row.get(0)?, row.get(1)?)))
                    .map_err(&err)?
                    .collect::<Result<_, _>>()
                    .map_err(&err)?;
                if let Some((path, _)) = others.iter().find(|(_, hash)| *hash != trace.events_hash)
                {
                    return Ok(Appended::Nondeterminism {
                        stored: path.clone(),
                        new: trace.path.clone(),
                    });
                }
                insert
                    .execute(params![
                        trace.path,
                        trace.size,
                        trace.mtime_ns,
                        trace.faults,
                        trace.header_faults,
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
        tx.commit().map_err(&err)?;
        Ok(Appended::Stored)
    }
}

/// What [`Store::add_learned_traces`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Everything is stored.
    Stored,
    /// Nothing is: the store belongs to a loop with this spec and guess.
    OtherLoop {
        /// The stored spec.
        spec: String,
        /// The stored guess.
        guess: String,
    },
    /// Nothing is: a new run repeats a stored run's fault set with other events.
    Nondeterminism {
        /// The stored trace's path.
        stored: String,
        /// The new trace's path.
        new: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(path: &str, faults: &str, hash: &str) -> LearnedTrace {
        LearnedTrace {
            path: path.into(),
            size: 1,
            mtime_ns: 1,
            faults: faults.into(),
            header_faults: faults.into(),
            events_hash: hash.into(),
            verdict: "good".into(),
            tested: true,
            caveat: None,
            derives_goal: false,
            lesson: b"{}".to_vec(),
        }
    }

    /// What two calls at once could both have passed before they wrote is checked again
    /// under the write lock.
    #[test]
    fn appending_checks_the_loop_and_the_runs_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("s.db")).expect("opens");
        let first = [trace("/t0", "[]", "h0")];
        assert_eq!(
            store
                .add_learned_traces("spec", "guess", 0, &first)
                .expect("stores"),
            Appended::Stored
        );
        assert_eq!(
            store
                .add_learned_traces("spec2", "guess", 0, &[trace("/t1", "[1]", "h1")])
                .expect("runs"),
            Appended::OtherLoop {
                spec: "spec".into(),
                guess: "guess".into()
            }
        );
        assert_eq!(
            store
                .add_learned_traces(
                    "spec",
                    "guess",
                    0,
                    &[trace("/t1", "[1]", "h1"), trace("/t0b", "[]", "other")]
                )
                .expect("runs"),
            Appended::Nondeterminism {
                stored: "/t0".into(),
                new: "/t0b".into()
            }
        );
        // Nothing of a refused call is stored; a trace stored meanwhile by another call is
        // skipped, not an error.
        assert_eq!(store.learned_traces().expect("reads").len(), 1);
        assert_eq!(
            store
                .add_learned_traces("spec", "guess", 0, &first)
                .expect("stores"),
            Appended::Stored
        );
        assert_eq!(store.learned_traces().expect("reads").len(), 1);
    }
}
