//! Lineage graphs: the AND/OR graph of everything a run's good outcome rests on.
//!
//! Built from `derive` events and `parents` annotations when the trace has them; otherwise from
//! happens-before (a send depends on every earlier delivery at its node), which is sound but
//! prunes less.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use faultline_trace::{Event, EventKind, LineageDecl, NodeId, Trace};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::LdfiError;

/// One vertex of a lineage graph. Edges point from a vertex to the premises it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LineageNode {
    /// The good outcome: it needs every goal premise (AND).
    Goal,
    /// `fact` held at `node`: any one of its `derivations` suffices (OR).
    Fact {
        /// Where the fact is held.
        node: NodeId,
        /// The fact itself.
        fact: Value,
        /// How many derivations are alternatives here (those before the dependent event).
        derivations: usize,
    },
    /// A delivered message (AND of its send); lost by an omission, a clog or a crash.
    Delivery {
        /// The `deliver` event id.
        event: u64,
        /// Sender.
        src: NodeId,
        /// Receiver.
        dst: NodeId,
        /// Round (or step) of the send.
        sent_lt: u64,
        /// Round (or step) of the delivery.
        lt: u64,
    },
    /// Any other event (derive, send, start, timer...): needs all its premises (AND); lost if
    /// its node crashes at or before `lt`.
    Event {
        /// The event id.
        event: u64,
        /// The event's kind.
        kind: EventKind,
        /// The node it happened at, if it names one.
        node: Option<NodeId>,
        /// Its logical time.
        lt: u64,
        /// The fact, for `derive` events.
        #[serde(skip_serializing_if = "Option::is_none")]
        fact: Option<Value>,
        /// The receiver, for `send` events.
        #[serde(skip_serializing_if = "Option::is_none")]
        dst: Option<NodeId>,
    },
    /// Happens-before fallback: the first `count` deliveries at `node`, all needed (AND).
    Deliveries {
        /// The node.
        node: NodeId,
        /// How many of its deliveries (in trace order).
        count: usize,
    },
}

impl LineageNode {
    /// True for OR vertices (facts); every other vertex is an AND.
    pub fn is_or(&self) -> bool {
        matches!(self, LineageNode::Fact { .. })
    }

    /// The node this vertex happens at or is held at (the receiver, for a delivery).
    pub fn node(&self) -> Option<&str> {
        match self {
            LineageNode::Goal => None,
            LineageNode::Fact { node, .. } | LineageNode::Deliveries { node, .. } => Some(node),
            LineageNode::Delivery { dst, .. } => Some(dst),
            LineageNode::Event { node, .. } => node.as_deref(),
        }
    }

    /// A one-line label for people (DOT, reports).
    pub fn label(&self) -> String {
        match self {
            LineageNode::Goal => "goal".to_string(),
            LineageNode::Fact {
                node,
                fact,
                derivations,
            } => format!("{fact} at {node} ({derivations} derivation(s), any)"),
            LineageNode::Delivery {
                event,
                src,
                dst,
                sent_lt,
                lt,
            } => format!("#{event} deliver {src}→{dst} sent@{sent_lt} at {lt}"),
            LineageNode::Event {
                event,
                kind,
                node,
                lt,
                fact,
                dst,
            } => {
                let node = node.as_deref().unwrap_or("?");
                match (fact, dst) {
                    (Some(fact), _) => format!("#{event} derive {fact} at {node}@{lt}"),
                    (None, Some(dst)) => format!("#{event} {kind} {node}→{dst}@{lt}"),
                    (None, None) => format!("#{event} {kind} at {node}@{lt}"),
                }
            }
            LineageNode::Deliveries { node, count } => {
                format!("first {count} deliveries at {node} (all)")
            }
        }
    }
}

/// How the graph was derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineageMode {
    /// From `derive` events and `parents` annotations.
    Annotated,
    /// From happens-before (the trace has no `parents`).
    HappensBefore,
}

/// The lineage of a run's good outcome: an AND/OR DAG rooted at [`LineageGraph::goal`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineageGraph {
    /// Vertices and premise edges (vertex → premise). Indices follow construction order, which
    /// is deterministic for a given trace and goal.
    pub graph: DiGraph<LineageNode, ()>,
    /// The root.
    pub goal: NodeIndex,
    /// How it was derived.
    pub mode: LineageMode,
    /// Each goal event with the premise of the root that stands for it (several goal events
    /// may share one: the derivations of one fact), in goal order.
    pub goal_premises: Vec<(u64, NodeIndex)>,
}

impl LineageGraph {
    /// Premises of `vertex`, in the order they were added.
    pub fn premises(&self, vertex: NodeIndex) -> Vec<NodeIndex> {
        let mut premises: Vec<NodeIndex> = self.graph.neighbors(vertex).collect();
        // petgraph lists neighbours newest first.
        premises.reverse();
        premises
    }

    /// True when the goal has no premise (nothing to break: the outcome holds vacuously).
    pub fn is_empty(&self) -> bool {
        self.graph.neighbors(self.goal).next().is_none()
    }
}

/// The default goal of a trace: for every (node, fact) derived in the run, its last
/// derivation; without `derive` events, every delivery (detsys style).
pub fn default_goal(trace: &Trace) -> Vec<u64> {
    select_goal(trace, None, None)
}

/// Goal events chosen by fact and/or node: the last derivation of each matching (node, fact);
/// without any `derive` event in the trace, every matching delivery (by receiver).
pub fn select_goal(trace: &Trace, fact: Option<&Value>, node: Option<&str>) -> Vec<u64> {
    let has_derives = trace.events.iter().any(|e| e.kind == EventKind::Derive);
    if !has_derives {
        return trace
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Deliver)
            .filter(|e| node.is_none_or(|n| e.dst.as_deref() == Some(n)))
            .map(|e| e.id)
            .collect();
    }
    let mut last: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for event in trace.events.iter().filter(|e| e.kind == EventKind::Derive) {
        let (Some(at), Some(held)) = (event.actor(), event.fact.as_ref()) else {
            continue;
        };
        if node.is_some_and(|n| n != at) || fact.is_some_and(|f| f != held) {
            continue;
        }
        last.insert((at.clone(), held.to_string()), event.id);
    }
    let goal: BTreeSet<u64> = last.into_values().collect();
    goal.into_iter().collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Event(u64),
    Fact {
        node: NodeId,
        fact: String,
        count: usize,
    },
    Deliveries {
        node: NodeId,
        count: usize,
    },
}

/// Builds the lineage graph of `goal` (event ids) in `trace`.
///
/// A goal `derive` event stands for its fact at its node: OR over every derivation of it in the
/// run. A `derive` parent stands for its fact at its node, OR over the derivations before the
/// dependent event. A delivery needs its send (linked by `msg_id`).
///
/// # Complexity
/// O(V + E) in the events and `parents` reached from the goal; vertices are memoised.
pub fn build_lineage(trace: &Trace, goal: &[u64]) -> Result<LineageGraph, LdfiError> {
    let mut builder = Builder::new(trace);
    let root = builder.graph.add_node(LineageNode::Goal);
    let mut seen = BTreeMap::new();
    let mut goal_premises = Vec::with_capacity(goal.len());
    for &id in goal {
        let event = builder.event(id).ok_or_else(|| LdfiError::Goal {
            run_id: trace.header.run_id.clone(),
            event: id,
        })?;
        let key = match (event.kind, event.actor(), event.fact.as_ref()) {
            (EventKind::Derive, Some(node), Some(fact)) => {
                let fact = fact.to_string();
                let count = builder.derivations(node, &fact, u64::MAX).len();
                Key::Fact {
                    node: node.clone(),
                    fact,
                    count,
                }
            }
            _ => Key::Event(id),
        };
        let premise = match seen.get(&format!("{key:?}")) {
            Some(&premise) => premise,
            None => {
                let name = format!("{key:?}");
                let premise = builder.intern(key)?;
                builder.graph.add_edge(root, premise, ());
                seen.insert(name, premise);
                premise
            }
        };
        goal_premises.push((id, premise));
    }
    builder.expand_all()?;
    Ok(LineageGraph {
        graph: builder.graph,
        goal: root,
        mode: builder.mode,
        goal_premises,
    })
}

struct Builder<'t> {
    trace: &'t Trace,
    mode: LineageMode,
    graph: DiGraph<LineageNode, ()>,
    memo: HashMap<Key, NodeIndex>,
    pending: Vec<(Key, NodeIndex)>,
    /// (node, fact JSON) → derive event ids, ascending.
    derivations: HashMap<(NodeId, String), Vec<u64>>,
    /// node → deliver event ids, ascending.
    deliveries: HashMap<NodeId, Vec<u64>>,
    /// msg_id → send event id.
    sends: HashMap<u64, u64>,
}

impl<'t> Builder<'t> {
    fn new(trace: &'t Trace) -> Self {
        let mut derivations: HashMap<(NodeId, String), Vec<u64>> = HashMap::new();
        let mut deliveries: HashMap<NodeId, Vec<u64>> = HashMap::new();
        let mut sends = HashMap::new();
        for event in &trace.events {
            match event.kind {
                EventKind::Derive => {
                    if let (Some(node), Some(fact)) = (event.actor(), event.fact.as_ref()) {
                        let key = (node.clone(), fact.to_string());
                        derivations.entry(key).or_default().push(event.id);
                    }
                }
                EventKind::Deliver => {
                    if let Some(node) = event.actor() {
                        deliveries.entry(node.clone()).or_default().push(event.id);
                    }
                }
                EventKind::Send => {
                    if let Some(msg_id) = event.msg_id {
                        sends.entry(msg_id).or_insert(event.id);
                    }
                }
                _ => {}
            }
        }
        let mode = match trace.header.lineage {
            Some(LineageDecl::Annotated) => LineageMode::Annotated,
            Some(LineageDecl::HappensBefore) => LineageMode::HappensBefore,
            None if trace.events.iter().any(|e| !e.parents.is_empty()) => LineageMode::Annotated,
            None => LineageMode::HappensBefore,
        };
        Builder {
            trace,
            mode,
            graph: DiGraph::new(),
            memo: HashMap::new(),
            pending: Vec::new(),
            derivations,
            deliveries,
            sends,
        }
    }

    fn event(&self, id: u64) -> Option<&'t Event> {
        self.trace.event(id)
    }

    /// Derivations of `fact` at `node` with id < `before`.
    fn derivations(&self, node: &str, fact: &str, before: u64) -> &[u64] {
        let all = self
            .derivations
            .get(&(node.to_string(), fact.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        &all[..all.partition_point(|&id| id < before)]
    }

    fn deliveries_before(&self, node: &str, before: u64) -> usize {
        self.deliveries
            .get(node)
            .map_or(0, |ids| ids.partition_point(|&id| id < before))
    }

    fn intern(&mut self, key: Key) -> Result<NodeIndex, LdfiError> {
        if let Some(&index) = self.memo.get(&key) {
            return Ok(index);
        }
        let vertex = self.vertex(&key)?;
        let index = self.graph.add_node(vertex);
        self.memo.insert(key.clone(), index);
        self.pending.push((key, index));
        Ok(index)
    }

    fn vertex(&self, key: &Key) -> Result<LineageNode, LdfiError> {
        Ok(match key {
            Key::Fact { node, fact, count } => LineageNode::Fact {
                node: node.clone(),
                fact: serde_json::from_str(fact).unwrap_or(Value::Null),
                derivations: *count,
            },
            Key::Deliveries { node, count } => LineageNode::Deliveries {
                node: node.clone(),
                count: *count,
            },
            Key::Event(id) => {
                let event = self
                    .event(*id)
                    .ok_or_else(|| self.bad(*id, "no such event"))?;
                match event.kind {
                    EventKind::Deliver => {
                        // An omission, a clog or a crash must be able to break a delivery: one
                        // whose channel or send time is unknown would look unbreakable, and
                        // a certificate would rest on it.
                        let (Some(src), Some(dst)) = (&event.src, &event.dst) else {
                            return Err(self.bad(*id, "a deliver needs `src` and `dst`"));
                        };
                        let sent_lt = match event.sent_lt {
                            Some(sent_lt) => sent_lt,
                            None => self.send_time(event).ok_or_else(|| {
                                self.bad(
                                    *id,
                                    "a deliver needs `sent_lt`, or a `msg_id` naming an earlier send",
                                )
                            })?,
                        };
                        LineageNode::Delivery {
                            event: event.id,
                            src: src.clone(),
                            dst: dst.clone(),
                            sent_lt,
                            lt: event.lt,
                        }
                    }
                    _ => LineageNode::Event {
                        event: event.id,
                        kind: event.kind,
                        node: event.actor().cloned(),
                        lt: event.lt,
                        fact: event.fact.clone(),
                        dst: (event.kind == EventKind::Send)
                            .then(|| event.dst.clone())
                            .flatten(),
                    },
                }
            }
        })
    }

    /// The logical time of the send a deliver's `msg_id` names, if the trace has it.
    fn send_time(&self, deliver: &Event) -> Option<u64> {
        let send = *self.sends.get(&deliver.msg_id?)?;
        (send < deliver.id)
            .then(|| self.event(send))
            .flatten()
            .map(|e| e.lt)
    }

    fn bad(&self, event: u64, problem: &str) -> LdfiError {
        LdfiError::Lineage {
            run_id: self.trace.header.run_id.clone(),
            event,
            problem: problem.to_string(),
        }
    }

    /// Expands vertices until none is pending (a worklist, so deep traces cannot overflow the stack).
    fn expand_all(&mut self) -> Result<(), LdfiError> {
        while let Some((key, index)) = self.pending.pop() {
            for premise in self.premise_keys(&key)? {
                let target = self.intern(premise)?;
                if self.graph.find_edge(index, target).is_none() {
                    self.graph.add_edge(index, target, ());
                }
            }
        }
        Ok(())
    }

    fn premise_keys(&self, key: &Key) -> Result<Vec<Key>, LdfiError> {
        match key {
            Key::Fact { node, fact, count } => {
                // A chain, not a fan: "held after k derivations" = the k-th derivation OR "held
                // after k-1". Same OR, but O(derivations) edges in all instead of O(n²) when
                // every round re-derives the fact and every round's sends depend on it.
                let ids = self.derivations(node, fact, u64::MAX);
                let Some(&latest) = count.checked_sub(1).and_then(|index| ids.get(index)) else {
                    return Err(self.bad(0, &format!("no derivation of {fact} at {node}")));
                };
                let mut keys = vec![Key::Event(latest)];
                if *count > 1 {
                    keys.push(Key::Fact {
                        node: node.clone(),
                        fact: fact.clone(),
                        count: count - 1,
                    });
                }
                Ok(keys)
            }
            Key::Deliveries { node, count } => {
                let ids = &self.deliveries[node];
                let mut keys = vec![Key::Event(ids[count - 1])];
                if *count > 1 {
                    keys.push(Key::Deliveries {
                        node: node.clone(),
                        count: count - 1,
                    });
                }
                Ok(keys)
            }
            Key::Event(id) => self.event_premises(*id),
        }
    }

    fn event_premises(&self, id: u64) -> Result<Vec<Key>, LdfiError> {
        let event = self
            .event(id)
            .ok_or_else(|| self.bad(id, "no such event"))?;
        let mut keys = Vec::new();
        if event.kind == EventKind::Deliver
            && let Some(&send) = event.msg_id.and_then(|m| self.sends.get(&m))
            && send < id
        {
            keys.push(Key::Event(send));
        }
        match self.mode {
            LineageMode::Annotated => {
                for &parent in &event.parents {
                    keys.push(self.parent_key(event, parent)?);
                }
            }
            LineageMode::HappensBefore => {
                // Everything a node does after an input depends on every earlier input of it
                // (its state): a delivery's handler too, not only the delivery's send.
                if let Some(node) = event.actor() {
                    let count = self.deliveries_before(node, id);
                    if count > 0 {
                        keys.push(Key::Deliveries {
                            node: node.clone(),
                            count,
                        });
                    }
                }
            }
        }
        let mut unique = Vec::with_capacity(keys.len());
        for key in keys {
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        Ok(unique)
    }

    fn parent_key(&self, event: &Event, parent: u64) -> Result<Key, LdfiError> {
        if parent >= event.id {
            return Err(self.bad(
                event.id,
                &format!("parent {parent} is not an earlier event"),
            ));
        }
        let parent_event = self
            .event(parent)
            .ok_or_else(|| self.bad(event.id, &format!("parent {parent} does not exist")))?;
        match (parent_event.kind, parent_event.actor(), &parent_event.fact) {
            (EventKind::Derive, Some(node), Some(fact)) => {
                let fact = fact.to_string();
                let count = self.derivations(node, &fact, event.id).len();
                Ok(Key::Fact {
                    node: node.clone(),
                    fact,
                    count,
                })
            }
            _ => Ok(Key::Event(parent)),
        }
    }
}
