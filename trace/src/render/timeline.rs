//! One line per event, columns aligned: `#12  r2  a → b     deliver   log {"p":"hi"}  (sent r1)`.
//! Drops and crashes carry a `!!` marker so they stand out without colour.

use std::io::Write;

use crate::{Event, EventKind, TimeModel, Trace};

use super::{EventFilter, SendIndex, short_json};

const PAYLOAD_CHARS_MAX: usize = 60;

/// Writes the timeline of the events of `trace` that pass `filter`.
pub fn write_timeline(
    trace: &Trace,
    filter: &EventFilter,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let prefix = time_prefix(trace.header.time_model);
    let lt_max = trace.events.last().map_or(0, |event| event.lt);
    let id_width = digits(trace.events.len().saturating_sub(1) as u64) + 1;
    let time_width = digits(lt_max) + 1;
    let name_width = trace
        .header
        .nodes
        .iter()
        .map(|node| node.chars().count())
        .max()
        .unwrap_or(1);
    let who_width = (2 * name_width + 3).max(6);
    let kind_width = EventKind::ALL
        .iter()
        .map(|kind| kind.as_str().len())
        .max()
        .unwrap_or(0);
    let mut sends = SendIndex::default();
    for event in &trace.events {
        let body = sends.body_of(event);
        if !filter.matches(event) {
            continue;
        }
        let marker = if matches!(event.kind, EventKind::Drop | EventKind::Crash) {
            "!!"
        } else {
            "  "
        };
        let line = format!(
            "{:<id_width$}  {:<time_width$}  {:<who_width$}  {marker} {:<kind_width$}  {}",
            format!("#{}", event.id),
            format!("{prefix}{}", event.lt),
            pad(&who(event), who_width),
            event.kind.as_str(),
            detail(event, body, prefix),
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `r` for rounds, `t` for async steps.
pub(super) fn time_prefix(time_model: TimeModel) -> &'static str {
    match time_model {
        TimeModel::Rounds => "r",
        TimeModel::Async => "t",
    }
}

fn digits(value: u64) -> usize {
    value.to_string().len()
}

/// `format!` pads by chars, and `→` is one char, so this is just a clear name for it.
fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}

fn who(event: &Event) -> String {
    match (event.kind.is_network(), &event.src, &event.dst) {
        (true, Some(src), Some(dst)) => format!("{src} → {dst}"),
        _ => match (&event.node, event.process) {
            (Some(node), _) => node.clone(),
            (None, Some(process)) => format!("p{process}"),
            (None, None) => "-".to_string(),
        },
    }
}

/// The event's details; `body` carries the message type and payload (the send's, for a
/// deliver or drop that leaves them out).
fn detail(event: &Event, body: &Event, prefix: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    match event.kind {
        EventKind::Send | EventKind::Deliver | EventKind::Drop => {
            parts.extend(body.msg_type.clone());
            parts.extend(
                body.payload
                    .as_ref()
                    .map(|p| short_json(p, PAYLOAD_CHARS_MAX)),
            );
        }
        EventKind::TimerSet | EventKind::TimerFire | EventKind::TimerCancel => {
            parts.extend(event.timer.as_ref().map(|timer| format!("timer {timer}")));
            parts.extend(event.after.map(|after| format!("after {after}")));
        }
        EventKind::Invoke | EventKind::Ok | EventKind::Fail | EventKind::Info => {
            parts.extend(event.f.clone());
            parts.extend(
                event
                    .value
                    .as_ref()
                    .map(|v| short_json(v, PAYLOAD_CHARS_MAX)),
            );
        }
        EventKind::Derive => {
            parts.extend(
                event
                    .fact
                    .as_ref()
                    .map(|fact| short_json(fact, PAYLOAD_CHARS_MAX)),
            );
        }
        _ => {}
    }
    parts.extend(event.reason.clone());
    let mut notes: Vec<String> = Vec::new();
    if matches!(event.kind, EventKind::Deliver | EventKind::Drop)
        && let Some(sent_lt) = event.sent_lt
    {
        notes.push(format!("sent {prefix}{sent_lt}"));
    }
    notes.extend(
        event
            .cause
            .as_ref()
            .or(event.fault.as_ref())
            .map(|fault| fault.short()),
    );
    if !notes.is_empty() {
        parts.push(format!("({})", notes.join("; ")));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Fault, Header};

    fn demo() -> Trace {
        let header = Header::new("r", "s", TimeModel::Rounds, vec!["a".into(), "b".into()]);
        let mut trace = Trace::new(header);
        let send = Event {
            src: Some("a".into()),
            dst: Some("b".into()),
            msg_id: Some(0),
            msg_type: Some("log".into()),
            payload: Some(json!({"p": "hello"})),
            ..Event::new(0, EventKind::Send, 1)
        };
        trace.push(send.clone());
        trace.push(Event {
            id: 1,
            kind: EventKind::Deliver,
            lt: 2,
            sent_lt: Some(1),
            ..send.clone()
        });
        trace.push(Event {
            fault: Some(Fault::Crash {
                node: "b".into(),
                at: 3,
            }),
            node: Some("b".into()),
            ..Event::new(2, EventKind::Crash, 3)
        });
        trace
    }

    fn render(trace: &Trace, filter: &EventFilter) -> String {
        let mut out = Vec::new();
        write_timeline(trace, filter, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_aligned_line_per_event() {
        let text = render(&demo(), &EventFilter::default());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[0],
            r#"#0  r1  a → b      send          log {"p":"hello"}"#
        );
        assert_eq!(
            lines[1],
            r#"#1  r2  a → b      deliver       log {"p":"hello"} (sent r1)"#
        );
        assert_eq!(lines[2], "#2  r3  b       !! crash         (crash b@3)");
    }

    #[test]
    fn filters_by_kind_and_node() {
        let kinds = Some([EventKind::Crash].into_iter().collect());
        let text = render(&demo(), &EventFilter { kinds, node: None });
        assert_eq!(text.lines().count(), 1);
        assert!(text.contains("crash"));
        let text = render(
            &demo(),
            &EventFilter {
                kinds: None,
                node: Some("a".into()),
            },
        );
        assert_eq!(text.lines().count(), 2);
        assert!(!text.contains("crash"));
    }
}
