//! `explore --db`: a search recorded in the run store as it goes, resumed from it, and
//! re-checked against it for nondeterminism.
//!
//! A run's id hashes everything its trace depends on — the SUT's build id, faultline's
//! version, the SUT, the seed, the failure spec and the fault set as injected — so the same id
//! is the same run: a search that finds its id stored reads the stored trace instead of
//! running it again. The search itself is deterministic (same inputs, same proposals), so a
//! killed search, run again, walks the same path through the stored runs and goes on where
//! it stopped.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use faultline_ldfi::{Judgement, Observer, Oracle, Outcome, RunRecord};
use faultline_store::{NewSearch, RunCache, SearchRow, Store, Writer, hash_parts, trace_hash};
use faultline_trace::{FailureSpec, Fault, Trace, TraceReader, faults_to_json};

/// What a run id is made of, besides the fault set.
#[derive(Debug, Clone)]
pub(crate) struct RunIdentity {
    pub build_id: String,
    pub sut: String,
    pub seed: u64,
    pub spec: FailureSpec,
}

impl RunIdentity {
    /// `hash(build id, faultline version, SUT, seed, failure spec, fault set)`.
    pub fn run_id(&self, faults: &[Fault]) -> String {
        let spec = serde_json::to_string(&self.spec).expect("a spec serializes");
        hash_parts(&[
            b"faultline-run/v1",
            self.build_id.as_bytes(),
            env!("CARGO_PKG_VERSION").as_bytes(),
            self.sut.as_bytes(),
            &self.seed.to_le_bytes(),
            spec.as_bytes(),
            faults_to_json(faults).as_bytes(),
        ])
    }
}

/// The build id of the running executable: the hash of its bytes, so that any change to the
/// code (the built-in SUTs are compiled in) makes new run ids.
pub(crate) fn executable_build_id() -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find the running executable")?;
    let bytes = std::fs::read(&exe)
        .with_context(|| format!("{}: cannot read the executable", exe.display()))?;
    Ok(blake3::hash(&bytes).to_hex()[..16].to_string())
}

/// Seconds since the epoch (store timestamps only; nothing in a search reads it).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Whether run `run_id` is one of the fraction `recheck` re-run to compare traces: decided
/// by the id itself, so the same runs are re-checked every time.
fn rechecked(run_id: &str, recheck: f64) -> bool {
    if recheck <= 0.0 {
        return false;
    }
    let head = u64::from_str_radix(&run_id[..16], 16).unwrap_or(0);
    (head as f64) < recheck * (u64::MAX as f64)
}

/// A run id met twice with two different traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub run_id: String,
    pub faults: String,
    pub hash_a: String,
    pub hash_b: String,
}

/// A search's link to the store: the run cache, the writer, and what it saw.
pub(crate) struct Recording {
    pub search: SearchRow,
    pub identity: RunIdentity,
    cache: RunCache,
    pub writer: Writer,
    recheck: f64,
    pub reused: AtomicU64,
    pub executed: AtomicU64,
    pub rechecks: AtomicU64,
    findings: Mutex<Vec<Finding>>,
    /// Goals learned per run id (the oracle's), for the `search_runs` rows.
    goals: Mutex<HashMap<String, String>>,
    /// The solver call whose proposals are running.
    solver_call: AtomicU64,
}

impl Recording {
    /// Opens (or creates) the store and finds (or creates) the search's row.
    pub fn open(
        path: &Path,
        new: &NewSearch,
        identity: RunIdentity,
        recheck: f64,
    ) -> anyhow::Result<Recording> {
        let mut store = Store::open(path)?;
        let search = store.begin_search(new, now())?;
        let cache = store.run_cache()?;
        let writer = store.writer()?;
        Ok(Recording {
            search,
            identity,
            cache,
            writer,
            recheck,
            reused: AtomicU64::new(0),
            executed: AtomicU64::new(0),
            rechecks: AtomicU64::new(0),
            findings: Mutex::new(Vec::new()),
            goals: Mutex::new(HashMap::new()),
            solver_call: AtomicU64::new(0),
        })
    }

    /// Runs `faults` through `run` unless the store has the run; re-runs the fraction
    /// `recheck` and compares.
    pub fn run(
        &self,
        faults: &[Fault],
        run: &dyn Fn(&[Fault]) -> Result<Trace, String>,
    ) -> Result<Trace, String> {
        let run_id = self.identity.run_id(faults);
        let recheck = rechecked(&run_id, self.recheck);
        if let Some(stored) = self.cache.get(&run_id).map_err(|err| err.to_string())? {
            self.reused.fetch_add(1, Ordering::Relaxed);
            let trace = TraceReader::new(&stored.trace[..], format!("store run {run_id}"))
                .and_then(TraceReader::into_trace)
                .map_err(|err| err.to_string())?;
            if recheck {
                self.compare(&run_id, faults, &stored.trace, &stored.trace_hash, run)?;
            }
            return Ok(trace);
        }
        let started = Instant::now();
        let trace = run(faults)?;
        let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.executed.fetch_add(1, Ordering::Relaxed);
        let bytes = trace.to_jsonl();
        let hash = trace_hash(&bytes);
        if recheck {
            self.compare(&run_id, faults, &bytes, &hash, run)?;
        }
        self.writer.run(
            &run_id,
            &self.identity.sut,
            &faults_to_json(faults),
            &hash,
            &bytes,
            trace.events.len() as u64,
            duration_us,
            now(),
        );
        Ok(trace)
    }

    /// Runs `faults` once more and keeps both traces if they differ.
    fn compare(
        &self,
        run_id: &str,
        faults: &[Fault],
        bytes: &[u8],
        hash: &str,
        run: &dyn Fn(&[Fault]) -> Result<Trace, String>,
    ) -> Result<(), String> {
        self.rechecks.fetch_add(1, Ordering::Relaxed);
        let again = run(faults)?.to_jsonl();
        let again_hash = trace_hash(&again);
        if again_hash != hash {
            self.writer.nondeterminism(
                run_id,
                self.search.id,
                (hash, bytes),
                (&again_hash, &again),
                now(),
            );
            self.findings
                .lock()
                .map_err(|_| "a run thread panicked".to_string())?
                .push(Finding {
                    run_id: run_id.to_string(),
                    faults: faults_to_json(faults),
                    hash_a: hash.to_string(),
                    hash_b: again_hash,
                });
        }
        Ok(())
    }

    /// Nondeterminism found so far, in the order found.
    pub fn findings(&self) -> Vec<Finding> {
        self.findings.lock().map(|f| f.clone()).unwrap_or_default()
    }

    fn note_goal(&self, trace: &Trace, judgement: &Judgement) {
        let Ok(goal) = serde_json::to_string(&judgement.goal) else {
            return;
        };
        let run_id = self.identity.run_id(&trace.header.faults);
        if let Ok(mut goals) = self.goals.lock() {
            goals.insert(run_id, goal);
        }
    }

    /// Records a judged run of the search (called in execution order).
    pub fn record(&self, record: &RunRecord, reproducer: &str) {
        let run_id = self.identity.run_id(&record.faults);
        let goal = self
            .goals
            .lock()
            .ok()
            .and_then(|mut goals| goals.remove(&run_id))
            .filter(|_| record.outcome == Outcome::Good);
        self.writer.search_run(
            self.search.id,
            record.index,
            &run_id,
            self.solver_call.load(Ordering::Relaxed),
            record.outcome.as_str(),
            goal,
        );
        if record.outcome == Outcome::Bad {
            let faults = faults_to_json(&record.faults);
            self.writer
                .counterexample(self.search.id, &run_id, &faults, reproducer);
        }
    }
}

/// The store's view of a search's progress.
pub(crate) struct RecordingObserver<'a> {
    pub recording: &'a Recording,
    pub reproducer: &'a dyn Fn(&[Fault]) -> String,
}

impl Observer for RecordingObserver<'_> {
    fn solve_finished(&mut self, _proposals: usize) {
        // The runs that follow are this call's proposals.
        self.recording.solver_call.fetch_add(1, Ordering::Relaxed);
    }
    fn run_finished(&mut self, record: &RunRecord, _runs: u64) {
        self.recording
            .record(record, &(self.reproducer)(&record.faults));
    }
}

/// An oracle that tells the recording what goal each run taught.
pub(crate) struct NotingOracle<'a, O> {
    pub inner: &'a O,
    pub recording: &'a Recording,
}

impl<O: Oracle> Oracle for NotingOracle<'_, O> {
    type Error = O::Error;

    fn judge(&self, trace: &Trace) -> Result<Judgement, O::Error> {
        let judgement = self.inner.judge(trace)?;
        self.recording.note_goal(trace, &judgement);
        Ok(judgement)
    }
}

/// Observers side by side (progress bar, store, events file).
pub(crate) struct Fanout<'a>(pub Vec<&'a mut dyn Observer>);

impl Observer for Fanout<'_> {
    fn solve_started(&mut self) {
        self.0.iter_mut().for_each(|o| o.solve_started());
    }
    fn solve_finished(&mut self, proposals: usize) {
        self.0.iter_mut().for_each(|o| o.solve_finished(proposals));
    }
    fn run_finished(&mut self, record: &RunRecord, runs: u64) {
        self.0.iter_mut().for_each(|o| o.run_finished(record, runs));
    }
    fn interrupted(&self) -> bool {
        self.0.iter().any(|o| o.interrupted())
    }
}
