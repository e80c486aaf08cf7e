//! zk-barrier and zk-double-barrier: zksync's barriers on the ZooKeeper-like server of
//! [`crate::zk`], in the `async` time model.
//!
//! **zk-barrier** (nodes `zk`, setter `s`, waiters `p`, `q`). `s` sets the barrier by creating
//! the znode `b/barrier` (not ephemeral: a setter that disconnects must not let everybody
//! through), works [`BARRIER_HOLD_NS`], and unsets it by deleting it. A waiter's `wait` asks
//! whether `b/barrier` exists, with a watch; it passes when it does not, else it asks again
//! when the watch fires. Property ([`check_zk_barrier`]): no waiter passes while the barrier
//! is set — between a waiter's `wait` invoke and its `ok` there is an event after which the
//! server holds no `b/barrier` (the wait is linearizable). No fault breaks it: a clog or a
//! crash only delays or stops a waiter. It names no goal (it is safety: nothing a good run
//! shows proves another run good), so a search certifies it by covering the space.
//!
//! **zk-double-barrier** (nodes `zk`, participants `p`, `q`, `s`; N = 3). `enter`: create the
//! ephemeral `db/<me>`; whoever sees N children creates `dbr/ready`, the others wait for it
//! with an exists watch. Then [`DOUBLE_BARRIER_WORK_NS`] of work; `exit`: delete `db/<me>` and
//! wait, with a child watch, until `db/` is empty — every participant exited or its session
//! expired. A participant gives up `enter` after [`ENTER_TIMEOUT_NS`] (`info`).
//!
//! **The bug** (zksync's README: "If the group is expecting 5 participants, and then only 4
//! successfully call Enter, then those 4 will all block forever"): a participant that crashes
//! before it enters leaves the others waiting for the N-th child, which never comes (and so
//! does a crash of the participant that completes the group before it creates `dbr/ready`:
//! only the one that sees all N children creates it). `faultline explore` finds `crash s@4`
//! (s crashes before it starts) in 2 runs; with the module's own choice of participant:
//!
//! ```text
//! faultline run --sut zk-double-barrier --faults '[{"kind":"crash","node":"p","at":1}]'
//! ```
//!
//! The fix is outside the recipe: agree on N among live participants (a group membership
//! service), or give `enter` a deadline and handle its failure, as the participants here do.
//!
//! Property ([`check_zk_double_barrier`]): every participant that invokes `enter` gets `ok`
//! within [`ENTER_TIMEOUT_NS`] unless it crashes within that time; vacuous if `zk` crashes
//! (it stands for a replicated ensemble). Goal of a good run: each participant's derive of
//! `["entered", me]`, crashed participants exempt. Sufficient: a participant derives it only
//! together with its `ok`, and only before its own deadline. Its lineage runs through the
//! `ready` create back to the server's `["znode", "db/<x>"]` of every participant. A run that
//! ends before a participant's deadline without its `ok` counts as blocked, as LTL's `F[0, T]`
//! fails (presumably) when the trace ends first; the default EOT leaves every failure-free
//! enter well inside it.

use faultline_trace::{Event, EventKind, Goal, GoalScope, NodeId, Trace};
use serde_json::{Value, json};

use crate::zk::{HEARTBEAT_NS, ZK_SERVER, ZkMsg};
use faultline_harness::end_state::{crashed_nodes, last_derive};
use faultline_harness::merge_patch;
use faultline_harness::{ClientEvent, Cx, Effect, InvariantReport, Reactor, TimerId};

/// The nodes of zk-barrier.
pub const BARRIER_NODES: &[&str] = &["zk", "s", "p", "q"];
/// The nodes of zk-double-barrier.
pub const DOUBLE_BARRIER_NODES: &[&str] = &["zk", "p", "q", "s"];
/// How long the setter holds the barrier (3 ms).
pub const BARRIER_HOLD_NS: u64 = 3_000_000;
/// A participant gives up `enter` after this long (8 ms: in a failure-free run every
/// participant enters within about 4 ms).
pub const ENTER_TIMEOUT_NS: u64 = 8_000_000;
/// A participant's work between `enter` and `exit` (1 ms).
pub const DOUBLE_BARRIER_WORK_NS: u64 = 1_000_000;
const PARTICIPANTS: usize = 3;
const BARRIER: &str = "b/barrier";
const READY: &str = "dbr/ready";
const HEARTBEAT: &str = "heartbeat";
const WORK: &str = "work";
const WAIT: &str = "wait";
const GIVE_UP: &str = "give_up";

fn ping(beats: &mut u64) -> Vec<Effect<ZkMsg>> {
    *beats += 1;
    vec![
        Effect::send(ZK_SERVER, ZkMsg::Ping(*beats)),
        Effect::set_timer(HEARTBEAT, HEARTBEAT_NS),
    ]
}

fn split(path: &str) -> (String, String) {
    match path.split_once('/') {
        Some((dir, name)) => (dir.to_string(), name.to_string()),
        None => (String::new(), path.to_string()),
    }
}

/// zk-barrier's setter: sets the barrier, works, unsets it (process 2).
#[derive(Debug, Clone, Default)]
pub struct BarrierSetter {
    stage: &'static str,
    beats: u64,
}

const SETTER_PROCESS: u64 = 2;

impl BarrierSetter {
    /// The setter.
    pub fn new(_me: &NodeId) -> Self {
        BarrierSetter {
            stage: "idle",
            beats: 0,
        }
    }
}

impl Reactor for BarrierSetter {
    type Msg = ZkMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<ZkMsg>> {
        self.stage = "setting";
        let (dir, name) = split(BARRIER);
        vec![
            Effect::set_timer(HEARTBEAT, HEARTBEAT_NS),
            Effect::client(ClientEvent::Invoke, SETTER_PROCESS, "set", json!(BARRIER)),
            Effect::send(
                ZK_SERVER,
                ZkMsg::Create {
                    dir,
                    name,
                    ephemeral: false,
                    sequential: false,
                },
            ),
        ]
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: ZkMsg) -> Vec<Effect<ZkMsg>> {
        let (f, kind) = match (&msg, self.stage) {
            (ZkMsg::Created { .. }, "setting") => ("set", ClientEvent::Ok),
            (ZkMsg::NodeExists { .. }, "setting") => ("set", ClientEvent::Fail),
            (ZkMsg::Deleted { .. }, "unsetting") => ("unset", ClientEvent::Ok),
            (ZkMsg::SessionExpired, "setting") => ("set", ClientEvent::Info),
            (ZkMsg::SessionExpired, "unsetting") => ("unset", ClientEvent::Info),
            _ => return Vec::new(),
        };
        let mut effects = vec![Effect::client(kind, SETTER_PROCESS, f, json!(BARRIER))];
        if f == "set" && kind == ClientEvent::Ok {
            self.stage = "set";
            effects.push(Effect::set_timer(WORK, BARRIER_HOLD_NS));
        } else {
            self.stage = "done";
            effects.push(Effect::cancel_timer(HEARTBEAT));
        }
        effects
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<ZkMsg>> {
        match timer.as_str() {
            HEARTBEAT => ping(&mut self.beats),
            WORK => {
                self.stage = "unsetting";
                vec![
                    Effect::client(ClientEvent::Invoke, SETTER_PROCESS, "unset", json!(BARRIER)),
                    Effect::send(
                        ZK_SERVER,
                        ZkMsg::Delete {
                            path: BARRIER.into(),
                        },
                    ),
                ]
            }
            _ => Vec::new(),
        }
    }

    fn state(&self) -> Value {
        json!({ "stage": self.stage })
    }
}

/// A zk-barrier waiter: waits on the barrier `start_ns` after it starts.
#[derive(Debug, Clone)]
pub struct BarrierWaiter {
    process: u64,
    start_ns: u64,
    stage: &'static str,
    beats: u64,
}

impl BarrierWaiter {
    /// Waiter `process`, calling `wait` at `start_ns`.
    pub fn new(process: u64, start_ns: u64) -> Self {
        BarrierWaiter {
            process,
            start_ns,
            stage: "idle",
            beats: 0,
        }
    }

    fn exists() -> Effect<ZkMsg> {
        Effect::send(
            ZK_SERVER,
            ZkMsg::Exists {
                path: BARRIER.into(),
                watch: true,
            },
        )
    }
}

impl Reactor for BarrierWaiter {
    type Msg = ZkMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<ZkMsg>> {
        vec![
            Effect::set_timer(HEARTBEAT, HEARTBEAT_NS),
            Effect::set_timer(WAIT, self.start_ns),
        ]
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: ZkMsg) -> Vec<Effect<ZkMsg>> {
        if self.stage != "waiting" {
            return Vec::new();
        }
        match msg {
            ZkMsg::Stat { exists: false, .. } => {
                self.stage = "passed";
                vec![
                    Effect::client(ClientEvent::Ok, self.process, "wait", json!(BARRIER)),
                    Effect::cancel_timer(HEARTBEAT),
                ]
            }
            // Set, or it changed: look again (it may have been set again since).
            ZkMsg::Watch { .. } => vec![Self::exists()],
            ZkMsg::SessionExpired => {
                self.stage = "lost";
                vec![
                    Effect::client(ClientEvent::Info, self.process, "wait", json!(BARRIER)),
                    Effect::cancel_timer(HEARTBEAT),
                ]
            }
            _ => Vec::new(),
        }
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<ZkMsg>> {
        match timer.as_str() {
            HEARTBEAT => ping(&mut self.beats),
            WAIT => {
                self.stage = "waiting";
                vec![
                    Effect::client(ClientEvent::Invoke, self.process, "wait", json!(BARRIER)),
                    Self::exists(),
                ]
            }
            _ => Vec::new(),
        }
    }

    fn state(&self) -> Value {
        json!({ "stage": self.stage })
    }
}

/// Whether the server's state `zk` holds the barrier znode.
fn barrier_set(zk: &Value) -> bool {
    zk.get("znodes")
        .and_then(Value::as_object)
        .is_some_and(|znodes| znodes.contains_key(BARRIER))
}

fn is_client_event(event: &Event, kind: EventKind, f: &str) -> bool {
    event.kind == kind && event.f.as_deref() == Some(f)
}

/// zk-barrier's property (see the module doc): every `ok` of a `wait` follows, since its
/// `invoke`, an event after which the server holds no barrier. Names no goal.
pub fn check_zk_barrier(trace: &Trace) -> InvariantReport {
    let mut zk = trace
        .header
        .initial_state
        .get(ZK_SERVER)
        .cloned()
        .unwrap_or(Value::Null);
    // Waiter node → whether the barrier was seen unset since its wait was invoked.
    let mut open: Vec<(NodeId, bool)> = Vec::new();
    let mut passed = 0;
    for event in &trace.events {
        if event.actor().map(String::as_str) == Some(ZK_SERVER) {
            if let Some(whole) = &event.state {
                zk = whole.clone();
            }
            if let Some(patch) = &event.state_patch {
                merge_patch::apply(&mut zk, patch);
            }
        }
        let unset = !barrier_set(&zk);
        for (_, seen) in &mut open {
            *seen |= unset;
        }
        let Some(node) = event.node.clone() else {
            continue;
        };
        if is_client_event(event, EventKind::Invoke, WAIT) {
            open.push((node, unset));
        } else if is_client_event(event, EventKind::Ok, WAIT) {
            let Some(index) = open.iter().position(|(waiter, _)| *waiter == node) else {
                continue;
            };
            let (_, seen) = open.remove(index);
            if !seen {
                return InvariantReport::violated(format!(
                    "{node} passed the barrier at event {} although it was set from its wait's invoke on",
                    event.id
                ));
            }
            passed += 1;
        }
    }
    InvariantReport::holds(Goal::all_of(Vec::new(), GoalScope::FaultIndependent)).explain(format!(
        "{passed} waiter(s) passed, each after seeing the barrier unset"
    ))
}

/// A zk-double-barrier participant (process = its index among p, q, s).
#[derive(Debug, Clone)]
pub struct DoubleBarrierParticipant {
    me: NodeId,
    process: u64,
    stage: &'static str,
    beats: u64,
}

fn entered_fact(me: &str) -> Value {
    json!(["entered", me])
}

impl DoubleBarrierParticipant {
    /// Participant `me` (p, q or s).
    pub fn new(me: &NodeId) -> Self {
        let process = DOUBLE_BARRIER_NODES[1..]
            .iter()
            .position(|node| *node == me)
            .unwrap_or(0) as u64;
        DoubleBarrierParticipant {
            me: me.clone(),
            process,
            stage: "idle",
            beats: 0,
        }
    }

    fn enter_done(&mut self) -> Vec<Effect<ZkMsg>> {
        if self.stage != "entering" {
            return Vec::new();
        }
        self.stage = "entered";
        vec![
            Effect::derive(entered_fact(&self.me)),
            Effect::client(ClientEvent::Ok, self.process, "enter", json!(null)),
            Effect::cancel_timer(GIVE_UP),
            Effect::set_timer(WORK, DOUBLE_BARRIER_WORK_NS),
        ]
    }

    fn exit_check(&mut self, children: &[String]) -> Vec<Effect<ZkMsg>> {
        if self.stage != "exiting" {
            return Vec::new();
        }
        if children.is_empty() {
            self.stage = "exited";
            return vec![
                Effect::client(ClientEvent::Ok, self.process, "exit", json!(null)),
                Effect::cancel_timer(HEARTBEAT),
            ];
        }
        vec![Effect::send(
            ZK_SERVER,
            ZkMsg::Children {
                dir: "db".into(),
                watch: true,
            },
        )]
    }

    fn stop(&mut self, f: &str) -> Vec<Effect<ZkMsg>> {
        self.stage = "lost";
        vec![
            Effect::client(ClientEvent::Info, self.process, f, json!("session expired")),
            Effect::cancel_timer(HEARTBEAT),
            Effect::cancel_timer(GIVE_UP),
        ]
    }
}

impl Reactor for DoubleBarrierParticipant {
    type Msg = ZkMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<ZkMsg>> {
        self.stage = "entering";
        vec![
            Effect::set_timer(HEARTBEAT, HEARTBEAT_NS),
            Effect::set_timer(GIVE_UP, ENTER_TIMEOUT_NS),
            Effect::client(ClientEvent::Invoke, self.process, "enter", json!(null)),
            Effect::send(
                ZK_SERVER,
                ZkMsg::Create {
                    dir: "db".into(),
                    name: self.me.clone(),
                    ephemeral: true,
                    sequential: false,
                },
            ),
        ]
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: ZkMsg) -> Vec<Effect<ZkMsg>> {
        match msg {
            ZkMsg::Created { path, children, .. } if path.starts_with("db/") => {
                if self.stage != "entering" {
                    return Vec::new();
                }
                let (dir, name) = split(READY);
                let next = if children.len() >= PARTICIPANTS {
                    ZkMsg::Create {
                        dir,
                        name,
                        ephemeral: false,
                        sequential: false,
                    }
                } else {
                    ZkMsg::Exists {
                        path: READY.into(),
                        watch: true,
                    }
                };
                vec![Effect::send(ZK_SERVER, next)]
            }
            ZkMsg::Created { .. } | ZkMsg::NodeExists { .. } | ZkMsg::Stat { exists: true, .. } => {
                self.enter_done()
            }
            ZkMsg::Watch { path } if path == READY => self.enter_done(),
            ZkMsg::Watch { .. } => vec![Effect::send(
                ZK_SERVER,
                ZkMsg::Children {
                    dir: "db".into(),
                    watch: true,
                },
            )],
            ZkMsg::Deleted { children, .. } | ZkMsg::ChildrenOf { children, .. } => {
                self.exit_check(&children)
            }
            ZkMsg::SessionExpired => match self.stage {
                "entering" => self.stop("enter"),
                "exiting" => self.stop("exit"),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<ZkMsg>> {
        match timer.as_str() {
            HEARTBEAT => ping(&mut self.beats),
            GIVE_UP if self.stage == "entering" => {
                self.stage = "gave_up";
                vec![
                    Effect::client(ClientEvent::Info, self.process, "enter", json!("timed out")),
                    Effect::cancel_timer(HEARTBEAT),
                ]
            }
            WORK => {
                self.stage = "exiting";
                vec![
                    Effect::client(ClientEvent::Invoke, self.process, "exit", json!(null)),
                    Effect::send(
                        ZK_SERVER,
                        ZkMsg::Delete {
                            path: format!("db/{}", self.me),
                        },
                    ),
                ]
            }
            _ => Vec::new(),
        }
    }

    fn state(&self) -> Value {
        json!({ "stage": self.stage })
    }
}

/// zk-double-barrier's property (see the module doc): every participant that invokes `enter`
/// gets `ok` within [`ENTER_TIMEOUT_NS`] unless it crashes by then. Vacuous if `zk` crashed.
pub fn check_zk_double_barrier(trace: &Trace) -> InvariantReport {
    let crashed = crashed_nodes(trace);
    if crashed.contains(ZK_SERVER) {
        let mut report = InvariantReport::vacuous(
            "vacuously true: the server (standing for the whole ensemble) crashed",
        );
        report.goal.scope = GoalScope::SameCrashes;
        return report;
    }
    let crash_ns = |node: &str| {
        trace
            .events
            .iter()
            .find(|event| event.kind == EventKind::Crash && event.node.as_deref() == Some(node))
            .map(|event| event.sim_ns)
    };
    let mut goal = Vec::new();
    let mut blocked = Vec::new();
    for invoke in trace
        .events
        .iter()
        .filter(|event| is_client_event(event, EventKind::Invoke, "enter"))
    {
        let Some(node) = invoke.node.as_deref() else {
            continue;
        };
        let deadline = invoke.sim_ns.saturating_add(ENTER_TIMEOUT_NS);
        let entered = trace.events.iter().any(|event| {
            is_client_event(event, EventKind::Ok, "enter")
                && event.node.as_deref() == Some(node)
                && event.id > invoke.id
                && event.sim_ns <= deadline
        });
        if entered {
            goal.extend(last_derive(trace, node, &entered_fact(node)));
        } else if crash_ns(node).is_none_or(|at| at > deadline) {
            blocked.push(node.to_string());
        }
    }
    if !blocked.is_empty() {
        let absent: Vec<&str> = DOUBLE_BARRIER_NODES[1..]
            .iter()
            .copied()
            .filter(|node| crashed.contains(*node))
            .collect();
        return InvariantReport::violated(format!(
            "{} invoked enter but got no ok within {} ms (crashed: {})",
            crate::text::and_list(&blocked),
            ENTER_TIMEOUT_NS / 1_000_000,
            if absent.is_empty() {
                "none".to_string()
            } else {
                crate::text::and_list(&absent)
            }
        ));
    }
    InvariantReport::holds(Goal::all_of(goal, GoalScope::CrashedNodesExempt)).explain(
        "every participant that invoked enter entered within the deadline or crashed by then",
    )
}
