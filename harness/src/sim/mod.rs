//! The deterministic simulator: one engine (nodes, lineage, state patches, effects) and two
//! time models that drive it ([`rounds`] and [`asynchronous`]).

mod asynchronous;
mod engine;
mod rounds;

use faultline_trace::{Header, NodeId, TimeModel, Trace};

use crate::{HarnessError, Reactor, RunConfig};

pub use engine::EventSink;
pub(crate) use engine::{Engine, Stop};

/// The network of the `async` time model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkConfig {
    /// Smallest one-way latency, in simulated ns.
    pub latency_ns_min: u64,
    /// Largest one-way latency, in simulated ns (latencies are uniform in `[min, max]`).
    pub latency_ns_max: u64,
    /// Deliver messages on each `src → dst` link in the order they were sent.
    pub fifo: bool,
}

impl Default for NetworkConfig {
    /// 100 µs to 1 ms, FIFO links.
    fn default() -> Self {
        NetworkConfig {
            latency_ns_min: 100_000,
            latency_ns_max: 1_000_000,
            fifo: true,
        }
    }
}

/// Builds a node's reactor (at the start, and again on every restart).
type MakeReactor<R> = Box<dyn Fn(&NodeId) -> R + Send + Sync>;

/// A SUT ready to simulate: its nodes, how to build each node's reactor, and the time model.
///
/// ```
/// # use faultline_harness::{Cx, Effect, Reactor, RunConfig, Simulator};
/// # use serde_json::{Value, json};
/// /// Every node greets every other node once.
/// struct Greeter;
/// impl Reactor for Greeter {
///     type Msg = String;
///     fn init(&mut self, cx: &mut Cx<'_>, _: Option<&Value>) -> Vec<Effect<String>> {
///         ["a", "b", "c"].iter().filter(|n| **n != cx.me).map(|n| Effect::send(*n, "hi".into())).collect()
///     }
///     fn state(&self) -> Value { json!({}) }
/// }
/// let nodes = vec!["a".to_string(), "b".to_string(), "c".to_string()];
/// let sim = Simulator::rounds("greet", nodes, |_| Greeter);
/// let trace = sim.run(&RunConfig::new(1, 4))?;
/// assert_eq!(trace.header.nodes.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a simulator does nothing until `run` is called"]
pub struct Simulator<R: Reactor> {
    sut: String,
    nodes: Vec<NodeId>,
    make: MakeReactor<R>,
    time_model: TimeModel,
    network: NetworkConfig,
    events_max: usize,
}

impl<R: Reactor> Simulator<R> {
    /// A simulator in the `rounds` time model (synchronous rounds `1..=eot`).
    pub fn rounds(
        sut: impl Into<String>,
        nodes: Vec<NodeId>,
        make: impl Fn(&NodeId) -> R + Send + Sync + 'static,
    ) -> Self {
        Simulator {
            sut: sut.into(),
            nodes,
            make: Box::new(make),
            time_model: TimeModel::Rounds,
            network: NetworkConfig::default(),
            events_max: 10_000_000,
        }
    }

    /// A simulator in the `async` time model (seeded latencies; `eot` bounds the steps).
    pub fn asynchronous(
        sut: impl Into<String>,
        nodes: Vec<NodeId>,
        make: impl Fn(&NodeId) -> R + Send + Sync + 'static,
        network: NetworkConfig,
    ) -> Self {
        Simulator {
            time_model: TimeModel::Async,
            network,
            ..Simulator::rounds(sut, nodes, make)
        }
    }

    /// Stops a run with [`HarnessError::EventLimit`] beyond this many events (default 10⁷).
    pub fn events_max(mut self, events_max: usize) -> Self {
        self.events_max = events_max;
        self
    }

    /// The SUT's name.
    pub fn sut(&self) -> &str {
        &self.sut
    }

    /// The nodes, in header order.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// The time model.
    pub fn time_model(&self) -> TimeModel {
        self.time_model
    }

    /// Runs the SUT under `config` (seed, `eot` = rounds or steps, faults) and returns the trace.
    /// Same simulator + config ⇒ the same trace, byte for byte.
    ///
    /// A fault set that names an unknown node or lies outside the run (times `1..=eot`, windows
    /// `[from, to)` with `1 <= from < to <= eot`) is an error. A panic in the SUT's code is not:
    /// the trace ends with it (a `crash` event with a `reason` and no `fault`, see
    /// [`crate::handler_panic`]), and [`crate::System::check`] calls the run bad.
    pub fn run(&self, config: &RunConfig) -> Result<Trace, HarnessError> {
        let mut events = Vec::with_capacity(1024);
        let header = self.run_into(config, &mut events)?;
        Ok(Trace { header, events })
    }

    /// Runs like [`Simulator::run`] but hands each event to `sink` as soon as the scheduler
    /// decision that made it is complete, instead of keeping the trace in memory (for long
    /// runs: stream them to a `TraceWriter`, or count them). Returns the header.
    pub fn run_into(
        &self,
        config: &RunConfig,
        sink: &mut dyn EventSink,
    ) -> Result<Header, HarnessError> {
        let mut engine = Engine::new(self, config, sink)?;
        let ran = engine
            .stop_on_startup_panic()
            .and_then(|()| match self.time_model {
                TimeModel::Rounds => rounds::run(&mut engine, config.eot),
                TimeModel::Async => asynchronous::run(&mut engine, config.eot, self.network),
            });
        match ran {
            // A panic in the SUT's code ends the run; its trace ends with the panic.
            Ok(()) | Err(Stop::Panicked) => Ok(engine.finish()),
            Err(Stop::Error(err)) => Err(err),
        }
    }

    pub(crate) fn make(&self, node: &NodeId) -> R {
        (self.make)(node)
    }

    pub(crate) fn events_limit(&self) -> usize {
        self.events_max
    }
}
