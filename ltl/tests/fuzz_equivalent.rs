//! The LTL fuzz targets (`../fuzz/`: `ltl_parse`, `ltl_check`) on the stable toolchain, with a
//! bounded number of proptest cases: random bytes, token soup and mutations of the shipped
//! specs (`../specs/*.ltl`) go to the parser; the specs that still parse are evaluated on small
//! structured traces, and every proof is checked by the independent checker.
//!
//! The properties themselves are the fuzz targets' own (`fuzz/src/ltl_props.rs`, included
//! below), so a failure here reproduces with `cargo +nightly fuzz run` and vice versa.

#[allow(dead_code)] // Shared with the fuzz crate, which uses every item.
#[path = "../../fuzz/src/ltl_props.rs"]
mod ltl_props;

use std::path::PathBuf;
use std::sync::OnceLock;

use ltl_props::{SmallEvent, SmallTrace, build_trace, check_spec_on, ltl_parse};
use proptest::prelude::*;

/// The shipped specs, read once.
fn shipped_specs() -> &'static [String] {
    static SPECS: OnceLock<Vec<String>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("specs/ exists")
            .map(|entry| entry.expect("readable").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "ltl"))
            .collect();
        paths.sort();
        let specs: Vec<String> = paths
            .iter()
            .map(|path| std::fs::read_to_string(path).expect("readable spec"))
            .collect();
        assert!(specs.len() >= 5, "the delivery specs at least");
        specs
    })
}

/// Pieces of spec syntax, and the inputs that once broke the parser.
const TOKENS: &[&str] = &[
    "G ",
    "F ",
    "X ",
    "WX ",
    " U ",
    " W ",
    " R ",
    "Y ",
    "WY ",
    "O ",
    "H ",
    " S ",
    "F[0,5] ",
    "G[1ms, 2s] ",
    "O[3,4] ",
    "[0, 18446744073709551615]",
    "[0, 18446744073709551616]",
    "[18446744073709551615s,1]",
    "+1",
    "-",
    "1e+",
    "01",
    "1.5e-3",
    "\"",
    "\"hello\"",
    "\\",
    "(",
    ")",
    "[",
    "]",
    ",",
    "&&",
    "||",
    "->",
    "<->",
    "!",
    "==",
    "!=",
    "<=",
    "<",
    ">",
    " in ",
    "forall n. ",
    "exists m. ",
    "@a'.log",
    "@n.log",
    "@\"F\".x",
    "$.kind",
    "$.payload.x[3]",
    "$.sim_ns",
    "crashed(n)",
    "crashed(",
    "changed(@b.log)",
    "last",
    "true",
    "false",
    "missing",
    "null",
    "p",
    "n",
    "a",
    "property q: ",
    "property q-2: ",
    ";",
    "# c\n",
    "// c\n",
    "\n",
    " ",
    "é",
    "\u{0}",
    "ms",
    "99999999999999999999",
    "\"lbl\": ",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(0..TOKENS.len(), 0..40)
        .prop_map(|picks| picks.into_iter().map(|k| TOKENS[k]).collect())
}

/// One edit of a spec's bytes (positions are taken modulo the length).
#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, u8),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..12).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, k)| Mutation::Insert(at, k)),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Duplicate(at, len)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace(at, byte)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(spec: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = spec.as_bytes().to_vec();
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
                bytes.splice(at..at, TOKENS[k].bytes());
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
            Mutation::Truncate(at) => bytes.truncate(at % len),
        }
    }
    bytes
}

fn mutated_spec(max_mutations: usize) -> impl Strategy<Value = Vec<u8>> {
    (
        any::<prop::sample::Index>(),
        prop::collection::vec(mutation(), 0..=max_mutations),
    )
        .prop_map(|(which, mutations)| {
            let specs = shipped_specs();
            mutate(&specs[which.index(specs.len())], &mutations)
        })
}

fn small_trace() -> impl Strategy<Value = SmallTrace> {
    let event = (any::<u8>(), any::<u8>(), any::<u8>(), 0u8..4, any::<u8>()).prop_map(
        |(kind, node, peer, dt, log)| SmallEvent {
            kind,
            node,
            peer,
            dt,
            log,
        },
    );
    (any::<bool>(), prop::collection::vec(event, 1..14))
        .prop_map(|(late, events)| SmallTrace { late, events })
}

/// Evaluates `source` on the trace when it parses (the `ltl_check` target's second half).
fn check_if_it_parses(source: &[u8], small: &SmallTrace) {
    let text = String::from_utf8_lossy(source);
    if let Ok(spec) = faultline_ltl::parse_spec(&text, "fuzz.ltl") {
        let trace = build_trace(small).expect("at least one event");
        check_spec_on(&spec, &trace);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        ltl_parse(&bytes);
    }

    #[test]
    fn token_soup_never_panics_the_parser(text in token_soup()) {
        ltl_parse(text.as_bytes());
        ltl_parse(format!("property p: {text}").as_bytes());
    }

    #[test]
    fn mutated_shipped_specs_never_panic_the_parser(bytes in mutated_spec(6)) {
        ltl_parse(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 800, ..ProptestConfig::default() })]

    #[test]
    fn mutated_shipped_specs_evaluate_with_checked_proofs(
        bytes in mutated_spec(2),
        small in small_trace(),
    ) {
        check_if_it_parses(&bytes, &small);
    }

    #[test]
    fn token_soup_specs_evaluate_with_checked_proofs(
        text in token_soup(),
        small in small_trace(),
    ) {
        check_if_it_parses(format!("property p: {text}").as_bytes(), &small);
    }
}

/// The shipped specs themselves, unmutated, on a spread of small traces: most parse and
/// evaluate here, so the generated cases above start from real coverage.
#[test]
fn shipped_specs_evaluate_with_checked_proofs() {
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u8
    };
    for spec in shipped_specs() {
        ltl_parse(spec.as_bytes());
        for late in [false, true] {
            let events = (0..12)
                .map(|_| SmallEvent {
                    kind: next(),
                    node: next(),
                    peer: next(),
                    dt: next() % 4,
                    log: next(),
                })
                .collect();
            check_if_it_parses(spec.as_bytes(), &SmallTrace { late, events });
        }
    }
}
