//! LDFI hot paths: building a lineage graph, and whole searches (lineage + Z3 + runs) on the
//! paper's certified protocols, with the crate's reference simulator of the protocols.
//!
//! `cargo bench -p faultline-ldfi --bench search`

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use common::{Protocol, judge, simulate, spec};
use criterion::{Criterion, criterion_group, criterion_main};
use faultline_ldfi::{ExploreConfig, Silent, Verdict, build_lineage, explore};
use faultline_trace::{Fault, Trace};

fn lineage(c: &mut Criterion) {
    // redun-deliv over 200 rounds: every node re-derives its log every round, so the goal has
    // hundreds of alternative derivations per fact.
    let trace = simulate(Protocol::Redun, 200, &[]);
    let goal = judge(&trace).goal.events();
    let mut group = c.benchmark_group("lineage");
    group.throughput(criterion::Throughput::Elements(trace.events.len() as u64));
    group.bench_function("redun-deliv 200 rounds", |b| {
        b.iter(|| build_lineage(black_box(&trace), black_box(&goal)).expect("lineage"))
    });
    group.finish();
}

fn certify(c: &mut Criterion) {
    let mut group = c.benchmark_group("certify");
    group.sample_size(10);
    for (name, protocol, eot, eff, crashes) in [
        ("redun-deliv 11/10/1", Protocol::Redun, 11, 10, 1),
        ("ack-deliv 8/7/1", Protocol::Ack, 8, 7, 1),
    ] {
        let config = ExploreConfig::new(spec(eot, eff, crashes));
        let runner = move |faults: &[Fault]| -> Result<Trace, String> {
            Ok(simulate(protocol, eot, faults))
        };
        let oracle = |trace: &Trace| -> Result<_, String> { Ok(judge(trace)) };
        group.bench_function(name, |b| {
            b.iter(|| {
                let report = explore(&runner, &oracle, &config, &mut Silent).expect("search");
                assert_eq!(report.verdict, Verdict::Certified);
                report.runs
            })
        });
    }
    group.finish();
}

criterion_group!(benches, lineage, certify);
criterion_main!(benches);
