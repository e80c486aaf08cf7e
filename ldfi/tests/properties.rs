//! Properties of whole searches on the delivery protocols: every proposal respects the
//! failure spec, every counterexample replays to a violation.

mod common;

use std::collections::BTreeSet;

use common::{Protocol, judge, simulate, spec};
use faultline_ldfi::{ExploreConfig, Outcome, Silent, explore};
use faultline_trace::{Fault, Trace};
use proptest::prelude::*;

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![
        Just(Protocol::Simple),
        Just(Protocol::Retry),
        Just(Protocol::Redun),
        Just(Protocol::Ack),
        Just(Protocol::Classic),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn proposals_respect_the_spec_and_counterexamples_replay(
        protocol in protocol(),
        eot in 2u64..6,
        eff_offset in 0u64..6,
        crashes in 0u32..3,
        batch_size in 1usize..4,
    ) {
        let eff = eff_offset.min(eot - 1);
        let config = ExploreConfig {
            find_all: true,
            batch_size,
            runs_max: 400,
            ..ExploreConfig::new(spec(eot, eff, crashes))
        };
        let runner = |faults: &[Fault]| -> Result<Trace, String> { Ok(simulate(protocol, eot, faults)) };
        let oracle = |trace: &Trace| -> Result<_, String> { Ok(judge(trace)) };
        let report = explore(&runner, &oracle, &config, &mut Silent).expect("search runs");
        let mut seen = BTreeSet::new();
        for record in &report.history {
            prop_assert!(seen.insert(record.faults.clone()), "re-proposed {:?}", record.faults);
            let mut crashed = BTreeSet::new();
            for fault in &record.faults {
                match fault {
                    Fault::Omission { at, .. } => prop_assert!(*at >= 1 && *at < eff),
                    Fault::Crash { node, at } => {
                        prop_assert!(*at >= 1 && *at <= eot);
                        prop_assert!(crashed.insert(node.clone()), "two crashes of {node}");
                    }
                    other => prop_assert!(false, "unexpected fault {other}"),
                }
            }
            prop_assert!(crashed.len() <= crashes as usize);
        }
        for counterexample in &report.counterexamples {
            prop_assert_eq!(judge(&simulate(protocol, eot, counterexample)).outcome, Outcome::Bad);
            // Minimal: no other counterexample is a proper subset.
            for other in &report.counterexamples {
                prop_assert!(other == counterexample || !other.iter().all(|f| counterexample.contains(f)));
            }
        }
    }
}
