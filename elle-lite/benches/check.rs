//! Whole-process benchmark: read JSON Lines (streamed, as `faultline elle` reads a file) + check
//! under strict-serializable, on histories from the simulated stores, at 10^4, 10^5 and 10^6
//! transactions. `ELLE_BENCH_MAX` (default 100000) caps the sizes run: the 10^6 case needs
//! `ELLE_BENCH_MAX=1000000` (its history takes ~345 MB and a while to generate).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use elle_lite::generate::{GenConfig, Store, generate, write_json_lines};
use elle_lite::{CheckOptions, check, read_history};

fn history_text(txns: usize, store: Store) -> String {
    let config = GenConfig {
        txns,
        store,
        seed: 42,
        ..GenConfig::default()
    };
    let mut out = Vec::new();
    write_json_lines(&generate(&config), &mut out).expect("writing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

fn parse_and_check(c: &mut Criterion) {
    let max: usize = std::env::var("ELLE_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut group = c.benchmark_group("parse+check");
    group.sample_size(10);
    for txns in [10_000usize, 100_000, 1_000_000]
        .into_iter()
        .filter(|n| *n <= max)
    {
        for (name, store) in [
            ("serializable", Store::Serializable),
            ("si", Store::SnapshotIsolation),
        ] {
            let text = history_text(txns, store);
            group.bench_with_input(BenchmarkId::new(name, txns), &text, |b, text| {
                b.iter(|| {
                    let history = read_history(black_box(text.as_bytes()), None, "bench")
                        .expect("generated history parses");
                    black_box(check(&history, &CheckOptions::default()).expect("unique appends"))
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, parse_and_check);
criterion_main!(benches);
