//! A run's client history: the `invoke` / `ok` / `fail` / `info` events of a trace, as the
//! list-append history elle-lite checks (`faultline elle`, `explore --elle`).

use anyhow::{Context, bail};
use elle_lite::{Atom, History, MopSpec, OpType};
use faultline_trace::EventKind;
use serde_json::Value;

/// The client history in `trace` (its invoke/ok/fail/info events; empty when it has none);
/// errors name `name`, the line and the field.
pub fn history_from_events(trace: &faultline_trace::Trace, name: &str) -> anyhow::Result<History> {
    let mut history = History::new();
    for event in &trace.events {
        let op_type = match event.kind {
            EventKind::Invoke => OpType::Invoke,
            EventKind::Ok => OpType::Ok,
            EventKind::Fail => OpType::Fail,
            EventKind::Info => OpType::Info,
            _ => continue,
        };
        let line = event.id + 2;
        let where_ = || format!("{name}: line {line} (event {})", event.id);
        let process = event
            .process
            .with_context(|| format!("{}: field `process`: missing on a client event", where_()))?;
        let process =
            i64::try_from(process).with_context(|| format!("{}: process too large", where_()))?;
        let mops = match &event.value {
            Some(Value::Array(mops)) => mops
                .iter()
                .map(|m| {
                    mop_spec(m).map_err(|e| anyhow::anyhow!("{}: field `value`: {e}", where_()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
            _ => bail!("{}: field `value`: expected a list of micro-ops", where_()),
        };
        history.push(Some(event.id), op_type, process, &mops);
        if let Some(op) = history.ops.last_mut() {
            op.time = i64::try_from(event.sim_ns).ok();
            op.line = line;
        }
    }
    Ok(history)
}

fn mop_spec(mop: &Value) -> Result<MopSpec, String> {
    let parts = mop
        .as_array()
        .ok_or_else(|| format!("micro-op {mop} is not a list"))?;
    let key = parts.get(1).ok_or("micro-op without a key")?;
    let key = atom(key)?;
    match (parts.first().and_then(Value::as_str), parts.get(2)) {
        (Some("append"), Some(elem)) => Ok(MopSpec::Append(key, atom(elem)?)),
        (Some("r"), None | Some(Value::Null)) => Ok(MopSpec::Read(key, None)),
        (Some("r"), Some(Value::Array(list))) => Ok(MopSpec::Read(
            key,
            Some(list.iter().map(atom).collect::<Result<_, _>>()?),
        )),
        (Some("r"), Some(other)) => {
            Err(format!("read value must be a list or null, found {other}"))
        }
        _ => Err(format!(
            "unknown micro-op {mop} (expected [\"append\", k, v] or [\"r\", k, v])"
        )),
    }
}

fn atom(value: &Value) -> Result<Atom, String> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(Atom::Int)
            .ok_or_else(|| format!("{n} is not an integer")),
        Value::String(s) => Ok(Atom::Str(s.clone())),
        other => Err(format!("expected an integer or a string, found {other}")),
    }
}
