//! A ZooKeeper-like server for the zksync recipes (`zk-lock`, `zk-lock-fenced`, `zk-rwmutex`,
//! `zk-barrier`, `zk-double-barrier`), in the `async` time model.
//!
//! One node, `zk`, stands for the ensemble. It keeps a tree of znodes (`dir/name`, one level
//! deep), sessions and watches:
//!
//! - **Sessions.** A client's first message opens its session. Every message of the client
//!   (heartbeats included) re-arms the session's expiry timer, [`SESSION_TIMEOUT_NS`]; when it
//!   fires, the session expires for good: the session's ephemeral znodes are deleted, their
//!   watchers are told, and any later request of the client is answered
//!   [`ZkMsg::SessionExpired`]. A heartbeat is one-way (no reply), so a client learns of its
//!   expiry only at its next request: the window in which it still believes it holds what its
//!   ephemeral znode stood for.
//! - **Znodes.** [`ZkMsg::Create`] (optionally ephemeral and sequential: the name gets the
//!   server's next sequence number, which also serves as the znode's zxid and fencing token),
//!   [`ZkMsg::Delete`], [`ZkMsg::Exists`] and [`ZkMsg::Children`] (each optionally setting a
//!   one-shot watch). Create and Delete answer with the directory's children, sorted by
//!   sequence number (ZooKeeper needs a separate `getChildren`; folding it in keeps runs short
//!   and changes no outcome, since the server handles one request at a time).
//!
//! Lineage: the server derives `["session_alive", c, k]` when heartbeat `k` of client `c`
//! arrives while the session is alive (k = 0 for the message that opened it), resting on
//! `["session_alive", c, k - 1]`: the session is alive at heartbeat k only if it was at k − 1
//! and the gap between them was short, which only delaying heartbeat k (a clog of `zk`) can
//! change, since heartbeats leave on the client's own timer. A delete of a client's own znode
//! while its session is alive derives `["released", c, path]`, resting on the latest
//! `session_alive` of `c`: the znode existed from its creation until this release. Each create
//! derives `["znode", path]`, and every reply that reports a znode or a directory's children
//! (and a watch fired by a creation) rests on the facts of the znodes it reports.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::NodeId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use faultline_harness::{Cx, Effect, Reactor, TimerId};

/// The server node.
pub const ZK_SERVER: &str = "zk";
/// A session expires this long after the last message of its client arrived (3.5 ms).
pub const SESSION_TIMEOUT_NS: u64 = 3_500_000;
/// Clients send a heartbeat this often (2 ms): with one-way latencies of at most 1 ms, two
/// heartbeats arrive at most 2.9 ms apart, within the timeout, unless something holds
/// them.
pub const HEARTBEAT_NS: u64 = 2_000_000;
const EXPIRE: &str = "expire:";

/// Messages between clients, the server and the guarded resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZkMsg {
    /// Client → zk: keep my session alive (heartbeat number `k`, from 1).
    Ping(u64),
    /// Client → zk: create `dir/name` (`name` is a prefix when sequential).
    Create {
        /// The parent directory.
        dir: String,
        /// The name, or the prefix of a sequential name.
        name: String,
        /// Deleted when the creator's session expires.
        ephemeral: bool,
        /// Append the server's next sequence number to the name.
        sequential: bool,
    },
    /// zk → client: `path` now exists (`seq` is its sequence number); the directory's
    /// children, by sequence number.
    Created {
        /// The znode created.
        path: String,
        /// Its sequence number (zxid).
        seq: u64,
        /// The directory's children after the create.
        children: Vec<String>,
    },
    /// zk → client: `path` already exists (a non-sequential create).
    NodeExists {
        /// The znode.
        path: String,
    },
    /// Client → zk: delete `path`.
    Delete {
        /// The znode.
        path: String,
    },
    /// zk → client: `path` is gone (or never was); the directory's children after it.
    Deleted {
        /// The znode.
        path: String,
        /// The directory's remaining children.
        children: Vec<String>,
    },
    /// Client → zk: does `path` exist? With `watch`, tell me once when that changes.
    Exists {
        /// The znode.
        path: String,
        /// Set a one-shot watch.
        watch: bool,
    },
    /// zk → client: whether `path` exists.
    Stat {
        /// The znode.
        path: String,
        /// It exists.
        exists: bool,
    },
    /// Client → zk: the children of `dir`; with `watch`, tell me once when they change.
    Children {
        /// The directory.
        dir: String,
        /// Set a one-shot child watch.
        watch: bool,
    },
    /// zk → client: the children of `dir`, by sequence number.
    ChildrenOf {
        /// The directory.
        dir: String,
        /// Its children.
        children: Vec<String>,
    },
    /// zk → client: a watch fired: `path` was created or deleted, or its children changed.
    Watch {
        /// The watched znode or directory.
        path: String,
    },
    /// zk → client: your session has expired; the request was not performed.
    SessionExpired,
    /// Client → resource: an access under the grant with fencing `token`.
    Access {
        /// The grant's token (its lock znode's sequence number).
        token: u64,
        /// `"write"` or `"read"`.
        mode: String,
        /// `"enter"` or `"exit"` of the critical section.
        op: String,
    },
    /// Resource → client: whether the access was accepted.
    AccessAck {
        /// The access's op.
        op: String,
        /// Accepted (a fenced resource rejects a token below the highest it accepted).
        accepted: bool,
    },
}

/// The fact the server derives on each heartbeat of `client` that finds its session alive.
pub fn session_alive_fact(client: &str, k: u64) -> Value {
    json!(["session_alive", client, k])
}

/// The fact the server derives when it creates `path`.
pub fn znode_fact(path: &str) -> Value {
    json!(["znode", path])
}

/// The fact the server derives when `client` deletes its own znode `path` while its session
/// is alive.
pub fn released_fact(client: &str, path: &str) -> Value {
    json!(["released", client, path])
}

#[derive(Debug, Clone)]
struct Znode {
    seq: u64,
    owner: Option<NodeId>,
}

#[derive(Debug, Clone, Default)]
struct Session {
    expired: bool,
    /// The last heartbeat number that found the session alive (0: the opening message).
    beat: u64,
}

/// The server.
#[derive(Debug, Clone, Default)]
pub struct ZkServer {
    /// Path → znode.
    znodes: BTreeMap<String, Znode>,
    next_seq: u64,
    sessions: BTreeMap<NodeId, Session>,
    /// Path → clients with an exists watch on it.
    exists_watches: BTreeMap<String, BTreeSet<NodeId>>,
    /// Directory → clients with a child watch on it.
    child_watches: BTreeMap<String, BTreeSet<NodeId>>,
}

fn split(path: &str) -> (&str, &str) {
    path.split_once('/').unwrap_or(("", path))
}

impl ZkServer {
    /// The server node.
    pub fn new(_me: &NodeId) -> Self {
        ZkServer::default()
    }

    /// The children of `dir`, by sequence number (then name).
    fn children(&self, dir: &str) -> Vec<String> {
        let mut children: Vec<(u64, String)> = self
            .znodes
            .iter()
            .filter(|(path, _)| split(path).0 == dir)
            .map(|(path, znode)| (znode.seq, split(path).1.to_string()))
            .collect();
        children.sort();
        children.into_iter().map(|(_, name)| name).collect()
    }

    /// The facts a reply listing `children` of `dir` rests on: a recipe's decision reads the
    /// presence of each child (a double barrier waits for all N), so a lost create must show
    /// in the lineage of the reply.
    fn child_facts(&self, dir: &str, children: &[String]) -> Vec<Value> {
        children
            .iter()
            .map(|name| znode_fact(&format!("{dir}/{name}")))
            .collect()
    }

    /// The watch notifications a change of `path` triggers (one-shot: they are cleared). A
    /// notification of a creation rests on the new znode.
    fn fire_watches(&mut self, path: &str) -> Vec<Effect<ZkMsg>> {
        let mut effects = Vec::new();
        let created = self.znodes.contains_key(path);
        for client in self.exists_watches.remove(path).unwrap_or_default() {
            let watch = Effect::send(client, ZkMsg::Watch { path: path.into() });
            effects.push(if created {
                watch.from([znode_fact(path)])
            } else {
                watch
            });
        }
        let dir = split(path).0.to_string();
        for client in self.child_watches.remove(&dir).unwrap_or_default() {
            effects.push(Effect::send(client, ZkMsg::Watch { path: dir.clone() }));
        }
        effects
    }

    fn remove(&mut self, path: &str) -> Vec<Effect<ZkMsg>> {
        if self.znodes.remove(path).is_some() {
            self.fire_watches(path)
        } else {
            Vec::new()
        }
    }

    fn expire(&mut self, client: &str) -> Vec<Effect<ZkMsg>> {
        let Some(session) = self.sessions.get_mut(client) else {
            return Vec::new();
        };
        session.expired = true;
        let owned: Vec<String> = self
            .znodes
            .iter()
            .filter(|(_, znode)| znode.owner.as_deref() == Some(client))
            .map(|(path, _)| path.clone())
            .collect();
        let mut effects = Vec::new();
        for path in owned {
            effects.extend(self.remove(&path));
        }
        effects
    }

    /// A request of a live session.
    fn request(&mut self, from: &NodeId, msg: ZkMsg) -> Vec<Effect<ZkMsg>> {
        let reply = |msg| Effect::send(from.clone(), msg);
        match msg {
            ZkMsg::Create {
                dir,
                name,
                ephemeral,
                sequential,
            } => {
                let seq = self.next_seq + 1;
                let name = if sequential {
                    format!("{name}{seq:04}")
                } else {
                    name
                };
                let path = format!("{dir}/{name}");
                if self.znodes.contains_key(&path) {
                    return vec![reply(ZkMsg::NodeExists { path })];
                }
                self.next_seq = seq;
                let owner = ephemeral.then(|| from.clone());
                self.znodes.insert(path.clone(), Znode { seq, owner });
                let mut effects = vec![Effect::derive(znode_fact(&path))];
                effects.extend(self.fire_watches(&path));
                let children = self.children(&dir);
                let premises = self.child_facts(&dir, &children);
                effects.push(
                    reply(ZkMsg::Created {
                        path,
                        seq,
                        children,
                    })
                    .from(premises),
                );
                effects
            }
            ZkMsg::Delete { path } => {
                let mut effects = Vec::new();
                let own = self
                    .znodes
                    .get(&path)
                    .is_some_and(|znode| znode.owner.as_ref() == Some(from));
                if own {
                    let beat = self.sessions.get(from).map_or(0, |s| s.beat);
                    effects.push(
                        Effect::derive(released_fact(from, &path))
                            .from([session_alive_fact(from, beat)]),
                    );
                }
                effects.extend(self.remove(&path));
                let dir = split(&path).0.to_string();
                effects.push(reply(ZkMsg::Deleted {
                    path,
                    children: self.children(&dir),
                }));
                effects
            }
            ZkMsg::Exists { path, watch } => {
                if watch {
                    self.exists_watches
                        .entry(path.clone())
                        .or_default()
                        .insert(from.clone());
                }
                let exists = self.znodes.contains_key(&path);
                let premises = if exists {
                    vec![znode_fact(&path)]
                } else {
                    Vec::new()
                };
                vec![reply(ZkMsg::Stat { path, exists }).from(premises)]
            }
            ZkMsg::Children { dir, watch } => {
                if watch {
                    self.child_watches
                        .entry(dir.clone())
                        .or_default()
                        .insert(from.clone());
                }
                let children = self.children(&dir);
                let premises = self.child_facts(&dir, &children);
                vec![reply(ZkMsg::ChildrenOf { dir, children }).from(premises)]
            }
            // Only requests reach here; anything else a client sends is ignored.
            _ => Vec::new(),
        }
    }
}

impl Reactor for ZkServer {
    type Msg = ZkMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<ZkMsg>> {
        Vec::new()
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, from: &NodeId, msg: ZkMsg) -> Vec<Effect<ZkMsg>> {
        let opening = !self.sessions.contains_key(from);
        let session = self.sessions.entry(from.clone()).or_default();
        if session.expired {
            return match msg {
                ZkMsg::Ping(_) => Vec::new(),
                _ => vec![Effect::send(from.clone(), ZkMsg::SessionExpired)],
            };
        }
        let mut effects = vec![Effect::set_timer(
            format!("{EXPIRE}{from}"),
            SESSION_TIMEOUT_NS,
        )];
        if opening {
            effects.push(Effect::derive(session_alive_fact(from, 0)));
        }
        if let ZkMsg::Ping(k) = msg {
            let previous = session.beat;
            session.beat = k;
            effects.push(
                Effect::derive(session_alive_fact(from, k))
                    .from([session_alive_fact(from, previous)]),
            );
            return effects;
        }
        effects.extend(self.request(from, msg));
        effects
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<ZkMsg>> {
        match timer.strip_prefix(EXPIRE) {
            Some(client) => self.expire(client),
            None => Vec::new(),
        }
    }

    fn state(&self) -> Value {
        let znodes: BTreeMap<&String, Value> = self
            .znodes
            .iter()
            .map(|(path, znode)| {
                let owner = znode.owner.as_deref().unwrap_or("");
                (path, json!({ "seq": znode.seq, "owner": owner }))
            })
            .collect();
        let expired: Vec<&NodeId> = self
            .sessions
            .iter()
            .filter(|(_, session)| session.expired)
            .map(|(client, _)| client)
            .collect();
        let sessions: Vec<&NodeId> = self.sessions.keys().collect();
        json!({ "znodes": znodes, "sessions": sessions, "expired": expired })
    }
}
