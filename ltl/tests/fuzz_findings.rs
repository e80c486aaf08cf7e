//! Regression tests for bugs that fuzzing found (`../fuzz/`), one or more per finding.

use std::collections::BTreeMap;

use faultline_ltl::{
    Bits, Evaluation, Formula, LtlError, MAX_EXPANSION, Position, Proof, PropTrace, Sat, Vacuity,
    Viol, check_proof, parse_formula, parse_spec,
};
use faultline_trace::{Event, EventKind, Header, TimeModel, Trace};

fn parse_error(source: &str) -> (u32, u32, String) {
    match parse_spec(source, "t.ltl") {
        Err(LtlError::Parse {
            line,
            column,
            expected,
            ..
        }) => (line, column, expected),
        other => panic!("expected a parse error for {source:?}, got {other:?}"),
    }
}

// --- 1. The parser panicked on a leading `+` (an index underflow scanning numbers). ---

#[test]
fn a_leading_plus_is_a_parse_error_not_a_panic() {
    assert_eq!(parse_error("property p: +1").0, 1);
    assert_eq!(parse_error("property p: +1").1, 13);
    // Other number shapes the scanner must refuse without panicking.
    for (source, column) in [
        ("property p: $.lt == +1", 21),
        ("property p: $.lt == -", 21),
        ("property p: $.lt == -+1", 21),
        ("property p: $.lt == 1e+", 21),
        ("property p: $.lt == 01", 21),
        ("property p: $.lt == 1.", 21),
        ("property p:\n  [+]", 4),
        ("property p: $.payload == [1, +2]", 30),
    ] {
        let (line, found_column, _) = parse_error(source);
        assert!(line >= 1, "{source}");
        assert_eq!(found_column, column, "{source}");
    }
    // A sign inside an exponent is still part of a number.
    let spec = parse_spec("property p: $.lt == 1e+2 && $.lt != -1.5E-3", "t.ltl")
        .expect("JSON numbers parse");
    assert_eq!(spec.properties.len(), 1);
}

#[test]
fn a_time_bound_past_64_bits_is_an_error_naming_the_bound() {
    let (line, column, expected) = parse_error("property p: F[0, 18446744073709551616] true");
    assert_eq!((line, column), (1, 18));
    assert!(expected.contains("fits in 64 bits"), "{expected}");
    // In range but scaled past 64 bits.
    let (_, column, expected) = parse_error("property p: G[18446744073709551615s, 0] true");
    assert_eq!(column, 15);
    assert!(expected.contains("fits in 64 bits"), "{expected}");
    // The largest bound itself is fine.
    parse_spec("property p: F[0, 18446744073709551615] true", "t.ltl").expect("u64::MAX parses");
    // An array index past usize is an error too, not a panic.
    let (_, _, expected) = parse_error("property p: @a.log[99999999999999999999999] == 1");
    assert!(expected.contains("array index"), "{expected}");
}

// --- 2. Metric windows near sim_ns = u64::MAX saturated: wrong verdicts, rejected proofs. ---

fn p_trace(times: Vec<u64>, p: &[usize]) -> PropTrace {
    let bits = Bits::from_fn(times.len(), |i| p.contains(&i));
    PropTrace::new(BTreeMap::from([("p".to_string(), bits)]), times)
}

/// Verdict and presumptive flag at event 0, after the checker accepted the proof.
fn checked(formula: &str, trace: &PropTrace) -> (bool, bool, Proof) {
    let formula = parse_formula(formula).expect("parses");
    let evaluation = Evaluation::new(&formula, trace, "t").expect("evaluates");
    let proof = evaluation.proof(0);
    let presumed = check_proof(&proof, &formula, 0, trace, &|r| evaluation.expand(r))
        .unwrap_or_else(|err| panic!("`{formula}`: {err}\n{proof:#?}"));
    assert_eq!(presumed, evaluation.presumptive(0), "`{formula}`");
    (evaluation.holds(0), evaluation.presumptive(0), proof)
}

#[test]
fn a_window_starting_past_u64_max_holds_no_event() {
    let max = u64::MAX;
    // p at t = u64::MAX only. From t = u64::MAX - 1, [t+2, t+2] lies past u64::MAX: saturating
    // it to [u64::MAX, ...] used to take in the event at u64::MAX (and the checker rejected
    // the witness, whose dt = 1 is outside [2,2]).
    let trace = p_trace(vec![max - 1, max], &[1]);
    let (holds, presumed, proof) = checked("F[2,2] p", &trace);
    assert!(!holds);
    assert!(
        !presumed,
        "no event can ever be that late: not cut off by the end"
    );
    assert!(
        matches!(
            proof,
            Proof::Fails(Viol::EventuallyWithin { window: None, .. })
        ),
        "{proof:?}"
    );
    let (holds, presumed, _) = checked("G[2, 5] !p", &trace);
    assert_eq!((holds, presumed), (true, false));
    // [t+1, t+1] = [u64::MAX, u64::MAX] is the last representable instant: p is there.
    assert!(checked("F[1,1] p", &trace).0);
    // An end past u64::MAX takes in every later event.
    let (holds, _, proof) = checked(&format!("G[1, {max}] p"), &trace);
    assert!(holds);
    let Proof::Holds(Sat::AlwaysWithin {
        window: Some(window),
        truncated,
        ..
    }) = proof
    else {
        panic!("{proof:?}");
    };
    assert_eq!((window.from_ns, window.to_ns), (max, max));
    assert!(truncated, "events at u64::MAX may still follow");
    // From t = 0 the same bounds do not overflow.
    let early = p_trace(vec![0, 2, max], &[1]);
    assert!(checked("F[2,2] p", &early).0);
    assert!(checked(&format!("F[{max},{max}] !p"), &early).0);
}

// --- 3. Nested node quantifiers expanded 3^k with no bound. ---

/// A trace of `len` events at nodes a, b, c; each node's log gains "hello" at its deliver.
fn three_node_trace(len: usize) -> Trace {
    let nodes = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let mut trace = Trace::new(Header::new("t", "t", TimeModel::Async, nodes));
    for id in 0..len {
        let (kind, src, dst) = if id % 2 == 0 {
            (EventKind::Send, "a", ["b", "c"][(id / 2) % 2])
        } else {
            (EventKind::Deliver, "a", ["b", "c"][(id / 2) % 2])
        };
        trace.push(Event {
            src: Some(src.into()),
            dst: Some(dst.into()),
            msg_id: Some((id / 2) as u64),
            sent_lt: Some((id / 2) as u64),
            msg_type: Some("ping".into()),
            sim_ns: id as u64,
            ..Event::new(id as u64, kind, id as u64)
        });
    }
    trace
}

#[test]
fn nested_quantifiers_past_the_limit_are_an_error_naming_the_quantifier() {
    let trace = three_node_trace(4);
    let model = faultline_ltl::TraceModel::new(&trace).expect("folds");
    // The fuzzer's 250-byte spec: 20 nested quantifiers, 3^20 expanded instances.
    let vars: Vec<String> = (1..=20).map(|i| format!("n{i}")).collect();
    let prefix: String = vars.iter().map(|v| format!("forall {v}. ")).collect();
    let source = format!("property blowup:\n  {prefix}$.src == n1 || $.dst == n20\n");
    assert!(source.len() < 300);
    let spec = parse_spec(&source, "t.ltl").expect("parses");
    let property = &spec.properties[0];
    let err = match Evaluation::for_property(property, &model) {
        Err(err) => err,
        Ok(_) => panic!("expected the expansion to be refused"),
    };
    let LtlError::QuantifierExpansion {
        property: name,
        position,
        quantifier,
        nodes,
        expanded,
        limit,
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(name, "blowup");
    assert_eq!((*nodes, *limit), (3, MAX_EXPANSION));
    assert!(*expanded > 3u128.pow(20), "{expanded}");
    // The innermost quantifier past the limit on its own: 12 levels of `forall` over a
    // 3-node body (3.5 * 3^12 instances), i.e. `forall n9`.
    assert_eq!(quantifier, "forall n9");
    let column = 3 + prefix.find("forall n9.").expect("in the prefix") as u32;
    assert_eq!(*position, Some(Position { line: 2, column }));
    let text = err.to_string();
    assert!(text.contains("property `blowup`"), "{text}");
    assert!(text.contains(&format!("line 2, column {column}")), "{text}");
    assert!(text.contains("forall n9"), "{text}");
    // Without a spec file the error still names the quantifier.
    match Evaluation::new(&property.formula, &model, "blowup") {
        Err(LtlError::QuantifierExpansion { position: None, .. }) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("expected the expansion to be refused"),
    }
    // Within the limit (3^10 instances) the same shape evaluates.
    let prefix: String = vars[..10].iter().map(|v| format!("forall {v}. ")).collect();
    let formula = parse_formula(&format!("{prefix}$.src == n1 || $.dst == n10")).expect("parses");
    let evaluation = Evaluation::new(&formula, &model, "ok").expect("within the limit");
    assert!(!evaluation.holds(0));
}

// --- 4. Goal extraction was O(n^(k+1)): see `proof::goal::tests` (it needs the old walk). ---

// --- 5. Parsing 10^5 properties took minutes (a quadratic duplicate check and line count). ---

#[test]
fn parsing_a_hundred_thousand_properties_is_linear() {
    // Quadratic, this took minutes in release; linear, about a second in a debug build.
    let count = 100_000;
    let mut source = String::from("# many properties\n");
    for i in 0..count {
        source.push_str(&format!("property p{i}:\n  F q\n"));
    }
    let spec = parse_spec(&source, "many.ltl").expect("parses");
    assert_eq!(spec.properties.len(), count);
    let last = &spec.properties[count - 1];
    assert_eq!(last.name, format!("p{}", count - 1));
    assert_eq!(last.line, 2 * count as u32);
    // Node positions: `q` at column 5 of the next line, `F` at column 3.
    let line = 2 * count as u32 + 1;
    assert_eq!(
        last.positions,
        vec![Position { line, column: 5 }, Position { line, column: 3 }]
    );
    // A duplicate is found with its line (the same hash-set check, on a smaller file).
    let source = "property p0: true\nproperty p1: true\n\nproperty p0: false\n";
    match parse_spec(source, "dup.ltl") {
        Err(LtlError::DuplicateProperty { line, name, .. }) => {
            assert_eq!((line, name.as_str()), (4, "p0"));
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

#[test]
fn node_positions_follow_the_formula_in_post_order() {
    let source = "# c\nproperty a:\n  G ($.kind == \"send\" ->\n     F \"x\" in @b'.log)\n";
    let spec = parse_spec(source, "t.ltl").expect("parses");
    let property = &spec.properties[0];
    let nodes = property.formula.post_order();
    assert_eq!(nodes.len(), property.positions.len());
    let at = |line, column| Position { line, column };
    // atom, atom, F, ->, G
    assert_eq!(
        property.positions,
        vec![at(3, 6), at(4, 8), at(4, 6), at(3, 6), at(3, 3)]
    );
    assert!(matches!(nodes[3], Formula::Implies(..)));
}

// --- 6. Vacuity: a property that holds without the trace exercising it. ---

fn vacuity_of(spec: &str, trace: &Trace) -> (bool, Vec<Vacuity>) {
    let spec = parse_spec(spec, "t.ltl").expect("parses");
    let model = faultline_ltl::TraceModel::new(trace).expect("folds");
    let verdicts = faultline_ltl::check_spec(&spec, &model).expect("evaluates");
    (verdicts[0].holds, verdicts[0].vacuity.clone())
}

#[test]
fn a_misspelt_kind_is_reported_as_vacuous_with_its_position() {
    let trace = three_node_trace(6);
    let (holds, vacuity) = vacuity_of(
        "property resp:\n  G ($.kind == \"sned\" -> F $.kind == \"deliver\")\n",
        &trace,
    );
    assert!(holds);
    assert_eq!(
        vacuity,
        vec![
            Vacuity::Premise {
                premise: "$.kind == \"sned\"".into(),
                implication: "$.kind == \"sned\" -> F $.kind == \"deliver\"".into(),
                position: Some(Position { line: 2, column: 6 }),
                evaluated: 6,
            },
            Vacuity::AtomNeverTrue {
                atom: "$.kind == \"sned\"".into(),
                position: Some(Position { line: 2, column: 6 }),
                negative: true,
            },
        ]
    );
    let text = vacuity[0].to_string();
    assert!(text.contains("`$.kind == \"sned\"` at 2:6"), "{text}");
    assert!(text.contains("6 events"), "{text}");
    // Spelt right, the same property is exercised: nothing to report.
    let (holds, vacuity) = vacuity_of(
        "property resp: G ($.kind == \"send\" -> F $.kind == \"deliver\")",
        &trace,
    );
    assert!(holds);
    assert_eq!(vacuity, vec![]);
}

#[test]
fn a_premise_is_judged_only_where_the_proof_reads_the_implication() {
    let trace = three_node_trace(6);
    // The inner implication is read at the last event only (a deliver): a send never
    // happens there, though it does elsewhere.
    let (holds, vacuity) = vacuity_of(
        "property p: G (last -> ($.kind == \"send\" -> $.src == a))",
        &trace,
    );
    assert!(holds);
    assert_eq!(vacuity.len(), 1, "{vacuity:?}");
    assert!(
        matches!(&vacuity[0], Vacuity::Premise { premise, evaluated: 1, .. }
            if premise == "$.kind == \"send\""),
        "{vacuity:?}"
    );
    // The outer premise `last` holds where it is read: not vacuous.
    // Under a quantifier the premise counts for every binding: b receives, a does not.
    let (holds, vacuity) = vacuity_of(
        "property p: forall n. G ($.dst == n -> $.kind == \"deliver\" || $.kind == \"send\")",
        &trace,
    );
    assert!(holds);
    assert_eq!(vacuity, vec![], "$.dst == b holds for n = b");
}

#[test]
fn failing_properties_and_crash_atoms_are_never_vacuous() {
    let trace = three_node_trace(6);
    // Fails: the counterexample is the finding, whatever vacuity it has.
    let (holds, vacuity) = vacuity_of(
        "property p: G ($.kind == \"sned\" -> false) && F $.kind == \"crash\"",
        &trace,
    );
    assert!(!holds);
    assert_eq!(vacuity, vec![]);
    // No crash in the run: `crashed(n)` never holds, which is no typo.
    let (holds, vacuity) = vacuity_of("property p: forall n. G (crashed(n) || $.src == a)", &trace);
    assert!(holds);
    assert_eq!(vacuity, vec![]);
    // A positive atom that never holds did not matter: the property holds without it.
    let (holds, vacuity) = vacuity_of(
        "property p: G ($.kind == \"timeout\" || $.src == a)",
        &trace,
    );
    assert!(holds);
    assert!(
        matches!(
            &vacuity[..],
            [Vacuity::AtomNeverTrue {
                negative: false,
                ..
            }]
        ),
        "{vacuity:?}"
    );
}
