//! The JSON examples in SCHEMA.md are valid traces (so the document cannot drift).

use faultline_trace::{TraceReader, read_and_validate};

#[test]
fn every_json_example_in_schema_md_validates() {
    let schema = include_str!("../SCHEMA.md");
    let examples: Vec<&str> = schema
        .split("```json\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default())
        .collect();
    assert_eq!(examples.len(), 2, "the minimal and the complete example");
    for example in examples {
        let reader = TraceReader::new(example.as_bytes(), "SCHEMA.md").unwrap();
        let trace = read_and_validate(reader).unwrap_or_else(|err| panic!("{err}"));
        assert!(trace.events.len() >= 2);
    }
}
