//! Faults as data: what the simulator injects and what LDFI proposes.

use serde::{Deserialize, Serialize};

use crate::NodeId;

/// One fault. Times are rounds in the `rounds` time model and logical steps in `async`.
///
/// JSON form: `{"kind":"omission","src":"a","dst":"b","at":1}`, `{"kind":"crash","node":"a","at":2}`,
/// `{"kind":"restart","node":"a","at":4}`, `{"kind":"clog","node":"b","from":2,"to":5}`,
/// `{"kind":"partition","groups":[["a"],["b","c"]],"from":1,"to":3}`,
/// `{"kind":"swizzle","nodes":["a","b"],"clog_at":[2,3],"unclog_at":[6,5]}`,
/// `{"kind":"skew","node":"a","by_ns":-5000000,"at":3}`.
///
/// `Ord` is derived so that fault sets can live in `BTreeSet`s and print in a stable order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The message sent on channel `src → dst` at time `at` is lost.
    Omission {
        /// Sender.
        src: NodeId,
        /// Receiver.
        dst: NodeId,
        /// Send time of the lost message.
        at: u64,
    },
    /// `node` stops at time `at`: no handlers run and nothing is sent from then on.
    Crash {
        /// The node that crashes.
        node: NodeId,
        /// First time at which the node is down.
        at: u64,
    },
    /// A crashed `node` comes back at `at`, re-initialised from its persisted (durable) state.
    Restart {
        /// The node that restarts.
        node: NodeId,
        /// Time at which it runs `init` again.
        at: u64,
    },
    /// Messages to `node` arriving in `[from, to)` are held and released at `to` (a delay, not a loss).
    Clog {
        /// The clogged receiver.
        node: NodeId,
        /// Start of the window (inclusive).
        from: u64,
        /// End of the window (exclusive); held messages are delivered then.
        to: u64,
    },
    /// Messages between different groups sent in `[from, to)` are lost.
    Partition {
        /// Disjoint groups of nodes; nodes in no group form a group of their own.
        groups: Vec<Vec<NodeId>>,
        /// Start of the partition (inclusive).
        from: u64,
        /// End of the partition (exclusive).
        to: u64,
    },
    /// FoundationDB's swizzle-clog: `nodes[i]` is clogged (as by [`Fault::Clog`]) over
    /// `[clog_at[i], unclog_at[i])`, and every clog starts before any unclog
    /// (`max(clog_at) < min(unclog_at)`), so all are clogged together for a while and then
    /// unclogged in an order of their own.
    Swizzle {
        /// The clogged nodes, distinct.
        nodes: Vec<NodeId>,
        /// When each node's clog starts (inclusive).
        clog_at: Vec<u64>,
        /// When each node's clog ends (exclusive); its held messages are delivered then.
        unclog_at: Vec<u64>,
    },
    /// From time `at` on, `node`'s clock (`Cx::now`) reads simulated time plus `by_ns`
    /// (never below 0). Timers still fire after their simulated delay: only what the node
    /// reads changes. `async` time model only.
    Skew {
        /// The node whose clock drifts.
        node: NodeId,
        /// The offset in ns (negative: behind).
        by_ns: i64,
        /// First time at which the node reads the skewed clock.
        at: u64,
    },
}

impl Fault {
    /// Every node this fault names, in the order it names them.
    pub fn nodes(&self) -> Vec<&NodeId> {
        match self {
            Fault::Omission { src, dst, .. } => vec![src, dst],
            Fault::Crash { node, .. }
            | Fault::Restart { node, .. }
            | Fault::Clog { node, .. }
            | Fault::Skew { node, .. } => vec![node],
            Fault::Partition { groups, .. } => groups.iter().flatten().collect(),
            Fault::Swizzle { nodes, .. } => nodes.iter().collect(),
        }
    }

    /// A swizzle's members as `(node, clog_at, unclog_at)`, sorted by node (lists of unequal
    /// length are cut to the shortest; validation refuses them). Empty for other faults.
    pub fn swizzle_members(&self) -> Vec<(&NodeId, u64, u64)> {
        let Fault::Swizzle {
            nodes,
            clog_at,
            unclog_at,
        } = self
        else {
            return Vec::new();
        };
        let mut members: Vec<(&NodeId, u64, u64)> = nodes
            .iter()
            .zip(clog_at)
            .zip(unclog_at)
            .map(|((node, from), to)| (node, *from, *to))
            .collect();
        members.sort();
        members
    }

    /// Whether a swizzle has FoundationDB's shape: at least one node, distinct nodes, one
    /// window per node, each non-empty, and every clog before every unclog. Other faults:
    /// true.
    pub fn is_well_formed_swizzle(&self) -> bool {
        let Fault::Swizzle {
            nodes,
            clog_at,
            unclog_at,
        } = self
        else {
            return true;
        };
        let distinct: std::collections::BTreeSet<&NodeId> = nodes.iter().collect();
        let last_clog = clog_at.iter().max();
        let first_unclog = unclog_at.iter().min();
        !nodes.is_empty()
            && distinct.len() == nodes.len()
            && clog_at.len() == nodes.len()
            && unclog_at.len() == nodes.len()
            && clog_at.iter().all(|&from| from >= 1)
            && matches!((last_clog, first_unclog), (Some(c), Some(u)) if c < u)
    }

    /// The same fault with a swizzle's members sorted by node (sets compare equal whatever
    /// order a user wrote them in).
    #[must_use]
    pub fn canonical(self) -> Fault {
        if !matches!(self, Fault::Swizzle { .. }) {
            return self;
        }
        let members: Vec<(NodeId, u64, u64)> = self
            .swizzle_members()
            .into_iter()
            .map(|(node, from, to)| (node.clone(), from, to))
            .collect();
        Fault::Swizzle {
            nodes: members.iter().map(|m| m.0.clone()).collect(),
            clog_at: members.iter().map(|m| m.1).collect(),
            unclog_at: members.iter().map(|m| m.2).collect(),
        }
    }

    /// A short human form, e.g. `omission a→b@1`, `crash a@2`, `clog b[2,5)`.
    pub fn short(&self) -> String {
        match self {
            Fault::Omission { src, dst, at } => format!("omission {src}→{dst}@{at}"),
            Fault::Crash { node, at } => format!("crash {node}@{at}"),
            Fault::Restart { node, at } => format!("restart {node}@{at}"),
            Fault::Clog { node, from, to } => format!("clog {node}[{from},{to})"),
            Fault::Partition { groups, from, to } => {
                let groups: Vec<String> = groups.iter().map(|g| g.join(",")).collect();
                format!("partition {{{}}}[{from},{to})", groups.join("|"))
            }
            Fault::Swizzle { .. } => {
                let members: Vec<String> = self
                    .swizzle_members()
                    .iter()
                    .map(|(node, from, to)| format!("{node}[{from},{to})"))
                    .collect();
                format!("swizzle {}", members.join(" "))
            }
            Fault::Skew { node, by_ns, at } => format!("skew {node}{by_ns:+}ns@{at}"),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.short())
    }
}

/// Parses a fault list from its JSON form (an array of fault objects).
pub fn parse_faults(json: &str) -> Result<Vec<Fault>, serde_json::Error> {
    serde_json::from_str(json)
}

/// The JSON form of a fault list, on one line (what reproducers print).
pub fn faults_to_json(faults: &[Fault]) -> String {
    serde_json::to_string(faults).expect("faults always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_matches_the_design() {
        let json = r#"[{"kind":"omission","src":"a","dst":"b","at":1},{"kind":"crash","node":"a","at":2},{"kind":"restart","node":"a","at":4},{"kind":"clog","node":"b","from":2,"to":5},{"kind":"partition","groups":[["a"],["b","c"]],"from":1,"to":3}]"#;
        let faults = parse_faults(json).unwrap();
        assert_eq!(faults.len(), 5);
        assert_eq!(
            faults[0],
            Fault::Omission {
                src: "a".into(),
                dst: "b".into(),
                at: 1
            }
        );
        assert_eq!(faults_to_json(&faults), json);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(parse_faults(r#"[{"kind":"crash","node":"a","at":2,"when":3}]"#).is_err());
        assert!(parse_faults(r#"[{"kind":"explode","node":"a"}]"#).is_err());
    }
}
