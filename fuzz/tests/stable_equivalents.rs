//! The non-LTL fuzz targets on the stable toolchain: `cargo test --manifest-path
//! fuzz/Cargo.toml`. Random bytes and mutations of the seeds in `seeds/` go through the same
//! property functions the fuzz targets call (`faultline_fuzz::*`), with a bounded number of
//! cases. (The LTL targets' equivalents run with the ltl crate's own tests:
//! `ltl/tests/fuzz_equivalent.rs`.)
//!
//! These live here, beside the targets, rather than in the trace and elle-lite crates; they
//! document what the fuzz targets check and run in a few seconds on any toolchain.

use std::path::PathBuf;

use proptest::prelude::*;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("readable").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read(path).expect("readable seed"))
        .collect()
}

/// Inserted by mutations: JSON and EDN structure, big and odd numbers, bad UTF-8.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\n",
    b"null",
    b"true",
    b"-1",
    b"18446744073709551616",
    b"1e999",
    b"\"kind\":",
    b"\"id\":",
    b"\"lt\":",
    b"\"msg_id\":",
    b"\"state_patch\":{\"x\":null}",
    b"\"parents\":[0]",
    b":type :invoke",
    b":value",
    b"#",
    b";",
    b"\\u0000",
    b"\xff\xfe",
    b"\xc3",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, k)| Mutation::Insert(at, k)),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Duplicate(at, len)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace(at, byte)),
    ]
}

fn mutate(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for mutation in mutations {
        let len = bytes.len().max(1);
        match *mutation {
            Mutation::Delete(at, count) => {
                let at = at % len;
                let end = (at + count).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Mutation::Insert(at, k) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, TOKENS[k].iter().copied());
            }
            Mutation::Duplicate(at, count) => {
                let at = at % len;
                let end = (at + count).min(bytes.len());
                let copy: Vec<u8> = bytes[at.min(end)..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Replace(at, byte) => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = byte;
                }
            }
        }
    }
    bytes
}

fn mutated(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    (
        any::<prop::sample::Index>(),
        prop::collection::vec(mutation(), 0..6),
    )
        .prop_map(move |(which, mutations)| {
            let seeds = seeds(target);
            mutate(&seeds[which.index(seeds.len())], &mutations)
        })
}

#[test]
fn seeds_pass_unmutated() {
    for seed in seeds("trace_reader") {
        faultline_fuzz::trace_reader(&seed);
    }
    for seed in seeds("elle_readers") {
        faultline_fuzz::elle_readers(&seed);
    }
    for seed in seeds("faults_parser") {
        faultline_fuzz::faults_parser(&seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn trace_reader_never_panics(
        bytes in prop_oneof![mutated("trace_reader"), prop::collection::vec(any::<u8>(), 0..256)]
    ) {
        faultline_fuzz::trace_reader(&bytes);
    }

    #[test]
    fn elle_readers_never_panic(
        bytes in prop_oneof![mutated("elle_readers"), prop::collection::vec(any::<u8>(), 0..256)]
    ) {
        faultline_fuzz::elle_readers(&bytes);
    }

    #[test]
    fn faults_parser_never_panics(
        bytes in prop_oneof![mutated("faults_parser"), prop::collection::vec(any::<u8>(), 0..256)]
    ) {
        faultline_fuzz::faults_parser(&bytes);
    }
}
