//! The one writer thread: it owns a connection and commits whatever is queued, one
//! transaction per batch, so a search never waits on the disk and a `kill -9` loses at most
//! the records still queued.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use rusqlite::{Connection, Transaction, params};

use crate::{StoreError, compress};

/// A finished run, as the writer stores it.
#[derive(Debug, Clone)]
pub(crate) struct RunRecord {
    run_id: String,
    sut: String,
    faults: String,
    trace_hash: String,
    trace: Vec<u8>,
    events: u64,
    duration_us: u64,
    now: i64,
}

enum Msg {
    Run(RunRecord),
    SearchRun {
        search_id: i64,
        idx: u64,
        run_id: String,
        solver_call: u64,
        outcome: String,
        goal: Option<String>,
    },
    Counterexample {
        search_id: i64,
        run_id: String,
        faults: String,
        reproducer: String,
    },
    Nondeterminism {
        run_id: String,
        search_id: i64,
        a: (String, Vec<u8>),
        b: (String, Vec<u8>),
        now: i64,
    },
    Finish {
        search_id: i64,
        verdict: String,
        report: String,
        now: i64,
    },
    Flush(Sender<()>),
}

/// What the writer did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Records written (runs, search runs, counterexamples, findings, finishes).
    pub records: u64,
    /// Transactions committed.
    pub commits: u64,
}

/// The handle of the writer thread. Dropping it without [`Writer::close`] still commits
/// everything queued (the thread drains the channel before it ends).
pub struct Writer {
    tx: Option<Sender<Msg>>,
    handle: Option<JoinHandle<Result<WriterStats, StoreError>>>,
}

impl Writer {
    pub(crate) fn spawn(conn: Connection, path: PathBuf) -> Writer {
        let (tx, rx) = channel();
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || write_loop(conn, &path, &rx))
            .expect("the OS can start one thread");
        Writer {
            tx: Some(tx),
            handle: Some(handle),
        }
    }

    fn send(&self, msg: Msg) {
        // A send fails only when the thread ended on an error, which `close` reports.
        if let Some(tx) = &self.tx {
            let _ = tx.send(msg);
        }
    }

    /// Stores a run (ignored if `run_id` is already stored: the same id is the same run).
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &self,
        run_id: &str,
        sut: &str,
        faults: &str,
        trace_hash: &str,
        trace_jsonl: &[u8],
        events: u64,
        duration_us: u64,
        now: i64,
    ) {
        self.send(Msg::Run(RunRecord {
            run_id: run_id.into(),
            sut: sut.into(),
            faults: faults.into(),
            trace_hash: trace_hash.into(),
            // Compressed on the writer thread, off the search's path.
            trace: trace_jsonl.to_vec(),
            events,
            duration_us,
            now,
        }));
    }

    /// Records that run `idx` of search `search_id` was `run_id`, proposed by solver call
    /// `solver_call`, judged `outcome`, teaching `goal`.
    pub fn search_run(
        &self,
        search_id: i64,
        idx: u64,
        run_id: &str,
        solver_call: u64,
        outcome: &str,
        goal: Option<String>,
    ) {
        self.send(Msg::SearchRun {
            search_id,
            idx,
            run_id: run_id.into(),
            solver_call,
            outcome: outcome.into(),
            goal,
        });
    }

    /// Records a counterexample of search `search_id`.
    pub fn counterexample(&self, search_id: i64, run_id: &str, faults: &str, reproducer: &str) {
        self.send(Msg::Counterexample {
            search_id,
            run_id: run_id.into(),
            faults: faults.into(),
            reproducer: reproducer.into(),
        });
    }

    /// Keeps both traces of a run id met with two different traces.
    pub fn nondeterminism(
        &self,
        run_id: &str,
        search_id: i64,
        a: (&str, &[u8]),
        b: (&str, &[u8]),
        now: i64,
    ) {
        self.send(Msg::Nondeterminism {
            run_id: run_id.into(),
            search_id,
            a: (a.0.into(), compress(a.1)),
            b: (b.0.into(), compress(b.1)),
            now,
        });
    }

    /// Marks search `search_id` finished with `verdict` and its report (JSON).
    pub fn finish(&self, search_id: i64, verdict: &str, report: String, now: i64) {
        self.send(Msg::Finish {
            search_id,
            verdict: verdict.into(),
            report,
            now,
        });
    }

    /// Waits until everything sent so far is committed.
    pub fn flush(&self) {
        let (tx, rx) = channel();
        self.send(Msg::Flush(tx));
        let _ = rx.recv();
    }

    /// Commits everything queued, stops the thread and reports its first error.
    pub fn close(mut self) -> Result<WriterStats, StoreError> {
        self.tx.take();
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(StoreError::Writer("the writer thread panicked".into())),
            None => Ok(WriterStats::default()),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// Most records one transaction takes (bounds a commit's latency under a flood).
const BATCH_MAX: usize = 4096;

fn write_loop(
    mut conn: Connection,
    path: &std::path::Path,
    rx: &Receiver<Msg>,
) -> Result<WriterStats, StoreError> {
    let mut stats = WriterStats::default();
    let sqlite = |source| StoreError::Sqlite {
        path: path.display().to_string(),
        source,
    };
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(msg) => batch.push(msg),
                Err(_) => break,
            }
        }
        let mut flushes = Vec::new();
        let tx = conn.transaction().map_err(sqlite)?;
        for msg in batch {
            match msg {
                Msg::Flush(done) => flushes.push(done),
                msg => {
                    apply(&tx, msg).map_err(sqlite)?;
                    stats.records += 1;
                }
            }
        }
        tx.commit().map_err(sqlite)?;
        stats.commits += 1;
        for done in flushes {
            let _ = done.send(());
        }
    }
    Ok(stats)
}

fn apply(tx: &Transaction<'_>, msg: Msg) -> rusqlite::Result<()> {
    match msg {
        Msg::Run(run) => {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO runs (run_id, sut, faults, trace_hash, trace, events, \
                 duration_us, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                run.run_id,
                run.sut,
                run.faults,
                run.trace_hash,
                compress(&run.trace),
                run.events as i64,
                run.duration_us as i64,
                run.now
            ])?;
        }
        Msg::SearchRun {
            search_id,
            idx,
            run_id,
            solver_call,
            outcome,
            goal,
        } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO search_runs (search_id, idx, run_id, solver_call, \
                 outcome, goal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                search_id,
                idx as i64,
                run_id,
                solver_call as i64,
                outcome,
                goal
            ])?;
        }
        Msg::Counterexample {
            search_id,
            run_id,
            faults,
            reproducer,
        } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO counterexamples (search_id, run_id, faults, reproducer) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![search_id, run_id, faults, reproducer])?;
        }
        Msg::Nondeterminism {
            run_id,
            search_id,
            a,
            b,
            now,
        } => {
            tx.prepare_cached(
                "INSERT INTO nondeterminism (run_id, search_id, trace_hash_a, trace_a, \
                 trace_hash_b, trace_b, found_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![run_id, search_id, a.0, a.1, b.0, b.1, now])?;
        }
        Msg::Finish {
            search_id,
            verdict,
            report,
            now,
        } => {
            tx.prepare_cached(
                "UPDATE searches SET verdict = ?2, report = ?3, finished_at = ?4 WHERE id = ?1",
            )?
            .execute(params![search_id, verdict, report, now])?;
        }
        Msg::Flush(_) => {}
    }
    Ok(())
}
