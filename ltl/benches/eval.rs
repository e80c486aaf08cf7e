//! Verdict throughput of `G(p -> F q)`: the temporal passes alone over 10^7 events of plain
//! propositions, and end to end over a real `Trace` with `$.kind == ...` atoms.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faultline_ltl::{Bits, Evaluation, PropTrace, TraceModel, parse_formula};
use faultline_trace::{Event, EventKind, Header, TimeModel, Trace};

const PASS_EVENTS: usize = 10_000_000;
const TRACE_EVENTS: usize = 1_000_000;

fn temporal_passes(c: &mut Criterion) {
    let p = Bits::from_fn(PASS_EVENTS, |i| i.is_multiple_of(7));
    let q = Bits::from_fn(PASS_EVENTS, |i| i.is_multiple_of(5));
    let trace = PropTrace::new(
        BTreeMap::from([("p".to_string(), p), ("q".to_string(), q)]),
        (0..PASS_EVENTS as u64).collect(),
    );
    let formula = parse_formula("G(p -> F q)").expect("parses");
    let mut group = c.benchmark_group("temporal_passes");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PASS_EVENTS as u64));
    group.bench_function("G(p -> F q), 1e7 events", |b| {
        b.iter(|| {
            let evaluation = Evaluation::new(black_box(&formula), &trace, "bench").expect("ok");
            black_box(evaluation.holds(0))
        });
    });
    let evaluation = Evaluation::new(&formula, &trace, "bench").expect("ok");
    group.bench_function("proof extraction at event 0", |b| {
        b.iter(|| black_box(evaluation.proof(black_box(0))));
    });
    group.finish();
}

fn network_trace(len: usize) -> Trace {
    let nodes = vec!["a".to_string(), "b".to_string()];
    let mut trace = Trace::new(Header::new("bench", "bench", TimeModel::Async, nodes));
    for id in 0..len {
        let kind = if id.is_multiple_of(2) {
            EventKind::Send
        } else {
            EventKind::Deliver
        };
        trace.push(Event {
            src: Some("a".into()),
            dst: Some("b".into()),
            msg_id: Some((id / 2) as u64),
            sent_lt: Some((id / 2) as u64),
            msg_type: Some("ping".into()),
            sim_ns: id as u64,
            ..Event::new(id as u64, kind, id as u64)
        });
    }
    trace
}

fn end_to_end(c: &mut Criterion) {
    let trace = network_trace(TRACE_EVENTS);
    let formula = parse_formula(r#"G($.kind == "send" -> F $.kind == "deliver")"#).expect("parses");
    let mut group = c.benchmark_group("end_to_end");
    group.sample_size(10);
    group.throughput(Throughput::Elements(TRACE_EVENTS as u64));
    group.bench_function("G(send -> F deliver), 1e6-event Trace", |b| {
        b.iter(|| {
            let model = TraceModel::new(black_box(&trace)).expect("ok");
            let evaluation = Evaluation::new(&formula, &model, "bench").expect("ok");
            black_box(evaluation.holds(0))
        });
    });
    group.finish();
}

criterion_group!(benches, temporal_passes, end_to_end);
criterion_main!(benches);
