//! The schema, as migrations (`PRAGMA user_version` counts the ones applied). Append new
//! migrations; never edit one that has shipped.

use rusqlite_migration::{M, Migrations};

/// Every migration, oldest first.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(V1), M::up(V2)])
}

/// The latest schema version this build knows.
pub const SCHEMA_VERSION: usize = 2;

const V1: &str = r#"
-- One row per search: `key` hashes everything that decides the search's course (the SUT and
-- its build, the failure spec, seed, strategy, oracle, batch size, shard), so running the
-- same search again finds its row and resumes it.
CREATE TABLE searches (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    sut TEXT NOT NULL,
    source TEXT NOT NULL,
    build_id TEXT NOT NULL,
    faultline_version TEXT NOT NULL,
    spec TEXT NOT NULL,
    strategy TEXT NOT NULL,
    seed INTEGER NOT NULL,
    oracle TEXT NOT NULL,
    config TEXT NOT NULL,
    shard TEXT,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    verdict TEXT,
    report TEXT
);

-- One row per distinct run, content-addressed: run_id = hash(build id, faultline version,
-- SUT, seed, failure spec, fault set). The trace is LZ4-compressed JSON Lines. (A rowid
-- table: clustering kilobyte blobs on a random hash key, WITHOUT ROWID, halved insert rates.)
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    sut TEXT NOT NULL,
    faults TEXT NOT NULL,
    trace_hash TEXT NOT NULL,
    trace BLOB NOT NULL,
    events INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- The runs of a search, in execution order: each one a proposal of solver call
-- `solver_call` (0 for the failure-free run), with the oracle's outcome and the goal the
-- search learned from it.
CREATE TABLE search_runs (
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    solver_call INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    goal TEXT,
    PRIMARY KEY (search_id, idx)
) WITHOUT ROWID;
CREATE INDEX search_runs_run ON search_runs(run_id);

CREATE TABLE counterexamples (
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    faults TEXT NOT NULL,
    reproducer TEXT NOT NULL,
    PRIMARY KEY (search_id, run_id)
) WITHOUT ROWID;

-- A run id met twice with different traces: both traces are kept.
CREATE TABLE nondeterminism (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    search_id INTEGER,
    trace_hash_a TEXT NOT NULL,
    trace_a BLOB NOT NULL,
    trace_hash_b TEXT NOT NULL,
    trace_b BLOB NOT NULL,
    found_at INTEGER NOT NULL
);
"#;

const V2: &str = r#"
-- `faultline suggest --db`: the loop of one foreign simulator. One row: the failure spec and
-- goal guess every stored lesson was made under (a call with others is refused).
CREATE TABLE suggest_loop (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    spec TEXT NOT NULL,
    guess TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Each trace learned, in the order first given. `lesson` is the LZ4-compressed JSON of what
-- the proposer keeps of the run (faultline_ldfi::Lesson), so later calls never read the
-- trace again; `faults` (canonical JSON) and `events_hash` catch a simulator that ran one
-- fault set twice with different results; `header_faults` is the header's list as written.
CREATE TABLE suggest_traces (
    seq INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    faults TEXT NOT NULL,
    header_faults TEXT NOT NULL,
    events_hash TEXT NOT NULL,
    verdict TEXT NOT NULL,
    tested INTEGER NOT NULL,
    caveat TEXT,
    derives_goal INTEGER NOT NULL,
    lesson BLOB NOT NULL
);
CREATE INDEX suggest_traces_faults ON suggest_traces(faults);
"#;
