//! The LDFI paper's commit family (Molly `examples_ft/commit`): the nodes, the facts and the
//! shared invariant `2pc_assert` of `2pc`, `2pc-ctp` and `3pc`.
//!
//! Molly's `commit/2pc_assert.ded`, evaluated at EOT over every node's decisions
//! (`decision(N, X, "c") :- commit(N, X)`, `"a"` for `abort`):
//! - termination: `pre` if some agent prepared; `post` if two distinct nodes have decided;
//! - agreement: `pre` if some node decided; `post` if no two decisions differ (a node that
//!   holds both commit and abort disagrees with itself).
//!
//! A run is bad iff some `pre` holds and its `post` does not; vacuous iff neither `pre` holds.
//!
//! Decisions of crashed nodes count, as in Molly, where a crashed node only stops sending: here
//! a crashed node runs no handler at all (DESIGN.md), so it keeps the decisions it held when it
//! crashed. That is the state a node's reactor writes as `"decisions"`; each reactor writes
//! exactly the decisions held at the end of each round (a decision Molly derives `@next`, i.e.
//! held from round t + 1, is derived at the end of round t, and not at all in round EOT, whose
//! next round is outside the run).
//!
//! What a good run rests on (the goal) and how it depends on crashes (the scope) depends on
//! the protocol: each SUT passes its own `goal` function to [`check_commit`].

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{Goal, GoalScope, NodeId, Trace};
use serde_json::{Value, json};

use crate::text::and_list;
use faultline_harness::InvariantReport;
use faultline_harness::end_state::final_states;
use faultline_harness::end_state::{last_derive, string_set};

/// The nodes, in header order (the paper's `a, b, C, d`): agents a, b, d and coordinator C.
pub const COMMIT_NODES: &[&str] = &["a", "b", "C", "d"];
/// The coordinator.
pub const COMMIT_COORDINATOR: &str = "C";
/// The agents.
pub const COMMIT_AGENTS: &[&str] = &["a", "b", "d"];
/// The transaction (Molly's `begin("C", "hello")`).
pub const COMMIT_TX: &str = "hello";

/// A decision: the value of `decision(N, X, V)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Decision {
    Commit,
    Abort,
}

impl Decision {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Decision::Commit => "commit",
            Decision::Abort => "abort",
        }
    }

    /// The fact a node derives when it holds this decision: `["commit", "hello"]`.
    pub(crate) fn fact(self) -> Value {
        json!([self.as_str(), COMMIT_TX])
    }
}

/// `["prepared", "hello"]`: an agent has voted yes (Molly's `prepared(A, C, X, "Y")`).
pub(crate) fn prepared_fact() -> Value {
    json!(["prepared", COMMIT_TX])
}

/// `["vote", A, "hello"]`: the coordinator holds agent A's yes vote.
pub(crate) fn vote_fact(agent: &str) -> Value {
    json!(["vote", agent, COMMIT_TX])
}

/// The agents other than `me` (Molly's `agent(A, B)` facts among agents).
pub(crate) fn peers(me: &str) -> impl Iterator<Item = &'static str> + '_ {
    COMMIT_AGENTS
        .iter()
        .copied()
        .filter(move |agent| *agent != me)
}

/// The `"decisions"` field of a node state: the decisions held, commit first.
pub(crate) fn decisions_json(commit: bool, abort: bool) -> Value {
    let mut held = Vec::new();
    if commit {
        held.push(Decision::Commit.as_str());
    }
    if abort {
        held.push(Decision::Abort.as_str());
    }
    json!(held)
}

/// What the invariant reads from a run's end: each node's decisions, who prepared, who crashed.
pub(crate) struct EndState {
    /// Node → the decisions it holds at EOT.
    pub decisions: BTreeMap<NodeId, BTreeSet<Decision>>,
    /// Agents that prepared (voted yes) at some point.
    pub prepared: Vec<&'static str>,
}

impl EndState {
    fn of(trace: &Trace) -> Self {
        let states = final_states(trace);
        let decisions = COMMIT_NODES
            .iter()
            .map(|node| {
                let held = string_set(states.get(*node), "decisions");
                let held = [Decision::Commit, Decision::Abort]
                    .into_iter()
                    .filter(|decision| held.contains(decision.as_str()))
                    .collect();
                (node.to_string(), held)
            })
            .collect();
        let prepared = COMMIT_AGENTS
            .iter()
            .copied()
            .filter(|agent| {
                states
                    .get(*agent)
                    .and_then(|state| state.get("prepared"))
                    .and_then(Value::as_bool)
                    == Some(true)
            })
            .collect();
        EndState {
            decisions,
            prepared,
        }
    }

    /// The nodes holding `decision`, in header order.
    pub fn holding(&self, decision: Decision) -> Vec<&'static str> {
        COMMIT_NODES
            .iter()
            .copied()
            .filter(|node| self.decisions[*node].contains(&decision))
            .collect()
    }

    /// The nodes holding some decision, in header order.
    pub fn deciders(&self) -> Vec<&'static str> {
        COMMIT_NODES
            .iter()
            .copied()
            .filter(|node| !self.decisions[*node].is_empty())
            .collect()
    }

    /// The one value every decision has, if some node decided and all agree.
    pub fn agreed(&self) -> Option<Decision> {
        let values: BTreeSet<Decision> = self.decisions.values().flatten().copied().collect();
        match values.len() {
            1 => values.into_iter().next(),
            _ => None,
        }
    }

    /// The latest derive of `decision` at each node that holds it at the end (goal events).
    pub fn decision_derives(&self, trace: &Trace, decision: Decision) -> Vec<(&'static str, u64)> {
        self.holding(decision)
            .into_iter()
            .filter_map(|node| Some((node, last_derive(trace, node, &decision.fact())?)))
            .collect()
    }
}

/// Termination's `post` as a goal: "two distinct nodes decided" is, for every node X, "some
/// node other than X decided" (one `any_of` group per node, each listing the decision derives
/// at the other nodes).
pub(crate) fn two_deciders(derives: &[(&str, u64)]) -> Vec<Vec<u64>> {
    COMMIT_NODES
        .iter()
        .map(|excluded| {
            derives
                .iter()
                .filter(|(node, _)| node != excluded)
                .map(|(_, event)| *event)
                .collect()
        })
        .collect()
}

fn verb(nodes: &[&str], one: &'static str, many: &'static str) -> &'static str {
    if nodes.len() == 1 { one } else { many }
}

fn bad(explanation: String) -> InvariantReport {
    InvariantReport {
        holds: false,
        vacuous: false,
        goal: Goal::all_of(Vec::new(), GoalScope::FaultIndependent),
        explanation,
    }
}

/// Evaluates `2pc_assert` at the end of `trace`. For a good, non-vacuous run, `goal` states
/// what the outcome rests on for this protocol, or `None` when no set of this run's events is
/// known to suffice (then LDFI learns nothing from the run: the report holds with an empty goal,
/// and says so).
pub(crate) fn check_commit(
    trace: &Trace,
    goal: impl FnOnce(&Trace, &EndState) -> Option<Goal>,
) -> InvariantReport {
    let end = EndState::of(trace);
    let committed = end.holding(Decision::Commit);
    let aborted = end.holding(Decision::Abort);
    if !committed.is_empty() && !aborted.is_empty() {
        return bad(format!(
            "agreement: {} {} commit but {} {} abort",
            and_list(&committed),
            verb(&committed, "holds", "hold"),
            and_list(&aborted),
            verb(&aborted, "holds", "hold"),
        ));
    }
    let deciders = end.deciders();
    if !end.prepared.is_empty() && deciders.len() < 2 {
        let who = match deciders.as_slice() {
            [] => "no node decided".to_string(),
            [one] => format!("only {one} decided"),
            _ => unreachable!("fewer than two"),
        };
        return bad(format!(
            "termination: {} prepared but {who}",
            and_list(&end.prepared)
        ));
    }
    if deciders.is_empty() {
        return InvariantReport {
            holds: true,
            vacuous: true,
            goal: Goal::all_of(Vec::new(), GoalScope::FaultIndependent),
            explanation: "vacuously true: no agent prepared and no node decided".to_string(),
        };
    }
    let value = end.agreed().map_or("?", Decision::as_str);
    let mut explanation = format!(
        "{} {}",
        and_list(&deciders),
        if value == "commit" {
            "committed"
        } else {
            "aborted"
        }
    );
    let goal = match goal(trace, &end) {
        Some(goal) => goal,
        None => {
            explanation.push_str(" (no goal known to suffice: nothing to learn)");
            Goal::all_of(Vec::new(), GoalScope::FaultIndependent)
        }
    };
    InvariantReport {
        holds: true,
        vacuous: false,
        goal,
        explanation,
    }
}
