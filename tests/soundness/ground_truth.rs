//! The ground truth: every admissible fault set run and judged, verdicts cached per (EOT, set)
//! so that nested failure specs share their runs.

use std::collections::HashMap;

use faultline::spec_oracle::{SpecOracle, judgement};
use faultline_harness::System;
use faultline_ldfi::{Outcome, Verdict, exhaustive_sets, minimal_sets};
use faultline_trace::{FailureSpec, Fault, faults_to_json};
use rayon::prelude::*;

use crate::{invariant_judgement, run};

/// What running every set of one space showed, for one oracle.
pub struct Truth {
    /// Number of bad sets.
    pub bad: usize,
    /// The subset-minimal bad sets (canonical).
    pub minimal: Vec<Vec<Fault>>,
    /// Some run held non-vacuously.
    pub tested: bool,
}

impl Truth {
    fn new(verdicts: &[(&Vec<Fault>, Outcome)]) -> Self {
        let bad: Vec<Vec<Fault>> = verdicts
            .iter()
            .filter(|(_, outcome)| *outcome == Outcome::Bad)
            .map(|(set, _)| (*set).clone())
            .collect();
        Truth {
            bad: bad.len(),
            minimal: minimal_sets(&bad),
            tested: verdicts
                .iter()
                .any(|(_, outcome)| *outcome == Outcome::Good),
        }
    }

    /// The verdict a complete search must reach.
    pub fn verdict(&self) -> Verdict {
        match (self.bad, self.tested) {
            (0, true) => Verdict::Certified,
            (0, false) => Verdict::Inconclusive,
            _ => Verdict::Counterexample,
        }
    }

    /// The minimal counterexamples, as JSON fault lists (the first few).
    pub fn minimal_json(&self) -> String {
        let shown: Vec<String> = self
            .minimal
            .iter()
            .take(4)
            .map(|s| faults_to_json(s))
            .collect();
        let more = self.minimal.len().saturating_sub(4);
        if more > 0 {
            format!("{} and {more} more", shown.join(" "))
        } else {
            shown.join(" ")
        }
    }
}

/// One run's outcome under the built-in invariant and, when the SUT has one, its LTL spec.
type Outcomes = (Outcome, Option<Outcome>);

/// Both oracles' truths for one failure spec.
pub struct SpecTruth {
    pub invariant: Truth,
    pub spec: Option<Truth>,
}

/// A SUT's cache of judged runs.
pub struct GroundTruth<'a> {
    sut: &'static System,
    oracle: Option<&'a SpecOracle>,
    /// (EOT, canonical set) → (invariant outcome, spec outcome).
    cache: HashMap<(u64, Vec<Fault>), Outcomes>,
}

/// The oracle's own outcome. A good run that names no goal (agreement in paxos-synod) still
/// held: enumeration that finds no bad set and some good one certifies, and so may a search
/// that covers the space (see `ldfi/README.md`).
fn outcome(judgement: &faultline_ldfi::Judgement) -> Outcome {
    judgement.outcome
}

impl<'a> GroundTruth<'a> {
    pub fn new(sut: &'static System, oracle: Option<&'a SpecOracle>) -> Self {
        GroundTruth {
            sut,
            oracle,
            cache: HashMap::new(),
        }
    }

    /// How many distinct runs were made.
    pub fn distinct_runs(&self) -> usize {
        self.cache.len()
    }

    /// Runs every admissible set of `spec` not run yet (in parallel) and judges the space.
    pub fn truth(&mut self, spec: FailureSpec) -> SpecTruth {
        let nodes = self.sut.nodes().to_vec();
        let sets: Vec<Vec<Fault>> = exhaustive_sets(spec, &nodes).collect();
        let missing: Vec<&Vec<Fault>> = sets
            .iter()
            .filter(|set| !self.cache.contains_key(&(spec.eot, (*set).clone())))
            .collect();
        let (sut, oracle) = (self.sut, self.oracle);
        let judged: Vec<Outcomes> = missing
            .par_iter()
            .map(|set| {
                let trace = run(sut, spec, set).unwrap_or_else(|err| panic!("{set:?}: {err}"));
                let invariant = outcome(&invariant_judgement(sut, &trace));
                // The property's own verdict, not LDFI's reading of it (which learns nothing
                // from a spec not shown monotone): a search that cannot learn must say
                // inconclusive where enumeration certifies, and the suite counts those.
                let spec = oracle.map(|oracle| {
                    if faultline_harness::handler_panic(&trace).is_some() {
                        return Outcome::Bad;
                    }
                    let verdicts = oracle
                        .verdicts(&trace)
                        .unwrap_or_else(|err| panic!("{err}"));
                    outcome(&judgement(&trace, &verdicts, oracle.crash_reading()))
                });
                (invariant, spec)
            })
            .collect();
        for (set, verdicts) in missing.into_iter().zip(judged) {
            self.cache.insert((spec.eot, set.clone()), verdicts);
        }
        let looked_up: Vec<(&Vec<Fault>, Outcomes)> = sets
            .iter()
            .map(|set| (set, self.cache[&(spec.eot, set.clone())]))
            .collect();
        let invariant: Vec<(&Vec<Fault>, Outcome)> =
            looked_up.iter().map(|(set, (i, _))| (*set, *i)).collect();
        let spec_truth = self.oracle.map(|_| {
            let verdicts: Vec<(&Vec<Fault>, Outcome)> = looked_up
                .iter()
                .map(|(set, (_, s))| (*set, s.expect("judged by the spec")))
                .collect();
            Truth::new(&verdicts)
        });
        SpecTruth {
            invariant: Truth::new(&invariant),
            spec: spec_truth,
        }
    }
}
