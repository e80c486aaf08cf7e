//! relay-chain-ack-N, N = 3..=9: relay-chain-ack over a chain of N nodes `n1 → n2 → … → nN`,
//! for measuring how a search scales with the node count (`faultline bench scaling`).
//!
//! `n1` holds `"m"` as input in round 1; every node holding `"m"` re-sends it to the next hop
//! every round until that hop's `ack` arrives; every receipt is stored (a derive of
//! `["hold", "m"]`) and acked. Property, at the end of the run: if `n1` holds `"m"`, `nN` holds
//! it. Goal of a good run: `nN`'s last derive of `["hold", "m"]`, fault independent (the
//! property never reads crashes). relay-chain-ack-3 behaves like relay-chain-ack on `a → b → c`.
//!
//! The copy reaches `nk` in round k, so the default spec is EOT N + 2, EFF N, no crashes. At
//! N = 3 that is relay-chain-ack's 5/3/0, certified; on longer chains omissions on the first
//! hops delay the copy past EOT (a counterexample in 4 runs at N = 5 and 9). With EFF = EOT − 1
//! the last unomittable copies arrive too late and a long run of omissions on one hop breaks it.
//!
//! The nodes are [`RelayChainAck`]s over a longer chain. The family is reachable by name
//! through [`crate::get`], not listed by [`crate::all`] (the soundness suite's list).

use faultline_trace::{FailureSpec, Goal, GoalScope, Trace};

use faultline_harness::end_state::{final_states, last_derive, string_set};

use crate::relay_chain::{RelayChainAck, hold_fact};
use faultline_harness::{InvariantReport, System};

/// The nodes of the longest chain, in chain order; a chain of N nodes is the first N.
pub const CHAIN_NODES: [&str; 9] = ["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"];
/// The shortest chain of the family.
pub const CHAIN_MIN: usize = 3;
const PAYLOAD: &str = "m";
/// If the first node holds `"m"`, the last one does; vacuous when the first never held it.
fn check<const N: usize>(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let (source, sink) = (CHAIN_NODES[0], CHAIN_NODES[N - 1]);
    let scope = GoalScope::FaultIndependent;
    if !string_set(states.get(source), "hold").contains(PAYLOAD) {
        return InvariantReport {
            holds: true,
            vacuous: true,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!("vacuously true: {source} never held {PAYLOAD:?}"),
        };
    }
    if !string_set(states.get(sink), "hold").contains(PAYLOAD) {
        return InvariantReport {
            holds: false,
            vacuous: false,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!("{source} sent {PAYLOAD:?} but {sink} does not hold it"),
        };
    }
    let goal: Vec<u64> = last_derive(trace, sink, &hold_fact(PAYLOAD))
        .into_iter()
        .collect();
    InvariantReport {
        holds: true,
        vacuous: false,
        goal: Goal::all_of(goal, scope),
        explanation: format!("{source} sent {PAYLOAD:?} and {sink} holds it"),
    }
}

const NAMES: [&str; 7] = [
    "relay-chain-ack-3",
    "relay-chain-ack-4",
    "relay-chain-ack-5",
    "relay-chain-ack-6",
    "relay-chain-ack-7",
    "relay-chain-ack-8",
    "relay-chain-ack-9",
];

fn chain<const N: usize>(name: &str) -> System {
    System::new(name)
        .description("relay-chain-ack over a chain of N nodes n1 → … → nN (for `bench scaling`)")
        .nodes(CHAIN_NODES[..N].iter().copied(), |me| {
            RelayChainAck::in_chain(me, &CHAIN_NODES[..N])
        })
        .failure_spec(FailureSpec::new(N as u64 + 2, N as u64, 0))
        .invariant(check::<N>)
        .build()
        .unwrap_or_else(|err| panic!("a built-in system is well formed: {err}"))
}

fn chains() -> &'static [System] {
    static CHAINS: std::sync::OnceLock<Vec<System>> = std::sync::OnceLock::new();
    CHAINS.get_or_init(|| {
        vec![
            chain::<3>(NAMES[0]),
            chain::<4>(NAMES[1]),
            chain::<5>(NAMES[2]),
            chain::<6>(NAMES[3]),
            chain::<7>(NAMES[4]),
            chain::<8>(NAMES[5]),
            chain::<9>(NAMES[6]),
        ]
    })
}

/// relay-chain-ack over `length` nodes (3..=9), if there is one of that length.
pub fn relay_chain_ack_n(length: usize) -> Option<&'static System> {
    chains().get(length.checked_sub(CHAIN_MIN)?)
}

/// The family member called `name` (`relay-chain-ack-3` … `relay-chain-ack-9`).
pub(crate) fn by_name(name: &str) -> Option<&'static System> {
    chains().iter().find(|system| system.name() == name)
}
