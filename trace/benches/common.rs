//! A realistic trace for the reading benchmarks: five nodes gossiping small payloads in
//! rounds, with deliveries, a few drops, state patches and derived facts.

use faultline_trace::{Event, EventKind, Fault, Header, TimeModel, TraceWriter};
use serde_json::json;

const NODES: [&str; 5] = ["n0", "n1", "n2", "n3", "n4"];

/// JSON Lines bytes of a valid trace of at least `bytes_min` bytes.
pub fn realistic_trace(bytes_min: usize) -> Vec<u8> {
    let nodes: Vec<String> = NODES.iter().map(|node| node.to_string()).collect();
    let header = Header::new("bench", "gossip", TimeModel::Rounds, nodes);
    let mut writer = TraceWriter::new(Vec::with_capacity(bytes_min + (1 << 20)), &header)
        .expect("writing to memory");
    let mut id = 0;
    let mut msg_id = 0;
    let mut pending: Vec<Event> = Vec::new();
    let mut round = 1;
    let mut written = 0;
    while written < bytes_min {
        // Last round's messages arrive first (one in 16 is lost), then every node sends.
        for sent in std::mem::take(&mut pending) {
            let dropped = sent.msg_id.unwrap_or(0) % 16 == 5;
            let event = Event {
                id,
                lt: round,
                kind: if dropped {
                    EventKind::Drop
                } else {
                    EventKind::Deliver
                },
                sent_lt: Some(round - 1),
                parents: vec![sent.id],
                cause: dropped.then(|| Fault::Omission {
                    src: sent.src.clone().unwrap_or_default(),
                    dst: sent.dst.clone().unwrap_or_default(),
                    at: round - 1,
                }),
                state_patch: (!dropped).then(|| json!({"seen": sent.msg_id, "round": round})),
                ..sent
            };
            writer.write_event(&event).expect("writing to memory");
            id += 1;
            if !dropped && msg_id % 7 == 0 {
                let derive = Event {
                    node: event.dst.clone(),
                    fact: Some(json!(["log", event.payload])),
                    parents: vec![event.id],
                    ..Event::new(id, EventKind::Derive, round)
                };
                writer.write_event(&derive).expect("writing to memory");
                id += 1;
            }
        }
        for (index, src) in NODES.iter().enumerate() {
            let dst = NODES[(index + round as usize) % NODES.len()];
            if dst == *src {
                continue;
            }
            let send = Event {
                src: Some(src.to_string()),
                dst: Some(dst.to_string()),
                msg_id: Some(msg_id),
                msg_type: Some("gossip".into()),
                payload: Some(json!({"p": format!("hello-{msg_id}"), "seq": msg_id, "ttl": 3})),
                state_patch: Some(json!({"sent": msg_id})),
                ..Event::new(id, EventKind::Send, round)
            };
            writer.write_event(&send).expect("writing to memory");
            pending.push(send);
            id += 1;
            msg_id += 1;
        }
        round += 1;
        written = id as usize * 190;
    }
    writer.finish().expect("writing to memory")
}
