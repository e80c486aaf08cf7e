//! config-switch and config-switch-verified: a configuration switch scheduled for a start
//! time, in the `async` time model (issue 10, part 3; after a demo of processes that switch
//! configuration at a time the configuration store sets, `shared/anchors/seeds/003_*`).
//!
//! Nodes: the configuration store `s` and the process `p` (client process 0). Configuration 1
//! holds from time 0; configuration 2 holds from [`CS_SWITCH_NS`] (1.5 ms). Every
//! [`CS_SYNC_NS`] (1 ms) the store sends `p` a `sync` with its period number and the whole
//! schedule it holds; it defines configuration 2 at its period-1 sync (1.0 ms), a margin of
//! 0.5 ms ahead of the switch (links take 100 to 300 µs). `p` runs a task every 1 ms from
//! 0.5 ms on (a timer): one `invoke` of `task` and, in the same handler, its `ok` with the
//! configuration it used (or a `fail` when it refuses). The failure-free run is 10 steps: two
//! starts, three syncs delivered, two store timers, three tasks (at 0.5, 1.5 and 2.5 ms, the
//! second one at the switch).
//!
//! The properties (built-in [`check_config_switch`], and `specs/config-switch.ltl`):
//!
//! - **switch**: a task that starts at or after the switch (simulated time, `sim_ns`) runs
//!   configuration 2, and one that starts before it runs configuration 1;
//! - **verified**: a task runs only with a store sync delivered to its process at most
//!   [`CS_LEASE_NS`] (1 ms) before it starts: otherwise the process cannot know that it holds
//!   the latest configuration.
//!
//! **config-switch** (the bug): `p` caches the schedule and picks each task's configuration by
//! its own clock (`Cx::now`), whatever the store says or does not say.
//!
//! - *Bug A*, a clock skew beyond the margin the switch allows (here none): `p`'s clock
//!   400 µs behind from before its second task makes it run that task, at 1.5 ms, with
//!   configuration 1: `faultline run --sut config-switch --faults
//!   '[{"kind":"skew","node":"p","by_ns":-400000,"at":7}]'`.
//! - *Bug B*, a store that cannot be reached: a clog of `p`'s inbound traffic holds the sync
//!   of 2.0 ms, and `p` runs its task at 2.5 ms on its cached schedule with no sync for
//!   1.3 ms: `faultline run --sut config-switch --faults
//!   '[{"kind":"clog","node":"p","from":9,"to":10}]'`. Held from before the announcement
//!   (`"from":6,"to":8`), `p` also runs the task at the switch with configuration 1.
//!   Omissions of the store's syncs do the same (`--eff 6`, `omission s→p@5`).
//!
//! **config-switch-verified** (the fix) refuses what it cannot verify. A sync is a lease of
//! one task period: `p` runs a task only if a sync arrived since its previous task (or since
//! it (re)started), which its task timer measures on simulated time (a skew moves only what
//! `Cx::now` reads), so the sync is at most 1 ms old. Links are FIFO, so every sync sent
//! before it has arrived too, and the store announces a configuration 0.5 ms before it
//! starts. (A first version counted periods with the task timer and asked for the sync of
//! the task's period: a crash-restart of `p` restarts the count, and with a clog
//! `--crashes 1 --restarts 1 --eot 14` broke it.) And `p` refuses a task whose clock reading
//! lies within [`CS_GUARD_NS`] (400 µs) of a switch: with a skew of at most that much (the
//! default spec's `max_skew_ns`), a reading outside the band is on the right side of the
//! switch. A larger skew breaks it (`--max-skew-ns 800000`: `p` 800 µs behind reads 0.7 ms
//! at the switch). So does a crash-restart of the *store*, beyond the default spec (which has
//! no crashes): the store keeps its schedule in volatile state and times its announcement
//! from its own start, so a restarted store announces configuration 2 late and `p` holds
//! fresh syncs without it (`--eot 14 --crashes 1 --restarts 1`: `crash s@1, restart s@3`;
//! every minimal counterexample there restarts s). A real store keeps its schedule durable;
//! modelling that is left for later.
//!
//! Both properties are safety properties that a fault can break by *adding* a bad task (a
//! skew changes which configuration a task reads; a clog makes a task run without a fresh
//! sync), so no event of a good run shows that other fault sets are good: the invariant names
//! no goal (scope [`GoalScope::ExactCrashes`]), as paxos does, and a search certifies only by
//! covering the space ("by_cover"). A goal such as "the syncs that were delivered" would give
//! false certificates: a skew breaks no delivery.
//!
//! Default failure spec: EOT 10 steps, EFF 1 (no omissions), no crashes, one clog window, one
//! clock skew of ±400 µs (`max_skews 1`, `max_skew_ns 400000`, `skew_step_ns 400000`): 3,731
//! fault sets (`faultline estimate --eot 10 --eff 1 --clogs 1 --skews 1 --max-skew-ns 400000
//! --skew-step-ns 400000 --nodes 2`). Searched (release build, 2 cores, load ≈ 8):
//! config-switch's counterexample `skew p-400000ns@7` in 5 LDFI runs (≈ 0.1 s; the same with
//! `--spec`; random: 10.0 runs on average over seeds 1 to 25); config-switch-verified
//! certified by covering the space in 1,339 runs (≈ 3–4 s); `--strategy exhaustive` agrees on
//! both (3,731 runs, ≈ 0.8 s; 22 minimal counterexamples of config-switch: 15 clogs of `p`,
//! 7 skews of `p` behind).

use std::collections::BTreeMap;

use faultline_trace::{EventKind, FailureSpec, Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use faultline_harness::{
    ClientEvent, Cx, Effect, InvariantReport, NetworkConfig, Reactor, TimerId,
};

/// The nodes: the configuration store and the process.
pub const CS_NODES: &[&str] = &["s", "p"];
/// The configuration store.
pub const CS_STORE: &str = "s";
/// The processes (one: every process adds its syncs and tasks to the steps of a run).
pub const CS_PROCESSES: &[&str] = &["p"];
/// When configuration 2 starts, in simulated ns.
pub const CS_SWITCH_NS: u64 = 1_500_000;
/// The store's sync period; also the task period.
pub const CS_SYNC_NS: u64 = 1_000_000;
/// The first task's time; later tasks follow every [`CS_SYNC_NS`].
pub const CS_FIRST_TASK_NS: u64 = 500_000;
/// The property's freshness bound: a task needs a store sync delivered this recently.
pub const CS_LEASE_NS: u64 = 1_000_000;
/// The verified process's guard band around a switch: the largest clock skew it tolerates.
pub const CS_GUARD_NS: u64 = 400_000;
/// The store's period at whose sync it defines configuration 2 (1.0 ms: 0.5 ms ahead).
const ANNOUNCE_PERIOD: u64 = 1;
const SYNC: &str = "sync";
const TASK: &str = "task";
/// The processes' client process id (one process).
const PROCESS_ID: u64 = 0;

/// Links of 100 to 300 µs: well inside the 0.5 ms between a sync and the next task.
pub const CS_NETWORK: NetworkConfig = NetworkConfig {
    latency_ns_min: 100_000,
    latency_ns_max: 300_000,
    fifo: true,
};

/// The default failure spec of both: see the module doc.
pub const CS_SPEC: FailureSpec = FailureSpec {
    max_skews: 1,
    max_skew_ns: CS_GUARD_NS,
    skew_step_ns: CS_GUARD_NS,
    ..FailureSpec::new(10, 1, 0).with_clogs(1)
};

/// Messages of the switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsMsg {
    /// Store → process: the store's period and its whole schedule, as `[version, start_ns]`.
    Sync {
        /// The store's period (its k-th sync, sent at k ms).
        period: u64,
        /// Every configuration the store holds.
        configs: Vec<(u64, u64)>,
    },
}

/// A node of config-switch (its role follows from its name).
#[derive(Debug, Clone)]
pub struct ConfigSwitch {
    me: NodeId,
    /// Refuse tasks that cannot be verified (config-switch-verified).
    verified: bool,
    /// The schedule held, `(version, start_ns)`, ascending by start.
    configs: Vec<(u64, u64)>,
    /// Store: its current period. Process: the period of the newest sync held.
    period: Option<u64>,
    /// Process: a sync arrived since the previous task (or since the start).
    fresh: bool,
    /// Process: tasks started so far.
    tasks: u64,
    /// Process: the last task that ran, `(task, version)`.
    ran: Option<(u64, u64)>,
}

impl ConfigSwitch {
    /// Node `me` of config-switch (the process trusts its cache and its clock).
    pub fn new(me: &NodeId) -> Self {
        ConfigSwitch {
            me: me.clone(),
            verified: false,
            configs: Vec::new(),
            period: None,
            fresh: false,
            tasks: 0,
            ran: None,
        }
    }

    /// Node `me` of config-switch-verified (the process refuses what it cannot verify).
    pub fn verified(me: &NodeId) -> Self {
        ConfigSwitch {
            verified: true,
            ..ConfigSwitch::new(me)
        }
    }

    fn is_store(&self) -> bool {
        self.me == CS_STORE
    }

    fn sync_all(&self, period: u64) -> Vec<Effect<CsMsg>> {
        let mut effects: Vec<Effect<CsMsg>> = CS_PROCESSES
            .iter()
            .map(|process| {
                Effect::send(
                    *process,
                    CsMsg::Sync {
                        period,
                        configs: self.configs.clone(),
                    },
                )
            })
            .collect();
        effects.push(Effect::set_timer(SYNC, CS_SYNC_NS));
        effects
    }

    /// The configuration valid at clock reading `now_ns` by the schedule held.
    fn version_at(&self, now_ns: u64) -> Option<u64> {
        self.configs
            .iter()
            .filter(|(_, start)| *start <= now_ns)
            .map(|(version, _)| *version)
            .next_back()
    }

    /// Why the verified process refuses a task at clock reading `now_ns`, if it does.
    fn refusal(&self, now_ns: u64) -> Option<String> {
        if !self.fresh {
            return Some(
                "no store sync since the last task: the configuration may not be the latest"
                    .to_string(),
            );
        }
        let near = self.configs.iter().find(|(_, start)| {
            *start > 0 && now_ns + CS_GUARD_NS >= *start && now_ns < *start + CS_GUARD_NS
        });
        near.map(|(version, _)| {
            format!("clock within 0.4 ms of the switch to configuration {version}")
        })
    }

    fn run_task(&mut self, cx: &Cx<'_>) -> Vec<Effect<CsMsg>> {
        self.tasks += 1;
        let task = self.tasks;
        let mut effects = vec![
            Effect::set_timer(TASK, CS_SYNC_NS),
            Effect::client(
                ClientEvent::Invoke,
                PROCESS_ID,
                TASK,
                json!({ "task": task }),
            ),
        ];
        let refusal = if self.verified {
            self.refusal(cx.now)
        } else {
            None
        };
        // The next task needs a sync of its own: the timer's period bounds its age.
        self.fresh = false;
        let outcome = match (refusal, self.version_at(cx.now)) {
            (Some(reason), _) => Err(reason),
            (None, None) => Err("no configuration".to_string()),
            (None, Some(version)) => Ok(version),
        };
        effects.push(match outcome {
            Ok(version) => {
                self.ran = Some((task, version));
                Effect::client(
                    ClientEvent::Ok,
                    PROCESS_ID,
                    TASK,
                    json!({ "task": task, "config": version, "clock_ns": cx.now }),
                )
            }
            Err(reason) => Effect::client(
                ClientEvent::Fail,
                PROCESS_ID,
                TASK,
                json!({ "task": task, "error": reason }),
            ),
        });
        effects
    }
}

impl Reactor for ConfigSwitch {
    type Msg = CsMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<CsMsg>> {
        if self.is_store() {
            self.configs = vec![(1, 0)];
            self.period = Some(0);
            self.sync_all(0)
        } else {
            vec![Effect::set_timer(TASK, CS_FIRST_TASK_NS)]
        }
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: CsMsg) -> Vec<Effect<CsMsg>> {
        let CsMsg::Sync { period, configs } = msg;
        // Links are FIFO, but a process keeps the newest schedule whatever the order.
        if self.period.is_none_or(|held| held <= period) {
            self.period = Some(period);
            self.configs = configs;
        }
        self.fresh = true;
        Vec::new()
    }

    fn on_timer(&mut self, cx: &mut Cx<'_>, timer: &TimerId) -> Vec<Effect<CsMsg>> {
        match (self.is_store(), timer.as_str()) {
            (true, SYNC) => {
                let period = self.period.map_or(0, |period| period + 1);
                self.period = Some(period);
                if period == ANNOUNCE_PERIOD {
                    self.configs.push((2, CS_SWITCH_NS));
                }
                self.sync_all(period)
            }
            (false, TASK) => self.run_task(cx),
            _ => Vec::new(),
        }
    }

    fn state(&self) -> Value {
        let mut state = json!({ "configs": self.configs });
        if let Some(period) = self.period {
            state["period"] = json!(period);
        }
        if !self.is_store() {
            state["tasks"] = json!(self.tasks);
        }
        if let Some((task, version)) = self.ran {
            state["ran"] = json!({ "task": task, "config": version });
        }
        state
    }
}

/// `ns` as milliseconds with three decimals, for explanations.
fn ms(ns: u64) -> String {
    format!("{}.{:03} ms", ns / 1_000_000, ns % 1_000_000 / 1_000)
}

/// One task that ran, as the trace shows it.
struct Task<'a> {
    node: &'a str,
    task: u64,
    start_ns: u64,
    version: Option<u64>,
    clock_ns: Option<u64>,
    /// When the node's latest store sync was delivered before the task started.
    sync_ns: Option<u64>,
}

/// Every task that ran (`ok`), with its start (its `invoke`'s `sim_ns`) and the latest store
/// sync its node had by then; and how many were refused (`fail`).
fn tasks(trace: &Trace) -> (Vec<Task<'_>>, usize) {
    let mut synced: BTreeMap<&str, u64> = BTreeMap::new();
    let mut started: BTreeMap<&str, u64> = BTreeMap::new();
    let mut ran = Vec::new();
    let mut refused = 0;
    for event in &trace.events {
        let node = event.actor().map(String::as_str).unwrap_or_default();
        match event.kind {
            EventKind::Deliver if event.src.as_deref() == Some(CS_STORE) => {
                synced.insert(node, event.sim_ns);
            }
            EventKind::Invoke if event.f.as_deref() == Some(TASK) => {
                started.insert(node, event.sim_ns);
            }
            EventKind::Ok if event.f.as_deref() == Some(TASK) => {
                let value = event.value.as_ref();
                let field = |name: &str| value.and_then(|v| v.get(name)).and_then(Value::as_u64);
                ran.push(Task {
                    node,
                    task: field("task").unwrap_or_default(),
                    start_ns: started.get(node).copied().unwrap_or(event.sim_ns),
                    version: field("config"),
                    clock_ns: field("clock_ns"),
                    sync_ns: synced.get(node).copied(),
                });
            }
            EventKind::Fail if event.f.as_deref() == Some(TASK) => refused += 1,
            _ => {}
        }
    }
    (ran, refused)
}

/// Why `task` breaks **switch**, if it does.
fn wrong_configuration(task: &Task<'_>) -> Option<String> {
    let (expected, side) = if task.start_ns >= CS_SWITCH_NS {
        (2, "at or after")
    } else {
        (1, "before")
    };
    if task.version == Some(expected) {
        return None;
    }
    let used = task.version.map_or("no configuration".to_string(), |v| {
        format!("configuration {v}")
    });
    let clock = task
        .clock_ns
        .map_or(String::new(), |ns| format!(" (its clock read {})", ms(ns)));
    Some(format!(
        "{} ran task {} at {} with {used}, {side} the switch to configuration 2 at {}{clock}",
        task.node,
        task.task,
        ms(task.start_ns),
        ms(CS_SWITCH_NS)
    ))
}

/// Why `task` breaks **verified**, if it does.
fn unverified(task: &Task<'_>) -> Option<String> {
    let last = match task.sync_ns {
        Some(ns) if task.start_ns.saturating_sub(ns) <= CS_LEASE_NS => return None,
        Some(ns) => format!("its last store sync arrived at {}", ms(ns)),
        None => "no store sync had arrived".to_string(),
    };
    let used = task.version.map_or("no configuration".to_string(), |v| {
        format!("configuration {v}")
    });
    Some(format!(
        "{} ran task {} at {} with {used}, which it could not verify: {last}, more than {} \
         before",
        task.node,
        task.task,
        ms(task.start_ns),
        ms(CS_LEASE_NS)
    ))
}

/// The invariant of both: every task that ran used the configuration valid at its start in
/// simulated time (1 before [`CS_SWITCH_NS`], 2 from then on), and its process had a store
/// sync delivered at most [`CS_LEASE_NS`] before it started. Vacuous when no task ran.
///
/// Names no goal (an empty one, scope [`GoalScope::ExactCrashes`]): a fault can add a bad
/// task (see the module doc), so a search certifies only by covering the space.
pub fn check_config_switch(trace: &Trace) -> InvariantReport {
    let (ran, refused) = tasks(trace);
    let mut problems: Vec<String> = Vec::new();
    // The first breach of each property: enough to see the bug, short enough to read.
    problems.extend(ran.iter().find_map(wrong_configuration));
    problems.extend(ran.iter().find_map(unverified));
    let refused_text = match refused {
        0 => String::new(),
        1 => ", 1 refused".to_string(),
        n => format!(", {n} refused"),
    };
    let (holds, vacuous, explanation) = if !problems.is_empty() {
        (false, false, problems.join("; "))
    } else if ran.is_empty() {
        (
            true,
            true,
            format!("vacuously true: no task ran{refused_text}"),
        )
    } else {
        (
            true,
            false,
            format!(
                "{} task(s) ran, each with the configuration valid at its start and a store \
                 sync at most {} old{refused_text} (safety: no goal)",
                ran.len(),
                ms(CS_LEASE_NS)
            ),
        )
    };
    InvariantReport {
        holds,
        vacuous,
        goal: Goal::all_of(Vec::new(), GoalScope::ExactCrashes),
        explanation,
    }
}
