//! What the fuzz targets check: each target's property as a plain function of its input, so
//! that the targets stay one line each and stable-toolchain tests can run the same checks on
//! generated inputs (`tests/`, and `ltl/tests/fuzz_equivalent.rs` for the LTL ones).
//!
//! Every function panics when the code under test misbehaves (a panic inside it, a proof the
//! checker rejects, an error without a position) and returns normally on any input otherwise.

mod ltl_props;

pub use ltl_props::{SmallEvent, SmallTrace, build_trace, check_spec_on, ltl_parse};

use faultline_ltl::parse_spec;
use libfuzzer_sys::arbitrary::{Result as ArbitraryResult, Unstructured};

/// LTL checker: a spec (the bytes before the first NUL) and a structured trace (the bytes
/// after it). Evaluation never panics; every proof, at every event, is accepted by the
/// independent checker with the same presumptive flag; goals, vacuity and both renderings
/// never panic.
pub fn ltl_check(data: &[u8]) {
    let (spec_bytes, rest) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let Ok(spec) = parse_spec(&String::from_utf8_lossy(spec_bytes), "fuzz.ltl") else {
        return;
    };
    let small = small_trace(&mut Unstructured::new(rest)).unwrap_or(SmallTrace {
        late: false,
        events: Vec::new(),
    });
    let small = if small.events.is_empty() {
        SmallTrace {
            late: small.late,
            events: vec![SmallEvent {
                kind: 0,
                node: 0,
                peer: 1,
                dt: 1,
                log: 64 | 1,
            }],
        }
    } else {
        small
    };
    let Some(trace) = build_trace(&small) else {
        return;
    };
    check_spec_on(&spec, &trace);
}

/// A [`SmallTrace`] from fuzzer bytes (at most 24 events).
fn small_trace(u: &mut Unstructured<'_>) -> ArbitraryResult<SmallTrace> {
    let late = u.arbitrary()?;
    let count = u.int_in_range(0..=24)?;
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        events.push(SmallEvent {
            kind: u.arbitrary()?,
            node: u.arbitrary()?,
            peer: u.arbitrary()?,
            dt: u.arbitrary()?,
            log: u.arbitrary()?,
        });
    }
    Ok(SmallTrace { late, events })
}

/// Trace reader and validator: never panic; a trace that reads and validates also folds its
/// states and derived views without panicking.
pub fn trace_reader(data: &[u8]) {
    use faultline_trace::{
        StateView, TraceReader, client_history, network_view, read_and_validate, validate_stream,
    };
    if let Ok(reader) = TraceReader::new(data, "fuzz.jsonl")
        && let Ok(trace) = read_and_validate(reader)
    {
        faultline_trace::validate(&trace, "fuzz.jsonl").expect("a valid trace re-validates");
        let _ = StateView::new(&trace);
        let _ = client_history(&trace);
        let _ = network_view(&trace);
        let _ = faultline_ltl::TraceModel::new(&trace);
    }
    if let Ok(reader) = TraceReader::new(data, "fuzz.jsonl") {
        let _ = validate_stream(reader);
    }
    // The reader alone, without validation: every line either an event or an error.
    if let Ok(reader) = TraceReader::new(data, "fuzz.jsonl") {
        for event in reader {
            let _ = event;
        }
    }
}

/// elle-lite's history readers (JSON, JSON Lines, EDN, detected or forced): never panic.
pub fn elle_readers(data: &[u8]) {
    use elle_lite::{Format, detect_format, parse_history, read_history};
    let text = String::from_utf8_lossy(data);
    let _ = detect_format(&text);
    for format in [
        None,
        Some(Format::Json),
        Some(Format::JsonLines),
        Some(Format::Edn),
    ] {
        let _ = parse_history(&text, format);
        let _ = read_history(data, format, "fuzz");
    }
}

/// The fault-list parser: never panics, and a list that parses prints back to itself.
pub fn faults_parser(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(faults) = faultline_trace::parse_faults(text) {
        let printed = faultline_trace::faults_to_json(&faults);
        let again = faultline_trace::parse_faults(&printed).expect("printed faults parse");
        assert_eq!(again, faults, "{printed}");
        for fault in &faults {
            let _ = fault.short();
        }
    }
}
