//! Fault variables: which faults exist for a failure spec, which lineage vertex each one breaks,
//! and which ones would change a run at all.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{EventKind, FailureSpec, Fault, NodeId, Trace};

use crate::LineageNode;

/// The fault model of a search: the failure spec plus what the runs showed (each node's first
/// send, from which on it may crash).
#[derive(Debug, Clone)]
pub struct FaultModel {
    spec: FailureSpec,
    first_send: BTreeMap<NodeId, u64>,
}

impl FaultModel {
    /// A model for `spec` that has seen no run yet.
    pub fn new(spec: FailureSpec) -> Self {
        FaultModel {
            spec,
            first_send: BTreeMap::new(),
        }
    }

    /// The failure spec.
    pub fn spec(&self) -> &FailureSpec {
        &self.spec
    }

    /// Learns each node's first send from `trace` (the earliest over every run seen).
    pub fn observe(&mut self, trace: &Trace) {
        for event in trace.events.iter().filter(|e| e.kind == EventKind::Send) {
            if let Some(src) = &event.src {
                let first = self.first_send.entry(src.clone()).or_insert(event.lt);
                *first = (*first).min(event.lt);
            }
        }
    }

    /// The earliest send of `node` seen so far.
    pub fn first_send(&self, node: &str) -> Option<u64> {
        self.first_send.get(node).copied()
    }

    /// Whether one fault is admissible on its own: omissions of sends before EFF, crashes from
    /// the node's first send to EOT, clogs inside 1..=EOT when clogs are allowed (a clog
    /// delays: what it holds is delivered at its end, within the run).
    pub fn is_admissible(&self, fault: &Fault) -> bool {
        match fault {
            Fault::Omission { src, dst, at } => src != dst && *at < self.spec.eff && *at >= 1,
            Fault::Crash { node, at } => {
                self.spec.max_crashes > 0
                    && *at <= self.spec.eot
                    && self.first_send(node).is_some_and(|first| *at >= first)
            }
            Fault::Clog { from, to, .. } => {
                self.spec.max_clogs > 0 && *from >= 1 && from < to && *to <= self.spec.eot
            }
            Fault::Restart { .. } | Fault::Partition { .. } => false,
        }
    }

    /// Whether a whole fault set respects the spec: every fault admissible, at most one crash
    /// per node, at most `max_crashes` crashes and `max_clogs` clogs.
    pub fn respects_spec(&self, faults: &[Fault]) -> bool {
        let mut crashed = BTreeSet::new();
        let mut clogs = 0u32;
        for fault in faults {
            if !self.is_admissible(fault) {
                return false;
            }
            match fault {
                Fault::Crash { node, .. } if !crashed.insert(node) => return false,
                Fault::Clog { .. } => clogs += 1,
                _ => {}
            }
        }
        crashed.len() as u64 <= u64::from(self.spec.max_crashes) && clogs <= self.spec.max_clogs
    }

    /// Crashes of `node` that stop an event of it at `lt` (crash time at or before `lt`).
    /// Every admissible crash of `node` (any time up to EOT).
    pub(crate) fn crashes_of(&self, node: &str) -> Vec<Fault> {
        let mut out = Vec::new();
        self.crashes_through(node, self.spec.eot, &mut out);
        out
    }

    fn crashes_through(&self, node: &str, lt: u64, out: &mut Vec<Fault>) {
        if self.spec.max_crashes == 0 {
            return;
        }
        let Some(first) = self.first_send(node) else {
            return;
        };
        for at in first..=lt.min(self.spec.eot) {
            out.push(Fault::Crash {
                node: node.to_string(),
                at,
            });
        }
    }

    /// Clogs of `node` whose window holds a delivery at `lt`.
    fn clogs_over(&self, node: &str, lt: u64, out: &mut Vec<Fault>) {
        if self.spec.max_clogs == 0 || lt == 0 || lt > self.spec.eot {
            return;
        }
        for from in 1..=lt {
            // A clog delays, it does not drop: held messages must still arrive by EOT.
            for to in lt + 1..=self.spec.eot {
                out.push(Fault::Clog {
                    node: node.to_string(),
                    from,
                    to,
                });
            }
        }
    }

    /// The faults that break `vertex` directly (not through its premises), in a fixed order.
    pub fn breakers(&self, vertex: &LineageNode) -> Vec<Fault> {
        let mut out = Vec::new();
        match vertex {
            LineageNode::Goal | LineageNode::Fact { .. } | LineageNode::Deliveries { .. } => {}
            LineageNode::Delivery {
                src,
                dst,
                sent_lt,
                lt,
                ..
            } => {
                let omission = Fault::Omission {
                    src: src.clone(),
                    dst: dst.clone(),
                    at: *sent_lt,
                };
                if self.is_admissible(&omission) {
                    out.push(omission);
                }
                self.crashes_through(src, *sent_lt, &mut out);
                self.crashes_through(dst, *lt, &mut out);
                self.clogs_over(dst, *lt, &mut out);
            }
            LineageNode::Event { node, lt, .. } => {
                if let Some(node) = node {
                    self.crashes_through(node, *lt, &mut out);
                }
            }
        }
        out
    }

    /// Every admissible fault that would change some event of `trace` (drop a delivered
    /// message, stop a handler, hold a delivery). A fault set that adds none of these to the
    /// set that produced `trace` produces the same run again.
    pub fn affecting(&self, trace: &Trace) -> BTreeSet<Fault> {
        let mut out = Vec::new();
        for event in &trace.events {
            match event.kind {
                EventKind::Deliver => {
                    if let (Some(src), Some(dst), Some(sent_lt)) =
                        (&event.src, &event.dst, event.sent_lt)
                    {
                        let vertex = LineageNode::Delivery {
                            event: event.id,
                            src: src.clone(),
                            dst: dst.clone(),
                            sent_lt,
                            lt: event.lt,
                        };
                        out.extend(self.breakers(&vertex));
                    }
                }
                // A drop runs no handler; nothing of the receiver's is stopped by it.
                EventKind::Drop => {}
                _ => {
                    if let Some(node) = event.actor() {
                        self.crashes_through(node, event.lt, &mut out);
                    }
                }
            }
        }
        out.into_iter().collect()
    }
}
