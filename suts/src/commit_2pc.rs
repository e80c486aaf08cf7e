//! 2pc: Molly's `commit/2pc.ded`, the LDFI paper's blocking two-phase commit (Figure 8).
//! Coordinator C, agents a, b, d, one transaction `"hello"` that every agent can commit.
//!
//! Protocol, in rounds, exactly as the Dedalus program runs (a message sent in round t is
//! visible in round t + 1; `@next` facts hold from the next round):
//! - C is `running` from round 1 until the round after it first holds a decision, and while
//!   running sends `prepare` to every agent every round.
//! - An agent, on each `prepare`, records `prepared` and votes yes to C.
//! - C holds each vote from its arrival on. At the end of a round in which it holds some yes
//!   vote and no agent's vote is missing, C commits (`commit@next`: held from the next round).
//! - Every node that holds commit sends it, every round, to every agent it knows (C knows the
//!   agents, agents know each other); an agent holds commit from the round a `commit` arrives.
//! - No timeouts, and no abort: every agent can commit, so no vote is no.
//!
//! Failure-free: prepares in round 1, votes in round 2, C commits at the end of round 3 (held
//! from 4) and sends commit in round 4; the agents hold it in round 5.
//!
//! The bug (blocking): if C crashes after the agents prepared and before its commits are out,
//! no agent ever decides, and nothing times out. Minimal counterexample at EOT 5, EFF 0, one
//! crash: `crash C@4` (C holds its decision, decided at the end of round 3, but sends nothing;
//! only one node decided) or `crash C@2`/`@3` (C never decides).
//!
//! Lineage: a vote rests on its `prepare`'s delivery, C's commit on the vote of every agent,
//! every `commit` send on the sender's commit, an agent's commit on the delivery that brought
//! it (each receipt is an alternative derivation). C's prepares rest on its rounds (its tick
//! chain from `init`): `running` needs nothing else.
//!
//! Goal of a good run: termination's "two distinct nodes decided" as one `any_of` group per
//! node X (the decision derives at the nodes other than X); agreement needs nothing, since
//! nothing can derive an abort. Fault independent: a node that derived commit holds it to the
//! end, crashed or not (decisions of crashed nodes count, as in Molly), whatever the faults.

use std::collections::BTreeSet;

use faultline_trace::{Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::commit_assert::{
    COMMIT_AGENTS, COMMIT_COORDINATOR, COMMIT_TX, Decision, EndState, check_commit, decisions_json,
    peers, prepared_fact, two_deciders, vote_fact,
};
use faultline_harness::{Cx, Effect, InvariantReport, Reactor, TimerId};

const TICK: &str = "tick";

/// Messages of 2pc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoPcMsg {
    /// Coordinator → agent: prepare this transaction.
    Prepare(String),
    /// Agent → coordinator: yes for this transaction.
    Vote(String),
    /// Any node → agent: commit this transaction.
    Commit(String),
}

/// A node of 2pc: the coordinator C or an agent (by name).
#[derive(Debug, Clone)]
pub struct Commit2pc {
    coordinator: bool,
    /// The run's last round: a decision derived `@next` in round EOT would hold after the run.
    eot: u64,
    /// Coordinator: agents whose yes vote arrived.
    votes: BTreeSet<NodeId>,
    /// Coordinator: the round from which it holds commit.
    commit_from: Option<u64>,
    /// Agent: a `prepare` arrived.
    prepared: bool,
    /// Agent: a `commit` arrived.
    committed: bool,
}

impl Commit2pc {
    /// Node `me` of a, b, C, d in a run of `eot` rounds.
    pub fn new(me: &NodeId, eot: u64) -> Self {
        Commit2pc {
            coordinator: me == COMMIT_COORDINATOR,
            eot,
            votes: BTreeSet::new(),
            commit_from: None,
            prepared: false,
            committed: false,
        }
    }

    /// The coordinator's round `round` (after the round's deliveries).
    fn coordinate(&mut self, round: u64) -> Vec<Effect<TwoPcMsg>> {
        let mut effects = Vec::new();
        let commit = self.commit_from.is_some_and(|from| from <= round);
        // running(t + 1) :- running(t), notin commit(t): running through the first round of
        // commit.
        let running = self.commit_from.is_none_or(|from| round <= from);
        if commit {
            for agent in COMMIT_AGENTS {
                effects.push(
                    Effect::send(*agent, TwoPcMsg::Commit(COMMIT_TX.into()))
                        .from([Decision::Commit.fact()]),
                );
            }
        }
        if running {
            for agent in COMMIT_AGENTS {
                effects.push(Effect::send(*agent, TwoPcMsg::Prepare(COMMIT_TX.into())));
            }
        }
        // commit@next :- vote(C, _, X, "Y"), notin missing_vote(C, X), where missing_vote
        // needs `running`. Derived once: later rounds re-derive it from the same votes.
        let missing_vote = running && COMMIT_AGENTS.iter().any(|a| !self.votes.contains(*a));
        if self.commit_from.is_none() && !self.votes.is_empty() && !missing_vote && round < self.eot
        {
            self.commit_from = Some(round + 1);
            let votes: Vec<Value> = self.votes.iter().map(|agent| vote_fact(agent)).collect();
            effects.push(Effect::derive(Decision::Commit.fact()).from(votes));
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    /// An agent's round: forward commit to the other agents while holding it.
    fn forward(&self, me: &NodeId) -> Vec<Effect<TwoPcMsg>> {
        let mut effects = Vec::new();
        if self.committed {
            for peer in peers(me) {
                effects.push(
                    Effect::send(peer, TwoPcMsg::Commit(COMMIT_TX.into()))
                        .from([Decision::Commit.fact()]),
                );
            }
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }
}

impl Reactor for Commit2pc {
    type Msg = TwoPcMsg;

    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<TwoPcMsg>> {
        if self.coordinator {
            // begin("C", "hello")@1: round 1 is C's first round.
            return self.coordinate(cx.lt);
        }
        vec![Effect::set_timer(TICK, 1)]
    }

    fn on_message(
        &mut self,
        _cx: &mut Cx<'_>,
        from: &NodeId,
        msg: TwoPcMsg,
    ) -> Vec<Effect<TwoPcMsg>> {
        match (self.coordinator, msg) {
            (true, TwoPcMsg::Vote(_)) => {
                self.votes.insert(from.clone());
                vec![Effect::derive(vote_fact(from))]
            }
            (false, TwoPcMsg::Prepare(_)) => {
                // vote(C, A, X, "Y")@async :- prepare(A, C, X), can(A, X); prepared likewise.
                self.prepared = true;
                vec![
                    Effect::derive(prepared_fact()),
                    Effect::send(from.clone(), TwoPcMsg::Vote(COMMIT_TX.into())),
                ]
            }
            (false, TwoPcMsg::Commit(_)) => {
                self.committed = true;
                vec![Effect::derive(Decision::Commit.fact())]
            }
            _ => Vec::new(),
        }
    }

    fn on_timer(&mut self, cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<TwoPcMsg>> {
        if self.coordinator {
            self.coordinate(cx.lt)
        } else {
            self.forward(cx.me)
        }
    }

    fn state(&self) -> Value {
        if self.coordinator {
            json!({
                "votes": self.votes,
                "decisions": decisions_json(self.commit_from.is_some(), false),
            })
        } else {
            json!({
                "prepared": self.prepared,
                "decisions": decisions_json(self.committed, false),
            })
        }
    }
}

/// The invariant of 2pc: Molly's `2pc_assert` (see `commit_assert`).
///
/// Goal of a good run: termination's two deciders (one `any_of` group per node), fault
/// independent. Sufficient under any faults: decisions are never retracted and a crashed node
/// keeps its state, so wherever those derives occur two distinct nodes hold commit at EOT; and
/// no rule of 2pc derives abort (every agent can commit), so agreement always holds.
pub fn check_2pc(trace: &Trace) -> InvariantReport {
    check_commit(trace, goal)
}

fn goal(trace: &Trace, end: &EndState) -> Option<Goal> {
    let derives = end.decision_derives(trace, Decision::Commit);
    let any_of = if end.prepared.is_empty() {
        // Termination is vacuous; agreement holds in every run.
        vec![derives.iter().map(|(_, event)| *event).collect()]
    } else {
        two_deciders(&derives)
    };
    Some(Goal {
        any_of,
        ..Goal::all_of(Vec::new(), GoalScope::FaultIndependent)
    })
}
