//! 3pc: Molly's `commit/3pc.ded`, the LDFI paper's three-phase commit (Figure 9). Coordinator
//! C, agents a, b, d, one transaction `"hello"` that every agent can commit.
//!
//! Protocol, in rounds, exactly as the Dedalus program runs (a message sent in round t is
//! visible in round t + 1; `@next` facts hold from the next round; a timer armed for T rounds in
//! round t fires in round t + T - 1, Molly's `timeout_svc`; a `timer_cancel` in round t stops
//! the timers that would fire after t):
//! - C, in round 1, sends `cancommit` to every agent and arms a 5-round timer (fires in 5).
//! - An agent, on `cancommit`, records `prepared`, votes yes and arms a 4-round timer.
//! - C holds each vote from its arrival. In a round in which a vote arrives, no vote is missing
//!   and C has not aborted (`authorized`), C sends `precommit` to every agent.
//! - An agent, on `precommit`, is `precommitted` from then on; if prepared, it acks, cancels its
//!   timer and arms a new 4-round one.
//! - C, at the end of a round in which an ack arrives and no agent's ack is missing (acks are
//!   one-round events), commits (`@next`). When C's timer fires with an ack missing and no
//!   commit, C aborts (`@next`).
//! - An agent whose timer fires: if precommitted and not aborted, it commits (on the spot); if
//!   not precommitted and not committed, it aborts (`@next`).
//! - Every node that holds a decision sends it every round to the agents it knows (C knows the
//!   agents, agents know each other; C hears from nobody); a receiver holds it from the
//!   arrival. Abort persists; commit persists only while the node holds no abort.
//!
//! Failure-free: cancommit in 1, votes in 2, precommit in 3, acks in 4, C commits at the end of
//! round 5 (held from 6) and sends commit from 6; the agents' second timers fire in round 7 and
//! commit (so do C's commits, arriving in 7).
//!
//! The bug (agreement, under omissions and a crash, EOT 9, EFF 7): an agent's ack is missing
//! (it crashed, or the ack is lost), so C aborts at the end of round 5, and C's aborts of round
//! 6 to the other agents are lost. Those agents are precommitted: their timers commit them in
//! round 7, and they keep sending commit to each other while C (and soon they too) hold abort.
//! Minimal: `omission d→C@4, omission C→a@6` (or `crash d@4` for the first): a commits in round
//! 7, and its commits keep reaching b and d, who keep sending commit back (Figure 9 loses C's
//! aborts to a and b both). Without omissions (EFF 0) one crash cannot split it (8/0/1
//! certifies, as in the paper), but two can: C aborts for a crashed agent's missing ack at the
//! end of round 5 and crashes in round 6, before its aborts are out, while the other agents
//! commit in round 7 (`crash d@4, crash C@6` at 8/0/2).
//!
//! Molly's CounterexampleSuite expects 3pc to hold at 8/0/2. The program does not: in Molly a
//! crashed node only stops sending and keeps deriving, so C aborts at the end of round 5 for
//! any crash of C in rounds 4 to 6 (with d crashed in 3 or 4), and a and b commit in round 7.
//! Molly's search does not reach those sets (its lineage has no negation, and C's abort rests
//! on a missing ack); exhaustive enumeration does. Here a crashed node runs no handler
//! (DESIGN.md), so C must have decided before it crashes: only `crash C@6` splits.
//!
//! Lineage: a vote rests on the `cancommit` delivery; a precommit on every vote (the last of
//! them arrives in the round it is sent: each agent votes once); an ack on the `precommit`
//! delivery and `prepared`; C's commit on the acks of its round (facts tagged with the round,
//! since an ack is a one-round event); C's abort and an agent's abort on their timer (what
//! triggers them is an absence); an agent's commit at its timer on `precommitted`; decision
//! sends on the sender's decision; a receiver's decision on the delivery. Agents do not send
//! Molly's `gotcommit` (no rule reads it).

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
/// C's timer (`timer_svc(C, X, 5) :- begin(C, X)`): armed in round 1, fires in round 5.
const COORDINATOR_TIMEOUT: &str = "timeout";
const COORDINATOR_AFTER: u64 = 4;
/// Rounds from arming to firing of an agent's 4-round timer.
const AGENT_AFTER: u64 = 3;
/// The round C's timer fires: C decides at its end, if at all.
const DECISION_ROUND: u64 = 1 + COORDINATOR_AFTER;

/// Messages of 3pc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreePcMsg {
    /// Coordinator → agent: can you commit this transaction?
    Cancommit(String),
    /// Agent → coordinator: yes.
    VoteMsg(String),
    /// Coordinator → agent: every agent voted yes; get ready to commit.
    Precommit(String),
    /// Agent → coordinator: precommitted.
    Ack(String),
    /// Any node → agent: commit.
    Commit(String),
    /// Any node → agent: abort.
    Abort(String),
}

fn precommitted_fact() -> Value {
    json!(["precommitted", COMMIT_TX])
}

/// An ack is a one-round event: its fact names the round it arrived in.
fn ack_fact(agent: &str, round: u64) -> Value {
    json!(["ack", agent, COMMIT_TX, round])
}

/// A node of 3pc: the coordinator C or an agent (by name).
#[derive(Debug, Clone)]
pub struct Commit3pc {
    coordinator: bool,
    /// The run's last round: a decision derived `@next` in round EOT would hold after the run.
    eot: u64,
    /// The round the node's facts are about (handlers run round by round).
    round: u64,
    /// Coordinator: agents whose vote arrived; `vote_round`: the round of the latest arrival.
    votes: BTreeSet<NodeId>,
    vote_round: u64,
    /// Coordinator: agents whose ack arrived this round.
    acks: BTreeSet<NodeId>,
    /// Agent: `prepared`, `precommitted`.
    prepared: bool,
    precommitted: bool,
    /// Agent: armed timers, name → round due.
    timers: BTreeMap<TimerId, u64>,
    /// Holds commit this round.
    commit: bool,
    /// The round from which the node holds commit (coordinator: derived `@next`).
    commit_from: Option<u64>,
    /// The round from which the node holds abort (abort persists).
    abort_from: Option<u64>,
}

impl Commit3pc {
    /// Node `me` of a, b, C, d in a run of `eot` rounds.
    pub fn new(me: &NodeId, eot: u64) -> Self {
        Commit3pc {
            coordinator: me == COMMIT_COORDINATOR,
            eot,
            round: 1,
            votes: BTreeSet::new(),
            vote_round: 0,
            acks: BTreeSet::new(),
            prepared: false,
            precommitted: false,
            timers: BTreeMap::new(),
            commit: false,
            commit_from: None,
            abort_from: None,
        }
    }

    fn aborted(&self, round: u64) -> bool {
        self.abort_from.is_some_and(|from| from <= round)
    }

    /// Moves the node's facts to `round`: acks are one-round events; commit carries over
    /// (`commit@next :- commit, notin abort`), and a coordinator's `@next` commit starts.
    fn enter(&mut self, round: u64) {
        while self.round < round {
            self.commit = self.commit && !self.aborted(self.round);
            self.round += 1;
            self.acks.clear();
            if self.commit_from == Some(self.round) {
                self.commit = true;
            }
        }
    }

    /// `running(t)`: no decision held in any round before t.
    fn running(&self, round: u64) -> bool {
        [self.commit_from, self.abort_from]
            .iter()
            .flatten()
            .all(|from| round <= *from)
    }

    fn missing_ack(&self, round: u64) -> bool {
        self.running(round) && COMMIT_AGENTS.iter().any(|a| !self.acks.contains(*a))
    }

    fn send_all(
        to: impl IntoIterator<Item = &'static str>,
        msg: &ThreePcMsg,
        from: &[Value],
    ) -> Vec<Effect<ThreePcMsg>> {
        to.into_iter()
            .map(|node| Effect::send(node, msg.clone()).from(from.to_vec()))
            .collect()
    }

    /// Every holder of a decision sends it to the agents it knows, every round.
    fn broadcast(&self, me: &str, round: u64) -> Vec<Effect<ThreePcMsg>> {
        let known: Vec<&'static str> = if self.coordinator {
            COMMIT_AGENTS.to_vec()
        } else {
            peers(me).collect()
        };
        let mut effects = Vec::new();
        if self.commit {
            let msg = ThreePcMsg::Commit(COMMIT_TX.into());
            effects.extend(Self::send_all(
                known.clone(),
                &msg,
                &[Decision::Commit.fact()],
            ));
        }
        if self.aborted(round) {
            let msg = ThreePcMsg::Abort(COMMIT_TX.into());
            effects.extend(Self::send_all(known, &msg, &[Decision::Abort.fact()]));
        }
        effects
    }

    /// The coordinator's rules of the round, after its deliveries (and its timer).
    fn coordinate(&mut self, round: u64) -> Vec<Effect<ThreePcMsg>> {
        let mut effects = Vec::new();
        // authorized(C, X) :- vote_msg(C, _, X, "Y"), notin missing_vote(C, X),
        // notin abort(C, X); precommit(A, C, X)@async :- authorized(C, X), agent(C, A).
        let missing_vote =
            self.running(round) && COMMIT_AGENTS.iter().any(|a| !self.votes.contains(*a));
        if self.vote_round == round && !missing_vote && !self.aborted(round) {
            let votes: Vec<Value> = self.votes.iter().map(|agent| vote_fact(agent)).collect();
            let msg = ThreePcMsg::Precommit(COMMIT_TX.into());
            effects.extend(Self::send_all(COMMIT_AGENTS.iter().copied(), &msg, &votes));
        }
        // commit(C, X)@next :- ack(C, _, X), notin missing_ack(C, X), notin abort(C, X).
        let decided = self.commit_from.is_some();
        if !decided
            && !self.acks.is_empty()
            && !self.missing_ack(round)
            && !self.aborted(round)
            && round < self.eot
        {
            self.commit_from = Some(round + 1);
            let acks: Vec<Value> = self.acks.iter().map(|a| ack_fact(a, round)).collect();
            effects.push(Effect::derive(Decision::Commit.fact()).from(acks));
        }
        effects.extend(self.broadcast(COMMIT_COORDINATOR, round));
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    /// C's timer: `abort(C, X)@next :- timeout(C, X), missing_ack(C, X), notin commit(C, X)`.
    fn coordinator_timeout(&mut self, round: u64) -> Vec<Effect<ThreePcMsg>> {
        if !self.missing_ack(round) || self.commit || self.abort_from.is_some() || round >= self.eot
        {
            return Vec::new();
        }
        self.abort_from = Some(round + 1);
        vec![Effect::derive(Decision::Abort.fact())]
    }

    /// An agent's timer.
    fn agent_timeout(&mut self, round: u64) -> Vec<Effect<ThreePcMsg>> {
        if self.precommitted && !self.aborted(round) {
            // commit(A, X) :- timeout(A, X), precommitted(A, C, X), notin abort(A, X).
            self.commit = true;
            return vec![Effect::derive(Decision::Commit.fact()).from([precommitted_fact()])];
        }
        // abort(A, X)@next :- timeout(A, X), notin coordinator(A, A),
        // notin precommitted(A, _, X), notin commit(A, X).
        if !self.precommitted && !self.commit && self.abort_from.is_none() && round < self.eot {
            self.abort_from = Some(round + 1);
            return vec![Effect::derive(Decision::Abort.fact())];
        }
        Vec::new()
    }

    /// Arms a 4-round agent timer in `round`.
    fn arm(&mut self, round: u64) -> Effect<ThreePcMsg> {
        let id = format!("timeout@{round}");
        self.timers.insert(id.clone(), round + AGENT_AFTER);
        Effect::set_timer(id, AGENT_AFTER)
    }
}

impl Reactor for Commit3pc {
    type Msg = ThreePcMsg;

    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<ThreePcMsg>> {
        self.enter(cx.lt);
        if !self.coordinator {
            return vec![Effect::set_timer(TICK, 1)];
        }
        // begin("C", "hello")@1: cancommit@async :- begin; timer_svc(C, X, 5) :- begin.
        let msg = ThreePcMsg::Cancommit(COMMIT_TX.into());
        let mut effects = Self::send_all(COMMIT_AGENTS.iter().copied(), &msg, &[]);
        effects.push(Effect::set_timer(COORDINATOR_TIMEOUT, COORDINATOR_AFTER));
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn on_message(
        &mut self,
        cx: &mut Cx<'_>,
        from: &NodeId,
        msg: ThreePcMsg,
    ) -> Vec<Effect<ThreePcMsg>> {
        let round = cx.lt;
        self.enter(round);
        match (self.coordinator, msg) {
            (true, ThreePcMsg::VoteMsg(_)) => {
                self.votes.insert(from.clone());
                self.vote_round = round;
                vec![Effect::derive(vote_fact(from))]
            }
            (true, ThreePcMsg::Ack(_)) => {
                self.acks.insert(from.clone());
                vec![Effect::derive(ack_fact(from, round))]
            }
            (false, ThreePcMsg::Cancommit(_)) => {
                // vote_msg@async and prepared :- cancommit, can; timer_svc(A, X, 4) :- cancommit.
                self.prepared = true;
                vec![
                    Effect::derive(prepared_fact()),
                    Effect::send(from.clone(), ThreePcMsg::VoteMsg(COMMIT_TX.into())),
                    self.arm(round),
                ]
            }
            (false, ThreePcMsg::Precommit(_)) => {
                self.precommitted = true;
                let mut effects = vec![Effect::derive(precommitted_fact())];
                if self.prepared {
                    // ack@async, timer_cancel, timer_svc(A, X, 4) :- precommit, prepared.
                    effects.push(
                        Effect::send(from.clone(), ThreePcMsg::Ack(COMMIT_TX.into()))
                            .from([prepared_fact()]),
                    );
                    let later: Vec<TimerId> = self
                        .timers
                        .iter()
                        .filter(|(_, due)| **due > round)
                        .map(|(id, _)| id.clone())
                        .collect();
                    for id in later {
                        self.timers.remove(&id);
                        effects.push(Effect::cancel_timer(id));
                    }
                    effects.push(self.arm(round));
                }
                effects
            }
            (false, ThreePcMsg::Commit(_)) => {
                self.commit = true;
                vec![Effect::derive(Decision::Commit.fact())]
            }
            (false, ThreePcMsg::Abort(_)) => {
                if !self.aborted(round) {
                    self.abort_from = Some(round);
                }
                vec![Effect::derive(Decision::Abort.fact())]
            }
            _ => Vec::new(),
        }
    }

    fn on_timer(&mut self, cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<ThreePcMsg>> {
        let round = cx.lt;
        self.enter(round);
        // Timers armed earlier fire first within a round (the rounds model), so a timeout due
        // this round runs after its deliveries and before its tick.
        match (self.coordinator, timer.as_str()) {
            (true, TICK) => self.coordinate(round),
            (false, TICK) => {
                let mut effects = self.broadcast(cx.me, round);
                effects.push(Effect::set_timer(TICK, 1));
                effects
            }
            (true, _) => self.coordinator_timeout(round),
            (false, _) => {
                self.timers.remove(timer);
                self.agent_timeout(round)
            }
        }
    }

    fn state(&self) -> Value {
        let abort = self.abort_from.is_some();
        // The coordinator's commit is held from `commit_from`, derived at the end of the round
        // before: it is a decision of the end state either way.
        let commit = self.commit || (self.coordinator && self.commit_from.is_some());
        if self.coordinator {
            json!({ "votes": self.votes, "decisions": decisions_json(commit, abort) })
        } else {
            json!({
                "prepared": self.prepared,
                "precommitted": self.precommitted,
                "decisions": decisions_json(commit, abort),
            })
        }
    }
}

/// The invariant of 3pc: Molly's `2pc_assert` (see `commit_assert`).
///
/// What derives abort in 3pc is an absence (of an ack at C's timer, of a `precommit` at an
/// agent's first timer), which no event shows; so a goal holds only where the run also shows
/// that nothing can commit, or that nothing can abort. Goals (unlisted kinds teach nothing):
/// - **C committed** (everybody holds commit): C's commit and two deciders, fault independent.
///   C's commit at the end of round 5 rests on the acks that arrived in round 5, sent in round
///   4 (none can be sent earlier) by agents that got `precommit` in round 4 while prepared; each
///   thereby cancelled its first timer (due in round 5 at the soonest), so no agent's timer
///   aborts, C does not abort (it commits), and nothing else derives abort: no node aborts, so
///   commit never lapses and the two deciders hold it at EOT.
/// - **C crashed by round 5 and everybody holds commit**: the `precommitted` of round 4 at the
///   latest of every agent that did not crash by round 5, and two deciders. C never decides;
///   those agents cancelled their first timers; the others crash by round 5 (see the scope),
///   before any timer of theirs fires: no node aborts.
/// - **C crashed by round 3 and everybody holds abort**: two deciders. C sends `precommit` in
///   round 3 at the soonest (votes arrive from round 3), so no agent is ever precommitted and
///   nothing can commit.
/// - **C aborted and everybody holds abort**, where every agent either crashed here by round 7
///   or got C's abort of round 6 in round 7, at least one the latter: C's abort and each such
///   delivery (an event, not a fact: no later abort is an alternative). Either C's timer finds
///   an ack missing again — then C aborts and never commits, and every agent holds abort from
///   round 7 or is down by then, before its second timer can fire (in round 7 at the soonest:
///   `precommit` arrives in round 4 at the soonest): nothing commits — or every ack arrived in
///   round 5, which makes every agent precommitted in round 4: C commits, nothing aborts, and
///   the agents up in round 7 (as those deliveries need) commit there.
///
/// All but the first bind the fault sets that crash every node this run crashed, each no later
/// ([`GoalScope::CrashedNodesExempt`] with no exempt event).
pub fn check_3pc(trace: &Trace) -> InvariantReport {
    check_commit(trace, goal)
}

/// The round `node` crashed in, if it did.
fn crash_round(trace: &Trace, node: &str) -> Option<u64> {
    trace
        .events
        .iter()
        .find(|e| e.kind == EventKind::Crash && e.node.as_deref() == Some(node))
        .map(|e| e.lt)
}

fn crashed_by(trace: &Trace, node: &str, round: u64) -> bool {
    crash_round(trace, node).is_some_and(|at| at <= round)
}

/// The first derive of `fact` at `node`.
fn first_derive<'t>(
    trace: &'t Trace,
    node: &str,
    fact: &Value,
) -> Option<&'t faultline_trace::Event> {
    trace.events.iter().find(|e| {
        e.kind == EventKind::Derive
            && e.node.as_deref() == Some(node)
            && e.fact.as_ref() == Some(fact)
    })
}

fn goal(trace: &Trace, end: &EndState) -> Option<Goal> {
    let decision = end.agreed()?;
    let derives = end.decision_derives(trace, decision);
    let coordinator = last_derive(trace, COMMIT_COORDINATOR, &decision.fact());
    let scoped = |all_of: Vec<u64>, any_of: Vec<Vec<u64>>| Goal {
        any_of,
        exempt_if_crashed: Some(BTreeMap::new()),
        ..Goal::all_of(all_of, GoalScope::CrashedNodesExempt)
    };
    match (decision, coordinator) {
        (Decision::Commit, Some(commit)) => Some(Goal {
            any_of: two_deciders(&derives),
            ..Goal::all_of(vec![commit], GoalScope::FaultIndependent)
        }),
        (Decision::Commit, None) => {
            if !crashed_by(trace, COMMIT_COORDINATOR, DECISION_ROUND) {
                return None;
            }
            let mut all_of = Vec::new();
            for agent in COMMIT_AGENTS {
                match first_derive(trace, agent, &precommitted_fact()) {
                    Some(event) if event.lt < DECISION_ROUND => all_of.push(event.id),
                    _ if crashed_by(trace, agent, DECISION_ROUND) => {}
                    _ => return None,
                }
            }
            Some(scoped(all_of, two_deciders(&derives)))
        }
        (Decision::Abort, None) => crashed_by(trace, COMMIT_COORDINATOR, 3)
            .then(|| scoped(Vec::new(), two_deciders(&derives))),
        (Decision::Abort, Some(abort)) => {
            const SECOND_TIMER_MIN: u64 = 4 + AGENT_AFTER;
            let mut all_of = vec![abort];
            for agent in COMMIT_AGENTS {
                let delivery = trace.events.iter().find(|e| {
                    e.kind == EventKind::Deliver
                        && e.src.as_deref() == Some(COMMIT_COORDINATOR)
                        && e.dst.as_deref() == Some(*agent)
                        && e.msg_type.as_deref() == Some("abort")
                        && e.lt == SECOND_TIMER_MIN
                });
                match delivery {
                    Some(event) => all_of.push(event.id),
                    None if crashed_by(trace, agent, SECOND_TIMER_MIN) => {}
                    None => return None,
                }
            }
            (all_of.len() > 1).then(|| scoped(all_of, Vec::new()))
        }
    }
}
