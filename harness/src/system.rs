//! [`System`]: a system under test — its nodes, how time advances, its invariant and its
//! failure spec — built with [`System::new`] from reactors in any crate.

use std::collections::BTreeSet;
use std::sync::Arc;

use faultline_trace::{FailureSpec, Fault, NodeId, RunVerdict, TimeModel, Trace};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::run::{InvariantReport, RunConfig, bad_if_panicked};
use crate::{HarnessError, NetworkConfig, Reactor, Simulator, parse_fault_set};

type Runner = dyn Fn(&RunConfig) -> Result<Trace, HarnessError> + Send + Sync;
type Invariant = dyn Fn(&Trace) -> InvariantReport + Send + Sync;
type Factory<M> = Arc<dyn Fn(&NodeId) -> Box<dyn Reactor<Msg = M>> + Send + Sync>;

/// A system under test, ready to run, check and search: what `faultline::explore` takes.
///
/// Cheap to clone, and `Sync`, so searches run it from many threads.
///
/// ```
/// use faultline_harness::{Cx, Effect, FailureSpec, InvariantReport, Reactor, System};
/// use faultline_harness::end_state::{crashed_nodes, last_derive};
/// use faultline_trace::{Goal, GoalScope};
/// use serde_json::{Value, json};
///
/// /// `a` tells `b` a secret once; `b` remembers it.
/// #[derive(Clone, Default)]
/// struct Node { knows: bool }
///
/// impl Reactor for Node {
///     type Msg = String;
///     fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<String>> {
///         if cx.me == "a" {
///             self.knows = true;
///             vec![Effect::derive(json!(["knows"])), Effect::send("b", "secret".to_string())]
///         } else {
///             Vec::new()
///         }
///     }
///     fn on_message(&mut self, _: &mut Cx<'_>, _: &String, _: String) -> Vec<Effect<String>> {
///         self.knows = true;
///         vec![Effect::derive(json!(["knows"]))]
///     }
///     fn state(&self) -> Value { json!({ "knows": self.knows }) }
/// }
///
/// let system = System::new("tell")
///     .node("a", Node::default())
///     .node("b", Node::default())
///     .failure_spec(FailureSpec::new(3, 2, 0))
///     .invariant(|trace| match last_derive(trace, "b", &json!(["knows"])) {
///         Some(event) => InvariantReport::holds(Goal::all_of(vec![event], GoalScope::FaultIndependent)),
///         None if crashed_nodes(trace).contains("b") => InvariantReport::vacuous("b crashed"),
///         None => InvariantReport::violated("b never learned the secret"),
///     })
///     .build()?;
/// assert!(system.check(&system.run(&system.default_config(0))?).holds);
/// let lost = system.replay(0, r#"[{"kind":"omission","src":"a","dst":"b","at":1}]"#)?;
/// assert!(!system.check(&lost).holds);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct System {
    name: String,
    description: String,
    time_model: TimeModel,
    default_spec: FailureSpec,
    nodes: Vec<NodeId>,
    runner: Arc<Runner>,
    invariant: Arc<Invariant>,
}

impl System {
    /// Starts describing the system called `name` (the trace header's `sut`). Add nodes with
    /// [`SystemBuilder::node`], then an invariant and a failure spec, then
    /// [`SystemBuilder::build`].
    // `System::new(..)...build()` reads as the thing it makes, as in stateright and turmoil.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<M>(name: impl Into<String>) -> SystemBuilder<M> {
        SystemBuilder {
            name: name.into(),
            description: String::new(),
            time_model: TimeModel::Rounds,
            network: NetworkConfig::default(),
            spec: None,
            nodes: Vec::new(),
            invariant: None,
            events_max: None,
        }
    }

    /// A system from a runner of your own (any simulator that honours [`RunConfig`]) and an
    /// invariant; for reactors, [`System::new`] is simpler.
    pub fn from_runner(
        name: impl Into<String>,
        time_model: TimeModel,
        nodes: Vec<NodeId>,
        default_spec: FailureSpec,
        runner: impl Fn(&RunConfig) -> Result<Trace, HarnessError> + Send + Sync + 'static,
        invariant: impl Fn(&Trace) -> InvariantReport + Send + Sync + 'static,
    ) -> Result<System, HarnessError> {
        let name = name.into();
        check_shape(&name, &nodes, &default_spec)?;
        Ok(System {
            name,
            description: String::new(),
            time_model,
            default_spec,
            nodes,
            runner: Arc::new(runner),
            invariant: Arc::new(invariant),
        })
    }

    /// The same system with a one-line description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Its name, e.g. `simple-deliv`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One line for people.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// How time advances in its runs.
    pub fn time_model(&self) -> TimeModel {
        self.time_model
    }

    /// The failure spec searches use unless told otherwise (⟨EOT, EFF, Crashes⟩ and clogs).
    pub fn default_spec(&self) -> FailureSpec {
        self.default_spec
    }

    /// Its nodes, in header order.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// A failure-free run at the default spec's `eot`, with that spec in the header.
    pub fn default_config(&self, seed: u64) -> RunConfig {
        RunConfig {
            failure_spec: Some(self.default_spec),
            ..RunConfig::new(seed, self.default_spec.eot)
        }
    }

    /// Runs the system under `config`; the header's `verdict` and `goal` are set from
    /// [`System::check`]. Same system and config ⇒ the same trace, byte for byte.
    pub fn run(&self, config: &RunConfig) -> Result<Trace, HarnessError> {
        let mut trace = (self.runner)(config)?;
        let report = self.check(&trace);
        let verdict = report.verdict();
        trace.header.verdict = Some(verdict);
        // The oracle states what a good run rests on, so that a search over these traces
        // (`suggest`) needs no guess.
        trace.header.goal = (verdict != RunVerdict::Bad).then_some(report.goal);
        Ok(trace)
    }

    /// Runs the default config with `seed` and the fault set `faults` (JSON, as a search's
    /// reproducer prints it): the one-line way to replay a counterexample.
    pub fn replay(&self, seed: u64, faults: &str) -> Result<Trace, HarnessError> {
        let faults: Vec<Fault> = parse_fault_set(faults, "the fault set")?;
        self.run(&self.default_config(seed).with_faults(faults))
    }

    /// Evaluates the invariant over a run's trace. A run that ended in a panic of the
    /// system's code ([`crate::handler_panic`]) is bad before the invariant is asked: the
    /// invariant would see a crashed node, and a crash exemption would turn the bug into a
    /// pass.
    pub fn check(&self, trace: &Trace) -> InvariantReport {
        bad_if_panicked(trace).unwrap_or_else(|| (self.invariant)(trace))
    }
}

impl std::fmt::Debug for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("System")
            .field("name", &self.name)
            .field("time_model", &self.time_model)
            .field("default_spec", &self.default_spec)
            .field("nodes", &self.nodes)
            .finish_non_exhaustive()
    }
}

/// A [`System`] being described; `M` is the message type its nodes exchange.
#[must_use = "a system builder does nothing until `build` is called"]
pub struct SystemBuilder<M> {
    name: String,
    description: String,
    time_model: TimeModel,
    network: NetworkConfig,
    spec: Option<FailureSpec>,
    nodes: Vec<(NodeId, Factory<M>)>,
    invariant: Option<Arc<Invariant>>,
    events_max: Option<usize>,
}

impl<M> SystemBuilder<M>
where
    M: Serialize + DeserializeOwned + Clone + 'static,
{
    /// One line for people (`faultline suts` prints it).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds node `id`, running a clone of `reactor` (a fresh clone at the start of every run
    /// and on every restart: nothing volatile survives a crash).
    pub fn node<R>(self, id: impl Into<NodeId>, reactor: R) -> Self
    where
        R: Reactor<Msg = M> + Clone + Send + Sync + 'static,
    {
        self.node_with(id, move |_| reactor.clone())
    }

    /// Adds node `id`, whose reactor `make` builds (given the node's id) at the start of every
    /// run and on every restart.
    pub fn node_with<R>(
        mut self,
        id: impl Into<NodeId>,
        make: impl Fn(&NodeId) -> R + Send + Sync + 'static,
    ) -> Self
    where
        R: Reactor<Msg = M> + 'static,
    {
        let factory: Factory<M> = Arc::new(move |id| Box::new(make(id)));
        self.nodes.push((id.into(), factory));
        self
    }

    /// Adds every node in `ids`, each built by `make` from its id.
    pub fn nodes<R, I>(
        mut self,
        ids: I,
        make: impl Fn(&NodeId) -> R + Send + Sync + 'static,
    ) -> Self
    where
        R: Reactor<Msg = M> + 'static,
        I: IntoIterator,
        I::Item: Into<NodeId>,
    {
        let make = Arc::new(make);
        for id in ids {
            let make = Arc::clone(&make);
            self = self.node_with(id, move |id| make(id));
        }
        self
    }

    /// The correctness property, `pre → post`, over a run's trace: see [`InvariantReport`]
    /// for what it must say (and [`crate::end_state`] for reading a run's end).
    pub fn invariant(
        mut self,
        invariant: impl Fn(&Trace) -> InvariantReport + Send + Sync + 'static,
    ) -> Self {
        self.invariant = Some(Arc::new(invariant));
        self
    }

    /// The failure spec searches use unless told otherwise.
    pub fn failure_spec(mut self, spec: FailureSpec) -> Self {
        self.spec = Some(spec);
        self
    }

    /// Synchronous rounds (the default; the LDFI paper's model): every message takes one round.
    pub fn rounds(mut self) -> Self {
        self.time_model = TimeModel::Rounds;
        self
    }

    /// Asynchronous steps with seeded latencies from `network`.
    pub fn asynchronous(mut self, network: NetworkConfig) -> Self {
        self.time_model = TimeModel::Async;
        self.network = network;
        self
    }

    /// Ends a run with [`HarnessError::EventLimit`] beyond this many events (default 10⁷).
    pub fn events_max(mut self, events_max: usize) -> Self {
        self.events_max = Some(events_max);
        self
    }

    /// The system, or what is missing or inconsistent in its description: no nodes, a node
    /// named twice, no invariant, no failure spec, EFF above EOT, more crashes than nodes.
    pub fn build(self) -> Result<System, HarnessError> {
        let ids: Vec<NodeId> = self.nodes.iter().map(|(id, _)| id.clone()).collect();
        let problem = |problem: String| HarnessError::System {
            system: self.name.clone(),
            problem,
        };
        let spec = self.spec.ok_or_else(|| {
            problem(
                "no failure spec: add .failure_spec(FailureSpec::new(eot, eff, crashes))".into(),
            )
        })?;
        check_shape(&self.name, &ids, &spec)?;
        let invariant = self.invariant.ok_or_else(|| {
            problem("no invariant: add .invariant(|trace| ...) (see InvariantReport)".into())
        })?;
        let factories = self.nodes;
        let make = move |id: &NodeId| -> Box<dyn Reactor<Msg = M>> {
            let (_, factory) = factories
                .iter()
                .find(|(known, _)| known == id)
                .expect("the simulator only builds the nodes it was given");
            factory(id)
        };
        let simulator = match self.time_model {
            TimeModel::Rounds => Simulator::rounds(self.name.clone(), ids.clone(), make),
            TimeModel::Async => {
                Simulator::asynchronous(self.name.clone(), ids.clone(), make, self.network)
            }
        };
        let simulator = match self.events_max {
            Some(events_max) => simulator.events_max(events_max),
            None => simulator,
        };
        Ok(System {
            name: self.name,
            description: self.description,
            time_model: self.time_model,
            default_spec: spec,
            nodes: ids,
            runner: Arc::new(move |config: &RunConfig| simulator.run(config)),
            invariant,
        })
    }
}

/// The checks every system passes: a name, distinct node names, a spec that makes sense.
fn check_shape(name: &str, nodes: &[NodeId], spec: &FailureSpec) -> Result<(), HarnessError> {
    let problem = |problem: String| {
        Err(HarnessError::System {
            system: name.to_string(),
            problem,
        })
    };
    if name.is_empty() {
        return problem("the name is empty".into());
    }
    if nodes.is_empty() {
        return problem("no nodes: add .node(\"a\", reactor)".into());
    }
    let mut seen = BTreeSet::new();
    for node in nodes {
        if node.is_empty() {
            return problem("a node's name is empty".into());
        }
        if !seen.insert(node) {
            return problem(format!("node {node:?} is added twice"));
        }
    }
    if spec.eot == 0 {
        return problem("the failure spec's EOT is 0 (a run needs at least one round)".into());
    }
    if spec.eff > spec.eot {
        return problem(format!(
            "the failure spec's EFF ({}) exceeds its EOT ({})",
            spec.eff, spec.eot
        ));
    }
    if usize::try_from(spec.max_crashes).map_or(true, |crashes| crashes > nodes.len()) {
        return problem(format!(
            "the failure spec allows {} crashes but there are {} nodes (a node crashes once)",
            spec.max_crashes,
            nodes.len()
        ));
    }
    Ok(())
}
