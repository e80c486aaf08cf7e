//! Trace reading throughput: bytes of JSON Lines per second into `Event`s, with and without
//! validation. Goal: at least 200 MB/s.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faultline_trace::{TraceReader, read_and_validate, validate_stream};

/// 16 MB: big enough for several parallel batches, small enough for a short bench run.
const TRACE_BYTES: usize = 16 << 20;

fn read(c: &mut Criterion) {
    let bytes = common::realistic_trace(TRACE_BYTES);
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(10);
    group.bench_function("into_trace", |b| {
        b.iter(|| {
            let reader = TraceReader::new(black_box(&bytes[..]), "bench").expect("header");
            black_box(reader.into_trace().expect("valid").events.len())
        })
    });
    group.bench_function("read_and_validate", |b| {
        b.iter(|| {
            let reader = TraceReader::new(black_box(&bytes[..]), "bench").expect("header");
            black_box(read_and_validate(reader).expect("valid").events.len())
        })
    });
    group.bench_function("validate_stream", |b| {
        b.iter(|| {
            let reader = TraceReader::new(black_box(&bytes[..]), "bench").expect("header");
            black_box(validate_stream(reader).expect("valid").events)
        })
    });
    group.bench_function("next_event_one_thread", |b| {
        b.iter(|| {
            let mut reader = TraceReader::new(black_box(&bytes[..]), "bench").expect("header");
            let mut count = 0;
            while let Some(event) = reader.next_event() {
                count += event.expect("valid").id;
            }
            black_box(count)
        })
    });
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
