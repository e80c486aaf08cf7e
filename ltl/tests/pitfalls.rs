//! The LTLf pitfalls of the anchors, as named tests, plus parser error positions.

use std::collections::BTreeMap;

use faultline_ltl::{
    Bits, Evaluation, LtlError, PropTrace, check_proof, parse_formula, parse_spec,
};

/// A trace where `p` holds at the listed events (of `len`), one event per time unit.
fn trace(len: usize, p: &[usize]) -> PropTrace {
    let bits = Bits::from_fn(len, |i| p.contains(&i));
    PropTrace::new(
        BTreeMap::from([("p".to_string(), bits)]),
        (0..len as u64).collect(),
    )
}

fn verdict(formula: &str, trace: &PropTrace) -> (bool, bool) {
    let formula = parse_formula(formula).expect("parses");
    let evaluation = Evaluation::new(&formula, trace, "t").expect("evaluates");
    let proof = evaluation.proof(0);
    let presumed =
        check_proof(&proof, &formula, 0, trace, &|r| evaluation.expand(r)).expect("proof checks");
    assert_eq!(presumed, evaluation.presumptive(0));
    (evaluation.holds(0), evaluation.presumptive(0))
}

#[test]
fn pitfall_g_p_implies_x_p_fails_when_p_holds_at_the_last_event() {
    let all_p = trace(3, &[0, 1, 2]);
    assert_eq!(
        verdict("G(p -> X p)", &all_p),
        (false, true),
        "strong X at the end: presumably false"
    );
    assert_eq!(
        verdict("G(p -> WX p)", &all_p),
        (true, true),
        "weak X at the end: presumably true"
    );
}

#[test]
fn pitfall_gf_p_means_p_at_the_last_event() {
    assert!(verdict("G F p", &trace(4, &[0, 1, 2, 3])).0);
    assert!(verdict("G F p", &trace(4, &[3])).0);
    assert!(!verdict("G F p", &trace(4, &[0, 1, 2])).0);
    assert_eq!(
        verdict("F G p", &trace(4, &[3])).0,
        verdict("G F p", &trace(4, &[3])).0
    );
}

#[test]
fn pitfall_not_x_p_differs_from_x_not_p_at_the_end() {
    let single = trace(1, &[]);
    assert_eq!(verdict("!X p", &single), (true, true));
    assert_eq!(verdict("X !p", &single), (false, true));
}

#[test]
fn x_is_strong_and_wx_weak_on_p_p_q() {
    // The anchors' example trace p, p, q: at the last event X p is false and WX p true.
    let ppq = trace(3, &[0, 1]);
    assert!(!verdict("X X X p", &ppq).0);
    assert!(verdict("WX WX WX p", &ppq).0);
}

#[test]
fn response_pending_at_the_end_is_presumably_false() {
    let pending = trace(3, &[2]);
    // Reuse p as the request and ask for a response that never comes.
    assert_eq!(verdict("G(p -> F false)", &pending), (false, true));
    assert_eq!(verdict("G(p -> F[0,5] p)", &pending), (true, false));
}

#[test]
fn past_yesterday_is_strong_and_weak_yesterday_weak() {
    let t = trace(2, &[0, 1]);
    assert_eq!(verdict("Y p", &t), (false, false));
    assert_eq!(verdict("WY p", &t), (true, false));
    assert!(verdict("G(p -> O p)", &t).0);
}

#[test]
fn metric_windows_use_timestamps() {
    let t = trace(6, &[4]);
    assert!(verdict("F[3,4] p", &t).0);
    assert!(!verdict("F[0,3] p", &t).0);
    assert!(!verdict("F[0,3] p", &t).1);
    // A window cut off by the end of the trace is presumptive.
    assert_eq!(verdict("F[10,20] p", &t), (false, true));
    assert_eq!(verdict("G[10,20] !p", &t), (true, true));
}

#[test]
fn precedence_and_binds_tighter_than_or() {
    assert_eq!(
        parse_formula("p || q && r").expect("parses"),
        parse_formula("p || (q && r)").expect("parses")
    );
    assert_eq!(
        parse_formula("p -> q -> r").expect("parses"),
        parse_formula("p -> (q -> r)").expect("parses")
    );
}

fn parse_error(source: &str) -> (u32, u32, String) {
    match parse_spec(source, "t.ltl") {
        Err(LtlError::Parse {
            line,
            column,
            expected,
            ..
        }) => (line, column, expected),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn parse_errors_name_line_column_and_expectation() {
    assert_eq!(parse_error("property a: G (p && )").0, 1);
    assert_eq!(parse_error("property a: G (p && )").1, 21);
    let (line, column, expected) = parse_error("# c\nproperty a:\n  F[5,1] p");
    assert_eq!((line, column), (3, 7));
    assert!(expected.contains("upper bound"), "{expected}");
    let (line, column, expected) = parse_error("property a: p\nproperty b: q r");
    assert_eq!((line, column), (2, 15));
    assert!(expected.contains("property"), "{expected}");
    let (_, _, expected) = parse_error("property a: $.nope == 1");
    assert!(expected.contains("event field"), "{expected}");
    assert!(matches!(
        parse_spec("", "t.ltl"),
        Err(LtlError::Parse { .. })
    ));
    assert!(matches!(
        parse_spec("property a: p\nproperty a: q", "t.ltl"),
        Err(LtlError::DuplicateProperty { line: 2, .. })
    ));
}

#[test]
fn several_properties_comments_labels_and_units_parse() {
    let spec = parse_spec(
        "// two properties\nproperty one: \"safe\": G !crashed(a) # trailing\n\
         property two-x: forall n. F[0, 5ms] changed(@n.log) || @n'.log[0] == missing;\n",
        "t.ltl",
    )
    .expect("parses");
    assert_eq!(spec.properties.len(), 2);
    assert_eq!(spec.properties[1].name, "two-x");
    assert_eq!(spec.properties[1].line, 3);
    assert!(
        spec.properties[1]
            .formula
            .to_string()
            .contains("F[0,5000000]")
    );
}

/// Nesting past the limit is a parse error at the offending spot, never a stack overflow (the
/// parser and every pass over a formula recurse once per level). Run on a thread with the main
/// thread's 8 MiB stack, where the CLI parses specs, in debug and release builds alike.
#[test]
fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    let deep = |n: usize| {
        [
            format!("property a: {}p{}", "(".repeat(n), ")".repeat(n)),
            format!("property a: {}p", "!".repeat(n)),
            format!("property a: {}p", "X ".repeat(n)),
            format!("property a: {}", vec!["p"; n + 1].join(" && ")),
            format!("property a: {}p", "p U ".repeat(n)),
            format!(
                "property a: $.payload == {}1{}",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ]
    };
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            for source in deep(100_000) {
                let (line, column, expected) = parse_error(&source);
                assert_eq!(line, 1);
                assert!(column > 256, "{column}");
                assert!(expected.contains("at most 256 nested"), "{expected}");
            }
            // The limit itself is usable: parsed, and evaluated where a propositional trace
            // can (the last one reads a payload).
            for (index, source) in deep(255).iter().enumerate() {
                let spec = parse_spec(source, "t.ltl").expect("256 levels parse");
                if index < 5 {
                    let formula = &spec.properties[0].formula;
                    Evaluation::new(formula, &trace(2, &[0, 1]), "t").expect("evaluates");
                }
            }
        })
        .expect("spawns")
        .join()
        .expect("no stack overflow");
}
