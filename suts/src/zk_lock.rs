//! zk-lock, zk-lock-fenced and zk-rwmutex: zksync's locks on the ZooKeeper-like server of
//! [`crate::zk`], guarding a resource node `r`, in the `async` time model.
//!
//! **The system.** Lock clients take the lock first come, first served by sequential ephemeral
//! znodes under `lock/`: a client creates `lock/lock-N` (zk-rwmutex: `lock/write-N` or
//! `lock/read-N`); it holds the lock when no lower znode conflicts (any lower znode for a
//! writer, a lower `write-` znode for a reader), else it watches the highest lower
//! conflicting znode and checks again when that one is deleted. Holding, it accesses `r`
//! twice, `enter` then (after [`WORK_NS`] of work) `exit`, each a request that `r`
//! acknowledges, then releases the lock by deleting its znode. Each client heartbeats its
//! session every [`crate::HEARTBEAT_NS`]; the server expires a session after
//! [`crate::SESSION_TIMEOUT_NS`] without a message from it. zk-lock: clients `p` then `q`
//! ([`LATE_START_NS`] later, so `p` is always first in line); zk-rwmutex: writer `p`, then
//! readers `q` and `s`.
//!
//! **The bug** (zk-lock and zk-rwmutex). A lock is an ephemeral znode, so it is released when
//! the holder's session expires, whether or not the holder knows: a clog of `zk` that holds
//! `p`'s heartbeats past the session timeout expires `p`'s session while `p` is in its
//! critical section; the server deletes `p`'s znode and tells `q`, whose session was last
//! refreshed later than `p`'s and outlives the clog, so `q` takes the lock. `p` learns nothing (heartbeats are one-way) and
//! goes on to access `r` inside `q`'s critical section: two holders. Reproduce with the
//! default seed and spec:
//!
//! ```text
//! faultline run --sut zk-lock --faults '[{"kind":"clog","node":"zk","from":8,"to":17}]'
//! faultline run --sut zk-rwmutex --faults '[{"kind":"clog","node":"zk","from":14,"to":24}]'
//! ```
//!
//! 18 of the 3,121 fault sets of zk-lock's default spec break it, all clogs of `zk` (some
//! one step long: a clog windows steps, not time, and holding `p`'s heartbeat for the one step
//! in which `p`'s expiry timer is next is enough); LDFI finds one in 16 runs.
//!
//! **The fix** (zk-lock-fenced). Every grant carries a fencing token, the lock znode's
//! sequence number, and `r` rejects an access whose token is below the highest it has
//! accepted: once `q` (token 2) entered, `p`'s late `exit` (token 1) is refused, and `p`
//! learns there that it lost the lock.
//!
//! **The property** (all three, [`check_zk_mutex`]): `r` never accepts, between two accepted
//! accesses of one grant, an access of another grant where one of the two is a writer's
//! (zk-lock: every holder is a writer). With one grant per client, a grant is its client, and
//! the accesses of every writer's grant are contiguous in `r`'s accepted log.
//!
//! **The goal** of a good run, from which LDFI learns: the server's `["released", p, path]`,
//! the derive by which `p`'s release found its session alive (its lineage runs through the
//! release and the chain of `p`'s heartbeats, `["session_alive", p, k]`). Sufficient under
//! every fault set: `p`'s create reaches `zk` before any other client's (the others start
//! [`LATE_START_NS`] later, more than the largest latency, and a clog releases what it held
//! in arrival order), so `p`'s znode is the lowest; if `p`'s release found its session alive,
//! the znode existed from `p`'s grant until the release, so nobody else was granted before
//! it; `p` releases only after `r` acknowledged its `exit`, so every access of `p` precedes
//! every access of anybody else, and no two other clients conflict (zk-lock has one more;
//! zk-rwmutex's others are readers). Scope: fault independent. A good run without that
//! derive (`p` never released alive) names no goal and teaches only itself.
//!
//! zk-lock-fenced's goal is the fencing itself: `r`'s `["fenced"]`, derived when it starts
//! (and restarts: `r` persists its log and highest token). Sufficient under every fault set:
//! `r` accepts only tokens at least as high as every token it accepted, so accepted tokens
//! never decrease along its log; grants have distinct tokens (distinct znodes) and a holder
//! uses its grant's token for all its accesses, so each grant's accesses are contiguous.
//! Only crashing `r` before it starts breaks it, which the default spec (no crashes) does
//! not allow. In `rounds` that goal would certify after the failure-free run; in `async` a
//! goal only guides the search (faults shift the schedule's steps), so `explore` certifies
//! the default spec by covering the space: 2,333 runs, about 4 minutes (pinned in
//! `tests/soundness`).

use std::collections::BTreeMap;

use faultline_trace::{EventKind, Goal, GoalScope, NodeId, Trace};
use serde_json::{Value, json};

use crate::zk::{HEARTBEAT_NS, ZK_SERVER, ZkMsg, released_fact};
use faultline_harness::end_state::{final_states, last_derive};
use faultline_harness::{ClientEvent, Cx, Effect, InvariantReport, Reactor, TimerId};

/// The guarded resource.
pub const ZK_RESOURCE: &str = "r";
/// The nodes of zk-lock and zk-lock-fenced.
pub const ZK_LOCK_NODES: &[&str] = &["zk", "p", "q", "r"];
/// The nodes of zk-rwmutex: writer `p`, readers `q` and `s`.
pub const ZK_RWMUTEX_NODES: &[&str] = &["zk", "p", "q", "s", "r"];
/// The first client, always first in line.
pub const ZK_FIRST: &str = "p";
/// How long a holder works between its `enter` and its `exit` (6 ms).
pub const WORK_NS: u64 = 6_000_000;
/// Every client but `p` asks for the lock this much later (1 ms, the largest latency): `p`'s
/// znode is the lowest.
pub const LATE_START_NS: u64 = 1_000_000;
const LOCK_DIR: &str = "lock";
const HEARTBEAT: &str = "heartbeat";
const START: &str = "start";
const WORK: &str = "work";

/// How a client takes the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// zk-lock: exclusive.
    Exclusive,
    /// zk-rwmutex: a reader (shares with readers).
    Read,
    /// zk-rwmutex: a writer (exclusive).
    Write,
}

impl LockMode {
    fn prefix(self) -> &'static str {
        match self {
            LockMode::Exclusive => "lock-",
            LockMode::Read => "read-",
            LockMode::Write => "write-",
        }
    }

    fn access(self) -> &'static str {
        match self {
            LockMode::Read => "read",
            LockMode::Exclusive | LockMode::Write => "write",
        }
    }

    /// Whether a lower znode `name` keeps a client of this mode waiting.
    fn blocked_by(self, name: &str) -> bool {
        match self {
            LockMode::Read => name.starts_with("write-"),
            LockMode::Exclusive | LockMode::Write => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Idle,
    Acquiring,
    Holding,
    Releasing,
    Done,
}

/// A lock client (process `process` of the history).
#[derive(Debug, Clone)]
pub struct LockClient {
    mode: LockMode,
    process: u64,
    start_ns: u64,
    stage: Stage,
    /// Its znode (`lock/<prefix>N`) and N, once created.
    path: Option<String>,
    token: u64,
    beats: u64,
}

impl LockClient {
    /// A client that asks for the lock `start_ns` after it starts.
    pub fn new(mode: LockMode, process: u64, start_ns: u64) -> Self {
        LockClient {
            mode,
            process,
            start_ns,
            stage: Stage::Idle,
            path: None,
            token: 0,
            beats: 0,
        }
    }

    fn name(&self) -> Option<&str> {
        self.path.as_deref().map(split_name)
    }

    fn client(&self, kind: ClientEvent, f: &str, value: Value) -> Effect<ZkMsg> {
        Effect::client(kind, self.process, f, value)
    }

    fn acquire(&mut self) -> Vec<Effect<ZkMsg>> {
        self.stage = Stage::Acquiring;
        vec![
            self.client(ClientEvent::Invoke, "acquire", json!(self.mode.access())),
            Effect::send(
                ZK_SERVER,
                ZkMsg::Create {
                    dir: LOCK_DIR.into(),
                    name: self.mode.prefix().into(),
                    ephemeral: true,
                    sequential: true,
                },
            ),
        ]
    }

    /// Holds the lock, or watches the znode it waits for.
    fn check(&mut self, children: &[String]) -> Vec<Effect<ZkMsg>> {
        if self.stage != Stage::Acquiring {
            return Vec::new();
        }
        let Some(mine) = self.name().map(str::to_string) else {
            return Vec::new();
        };
        let Some(index) = children.iter().position(|child| *child == mine) else {
            // The znode is gone: the session expired, which the next request will say.
            return vec![Effect::send(
                ZK_SERVER,
                ZkMsg::Children {
                    dir: LOCK_DIR.into(),
                    watch: false,
                },
            )];
        };
        let blocker = children[..index]
            .iter()
            .rev()
            .find(|child| self.mode.blocked_by(child));
        match blocker {
            Some(blocker) => vec![Effect::send(
                ZK_SERVER,
                ZkMsg::Exists {
                    path: format!("{LOCK_DIR}/{blocker}"),
                    watch: true,
                },
            )],
            None => {
                self.stage = Stage::Holding;
                vec![
                    self.client(ClientEvent::Ok, "acquire", json!(self.token)),
                    self.access("enter"),
                ]
            }
        }
    }

    fn access(&self, op: &str) -> Effect<ZkMsg> {
        Effect::send(
            ZK_RESOURCE,
            ZkMsg::Access {
                token: self.token,
                mode: self.mode.access().into(),
                op: op.into(),
            },
        )
    }

    fn children_request() -> Effect<ZkMsg> {
        Effect::send(
            ZK_SERVER,
            ZkMsg::Children {
                dir: LOCK_DIR.into(),
                watch: false,
            },
        )
    }

    fn release(&mut self) -> Vec<Effect<ZkMsg>> {
        self.stage = Stage::Releasing;
        let Some(path) = self.path.clone() else {
            return Vec::new();
        };
        vec![
            self.client(ClientEvent::Invoke, "release", json!(self.token)),
            Effect::send(ZK_SERVER, ZkMsg::Delete { path }),
        ]
    }

    fn finish(&mut self) -> Effect<ZkMsg> {
        self.stage = Stage::Done;
        Effect::cancel_timer(HEARTBEAT)
    }
}

fn split_name(path: &str) -> &str {
    path.split_once('/').map_or(path, |(_, name)| name)
}

impl Reactor for LockClient {
    type Msg = ZkMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<ZkMsg>> {
        let mut effects = vec![Effect::set_timer(HEARTBEAT, HEARTBEAT_NS)];
        if self.start_ns == 0 {
            effects.extend(self.acquire());
        } else {
            effects.push(Effect::set_timer(START, self.start_ns));
        }
        effects
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: ZkMsg) -> Vec<Effect<ZkMsg>> {
        match msg {
            ZkMsg::Created {
                path,
                seq,
                children,
            } if self.stage == Stage::Acquiring => {
                self.path = Some(path);
                self.token = seq;
                self.check(&children)
            }
            ZkMsg::ChildrenOf { children, .. } => self.check(&children),
            ZkMsg::Stat { exists: false, .. } | ZkMsg::Watch { .. }
                if self.stage == Stage::Acquiring =>
            {
                vec![Self::children_request()]
            }
            ZkMsg::AccessAck { op, .. } if self.stage == Stage::Holding => {
                if op == "enter" {
                    vec![Effect::set_timer(WORK, WORK_NS)]
                } else {
                    self.release()
                }
            }
            ZkMsg::Deleted { .. } if self.stage == Stage::Releasing => {
                let done = self.finish();
                vec![
                    self.client(ClientEvent::Ok, "release", json!(self.token)),
                    done,
                ]
            }
            ZkMsg::SessionExpired => {
                let open = match self.stage {
                    Stage::Acquiring => Some(("acquire", ClientEvent::Fail)),
                    // The znode is gone whether or not the delete did it.
                    Stage::Releasing => Some(("release", ClientEvent::Info)),
                    Stage::Idle | Stage::Holding | Stage::Done => None,
                };
                let done = self.finish();
                let mut effects: Vec<Effect<ZkMsg>> = open
                    .map(|(f, kind)| self.client(kind, f, json!("session expired")))
                    .into_iter()
                    .collect();
                effects.push(done);
                effects
            }
            _ => Vec::new(),
        }
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<ZkMsg>> {
        match timer.as_str() {
            HEARTBEAT => {
                self.beats += 1;
                vec![
                    Effect::send(ZK_SERVER, ZkMsg::Ping(self.beats)),
                    Effect::set_timer(HEARTBEAT, HEARTBEAT_NS),
                ]
            }
            START => self.acquire(),
            // The exit goes out even if the enter was refused: the holder does not look.
            WORK => vec![self.access("exit")],
            _ => Vec::new(),
        }
    }

    fn state(&self) -> Value {
        let stage = match self.stage {
            Stage::Idle => "idle",
            Stage::Acquiring => "acquiring",
            Stage::Holding => "holding",
            Stage::Releasing => "releasing",
            Stage::Done => "done",
        };
        json!({ "stage": stage, "znode": self.path.as_deref().unwrap_or(""), "token": self.token })
    }
}

/// The guarded resource `r`: it logs every access it accepts. Fenced, it refuses an access
/// whose token is below the highest it has accepted.
#[derive(Debug, Clone, Default)]
pub struct Resource {
    fenced: bool,
    /// Accepted accesses: `[client, mode, token, op]`.
    log: Vec<Value>,
    /// Refused accesses, alike.
    refused: Vec<Value>,
    token_max: u64,
}

impl Resource {
    /// An unfenced resource (zk-lock, zk-rwmutex).
    pub fn new(_me: &NodeId) -> Self {
        Resource::default()
    }

    /// A fenced resource (zk-lock-fenced).
    pub fn fenced(_me: &NodeId) -> Self {
        Resource {
            fenced: true,
            ..Resource::default()
        }
    }
}

/// The fact a fenced resource derives when it starts: every run rests on it (see
/// [`check_zk_mutex`]).
fn fenced_fact() -> Value {
    json!(["fenced"])
}

impl Reactor for Resource {
    type Msg = ZkMsg;

    /// A restarted resource gets its log and highest token back: fencing that forgot its
    /// highest token would let a stale holder in again.
    fn init(&mut self, _cx: &mut Cx<'_>, durable: Option<&Value>) -> Vec<Effect<ZkMsg>> {
        if let Some(saved) = durable {
            let list = |field: &str| saved.get(field).and_then(Value::as_array).cloned();
            self.log = list("log").unwrap_or_default();
            self.refused = list("refused").unwrap_or_default();
            self.token_max = saved.get("token_max").and_then(Value::as_u64).unwrap_or(0);
        }
        if self.fenced {
            vec![Effect::derive(fenced_fact())]
        } else {
            Vec::new()
        }
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, from: &NodeId, msg: ZkMsg) -> Vec<Effect<ZkMsg>> {
        let ZkMsg::Access { token, mode, op } = msg else {
            return Vec::new();
        };
        let entry = json!([from, mode, token, op]);
        let accepted = !self.fenced || token >= self.token_max;
        if accepted {
            self.token_max = self.token_max.max(token);
            self.log.push(entry);
        } else {
            self.refused.push(entry);
        }
        vec![
            Effect::Persist(self.state()),
            Effect::send(from.clone(), ZkMsg::AccessAck { op, accepted }),
        ]
    }

    fn state(&self) -> Value {
        json!({ "log": self.log, "refused": self.refused, "token_max": self.token_max })
    }
}

/// One accepted access of `r`'s log.
struct Access {
    client: String,
    write: bool,
    token: u64,
}

fn accesses(state: Option<&Value>) -> Vec<Access> {
    state
        .and_then(|state| state.get("log"))
        .and_then(Value::as_array)
        .map(|log| {
            log.iter()
                .filter_map(|entry| {
                    Some(Access {
                        client: entry.get(0)?.as_str()?.to_string(),
                        write: entry.get(1)?.as_str()? == "write",
                        token: entry.get(2)?.as_u64()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The first conflicting overlap in `r`'s accepted log: an access of another client accepted
/// between two accesses of one client, where one of the two is a writer.
fn overlap(log: &[Access]) -> Option<(&Access, &Access)> {
    let mut span: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (index, access) in log.iter().enumerate() {
        span.entry(&access.client)
            .and_modify(|(_, last)| *last = index)
            .or_insert((index, index));
    }
    for (holder, &(first, last)) in &span {
        let holder_access = &log[first];
        for inner in log.get(first + 1..last).unwrap_or_default() {
            if inner.client != *holder && (inner.write || holder_access.write) {
                return Some((holder_access, inner));
            }
        }
    }
    None
}

fn describe(access: &Access) -> String {
    let mode = if access.write { "writer" } else { "reader" };
    format!("{} ({mode}, token {})", access.client, access.token)
}

/// The property of zk-lock, zk-lock-fenced and zk-rwmutex (see the module doc): no access of
/// another client between two accepted accesses of one client at `r`, unless both are
/// readers. Goal: zk-lock-fenced's `["fenced"]` at `r`, else the server's `["released", p,
/// path]` (see the module doc), or none.
pub fn check_zk_mutex(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let log = accesses(states.get(ZK_RESOURCE));
    if let Some((holder, inner)) = overlap(&log) {
        return InvariantReport::violated(format!(
            "two holders: {ZK_RESOURCE} accepted an access of {} inside the critical section of {}",
            describe(inner),
            describe(holder)
        ));
    }
    let released = trace
        .events
        .iter()
        .rev()
        .find(|event| {
            event.kind == EventKind::Derive
                && event.node.as_deref() == Some(ZK_SERVER)
                && event.fact.as_ref().is_some_and(|fact| {
                    fact.get(0).and_then(Value::as_str) == Some("released")
                        && fact.get(1).and_then(Value::as_str) == Some(ZK_FIRST)
                })
        })
        .and_then(|event| {
            let path = event.fact.as_ref()?.get(2)?.as_str()?;
            last_derive(trace, ZK_SERVER, &released_fact(ZK_FIRST, path))
        });
    let holders = log.iter().filter(|a| a.client != ZK_FIRST).count();
    if let Some(fenced) = last_derive(trace, ZK_RESOURCE, &fenced_fact()) {
        return InvariantReport::holds(Goal::all_of(vec![fenced], GoalScope::FaultIndependent))
            .explain(format!(
                "{ZK_RESOURCE} accepted {} accesses with non-decreasing fencing tokens, one holder at a time",
                log.len()
            ));
    }
    let explanation = match released {
        Some(_) => format!(
            "{ZK_RESOURCE} accepted {} accesses, one holder at a time; {ZK_FIRST} released the lock with its session alive",
            log.len()
        ),
        None => format!(
            "{ZK_RESOURCE} accepted {} accesses, one holder at a time ({holders} by others than {ZK_FIRST}); {ZK_FIRST} did not release the lock alive",
            log.len()
        ),
    };
    InvariantReport::holds(Goal::all_of(
        released.into_iter().collect(),
        GoalScope::FaultIndependent,
    ))
    .explain(explanation)
}
