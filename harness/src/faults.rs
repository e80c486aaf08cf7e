//! Fault sets: parsing their JSON form, validating them against a SUT, and the indexed plan the
//! simulator consults.

use std::collections::HashMap;

use faultline_trace::{Fault, NodeId, TimeModel, Validator};
use serde_json::Value;

use crate::HarnessError;

/// Parses a fault set from its JSON form (an array of fault objects, see [`Fault`]).
/// `source_name` names the input in errors (a file name, or `--faults`); errors give the line
/// and column of bad JSON, or the index and text of the bad fault and what was expected.
pub fn parse_fault_set(json: &str, source_name: &str) -> Result<Vec<Fault>, HarnessError> {
    let error = |path: String, message: String| HarnessError::FaultJson {
        source_name: source_name.to_string(),
        path,
        message,
    };
    let document: Value =
        serde_json::from_str(json).map_err(|err| error(".".into(), err.to_string()))?;
    let Value::Array(items) = document else {
        return Err(error(
            ".".into(),
            format!(
                "expected a JSON array of faults, found {}",
                kind_of(&document)
            ),
        ));
    };
    let mut faults = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let text = item.to_string();
        let fault = serde_json::from_value::<Fault>(item)
            .map_err(|err| error(format!("[{index}]"), format!("{err} (in {text})")))?;
        faults.push(fault);
    }
    Ok(faults)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks `faults` against the SUT's `nodes`: every named node exists, windows are non-empty
/// (`from < to`), partition groups are disjoint, and every restart follows a crash of its node.
pub fn validate_faults(faults: &[Fault], nodes: &[NodeId]) -> Result<(), HarnessError> {
    for fault in faults {
        for node in fault.nodes() {
            if !nodes.contains(node) {
                return Err(HarnessError::UnknownNode {
                    fault: fault.short(),
                    node: node.clone(),
                    known: nodes.to_vec(),
                });
            }
        }
        match fault {
            Fault::Clog { from, to, .. } | Fault::Partition { from, to, .. }
                if !Validator::window_in_run(*from, *to, None) =>
            {
                return Err(HarnessError::Window {
                    fault: fault.short(),
                    from: *from,
                    to: *to,
                });
            }
            Fault::Partition { groups, .. } => {
                let mut seen: Vec<&NodeId> = Vec::new();
                for node in groups.iter().flatten() {
                    if seen.contains(&node) {
                        return Err(HarnessError::PartitionOverlap {
                            fault: fault.short(),
                            node: node.clone(),
                        });
                    }
                    seen.push(node);
                }
            }
            Fault::Swizzle { .. } if !fault.is_well_formed_swizzle() => {
                return Err(HarnessError::BadFault {
                    fault: fault.short(),
                    problem: "a swizzle needs distinct nodes, one clog_at and one unclog_at per node, and every clog before every unclog (max(clog_at) < min(unclog_at))".into(),
                });
            }
            Fault::Restart { node, at } => {
                let crashed_before = faults.iter().any(|other| {
                    matches!(other, Fault::Crash { node: crashed, at: crash_at }
                        if crashed == node && crash_at < at)
                });
                if !crashed_before {
                    return Err(HarnessError::RestartWithoutCrash {
                        fault: fault.short(),
                        node: node.clone(),
                        at: *at,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks that every fault lies inside the run (times 1..=`eot`): an omission, crash or
/// restart outside it would silently do nothing, and a clog window that ends after the end of
/// time would hold its messages for ever, turning a delay into a loss; neither is ever what the
/// user meant. Windows follow the trace validator's rule ([`Validator::window_in_run`]), and
/// start at 1 or later like every time here.
pub fn validate_fault_times(faults: &[Fault], eot: u64) -> Result<(), HarnessError> {
    for fault in faults {
        match fault {
            Fault::Omission { at, .. }
            | Fault::Crash { at, .. }
            | Fault::Restart { at, .. }
            | Fault::Skew { at, .. } => {
                if *at == 0 || *at > eot {
                    return Err(HarnessError::OutsideRun {
                        fault: fault.short(),
                        at: *at,
                        eot,
                    });
                }
            }
            Fault::Clog { from, to, .. } | Fault::Partition { from, to, .. } => {
                if *from == 0 || !Validator::window_in_run(*from, *to, Some(eot)) {
                    return Err(HarnessError::WindowOutsideRun {
                        fault: fault.short(),
                        from: *from,
                        to: *to,
                        eot,
                    });
                }
            }
            Fault::Swizzle { .. } => {
                for (_, from, to) in fault.swizzle_members() {
                    if from == 0 || !Validator::window_in_run(from, to, Some(eot)) {
                        return Err(HarnessError::WindowOutsideRun {
                            fault: fault.short(),
                            from,
                            to,
                            eot,
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

/// Refuses skews where the clock is not simulated time: in `rounds`, `Cx::now` is always 0,
/// so a skew would make it a constant offset that no real clock shows.
pub fn validate_fault_model(faults: &[Fault], time_model: TimeModel) -> Result<(), HarnessError> {
    if time_model == TimeModel::Rounds
        && let Some(skew) = faults.iter().find(|f| matches!(f, Fault::Skew { .. }))
    {
        return Err(HarnessError::BadFault {
            fault: skew.short(),
            problem: "a clock skew needs the async time model (in rounds, Cx::now is always 0)"
                .into(),
        });
    }
    Ok(())
}

/// A fault that happens at a time, whatever the traffic: applied in this order when several
/// fall on the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ActionKind {
    Crash,
    Restart,
    ClogEnd,
    ClogStart,
}

/// One timed fault action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Action {
    pub(crate) at: u64,
    pub(crate) kind: ActionKind,
    pub(crate) node: usize,
    pub(crate) fault: usize,
}

struct PartitionPlan {
    /// Group number of each node (by node index); ungrouped nodes get a group of their own.
    group_of: Vec<usize>,
    from: u64,
    to: u64,
    fault: usize,
}

/// A validated fault set, indexed for the simulator's questions.
pub(crate) struct FaultPlan {
    faults: Vec<Fault>,
    /// (src, dst, send time) → fault index. A lookup table, never iterated.
    omissions: HashMap<(usize, usize, u64), usize>,
    partitions: Vec<PartitionPlan>,
    /// (node, from, to) windows, for `rounds`' arrival-time arithmetic.
    clogs: Vec<(usize, u64, u64)>,
    /// Per node: (from, offset ns) clock skews, sorted by time (stable for equal times).
    skews: Vec<Vec<(u64, i64)>>,
    /// Timed actions, sorted; `cursor` is the first one not yet taken.
    actions: Vec<Action>,
    cursor: usize,
}

impl FaultPlan {
    /// Indexes `faults` (already validated against `nodes`).
    pub(crate) fn new(faults: &[Fault], nodes: &[NodeId]) -> Self {
        let index_of = |name: &NodeId| {
            nodes
                .iter()
                .position(|node| node == name)
                .expect("faults are validated before planning")
        };
        let mut plan = FaultPlan {
            faults: faults.to_vec(),
            omissions: HashMap::new(),
            partitions: Vec::new(),
            clogs: Vec::new(),
            skews: vec![Vec::new(); nodes.len()],
            actions: Vec::new(),
            cursor: 0,
        };
        for (fault_index, fault) in faults.iter().enumerate() {
            let action = |at, kind, node| Action {
                at,
                kind,
                node,
                fault: fault_index,
            };
            match fault {
                Fault::Omission { src, dst, at } => {
                    // The first listed fault is the recorded cause when one is listed twice.
                    plan.omissions
                        .entry((index_of(src), index_of(dst), *at))
                        .or_insert(fault_index);
                }
                Fault::Crash { node, at } => {
                    plan.actions
                        .push(action(*at, ActionKind::Crash, index_of(node)));
                }
                Fault::Restart { node, at } => {
                    plan.actions
                        .push(action(*at, ActionKind::Restart, index_of(node)));
                }
                Fault::Clog { node, from, to } => {
                    let node = index_of(node);
                    plan.clogs.push((node, *from, *to));
                    plan.actions
                        .push(action(*from, ActionKind::ClogStart, node));
                    plan.actions.push(action(*to, ActionKind::ClogEnd, node));
                }
                Fault::Swizzle { .. } => {
                    // A swizzle is its members' clogs; their events name the swizzle.
                    for (node, from, to) in fault.swizzle_members() {
                        let node = index_of(node);
                        plan.clogs.push((node, from, to));
                        plan.actions.push(action(from, ActionKind::ClogStart, node));
                        plan.actions.push(action(to, ActionKind::ClogEnd, node));
                    }
                }
                Fault::Skew { node, by_ns, at } => {
                    plan.skews[index_of(node)].push((*at, *by_ns));
                }
                Fault::Partition { groups, from, to } => {
                    let mut group_of: Vec<usize> =
                        (groups.len()..groups.len() + nodes.len()).collect();
                    for (group, members) in groups.iter().enumerate() {
                        for member in members {
                            group_of[index_of(member)] = group;
                        }
                    }
                    plan.partitions.push(PartitionPlan {
                        group_of,
                        from: *from,
                        to: *to,
                        fault: fault_index,
                    });
                }
            }
        }
        plan.actions.sort();
        for skews in &mut plan.skews {
            skews.sort_by_key(|&(at, _)| at);
        }
        plan
    }

    /// What `node`'s clock reads at logical time `lt` when simulated time is `now`: `now`
    /// plus the offset of its latest skew started by `lt` (the last listed, for equal times),
    /// never below 0.
    pub(crate) fn clock(&self, node: usize, lt: u64, now: u64) -> u64 {
        match self.skews[node].iter().rev().find(|&&(at, _)| at <= lt) {
            Some(&(_, by)) => now.saturating_add_signed(by),
            None => now,
        }
    }

    /// The fault with this index.
    pub(crate) fn fault(&self, index: usize) -> &Fault {
        &self.faults[index]
    }

    /// The fault that loses a message sent `src → dst` at `sent_lt`, if any.
    pub(crate) fn loss(&self, src: usize, dst: usize, sent_lt: u64) -> Option<&Fault> {
        if let Some(&index) = self.omissions.get(&(src, dst, sent_lt)) {
            return Some(&self.faults[index]);
        }
        self.partitions
            .iter()
            .find(|p| p.from <= sent_lt && sent_lt < p.to && p.group_of[src] != p.group_of[dst])
            .map(|p| &self.faults[p.fault])
    }

    /// When a message due at `dst` at `arrival` is delivered: held by every clog window it
    /// falls in until that window ends (`rounds`).
    pub(crate) fn clogged_arrival(&self, dst: usize, arrival: u64) -> u64 {
        let mut arrival = arrival;
        // Each pass can only move `arrival` later, and there are finitely many windows.
        for _ in 0..=self.clogs.len() {
            let held = self
                .clogs
                .iter()
                .filter(|&&(node, from, to)| node == dst && from <= arrival && arrival < to)
                .map(|&(_, _, to)| to)
                .max();
            match held {
                Some(to) => arrival = to,
                None => return arrival,
            }
        }
        arrival
    }

    /// Takes the actions at times `<= until` not taken yet, in order.
    pub(crate) fn take_actions(&mut self, until: u64) -> Vec<Action> {
        let start = self.cursor;
        while self.cursor < self.actions.len() && self.actions[self.cursor].at <= until {
            self.cursor += 1;
        }
        self.actions[start..self.cursor].to_vec()
    }

    /// The time of the next action not taken yet.
    pub(crate) fn next_action_at(&self) -> Option<u64> {
        self.actions.get(self.cursor).map(|action| action.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes() -> Vec<NodeId> {
        vec!["a".into(), "b".into(), "c".into()]
    }

    fn parse(json: &str) -> Vec<Fault> {
        parse_fault_set(json, "test").unwrap()
    }

    #[test]
    fn unknown_node_is_named() {
        let faults = parse(r#"[{"kind":"crash","node":"z","at":2}]"#);
        let err = validate_faults(&faults, &nodes()).unwrap_err().to_string();
        assert!(err.contains("unknown node `z`"), "{err}");
        assert!(err.contains("a, b, c"), "{err}");
    }

    #[test]
    fn reversed_window_is_rejected() {
        let faults = parse(r#"[{"kind":"clog","node":"b","from":5,"to":2}]"#);
        let err = validate_faults(&faults, &nodes()).unwrap_err().to_string();
        assert!(err.contains("starts at 5 but ends at 2"), "{err}");
        // An empty window is rejected too, as the trace validator does (it used to be run as
        // a no-op, giving a trace that `faultline trace validate` refused).
        let empty = parse(r#"[{"kind":"clog","node":"b","from":2,"to":2}]"#);
        let err = validate_faults(&empty, &nodes()).unwrap_err().to_string();
        assert!(
            err.starts_with("fault clog b[2,2): window starts at 2 but ends at 2"),
            "{err}"
        );
    }

    #[test]
    fn windows_lie_inside_the_run() {
        let inside = parse(
            r#"[{"kind":"clog","node":"b","from":1,"to":8},{"kind":"partition","groups":[["a"]],"from":7,"to":8}]"#,
        );
        assert!(validate_fault_times(&inside, 8).is_ok());
        for (json, short) in [
            (
                r#"{"kind":"clog","node":"c","from":2,"to":9}"#,
                "clog c[2,9)",
            ),
            (
                r#"{"kind":"clog","node":"c","from":0,"to":3}"#,
                "clog c[0,3)",
            ),
            (
                r#"{"kind":"partition","groups":[["a"]],"from":3,"to":20}"#,
                "partition {a}[3,20)",
            ),
        ] {
            let faults = parse(&format!("[{json}]"));
            let err = validate_fault_times(&faults, 8).unwrap_err();
            assert!(
                matches!(err, HarnessError::WindowOutsideRun { eot: 8, .. }),
                "{err}"
            );
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("fault {short}: window")),
                "{text}"
            );
            assert!(text.contains("ends by the end of time, 8"), "{text}");
        }
    }

    #[test]
    fn restart_needs_an_earlier_crash() {
        let bad =
            parse(r#"[{"kind":"restart","node":"a","at":4},{"kind":"crash","node":"a","at":4}]"#);
        assert!(matches!(
            validate_faults(&bad, &nodes()),
            Err(HarnessError::RestartWithoutCrash { .. })
        ));
        let good =
            parse(r#"[{"kind":"crash","node":"a","at":2},{"kind":"restart","node":"a","at":4}]"#);
        assert!(validate_faults(&good, &nodes()).is_ok());
    }

    #[test]
    fn bad_json_names_the_path() {
        let err = parse_fault_set(r#"[{"kind":"crash","node":"a","at":"x"}]"#, "f.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f.json: [0]: invalid type: string \"x\", expected u64"),
            "{err}"
        );
        assert!(
            err.contains(r#"(in {"at":"x","kind":"crash","node":"a"})"#),
            "{err}"
        );
        let err = parse_fault_set(r#"{"kind":"crash"}"#, "f.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected a JSON array of faults, found an object"),
            "{err}"
        );
        let err = parse_fault_set("[{", "f.json").unwrap_err().to_string();
        assert!(err.contains("line 1 column 2"), "{err}");
        let err = parse_fault_set(r#"[{"kind":"crash"}]"#, "f.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `node`"), "{err}");
        assert!(parse_fault_set("[] trailing", "f.json").is_err());
    }

    #[test]
    fn partition_loses_only_cross_group_messages_in_its_window() {
        let faults = parse(r#"[{"kind":"partition","groups":[["a"],["b"]],"from":2,"to":4}]"#);
        let plan = FaultPlan::new(&faults, &nodes());
        assert!(plan.loss(0, 1, 2).is_some());
        assert!(plan.loss(1, 0, 3).is_some());
        assert!(plan.loss(0, 1, 4).is_none(), "window end is exclusive");
        assert!(plan.loss(0, 1, 1).is_none());
        // c is in no group: a group of its own.
        assert!(plan.loss(2, 0, 2).is_some());
        assert!(plan.loss(0, 0, 2).is_none());
    }

    #[test]
    fn overlapping_clogs_chain() {
        let faults = parse(
            r#"[{"kind":"clog","node":"b","from":2,"to":5},{"kind":"clog","node":"b","from":4,"to":7}]"#,
        );
        let plan = FaultPlan::new(&faults, &nodes());
        assert_eq!(plan.clogged_arrival(1, 2), 7);
        assert_eq!(plan.clogged_arrival(1, 1), 1);
        assert_eq!(plan.clogged_arrival(1, 7), 7);
        assert_eq!(plan.clogged_arrival(2, 3), 3, "other nodes are not clogged");
    }
}
