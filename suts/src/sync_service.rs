//! sync-service and sync-service-durable: Testground's synchronization service (a sync API in
//! front of one Redis-like store), in the `async` time model.
//!
//! Nodes: the store `store` and the test instances `a`, `b` and `c` (client processes 0, 1
//! and 2). Every instance runs the same script, Testground's own example, one operation at a
//! time, each recorded as a client operation (`invoke`, then `ok` when the store answers):
//!
//! 1. `signal_entry("ready")`: the store numbers the state's signals 1, 2, ...;
//! 2. `barrier("ready", 3)`: the store answers once 3 instances have signalled "ready";
//! 3. `publish("addrs", <own name>)`: the store appends to the topic and answers its sequence
//!    number;
//! 4. `subscribe("addrs")`: long polls `from` its next position until it has read 3 entries
//!    (Redis `XREAD BLOCK`); it keeps an entry only at the position it asked for.
//!
//! An instance re-sends its request every [`SYNC_RETRY_NS`] until the store answers, so a
//! lost message only delays it and a restarted store is asked again. The store answers a
//! re-sent request as it answered the first (it keys signals and publications by instance and
//! request id), so retries never count twice. An instance keeps its place in the script
//! (`Effect::Persist`): a restarted instance resumes the operation in flight, same request id,
//! rather than invoking it again.
//!
//! **The bug (sync-service).** Testground runs Redis memory-only. The store keeps its counters
//! and topics in volatile memory, so a crash and restart of the store forgets them: signals
//! numbered before the crash are numbered again from 1 (duplicate sequence numbers), the
//! barrier counts only the signals re-sent after the restart (it never releases: a liveness
//! loss that a finite run cannot judge), and publications acknowledged before the crash are
//! lost to every subscriber that reads after it, while later ones reuse their numbers.
//! Reproducers (seed 0, default EOT 40; `faultline run --sut sync-service --faults '...'`
//! exits 1):
//!
//! - `[{"kind":"crash","node":"store","at":6},{"kind":"restart","node":"store","at":8}]`: the
//!   store numbered c's signal 1, then crashed; a's and b's signals were dropped at the down
//!   store, and their retries reach an empty one: `signal_entry("ready") returned 1 to both c
//!   and a` (the restarted store counts 2 signals, so no barrier ever releases);
//! - `[{"kind":"crash","node":"store","at":18},{"kind":"restart","node":"store","at":19}]`:
//!   the store numbered b's publication 1 and every subscriber read it, then crashed before
//!   c's publish arrived; c's retry is numbered 1 again: `publish("addrs") returned 1 to both
//!   c and b; a read "b" at position 1, where "c" was published; ...` (c's publication is lost
//!   to every subscriber).
//!
//! Of the store's 780 crash-restart pairs at EOT 40, 125 break it (55 duplicate signal
//! numbers, 70 duplicate publication numbers, 60 of them also losing a publication); no
//! crash without a restart and no restart of an instance does. A barrier never releases
//! early: the store forgets signals, it never counts more.
//!
//! **The fix (sync-service-durable).** The store persists its counters and topics
//! (`Effect::Persist`) on every change, in the same handler as, and so before, its answer; a
//! restarted store reloads them. Waiters (blocked barriers and subscriptions) stay volatile:
//! the instances' retries register them again. It holds for every crash, and every crash
//! and later restart, of any one node at EOT 40 (3,281 fault sets, all run by
//! `suts/tests/sync_service.rs`).
//!
//! **Properties** ([`check_sync_service`], and `specs/sync-service.ltl`): sequence numbers
//! are unique and dense per state and per topic; a barrier never releases before 3 instances
//! signalled; every subscriber reads every publication once, in order. All three are safety
//! properties that a fault violates by *adding* something — a second number 1, an early
//! release, an entry at a position that another publication was acknowledged for — so no event
//! of a good run shows that another fault set is good: the invariant names no goal (like
//! paxos-synod's agreement), and `explore` certifies only by covering the space. The one
//! monotone outcome, "the barrier released", is a liveness goal whose loss is no violation
//! here; naming it would give certificates about it, not about the properties.
//!
//! Restarts: the LDFI engine does not propose restarts yet, so `explore` with the default
//! spec 40/3/1 (crash-stop; a failure-free run takes 28 steps, omissions hit the first
//! requests) sees a store that only stops answering: both variants certify there by covering
//! the space (316 runs; the brute force over its 2,576,351,232 sets, 1,270 runs, finds no
//! violation either). The bug needs a restart, which `faultline run --faults` and the tests
//! inject; once the failure spec allows restarts (`max_restarts`), the default spec's EOT
//! already reaches both pinned counterexamples.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{Event, EventKind, Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::text::and_list;
use faultline_harness::end_state::final_states;
use faultline_harness::{ClientEvent, Cx, Effect, InvariantReport, Reactor, TimerId};

/// The store.
pub const SYNC_STORE: &str = "store";
/// The test instances (client processes 0, 1, 2, in this order).
pub const SYNC_INSTANCES: &[&str] = &["a", "b", "c"];
/// Every node, in header order.
pub const SYNC_NODES: &[&str] = &["store", "a", "b", "c"];
/// The state the instances signal and wait on.
pub const SYNC_STATE: &str = "ready";
/// The topic the instances publish their names on and subscribe to.
pub const SYNC_TOPIC: &str = "addrs";
/// The barrier's target, and the entries each subscriber reads: every instance.
pub const SYNC_TARGET: u64 = 3;
/// An instance's retry period, in simulated ns: 5 ms, several round trips (0.2 to 2 ms), so
/// a failure-free run rarely retries and a run stays a few dozen steps long.
pub const SYNC_RETRY_NS: u64 = 5_000_000;
const RETRY: &str = "retry";

/// Messages of the sync service. `id` is the request's index in the instance's script: a
/// re-sent request has the same id, and a reply names the request it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMsg {
    /// Instance → store: number my entry into `state`.
    SignalEntry {
        /// Request id.
        id: u64,
        /// The state.
        state: String,
    },
    /// Instance → store: answer once `target` instances have signalled `state`.
    Barrier {
        /// Request id.
        id: u64,
        /// The state.
        state: String,
        /// How many signals to wait for.
        target: u64,
    },
    /// Instance → store: append `payload` to `topic`.
    Publish {
        /// Request id.
        id: u64,
        /// The topic.
        topic: String,
        /// The payload.
        payload: String,
    },
    /// Instance → store: the entries of `topic` from position `from` (1-based) on, once
    /// there is at least one.
    Subscribe {
        /// Request id.
        id: u64,
        /// The topic.
        topic: String,
        /// The first position wanted.
        from: u64,
    },
    /// Store → instance: the sequence number of a signal or a publication.
    Seq {
        /// The request answered.
        id: u64,
        /// Its sequence number.
        seq: u64,
    },
    /// Store → instance: the barrier is released.
    Released {
        /// The request answered.
        id: u64,
    },
    /// Store → instance: the topic's entries from position `from` on.
    Entries {
        /// The request answered.
        id: u64,
        /// The position of the first payload.
        from: u64,
        /// The payloads.
        payloads: Vec<String>,
    },
}

/// The operations of an instance's script, in order.
const SCRIPT: [&str; 4] = ["signal_entry", "barrier", "publish", "subscribe"];

/// A test instance. Its state (and what it persists) is its place in the script and what the
/// store answered so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Progress {
    /// The index of the operation in flight ([`SCRIPT`]`.len()`: done).
    step: u64,
    /// The operations invoked so far, in order.
    invoked: Vec<String>,
    /// `signal_entry`'s answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    /// The barrier released.
    released: bool,
    /// `publish`'s answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub_seq: Option<u64>,
    /// The topic's payloads read so far, position 1 first.
    received: Vec<String>,
}

/// A node of the sync service: the store or an instance (by name).
#[derive(Debug, Clone)]
pub struct SyncService {
    role: Role,
}

#[derive(Debug, Clone)]
enum Role {
    Store(Store),
    Instance(Instance),
}

impl SyncService {
    /// Node `me` of sync-service (the store keeps everything in volatile memory).
    pub fn volatile(me: &NodeId) -> Self {
        SyncService::new(me, false)
    }

    /// Node `me` of sync-service-durable (the store persists every change before answering).
    pub fn durable(me: &NodeId) -> Self {
        SyncService::new(me, true)
    }

    fn new(me: &NodeId, durable: bool) -> Self {
        let role = if me == SYNC_STORE {
            Role::Store(Store {
                durable,
                data: StoreData::default(),
                barrier_waiters: BTreeMap::new(),
                subscribers: BTreeMap::new(),
            })
        } else {
            let process = SYNC_INSTANCES
                .iter()
                .position(|name| name == me)
                .unwrap_or(SYNC_INSTANCES.len()) as u64;
            Role::Instance(Instance {
                process,
                me: me.clone(),
                progress: Progress::default(),
            })
        };
        SyncService { role }
    }
}

impl Reactor for SyncService {
    type Msg = SyncMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, durable: Option<&Value>) -> Vec<Effect<SyncMsg>> {
        match &mut self.role {
            Role::Store(store) => store.init(durable),
            Role::Instance(instance) => instance.init(durable),
        }
    }

    fn on_message(
        &mut self,
        _cx: &mut Cx<'_>,
        from: &NodeId,
        msg: SyncMsg,
    ) -> Vec<Effect<SyncMsg>> {
        match &mut self.role {
            Role::Store(store) => store.on_request(from, msg),
            Role::Instance(instance) => instance.on_reply(msg),
        }
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<SyncMsg>> {
        match &mut self.role {
            Role::Store(_) => Vec::new(),
            Role::Instance(instance) => instance.resend(),
        }
    }

    fn state(&self) -> Value {
        match &self.role {
            Role::Store(store) => store.state(),
            Role::Instance(instance) => {
                serde_json::to_value(&instance.progress).unwrap_or_else(|_| json!({}))
            }
        }
    }
}

/// A test instance running the script.
#[derive(Debug, Clone)]
struct Instance {
    me: NodeId,
    process: u64,
    progress: Progress,
}

impl Instance {
    fn init(&mut self, durable: Option<&Value>) -> Vec<Effect<SyncMsg>> {
        let restored =
            durable.and_then(|value| serde_json::from_value::<Progress>(value.clone()).ok());
        match restored {
            // A restart: resume the operation in flight (already invoked), if any.
            Some(progress) => {
                self.progress = progress;
                self.resend()
            }
            None => self.begin(),
        }
    }

    fn operation(&self) -> Option<&'static str> {
        usize::try_from(self.progress.step)
            .ok()
            .and_then(|step| SCRIPT.get(step).copied())
    }

    /// The request of the operation in flight (a subscription asks for its next position).
    fn request(&self) -> Option<SyncMsg> {
        let id = self.progress.step;
        let msg = match self.operation()? {
            "signal_entry" => SyncMsg::SignalEntry {
                id,
                state: SYNC_STATE.into(),
            },
            "barrier" => SyncMsg::Barrier {
                id,
                state: SYNC_STATE.into(),
                target: SYNC_TARGET,
            },
            "publish" => SyncMsg::Publish {
                id,
                topic: SYNC_TOPIC.into(),
                payload: self.me.clone(),
            },
            _ => SyncMsg::Subscribe {
                id,
                topic: SYNC_TOPIC.into(),
                from: self.progress.received.len() as u64 + 1,
            },
        };
        Some(msg)
    }

    fn invocation(&self, operation: &str) -> Value {
        match operation {
            "signal_entry" => json!({ "state": SYNC_STATE }),
            "barrier" => json!({ "state": SYNC_STATE, "target": SYNC_TARGET }),
            "publish" => json!({ "topic": SYNC_TOPIC, "payload": self.me }),
            _ => json!({ "topic": SYNC_TOPIC }),
        }
    }

    fn persist(&self) -> Effect<SyncMsg> {
        Effect::Persist(serde_json::to_value(&self.progress).unwrap_or_else(|_| json!({})))
    }

    /// Invokes the operation at the current step (none when the script is done).
    fn begin(&mut self) -> Vec<Effect<SyncMsg>> {
        let Some(operation) = self.operation() else {
            return vec![Effect::cancel_timer(RETRY), self.persist()];
        };
        self.progress.invoked.push(operation.to_string());
        let mut effects = vec![Effect::client(
            ClientEvent::Invoke,
            self.process,
            operation,
            self.invocation(operation),
        )];
        // Persisted with the invocation: a restart resumes this operation, never invokes it
        // twice (the history allows one operation in flight per process).
        effects.push(self.persist());
        effects.extend(self.resend());
        effects
    }

    /// (Re-)sends the request in flight and re-arms the retry timer.
    fn resend(&self) -> Vec<Effect<SyncMsg>> {
        match self.request() {
            Some(request) => vec![
                Effect::send(SYNC_STORE, request),
                Effect::set_timer(RETRY, SYNC_RETRY_NS),
            ],
            None => Vec::new(),
        }
    }

    /// Completes the operation in flight with `value` and invokes the next one.
    fn complete(&mut self, value: Value) -> Vec<Effect<SyncMsg>> {
        let operation = self.operation().unwrap_or("subscribe");
        let mut effects = vec![Effect::client(
            ClientEvent::Ok,
            self.process,
            operation,
            value,
        )];
        self.progress.step += 1;
        effects.extend(self.begin());
        effects
    }

    fn on_reply(&mut self, msg: SyncMsg) -> Vec<Effect<SyncMsg>> {
        let step = self.progress.step;
        match (self.operation(), msg) {
            (Some("signal_entry"), SyncMsg::Seq { id, seq }) if id == step => {
                self.progress.seq = Some(seq);
                self.complete(json!({ "state": SYNC_STATE, "seq": seq }))
            }
            (Some("barrier"), SyncMsg::Released { id }) if id == step => {
                self.progress.released = true;
                self.complete(json!({ "state": SYNC_STATE, "target": SYNC_TARGET }))
            }
            (Some("publish"), SyncMsg::Seq { id, seq }) if id == step => {
                self.progress.pub_seq = Some(seq);
                self.complete(json!({ "topic": SYNC_TOPIC, "payload": self.me, "seq": seq }))
            }
            (Some("subscribe"), SyncMsg::Entries { id, from, payloads }) if id == step => {
                self.read(from, payloads)
            }
            // A late answer to an earlier request, or a duplicate: already taken.
            _ => Vec::new(),
        }
    }

    /// Keeps the entries at the positions it is missing, in order; completes the subscription
    /// at [`SYNC_TARGET`] entries, else polls for the next position.
    fn read(&mut self, from: u64, payloads: Vec<String>) -> Vec<Effect<SyncMsg>> {
        let received = &mut self.progress.received;
        for (position, payload) in (from..).zip(payloads) {
            if (received.len() as u64) < SYNC_TARGET && position == received.len() as u64 + 1 {
                received.push(payload);
            }
        }
        if received.len() as u64 >= SYNC_TARGET {
            let value = json!({ "topic": SYNC_TOPIC, "payloads": received });
            return self.complete(value);
        }
        let mut effects = vec![self.persist()];
        effects.extend(self.resend());
        effects
    }
}

/// What the store holds (and, durable, persists): Redis's keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct StoreData {
    /// State → the signals, in sequence order: (instance, request id).
    signals: BTreeMap<String, Vec<(NodeId, u64)>>,
    /// Topic → the entries, in sequence order: (publisher, request id, payload).
    topics: BTreeMap<String, Vec<(NodeId, u64, String)>>,
}

/// The store.
#[derive(Debug, Clone)]
struct Store {
    durable: bool,
    data: StoreData,
    /// Blocked barriers: instance → (request id, state, target). Volatile in both variants.
    barrier_waiters: BTreeMap<NodeId, (u64, String, u64)>,
    /// Blocked subscriptions: instance → (request id, topic, from). Volatile in both variants.
    subscribers: BTreeMap<NodeId, (u64, String, u64)>,
}

impl Store {
    fn init(&mut self, durable: Option<&Value>) -> Vec<Effect<SyncMsg>> {
        if let Some(data) = durable.and_then(|value| serde_json::from_value(value.clone()).ok()) {
            self.data = data;
        }
        Vec::new()
    }

    /// The durable store's write-ahead: persisted in the handler that answers, so never after
    /// the answer.
    fn persist(&self) -> Option<Effect<SyncMsg>> {
        self.durable.then(|| {
            Effect::Persist(serde_json::to_value(&self.data).unwrap_or_else(|_| json!({})))
        })
    }

    fn count(&self, state: &str) -> u64 {
        self.data
            .signals
            .get(state)
            .map_or(0, |signals| signals.len() as u64)
    }

    fn on_request(&mut self, from: &NodeId, msg: SyncMsg) -> Vec<Effect<SyncMsg>> {
        match msg {
            SyncMsg::SignalEntry { id, state } => self.signal(from, id, state),
            SyncMsg::Barrier { id, state, target } => {
                if self.count(&state) >= target {
                    return vec![Effect::send(from.clone(), SyncMsg::Released { id })];
                }
                self.barrier_waiters
                    .insert(from.clone(), (id, state, target));
                Vec::new()
            }
            SyncMsg::Publish { id, topic, payload } => self.publish(from, id, topic, payload),
            SyncMsg::Subscribe {
                id,
                topic,
                from: position,
            } => match self.entries(&topic, position) {
                Some(payloads) => vec![Effect::send(
                    from.clone(),
                    SyncMsg::Entries {
                        id,
                        from: position,
                        payloads,
                    },
                )],
                None => {
                    self.subscribers.insert(from.clone(), (id, topic, position));
                    Vec::new()
                }
            },
            // Answers are for instances.
            SyncMsg::Seq { .. } | SyncMsg::Released { .. } | SyncMsg::Entries { .. } => Vec::new(),
        }
    }

    /// The payloads of `topic` from position `from` on, if there is at least one.
    fn entries(&self, topic: &str, from: u64) -> Option<Vec<String>> {
        let entries = self.data.topics.get(topic)?;
        let start = usize::try_from(from.max(1) - 1).ok()?;
        let payloads: Vec<String> = entries
            .iter()
            .skip(start)
            .map(|(_, _, payload)| payload.clone())
            .collect();
        (!payloads.is_empty()).then_some(payloads)
    }

    fn signal(&mut self, from: &NodeId, id: u64, state: String) -> Vec<Effect<SyncMsg>> {
        let signals = self.data.signals.entry(state.clone()).or_default();
        if let Some(index) = signals
            .iter()
            .position(|(node, req)| node == from && *req == id)
        {
            // A re-sent request: the same answer.
            let seq = index as u64 + 1;
            return vec![Effect::send(from.clone(), SyncMsg::Seq { id, seq })];
        }
        signals.push((from.clone(), id));
        let seq = signals.len() as u64;
        let fact = json!(["signal", state, from, seq]);
        let mut effects = vec![Effect::derive(fact.clone())];
        effects.extend(self.persist());
        effects.push(Effect::send(from.clone(), SyncMsg::Seq { id, seq }).from([fact]));
        let released: Vec<(NodeId, u64)> = self
            .barrier_waiters
            .iter()
            .filter(|(_, (_, waited, target))| *waited == state && seq >= *target)
            .map(|(node, (req, _, _))| (node.clone(), *req))
            .collect();
        for (node, req) in released {
            self.barrier_waiters.remove(&node);
            effects.push(Effect::send(node, SyncMsg::Released { id: req }));
        }
        effects
    }

    fn publish(
        &mut self,
        from: &NodeId,
        id: u64,
        topic: String,
        payload: String,
    ) -> Vec<Effect<SyncMsg>> {
        let entries = self.data.topics.entry(topic.clone()).or_default();
        if let Some(index) = entries
            .iter()
            .position(|(node, req, _)| node == from && *req == id)
        {
            let seq = index as u64 + 1;
            return vec![Effect::send(from.clone(), SyncMsg::Seq { id, seq })];
        }
        entries.push((from.clone(), id, payload.clone()));
        let seq = entries.len() as u64;
        let fact = json!(["entry", topic, seq, payload]);
        let mut effects = vec![Effect::derive(fact.clone())];
        effects.extend(self.persist());
        effects.push(Effect::send(from.clone(), SyncMsg::Seq { id, seq }).from([fact]));
        let woken: Vec<(NodeId, u64, u64)> = self
            .subscribers
            .iter()
            .filter(|(_, (_, wanted, position))| *wanted == topic && *position <= seq)
            .map(|(node, (req, _, position))| (node.clone(), *req, *position))
            .collect();
        for (node, req, position) in woken {
            self.subscribers.remove(&node);
            if let Some(payloads) = self.entries(&topic, position) {
                let entries = SyncMsg::Entries {
                    id: req,
                    from: position,
                    payloads,
                };
                effects.push(Effect::send(node, entries));
            }
        }
        effects
    }

    fn state(&self) -> Value {
        let signals: BTreeMap<&String, Vec<&NodeId>> = self
            .data
            .signals
            .iter()
            .map(|(state, signals)| (state, signals.iter().map(|(node, _)| node).collect()))
            .collect();
        let topics: BTreeMap<&String, Vec<&String>> = self
            .data
            .topics
            .iter()
            .map(|(topic, entries)| {
                (
                    topic,
                    entries.iter().map(|(_, _, payload)| payload).collect(),
                )
            })
            .collect();
        json!({ "signals": signals, "topics": topics })
    }
}

/// One client event of the history: (event index, node, kind, f, value).
struct ClientOp<'t> {
    index: usize,
    node: &'t str,
    kind: EventKind,
    f: &'t str,
    value: &'t Value,
}

fn client_ops(trace: &Trace) -> Vec<ClientOp<'_>> {
    trace
        .events
        .iter()
        .enumerate()
        .filter_map(|(index, event): (usize, &Event)| {
            if !matches!(event.kind, EventKind::Invoke | EventKind::Ok) {
                return None;
            }
            Some(ClientOp {
                index,
                node: event.node.as_deref()?,
                kind: event.kind,
                f: event.f.as_deref()?,
                value: event.value.as_ref()?,
            })
        })
        .collect()
}

/// Unique and dense: each number answered once, and none above the count of instances that
/// invoked the operation (`numbered`: (instance, number) answers; `callers`: who invoked).
fn numbering_problems(
    what: &str,
    numbered: &[(&str, u64)],
    callers: &BTreeSet<&str>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut by_number: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
    for (node, number) in numbered {
        by_number.entry(*number).or_default().push(node);
    }
    for (number, nodes) in &by_number {
        if nodes.len() > 1 {
            problems.push(format!(
                "{what} returned {number} to both {}",
                and_list(nodes)
            ));
        }
        if *number == 0 || *number > callers.len() as u64 {
            problems.push(format!(
                "{what} returned {number} to {} but only {} instance{} called it",
                and_list(nodes),
                callers.len(),
                if callers.len() == 1 { "" } else { "s" }
            ));
        }
    }
    problems
}

/// The invariant of both variants (safety only), over the client history and the
/// subscribers' reads at the end:
///
/// - `signal_entry("ready")` numbers are unique, and each is at most the number of instances
///   that invoked `signal_entry("ready")`; the same for `publish("addrs")`;
/// - a `barrier("ready", 3)` completes only after 3 instances invoked `signal_entry("ready")`;
/// - each subscriber read no payload twice, and for every acknowledged publication (payload P,
///   number k), a subscriber that read k entries has P at position k (no publication lost,
///   none out of order).
///
/// Vacuous when no operation completed. A good run names no goal (scope
/// [`GoalScope::ExactCrashes`]): a fault can add a violation (see the module doc).
pub fn check_sync_service(trace: &Trace) -> InvariantReport {
    let ops = client_ops(trace);
    let no_goal = Goal::all_of(Vec::new(), GoalScope::ExactCrashes);
    let field_u64 = |value: &Value, field: &str| value.get(field).and_then(Value::as_u64);
    let mut problems = Vec::new();
    // signal_entry and publish numbering.
    for (f, what) in [
        ("signal_entry", format!("signal_entry({SYNC_STATE:?})")),
        ("publish", format!("publish({SYNC_TOPIC:?})")),
    ] {
        let callers: BTreeSet<&str> = ops
            .iter()
            .filter(|op| op.kind == EventKind::Invoke && op.f == f)
            .map(|op| op.node)
            .collect();
        let numbered: Vec<(&str, u64)> = ops
            .iter()
            .filter(|op| op.kind == EventKind::Ok && op.f == f)
            .filter_map(|op| Some((op.node, field_u64(op.value, "seq")?)))
            .collect();
        problems.extend(numbering_problems(&what, &numbered, &callers));
    }
    // Barriers: the signals invoked before each release.
    for release in ops
        .iter()
        .filter(|op| op.kind == EventKind::Ok && op.f == "barrier")
    {
        let target = field_u64(release.value, "target").unwrap_or(SYNC_TARGET);
        let signalled: BTreeSet<&str> = ops
            .iter()
            .filter(|op| op.index < release.index)
            .filter(|op| op.kind == EventKind::Invoke && op.f == "signal_entry")
            .map(|op| op.node)
            .collect();
        if (signalled.len() as u64) < target {
            problems.push(format!(
                "barrier({SYNC_STATE:?}, {target}) released {} after {} signal{}",
                release.node,
                signalled.len(),
                if signalled.len() == 1 { "" } else { "s" }
            ));
        }
    }
    // Subscriptions: what each instance read, against the acknowledged publications.
    let published: Vec<(&str, u64)> = ops
        .iter()
        .filter(|op| op.kind == EventKind::Ok && op.f == "publish")
        .filter_map(|op| {
            let payload = op.value.get("payload").and_then(Value::as_str)?;
            Some((payload, field_u64(op.value, "seq")?))
        })
        .collect();
    let states = final_states(trace);
    let mut read_count = 0;
    for instance in SYNC_INSTANCES {
        let received: Vec<&str> = states
            .get(*instance)
            .and_then(|state| state.get("received"))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        read_count += received.len();
        let mut seen = BTreeSet::new();
        for payload in &received {
            if !seen.insert(*payload) {
                problems.push(format!("{instance} read {payload:?} twice"));
            }
        }
        for (payload, seq) in &published {
            let Some(position) = usize::try_from(*seq).ok().filter(|p| *p >= 1) else {
                continue;
            };
            if let Some(read) = received.get(position - 1)
                && read != payload
            {
                problems.push(format!(
                    "{instance} read {read:?} at position {seq}, where {payload:?} was published"
                ));
            }
        }
    }
    if !problems.is_empty() {
        return InvariantReport {
            holds: false,
            vacuous: false,
            goal: no_goal,
            explanation: problems.join("; "),
        };
    }
    let completed = ops.iter().filter(|op| op.kind == EventKind::Ok).count();
    if completed == 0 {
        return InvariantReport {
            holds: true,
            vacuous: true,
            goal: no_goal,
            explanation: "vacuously true: no operation completed".to_string(),
        };
    }
    let count = |f: &str| {
        ops.iter()
            .filter(|op| op.kind == EventKind::Ok && op.f == f)
            .count()
    };
    InvariantReport {
        holds: true,
        vacuous: false,
        goal: no_goal,
        explanation: format!(
            "{} signals and {} publications numbered uniquely and densely, {} barrier releases \
             after {SYNC_TARGET} signals, {read_count} entries read in publication order \
             (safety only: no goal)",
            count("signal_entry"),
            count("publish"),
            count("barrier"),
        ),
    }
}
