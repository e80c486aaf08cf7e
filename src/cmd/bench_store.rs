//! `faultline bench store`: what the run store costs — raw insert rate, and the paper's rows
//! searched with and without `--db`.

use std::time::{Duration, Instant};

use faultline::search::InvariantOracle;
use faultline_ldfi::ExploreConfig;
use faultline_store::{NewSearch, Store, hash_parts, trace_hash};
use faultline_trace::FailureSpec;
use serde_json::json;

use super::explore::{Extras, lookup_sut, search};
use super::record::{Recording, RunIdentity, now};

/// The paper's rows the overhead is measured on.
const ROWS: [(&str, (u64, u64, u32)); 5] = [
    ("simple-deliv", (4, 2, 0)),
    ("retry-deliv", (4, 2, 1)),
    ("classic-deliv", (5, 3, 0)),
    ("redun-deliv", (11, 10, 1)),
    ("ack-deliv", (8, 7, 1)),
];

fn new_search(key: &str, sut: &str, spec: &FailureSpec) -> NewSearch {
    NewSearch {
        key: key.into(),
        sut: sut.into(),
        source: "bench".into(),
        build_id: "bench".into(),
        faultline_version: env!("CARGO_PKG_VERSION").into(),
        spec: serde_json::to_string(spec).expect("a spec serializes"),
        strategy: "ldfi".into(),
        seed: 0,
        oracle: "invariant".into(),
        config: "{}".into(),
        shard: None,
    }
}

/// Inserts `count` run records (a real 60-event trace each, compressed) and as many
/// search-run rows through the writer thread; returns records per second.
fn insert_rate(count: u64) -> anyhow::Result<(f64, u64)> {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.db"))?;
    let sut = lookup_sut("retry-deliv")?;
    let trace = sut.run(&sut.default_config(0))?;
    let bytes = trace.to_jsonl();
    let hash = trace_hash(&bytes);
    let search = store.begin_search(
        &new_search("insert", "retry-deliv", &sut.default_spec()),
        now(),
    )?;
    let writer = store.writer()?;
    let started = Instant::now();
    for index in 0..count {
        let run_id = hash_parts(&[&index.to_le_bytes()]);
        writer.run(&run_id, "retry-deliv", "[]", &hash, &bytes, 60, 100, 0);
        writer.search_run(search.id, index, &run_id, 1, "good", None);
    }
    let stats = writer.close()?;
    let elapsed = started.elapsed().as_secs_f64();
    Ok((stats.records as f64 / elapsed, stats.commits))
}

/// The median of `times`.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs `faultline bench store`.
pub(crate) fn run(records: u64, repeats: usize, json_out: bool) -> anyhow::Result<()> {
    let (rate, commits) = insert_rate(records)?;
    let mut rows = Vec::new();
    let mut text = format!(
        "insert: {records} runs + {records} search rows through the writer: {rate:.0} records/s ({commits} commits)\n\n{:<14} {:>9} {:>5} {:>12} {:>12} {:>9}\n",
        "protocol", "spec", "runs", "plain ms", "--db ms", "overhead"
    );
    for (name, (eot, eff, crashes)) in ROWS {
        let sut = lookup_sut(name)?;
        let spec = FailureSpec::new(eot, eff, crashes);
        let config = ExploreConfig::new(spec);
        let oracle = InvariantOracle(sut);
        let (mut plain, mut stored) = (Vec::new(), Vec::new());
        let mut runs = 0;
        for repeat in 0..repeats.max(1) {
            let (report, timing) = search(sut, 0, &config, &oracle, false, Extras::none())?;
            runs = report.runs;
            plain.push(timing.total);
            // A fresh store each time: every run is executed and written.
            let dir = tempfile::tempdir()?;
            let identity = RunIdentity {
                build_id: "bench".into(),
                sut: name.into(),
                seed: 0,
                spec,
            };
            let key = format!("{name}-{repeat}");
            let recording = Recording::open(
                &dir.path().join("bench.db"),
                &new_search(&key, name, &spec),
                identity,
                0.0,
            )?;
            let reproducer = |_: &[faultline_trace::Fault]| String::new();
            let started = Instant::now();
            let extras = Extras {
                recording: Some(&recording),
                reproducer: &reproducer,
                events: None,
            };
            search(sut, 0, &config, &oracle, false, extras)?;
            recording.writer.close()?;
            stored.push(started.elapsed());
        }
        let (plain, stored) = (median(plain), median(stored));
        let overhead = stored.as_secs_f64() / plain.as_secs_f64().max(1e-9) - 1.0;
        text.push_str(&format!(
            "{:<14} {:>9} {:>5} {:>12.1} {:>12.1} {:>8.1}%\n",
            name,
            format!("{eot}/{eff}/{crashes}"),
            runs,
            plain.as_secs_f64() * 1e3,
            stored.as_secs_f64() * 1e3,
            overhead * 100.0
        ));
        rows.push(json!({
            "sut": name, "eot": eot, "eff": eff, "crashes": crashes, "runs": runs,
            "plain_ms": plain.as_secs_f64() * 1e3, "db_ms": stored.as_secs_f64() * 1e3,
            "overhead": overhead,
        }));
    }
    if json_out {
        super::write_json(
            "bench-store",
            json!({ "insert_records_per_s": rate, "records": records, "rows": rows }),
            true,
        )?;
    } else {
        text.push_str(&format!(
            "(medians of {} searches each; --db times include opening the store and the final commit)\n",
            repeats.max(1)
        ));
        super::write_stdout(&text)?;
    }
    Ok(())
}
