//! Fault variables: which faults exist for a failure spec, which lineage vertex each one breaks,
//! and which ones would change a run at all.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{EventKind, FailureSpec, Fault, Trace};

use crate::LineageNode;

/// The fault model of a search: which faults a failure spec admits, which lineage vertex each
/// one breaks, and which ones would change a given run.
///
/// The admissible faults are exactly those [`crate::exhaustive_sets`] enumerates and
/// [`crate::exact_count`] counts: omissions of sends at `1 ≤ t < EFF`, crashes of any node at
/// `1 ≤ t ≤ EOT` (at most one per node, at most `max_crashes`), clog windows
/// `1 ≤ from < to ≤ EOT` (at most `max_clogs`).
#[derive(Debug, Clone)]
pub struct FaultModel {
    spec: FailureSpec,
}

impl FaultModel {
    /// The model of `spec`.
    pub fn new(spec: FailureSpec) -> Self {
        FaultModel { spec }
    }

    /// The failure spec.
    pub fn spec(&self) -> &FailureSpec {
        &self.spec
    }

    /// Whether one fault is admissible on its own: omissions of sends before EFF, crashes in
    /// 1..=EOT, clogs inside 1..=EOT when clogs are allowed (a clog delays: what it holds is
    /// delivered at its end, within the run).
    pub fn is_admissible(&self, fault: &Fault) -> bool {
        match fault {
            Fault::Omission { src, dst, at } => src != dst && *at < self.spec.eff && *at >= 1,
            Fault::Crash { at, .. } => {
                self.spec.max_crashes > 0 && *at >= 1 && *at <= self.spec.eot
            }
            Fault::Clog { from, to, .. } => {
                self.spec.max_clogs > 0 && *from >= 1 && from < to && *to <= self.spec.eot
            }
            Fault::Restart { at, .. } => {
                self.spec.max_restarts > 0
                    && self.spec.max_crashes > 0
                    && *at >= 2
                    && *at <= self.spec.eot
            }
            Fault::Swizzle { .. } => {
                self.spec.max_swizzles > 0
                    && fault.is_well_formed_swizzle()
                    && fault
                        .swizzle_members()
                        .iter()
                        .all(|&(_, from, to)| from >= 1 && from < to && to <= self.spec.eot)
            }
            Fault::Skew { by_ns, at, .. } => {
                *at >= 1 && *at <= self.spec.eot && self.spec.skew_offsets().contains(by_ns)
            }
            Fault::Partition { .. } => false,
        }
    }

    /// Whether a whole fault set respects the spec: every fault admissible, at most one crash
    /// per node, at most `max_crashes` crashes and `max_clogs` clogs, a restart only after a
    /// crash of its node (at most one per node, `max_restarts` in all), at most
    /// `max_swizzles` swizzles and at most one skew per node (`max_skews` in all).
    pub fn respects_spec(&self, faults: &[Fault]) -> bool {
        let mut crashed = BTreeMap::new();
        let mut restarted = BTreeSet::new();
        let mut skewed = BTreeSet::new();
        let (mut clogs, mut swizzles) = (0u32, 0u32);
        for fault in faults {
            if !self.is_admissible(fault) {
                return false;
            }
            match fault {
                Fault::Crash { node, at } if crashed.insert(node, *at).is_some() => return false,
                Fault::Restart { node, .. } if !restarted.insert(node) => return false,
                Fault::Skew { node, .. } if !skewed.insert(node) => return false,
                Fault::Clog { .. } => clogs += 1,
                Fault::Swizzle { .. } => swizzles += 1,
                _ => {}
            }
        }
        let restarts_follow_crashes = faults.iter().all(|fault| match fault {
            Fault::Restart { node, at } => crashed.get(node).is_some_and(|crash| crash < at),
            _ => true,
        });
        restarts_follow_crashes
            && crashed.len() as u64 <= u64::from(self.spec.max_crashes)
            && restarted.len() as u64 <= u64::from(self.spec.max_restarts)
            && skewed.len() as u64 <= u64::from(self.spec.max_skews)
            && clogs <= self.spec.max_clogs
            && swizzles <= self.spec.max_swizzles
    }

    /// Swizzles with one member, `node` clogged over a window that holds a delivery at `lt`
    /// (the solver builds every swizzle from such members).
    fn swizzle_members_over(&self, node: &str, lt: u64, out: &mut Vec<Fault>) {
        if self.spec.max_swizzles == 0 || lt == 0 || lt > self.spec.eot {
            return;
        }
        for from in 1..=lt {
            for to in lt + 1..=self.spec.eot {
                out.push(Fault::Swizzle {
                    nodes: vec![node.to_string()],
                    clog_at: vec![from],
                    unclog_at: vec![to],
                });
            }
        }
    }

    /// Skews of `node` that change its handlers at `lt` (started at or before `lt`, by any
    /// admitted offset).
    fn skews_through(&self, node: &str, lt: u64, out: &mut Vec<Fault>) {
        for at in 1..=lt.min(self.spec.eot) {
            for by_ns in self.spec.skew_offsets() {
                out.push(Fault::Skew {
                    node: node.to_string(),
                    by_ns,
                    at,
                });
            }
        }
    }

    /// Whether skews are admitted at all.
    pub(crate) fn skews_allowed(&self) -> bool {
        !self.spec.skew_offsets().is_empty()
    }

    /// Whether restarts are admitted at all.
    pub(crate) fn restarts_allowed(&self) -> bool {
        self.spec.max_restarts > 0 && self.spec.max_crashes > 0 && self.spec.eot >= 2
    }

    /// Crashes of `node` that stop an event of it at `lt` (crash time at or before `lt`).
    fn crashes_through(&self, node: &str, lt: u64, out: &mut Vec<Fault>) {
        if self.spec.max_crashes == 0 {
            return;
        }
        for at in 1..=lt.min(self.spec.eot) {
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

    /// [`FaultModel::breakers`] with the crashes folded: the faults other than crashes, and
    /// each (node, time) such that a crash of the node at or before that time breaks `vertex`.
    /// The encoding turns the latter into one shared "crashed by t" variable each, instead of
    /// listing every earlier crash time per vertex (which grows with EOT²).
    ///
    /// Skews are folded the same way, as thresholds of kind [`LadderKind::Skew`]: a skew of a node
    /// at or before a handler's time may change what the handler does, so it breaks the event
    /// (an over-approximation: the lineage cannot see which handlers read the clock).
    pub(crate) fn breakers_folded<'v>(
        &self,
        vertex: &'v LineageNode,
    ) -> (Vec<Fault>, Vec<(LadderKind, &'v str, u64)>) {
        let mut faults = Vec::new();
        let mut crashed_by = Vec::new();
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
                    faults.push(omission);
                }
                crashed_by.push((LadderKind::Crash, src.as_str(), *sent_lt));
                crashed_by.push((LadderKind::Crash, dst.as_str(), *lt));
                if self.skews_allowed() {
                    crashed_by.push((LadderKind::Skew, src.as_str(), *sent_lt));
                    crashed_by.push((LadderKind::Skew, dst.as_str(), *lt));
                }
                self.clogs_over(dst, *lt, &mut faults);
                self.swizzle_members_over(dst, *lt, &mut faults);
            }
            LineageNode::Event { node, lt, .. } => {
                if let Some(node) = node {
                    crashed_by.push((LadderKind::Crash, node.as_str(), *lt));
                    if self.skews_allowed() {
                        crashed_by.push((LadderKind::Skew, node.as_str(), *lt));
                    }
                }
            }
        }
        (faults, crashed_by)
    }

    /// The admissible crash times up to `lt` as (first, last), if there are any.
    pub(crate) fn crash_times(&self, lt: u64) -> Option<(u64, u64)> {
        let last = lt.min(self.spec.eot);
        (self.spec.max_crashes > 0 && last >= 1).then_some((1, last))
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
                self.swizzle_members_over(dst, *lt, &mut out);
                self.skews_through(src, *sent_lt, &mut out);
                self.skews_through(dst, *lt, &mut out);
            }
            LineageNode::Event { node, lt, .. } => {
                if let Some(node) = node {
                    self.crashes_through(node, *lt, &mut out);
                    self.skews_through(node, *lt, &mut out);
                }
            }
        }
        out
    }

    /// Every admissible fault that would change some event of `trace` (drop a delivered
    /// message, stop a handler, hold a delivery). A fault set that adds none of these to the
    /// set that produced `trace` produces the same events again.
    ///
    /// With `crash_set_matters` (the property reads which nodes crashed, not only what they
    /// did), a crash of any node that did not crash in `trace`, at any admissible time, changes
    /// the run too: a crash after a node's last event changes no event but adds a `crash`.
    ///
    /// # Complexity
    /// O(events + faults returned). The list names every crash time one by one, so it grows
    /// with EOT; the encoding uses [`FaultModel::affecting_folded`] instead.
    pub fn affecting(&self, trace: &Trace, crash_set_matters: bool) -> BTreeSet<Fault> {
        let folded = self.affecting_folded(trace, crash_set_matters);
        let mut out = folded.faults;
        for (node, lt) in folded.latest_crash {
            self.crashes_through(&node, lt, &mut out);
        }
        for (node, lt) in folded.latest_skew {
            self.skews_through(&node, lt, &mut out);
        }
        out.into_iter().collect()
    }

    /// [`FaultModel::affecting`] with the crashes folded: the faults other than crashes, and
    /// for each node the latest time t such that a crash of it at or before t changes the run
    /// (only nodes for which some admissible crash does).
    ///
    /// # Complexity
    /// O(events + faults returned), whatever EOT is.
    pub(crate) fn affecting_folded(&self, trace: &Trace, crash_set_matters: bool) -> Affecting {
        let mut out = Vec::new();
        // The latest time each node does something a crash would stop: a crash at or before
        // it changes the run; crashes stopping earlier events are a subset.
        let mut latest: BTreeMap<&str, u64> = BTreeMap::new();
        let mut clogged: BTreeSet<(&str, u64)> = BTreeSet::new();
        // A deliver without `sent_lt` is still linked to its send by `msg_id`.
        let mut sent_at: BTreeMap<u64, u64> = BTreeMap::new();
        for event in &trace.events {
            match event.kind {
                EventKind::Send => {
                    if let Some(msg_id) = event.msg_id {
                        sent_at.entry(msg_id).or_insert(event.lt);
                    }
                    if let Some(node) = event.actor() {
                        note_latest(&mut latest, node, event.lt);
                    }
                }
                EventKind::Deliver => {
                    let sent_lt = event
                        .sent_lt
                        .or_else(|| sent_at.get(&event.msg_id?).copied());
                    if let (Some(src), Some(dst), Some(sent_lt)) = (&event.src, &event.dst, sent_lt)
                    {
                        let omission = Fault::Omission {
                            src: src.clone(),
                            dst: dst.clone(),
                            at: sent_lt,
                        };
                        if self.is_admissible(&omission) {
                            out.push(omission);
                        }
                        note_latest(&mut latest, src, sent_lt);
                        note_latest(&mut latest, dst, event.lt);
                        clogged.insert((dst, event.lt));
                    }
                }
                // A drop runs no handler; nothing of the receiver's is stopped by it.
                EventKind::Drop => {}
                _ => {
                    if let Some(node) = event.actor() {
                        note_latest(&mut latest, node, event.lt);
                    }
                }
            }
        }
        let latest_handler = latest.clone();
        if crash_set_matters {
            let crashed: BTreeSet<&str> = trace
                .header
                .faults
                .iter()
                .filter_map(|fault| match fault {
                    Fault::Crash { node, .. } => Some(node.as_str()),
                    _ => None,
                })
                .collect();
            for node in trace
                .header
                .nodes
                .iter()
                .filter(|n| !crashed.contains(n.as_str()))
            {
                latest.insert(node, self.spec.eot);
            }
        }
        for (dst, lt) in clogged {
            self.clogs_over(dst, lt, &mut out);
            self.swizzle_members_over(dst, lt, &mut out);
        }
        // A skew changes a node's handlers from its time on (the crash-set bump above is about
        // crashes only: a skew after a node's last event changes nothing).
        let latest_skew = if self.skews_allowed() {
            latest_handler
                .into_iter()
                .filter(|&(_, lt)| lt >= 1)
                .map(|(node, lt)| (node.to_string(), lt.min(self.spec.eot)))
                .collect()
        } else {
            BTreeMap::new()
        };
        let latest_crash = latest
            .into_iter()
            .filter(|&(_, lt)| self.crash_times(lt).is_some())
            .map(|(node, lt)| (node.to_string(), lt.min(self.spec.eot)))
            .collect();
        Affecting {
            faults: out,
            latest_crash,
            latest_skew,
        }
    }
}

/// What changes a run ([`FaultModel::affecting_folded`]): faults other than crashes and skews,
/// and per node the latest crash time and skew time that do.
#[derive(Debug, Clone, Default)]
pub(crate) struct Affecting {
    pub(crate) faults: Vec<Fault>,
    pub(crate) latest_crash: BTreeMap<String, u64>,
    pub(crate) latest_skew: BTreeMap<String, u64>,
}

/// The per-node ladders of the encoding: a node's crash time, its restart time, the time its
/// clock is skewed from; and the one pivot of a swizzle (a time when all its members are
/// clogged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum LadderKind {
    Crash,
    Restart,
    Skew,
    Pivot,
}

fn note_latest<'a>(latest: &mut BTreeMap<&'a str, u64>, node: &'a str, lt: u64) {
    let entry = latest.entry(node).or_insert(lt);
    *entry = (*entry).max(lt);
}

#[cfg(test)]
mod tests {
    use faultline_trace::{Event, Header, NodeId, TimeModel};

    use super::*;

    /// The definition `affecting` computes in linear time: the union, over the run's events,
    /// of the faults that would change each one.
    fn affecting_by_definition(model: &FaultModel, trace: &Trace) -> BTreeSet<Fault> {
        let mut out = BTreeSet::new();
        for event in &trace.events {
            match event.kind {
                EventKind::Deliver => out.extend(model.breakers(&LineageNode::Delivery {
                    event: event.id,
                    src: event.src.clone().expect("src"),
                    dst: event.dst.clone().expect("dst"),
                    sent_lt: event.sent_lt.expect("sent_lt"),
                    lt: event.lt,
                })),
                EventKind::Drop => {}
                _ => {
                    let mut crashes = Vec::new();
                    model.crashes_through(event.actor().expect("actor"), event.lt, &mut crashes);
                    out.extend(crashes);
                }
            }
        }
        out
    }

    #[test]
    fn affecting_is_the_union_of_what_changes_each_event() {
        let nodes: Vec<NodeId> = ["a", "b", "c"].map(String::from).to_vec();
        let mut trace = Trace::new(Header::new("t", "t", TimeModel::Rounds, nodes.clone()));
        let mut msg_id = 0;
        for round in 1..=6u64 {
            for (i, src) in nodes.iter().enumerate() {
                let dst = &nodes[(i + round as usize) % 3];
                if src == dst {
                    continue;
                }
                let id = trace.events.len() as u64;
                trace.push(Event {
                    node: Some(src.clone()),
                    ..Event::new(id, EventKind::Derive, round)
                });
                let net = |kind, id, lt| Event {
                    src: Some(src.clone()),
                    dst: Some(dst.clone()),
                    msg_id: Some(msg_id),
                    sent_lt: Some(round),
                    ..Event::new(id, kind, lt)
                };
                trace.push(net(EventKind::Send, id + 1, round));
                // Every third message is lost; the others arrive a round or two later.
                let (kind, lt) = match msg_id % 3 {
                    0 => (EventKind::Drop, round + 1),
                    1 => (EventKind::Deliver, round + 1),
                    _ => (EventKind::Deliver, round + 2),
                };
                trace.push(net(kind, id + 2, lt));
                msg_id += 1;
            }
        }
        trace.events.sort_by_key(|event| (event.lt, event.id));
        for (id, event) in trace.events.iter_mut().enumerate() {
            event.id = id as u64;
        }
        for (max_crashes, max_clogs) in [(0, 0), (1, 0), (2, 3)] {
            let model = FaultModel::new(FailureSpec {
                eot: 9,
                eff: 4,
                max_crashes,
                max_clogs,
                ..FailureSpec::default()
            });
            let affecting = model.affecting(&trace, false);
            assert_eq!(affecting, affecting_by_definition(&model, &trace));
            assert_eq!(
                affecting.iter().any(|f| matches!(f, Fault::Crash { .. })),
                max_crashes > 0
            );
            assert_eq!(
                affecting.iter().any(|f| matches!(f, Fault::Clog { .. })),
                max_clogs > 0
            );
        }
    }
}
