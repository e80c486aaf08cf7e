//! One test per rule: the error names the right line and field.

use crate::{TraceError, TraceReader, read_and_validate};

const HEADER: &str = r#"{"schema":"faultline-trace/v1","run_id":"r1","sut":"demo","time_model":"rounds","nodes":["a","b","c"],"faults":[{"kind":"omission","src":"a","dst":"c","at":1}],"initial_state":{"a":{"log":[]}}}"#;

/// Header, a blank line, then `events` one per line (so event i is on line i + 3).
fn read(events: &[&str]) -> Result<crate::TraceSummary, TraceError> {
    let text = format!("{HEADER}\n\n{}\n", events.join("\n"));
    read_and_validate(TraceReader::new(text.as_bytes(), "t.jsonl")?).map(|trace| {
        crate::validate_lines(&trace, "t.jsonl", 1, &vec![0; trace.events.len()])
            .expect("a trace that validated while streaming validates in memory")
    })
}

/// Asserts that `events` fail on event `index` (line index + 3) at `field`.
#[track_caller]
fn fails_at(events: &[&str], index: u64, field: &str) -> String {
    let err = read(events).expect_err("the trace is invalid");
    assert_eq!(err.line(), Some(index + 3), "{err}");
    assert_eq!(err.field(), Some(field), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("t.jsonl:{}: field `{field}`", index + 3)),
        "{message}"
    );
    message
}

const SEND: &str = r#"{"id":0,"kind":"send","lt":1,"src":"a","dst":"b","msg_id":0,"type":"log","payload":"hi","state_patch":{"sent":1}}"#;
const DELIVER: &str =
    r#"{"id":1,"kind":"deliver","lt":2,"src":"a","dst":"b","msg_id":0,"sent_lt":1,"parents":[0]}"#;

#[test]
fn a_good_trace_is_summarised() {
    let summary = read(&[
        SEND,
        DELIVER,
        r#"{"id":2,"kind":"send","lt":2,"src":"b","dst":"c","msg_id":1}"#,
        r#"{"id":3,"kind":"send","lt":2,"src":"b","dst":"a","msg_id":2}"#,
        r#"{"id":4,"kind":"drop","lt":3,"src":"b","dst":"c","msg_id":1,"cause":{"kind":"crash","node":"c","at":2}}"#,
        r#"{"id":5,"kind":"invoke","lt":3,"process":0,"f":"txn","value":[["append",1,1]]}"#,
        r#"{"id":6,"kind":"ok","lt":3,"process":0,"f":"txn","value":[["append",1,1]]}"#,
        r#"{"id":7,"kind":"derive","lt":3,"node":"a","fact":["log","hi"],"parents":[1]}"#,
    ])
    .unwrap();
    assert_eq!(summary.events, 8);
    assert_eq!(summary.nodes, 3);
    assert_eq!(
        (summary.sent, summary.delivered, summary.dropped),
        (3, 1, 1)
    );
    assert_eq!(summary.in_flight, 1);
    assert_eq!(summary.client_events, 2);
    assert_eq!(summary.lt_last, 3);
}

#[test]
fn ids_are_dense() {
    let message = fails_at(&[SEND, &DELIVER.replace(r#""id":1"#, r#""id":2"#)], 1, "id");
    assert!(message.contains("expected 1"), "{message}");
}

#[test]
fn required_fields_per_kind() {
    let message = fails_at(&[&SEND.replace(r#","msg_id":0"#, "")], 0, "msg_id");
    assert!(
        message.contains("expected an integer (required for send events)"),
        "{message}"
    );
    fails_at(&[SEND, &DELIVER.replace(r#""dst":"b","#, "")], 1, "dst");
    fails_at(
        &[r#"{"id":0,"kind":"timer_set","lt":1,"node":"a"}"#],
        0,
        "timer",
    );
    fails_at(&[r#"{"id":0,"kind":"crash","lt":1}"#], 0, "node");
    fails_at(
        &[r#"{"id":0,"kind":"derive","lt":1,"node":"a"}"#],
        0,
        "fact",
    );
    fails_at(&[r#"{"id":0,"kind":"invoke","lt":1,"process":1}"#], 0, "f");
}

#[test]
fn field_types_are_named_by_the_reader() {
    fails_at(
        &[&SEND.replace(r#""msg_id":0"#, r#""msg_id":"zero""#)],
        0,
        "msg_id",
    );
    fails_at(
        &[&SEND.replace(r#""kind":"send""#, r#""kind":"sned""#)],
        0,
        "kind",
    );
    let err = read(&[SEND, "{not json"]).unwrap_err();
    assert!(matches!(err, TraceError::Syntax { line: 4, .. }), "{err}");
}

#[test]
fn deliver_and_drop_need_an_earlier_send() {
    let orphan = DELIVER
        .replace(r#""id":1"#, r#""id":0"#)
        .replace(r#","parents":[0]"#, "");
    let message = fails_at(&[&orphan], 0, "msg_id");
    assert!(message.contains("an earlier send event"), "{message}");
}

#[test]
fn at_most_one_deliver_or_drop_per_message() {
    let again = r#"{"id":2,"kind":"drop","lt":2,"src":"a","dst":"b","msg_id":0}"#;
    let message = fails_at(&[SEND, DELIVER, again], 2, "msg_id");
    assert!(message.contains("event #1 already did"), "{message}");
}

#[test]
fn msg_ids_are_unique_per_send() {
    fails_at(
        &[SEND, &SEND.replace(r#""id":0"#, r#""id":1"#)],
        1,
        "msg_id",
    );
}

#[test]
fn deliver_agrees_with_its_send() {
    fails_at(
        &[SEND, &DELIVER.replace(r#""src":"a""#, r#""src":"c""#)],
        1,
        "src",
    );
    fails_at(
        &[SEND, &DELIVER.replace(r#""dst":"b""#, r#""dst":"c""#)],
        1,
        "dst",
    );
    fails_at(
        &[SEND, &DELIVER.replace(r#""sent_lt":1"#, r#""sent_lt":0"#)],
        1,
        "sent_lt",
    );
}

#[test]
fn sent_lt_is_at_most_lt_and_rounds_deliver_later() {
    fails_at(
        &[&SEND.replace(r#""lt":1"#, r#""lt":1,"sent_lt":2"#)],
        0,
        "sent_lt",
    );
    let message = fails_at(&[SEND, &DELIVER.replace(r#""lt":2"#, r#""lt":1"#)], 1, "lt");
    assert!(message.contains("greater than sent_lt = 1"), "{message}");
}

#[test]
fn lt_never_decreases() {
    let log = r#"{"id":1,"kind":"log","lt":0,"node":"a"}"#;
    fails_at(&[SEND, log], 1, "lt");
}

#[test]
fn nodes_must_be_known() {
    let message = fails_at(&[&SEND.replace(r#""dst":"b""#, r#""dst":"zz""#)], 0, "dst");
    assert!(message.contains("found \"zz\""), "{message}");
    fails_at(&[r#"{"id":0,"kind":"log","lt":1,"node":"q"}"#], 0, "node");
    fails_at(
        &[
            r#"{"id":0,"kind":"crash","lt":1,"node":"a","fault":{"kind":"crash","node":"x","at":1}}"#,
        ],
        0,
        "fault",
    );
    fails_at(
        &[&SEND.replace(r#""lt":1"#, r#""lt":1,"node":"b""#)],
        0,
        "node",
    );
}

#[test]
fn parents_point_to_earlier_events() {
    let message = fails_at(&[SEND, &DELIVER.replace("[0]", "[0,1]")], 1, "parents[1]");
    assert!(message.contains("less than 1"), "{message}");
}

#[test]
fn state_patches_are_objects_and_not_beside_state() {
    fails_at(&[&SEND.replace(r#"{"sent":1}"#, "[1,2]")], 0, "state_patch");
    fails_at(
        &[&SEND.replace(r#""state_patch""#, r#""state":{},"state_patch""#)],
        0,
        "state_patch",
    );
    fails_at(
        &[r#"{"id":0,"kind":"invoke","lt":1,"process":1,"f":"r","state":{}}"#],
        0,
        "node",
    );
}

#[test]
fn omission_causes_match_their_message() {
    let drop = r#"{"id":1,"kind":"drop","lt":2,"src":"a","dst":"b","msg_id":0,"cause":{"kind":"omission","src":"a","dst":"c","at":1}}"#;
    fails_at(&[SEND, drop], 1, "cause");
}

#[test]
fn client_operations_complete_invokes() {
    let invoke = r#"{"id":0,"kind":"invoke","lt":1,"process":1,"f":"txn"}"#;
    fails_at(
        &[r#"{"id":0,"kind":"ok","lt":1,"process":1,"f":"txn"}"#],
        0,
        "process",
    );
    fails_at(
        &[invoke, &invoke.replace(r#""id":0"#, r#""id":1"#)],
        1,
        "process",
    );
    fails_at(
        &[
            invoke,
            r#"{"id":1,"kind":"fail","lt":1,"process":1,"f":"read"}"#,
        ],
        1,
        "f",
    );
}

#[test]
fn crashed_nodes_run_no_handlers() {
    let crash = r#"{"id":0,"kind":"crash","lt":1,"node":"a"}"#;
    fails_at(&[crash, &SEND.replace(r#""id":0"#, r#""id":1"#)], 1, "src");
    let restart = r#"{"id":1,"kind":"restart","lt":1,"node":"a"}"#;
    let send = SEND.replace(r#""id":0"#, r#""id":2"#);
    assert!(read(&[crash, restart, &send]).is_ok());
}

#[test]
fn async_sim_time_never_goes_back() {
    let header = HEADER.replace("rounds", "async");
    let text = format!(
        "{header}\n{}\n{}\n",
        r#"{"id":0,"kind":"log","lt":1,"sim_ns":50,"node":"a"}"#,
        r#"{"id":1,"kind":"log","lt":2,"sim_ns":40,"node":"a"}"#
    );
    let err = read_and_validate(TraceReader::new(text.as_bytes(), "t").unwrap()).unwrap_err();
    assert_eq!((err.line(), err.field()), (Some(3), Some("sim_ns")));
}

#[test]
fn header_rules() {
    let cases = [
        (
            HEADER.replace(r#"["a","b","c"]"#, r#"["a","b","a"]"#),
            "nodes[2]",
        ),
        (
            HEADER.replace(r#"{"a":{"log":[]}}"#, r#"{"q":{}}"#),
            "initial_state.q",
        ),
        (HEADER.replace(r#""dst":"c""#, r#""dst":"x""#), "faults[0]"),
        (
            HEADER.replace(r#""nodes":["a","b","c"]"#, r#""nodes":[]"#),
            "nodes",
        ),
        (
            HEADER.replace(
                r#""at":1}"#,
                r#""at":1},{"kind":"clog","node":"a","from":3,"to":3}"#,
            ),
            "faults[1].to",
        ),
    ];
    for (header, field) in cases {
        let text = format!("\n{header}\n");
        let reader = TraceReader::new(text.as_bytes(), "h.jsonl").unwrap();
        let err = read_and_validate(reader).unwrap_err();
        assert_eq!(err.line(), Some(2), "{err}");
        assert_eq!(err.field(), Some(field), "{err}");
    }
}

#[test]
fn in_memory_validation_assumes_one_event_per_line() {
    let text = format!(
        "{HEADER}\n{SEND}\n{}\n",
        DELIVER.replace(r#""id":1"#, r#""id":5"#)
    );
    let trace = TraceReader::new(text.as_bytes(), "m")
        .unwrap()
        .into_trace()
        .unwrap();
    let err = crate::validate(&trace, "m").unwrap_err();
    assert_eq!((err.line(), err.field()), (Some(3), Some("id")));
}

/// A window in the header ends by the failure spec's end of time (a clog past it would lose
/// messages, not delay them); the rule is `Validator::window_in_run`, which the harness shares.
#[test]
fn header_windows_end_by_the_end_of_time() {
    let with = |fault: &str| {
        HEADER.replace(
            r#""at":1}]"#,
            &format!(r#""at":1}},{fault}],"failure_spec":{{"eot":4,"eff":2,"max_crashes":0}}"#),
        )
    };
    let check = |header: String| {
        let text = format!("{header}\n");
        read_and_validate(TraceReader::new(text.as_bytes(), "h.jsonl").unwrap()).map(|_| ())
    };
    for fault in [
        r#"{"kind":"clog","node":"b","from":1,"to":4}"#,
        r#"{"kind":"partition","groups":[["a"]],"from":3,"to":4}"#,
    ] {
        assert!(check(with(fault)).is_ok(), "{fault}");
    }
    for fault in [
        r#"{"kind":"clog","node":"b","from":2,"to":5}"#,
        r#"{"kind":"partition","groups":[["a"]],"from":1,"to":9}"#,
    ] {
        let err = check(with(fault)).unwrap_err();
        assert_eq!(err.field(), Some("faults[1].to"), "{err}");
        assert!(
            err.to_string().contains("at most failure_spec.eot = 4"),
            "{err}"
        );
    }
    // Without a failure spec the end of time is unknown: only `from < to` is checked.
    let open_ended = HEADER.replace(
        r#""at":1}]"#,
        r#""at":1},{"kind":"clog","node":"b","from":2,"to":50}]"#,
    );
    assert!(check(open_ended).is_ok());
    assert!(crate::Validator::window_in_run(1, 4, Some(4)));
    assert!(!crate::Validator::window_in_run(2, 2, None));
    assert!(!crate::Validator::window_in_run(2, 5, Some(4)));
}

/// Swizzles in a header have FoundationDB's shape and end by the end of time; a failure spec's
/// new bounds are usable (one swizzle at most, a skew grid of at most 64 magnitudes).
#[test]
fn header_swizzles_and_skew_bounds_are_checked() {
    let with = |fault: &str, spec: &str| {
        HEADER.replace(
            r#""at":1}]"#,
            &format!(r#""at":1}},{fault}],"failure_spec":{spec}"#),
        )
    };
    let check = |header: String| {
        let text = format!("{header}\n");
        read_and_validate(TraceReader::new(text.as_bytes(), "h.jsonl").unwrap()).map(|_| ())
    };
    let spec = r#"{"eot":6,"eff":2,"max_crashes":0,"max_swizzles":1}"#;
    let good = r#"{"kind":"swizzle","nodes":["a","b"],"clog_at":[2,3],"unclog_at":[6,4]}"#;
    assert!(check(with(good, spec)).is_ok());
    let skew = r#"{"kind":"skew","node":"a","by_ns":-5,"at":2}"#;
    assert!(check(with(skew, spec)).is_ok());
    let unshaped = r#"{"kind":"swizzle","nodes":["a","b"],"clog_at":[2,5],"unclog_at":[4,6]}"#;
    let err = check(with(unshaped, spec)).unwrap_err();
    assert_eq!(err.field(), Some("faults[1]"), "{err}");
    assert!(
        err.to_string().contains("every clog before every unclog"),
        "{err}"
    );
    let late = r#"{"kind":"swizzle","nodes":["a"],"clog_at":[2],"unclog_at":[7]}"#;
    let err = check(with(late, spec)).unwrap_err();
    assert_eq!(err.field(), Some("faults[1].unclog_at"), "{err}");
    for (bad_spec, field) in [
        (
            r#"{"eot":6,"eff":2,"max_crashes":0,"max_swizzles":2}"#,
            "failure_spec.max_swizzles",
        ),
        (
            r#"{"eot":6,"eff":2,"max_crashes":0,"max_skews":1}"#,
            "failure_spec.max_skew_ns",
        ),
        (
            r#"{"eot":6,"eff":2,"max_crashes":0,"max_skews":1,"max_skew_ns":10,"skew_step_ns":3}"#,
            "failure_spec.skew_step_ns",
        ),
        (
            r#"{"eot":6,"eff":2,"max_crashes":0,"max_skews":1,"max_skew_ns":650,"skew_step_ns":10}"#,
            "failure_spec.skew_step_ns",
        ),
    ] {
        let err = check(with(good, bad_spec)).unwrap_err();
        assert_eq!(err.field(), Some(field), "{bad_spec}: {err}");
    }
}
