//! What `explore` does for CI around the search itself: the run store (`--db`, `--recheck`),
//! the regression file, the events file, JUnit and GitHub output.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use faultline_harness::{RunConfig, System};
use faultline_ldfi::{BoundHit, ExploreReport, Oracle, Outcome, Verdict};
use faultline_store::{NewSearch, hash_parts};
use faultline_trace::{FailureSpec, Fault, faults_to_json};
use serde_json::{Value, json};

use super::super::ci_output::{CiCase, write_github, write_junit};
use super::super::events::EventLog;
use super::super::record::{Finding, Recording, RunIdentity, executable_build_id, now};
use super::super::regressions::{self, Entry, REGRESSION_SCHEMA};
use super::ExploreArgs;

/// A search's CI session.
pub(crate) struct Session {
    pub recording: Option<Recording>,
    pub events: Option<EventLog>,
    /// Holds the throw-away store of `--recheck` without `--db`.
    _scratch: Option<tempfile::TempDir>,
    db: Option<PathBuf>,
    build_id: String,
}

/// What the session adds to the report.
pub(crate) struct SessionEnd {
    pub lines: Vec<String>,
    pub json: Value,
    pub findings: Vec<Finding>,
}

/// How the oracle is named in a search's key: the invariant, or the spec file and a hash of
/// its text (editing the spec starts a new search).
fn oracle_id(spec_file: Option<&std::path::Path>) -> anyhow::Result<String> {
    let Some(path) = spec_file else {
        return Ok("invariant".into());
    };
    let text = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(format!(
        "spec:{}#{}",
        path.display(),
        &blake3::hash(&text).to_hex()[..16]
    ))
}

impl Session {
    /// Opens the store and the events file the arguments ask for.
    pub fn open(
        args: &ExploreArgs,
        sut: &System,
        spec: FailureSpec,
        shard: Option<super::sharding::ShardArg>,
    ) -> anyhow::Result<Session> {
        let needs_build_id = args.db.is_some() || args.recheck > 0.0 || args.regressions.is_some();
        let build_id = match &args.build_id {
            Some(id) => id.clone(),
            None if needs_build_id => executable_build_id()?,
            None => String::new(),
        };
        let mut scratch = None;
        let db = match (&args.db, args.recheck > 0.0) {
            (Some(path), _) => Some(path.clone()),
            (None, true) => {
                let dir = tempfile::tempdir().context("cannot make a scratch store")?;
                let path = dir.path().join("recheck.db");
                scratch = Some(dir);
                Some(path)
            }
            (None, false) => None,
        };
        let recording = match &db {
            Some(path) => {
                let strategy = format!("{:?}", args.strategy).to_lowercase();
                let mut oracle = oracle_id(args.spec.as_deref())?;
                if !args.elle.is_empty() {
                    oracle.push_str(&format!("+elle:{}", args.elle.join(",")));
                }
                let spec_json = serde_json::to_string(&spec)?;
                let base_key = hash_parts(&[
                    b"faultline-search/v1",
                    build_id.as_bytes(),
                    env!("CARGO_PKG_VERSION").as_bytes(),
                    sut.name().as_bytes(),
                    spec_json.as_bytes(),
                    &args.seed.to_le_bytes(),
                    strategy.as_bytes(),
                    oracle.as_bytes(),
                    json!({ "find_all": args.all, "batch": args.batch })
                        .to_string()
                        .as_bytes(),
                ]);
                // Shards of one search share its base key (what `merge` groups by).
                let key = match shard {
                    Some(shard) => hash_parts(&[base_key.as_bytes(), shard.to_string().as_bytes()]),
                    None => base_key.clone(),
                };
                let config = json!({
                    "find_all": args.all,
                    "batch": args.batch,
                    "base_key": base_key,
                })
                .to_string();
                let new = NewSearch {
                    key,
                    sut: sut.name().to_string(),
                    source: "builtin".into(),
                    build_id: build_id.clone(),
                    faultline_version: env!("CARGO_PKG_VERSION").into(),
                    spec: spec_json,
                    strategy,
                    seed: args.seed,
                    oracle,
                    config,
                    shard: shard.map(|shard| shard.to_string()),
                };
                let identity = RunIdentity {
                    build_id: build_id.clone(),
                    sut: sut.name().to_string(),
                    seed: args.seed,
                    spec,
                };
                Some(Recording::open(path, &new, identity, args.recheck)?)
            }
            None => None,
        };
        let events = args.events.as_deref().map(EventLog::create).transpose()?;
        let mut session = Session {
            recording,
            events,
            _scratch: scratch,
            db: args.db.clone(),
            build_id,
        };
        if let Some(events) = &mut session.events {
            events.emit(
                "search_started",
                json!({
                    "sut": sut.name(),
                    "spec": spec,
                    "strategy": format!("{:?}", args.strategy).to_lowercase(),
                    "seed": args.seed,
                    "store": args.db.as_ref().map(|p| p.display().to_string()),
                }),
            );
        }
        Ok(session)
    }

    /// Replays the regression file's entries for `sut` before the search. The first entry
    /// that still fails ends the command (exit 1) with its reproducer.
    pub fn replay_regressions<O: Oracle>(
        &self,
        args: &ExploreArgs,
        sut: &System,
        oracle: &O,
        reproducer: &dyn Fn(&FailureSpec, u64, &[Fault]) -> String,
    ) -> anyhow::Result<Option<ExitCode>> {
        let Some(path) = &args.regressions else {
            return Ok(None);
        };
        for (line, entry) in regressions::read(path)? {
            if entry.sut != sut.name() {
                continue;
            }
            let config = RunConfig {
                seed: entry.seed,
                eot: entry.spec.eot,
                faults: entry.faults.clone(),
                failure_spec: Some(entry.spec),
            };
            let trace = sut.run(&config).with_context(|| {
                format!(
                    "{}:{line}: the entry's fault set cannot be run",
                    path.display()
                )
            })?;
            let judgement = oracle
                .judge(&trace)
                .map_err(|err| anyhow::anyhow!("{}:{line}: {err}", path.display()))?;
            if judgement.outcome == Outcome::Bad {
                let line_text = reproducer(&entry.spec, entry.seed, &entry.faults);
                let message = format!(
                    "regression {}:{line} still fails: {}",
                    path.display(),
                    faults_to_json(&entry.faults)
                );
                let case = CiCase {
                    name: format!("regression {} line {line}", sut.name()),
                    verdict: "counterexample".into(),
                    message: Some(message.clone()),
                    reproducer: Some(line_text.clone()),
                    runs: 1,
                    seconds: 0.0,
                    details: Vec::new(),
                };
                ci_outputs(args, &[case])?;
                if args.json {
                    super::super::write_json(
                        "explore",
                        json!({
                            "sut": sut.name(),
                            "verdict": "counterexample",
                            "regression": { "file": path.display().to_string(), "line": line },
                            "counterexample": entry.faults,
                            "reproducer": line_text,
                        }),
                        true,
                    )?;
                } else {
                    super::super::write_stdout(&format!(
                        "verdict: COUNTEREXAMPLE: {message}\n  reproduce: {line_text}\n"
                    ))?;
                }
                return Ok(Some(super::super::bug_found()));
            }
        }
        Ok(None)
    }

    /// After the search: finishes the store's record, appends new counterexamples to the
    /// regression file, writes CI output and the events file's last line.
    pub fn finish(
        self,
        args: &ExploreArgs,
        sut: &System,
        report: &ExploreReport,
        report_json: &Value,
        reproducer: &dyn Fn(&[Fault]) -> String,
        seconds: f64,
    ) -> anyhow::Result<SessionEnd> {
        let mut lines = Vec::new();
        let mut json = json!({});
        let mut findings = Vec::new();
        if let Some(recording) = self.recording {
            // A search stopped by a bound or a signal stays open, to be resumed.
            if report.bound_hit.is_none() {
                recording.writer.finish(
                    recording.search.id,
                    report.verdict.as_str(),
                    report_json.to_string(),
                    now(),
                );
            }
            findings = recording.findings();
            let reused = recording.reused.load(std::sync::atomic::Ordering::Relaxed);
            let executed = recording
                .executed
                .load(std::sync::atomic::Ordering::Relaxed);
            let rechecks = recording
                .rechecks
                .load(std::sync::atomic::Ordering::Relaxed);
            let search_id = recording.search.id;
            recording.writer.close()?;
            if let Some(db) = &self.db {
                lines.push(format!(
                    "store: {}, search #{search_id}: {reused} runs read from the store, {executed} executed",
                    db.display()
                ));
            }
            if args.recheck > 0.0 {
                lines.push(format!(
                    "recheck: {rechecks} runs re-run and compared, {} nondeterministic",
                    findings.len()
                ));
            }
            for finding in &findings {
                lines.push(format!(
                    "NONDETERMINISM: run {} ({}) gave two different traces ({} vs {}); both kept{}",
                    &finding.run_id[..16],
                    finding.faults,
                    &finding.hash_a[..16],
                    &finding.hash_b[..16],
                    match &self.db {
                        Some(db) => format!(
                            ": faultline db show --db {} {}",
                            db.display(),
                            &finding.run_id[..16]
                        ),
                        None => " in a scratch store (use --db to keep them)".into(),
                    }
                ));
            }
            json = json!({
                "store": self.db.as_ref().map(|p| p.display().to_string()),
                "search_id": self.db.as_ref().map(|_| search_id),
                "runs_reused": reused,
                "runs_executed": executed,
                "rechecks": rechecks,
                "nondeterminism": findings.iter().map(|f| json!({
                    "run_id": f.run_id, "faults": f.faults, "trace_hashes": [f.hash_a, f.hash_b],
                })).collect::<Vec<_>>(),
            });
        }
        if let Some(path) = &args.regressions {
            let entries: Vec<Entry> = report
                .counterexamples
                .iter()
                .map(|faults| Entry {
                    schema: REGRESSION_SCHEMA.into(),
                    sut: sut.name().to_string(),
                    build_id: self.build_id.clone(),
                    seed: args.seed,
                    spec: report.spec,
                    faults: faults.clone(),
                    reproducer: reproducer(faults),
                })
                .collect();
            let added = regressions::append(path, &entries)?;
            if added > 0 {
                lines.push(format!(
                    "regressions: {added} new counterexample(s) appended to {}",
                    path.display()
                ));
            }
        }
        let verdict = if findings.is_empty() {
            report.verdict.as_str().to_string()
        } else {
            "nondeterminism".to_string()
        };
        let spec = report.spec;
        let case = CiCase {
            name: format!(
                "explore {} {}/{}/{}/{} ({}, seed {})",
                sut.name(),
                spec.eot,
                spec.eff,
                spec.max_crashes,
                spec.max_clogs,
                format!("{:?}", args.strategy).to_lowercase(),
                args.seed
            ),
            message: match (report.verdict, findings.first()) {
                (_, Some(finding)) => Some(format!(
                    "nondeterminism: run {} gave two different traces",
                    finding.faults
                )),
                (Verdict::Counterexample, None) => Some(format!(
                    "counterexample: {}",
                    faults_to_json(&report.counterexamples[0])
                )),
                (Verdict::Inconclusive, None) => report
                    .inconclusive_reason
                    .clone()
                    .or_else(|| report.bound_hit.as_ref().map(BoundHit::describe)),
                _ => None,
            },
            verdict,
            reproducer: report
                .counterexamples
                .first()
                .map(|faults| reproducer(faults)),
            runs: report.runs,
            seconds,
            details: vec![
                format!("runs: {}", report.runs),
                format!("solver calls: {}", report.solver_calls),
                format!("fault space (exact): {}", report.fault_space.exact),
                format!("explored fraction: {:.3e}", report.explored_fraction()),
            ]
            .into_iter()
            .chain(lines.iter().cloned())
            .collect(),
        };
        ci_outputs(args, &[case])?;
        if let Some(events) = self.events {
            events.finish(report)?;
        }
        Ok(SessionEnd {
            lines,
            json,
            findings,
        })
    }
}

fn ci_outputs(args: &ExploreArgs, cases: &[CiCase]) -> anyhow::Result<()> {
    if let Some(path) = &args.junit {
        write_junit(path, cases)?;
    }
    if args.github {
        write_github(cases, &mut std::io::stdout().lock())?;
    }
    Ok(())
}
