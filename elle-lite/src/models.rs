//! Consistency models and anomalies: Elle's tables (`elle.consistency-model`), which models
//! imply which, what each proscribes, and which anomalies imply which.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::OnceLock;

/// Friendly name → canonical name (Elle's `canonical-model-names`).
const CANONICAL: &[(&str, &str)] = &[
    ("consistent-view", "PL-2+"),
    ("conflict-serializable", "PL-3"),
    ("cursor-stability", "PL-CS"),
    ("forward-consistent-view", "PL-FCV"),
    ("monotonic-snapshot-read", "PL-MSR"),
    ("monotonic-view", "PL-2L"),
    ("read-committed", "PL-2"),
    ("read-uncommitted", "PL-1"),
    ("repeatable-read", "PL-2.99"),
    ("serializable", "PL-3"),
    ("snapshot-isolation", "PL-SI"),
    ("strict-serializable", "PL-SS"),
    ("strong-serializable", "PL-SS"),
    ("update-serializable", "PL-3U"),
    ("strong-session-read-uncommitted", "strong-session-PL-1"),
    ("strong-session-read-committed", "strong-session-PL-2"),
    ("strong-read-uncommitted", "strong-PL-1"),
    ("strong-read-committed", "strong-PL-2"),
];

/// `a → [b..]`: a history satisfying `a` satisfies every `b` (Elle's `models`).
const MODEL_EDGES: &[(&str, &[&str])] = &[
    ("causal-cerone", &["read-atomic"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    ("conflict-serializable", &["view-serializable"]),
    ("cursor-stability", &["read-committed", "PL-2"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("PL-2", &["PL-1"]),
    ("PL-3", &["repeatable-read", "update-serializable"]),
    ("update-serializable", &["forward-consistent-view"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["PL-2"]),
    ("monotonic-snapshot-read", &["PL-2"]),
    ("parallel-snapshot-isolation", &["causal-cerone", "ROLA"]),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("read-committed", &["read-uncommitted"]),
    (
        "repeatable-read",
        &["cursor-stability", "monotonic-atomic-view"],
    ),
    ("ROLA", &["read-atomic"]),
    (
        "serializable",
        &["repeatable-read", "snapshot-isolation", "view-serializable"],
    ),
    ("session-serializable", &["1SR"]),
    (
        "snapshot-isolation",
        &[
            "forward-consistent-view",
            "monotonic-atomic-view",
            "monotonic-snapshot-read",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "strict-serializable",
        &[
            "PL-3",
            "serializable",
            "linearizable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
        ],
    ),
    ("strong-session-PL-1", &["PL-1"]),
    ("strong-session-PL-2", &["PL-2", "strong-session-PL-1"]),
    ("strong-PL-1", &["strong-session-PL-1"]),
    ("strong-PL-2", &["strong-session-PL-2", "strong-PL-1"]),
    (
        "strong-session-serializable",
        &["serializable", "strong-session-snapshot-isolation"],
    ),
    (
        "strong-session-snapshot-isolation",
        &["snapshot-isolation", "strong-session-PL-2"],
    ),
    ("strong-serializable", &["session-serializable"]),
    (
        "strong-snapshot-isolation",
        &["strong-session-snapshot-isolation", "strong-PL-2"],
    ),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    (
        "PRAM",
        &["monotonic-reads", "monotonic-writes", "read-your-writes"],
    ),
];

/// What each model proscribes directly (Elle's `direct-proscribed-anomalies`), plus
/// elle-lite's `garbage-read`, which every model prohibits.
const PROSCRIBED: &[(&str, &[&str])] = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("cursor-stability", &["G1", "G-cursor", "lost-update"]),
    ("monotonic-view", &["G1", "G-monotonic"]),
    ("monotonic-snapshot-read", &["G1", "G-MSR"]),
    ("consistent-view", &["G1", "G-single"]),
    ("forward-consistent-view", &["G1", "G-SIb"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    (
        "PL-3",
        &["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"],
    ),
    ("PL-2", &["G1", "PL-2-cycle-exists"]),
    (
        "PL-1",
        &[
            "G0",
            "duplicate-elements",
            "cyclic-versions",
            "PL-1-cycle-exists",
            "garbage-read",
        ],
    ),
    ("prefix", &["internal", "G1a"]),
    ("serializable", &["internal"]),
    (
        "snapshot-isolation",
        &[
            "internal",
            "G1",
            "G-SI",
            "G-nonadjacent",
            "PL-SI-cycle-exists",
        ],
    ),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    (
        "repeatable-read",
        &["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"],
    ),
    ("ROLA", &["lost-update"]),
    (
        "strict-serializable",
        &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
    ),
    (
        "strong-session-PL-1",
        &["strong-session-PL-1-cycle-exists", "G0-process"],
    ),
    (
        "strong-session-PL-2",
        &["strong-session-PL-2-cycle-exists", "G1c-process"],
    ),
    ("strong-PL-1", &["strong-PL-1-cycle-exists", "G0-realtime"]),
    ("strong-PL-2", &["strong-PL-2-cycle-exists", "G1c-realtime"]),
    (
        "strong-session-snapshot-isolation",
        &[
            "internal",
            "G1-process",
            "G-nonadjacent-process",
            "strong-session-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-snapshot-isolation",
        &[
            "internal",
            "G1-realtime",
            "G-nonadjacent-realtime",
            "strong-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-session-serializable",
        &[
            "G1-process",
            "G2-process",
            "strong-session-serializable-cycle-exists",
        ],
    ),
    ("update-serializable", &["G1", "G-update"]),
];

/// `a → [b..]`: anomaly `a` present implies `b` present (Elle's `implied-anomalies`).
const IMPLIED: &[(&str, &[&str])] = &[
    ("G0", &["G1c", "G0-process"]),
    ("G0-process", &["G1c-process", "G0-realtime"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G1c", &["G1", "G1c-process"]),
    ("G1c-process", &["G1c-realtime", "G1-process"]),
    ("G1c-realtime", &["G1-realtime"]),
    ("G1", &["G1-process"]),
    ("G1-process", &["G1-realtime"]),
    (
        "G-single-item",
        &["G-single", "G-single-item-process", "G-nonadjacent-item"],
    ),
    (
        "G-single-item-process",
        &[
            "G-single-process",
            "G-single-item-realtime",
            "G-nonadjacent-item-process",
        ],
    ),
    (
        "G-single-item-realtime",
        &["G-single-realtime", "G-nonadjacent-item-realtime"],
    ),
    ("G-single", &["G-nonadjacent", "GSIb", "G-single-process"]),
    (
        "G-single-process",
        &["G-nonadjacent-process", "G-single-realtime"],
    ),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
    (
        "G-nonadjacent-item",
        &["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"],
    ),
    (
        "G-nonadjacent-item-process",
        &[
            "G-nonadjacent-process",
            "G2-item-process",
            "G-nonadjacent-item-realtime",
        ],
    ),
    (
        "G-nonadjacent-item-realtime",
        &["G2-item-realtime", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent", &["G2", "G-nonadjacent-process"]),
    (
        "G-nonadjacent-process",
        &["G2-process", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent-realtime", &["G2-realtime"]),
    ("G2", &["G2-process"]),
    ("G2-item", &["G2", "G2-item-process"]),
    ("G2-item-process", &["G2-process", "G2-item-realtime"]),
    ("G2-item-realtime", &["G2-realtime"]),
    ("G2-process", &["G2-realtime"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

/// Extra ordering used only to search the worst anomalies first (`anomaly-severity-graph`).
const SEVERITY: &[(&str, &[&str])] = &[
    ("G0", &["G1c"]),
    ("G0-process", &["G1c-process"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1c", &["G-single", "G2-item"]),
    ("G1c-process", &["G-single-process", "G2-item-process"]),
    ("G1c-realtime", &["G-single-realtime", "G2-item-realtime"]),
    ("G2", &["G0-process"]),
    ("G2-process", &["G0-realtime"]),
];

/// The models a user can name, friendly and canonical, sorted.
pub fn known_models() -> Vec<&'static str> {
    tables().all_models.iter().copied().collect()
}

/// True when Elle knows the model.
pub fn is_known_model(name: &str) -> bool {
    tables().all_models.contains(name)
}

struct Tables {
    model_out: Dag,
    proscribed: Dag,
    implied: Dag,
    depth: BTreeMap<&'static str, usize>,
    all_models: BTreeSet<&'static str>,
}

#[derive(Default)]
struct Dag {
    out: BTreeMap<&'static str, BTreeSet<&'static str>>,
    into: BTreeMap<&'static str, BTreeSet<&'static str>>,
}

impl Dag {
    fn build(
        edges: &[(&'static str, &[&'static str])],
        name: fn(&'static str) -> &'static str,
    ) -> Dag {
        let mut dag = Dag::default();
        for (from, tos) in edges {
            for to in *tos {
                dag.link(name(from), name(to));
            }
        }
        dag
    }

    fn link(&mut self, from: &'static str, to: &'static str) {
        self.out.entry(from).or_default().insert(to);
        self.into.entry(to).or_default().insert(from);
    }

    fn reach(
        map: &BTreeMap<&'static str, BTreeSet<&'static str>>,
        start: impl IntoIterator<Item = &'static str>,
    ) -> BTreeSet<&'static str> {
        let mut seen: BTreeSet<&'static str> = BTreeSet::new();
        let mut queue: VecDeque<&'static str> = start.into_iter().collect();
        while let Some(next) = queue.pop_front() {
            if seen.insert(next) {
                queue.extend(map.get(next).into_iter().flatten().copied());
            }
        }
        seen
    }
}

fn identity(name: &'static str) -> &'static str {
    name
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let model_out = Dag::build(MODEL_EDGES, canonical);
        let proscribed = Dag::build(PROSCRIBED, canonical);
        let implied = Dag::build(IMPLIED, identity);
        let mut severity = Dag::build(IMPLIED, identity);
        for (from, tos) in SEVERITY {
            for to in *tos {
                severity.link(from, to);
            }
        }
        let depth = depths(&severity);
        let mut all_models: BTreeSet<&'static str> = model_out.out.keys().copied().collect();
        all_models.extend(model_out.into.keys().copied());
        all_models.extend(CANONICAL.iter().flat_map(|(f, c)| [*f, *c]));
        Tables {
            model_out,
            proscribed,
            implied,
            depth,
            all_models,
        }
    })
}

/// Longest distance from a root, per anomaly (Elle's `anomaly-depths`).
fn depths(dag: &Dag) -> BTreeMap<&'static str, usize> {
    let mut depth: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut nodes: BTreeSet<&'static str> = dag.out.keys().copied().collect();
    nodes.extend(dag.into.keys().copied());
    // Relax in rounds: the graph is small and acyclic.
    for _ in 0..=nodes.len() {
        let mut changed = false;
        for node in &nodes {
            let d = dag
                .into
                .get(node)
                .into_iter()
                .flatten()
                .map(|p| depth.get(p).copied().unwrap_or(0) + 1)
                .max()
                .unwrap_or(0);
            if depth.get(node) != Some(&d) {
                depth.insert(node, d);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    depth
}

/// The canonical name of a model (`read-committed` → `PL-2`).
pub(crate) fn canonical(name: &'static str) -> &'static str {
    CANONICAL
        .iter()
        .find(|(friendly, _)| *friendly == name)
        .map_or(name, |(_, canonical)| canonical)
}

/// The canonical name of a model given as any string.
pub(crate) fn canonical_of(name: &str) -> Option<&'static str> {
    tables().all_models.get(name).map(|known| canonical(known))
}

/// The friendly name of a canonical model (`PL-2` → `read-committed`).
pub(crate) fn friendly(name: &'static str) -> &'static str {
    match name {
        "PL-3" => "serializable",
        "PL-SS" => "strong-serializable",
        other => CANONICAL
            .iter()
            .find(|(_, canonical)| *canonical == other)
            .map_or(other, |(friendly, _)| friendly),
    }
}

/// Every anomaly that the given models, together, prohibit.
pub(crate) fn anomalies_prohibited_by(models: &[&'static str]) -> BTreeSet<&'static str> {
    let t = tables();
    let implied = Dag::reach(&t.model_out.out, models.iter().map(|m| canonical(m)));
    let direct = implied
        .iter()
        .flat_map(|m| t.proscribed.out.get(m).into_iter().flatten().copied());
    Dag::reach(&t.implied.into, direct)
}

/// Every anomaly that implies one of `anomalies` (including themselves).
pub(crate) fn anomalies_implying<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<&'static str> {
    let t = tables();
    let known: Vec<&'static str> = anomalies.into_iter().filter_map(static_anomaly).collect();
    Dag::reach(&t.implied.into, known)
}

/// Every anomaly implied by `anomalies` (including themselves).
pub(crate) fn implied_anomalies<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<&'static str> {
    let t = tables();
    let known: Vec<&'static str> = anomalies.into_iter().filter_map(static_anomaly).collect();
    Dag::reach(&t.implied.out, known)
}

/// Models (canonical) ruled out by the presence of `anomalies`.
pub(crate) fn impossible_models<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<&'static str> {
    let t = tables();
    let implied = implied_anomalies(anomalies);
    let direct: Vec<&'static str> = implied
        .iter()
        .flat_map(|a| t.proscribed.into.get(a).into_iter().flatten().copied())
        .collect();
    Dag::reach(&t.model_out.into, direct)
}

/// `model` and every model that implies it (all of them impossible if `model` is).
pub(crate) fn models_implying(
    models: impl IntoIterator<Item = &'static str>,
) -> BTreeSet<&'static str> {
    Dag::reach(&tables().model_out.into, models.into_iter().map(canonical))
}

/// `(not, also_not)`: the weakest models ruled out by `anomalies` and the stronger rest, by
/// friendly name (Elle's `friendly-boundary`).
pub(crate) fn boundary<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> (Vec<String>, Vec<String>) {
    let t = tables();
    let impossible = impossible_models(anomalies);
    let mut weakest = impossible.clone();
    for model in &impossible {
        let others: BTreeSet<&str> = weakest.iter().copied().filter(|m| m != model).collect();
        let below = Dag::reach(&t.model_out.out, [*model]);
        if below.iter().any(|m| others.contains(m)) {
            weakest.remove(model);
        }
    }
    let not: BTreeSet<String> = weakest.iter().map(|m| friendly(m).to_owned()).collect();
    let also: BTreeSet<String> = impossible
        .iter()
        .filter(|m| !weakest.contains(*m))
        .map(|m| friendly(m).to_owned())
        .collect();
    (not.into_iter().collect(), also.into_iter().collect())
}

/// Sort key that puts the most severe anomalies first (depth, then name).
pub(crate) fn severity_rank(anomaly: &str) -> (usize, String) {
    (
        tables().depth.get(anomaly).copied().unwrap_or(0),
        anomaly.to_owned(),
    )
}

fn static_anomaly(name: &str) -> Option<&'static str> {
    let t = tables();
    t.implied
        .out
        .keys()
        .chain(t.implied.into.keys())
        .chain(t.proscribed.into.keys())
        .find(|known| **known == name)
        .copied()
        .or(match name {
            "empty-transaction-graph" => Some("empty-transaction-graph"),
            "cycle-search-timeout" => Some("cycle-search-timeout"),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prohibited(model: &'static str) -> BTreeSet<&'static str> {
        anomalies_prohibited_by(&[model])
    }

    #[test]
    fn repeatable_read_allows_internal_but_not_g2_item() {
        let rr = prohibited("repeatable-read");
        assert!(!rr.contains("internal"));
        assert!(rr.contains("G2-item"));
        assert!(rr.contains("G-single-item"));
        assert!(rr.contains("lost-update"));
    }

    #[test]
    fn snapshot_isolation_allows_g2_item_only() {
        let si = prohibited("snapshot-isolation");
        assert!(!si.contains("G2-item"));
        assert!(si.contains("G-nonadjacent-item"));
        assert!(si.contains("lost-update"));
        assert!(si.contains("internal"));
    }

    #[test]
    fn strong_session_models_use_process_edges_only() {
        let ss = prohibited("strong-session-serializable");
        assert!(ss.contains("G2-item-process"));
        assert!(!ss.iter().any(|a| a.ends_with("-realtime")));
        let strict = prohibited("strict-serializable");
        assert!(strict.contains("G2-item-realtime"));
        assert!(!prohibited("strong-snapshot-isolation").contains("G2-item-realtime"));
    }

    #[test]
    fn boundary_names_the_weakest_model() {
        let (not, also) = boundary(["G1c"]);
        assert_eq!(not, vec!["read-committed"]);
        assert!(also.contains(&"strong-serializable".to_owned()));
        assert!(also.contains(&"serializable".to_owned()));
    }
}
