//! 2pc-ctp: Molly's `commit/2pc_ctp.ded`, two-phase commit with a coordinator timeout
//! (`2pc_timeout.ded`) and the cooperative termination protocol. Coordinator C, agents a, b, d,
//! one transaction `"hello"` that every agent can commit.
//!
//! Protocol, in rounds, exactly as the Dedalus program runs (a message sent in round t is
//! visible in round t + 1; `@next` facts hold from the next round; a timer armed for T rounds
//! in round t fires in round t + T - 1, Molly's `timeout_svc`):
//! - 2pc: C is `running` until the round after it first holds a decision and, while running,
//!   sends `prepare` to every agent every round. An agent, on each `prepare`, records
//!   `prepared` and votes yes. C holds each vote from its arrival. At the end of a round in
//!   which C holds a yes vote and no vote is `missing` (`missing_vote` needs `running`), C
//!   commits (`@next`). Every node that holds a decision sends it every round to every node it
//!   knows: C knows the agents; an agent knows the other agents and C. A receiver holds the
//!   decision from the arrival on.
//! - Timeout (`2pc_timeout`): C's timer of 4 rounds from round 1 fires in round 4; if a vote is
//!   missing then, C aborts (`@next`).
//! - Cooperative termination: every `prepare` arms a timer of 4 rounds at the agent. When one
//!   fires and the agent knows no decision, it sends `decision_req` to every node it knows. A
//!   node that receives one replies with the decision it holds (the same message as its
//!   every-round broadcast); a node that never prepared aborts on the spot (`gotta_abort`) —
//!   and C is such a node. A prepared, undecided node does nothing.
//!
//! Two quirks of the program, kept as they are: C aborts on any `decision_req` (it never
//! prepares), and once C stops running, `missing_vote` no longer holds, so C commits on any
//! yes vote two rounds after it aborted (and then holds both decisions).
//!
//! Failure-free: prepares from round 1, votes arrive in round 3, C commits at the end of round
//! 3 and sends commit from round 4; the agents hold it in round 5, before their first timeout
//! fires (later in round 5). Everybody commits.
//!
//! The bug (still blocking): C crashes after the votes and before its commits are out; every
//! agent is uncertain and cooperation cannot help. Counterexample at EOT 8 (and 6), EFF 0, one
//! crash: `crash C@4`. With EFF 0, an agent that crashes before voting also breaks it: C aborts
//! at the end of round 4 and commits two rounds later.
//!
//! Lineage: a vote rests on its `prepare`'s delivery; C's commit while running on every vote,
//! and once C has stopped running on any one vote (one derivation each); C's abort at its
//! timeout on its timer; a node's abort on a `decision_req` on that request (its fact names the
//! round: a request is a one-round event, so no other round's request is an alternative);
//! every decision send on the sender's decision; a receiver's decision on the delivery. An
//! agent whose timer fires knowing the decision derives `["known", "hello", t]` from it (Molly's
//! `known`, tagged with the round): the time-indexed fact that no request was sent then.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{EventKind, Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::commit_assert::{
    COMMIT_AGENTS, COMMIT_COORDINATOR, COMMIT_TX, Decision, EndState, check_commit, decisions_json,
    peers, prepared_fact, two_deciders, vote_fact,
};
use faultline_harness::end_state::last_derive;
use faultline_harness::{Cx, Effect, InvariantReport, Reactor, TimerId};

const TICK: &str = "tick";
/// C's timer (`timer_svc(C, X, 4) :- begin(C, X)`): fires in round 4.
const COORDINATOR_TIMEOUT: &str = "timeout";
/// Rounds from arming to firing of a 4-round timer (`timeout_svc`: T - 1).
const TIMER_AFTER: u64 = 3;
/// The earliest round an agent's timer can fire: a `prepare` arrives in round 2 at the soonest.
const FIRST_AGENT_TIMEOUT: u64 = 2 + TIMER_AFTER;

/// Messages of 2pc-ctp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CtpMsg {
    /// Coordinator → agent: prepare this transaction.
    Prepare(String),
    /// Agent → coordinator: yes for this transaction.
    Vote(String),
    /// Any node → any node: commit this transaction.
    Commit(String),
    /// Any node → any node: abort this transaction.
    Abort(String),
    /// Agent → the nodes it knows: what was decided?
    DecisionReq(String),
}

fn known_fact(round: u64) -> Value {
    json!(["known", COMMIT_TX, round])
}

fn request_fact(from: &str, round: u64) -> Value {
    json!(["decision_req", from, COMMIT_TX, round])
}

/// A node of 2pc-ctp: the coordinator C or an agent (by name).
#[derive(Debug, Clone)]
pub struct Commit2pcCtp {
    coordinator: bool,
    /// The run's last round: a decision derived `@next` in round EOT would hold after the run.
    eot: u64,
    /// Coordinator: agents whose yes vote arrived.
    votes: BTreeSet<NodeId>,
    /// The first round in which the node holds each decision (decisions persist).
    held_from: BTreeMap<&'static str, u64>,
    /// Agent: a `prepare` arrived.
    prepared: bool,
    /// Senders of the `decision_req`s that arrived this round, and the round.
    requests: (u64, BTreeSet<NodeId>),
}

impl Commit2pcCtp {
    /// Node `me` of a, b, C, d in a run of `eot` rounds.
    pub fn new(me: &NodeId, eot: u64) -> Self {
        Commit2pcCtp {
            coordinator: me == COMMIT_COORDINATOR,
            eot,
            votes: BTreeSet::new(),
            held_from: BTreeMap::new(),
            prepared: false,
            requests: (0, BTreeSet::new()),
        }
    }

    fn holds(&self, decision: Decision, round: u64) -> bool {
        self.held_from
            .get(decision.as_str())
            .is_some_and(|from| *from <= round)
    }

    /// Records that the node holds `decision` from `round` on (the earliest round wins).
    fn hold(&mut self, decision: Decision, round: u64) {
        let from = self.held_from.entry(decision.as_str()).or_insert(round);
        *from = (*from).min(round);
    }

    /// `running(t)`: no decision held in any round before t.
    fn running(&self, round: u64) -> bool {
        self.held_from.values().all(|from| round <= *from)
    }

    fn missing_vote(&self, round: u64) -> bool {
        self.running(round) && COMMIT_AGENTS.iter().any(|a| !self.votes.contains(*a))
    }

    /// The nodes this one knows (Molly's `agent(N, _)`): C knows the agents; an agent knows
    /// the other agents and C.
    fn known_nodes(me: &str) -> Vec<&'static str> {
        if me == COMMIT_COORDINATOR {
            return COMMIT_AGENTS.to_vec();
        }
        let mut nodes: Vec<&'static str> = peers(me).collect();
        nodes.push(COMMIT_COORDINATOR);
        nodes
    }

    /// The requests of `round` (none if the last ones arrived in an earlier round).
    fn requests_in(&self, round: u64) -> Vec<NodeId> {
        if self.requests.0 == round {
            self.requests.1.iter().cloned().collect()
        } else {
            Vec::new()
        }
    }

    /// The round's rules, after its deliveries and timers.
    fn tick(&mut self, me: &NodeId, round: u64) -> Vec<Effect<CtpMsg>> {
        let mut effects = Vec::new();
        // gotta_abort(N, R, X) :- decision_req(N, R, X), notin prepared(N, _, X, _);
        // abort(N, X) :- gotta_abort(N, _, X). C never prepares.
        let requests = self.requests_in(round);
        if !self.prepared && !requests.is_empty() {
            self.hold(Decision::Abort, round);
            for from in &requests {
                effects
                    .push(Effect::derive(Decision::Abort.fact()).from([request_fact(from, round)]));
            }
        }
        let running = self.running(round);
        // Every holder of a decision sends it to every node it knows, every round; a reply to a
        // `decision_req` is the same message.
        for decision in [Decision::Commit, Decision::Abort] {
            if self.holds(decision, round) {
                for node in Self::known_nodes(me) {
                    let msg = match decision {
                        Decision::Commit => CtpMsg::Commit(COMMIT_TX.into()),
                        Decision::Abort => CtpMsg::Abort(COMMIT_TX.into()),
                    };
                    effects.push(Effect::send(node, msg).from([decision.fact()]));
                }
            }
        }
        if self.coordinator {
            if running {
                for agent in COMMIT_AGENTS {
                    effects.push(Effect::send(*agent, CtpMsg::Prepare(COMMIT_TX.into())));
                }
            }
            effects.extend(self.commit_next(round));
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    /// `commit(C, X)@next :- vote(C, _, X, "Y"), notin missing_vote(C, X)`.
    fn commit_next(&mut self, round: u64) -> Vec<Effect<CtpMsg>> {
        if self.held_from.contains_key(Decision::Commit.as_str())
            || self.votes.is_empty()
            || self.missing_vote(round)
            || round >= self.eot
        {
            return Vec::new();
        }
        self.hold(Decision::Commit, round + 1);
        let votes: Vec<Value> = self.votes.iter().map(|agent| vote_fact(agent)).collect();
        if self.running(round) {
            // Every vote is in: the derivation needs them all.
            vec![Effect::derive(Decision::Commit.fact()).from(votes)]
        } else {
            // Not running: any one yes vote suffices, each an alternative derivation.
            votes
                .into_iter()
                .map(|vote| Effect::derive(Decision::Commit.fact()).from([vote]))
                .collect()
        }
    }

    /// C's timer: `abort(C, X)@next :- timeout(C, X), missing_vote(C, X)`.
    fn coordinator_timeout(&mut self, round: u64) -> Vec<Effect<CtpMsg>> {
        if !self.missing_vote(round) || round >= self.eot || self.holds(Decision::Abort, round) {
            return Vec::new();
        }
        self.hold(Decision::Abort, round + 1);
        vec![Effect::derive(Decision::Abort.fact())]
    }

    /// An agent's timer: ask every node it knows, unless it knows the decision.
    fn agent_timeout(&self, me: &NodeId, round: u64) -> Vec<Effect<CtpMsg>> {
        let known = [Decision::Commit, Decision::Abort]
            .into_iter()
            .find(|decision| self.holds(*decision, round));
        match known {
            Some(decision) => vec![Effect::derive(known_fact(round)).from([decision.fact()])],
            None => Self::known_nodes(me)
                .into_iter()
                .map(|node| Effect::send(node, CtpMsg::DecisionReq(COMMIT_TX.into())))
                .collect(),
        }
    }
}

impl Reactor for Commit2pcCtp {
    type Msg = CtpMsg;

    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<CtpMsg>> {
        if self.coordinator {
            // begin("C", "hello")@1; timer_svc(C, X, 4) :- begin(C, X).
            let mut effects = vec![Effect::set_timer(COORDINATOR_TIMEOUT, TIMER_AFTER)];
            effects.extend(self.tick(cx.me, cx.lt));
            return effects;
        }
        vec![Effect::set_timer(TICK, 1)]
    }

    fn on_message(&mut self, cx: &mut Cx<'_>, from: &NodeId, msg: CtpMsg) -> Vec<Effect<CtpMsg>> {
        let round = cx.lt;
        match msg {
            CtpMsg::Vote(_) if self.coordinator => {
                self.votes.insert(from.clone());
                vec![Effect::derive(vote_fact(from))]
            }
            CtpMsg::Prepare(_) if !self.coordinator => {
                // vote@async and prepared :- prepare, can; timer_svc(A, X, 4) :- prepare, can.
                self.prepared = true;
                vec![
                    Effect::derive(prepared_fact()),
                    Effect::send(from.clone(), CtpMsg::Vote(COMMIT_TX.into())),
                    Effect::set_timer(format!("timeout@{round}"), TIMER_AFTER),
                ]
            }
            CtpMsg::Commit(_) | CtpMsg::Abort(_) => {
                let decision = match msg {
                    CtpMsg::Commit(_) => Decision::Commit,
                    _ => Decision::Abort,
                };
                self.hold(decision, round);
                vec![Effect::derive(decision.fact())]
            }
            CtpMsg::DecisionReq(_) => {
                if self.requests.0 != round {
                    self.requests = (round, BTreeSet::new());
                }
                self.requests.1.insert(from.clone());
                vec![Effect::derive(request_fact(from, round))]
            }
            _ => Vec::new(),
        }
    }

    fn on_timer(&mut self, cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<CtpMsg>> {
        // Timers armed earlier fire first within a round (the rounds model), so a timeout due
        // this round runs before this round's tick, after its deliveries.
        match (self.coordinator, timer.as_str()) {
            (_, TICK) => self.tick(cx.me, cx.lt),
            (true, _) => self.coordinator_timeout(cx.lt),
            (false, _) => self.agent_timeout(cx.me, cx.lt),
        }
    }

    fn state(&self) -> Value {
        let decisions = decisions_json(
            self.held_from.contains_key(Decision::Commit.as_str()),
            self.held_from.contains_key(Decision::Abort.as_str()),
        );
        if self.coordinator {
            json!({ "votes": self.votes, "decisions": decisions })
        } else {
            json!({ "prepared": self.prepared, "decisions": decisions })
        }
    }
}

/// The invariant of 2pc-ctp: Molly's `2pc_assert` (see `commit_assert`).
///
/// Goal of a good run in which every decision is commit, C's commit was derived by the end of
/// round 4 while it was running, and every agent alive in round 5 (when agents' timers can first
/// fire) knew the decision then: C's commit, each such agent's `["known", "hello", 5]` and two
/// deciders. Scope [`GoalScope::CrashedNodesExempt`] with no exempt event: it binds the fault
/// sets that crash every node this run crashed, each no later. Sufficient: in such a run where
/// those events occur, C held every vote by round 4 (its commit needed them while running), so
/// its timer does not abort; every agent that can time out (alive in round 5; the others crash
/// no later than here, before round 5) holds commit from round 5 on, so no `decision_req` is
/// ever sent; with no request nobody aborts on one; so no node ever aborts (agreement), and C
/// plus each such agent hold commit (termination).
///
/// Other good runs teach nothing (an empty goal): in an all-abort run C commits later on any
/// vote (see the module doc), and what stops that is the absence of votes, which no event shows.
pub fn check_2pc_ctp(trace: &Trace) -> InvariantReport {
    check_commit(trace, goal)
}

fn goal(trace: &Trace, end: &EndState) -> Option<Goal> {
    if end.agreed()? != Decision::Commit {
        return None;
    }
    // C never aborted (decisions persist), so it ran until its own commit, derived once.
    let coordinator_commit = trace.events.iter().find(|event| {
        event.kind == EventKind::Derive
            && event.node.as_deref() == Some(COMMIT_COORDINATOR)
            && event.fact == Some(Decision::Commit.fact())
    })?;
    if coordinator_commit.lt >= FIRST_AGENT_TIMEOUT {
        return None;
    }
    // Agents' timers fire from round 5 on; a run that ends earlier has none.
    let reaches_timeouts = trace.events.iter().any(|e| e.lt >= FIRST_AGENT_TIMEOUT);
    let mut all_of = vec![coordinator_commit.id];
    for agent in COMMIT_AGENTS {
        let crashed_by_timeout = trace.events.iter().any(|e| {
            e.kind == EventKind::Crash
                && e.node.as_deref() == Some(*agent)
                && e.lt <= FIRST_AGENT_TIMEOUT
        });
        if reaches_timeouts && !crashed_by_timeout {
            // Its first timer fired in round 5 knowing the decision (else: no lesson).
            all_of.push(last_derive(trace, agent, &known_fact(FIRST_AGENT_TIMEOUT))?);
        }
    }
    let derives = end.decision_derives(trace, Decision::Commit);
    Some(Goal {
        any_of: two_deciders(&derives),
        exempt_if_crashed: Some(BTreeMap::new()),
        ..Goal::all_of(all_of, GoalScope::CrashedNodesExempt)
    })
}
