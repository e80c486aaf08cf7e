//! Faults as data: what the simulator injects and what LDFI proposes.

use serde::{Deserialize, Serialize};

use crate::NodeId;

/// One fault. Times are rounds in the `rounds` time model and logical steps in `async`.
///
/// JSON form: `{"kind":"omission","src":"a","dst":"b","at":1}`, `{"kind":"crash","node":"a","at":2}`,
/// `{"kind":"restart","node":"a","at":4}`, `{"kind":"clog","node":"b","from":2,"to":5}`,
/// `{"kind":"partition","groups":[["a"],["b","c"]],"from":1,"to":3}`.
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
}

impl Fault {
    /// Every node this fault names, in the order it names them.
    pub fn nodes(&self) -> Vec<&NodeId> {
        match self {
            Fault::Omission { src, dst, .. } => vec![src, dst],
            Fault::Crash { node, .. } | Fault::Restart { node, .. } | Fault::Clog { node, .. } => {
                vec![node]
            }
            Fault::Partition { groups, .. } => groups.iter().flatten().collect(),
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
