//! Properties over generated histories: the parser round-trips what the generator writes, a
//! serializable store is never flagged, and broken stores are caught.

use elle_lite::generate::{GenConfig, Store, generate, write_json_lines};
use elle_lite::{CheckOptions, Validity, check, parse_history};
use proptest::prelude::*;

fn store() -> impl Strategy<Value = Store> {
    prop_oneof![
        Just(Store::Serializable),
        Just(Store::SnapshotIsolation),
        Just(Store::LostUpdate),
        Just(Store::StaleRead),
        Just(Store::AbortedRead),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn json_lines_round_trip(seed in any::<u64>(), store in store(), txns in 1usize..120) {
        let history = generate(&GenConfig { txns, store, seed, ..GenConfig::default() });
        let mut text = Vec::new();
        write_json_lines(&history, &mut text).expect("in-memory write");
        let text = String::from_utf8(text).expect("UTF-8");
        let parsed = parse_history(&text, None).expect("generated JSON Lines parse");
        prop_assert_eq!(parsed.ops.len(), history.ops.len());
        for (a, b) in parsed.ops.iter().zip(&history.ops) {
            prop_assert_eq!(a.index, b.index);
            prop_assert_eq!(a.op_type, b.op_type);
            prop_assert_eq!(a.client(), b.client());
            prop_assert_eq!(a.mops.len(), b.mops.len());
        }
    }

    #[test]
    fn serializable_store_is_strict_serializable(seed in any::<u64>(), txns in 1usize..300, processes in 1usize..6) {
        let history = generate(&GenConfig { txns, processes, seed, ..GenConfig::default() });
        let result = check(&history, &CheckOptions::default()).expect("unique appends");
        prop_assert!(result.valid != Validity::Invalid, "{:?}", result.anomaly_types);
    }

    #[test]
    fn checker_never_panics_on_any_store(seed in any::<u64>(), store in store(), txns in 1usize..200) {
        let history = generate(&GenConfig { txns, store, seed, fault_per_mille: 200, ..GenConfig::default() });
        for models in [&["strict-serializable"][..], &["snapshot-isolation"], &["read-committed"]] {
            check(&history, &CheckOptions::models(models)).expect("unique appends");
        }
    }

    #[test]
    fn parser_rejects_garbage_without_panicking(text in "\\PC{0,200}") {
        let _ = parse_history(&text, None);
    }
}

#[test]
fn aborted_reads_are_found() {
    let history = generate(&GenConfig {
        txns: 2000,
        store: Store::AbortedRead,
        fault_per_mille: 100,
        seed: 3,
        ..GenConfig::default()
    });
    let result =
        check(&history, &CheckOptions::models(&["read-committed"])).expect("unique appends");
    assert_eq!(result.valid, Validity::Invalid);
    assert!(
        result.anomaly_types.contains(&"G1a".to_owned()),
        "{:?}",
        result.anomaly_types
    );
}

#[test]
fn write_skew_breaks_serializable_but_not_snapshot_isolation() {
    let history = generate(&GenConfig {
        txns: 2000,
        store: Store::SnapshotIsolation,
        seed: 5,
        ..GenConfig::default()
    });
    let serializable =
        check(&history, &CheckOptions::models(&["serializable"])).expect("unique appends");
    assert_eq!(serializable.valid, Validity::Invalid);
    assert!(
        serializable.anomaly_types.contains(&"G2-item".to_owned()),
        "{:?}",
        serializable.anomaly_types
    );
    let si =
        check(&history, &CheckOptions::models(&["snapshot-isolation"])).expect("unique appends");
    assert_eq!(si.valid, Validity::Valid, "{:?}", si.anomaly_types);
}

#[test]
fn a_tiny_budget_reports_a_cycle_search_timeout_deterministically() {
    let history = generate(&GenConfig {
        txns: 3000,
        store: Store::SnapshotIsolation,
        seed: 9,
        ..GenConfig::default()
    });
    let options = CheckOptions {
        cycle_search_budget: 50,
        ..CheckOptions::models(&["serializable"])
    };
    let first = check(&history, &options).expect("unique appends");
    assert!(
        first.anomalies.contains_key("cycle-search-timeout"),
        "{:?}",
        first.anomaly_types
    );
    let second = check(&history, &options).expect("unique appends");
    assert_eq!(first, second);
}
