//! `suggest --db`: what a loop of `suggest` calls learned, kept between calls, so a call reads
//! only the traces it has not seen and replays the lessons of the others.

use std::path::Path;
use std::process::ExitCode;
use std::time::UNIX_EPOCH;

use anyhow::Context;
use faultline_ldfi::{FaultModel, GoalGuess, Lesson, Outcome, foreign_judgement};
use faultline_store::{Appended, LearnedTrace, Store};
use faultline_trace::{EventKind, FailureSpec, Fault, RunVerdict, Trace, faults_to_json};
use serde_json::json;

/// One run as `suggest` uses it, read from its trace or from the store.
pub(crate) struct LearnedRun {
    /// Where its trace is (for messages).
    pub path: String,
    pub faults: Vec<Fault>,
    pub events_hash: String,
    pub verdict: Option<RunVerdict>,
    /// A good run whose goal was learned.
    pub tested: bool,
    pub caveat: Option<String>,
    pub derives_goal: bool,
    pub lesson: Lesson,
    /// The file's length and modification time, for a store.
    meta: Option<FileMeta>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileMeta {
    size: u64,
    mtime_ns: i64,
}

impl LearnedRun {
    /// Whether its lesson rules out exactly the sets that repeat it, crash set included, and
    /// nothing else (see `explore`'s certificate by covering the space).
    pub(crate) fn covers(&self) -> bool {
        !self.tested && self.caveat.is_none() && self.lesson.crash_set_exact()
    }

    /// Judges `trace` (read from `path`) and draws its lesson.
    pub(crate) fn read(
        path: String,
        meta: Option<FileMeta>,
        trace: &Trace,
        model: &FaultModel,
        guess: &GoalGuess,
    ) -> anyhow::Result<Self> {
        let judgement = foreign_judgement(trace, guess);
        let faults = trace.header.faults.clone();
        let lesson = Lesson::new(model, &faults, trace, &judgement)
            .with_context(|| format!("run {}: lineage", trace.header.run_id))?;
        let events = serde_json::to_string(&trace.events)?;
        Ok(LearnedRun {
            path,
            events_hash: faultline_store::trace_hash(events.as_bytes()),
            verdict: trace.header.verdict,
            tested: judgement.outcome == Outcome::Good && !judgement.goal.is_empty(),
            caveat: judgement.caveat,
            derives_goal: guess.fact.as_ref().is_some_and(|fact| {
                trace.events.iter().any(|event| {
                    event.kind == EventKind::Derive && event.fact.as_ref() == Some(fact)
                })
            }),
            faults,
            lesson,
            meta,
        })
    }
}

/// Whether a trace path is already in the store.
pub(crate) enum Located {
    Known,
    New { absolute: String, meta: FileMeta },
}

/// The store of one `suggest` loop, opened for a call with this spec and goal guess.
pub(crate) struct LearnedLoop {
    store: Store,
    spec: String,
    guess: String,
}

impl LearnedLoop {
    /// Opens (or creates) `path`, refusing a store made for another failure spec or goal.
    pub(crate) fn open(path: &Path, spec: &FailureSpec, guess: &GoalGuess) -> anyhow::Result<Self> {
        let store = Store::open(path)?;
        let spec_key = json!({
            "eot": spec.eot, "eff": spec.eff,
            "max_crashes": spec.max_crashes, "max_clogs": spec.max_clogs,
            "lesson_format": Lesson::FORMAT,
        })
        .to_string();
        let guess_key = json!({
            "goal": guess.fact, "crashed_nodes_exempt": guess.crashed_nodes_exempt,
        })
        .to_string();
        if let Some((stored_spec, stored_guess)) = store.suggest_loop()?
            && (stored_spec != spec_key || stored_guess != guess_key)
        {
            anyhow::bail!(
                "{}",
                other_loop(path, &stored_spec, &stored_guess, &spec_key, &guess_key)
            );
        }
        Ok(LearnedLoop {
            store,
            spec: spec_key,
            guess: guess_key,
        })
    }

    /// Every run learned so far, in the order first given.
    pub(crate) fn runs(&self) -> anyhow::Result<Vec<LearnedRun>> {
        let path = self.store.path().display().to_string();
        self.store
            .learned_traces()?
            .into_iter()
            .map(|learned| {
                let corrupt = |what: &str| format!("{path}: stored trace {}: {what}", learned.path);
                let lesson: Lesson =
                    serde_json::from_slice(&learned.lesson).with_context(|| corrupt("lesson"))?;
                let faults: Vec<Fault> = serde_json::from_str(&learned.header_faults)
                    .with_context(|| corrupt("header_faults"))?;
                let verdict = match learned.verdict.as_str() {
                    "" => None,
                    text => Some(
                        serde_json::from_value(serde_json::Value::String(text.to_string()))
                            .with_context(|| corrupt("verdict"))?,
                    ),
                };
                Ok(LearnedRun {
                    path: learned.path,
                    faults,
                    events_hash: learned.events_hash,
                    verdict,
                    tested: learned.tested,
                    caveat: learned.caveat,
                    derives_goal: learned.derives_goal,
                    lesson,
                    meta: Some(FileMeta {
                        size: learned.size,
                        mtime_ns: learned.mtime_ns,
                    }),
                })
            })
            .collect()
    }

    /// Whether `path` was learned before (refusing a learned trace that changed since).
    pub(crate) fn locate(&self, path: &Path, runs: &[LearnedRun]) -> anyhow::Result<Located> {
        let absolute = std::fs::canonicalize(path)
            .with_context(|| format!("{}: cannot open", path.display()))?
            .display()
            .to_string();
        let metadata = std::fs::metadata(path)
            .with_context(|| format!("{}: cannot read its metadata", path.display()))?;
        if !metadata.is_file() {
            anyhow::bail!(
                "{}: not a regular file; with --db every trace must be a file, so that the next \
                 call can tell it was learned",
                path.display()
            );
        }
        let mtime_ns = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .and_then(|since| i64::try_from(since.as_nanos()).ok())
            .unwrap_or(0);
        let meta = FileMeta {
            size: metadata.len(),
            mtime_ns,
        };
        match runs.iter().find(|run| run.path == absolute) {
            Some(run) if run.meta == Some(meta) => Ok(Located::Known),
            Some(_) => anyhow::bail!(
                "{}: changed since `suggest --db {}` learned it (its length or modification \
                 time differs); a run's trace must not change once learned: write the new run \
                 to a new file, or start a new --db",
                path.display(),
                self.store.path().display()
            ),
            None => Ok(Located::New { absolute, meta }),
        }
    }

    /// Stores `runs` (new this call) in one transaction, checking again under the store's
    /// write lock what another call may have stored meanwhile: exit 4 when a new run
    /// contradicts a stored one (nothing is stored).
    pub(crate) fn append(&mut self, runs: &[LearnedRun]) -> anyhow::Result<Option<ExitCode>> {
        let now = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
            });
        let rows = runs
            .iter()
            .map(|run| {
                let meta = run.meta.unwrap_or(FileMeta {
                    size: 0,
                    mtime_ns: 0,
                });
                Ok(LearnedTrace {
                    path: run.path.clone(),
                    size: meta.size,
                    mtime_ns: meta.mtime_ns,
                    faults: faults_to_json(&faultline_ldfi::canonical(&run.faults)),
                    header_faults: faults_to_json(&run.faults),
                    events_hash: run.events_hash.clone(),
                    verdict: run
                        .verdict
                        .map(|verdict| verdict.as_str().to_string())
                        .unwrap_or_default(),
                    tested: run.tested,
                    caveat: run.caveat.clone(),
                    derives_goal: run.derives_goal,
                    lesson: serde_json::to_vec(&run.lesson)?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        match self
            .store
            .add_learned_traces(&self.spec, &self.guess, now, &rows)?
        {
            Appended::Stored => Ok(None),
            Appended::OtherLoop { spec, guess } => anyhow::bail!(
                "{}",
                other_loop(self.store.path(), &spec, &guess, &self.spec, &self.guess)
            ),
            Appended::Nondeterminism { stored, new } => {
                eprintln!(
                    "error: nondeterminism: {stored} and {new} ran the same faults but differ; \
                     nothing was stored"
                );
                Ok(Some(super::nondeterminism()))
            }
        }
    }
}

fn other_loop(path: &Path, spec: &str, guess: &str, spec_key: &str, guess_key: &str) -> String {
    format!(
        "{}: this store's lessons were drawn under failure spec {spec} and goal {guess}, not \
         {spec_key} and {guess_key}; pass the same --eot/--eff/--crashes/--clogs/--goal/\
         --crashed-nodes-exempt (and a faultline with the same lesson format), or use a new \
         --db file",
        path.display()
    )
}
