//! Property tests: valid traces survive write → read unchanged and validate; garbage never
//! panics the reader; the state view agrees with a naive fold.

use faultline_trace::{
    Event, EventKind, Fault, Header, StateView, TimeModel, Trace, TraceError, TraceReader,
    read_and_validate, validate,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// JSON without floats (floats need not round-trip bit-exactly through text).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-z]{1,3}", json_value(), 0..3)
        .prop_map(|map| Value::Object(map.into_iter().collect()))
}

/// One step of a generated run; turned into valid events by [`build`].
#[derive(Debug, Clone)]
enum Step {
    Send {
        src: usize,
        dst: usize,
        payload: Value,
        patch: Option<Value>,
    },
    Settle {
        pick: usize,
        drop: bool,
    },
    Log {
        node: usize,
        state: Option<Value>,
        tick: bool,
    },
    Client {
        process: u64,
        value: Value,
    },
    Derive {
        node: usize,
        fact: Value,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (
            0..4usize,
            0..4usize,
            json_value(),
            prop::option::of(object())
        )
            .prop_map(|(src, dst, payload, patch)| Step::Send {
                src,
                dst,
                payload,
                patch
            }),
        (any::<usize>(), any::<bool>()).prop_map(|(pick, drop)| Step::Settle { pick, drop }),
        (0..4usize, prop::option::of(json_value()), any::<bool>())
            .prop_map(|(node, state, tick)| Step::Log { node, state, tick }),
        (0..3u64, json_value()).prop_map(|(process, value)| Step::Client { process, value }),
        (0..4usize, json_value()).prop_map(|(node, fact)| Step::Derive { node, fact }),
    ]
}

fn build(node_count: usize, async_model: bool, steps: Vec<Step>) -> Trace {
    let nodes: Vec<String> = (0..node_count).map(|i| format!("n{i}")).collect();
    let model = if async_model {
        TimeModel::Async
    } else {
        TimeModel::Rounds
    };
    let mut header = Header::new("prop", "sut", model, nodes.clone());
    header
        .initial_state
        .insert("n0".into(), json!({"start": true}));
    let mut trace = Trace::new(header);
    let (mut lt, mut msg_id, mut open) = (1u64, 0u64, [false; 3]);
    let mut in_flight: Vec<Event> = Vec::new();
    for step in steps {
        let id = trace.events.len() as u64;
        let event = match step {
            Step::Send {
                src,
                dst,
                payload,
                patch,
            } => {
                let event = Event {
                    src: Some(nodes[src % node_count].clone()),
                    dst: Some(nodes[dst % node_count].clone()),
                    msg_id: Some(msg_id),
                    msg_type: Some("m".into()),
                    payload: Some(payload),
                    state_patch: patch,
                    parents: id.checked_sub(1).into_iter().collect(),
                    ..Event::new(id, EventKind::Send, lt)
                };
                msg_id += 1;
                in_flight.push(event.clone());
                event
            }
            Step::Settle { pick, drop } => {
                if in_flight.is_empty() {
                    continue;
                }
                let sent = in_flight.remove(pick % in_flight.len());
                lt += 1; // strictly after the send, as the rounds model needs
                let cause = drop.then(|| Fault::Omission {
                    src: sent.src.clone().unwrap_or_default(),
                    dst: sent.dst.clone().unwrap_or_default(),
                    at: sent.lt,
                });
                Event {
                    id,
                    kind: if drop {
                        EventKind::Drop
                    } else {
                        EventKind::Deliver
                    },
                    lt,
                    sent_lt: Some(sent.lt),
                    cause,
                    state_patch: None,
                    parents: vec![sent.id],
                    ..sent
                }
            }
            Step::Log { node, state, tick } => {
                lt += u64::from(tick);
                Event {
                    node: Some(nodes[node % node_count].clone()),
                    reason: Some("log line".into()),
                    state,
                    sim_ns: lt * 10,
                    ..Event::new(id, EventKind::Log, lt)
                }
            }
            Step::Client { process, value } => {
                let slot = &mut open[process as usize];
                let kind = if *slot {
                    EventKind::Ok
                } else {
                    EventKind::Invoke
                };
                *slot = !*slot;
                Event {
                    process: Some(process),
                    f: Some("txn".into()),
                    value: Some(value),
                    ..Event::new(id, kind, lt)
                }
            }
            Step::Derive { node, fact } => Event {
                node: Some(nodes[node % node_count].clone()),
                fact: Some(fact),
                ..Event::new(id, EventKind::Derive, lt)
            },
        };
        trace.push(Event {
            sim_ns: event.lt * 10,
            ..event
        });
    }
    trace
}

fn trace() -> impl Strategy<Value = Trace> {
    (
        1..4usize,
        any::<bool>(),
        prop::collection::vec(step(), 0..40),
    )
        .prop_map(|(nodes, async_model, steps)| build(nodes, async_model, steps))
}

/// The state of `node` after the first `count` events, by replaying every event from scratch.
fn naive_state(trace: &Trace, node: &str, count: usize) -> Value {
    let mut state = trace
        .header
        .initial_state
        .get(node)
        .cloned()
        .unwrap_or(Value::Null);
    for event in &trace.events[..count] {
        if event.actor().map(String::as_str) != Some(node) {
            continue;
        }
        if let Some(whole) = &event.state {
            state = whole.clone();
        }
        if let Some(patch) = &event.state_patch {
            json_patch::merge(&mut state, patch);
        }
    }
    state
}

proptest! {
    #[test]
    fn write_then_read_is_identity(trace in trace()) {
        let bytes = trace.to_jsonl();
        let back = TraceReader::new(&bytes[..], "p.jsonl").unwrap().into_trace().unwrap();
        prop_assert_eq!(&back, &trace);
        validate(&back, "p.jsonl").unwrap();
        let streamed = read_and_validate(TraceReader::new(&bytes[..], "p.jsonl").unwrap()).unwrap();
        prop_assert_eq!(streamed, trace);
    }

    #[test]
    fn state_view_agrees_with_a_naive_fold(trace in trace()) {
        let view = StateView::new(&trace).unwrap();
        for (index, name) in trace.header.nodes.iter().enumerate() {
            prop_assert_eq!(view.node_index(name), Some(index));
            for event in 0..trace.events.len() {
                prop_assert_eq!(view.before(event, index), &naive_state(&trace, name, event));
                prop_assert_eq!(view.after(event, index), &naive_state(&trace, name, event + 1));
            }
        }
    }

    #[test]
    fn garbage_lines_are_errors_not_panics(
        lines in prop::collection::vec(prop_oneof![
            ".{0,40}",
            "\\{\"id\":[0-9]{1,3},\"kind\":\"[a-z_]{1,8}\",\"lt\":-?[0-9]{1,2}[,}a-z\"]{0,6}",
        ], 1..6),
    ) {
        let header = r#"{"schema":"faultline-trace/v1","run_id":"g","sut":"g","time_model":"async","nodes":["a"]}"#;
        let text = format!("{header}\n{}\n", lines.join("\n"));
        let result = read_and_validate(TraceReader::new(text.as_bytes(), "g.jsonl").unwrap());
        if let Err(err) = result {
            let line = err.line().expect("a line-level error");
            prop_assert!((2..=lines.len() as u64 + 1).contains(&line), "{}", err);
            prop_assert!(err.to_string().starts_with(&format!("g.jsonl:{line}: ")), "{}", err);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        match TraceReader::new(&bytes[..], "b") {
            Ok(reader) => { let _ = read_and_validate(reader); }
            Err(TraceError::Empty { .. } | TraceError::Syntax { .. } | TraceError::Field { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {}", other),
        }
    }
}
