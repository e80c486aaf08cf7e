//! The bounded cycle search inside one SCC: for each anomaly spec, in severity order, a BFS over
//! (vertex, path state) from every anchor edge, until a cycle of that kind is found. A step
//! budget (not wall time) bounds the work, so results are deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde_json::json;

use super::exists::cycle_exists_cases;
use super::explain::{cycle_finding, explain_cycle};
use super::graph::{DepGraph, SccScratch, components, rel};
use super::prepare::Prepared;
use super::versions::Versions;
use crate::models;
use crate::report::Finding;

/// How rw edges may appear in a cycle of a spec.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RwMode {
    /// No rw edges.
    None,
    /// Exactly one.
    Single,
    /// Two or more, never adjacent (wrapping around).
    Nonadjacent,
    /// Two or more, anywhere.
    Multiple,
}

/// One searchable anomaly type (Elle's `cycle-anomaly-specs`).
#[derive(Clone, Debug)]
struct Spec {
    name: String,
    /// Non-rw relations any step may use.
    legal: u8,
    rw: RwMode,
    /// Relations that must each appear at least once.
    required: u8,
    /// The explained cycle must classify as exactly `name`.
    typed: bool,
}

fn specs() -> Vec<Spec> {
    let base = [
        ("G0", rel::WW, RwMode::None, 0, false),
        ("G1c", rel::WW | rel::WR, RwMode::None, rel::WR, false),
        ("G-single-item", rel::WW | rel::WR, RwMode::Single, 0, true),
        (
            "G-nonadjacent-item",
            rel::WW | rel::WR,
            RwMode::Nonadjacent,
            0,
            true,
        ),
        ("G2-item", rel::WW | rel::WR, RwMode::Multiple, 0, true),
    ];
    let mut all = Vec::new();
    for (name, legal, rw, required, typed) in base {
        all.push(Spec {
            name: name.to_owned(),
            legal,
            rw,
            required,
            typed,
        });
        for (suffix, extra) in [("process", rel::PROCESS), ("realtime", rel::REALTIME)] {
            all.push(Spec {
                name: format!("{name}-{suffix}"),
                legal: legal | extra,
                rw,
                required: required | extra,
                typed,
            });
        }
    }
    all.sort_by_key(|s| models::severity_rank(&s.name));
    all
}

/// What the search of one SCC found.
pub(crate) struct SccFindings {
    /// anomaly name → findings (cycles, cycle-exists proofs, timeout markers).
    pub(crate) by_type: BTreeMap<String, Vec<Finding>>,
}

/// Searches one SCC: cycle-existence proofs first, then every spec not ruled out.
pub(crate) fn search_scc(
    prepared: &Prepared<'_>,
    versions: &Versions,
    graph: &DepGraph,
    scc: &[u32],
    budget: u64,
    scratch: &mut Scratch,
) -> SccFindings {
    let mut by_type: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let exists = cycle_exists_cases(prepared, graph, scc, &mut scratch.scc);
    // Which anomalies cannot exist depends only on the models ruled out: the model DAG walk
    // is cached per distinct set, as thousands of SCCs share a handful of sets.
    let ruled_out: Vec<&'static str> = exists.iter().map(|c| c.model).collect();
    let cannot_exist = scratch.cannot_exist(ruled_out);
    for case in exists {
        by_type.entry(case.kind).or_default().push(case.finding);
    }
    let mut redundant: BTreeSet<&'static str> = BTreeSet::new();
    let mut searched: Vec<String> = Vec::new();
    let mut steps_left = budget;
    if scratch.specs.is_empty() {
        scratch.specs = specs();
    }
    for spec in scratch.specs.clone() {
        if cannot_exist.contains(spec.name.as_str()) || redundant.contains(spec.name.as_str()) {
            continue;
        }
        searched.push(spec.name.clone());
        match find_cycle(
            prepared,
            versions,
            graph,
            scc,
            &spec,
            &mut steps_left,
            scratch,
        ) {
            Search::Found(kind, finding) => {
                by_type.entry(kind).or_default().push(finding);
                redundant.extend(scratch.implied(&spec.name).iter().copied());
            }
            Search::NotFound => {}
            Search::OutOfBudget => {
                timeout(prepared, versions, graph, scc, &searched, &mut by_type);
                break;
            }
        }
    }
    SccFindings { by_type }
}

fn timeout(
    prepared: &Prepared<'_>,
    versions: &Versions,
    graph: &DepGraph,
    scc: &[u32],
    searched: &[String],
    by_type: &mut BTreeMap<String, Vec<Finding>>,
) {
    let (current, earlier) = searched
        .split_last()
        .map_or((None, &[][..]), |(c, e)| (Some(c), e));
    let missing: Vec<&String> = earlier
        .iter()
        .filter(|t| !by_type.contains_key(*t))
        .collect();
    by_type.entry("cycle-search-timeout".into()).or_default().push(Finding {
        detail: json!({
            "type": "cycle-search-timeout", "anomaly-spec-type": current,
            "does-not-contain": missing, "scc-size": scc.len(),
        }),
        explanation: format!(
            "the cycle search ran out of its step budget in a strongly connected component of {} \
             transactions while looking for {}; it found no {:?} there",
            scc.len(),
            current.map_or("nothing", |c| c.as_str()),
            missing
        ),
    });
    let cycle = fallback_cycle(graph, scc);
    if let Some((kind, steps)) = explain_cycle(prepared, versions, graph, &cycle) {
        let finding = cycle_finding(prepared, &kind, &cycle, &steps);
        by_type.entry(kind).or_default().push(finding);
    }
}

/// Any cycle of the SCC, by walking first out-edges (Elle's `fallback-cycle`).
fn fallback_cycle(graph: &DepGraph, scc: &[u32]) -> Vec<u32> {
    let mut path = vec![scc[0]];
    let mut seen: BTreeMap<u32, usize> = BTreeMap::from([(scc[0], 0)]);
    loop {
        let tip = path[path.len() - 1];
        let next: Vec<u32> = graph
            .out(tip)
            .map(|(w, _)| w)
            .filter(|w| scc.binary_search(w).is_ok())
            .collect();
        if let Some(&back) = next.iter().find(|w| seen.contains_key(w)) {
            return path[seen[&back]..].to_vec();
        }
        match next.first() {
            Some(&w) => {
                seen.insert(w, path.len());
                path.push(w);
            }
            None => return path,
        }
    }
}

enum Search {
    Found(String, Finding),
    NotFound,
    OutOfBudget,
}

/// Reusable per-search arrays, indexed by op position × path state, reset by generation, and
/// the model-DAG answers every SCC asks again.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) scc: SccScratch,
    specs: Vec<Spec>,
    cannot_exist: Vec<(Vec<&'static str>, Rc<BTreeSet<&'static str>>)>,
    implied: BTreeMap<String, Rc<BTreeSet<&'static str>>>,
    in_scc: Vec<u32>,
    scc_stamp: u32,
    seen: Vec<u32>,
    parent: Vec<u32>,
    stamp: u32,
}

const STATES: usize = 32;
const NO_PARENT: u32 = u32::MAX;

impl Scratch {
    /// Anomalies no cycle of an SCC can be, given the models its cycle-existence proofs
    /// ruled out.
    fn cannot_exist(&mut self, ruled_out: Vec<&'static str>) -> Rc<BTreeSet<&'static str>> {
        if let Some((_, known)) = self.cannot_exist.iter().find(|(k, _)| *k == ruled_out) {
            return Rc::clone(known);
        }
        let impossible_models = models::models_implying(ruled_out.iter().copied());
        let possible: Vec<&'static str> = [
            "PL-1",
            "PL-2",
            "PL-SI",
            "PL-3",
            "strong-session-PL-1",
            "strong-session-PL-2",
            "strong-session-snapshot-isolation",
            "strong-session-serializable",
            "strong-PL-1",
            "strong-PL-2",
            "strong-snapshot-isolation",
            "PL-SS",
        ]
        .into_iter()
        .filter(|m| !impossible_models.contains(m))
        .collect();
        let answer = Rc::new(models::anomalies_prohibited_by(&possible));
        self.cannot_exist.push((ruled_out, Rc::clone(&answer)));
        answer
    }

    /// The anomalies a cycle of type `name` implies.
    fn implied(&mut self, name: &str) -> Rc<BTreeSet<&'static str>> {
        let entry = self
            .implied
            .entry(name.to_owned())
            .or_insert_with(|| Rc::new(models::implied_anomalies([name])));
        Rc::clone(entry)
    }

    fn enter(&mut self, vertex_count: usize, scc: &[u32]) {
        if self.in_scc.len() < vertex_count {
            self.in_scc.resize(vertex_count, 0);
        }
        self.scc_stamp += 1;
        for &v in scc {
            self.in_scc[v as usize] = self.scc_stamp;
        }
        let needed = scc.len() * STATES;
        if self.seen.len() < needed {
            self.seen.resize(needed, 0);
            self.parent.resize(needed, NO_PARENT);
        }
    }

    fn contains(&self, v: u32) -> bool {
        self.in_scc.get(v as usize) == Some(&self.scc_stamp)
    }
}

/// Path state: want bits left (2 bits: which of the required relations are still missing),
/// rw count capped at 2 (2 bits), last edge was rw (1 bit).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct State {
    want: u8,
    rw_count: u8,
    last_rw: bool,
}

fn find_cycle(
    prepared: &Prepared<'_>,
    versions: &Versions,
    graph: &DepGraph,
    scc: &[u32],
    spec: &Spec,
    steps_left: &mut u64,
    scratch: &mut Scratch,
) -> Search {
    let required_bits: Vec<u8> = (0..8)
        .map(|i| 1u8 << i)
        .filter(|b| spec.required & b != 0)
        .collect();
    let codec = Codec { required_bits };
    // A cycle of this spec lies inside one SCC of the spec's own relations.
    let mask = spec.legal | if spec.rw == RwMode::None { 0 } else { rel::RW };
    let charge = graph.edge_count().min(scc.len() * 4) as u64;
    *steps_left = steps_left.saturating_sub(charge);
    for part in components(graph, scc, |r| r & mask != 0, &mut scratch.scc) {
        scratch.enter(graph.vertex_count(), &part);
        for &a in &part {
            for (b, rels) in graph.out(a) {
                if !scratch.contains(b) {
                    continue;
                }
                let Some(start) = anchor_state(spec, rels, &codec) else {
                    continue;
                };
                let walk = match bfs(graph, &part, spec, &codec, a, b, start, steps_left, scratch) {
                    Walk::Cycle(walk) => walk,
                    Walk::None => continue,
                    Walk::OutOfBudget => return Search::OutOfBudget,
                };
                let Some((kind, steps)) = explain_cycle(prepared, versions, graph, &walk) else {
                    continue;
                };
                if spec.typed && kind != spec.name {
                    continue;
                }
                let finding = cycle_finding(prepared, &kind, &walk, &steps);
                return Search::Found(kind, finding);
            }
        }
    }
    Search::NotFound
}

/// The state after taking the anchor edge, or `None` if the edge cannot start this spec's
/// cycles: rw specs start with an rw edge (as Elle's BFS); others with a required edge, or any
/// legal one when nothing is required.
fn anchor_state(spec: &Spec, rels: u8, codec: &Codec) -> Option<State> {
    let all_wanted = codec.want_of(spec.required);
    if spec.rw != RwMode::None {
        return (rels & rel::RW != 0).then_some(State {
            want: all_wanted,
            rw_count: 1,
            last_rw: true,
        });
    }
    let usable = rels & spec.legal;
    if usable == 0 || (spec.required != 0 && usable & spec.required == 0) {
        return None;
    }
    Some(State {
        want: codec.clear(all_wanted, usable),
        rw_count: 0,
        last_rw: false,
    })
}

/// Maps required relation bits to the 2-bit `want` field.
struct Codec {
    required_bits: Vec<u8>,
}

impl Codec {
    fn want_of(&self, rels: u8) -> u8 {
        self.required_bits
            .iter()
            .enumerate()
            .filter(|(_, b)| rels & **b != 0)
            .fold(0, |acc, (i, _)| acc | (1 << i))
    }

    fn clear(&self, want: u8, rels: u8) -> u8 {
        want & !self.want_of(rels)
    }

    fn encode(&self, s: State) -> usize {
        (s.want as usize) | ((s.rw_count as usize) << 2) | ((s.last_rw as usize) << 4)
    }
}

enum Walk {
    Cycle(Vec<u32>),
    None,
    OutOfBudget,
}

fn valid_end(spec: &Spec, s: State) -> bool {
    s.want == 0
        && match spec.rw {
            RwMode::None => s.rw_count == 0,
            RwMode::Single => s.rw_count == 1,
            RwMode::Nonadjacent => s.rw_count >= 2 && !s.last_rw,
            RwMode::Multiple => s.rw_count >= 2,
        }
}

/// The states reachable from `s` over an edge with `rels`.
fn moves(spec: &Spec, codec: &Codec, s: State, rels: u8) -> [Option<State>; 2] {
    let legal = rels & spec.legal;
    let plain = (legal != 0).then(|| State {
        want: codec.clear(s.want, legal),
        rw_count: s.rw_count,
        last_rw: false,
    });
    let rw_allowed = rels & rel::RW != 0
        && match spec.rw {
            RwMode::None | RwMode::Single => false,
            RwMode::Nonadjacent => !s.last_rw,
            RwMode::Multiple => true,
        };
    let rw = rw_allowed.then(|| State {
        want: s.want,
        rw_count: (s.rw_count + 1).min(2),
        last_rw: true,
    });
    [plain, rw]
}

#[allow(clippy::too_many_arguments)]
fn bfs(
    graph: &DepGraph,
    scc: &[u32],
    spec: &Spec,
    codec: &Codec,
    a: u32,
    b: u32,
    start: State,
    steps_left: &mut u64,
    scratch: &mut Scratch,
) -> Walk {
    scratch.stamp = scratch.stamp.wrapping_add(1);
    if scratch.stamp == 0 {
        scratch.seen.iter_mut().for_each(|s| *s = 0);
        scratch.stamp = 1;
    }
    let local = |v: u32| scc.binary_search(&v).unwrap_or(0);
    let slot = |v: u32, code: usize| local(v) * STATES + code;
    let start_slot = slot(b, codec.encode(start));
    scratch.seen[start_slot] = scratch.stamp;
    scratch.parent[start_slot] = NO_PARENT;
    let mut queue = std::collections::VecDeque::from([(b, start)]);
    while let Some((v, s)) = queue.pop_front() {
        let here = slot(v, codec.encode(s));
        for (w, rels) in graph.out(v) {
            if *steps_left == 0 {
                return Walk::OutOfBudget;
            }
            *steps_left -= 1;
            if !scratch.contains(w) {
                continue;
            }
            for next in moves(spec, codec, s, rels).into_iter().flatten() {
                if w == a {
                    if valid_end(spec, next) {
                        return close(scratch, scc, a, here);
                    }
                    continue;
                }
                let there = slot(w, codec.encode(next));
                if scratch.seen[there] != scratch.stamp {
                    scratch.seen[there] = scratch.stamp;
                    scratch.parent[there] = here as u32;
                    queue.push_back((w, next));
                }
            }
        }
    }
    Walk::None
}

/// Rebuilds `[a, b, .., last]` from parent slots; rejects walks that revisit a vertex.
fn close(scratch: &Scratch, scc: &[u32], a: u32, last_slot: usize) -> Walk {
    let mut reversed = Vec::new();
    let mut slot = last_slot as u32;
    while slot != NO_PARENT {
        reversed.push(scc[slot as usize / STATES]);
        slot = scratch.parent[slot as usize];
    }
    reversed.push(a);
    reversed.reverse();
    let mut sorted = reversed.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != reversed.len() {
        return Walk::None;
    }
    Walk::Cycle(reversed)
}
