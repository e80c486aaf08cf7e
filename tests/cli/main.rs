//! End-to-end tests of the `faultline` binary, one module per area.

mod common;

// The foundation: `suts`, `run`, `trace validate|show`.
mod run;
mod trace;
// LDFI: `explore`, `lineage`, `suggest`, `estimate`.
mod explore;
// The paper's commit family: 2pc, 2pc-ctp, 3pc.
mod paper_commit;
// The paper's replication and consensus protocols: kafka, paxos-synod.
mod paper_consensus;
// Issue 10, part 3: a configuration switch scheduled by time (clock skews).
mod config_switch;
// The zksync recipes: zk-lock, zk-lock-fenced, zk-rwmutex, zk-barrier, zk-double-barrier.
mod zk;
// LTL: `check`.
mod check;
mod check_vacuity;
// elle-lite: `elle`.
mod elle;
// Exit codes, output errors, argument bounds and `schema` across every command.
mod contract;
// Issue 8: verdicts that must never be wrong.
mod soundness;
// Issue 10: Testground's sync service, broken by a store restart.
mod sync_service;
// Issue 11: the run store, resume, nondeterminism, regressions, CI output.
mod guide;
mod shard;
mod store;
mod suggest_db;
// Issue 10: restarts, swizzle-clogs and clock skews in the search.
mod fault_kinds;
// Issue 12: the HTML report, checked in a real browser.
mod report;
