//! The part of the simulator both time models share: nodes, the trace being recorded, lineage
//! (`parents`), state patches, handler panics and the application of effects.
//!
//! A panic in the SUT's code (a handler, `state`, a message's `Serialize`, the reactor factory)
//! is a bug in the SUT, never a fault: it is recorded as a `crash` event with a `reason` and no
//! `fault`, and the run ends there (see [`Stop::Panicked`]), so nothing after it can look like
//! the consequences of an injected crash.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use faultline_trace::{Event, EventKind, Fault, Header, NodeId};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::faults::{
    Action, ActionKind, FaultPlan, validate_fault_model, validate_fault_times, validate_faults,
};
use crate::random::node_rng;
use crate::{
    ClientEvent, Cx, Effect, HarnessError, Reactor, RunConfig, Simulator, TimerId, merge_patch,
};

/// Why a run stopped before its end of time.
pub(crate) enum Stop {
    /// The run cannot go on (no trace is returned).
    Error(HarnessError),
    /// The SUT's code panicked: the panic's `crash` event is the last event of the trace.
    Panicked,
}

impl From<HarnessError> for Stop {
    fn from(err: HarnessError) -> Self {
        Stop::Error(err)
    }
}

/// Where a panic in the SUT's code happened, as the panic's `reason` says it
/// (`panicked <where>: <message>`).
#[derive(Debug, Clone, Copy)]
enum PanicSite {
    Init,
    OnMessage,
    OnTimer,
    State,
    Serialize,
    Factory,
}

impl PanicSite {
    fn describe(self) -> &'static str {
        match self {
            PanicSite::Init => "in init",
            PanicSite::OnMessage => "in on_message",
            PanicSite::OnTimer => "in on_timer",
            PanicSite::State => "in state",
            PanicSite::Serialize => "serializing a message",
            PanicSite::Factory => "in the reactor factory",
        }
    }
}

/// Why a node is down: its `crash` event and the fault recorded as `cause` of later drops.
pub(crate) struct Down {
    pub(crate) event: u64,
    pub(crate) cause: Fault,
}

struct ArmedTimer {
    generation: u64,
    set_event: u64,
}

/// Where a run's events go, in id order, as soon as each scheduler decision is complete.
pub trait EventSink {
    /// Takes the next event.
    fn event(&mut self, event: Event);
}

impl EventSink for Vec<Event> {
    fn event(&mut self, event: Event) {
        self.push(event);
    }
}

impl<F: FnMut(Event)> EventSink for F {
    fn event(&mut self, event: Event) {
        self(event);
    }
}

/// One node: its reactor and everything the simulator keeps about it.
pub(crate) struct Node<R> {
    reactor: R,
    rng: ChaCha8Rng,
    /// The state last recorded (the base of the next patch).
    state: Value,
    durable: Option<Value>,
    pub(crate) down: Option<Down>,
    /// `init` has run (at the start or on a restart).
    started: bool,
    /// Fact (its JSON text) → the latest derive event of it. A lookup table, never iterated.
    facts: HashMap<String, u64>,
    /// Armed timers. A lookup table, never iterated.
    timers: HashMap<TimerId, ArmedTimer>,
}

/// A message on its way.
pub(crate) struct InFlight<M> {
    pub(crate) msg_id: u64,
    pub(crate) src: usize,
    pub(crate) dst: usize,
    pub(crate) sent_lt: u64,
    pub(crate) msg: M,
    msg_type: String,
    payload: Option<Value>,
    send_event: u64,
}

/// An armed timer waiting for its time. Stale once re-armed, cancelled or its node crashed.
pub(crate) struct TimerDue {
    pub(crate) node: usize,
    pub(crate) id: TimerId,
    pub(crate) after: u64,
    generation: u64,
}

/// What a handler leaves for the time model to schedule.
pub(crate) enum Scheduled<M> {
    Message(InFlight<M>),
    Timer(TimerDue),
}

/// The simulator's state during one run.
pub(crate) struct Engine<'s, R: Reactor> {
    sim: &'s Simulator<R>,
    header: Header,
    /// Events of the decision being made (its trigger's state patch is only known once its
    /// handler returned); handed to `sink` when the decision is complete.
    pending: Vec<Event>,
    next_id: u64,
    sink: &'s mut dyn EventSink,
    ids: Vec<NodeId>,
    /// Node name → index. A lookup table, never iterated.
    index: HashMap<NodeId, usize>,
    pub(crate) nodes: Vec<Node<R>>,
    pub(crate) plan: FaultPlan,
    next_msg_id: u64,
    next_generation: u64,
    seed: u64,
    /// Current logical time (round or step) and simulated ns, set by the time model.
    pub(crate) lt: u64,
    pub(crate) now: u64,
    /// A panic while building the reactors or reading their initial state: (node, site,
    /// message). The run then records it and ends before time 1's first decision.
    startup_panic: Option<(usize, PanicSite, String)>,
    /// Client process → its operation in flight. A lookup table, never iterated.
    client_ops: HashMap<u64, OpenOp>,
    /// Per node, how many times it restarted.
    restarts: Vec<u64>,
}

impl<'s, R: Reactor> Engine<'s, R> {
    pub(crate) fn new(
        sim: &'s Simulator<R>,
        config: &RunConfig,
        sink: &'s mut dyn EventSink,
    ) -> Result<Self, HarnessError> {
        let ids = sim.nodes().to_vec();
        check_topology(sim.sut(), &ids)?;
        validate_faults(&config.faults, &ids)?;
        validate_fault_times(&config.faults, config.eot)?;
        validate_fault_model(&config.faults, sim.time_model())?;
        let mut header = Header::new(
            run_id(sim.sut(), config),
            sim.sut(),
            sim.time_model(),
            ids.clone(),
        );
        header.seed = config.seed;
        header.failure_spec = config.failure_spec;
        header.faults = config.faults.clone();
        let mut nodes = Vec::with_capacity(ids.len());
        let mut startup_panic = None;
        for (index, id) in ids.iter().enumerate() {
            // The factory and `state` are SUT code too: a panic there is a bad run, not a crash
            // of the engine. Later nodes are not built; the run ends at the panic.
            let reactor = match catch_unwind(AssertUnwindSafe(|| sim.make(id))) {
                Ok(reactor) => reactor,
                Err(panic) => {
                    startup_panic = Some((index, PanicSite::Factory, panic_message(&*panic)));
                    break;
                }
            };
            let state = match catch_unwind(AssertUnwindSafe(|| reactor.state())) {
                Ok(state) => state,
                Err(panic) => {
                    startup_panic = Some((index, PanicSite::State, panic_message(&*panic)));
                    break;
                }
            };
            header.initial_state.insert(id.clone(), state.clone());
            nodes.push(Node {
                reactor,
                rng: node_rng(config.seed, index as u64),
                state,
                durable: None,
                down: None,
                started: false,
                facts: HashMap::new(),
                timers: HashMap::new(),
            });
        }
        let index = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let ids_len = ids.len();
        Ok(Engine {
            sim,
            header,
            pending: Vec::with_capacity(16),
            next_id: 0,
            sink,
            plan: FaultPlan::new(&config.faults, &ids),
            ids,
            index,
            nodes,
            next_msg_id: 0,
            next_generation: 0,
            seed: config.seed,
            lt: 0,
            now: 0,
            startup_panic,
            client_ops: HashMap::new(),
            restarts: vec![0; ids_len],
        })
    }

    /// Records a panic that happened while the engine was built (at time 1, with no trigger)
    /// and stops the run; does nothing if there was none.
    pub(crate) fn stop_on_startup_panic(&mut self) -> Result<(), Stop> {
        let Some((node, site, message)) = self.startup_panic.take() else {
            return Ok(());
        };
        self.lt = 1;
        Err(self.panicked(node, None, site, message))
    }

    /// The header (the events went to the sink).
    pub(crate) fn finish(mut self) -> Header {
        self.flush();
        self.header
    }

    /// Hands the events of the decision just made to the sink.
    pub(crate) fn flush(&mut self) {
        for event in self.pending.drain(..) {
            self.sink.event(event);
        }
    }

    pub(crate) fn node_count(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// True if `init` has not run yet and the node is up.
    pub(crate) fn can_start(&self, node: usize) -> bool {
        !self.is_down(node) && !self.nodes[node].started
    }

    pub(crate) fn is_down(&self, node: usize) -> bool {
        self.nodes[node].down.is_some()
    }

    /// A new event of `kind` at the current time, with the next id.
    fn event(&self, kind: EventKind) -> Event {
        Event {
            sim_ns: self.now,
            ..Event::new(self.next_id, kind, self.lt)
        }
    }

    fn node_event(&self, kind: EventKind, node: usize) -> Event {
        Event {
            node: Some(self.ids[node].clone()),
            ..self.event(kind)
        }
    }

    fn record(&mut self, event: Event) -> Result<u64, HarnessError> {
        let id = event.id;
        debug_assert_eq!(id, self.next_id, "events are recorded in id order");
        if self.next_id >= self.sim.events_limit() as u64 {
            return Err(HarnessError::EventLimit {
                sut: self.sim.sut().to_string(),
                events_max: self.sim.events_limit(),
            });
        }
        self.pending.push(event);
        self.next_id += 1;
        Ok(id)
    }

    /// Runs `init` at the start of the run (unless the node is already down).
    pub(crate) fn start(&mut self, node: usize) -> Result<Vec<Scheduled<R::Msg>>, Stop> {
        if !self.can_start(node) {
            return Ok(Vec::new());
        }
        self.nodes[node].started = true;
        let start = self.record(self.node_event(EventKind::Start, node))?;
        self.handle(node, start, PanicSite::Init, |reactor, cx, _| {
            reactor.init(cx, None)
        })
    }

    /// Delivers `message`, or drops it when its receiver is down.
    pub(crate) fn deliver(
        &mut self,
        message: InFlight<R::Msg>,
    ) -> Result<Vec<Scheduled<R::Msg>>, Stop> {
        let InFlight {
            msg_id,
            src,
            dst,
            sent_lt,
            msg,
            msg_type,
            payload,
            send_event,
        } = message;
        let kind = match &self.nodes[dst].down {
            Some(_) => EventKind::Drop,
            None => EventKind::Deliver,
        };
        let event = Event {
            src: Some(self.ids[src].clone()),
            dst: Some(self.ids[dst].clone()),
            msg_id: Some(msg_id),
            sent_lt: Some(sent_lt),
            msg_type: Some(msg_type),
            payload,
            cause: self.nodes[dst].down.as_ref().map(|down| down.cause.clone()),
            parents: vec![send_event],
            ..self.event(kind)
        };
        let deliver = self.record(event)?;
        if kind == EventKind::Drop {
            return Ok(Vec::new());
        }
        self.handle(dst, deliver, PanicSite::OnMessage, |reactor, cx, ids| {
            reactor.on_message(cx, &ids[src], msg)
        })
    }

    /// True if `timer` is still armed at a live node (else it is skipped, unrecorded).
    pub(crate) fn timer_is_live(&self, timer: &TimerDue) -> bool {
        let node = &self.nodes[timer.node];
        node.down.is_none()
            && node
                .timers
                .get(&timer.id)
                .is_some_and(|armed| armed.generation == timer.generation)
    }

    /// Fires a live timer (see [`Engine::timer_is_live`]).
    pub(crate) fn fire(&mut self, timer: TimerDue) -> Result<Vec<Scheduled<R::Msg>>, Stop> {
        debug_assert!(self.timer_is_live(&timer));
        let Some(armed) = self.nodes[timer.node].timers.remove(&timer.id) else {
            return Ok(Vec::new());
        };
        let event = Event {
            timer: Some(timer.id.clone()),
            parents: vec![armed.set_event],
            ..self.node_event(EventKind::TimerFire, timer.node)
        };
        let fire = self.record(event)?;
        let id = timer.id;
        self.handle(timer.node, fire, PanicSite::OnTimer, |reactor, cx, _| {
            reactor.on_timer(cx, &id)
        })
    }

    /// Applies a timed fault action; a restart returns what `init` scheduled.
    pub(crate) fn apply_action(&mut self, action: Action) -> Result<Vec<Scheduled<R::Msg>>, Stop> {
        let fault = self.plan.fault(action.fault).clone();
        let node = action.node;
        match action.kind {
            ActionKind::Crash => {
                if !self.is_down(node) {
                    let event = Event {
                        fault: Some(fault.clone()),
                        ..self.node_event(EventKind::Crash, node)
                    };
                    let crash = self.record(event)?;
                    self.take_down(node, crash, fault);
                }
                Ok(Vec::new())
            }
            ActionKind::Restart => self.restart(node, fault),
            ActionKind::ClogStart | ActionKind::ClogEnd => {
                let kind = if action.kind == ActionKind::ClogStart {
                    EventKind::ClogStart
                } else {
                    EventKind::ClogEnd
                };
                let event = Event {
                    fault: Some(fault),
                    ..self.node_event(kind, node)
                };
                self.record(event)?;
                Ok(Vec::new())
            }
        }
    }

    fn take_down(&mut self, node: usize, event: u64, cause: Fault) {
        let node = &mut self.nodes[node];
        node.down = Some(Down { event, cause });
        node.timers.clear();
    }

    /// A down node comes back: a fresh reactor, `init` with the durable state, no timers, no
    /// facts (volatile state is lost). Restarting a node that is up does nothing.
    fn restart(&mut self, node: usize, fault: Fault) -> Result<Vec<Scheduled<R::Msg>>, Stop> {
        let Some(down) = self.nodes[node].down.take() else {
            return Ok(Vec::new());
        };
        let event = Event {
            fault: Some(fault),
            parents: vec![down.event],
            ..self.node_event(EventKind::Restart, node)
        };
        let restart = self.record(event)?;
        let fresh = match catch_unwind(AssertUnwindSafe(|| self.sim.make(&self.ids[node]))) {
            Ok(fresh) => fresh,
            Err(panic) => {
                let message = panic_message(&*panic);
                return Err(self.panicked(node, Some(restart), PanicSite::Factory, message));
            }
        };
        self.restarts[node] += 1;
        let slot = &mut self.nodes[node];
        slot.reactor = fresh;
        slot.started = true;
        slot.facts.clear();
        slot.timers.clear();
        let durable = slot.durable.clone();
        self.handle(node, restart, PanicSite::Init, |reactor, cx, _| {
            reactor.init(cx, durable.as_ref())
        })
    }

    /// Runs one handler of `node`, triggered by event `trigger`: records the state patch on the
    /// trigger, then the effects as events. A panic in the handler or in `state` ends the run
    /// (see [`Engine::panicked`]).
    fn handle(
        &mut self,
        node: usize,
        trigger: u64,
        site: PanicSite,
        call: impl FnOnce(&mut R, &mut Cx<'_>, &[NodeId]) -> Vec<Effect<R::Msg>>,
    ) -> Result<Vec<Scheduled<R::Msg>>, Stop> {
        let ids = &self.ids;
        let now = self.plan.clock(node, self.lt, self.now);
        let slot = &mut self.nodes[node];
        let mut cx = Cx {
            me: &ids[node],
            now,
            lt: self.lt,
            rng: &mut slot.rng,
        };
        let reactor = &mut slot.reactor;
        let effects = match catch_unwind(AssertUnwindSafe(|| call(reactor, &mut cx, ids))) {
            Ok(effects) => effects,
            Err(panic) => {
                let message = panic_message(&*panic);
                return Err(self.panicked(node, Some(trigger), site, message));
            }
        };
        let state = match catch_unwind(AssertUnwindSafe(|| slot.reactor.state())) {
            Ok(state) => state,
            Err(panic) => {
                let message = panic_message(&*panic);
                return Err(self.panicked(node, Some(trigger), PanicSite::State, message));
            }
        };
        if let Some(patch) = merge_patch::diff(&slot.state, &state) {
            slot.state = state;
            let base = self.pending.first().map_or(trigger, |first| first.id);
            let index = usize::try_from(trigger - base).expect("the trigger is pending");
            self.pending[index].state_patch = Some(patch);
        }
        let mut scheduled = Vec::with_capacity(effects.len());
        for effect in effects {
            self.apply_effect(node, trigger, effect, &mut scheduled)?;
        }
        Ok(scheduled)
    }

    /// Records a panic in `node`'s code as its last event, a `crash` with `reason`
    /// `panicked <where>: <message>`, `parents` = the triggering event, and no `fault` (it is
    /// no injected fault); the run stops there. Whatever the node would have done next is
    /// unknowable, and going on with it down would make the panic look like a crash fault.
    fn panicked(
        &mut self,
        node: usize,
        trigger: Option<u64>,
        site: PanicSite,
        message: String,
    ) -> Stop {
        let event = Event {
            reason: Some(format!("panicked {}: {message}", site.describe())),
            parents: trigger.into_iter().collect(),
            ..self.node_event(EventKind::Crash, node)
        };
        match self.record(event) {
            Ok(_) => Stop::Panicked,
            Err(err) => Stop::Error(err),
        }
    }

    /// `trigger` plus the latest derive event of each fact in `facts` at `node`, sorted.
    fn parents(&self, node: usize, trigger: u64, facts: &[Value]) -> Vec<u64> {
        let mut parents = Vec::with_capacity(1 + facts.len());
        parents.push(trigger);
        let known = &self.nodes[node].facts;
        for fact in facts {
            if let Some(&derive) = known.get(&fact_key(fact)) {
                parents.push(derive);
            }
        }
        parents.sort_unstable();
        parents.dedup();
        parents
    }

    fn apply_effect(
        &mut self,
        node: usize,
        trigger: u64,
        effect: Effect<R::Msg>,
        scheduled: &mut Vec<Scheduled<R::Msg>>,
    ) -> Result<(), Stop> {
        match effect {
            Effect::Send { to, msg, from } => {
                let message = self.send(node, trigger, &to, msg, &from)?;
                scheduled.extend(message.map(Scheduled::Message));
            }
            Effect::SetTimer { id, after } => {
                let event = Event {
                    timer: Some(id.clone()),
                    after: Some(after),
                    parents: vec![trigger],
                    ..self.node_event(EventKind::TimerSet, node)
                };
                let set_event = self.record(event)?;
                self.next_generation += 1;
                let generation = self.next_generation;
                self.nodes[node].timers.insert(
                    id.clone(),
                    ArmedTimer {
                        generation,
                        set_event,
                    },
                );
                scheduled.push(Scheduled::Timer(TimerDue {
                    node,
                    id,
                    after,
                    generation,
                }));
            }
            Effect::CancelTimer { id } => {
                if self.nodes[node].timers.remove(&id).is_some() {
                    let event = Event {
                        timer: Some(id),
                        parents: vec![trigger],
                        ..self.node_event(EventKind::TimerCancel, node)
                    };
                    self.record(event)?;
                }
            }
            Effect::Persist(value) => self.nodes[node].durable = Some(value),
            Effect::Derive { fact, from } => {
                let key = fact_key(&fact);
                let event = Event {
                    fact: Some(fact),
                    parents: self.parents(node, trigger, &from),
                    ..self.node_event(EventKind::Derive, node)
                };
                let derive = self.record(event)?;
                self.nodes[node].facts.insert(key, derive);
            }
            Effect::Log(line) => {
                let event = Event {
                    reason: Some(line),
                    parents: vec![trigger],
                    ..self.node_event(EventKind::Log, node)
                };
                self.record(event)?;
            }
            Effect::Client {
                kind,
                process,
                f,
                value,
            } => {
                self.close_lost_operation(node, kind, process, trigger)?;
                self.open_or_complete(node, kind, process, &f, &value)?;
                let event = Event {
                    process: Some(process),
                    f: Some(f),
                    value: Some(value),
                    parents: vec![trigger],
                    ..self.node_event(kind.event_kind(), node)
                };
                self.record(event)?;
            }
        }
        Ok(())
    }

    /// A node that restarted lost its operations in flight: when it invokes again on a process
    /// whose operation it opened before its restart, that operation is first recorded as
    /// `info` (its outcome is unknown, as Jepsen records a crashed client's), so a restarted
    /// client may start over. A node that resumes its operation (persisted) just completes it.
    fn close_lost_operation(
        &mut self,
        node: usize,
        kind: ClientEvent,
        process: u64,
        trigger: u64,
    ) -> Result<(), Stop> {
        let lost = kind == ClientEvent::Invoke
            && self
                .client_ops
                .get(&process)
                .is_some_and(|open| open.node == node && open.restarts < self.restarts[node]);
        if !lost {
            return Ok(());
        }
        let Some(open) = self.client_ops.remove(&process) else {
            return Ok(());
        };
        let event = Event {
            process: Some(process),
            f: Some(open.f),
            value: Some(open.value),
            parents: vec![trigger],
            ..self.node_event(EventKind::Info, node)
        };
        self.record(event)?;
        Ok(())
    }

    /// Keeps the client history well formed (the schema's rule: a process has at most one
    /// operation in flight; a completion closes the open `invoke` of the same `f`); a breach is
    /// the SUT's bug.
    fn open_or_complete(
        &mut self,
        node: usize,
        kind: ClientEvent,
        process: u64,
        f: &str,
        value: &Value,
    ) -> Result<(), Stop> {
        let problem = match (kind, self.client_ops.get(&process)) {
            (ClientEvent::Invoke, None) => {
                let op = OpenOp {
                    f: f.to_string(),
                    value: value.clone(),
                    node,
                    restarts: self.restarts[node],
                };
                self.client_ops.insert(process, op);
                return Ok(());
            }
            (ClientEvent::Invoke, Some(open)) => {
                format!("invoke {f:?} while operation {:?} is in flight", open.f)
            }
            (_, None) => format!("{} {f:?} with no operation in flight", kind.event_kind()),
            (_, Some(open)) if open.f != f => {
                format!(
                    "{} {f:?} completes operation {:?}",
                    kind.event_kind(),
                    open.f
                )
            }
            (_, Some(_)) => {
                self.client_ops.remove(&process);
                return Ok(());
            }
        };
        Err(Stop::Error(HarnessError::ClientHistory {
            sut: self.sim.sut().to_string(),
            node: self.ids[node].clone(),
            process,
            message: problem,
        }))
    }

    /// Records a send (and its drop, when a fault loses it); returns the message in flight.
    fn send(
        &mut self,
        node: usize,
        trigger: u64,
        to: &NodeId,
        msg: R::Msg,
        from: &[Value],
    ) -> Result<Option<InFlight<R::Msg>>, Stop> {
        let Some(&dst) = self.index.get(to) else {
            return Err(Stop::Error(HarnessError::UnknownDestination {
                sut: self.sim.sut().to_string(),
                node: self.ids[node].clone(),
                to: to.clone(),
            }));
        };
        // `Serialize` is SUT code: a panic in it is the SUT's bug, like one in a handler.
        let value = match catch_unwind(AssertUnwindSafe(|| serde_json::to_value(&msg))) {
            Ok(Ok(value)) => value,
            Ok(Err(err)) => {
                return Err(Stop::Error(HarnessError::Message {
                    sut: self.sim.sut().to_string(),
                    node: self.ids[node].clone(),
                    message: err.to_string(),
                }));
            }
            Err(panic) => {
                let message = panic_message(&*panic);
                return Err(self.panicked(node, Some(trigger), PanicSite::Serialize, message));
            }
        };
        let (msg_type, payload) = split_message(value);
        let msg_id = self.next_msg_id;
        self.next_msg_id += 1;
        let event = Event {
            src: Some(self.ids[node].clone()),
            dst: Some(to.clone()),
            msg_id: Some(msg_id),
            sent_lt: Some(self.lt),
            msg_type: Some(msg_type.clone()),
            payload: payload.clone(),
            parents: self.parents(node, trigger, from),
            ..self.event(EventKind::Send)
        };
        let send_event = self.record(event)?;
        if let Some(cause) = self.plan.loss(node, dst, self.lt) {
            let event = Event {
                src: Some(self.ids[node].clone()),
                dst: Some(to.clone()),
                msg_id: Some(msg_id),
                sent_lt: Some(self.lt),
                msg_type: Some(msg_type),
                payload,
                cause: Some(cause.clone()),
                parents: vec![send_event],
                ..self.event(EventKind::Drop)
            };
            self.record(event)?;
            return Ok(None);
        }
        Ok(Some(InFlight {
            msg_id,
            src: node,
            dst,
            sent_lt: self.lt,
            msg,
            msg_type,
            payload,
            send_event,
        }))
    }
}

/// The trace's `type` and `payload` of a serialized message: an externally tagged enum variant
/// `{"log": "hello"}` gives (`log`, `"hello"`), a unit variant `"ack"` gives (`ack`, none),
/// anything else (`message`, the value).
fn split_message(value: Value) -> (String, Option<Value>) {
    match value {
        Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
            Some((tag, inner)) => (tag, Some(inner)),
            None => ("message".to_string(), None),
        },
        Value::String(tag) => (tag, None),
        other => ("message".to_string(), Some(other)),
    }
}

/// The lookup key of a fact: its JSON text (serde_json writes it deterministically).
fn fact_key(fact: &Value) -> String {
    fact.to_string()
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a non-string panic payload)".to_string()
    }
}

fn check_topology(sut: &str, ids: &[NodeId]) -> Result<(), HarnessError> {
    if ids.is_empty() {
        return Err(HarnessError::Topology {
            sut: sut.to_string(),
            message: "no nodes".into(),
        });
    }
    for (index, id) in ids.iter().enumerate() {
        if ids[..index].contains(id) {
            return Err(HarnessError::Topology {
                sut: sut.to_string(),
                message: format!("node `{id}` is listed twice"),
            });
        }
    }
    Ok(())
}

/// `<sut>-<seed>-<fnv1a of the fault JSON>`: deterministic, and distinct for distinct fault
/// sets with high probability.
fn run_id(sut: &str, config: &RunConfig) -> String {
    let json = faultline_trace::faults_to_json(&config.faults);
    let mut hash: u32 = 0x811c_9dc5;
    for byte in json.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{sut}-{}-{hash:08x}", config.seed)
}

/// A client operation in flight: what was invoked, at which node, and how many times that
/// node had restarted then.
struct OpenOp {
    f: String,
    value: Value,
    node: usize,
    restarts: u64,
}
