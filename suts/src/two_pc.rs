//! 2pc-3: two-phase commit with a coordinator C and two agents a and b (Molly's
//! `commit/2pc.ded` conventions: rounds, C re-sends its decision every round; plus an agent
//! timeout).
//!
//! Protocol, in rounds:
//! - Agents are prepared from round 1 (the transaction's work is done: Molly's `can` facts) and
//!   vote yes to C at once (early prepare: the prepare request is the input itself), re-sending
//!   the vote every round while undecided.
//! - C derives `["vote", A, "t1"]` on every vote; after the round's deliveries, once it holds a
//!   yes vote of every agent, it decides commit (`["decide", "commit", "t1"]`) and from then on
//!   sends `commit` to every agent every round. C never aborts.
//! - An agent commits (`["commit", "t1"]`) on a `commit`, unless it has already decided. An
//!   agent still undecided when its timeout fires (after the deliveries of round
//!   [`TPC_TIMEOUT_ROUND`]) aborts unilaterally (`["abort", "t1"]`). Decisions are final.
//!
//! The bug: an agent that voted yes must not abort on its own (it is uncertain: the coordinator
//! may have committed). If C's first `commit` to b is lost and C crashes before re-sending it, a
//! commits and b aborts: `omission C→b@2, crash C@3` (EOT 6, EFF 3, one crash). At EOT < 5 the
//! same faults leave b undecided although it never crashed: blocked. With EFF ≥ 5 omissions
//! alone suffice (C's commits of rounds 2, 3 and 4 to b lost: the one of round 5 comes late),
//! and so does a clog of b that holds C's commits past round 5 (EOT 6, no omission, no crash).
//!
//! Lineage: votes and commits name the facts they carry (`prepared`, `decide`); C's decision
//! names both votes. An agent derives `["commit", "t1"]` on every `commit` it receives, but a
//! receipt after the timeout round re-derives it only because the agent had already committed
//! (an undecided agent has aborted by then), so such a derivation also names the earlier
//! commit: it is no alternative support of its own.

use std::collections::BTreeSet;

use faultline_trace::{Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::text::and_list;
use faultline_harness::end_state::final_states;
use faultline_harness::end_state::{crashed_nodes, last_derive, string_field};
use faultline_harness::{Cx, Effect, InvariantReport, Reactor, TimerId};

/// The nodes, in header order: the coordinator, then the agents.
pub const TPC_NODES: &[&str] = &["C", "a", "b"];
/// The coordinator.
pub const TPC_COORDINATOR: &str = "C";
/// The agents.
pub const TPC_AGENTS: &[&str] = &["a", "b"];
/// The transaction.
pub const TPC_TX: &str = "t1";
/// The round at whose end (after its deliveries) an undecided agent aborts unilaterally.
pub const TPC_TIMEOUT_ROUND: u64 = 5;
const TICK: &str = "tick";
const TIMEOUT: &str = "timeout";

/// Messages of 2pc-3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TpcMsg {
    /// Agent → coordinator: yes for this transaction.
    Vote(String),
    /// Coordinator → agent: commit this transaction.
    Commit(String),
}

fn prepared_fact() -> Value {
    json!(["prepared", TPC_TX])
}

fn vote_fact(agent: &str) -> Value {
    json!(["vote", agent, TPC_TX])
}

fn decide_fact() -> Value {
    json!(["decide", "commit", TPC_TX])
}

fn commit_fact() -> Value {
    json!(["commit", TPC_TX])
}

fn abort_fact() -> Value {
    json!(["abort", TPC_TX])
}

/// A decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Commit,
    Abort,
}

impl Decision {
    fn as_str(self) -> &'static str {
        match self {
            Decision::Commit => "commit",
            Decision::Abort => "abort",
        }
    }
}

/// A node of 2pc-3: the coordinator or an agent (by name).
#[derive(Debug, Clone)]
pub struct TwoPc {
    coordinator: bool,
    /// Coordinator: agents whose yes vote arrived.
    votes: BTreeSet<NodeId>,
    /// Coordinator: its outcome; agent: its decision.
    decision: Option<Decision>,
}

impl TwoPc {
    /// Node `me` of C, a, b.
    pub fn new(me: &NodeId) -> Self {
        TwoPc {
            coordinator: me == TPC_COORDINATOR,
            votes: BTreeSet::new(),
            decision: None,
        }
    }

    fn vote() -> Effect<TpcMsg> {
        Effect::send(TPC_COORDINATOR, TpcMsg::Vote(TPC_TX.into())).from([prepared_fact()])
    }

    /// The coordinator's round: decide once every vote is in, then send the decision.
    fn coordinate(&mut self) -> Vec<Effect<TpcMsg>> {
        let mut effects = Vec::new();
        let all_voted = TPC_AGENTS.iter().all(|agent| self.votes.contains(*agent));
        if self.decision.is_none() && all_voted {
            self.decision = Some(Decision::Commit);
            effects.push(
                Effect::derive(decide_fact()).from(TPC_AGENTS.iter().map(|agent| vote_fact(agent))),
            );
        }
        if self.decision == Some(Decision::Commit) {
            for agent in TPC_AGENTS {
                effects.push(
                    Effect::send(*agent, TpcMsg::Commit(TPC_TX.into())).from([decide_fact()]),
                );
            }
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }
}

impl Reactor for TwoPc {
    type Msg = TpcMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<TpcMsg>> {
        if self.coordinator {
            return vec![Effect::set_timer(TICK, 1)];
        }
        vec![
            Effect::derive(prepared_fact()),
            Self::vote(),
            Effect::set_timer(TICK, 1),
            Effect::set_timer(TIMEOUT, TPC_TIMEOUT_ROUND - 1),
        ]
    }

    fn on_message(&mut self, cx: &mut Cx<'_>, from: &NodeId, msg: TpcMsg) -> Vec<Effect<TpcMsg>> {
        match msg {
            TpcMsg::Vote(_) if self.coordinator => {
                self.votes.insert(from.clone());
                vec![Effect::derive(vote_fact(from))]
            }
            TpcMsg::Commit(_) if !self.coordinator => match self.decision {
                None | Some(Decision::Commit) => {
                    self.decision = Some(Decision::Commit);
                    // Up to the timeout round (deliveries come before timers) any commit
                    // receipt decides on its own: each is an alternative derivation. Later,
                    // an undecided agent has aborted, so a receipt re-derives the commit only
                    // because the agent had already committed: it rests on that decision.
                    let mut premises = vec![prepared_fact()];
                    if cx.lt > TPC_TIMEOUT_ROUND {
                        premises.push(commit_fact());
                    }
                    vec![Effect::derive(commit_fact()).from(premises)]
                }
                // Decided: an aborted agent ignores the late commit.
                Some(Decision::Abort) => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<TpcMsg>> {
        if self.coordinator {
            return self.coordinate();
        }
        if self.decision.is_some() {
            return Vec::new();
        }
        if timer == TIMEOUT {
            // The bug: a prepared agent that voted yes aborts on its own.
            self.decision = Some(Decision::Abort);
            return vec![Effect::derive(abort_fact()).from([prepared_fact()])];
        }
        vec![Self::vote(), Effect::set_timer(TICK, 1)]
    }

    fn state(&self) -> Value {
        let mut state = serde_json::Map::new();
        if self.coordinator {
            state.insert("votes".into(), json!(self.votes));
            if let Some(decision) = self.decision {
                state.insert("outcome".into(), json!(decision.as_str()));
            }
        } else {
            state.insert("prepared".into(), json!(true));
            if let Some(decision) = self.decision {
                state.insert("decision".into(), json!(decision.as_str()));
            }
        }
        Value::Object(state)
    }
}

/// The invariant of 2pc-3 (the paper's `2pc_assert`, agreement and termination, for agents),
/// at the end of the run: if some agent committed, then no agent aborted (agreement: no two
/// agents decide differently, crashed or not) and every agent that never crashed committed.
/// Vacuous when no agent committed.
///
/// Goal of a good run: the derive of `["commit", "t1"]` at every agent that committed — crashed
/// or not. Scope:
/// - every agent committed: [`GoalScope::FaultIndependent`]. In any run where every agent
///   derives the commit, no agent aborted (decisions are final: an agent that derives commit
///   never aborts, before or after) and every agent committed, so the property holds.
/// - some agent crashed undecided: [`GoalScope::SameCrashes`]. Let R' crash exactly the same
///   nodes, each no later than here, with every goal derive. The agents that never crash in R'
///   are those of this run, which all committed here (the run is good), so they commit in R';
///   the crashed agents that committed here commit in R' (and so never abort). A crashed agent
///   that did not commit here crashed undecided, hence at or before round
///   [`TPC_TIMEOUT_ROUND`] (else its timeout would have aborted it, and the run would be bad);
///   in R' it crashes no later, before its timeout fires, and nothing else makes an agent abort
///   (C never aborts). So no agent aborts in R' and the property holds.
///
/// `CrashedNodesExempt` would not be sufficient: from the failure-free run (goal: a's and b's
/// commits) it would exempt b whenever b crashes, but `omission C→b@2, crash C@3, crash b@6`
/// has a's commit, b crashed, and b aborted at round 5 before crashing: a violation of
/// agreement.
pub fn check_two_pc(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let crashed = crashed_nodes(trace);
    let decision = |agent: &str| string_field(states.get(agent), "decision");
    let committed: Vec<&str> = TPC_AGENTS
        .iter()
        .copied()
        .filter(|agent| decision(agent) == Some("commit"))
        .collect();
    let aborted: Vec<&str> = TPC_AGENTS
        .iter()
        .copied()
        .filter(|agent| decision(agent) == Some("abort"))
        .collect();
    let bad = |explanation: String| InvariantReport {
        holds: false,
        vacuous: false,
        goal: Goal::all_of(Vec::new(), GoalScope::SameCrashes),
        explanation,
    };
    let verb = |agents: &[&str], one: &'static str, many: &'static str| {
        if agents.len() == 1 { one } else { many }
    };
    if committed.is_empty() {
        let what = if aborted.is_empty() {
            "no agent decided".to_string()
        } else {
            format!("no agent committed ({} aborted)", and_list(&aborted))
        };
        return InvariantReport {
            holds: true,
            vacuous: true,
            goal: Goal::all_of(Vec::new(), GoalScope::SameCrashes),
            explanation: format!("vacuously true: {what}"),
        };
    }
    if !aborted.is_empty() {
        return bad(format!(
            "{} committed but {} aborted",
            and_list(&committed),
            and_list(&aborted)
        ));
    }
    let blocked: Vec<&str> = TPC_AGENTS
        .iter()
        .copied()
        .filter(|agent| !crashed.contains(*agent) && decision(agent).is_none())
        .collect();
    if !blocked.is_empty() {
        return bad(format!(
            "{} committed but {}, which never crashed, {} undecided",
            and_list(&committed),
            and_list(&blocked),
            verb(&blocked, "is", "are")
        ));
    }
    let goal: Vec<u64> = committed
        .iter()
        .filter_map(|agent| last_derive(trace, agent, &commit_fact()))
        .collect();
    let scope = if committed.len() == TPC_AGENTS.len() {
        GoalScope::FaultIndependent
    } else {
        GoalScope::SameCrashes
    };
    let explanation = if committed.len() == TPC_AGENTS.len() {
        format!("{} committed", and_list(&committed))
    } else {
        let undecided: Vec<&str> = TPC_AGENTS
            .iter()
            .copied()
            .filter(|agent| !committed.contains(agent))
            .collect();
        format!(
            "{} committed; {} crashed undecided",
            and_list(&committed),
            and_list(&undecided)
        )
    };
    InvariantReport {
        holds: true,
        vacuous: false,
        goal: Goal::all_of(goal, scope),
        explanation,
    }
}
