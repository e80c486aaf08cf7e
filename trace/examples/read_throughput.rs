//! Reads a large trace once and prints MB/s: the 100 MB figure of the reading benchmark.
//!
//! `cargo run --release -p faultline-trace --example read_throughput -- [MB] [FILE]`
//! generates a realistic trace of about MB megabytes (default 100), optionally writes it to
//! FILE (for `faultline trace validate FILE`), then times reading it three ways.

#[path = "../benches/common.rs"]
mod common;

use std::time::Instant;

use faultline_trace::{TraceReader, read_and_validate, validate_stream};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let megabytes: usize = args
        .next()
        .map(|arg| arg.parse())
        .transpose()?
        .unwrap_or(100);
    let bytes = common::realistic_trace(megabytes << 20);
    if let Some(path) = args.next() {
        std::fs::write(&path, &bytes)?;
    }
    let size_mb = bytes.len() as f64 / (1 << 20) as f64;
    println!("trace: {size_mb:.1} MiB");
    let time = |name: &str, run: &dyn Fn() -> Result<u64, faultline_trace::TraceError>| {
        let start = Instant::now();
        let events = run();
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "{name:<24} {:>8.1} MiB/s  ({events:?} events, {seconds:.2} s)",
            size_mb / seconds
        );
    };
    time("next_event (1 thread)", &|| {
        let mut reader = TraceReader::new(&bytes[..], "t")?;
        let mut count = 0;
        while let Some(event) = reader.next_event() {
            event?;
            count += 1;
        }
        Ok(count)
    });
    time("validate_stream", &|| {
        validate_stream(TraceReader::new(&bytes[..], "t")?).map(|s| s.events)
    });
    time("into_trace", &|| {
        Ok(TraceReader::new(&bytes[..], "t")?
            .into_trace()?
            .events
            .len() as u64)
    });
    time("read_and_validate", &|| {
        Ok(read_and_validate(TraceReader::new(&bytes[..], "t")?)?
            .events
            .len() as u64)
    });
    Ok(())
}
