//! `explore --elle MODEL`: a run is also judged by its client history, checked by elle-lite
//! for the anomalies `MODEL` prohibits.

use elle_lite::{CheckOptions, Validity};
use faultline_ldfi::{Judgement, Oracle, Outcome};
use faultline_trace::{Goal, GoalScope, Trace};

use crate::client_history::history_from_events;
use crate::search::SearchOracle;

/// Another oracle, and elle-lite over the run's client history: a run is bad when either
/// says so.
pub struct ElleOracle<'a> {
    inner: SearchOracle<'a>,
    models: Vec<String>,
}

impl<'a> ElleOracle<'a> {
    /// `inner` and elle-lite under `models` (each known to [`elle_lite::is_known_model`]).
    pub fn new(inner: SearchOracle<'a>, models: Vec<String>) -> Result<Self, String> {
        if let Some(unknown) = models.iter().find(|m| !elle_lite::is_known_model(m)) {
            return Err(format!(
                "unknown consistency model `{unknown}`; known models: {}",
                elle_lite::known_models().join(", ")
            ));
        }
        Ok(ElleOracle { inner, models })
    }

    /// The consistency models checked.
    pub fn models(&self) -> &[String] {
        &self.models
    }
}

impl Oracle for ElleOracle<'_> {
    type Error = String;

    /// A history anomaly can appear without any event of the other oracle's goal going
    /// missing, so a run that passes both names no goal (the search then certifies only by
    /// covering the space); a history elle-lite cannot decide is a caveat, never a pass.
    fn judge(&self, trace: &Trace) -> Result<Judgement, String> {
        let judgement = self.inner.judge(trace)?;
        if judgement.outcome == Outcome::Bad {
            return Ok(judgement);
        }
        let history = history_from_events(trace, &format!("run {}", trace.header.run_id))
            .map_err(|err| format!("{err:#}"))?;
        let mut caveat = judgement.caveat;
        if !history.ops.is_empty() {
            let options = CheckOptions {
                consistency_models: Some(self.models.clone()),
                ..CheckOptions::default()
            };
            let result = elle_lite::check(&history, &options)
                .map_err(|err| format!("run {}: elle-lite: {err}", trace.header.run_id))?;
            match result.valid {
                Validity::Invalid => return Ok(Judgement::bad()),
                Validity::Valid => {}
                // No transaction ordered against another: no cycle to find, and the anomalies
                // that need none would have made the history invalid.
                Validity::Unknown
                    if result
                        .anomaly_types
                        .iter()
                        .all(|t| t == "empty-transaction-graph") => {}
                Validity::Unknown => {
                    caveat.get_or_insert_with(|| {
                        format!(
                            "elle-lite could not decide the history of run {} ({})",
                            trace.header.run_id,
                            result.anomaly_types.join(", ")
                        )
                    });
                }
            }
        }
        let mut out = Judgement::new(
            judgement.outcome,
            Goal::all_of(Vec::new(), GoalScope::ExactCrashes),
        );
        out.caveat = caveat;
        Ok(out)
    }
}
