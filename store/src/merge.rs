//! Copying shard stores into one: runs united by id (a same-id, different-hash pair is a
//! nondeterminism finding, both traces kept), searches copied with their runs and
//! counterexamples. Deciding the merged verdict is the caller's (it knows what verdicts mean).

use std::path::Path;

use rusqlite::params;

use crate::{Store, StoreError, sqlite};

/// A run id two stores hold with different traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The run.
    pub run_id: String,
    /// The hash already in the merged store.
    pub kept: String,
    /// The other store's hash.
    pub other: String,
}

impl Store {
    /// Copies everything in `other` into this store: runs not already here, every search
    /// (under a new id) with its runs, counterexamples and findings. Returns the new ids of
    /// the copied searches, in the order of their old ids, and the run ids held here with a
    /// different trace (recorded as nondeterminism, both traces kept).
    pub fn absorb(&mut self, other: &Path) -> Result<(Vec<i64>, Vec<Conflict>), StoreError> {
        if !other.exists() {
            return Err(StoreError::Missing {
                path: other.display().to_string(),
            });
        }
        // Validate the other file as a store (schema version, not someone else's database).
        drop(Store::open(other)?);
        let path = self.path().to_path_buf();
        let err = sqlite(&path);
        let conn = self.conn_mut();
        conn.execute(
            "ATTACH DATABASE ?1 AS other",
            [other.to_string_lossy().as_ref()],
        )
        .map_err(&err)?;
        let result = (|| {
            let tx = conn.transaction().map_err(&err)?;
            let conflicts: Vec<Conflict> = {
                let mut stmt = tx
                    .prepare(
                        "SELECT o.run_id, m.trace_hash, o.trace_hash FROM other.runs o \
                         JOIN main.runs m ON m.run_id = o.run_id \
                         WHERE m.trace_hash != o.trace_hash ORDER BY o.run_id",
                    )
                    .map_err(&err)?;
                stmt.query_map([], |row| {
                    Ok(Conflict {
                        run_id: row.get(0)?,
                        kept: row.get(1)?,
                        other: row.get(2)?,
                    })
                })
                .map_err(&err)?
                .collect::<Result<_, _>>()
                .map_err(&err)?
            };
            for conflict in &conflicts {
                tx.execute(
                    "INSERT INTO nondeterminism (run_id, search_id, trace_hash_a, trace_a, \
                     trace_hash_b, trace_b, found_at) \
                     SELECT m.run_id, NULL, m.trace_hash, m.trace, o.trace_hash, o.trace, \
                     o.created_at FROM main.runs m JOIN other.runs o ON o.run_id = m.run_id \
                     WHERE m.run_id = ?1",
                    [&conflict.run_id],
                )
                .map_err(&err)?;
            }
            tx.execute(
                "INSERT OR IGNORE INTO main.runs (run_id, sut, faults, trace_hash, trace, events, \
                 duration_us, created_at) SELECT run_id, sut, faults, trace_hash, trace, events, \
                 duration_us, created_at FROM other.runs ORDER BY run_id",
                [],
            )
            .map_err(&err)?;
            let old_ids: Vec<i64> = {
                let mut stmt = tx
                    .prepare("SELECT id FROM other.searches ORDER BY id")
                    .map_err(&err)?;
                stmt.query_map([], |row| row.get(0))
                    .map_err(&err)?
                    .collect::<Result<_, _>>()
                    .map_err(&err)?
            };
            let mut new_ids = Vec::new();
            for old in old_ids {
                // The key is unique: a search copied twice (the same shard file given twice)
                // keeps its first copy.
                let inserted = tx
                    .execute(
                        "INSERT OR IGNORE INTO main.searches (key, sut, source, build_id, \
                         faultline_version, spec, strategy, seed, oracle, config, shard, \
                         started_at, finished_at, verdict, report) \
                         SELECT key, sut, source, build_id, faultline_version, spec, strategy, \
                         seed, oracle, config, shard, started_at, finished_at, verdict, report \
                         FROM other.searches WHERE id = ?1",
                        [old],
                    )
                    .map_err(&err)?;
                if inserted == 0 {
                    continue;
                }
                let new = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO main.search_runs (search_id, idx, run_id, solver_call, outcome, \
                     goal) SELECT ?2, idx, run_id, solver_call, outcome, goal \
                     FROM other.search_runs WHERE search_id = ?1",
                    params![old, new],
                )
                .map_err(&err)?;
                tx.execute(
                    "INSERT INTO main.counterexamples (search_id, run_id, faults, reproducer) \
                     SELECT ?2, run_id, faults, reproducer FROM other.counterexamples \
                     WHERE search_id = ?1",
                    params![old, new],
                )
                .map_err(&err)?;
                tx.execute(
                    "INSERT INTO main.nondeterminism (run_id, search_id, trace_hash_a, trace_a, \
                     trace_hash_b, trace_b, found_at) SELECT run_id, ?2, trace_hash_a, trace_a, \
                     trace_hash_b, trace_b, found_at FROM other.nondeterminism \
                     WHERE search_id = ?1",
                    params![old, new],
                )
                .map_err(&err)?;
                new_ids.push(new);
            }
            tx.commit().map_err(&err)?;
            Ok((new_ids, conflicts))
        })();
        let detached = conn.execute("DETACH DATABASE other", []).map_err(&err);
        let result = result?;
        detached?;
        Ok(result)
    }

    /// Records a search made of others' runs (a merge): a finished search row, its runs in
    /// the order given, and its counterexamples.
    pub fn insert_merged_search(
        &mut self,
        new: &crate::NewSearch,
        runs: &[crate::SearchRunRow],
        counterexamples: &[(String, String, String)],
        verdict: &str,
        report: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let path = self.path().to_path_buf();
        let err = sqlite(&path);
        let tx = self.conn_mut().transaction().map_err(&err)?;
        tx.execute(
            "INSERT INTO searches (key, sut, source, build_id, faultline_version, spec, \
             strategy, seed, oracle, config, shard, started_at, finished_at, verdict, report) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11, ?11, ?12, ?13)",
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
                now,
                verdict,
                report
            ],
        )
        .map_err(&err)?;
        let id = tx.last_insert_rowid();
        for (idx, run) in runs.iter().enumerate() {
            tx.execute(
                "INSERT INTO search_runs (search_id, idx, run_id, solver_call, outcome, goal) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    idx as i64,
                    run.run_id,
                    run.solver_call as i64,
                    run.outcome,
                    run.goal
                ],
            )
            .map_err(&err)?;
        }
        for (run_id, faults, reproducer) in counterexamples {
            tx.execute(
                "INSERT OR IGNORE INTO counterexamples (search_id, run_id, faults, reproducer) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![id, run_id, faults, reproducer],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(id)
    }
}
