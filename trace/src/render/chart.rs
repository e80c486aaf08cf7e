//! A text sequence chart: one column per node (header order), one row per event.
//!
//! ```text
//!      a      b      c
//!      o----->|      |      #0 r1 send log "hi"
//!      |      *      |      #1 r2 deliver log "hi" from a
//!      |      |      X      #2 r3 crash (crash c@3)
//! ```
//! `o` sends (the arrow ends at the receiver), `*` delivers, `x` drops (at the receiver),
//! `X` crashes, `R` restarts, `+` derives, `.` anything else at a node.

use std::io::Write;

use crate::{Event, EventKind, Trace};

use super::timeline::time_prefix;
use super::{EventFilter, SendIndex, short_json};

const DETAIL_CHARS_MAX: usize = 40;

/// Writes the sequence chart of the events of `trace` that pass `filter`.
pub fn write_chart(
    trace: &Trace,
    filter: &EventFilter,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let nodes = &trace.header.nodes;
    let name_width = nodes
        .iter()
        .map(|node| node.chars().count())
        .max()
        .unwrap_or(1);
    let column_width = (name_width + 2).max(7);
    let width = column_width * nodes.len();
    let center = |index: usize| index * column_width + column_width / 2;
    let mut title = vec![' '; width];
    for (index, node) in nodes.iter().enumerate() {
        let start = center(index).saturating_sub(node.chars().count() / 2);
        for (offset, ch) in node.chars().enumerate() {
            title[start + offset] = ch;
        }
    }
    writeln!(out, "{}", title.iter().collect::<String>().trim_end())?;
    let index_of = |name: &Option<String>| {
        name.as_ref()
            .and_then(|name| nodes.iter().position(|node| node == name))
    };
    let prefix = time_prefix(trace.header.time_model);
    let mut sends = SendIndex::default();
    for event in &trace.events {
        let body = sends.body_of(event);
        if !filter.matches(event) {
            continue;
        }
        let mut row = vec![' '; width];
        for index in 0..nodes.len() {
            row[center(index)] = '|';
        }
        let src = index_of(&event.src);
        let dst = index_of(&event.dst);
        match (event.kind, src, dst) {
            (EventKind::Send, Some(src), Some(dst)) if src != dst => {
                let (low, high) = (src.min(dst), src.max(dst));
                for cell in &mut row[center(low) + 1..center(high)] {
                    *cell = '-';
                }
                row[center(src)] = 'o';
                row[center(dst)] = if dst > src { '>' } else { '<' };
            }
            _ => {
                let node = index_of(&event.node).or(if event.kind == EventKind::Send {
                    src
                } else {
                    dst
                });
                if let Some(node) = node {
                    row[center(node)] = symbol(event.kind);
                }
            }
        }
        writeln!(
            out,
            "{}  #{} {prefix}{} {}",
            row.iter().collect::<String>(),
            event.id,
            event.lt,
            describe(event, body)
        )?;
    }
    Ok(())
}

fn symbol(kind: EventKind) -> char {
    match kind {
        EventKind::Send => 'o',
        EventKind::Deliver => '*',
        EventKind::Drop => 'x',
        EventKind::Crash => 'X',
        EventKind::Restart => 'R',
        EventKind::Derive => '+',
        _ => '.',
    }
}

fn describe(event: &Event, body: &Event) -> String {
    let mut parts = vec![event.kind.as_str().to_string()];
    if event.kind == EventKind::Drop {
        parts[0] = "DROP".into();
    }
    if event.kind == EventKind::Crash {
        parts[0] = "CRASH".into();
    }
    parts.extend(body.msg_type.clone());
    let value = body
        .payload
        .as_ref()
        .or(event.fact.as_ref())
        .or(event.value.as_ref());
    parts.extend(value.map(|value| short_json(value, DETAIL_CHARS_MAX)));
    if matches!(event.kind, EventKind::Deliver | EventKind::Drop) {
        parts.extend(event.src.as_ref().map(|src| format!("from {src}")));
    }
    parts.extend(event.timer.as_ref().map(|timer| format!("timer {timer}")));
    parts.extend(event.process.map(|process| format!("p{process}")));
    parts.extend(event.f.clone());
    parts.extend(
        event
            .cause
            .as_ref()
            .or(event.fault.as_ref())
            .map(|fault| format!("({fault})")),
    );
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Fault, Header, TimeModel};

    #[test]
    fn arrows_run_from_sender_to_receiver() {
        let header = Header::new(
            "r",
            "s",
            TimeModel::Rounds,
            vec!["a".into(), "b".into(), "c".into()],
        );
        let mut trace = Trace::new(header);
        let send = Event {
            src: Some("c".into()),
            dst: Some("a".into()),
            msg_id: Some(0),
            payload: Some(json!("hi")),
            ..Event::new(0, EventKind::Send, 1)
        };
        trace.push(send.clone());
        trace.push(Event {
            id: 1,
            kind: EventKind::Drop,
            lt: 2,
            cause: Some(Fault::Omission {
                src: "c".into(),
                dst: "a".into(),
                at: 1,
            }),
            ..send
        });
        let mut out = Vec::new();
        write_chart(&trace, &EventFilter::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "   a      b      c");
        assert_eq!(lines[1], r#"   <-------------o     #0 r1 send "hi""#);
        assert_eq!(
            lines[2],
            r#"   x      |      |     #1 r2 DROP "hi" from c (omission c→a@1)"#
        );
    }
}
