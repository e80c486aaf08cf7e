//! paxos-synod: single-decree Paxos after Molly's `paxos_synod.ded` (+ `util/timeout_svc.ded`),
//! the LDFI paper's Figure 13. Nodes a, b, c are each proposer and acceptor.
//!
//! Protocol (rounds; each node evaluates its rules once per round on its `tick` timer, after the
//! round's deliveries; round 1's rules run in `init`):
//! - Proposals (Molly's EDB): a proposes "peter", b proposes "foobar"; c proposes nothing.
//!   Ballot seeds a 4, b 5, c 6; a proposer's ballot grows by the number of agents (3) each
//!   time it (re)proposes, from the next round on.
//! - A proposer sends `prepare(ballot, value)` to every node (itself included) and starts a
//!   3-round timer (`timer_svc(A, M, 3)`: it times out two rounds later). On timeout, if its
//!   own acceptor has not accepted its value (`notin accepted(A, _, M)`), it prepares again
//!   with its next ballot and restarts the timer (`redo`).
//! - An acceptor answers each `prepare` it receives with a `prepare_response` carrying its
//!   highest accepted (ballot, value), or ("anything", 1) if it accepted nothing — unless the
//!   ballot is dominated: it has seen (this round or before) a prepare with a higher ballot.
//! - A proposer that holds responses to one of its ballots from a strict majority (more than
//!   3 / 2) sends `accept(ballot, value)` to every node, where value is the value of the
//!   highest-ballot response, or its own proposal if every response is "anything". The rule
//!   fires every round from then on (the responses persist), so the accept is re-sent forever.
//! - An acceptor accepts every `accept` it receives (no ballot check: Molly's acceptor keeps
//!   no phase-2 promise).
//!
//! Invariant (agreement, Molly's `important` / `disagree`): at the end, the values accepted by
//! acceptors that never crashed are all the same (see [`check_paxos_synod`]).
//!
//! Not bug-free, although the paper certifies it at 7/6/1 (Figure 13, 173 runs): with no
//! phase-2 check and accepts re-sent forever, two values can be accepted under omissions
//! alone. Minimal counterexample (6/4/0, 7/6/1): `omission b→a@3, omission b→c@3`. Round 2:
//! every acceptor answers b's ballot 5 (a's 4 is dominated); round 3: b sends accept(5,
//! "foobar") and, its timer expired before its own accept arrived, prepares ballot 8, while a
//! prepares ballot 7 — b's messages to a and c are lost. Round 4: a and c have accepted nothing
//! and see no ballot above 7, so they answer a's 7 with "anything"; b's re-sent accept reaches
//! them in round 5, when a, with a majority of "anything", sends accept(7, "peter"), accepted
//! everywhere in round 6. Every acceptor then holds both values. With omissions only before
//! round 3 (Molly's own 8/3/1 configuration) no fault set breaks agreement (enumerated in
//! `harness/tests/paxos.rs`). The invariant is also stricter than Paxos's safety (only a
//! *chosen* value must be unique; an acceptor may accept a minority value and later another),
//! so a phase-2 check alone would not make this program satisfy it.
//!
//! Lineage: each received message derives its fact at the receiver (`["prepare", ballot,
//! value]`, `["accepted", ballot, value]`, `["response", acceptor, ballot, value,
//! accepted_ballot]`). A prepare response names the prepare it answers and the accepted value
//! it reports; a proposer derives `["quorum", ballot]` once per pair of responses to that
//! ballot (every majority is an alternative support) and its accept names the quorum and the
//! response whose value it carries (or its proposal). Aggregates and negations (`dominated`,
//! `best`, `notin accepted`) name nothing.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::text::and_list;
use faultline_harness::end_state::final_states;
use faultline_harness::end_state::{crashed_nodes, string_set};
use faultline_harness::{Cx, Effect, InvariantReport, Reactor, TimerId};

/// The nodes, in header order: each is a proposer and an acceptor.
pub const PAXOS_NODES: &[&str] = &["a", "b", "c"];
/// The proposals (Molly's `proposal("a", "peter")`, `proposal("b", "foobar")`).
pub const PAXOS_PROPOSALS: &[(&str, &str)] = &[("a", "peter"), ("b", "foobar")];
/// The ballot seeds (Molly's `seed`).
pub const PAXOS_SEEDS: &[(&str, u64)] = &[("a", 4), ("b", 5), ("c", 6)];
/// Rounds from a (re)proposal to its timeout (`timer_svc(A, M, 3)`).
pub const PAXOS_TIMEOUT_AFTER: u64 = 2;
/// The number of agents: the ballot increment and the base of the majority.
const AGENTS: u64 = 3;
/// The value an acceptor that accepted nothing reports, and its ballot.
const ANYTHING: &str = "anything";
const ANYTHING_BALLOT: u64 = 1;
const TICK: &str = "tick";

/// Messages of paxos-synod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaxosMsg {
    /// Proposer → acceptor: phase 1a.
    Prepare {
        /// The ballot.
        ballot: u64,
        /// The proposer's value (logged, not used by the acceptor).
        value: String,
    },
    /// Acceptor → proposer: phase 1b, with the acceptor's highest accepted (ballot, value).
    PrepareResponse {
        /// The ballot answered.
        ballot: u64,
        /// The highest accepted value, or "anything".
        value: String,
        /// Its ballot, or 1.
        accepted_ballot: u64,
    },
    /// Proposer → acceptor: phase 2a.
    Accept {
        /// The ballot.
        ballot: u64,
        /// The value.
        value: String,
    },
}

fn prepare_fact(ballot: u64, value: &str) -> Value {
    json!(["prepare", ballot, value])
}

fn accepted_fact(ballot: u64, value: &str) -> Value {
    json!(["accepted", ballot, value])
}

fn response_fact(acceptor: &str, response: &Response) -> Value {
    json!([
        "response",
        acceptor,
        response.ballot,
        response.value,
        response.accepted_ballot
    ])
}

fn quorum_fact(ballot: u64) -> Value {
    json!(["quorum", ballot])
}

fn proposal_fact(value: &str) -> Value {
    json!(["proposal", value])
}

/// A prepare response as the proposer logs it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Response {
    ballot: u64,
    value: String,
    accepted_ballot: u64,
}

/// A node of paxos-synod (proposer and acceptor).
#[derive(Debug, Clone)]
pub struct PaxosSynod {
    /// Proposer: its value, if it proposes.
    proposal: Option<String>,
    /// Proposer: the ballot of its next (re)proposal.
    seed: u64,
    /// Proposer: the round its timer fires, if armed.
    timeout_round: Option<u64>,
    /// Proposer: (acceptor, response) — Molly's `response_log`.
    responses: BTreeSet<(NodeId, Response)>,
    /// Proposer: the ballots it already derived a quorum for, with the acceptor pairs counted.
    quorums: BTreeMap<u64, BTreeSet<(NodeId, NodeId)>>,
    /// Acceptor: ballots of every prepare received (`prepare_log`).
    prepare_log: BTreeSet<u64>,
    /// Acceptor: prepares received this round, to answer at the tick: (proposer, ballot,
    /// value).
    pending: Vec<(NodeId, u64, String)>,
    /// Acceptor: (ballot, value) accepted.
    accepted: BTreeSet<(u64, String)>,
    /// Acceptor: refuse an `accept` below the highest ballot prepared (Paxos's phase-2
    /// promise; `paxos`), or accept every one (Molly's program; `paxos-synod`).
    phase2_check: bool,
}

impl PaxosSynod {
    /// Node `me` of a, b, c.
    pub fn new(me: &NodeId) -> Self {
        let proposal = PAXOS_PROPOSALS
            .iter()
            .find(|(node, _)| *node == me)
            .map(|(_, value)| value.to_string());
        let seed = PAXOS_SEEDS
            .iter()
            .find(|(node, _)| *node == me)
            .map_or(0, |(_, seed)| *seed);
        PaxosSynod {
            proposal,
            seed,
            timeout_round: None,
            responses: BTreeSet::new(),
            quorums: BTreeMap::new(),
            prepare_log: BTreeSet::new(),
            pending: Vec::new(),
            accepted: BTreeSet::new(),
            phase2_check: false,
        }
    }

    /// Node `me` of `paxos`: an acceptor that keeps its phase-1 promise, refusing an `accept`
    /// whose ballot is below a prepare it has seen.
    pub fn with_promise(me: &NodeId) -> Self {
        PaxosSynod {
            phase2_check: true,
            ..PaxosSynod::new(me)
        }
    }

    /// Sends `prepare` with the current ballot to every node, arms the timer, bumps the seed.
    fn propose(&mut self, round: u64, value: &str, premises: Vec<Value>) -> Vec<Effect<PaxosMsg>> {
        let ballot = self.seed;
        self.seed += AGENTS;
        self.timeout_round = Some(round + PAXOS_TIMEOUT_AFTER);
        PAXOS_NODES
            .iter()
            .map(|node| {
                Effect::send(
                    *node,
                    PaxosMsg::Prepare {
                        ballot,
                        value: value.to_string(),
                    },
                )
                .from(premises.clone())
            })
            .collect()
    }

    /// The acceptor's answers to this round's prepares.
    fn answer(&mut self) -> Vec<Effect<PaxosMsg>> {
        let mut effects = Vec::new();
        let highest_seen = self.prepare_log.last().copied().unwrap_or(0);
        let highest_accepted = self.accepted.iter().map(|(ballot, _)| *ballot).max();
        for (proposer, ballot, value) in std::mem::take(&mut self.pending) {
            if highest_seen > ballot {
                continue; // dominated
            }
            let prepare = prepare_fact(ballot, &value);
            match highest_accepted {
                Some(top) => {
                    for (_, accepted) in self.accepted.iter().filter(|(b, _)| *b == top) {
                        effects.push(
                            Effect::send(
                                proposer.clone(),
                                PaxosMsg::PrepareResponse {
                                    ballot,
                                    value: accepted.clone(),
                                    accepted_ballot: top,
                                },
                            )
                            .from([prepare.clone(), accepted_fact(top, accepted)]),
                        );
                    }
                }
                None => effects.push(
                    Effect::send(
                        proposer.clone(),
                        PaxosMsg::PrepareResponse {
                            ballot,
                            value: ANYTHING.into(),
                            accepted_ballot: ANYTHING_BALLOT,
                        },
                    )
                    .from([prepare]),
                ),
            }
        }
        effects
    }

    /// The proposer's accepts: for each ballot with responses from a strict majority, accept
    /// the highest-ballot response's value (or the own proposal if all say "anything").
    fn accepts(&self) -> Vec<Effect<PaxosMsg>> {
        let mut effects = Vec::new();
        let Some(proposal) = &self.proposal else {
            return effects;
        };
        let mut by_ballot: BTreeMap<u64, Vec<(&NodeId, &Response)>> = BTreeMap::new();
        for (acceptor, response) in &self.responses {
            by_ballot
                .entry(response.ballot)
                .or_default()
                .push((acceptor, response));
        }
        for (ballot, responses) in by_ballot {
            let acceptors: BTreeSet<&NodeId> = responses.iter().map(|(a, _)| *a).collect();
            if acceptors.len() as u64 <= AGENTS / 2 {
                continue;
            }
            let best = responses
                .iter()
                .map(|(_, r)| r.accepted_ballot)
                .max()
                .unwrap_or(ANYTHING_BALLOT);
            let mut carried: Vec<(String, Value)> = Vec::new();
            if best == ANYTHING_BALLOT {
                carried.push((proposal.clone(), proposal_fact(proposal)));
            } else {
                for (acceptor, response) in &responses {
                    if response.accepted_ballot == best {
                        carried.push((response.value.clone(), response_fact(acceptor, response)));
                    }
                }
            }
            for (value, because) in carried {
                for node in PAXOS_NODES {
                    effects.push(
                        Effect::send(
                            *node,
                            PaxosMsg::Accept {
                                ballot,
                                value: value.clone(),
                            },
                        )
                        .from([quorum_fact(ballot), because.clone()]),
                    );
                }
            }
        }
        effects
    }

    /// A new response: one `["quorum", ballot]` derivation per pair of acceptors that answered
    /// the ballot (each majority is an alternative support).
    fn count(&mut self, acceptor: &NodeId, response: &Response) -> Vec<Effect<PaxosMsg>> {
        let mut effects = Vec::new();
        let others: Vec<(NodeId, Response)> = self
            .responses
            .iter()
            .filter(|(other, r)| r.ballot == response.ballot && other != acceptor)
            .cloned()
            .collect();
        let pairs = self.quorums.entry(response.ballot).or_default();
        for (other, theirs) in others {
            let pair = if &other < acceptor {
                (other.clone(), acceptor.clone())
            } else {
                (acceptor.clone(), other.clone())
            };
            if pairs.insert(pair) {
                effects.push(Effect::derive(quorum_fact(response.ballot)).from([
                    response_fact(acceptor, response),
                    response_fact(&other, &theirs),
                ]));
            }
        }
        effects
    }
}

impl Reactor for PaxosSynod {
    type Msg = PaxosMsg;

    /// Round 1: the proposal (if any) is prepared.
    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<PaxosMsg>> {
        let mut effects = Vec::new();
        if let Some(value) = self.proposal.clone() {
            effects.push(Effect::derive(proposal_fact(&value)));
            effects.extend(self.propose(cx.lt, &value, vec![proposal_fact(&value)]));
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn on_message(
        &mut self,
        _cx: &mut Cx<'_>,
        from: &NodeId,
        msg: PaxosMsg,
    ) -> Vec<Effect<PaxosMsg>> {
        match msg {
            PaxosMsg::Prepare { ballot, value } => {
                self.prepare_log.insert(ballot);
                let fact = prepare_fact(ballot, &value);
                self.pending.push((from.clone(), ballot, value));
                vec![Effect::derive(fact)]
            }
            PaxosMsg::Accept { ballot, value } => {
                if self.phase2_check && self.prepare_log.last().is_some_and(|&top| top > ballot) {
                    return Vec::new();
                }
                let fact = accepted_fact(ballot, &value);
                self.accepted.insert((ballot, value));
                vec![Effect::derive(fact)]
            }
            PaxosMsg::PrepareResponse {
                ballot,
                value,
                accepted_ballot,
            } => {
                let response = Response {
                    ballot,
                    value,
                    accepted_ballot,
                };
                let mut effects = vec![Effect::derive(response_fact(from, &response))];
                if self.responses.insert((from.clone(), response.clone())) {
                    effects.extend(self.count(from, &response));
                }
                effects
            }
        }
    }

    /// Rounds 2 and later, after the round's deliveries: answer prepares, send accepts, and
    /// re-propose on timeout.
    fn on_timer(&mut self, cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<PaxosMsg>> {
        let mut effects = self.answer();
        effects.extend(self.accepts());
        if self.timeout_round == Some(cx.lt) {
            self.timeout_round = None;
            if let Some(value) = self.proposal.clone()
                && !self.accepted.iter().any(|(_, accepted)| *accepted == value)
            {
                effects.extend(self.propose(cx.lt, &value, vec![proposal_fact(&value)]));
            }
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn state(&self) -> Value {
        let accepted: Vec<(u64, &String)> = self.accepted.iter().map(|(b, v)| (*b, v)).collect();
        let values: BTreeSet<&String> = self.accepted.iter().map(|(_, v)| v).collect();
        let mut state = json!({
            "accepted": accepted,
            "values": values,
            "prepared": self.prepare_log,
        });
        if self.proposal.is_some() {
            state["next_ballot"] = json!(self.seed);
        }
        state
    }
}

/// The invariant of paxos-synod (Molly's `important(A, M) :- accepted(A, _, M), notin
/// crash(A, A, _)`; `pre(M) :- important(_, M)`; `post(M) :- important(_, M), notin
/// disagree(M)`), at the end of the run: the acceptors that never crashed accepted at most
/// one value between them. Vacuous when they accepted nothing.
///
/// A good run names no goal (an empty one, scope [`GoalScope::ExactCrashes`]): agreement is
/// not monotone. A fault can add an accept — a lost prepare leaves a lower ballot undominated,
/// a lost accept leaves a later majority unaware of a value — so no set of events of a good
/// run shows that other fault sets are good, and LDFI learns from it only not to repeat it.
/// (Such a search can find a counterexample but never certify: a certificate needs a goal.)
pub fn check_paxos_synod(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let crashed = crashed_nodes(trace);
    let no_goal = Goal::all_of(Vec::new(), GoalScope::ExactCrashes);
    let mut important: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for node in PAXOS_NODES.iter().filter(|node| !crashed.contains(**node)) {
        for value in string_set(states.get(*node), "values") {
            important.entry(value).or_default().push(node);
        }
    }
    let parts: Vec<String> = important
        .iter()
        .map(|(value, nodes)| format!("{value:?} at {}", and_list(nodes)))
        .collect();
    let (holds, vacuous, explanation) = match parts.as_slice() {
        [] => (
            true,
            true,
            "vacuously true: no acceptor that never crashed accepted a value".to_string(),
        ),
        [one] => (
            true,
            false,
            format!(
                "acceptors that never crashed agree: {one} (agreement is not monotone: no goal)"
            ),
        ),
        _ => (
            false,
            false,
            format!(
                "acceptors that never crashed accepted different values: {}",
                and_list(&parts)
            ),
        ),
    };
    InvariantReport {
        holds,
        vacuous,
        goal: no_goal,
        explanation,
    }
}

/// The invariant of `paxos`: Paxos's safety. A value is chosen when a strict majority of the
/// acceptors (crashed or not: a value once chosen stays chosen) accepted it at one ballot; at
/// most one value may be chosen. Vacuous when none is.
///
/// Like [`check_paxos_synod`] it names no goal (scope [`GoalScope::ExactCrashes`]): a fault can
/// make a value chosen that was not. A search of such runs learns only not to repeat a run,
/// and certifies by covering the space: every admissible fault set is run, or adds to a run
/// only faults that change nothing.
pub fn check_paxos(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let mut votes: BTreeMap<(u64, String), Vec<&str>> = BTreeMap::new();
    for node in PAXOS_NODES {
        let accepted = states
            .get(*node)
            .and_then(|state| state.get("accepted"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for pair in accepted {
            if let (Some(ballot), Some(value)) = (pair[0].as_u64(), pair[1].as_str()) {
                votes
                    .entry((ballot, value.to_string()))
                    .or_default()
                    .push(node);
            }
        }
    }
    let chosen: BTreeMap<&String, (u64, &Vec<&str>)> = votes
        .iter()
        .filter(|(_, nodes)| nodes.len() as u64 > AGENTS / 2)
        .map(|((ballot, value), nodes)| (value, (*ballot, nodes)))
        .collect();
    let parts: Vec<String> = chosen
        .iter()
        .map(|(value, (ballot, nodes))| {
            format!("{value:?} at ballot {ballot} by {}", and_list(nodes))
        })
        .collect();
    let (holds, vacuous, explanation) = match parts.as_slice() {
        [] => (
            true,
            true,
            "vacuously true: no value was chosen".to_string(),
        ),
        [one] => (true, false, format!("one value chosen: {one}")),
        _ => (
            false,
            false,
            format!("two values chosen: {}", and_list(&parts)),
        ),
    };
    InvariantReport {
        holds,
        vacuous,
        goal: Goal::all_of(Vec::new(), GoalScope::ExactCrashes),
        explanation,
    }
}
