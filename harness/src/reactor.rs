//! The `Reactor` trait: a node as a deterministic state machine that returns effects as data.

use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use faultline_trace::{EventKind, NodeId};

/// A timer's name, unique per node (setting a timer that is already set re-arms it).
pub type TimerId = String;

/// What a handler wants done. Handlers return effects; only the simulator applies them
/// (stateright style), so a handler can be run, replayed and tested without any I/O.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect<M> {
    /// Send `msg` to node `to`. `from` names the facts (see [`Effect::Derive`]) the send rests
    /// on; its trace event then gets the derive events of those facts as `parents`.
    Send {
        /// Receiver.
        to: NodeId,
        /// The message.
        msg: M,
        /// Facts this send rests on (lineage), besides the event that triggered the handler.
        from: Vec<Value>,
    },
    /// Arm timer `id` to fire `after` rounds (`rounds`, at least 1) or simulated ns (`async`).
    SetTimer {
        /// Timer name.
        id: TimerId,
        /// Delay: rounds or simulated ns, by time model.
        after: u64,
    },
    /// Disarm timer `id` (no effect when it is not armed).
    CancelTimer {
        /// Timer name.
        id: TimerId,
    },
    /// Make `value` the node's durable state: it survives a crash and is passed to `init` on
    /// restart. Everything else the reactor holds is volatile.
    Persist(Value),
    /// The node now holds `fact` (any JSON, e.g. `["log","hello"]`), derived from the event
    /// that triggered the handler and the facts in `from`. Emit one every time a fact is
    /// (re)derived: every derivation of the same fact is an alternative support for LDFI.
    Derive {
        /// The fact.
        fact: Value,
        /// Facts (held by this node) the derivation rests on.
        from: Vec<Value>,
    },
    /// A free-form line for people (a `log` event).
    Log(String),
    /// A client-history event (`invoke`, `ok`, `fail` or `info`) of client process `process`,
    /// recorded at this node: the trace is then also a history that elle-lite (`faultline
    /// elle`) and LTL specs can read. A process has at most one operation in flight: an
    /// `invoke` while one is open, or a completion with no open `invoke` or another `f`, is a
    /// bug of the SUT and ends the run with [`crate::HarnessError::ClientHistory`].
    Client {
        /// Which event.
        kind: ClientEvent,
        /// The client process (the history's `process`).
        process: u64,
        /// The operation, e.g. `"txn"`.
        f: String,
        /// Its value, e.g. `[["append", "x", 1]]` (a completion repeats or completes it).
        value: Value,
    },
}

/// Which client-history event an [`Effect::Client`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientEvent {
    /// The operation began.
    Invoke,
    /// It succeeded.
    Ok,
    /// It definitely failed.
    Fail,
    /// Its outcome is unknown.
    Info,
}

impl ClientEvent {
    /// The trace's event kind.
    pub fn event_kind(self) -> EventKind {
        match self {
            ClientEvent::Invoke => EventKind::Invoke,
            ClientEvent::Ok => EventKind::Ok,
            ClientEvent::Fail => EventKind::Fail,
            ClientEvent::Info => EventKind::Info,
        }
    }
}

impl<M> Effect<M> {
    /// `Send { to, msg, from: [] }`; add lineage with [`Effect::from`].
    pub fn send(to: impl Into<NodeId>, msg: M) -> Self {
        Effect::Send {
            to: to.into(),
            msg,
            from: Vec::new(),
        }
    }

    /// `Derive { fact, from: [] }`; add premises with [`Effect::from`].
    pub fn derive(fact: Value) -> Self {
        Effect::Derive {
            fact,
            from: Vec::new(),
        }
    }

    /// `SetTimer { id, after }`.
    pub fn set_timer(id: impl Into<TimerId>, after: u64) -> Self {
        Effect::SetTimer {
            id: id.into(),
            after,
        }
    }

    /// `Client { kind, process, f, value }`: a client-history event.
    pub fn client(kind: ClientEvent, process: u64, f: impl Into<String>, value: Value) -> Self {
        Effect::Client {
            kind,
            process,
            f: f.into(),
            value,
        }
    }

    /// `CancelTimer { id }`.
    pub fn cancel_timer(id: impl Into<TimerId>) -> Self {
        Effect::CancelTimer { id: id.into() }
    }

    /// Names the facts a `Send` or `Derive` rests on (replaces any earlier list). Other effects
    /// are returned unchanged.
    #[must_use]
    pub fn from(self, facts: impl IntoIterator<Item = Value>) -> Self {
        match self {
            Effect::Send { to, msg, .. } => Effect::Send {
                to,
                msg,
                from: facts.into_iter().collect(),
            },
            Effect::Derive { fact, .. } => Effect::Derive {
                fact,
                from: facts.into_iter().collect(),
            },
            other => other,
        }
    }
}

/// What a handler may look at: who it is, the time, and its own seeded RNG. Nothing else: no
/// clocks, no threads, no I/O.
pub struct Cx<'a> {
    /// This node.
    pub me: &'a NodeId,
    /// This node's clock in ns: simulated time (`async`), offset by a `skew` fault from its
    /// time on; 0 in `rounds`.
    pub now: u64,
    /// Logical time: the round (`rounds`) or the global step (`async`).
    pub lt: u64,
    /// This node's RNG: `ChaCha8Rng` seeded with the run's seed, stream = the node's index.
    pub rng: &'a mut ChaCha8Rng,
}

impl Cx<'_> {
    /// A uniform number in `0..bound` from this node's RNG (`bound` must be > 0).
    pub fn random_below(&mut self, bound: u64) -> u64 {
        crate::random::below(self.rng, bound)
    }
}

/// A node of a system under test: a deterministic state machine.
///
/// Message types become the trace's `type`/`payload`: a message serializes through serde, and an
/// externally tagged enum variant `{"log": "hello"}` (or a unit variant `"ack"`) gives type `log`
/// and payload `"hello"`; any other shape gives type `message` and the whole value as payload.
/// Use `#[serde(rename_all = "snake_case")]` on the enum for schema-style type names.
pub trait Reactor {
    /// The messages nodes of this SUT exchange.
    type Msg: Serialize + DeserializeOwned + Clone;

    /// Runs at the start (`durable` = `None`) and on restart (`durable` = the last
    /// [`Effect::Persist`]ed value, if any) on a freshly built reactor.
    fn init(&mut self, cx: &mut Cx<'_>, durable: Option<&Value>) -> Vec<Effect<Self::Msg>>;

    /// A message from `from` arrived. No-op by default.
    fn on_message(
        &mut self,
        cx: &mut Cx<'_>,
        from: &NodeId,
        msg: Self::Msg,
    ) -> Vec<Effect<Self::Msg>> {
        let _ = (cx, from, msg);
        Vec::new()
    }

    /// Timer `timer` fired. No-op by default.
    fn on_timer(&mut self, cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<Self::Msg>> {
        let _ = (cx, timer);
        Vec::new()
    }

    /// The node's state as JSON (recorded after every handler as a merge patch). Objects must
    /// not contain `null` values: a merge patch cannot express them.
    fn state(&self) -> Value;
}

/// A boxed reactor is a reactor: systems whose nodes run different reactor types (sharing one
/// message type) hold them as `Box<dyn Reactor<Msg = M>>`.
impl<M> Reactor for Box<dyn Reactor<Msg = M>>
where
    M: Serialize + DeserializeOwned + Clone,
{
    type Msg = M;

    fn init(&mut self, cx: &mut Cx<'_>, durable: Option<&Value>) -> Vec<Effect<M>> {
        (**self).init(cx, durable)
    }

    fn on_message(&mut self, cx: &mut Cx<'_>, from: &NodeId, msg: M) -> Vec<Effect<M>> {
        (**self).on_message(cx, from, msg)
    }

    fn on_timer(&mut self, cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<M>> {
        (**self).on_timer(cx, timer)
    }

    fn state(&self) -> Value {
        (**self).state()
    }
}
