//! faultline's built-in systems under test, written on the harness's public API only
//! ([`faultline_harness::System`], [`faultline_harness::Reactor`],
//! [`faultline_harness::end_state`]): every one of them is also an example of how to write
//! your own. The LDFI paper's delivery family (Molly's `examples_ft/delivery`, in `rounds`),
//! an `async` variant, crash-sensitive protocols (primary-backup, quorum write, relay
//! chains, two-phase commit), Testground's sync service, whose bug needs a restart, and a
//! configuration switch scheduled by time (clock skews).
//!
//! ```
//! let simple = faultline_suts::get("simple-deliv").expect("built in");
//! let good = simple.run(&simple.default_config(0))?;
//! assert!(simple.check(&good).holds);
//! // The paper's counterexample: lose a → b in round 1.
//! let bad = simple.replay(0, r#"[{"kind":"omission","src":"a","dst":"b","at":1}]"#)?;
//! assert_eq!(simple.check(&bad).explanation, "c has \"hello\" but b does not");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ack;
mod async_ack;
mod classic;
mod deliv_assert;
mod delivery;
mod redun;
mod retry;
mod simple;

mod kafka;
mod kv_append;
mod paxos_synod;
mod primary_backup;
mod quorum_write;
mod relay_chain;
mod relay_chain_n;
mod sync_service;
mod text;
mod two_pc;

mod config_switch;
mod zk;
mod zk_barrier;
mod zk_lock;

mod commit_2pc;
mod commit_2pc_ctp;
mod commit_3pc;
mod commit_assert;

pub use ack::{AckDeliv, AckMsg};
pub use async_ack::{AsyncAckDeliv, RETRY_NS};
pub use classic::{BcastMsg, ClassicDeliv};
pub use deliv_assert::check_delivery;
pub use delivery::{BROADCASTER, LogMsg, NODES, PAYLOAD, neighbours, node_ids};
pub use redun::RedunDeliv;
pub use retry::RetryDeliv;
pub use simple::SimpleDeliv;

pub use kafka::{
    KAFKA_CLIENT, KAFKA_DATA, KAFKA_FIRST_WRITE_ROUND, KAFKA_KEY, KAFKA_LEADER, KAFKA_NODES,
    KAFKA_PROCESS, KAFKA_REPLICAS, KAFKA_WRITE_ROUNDS, KAFKA_ZOOKEEPER, Kafka, KafkaMsg,
    check_kafka,
};
pub use kv_append::{KV_NODES, KV_READ_ROUND, KV_REPLICAS, KvAppend, KvMsg, check_kv_append};
pub use paxos_synod::{
    PAXOS_NODES, PAXOS_PROPOSALS, PAXOS_SEEDS, PAXOS_TIMEOUT_AFTER, PaxosMsg, PaxosSynod,
    check_paxos, check_paxos_synod,
};
pub use primary_backup::{
    PB_CLIENT, PB_NODES, PB_SERVERS, PB_VALUE, PbMsg, PrimaryBackup, check_primary_backup,
};
pub use quorum_write::{
    QW_CLIENT, QW_NODES, QW_QUORUM, QW_REPLICAS, QW_VALUE, QuorumWrite, QwMsg, check_quorum_write,
};
pub use relay_chain::{
    RELAY_NODES, RELAY_PAYLOAD, RelayChain, RelayChainAck, RelayMsg, check_relay,
};
pub use relay_chain_n::{CHAIN_NODES, relay_chain_ack_n};
pub use sync_service::{
    SYNC_INSTANCES, SYNC_NODES, SYNC_RETRY_NS, SYNC_STATE, SYNC_STORE, SYNC_TARGET, SYNC_TOPIC,
    SyncMsg, SyncService, check_sync_service,
};
pub use two_pc::{
    TPC_AGENTS, TPC_COORDINATOR, TPC_NODES, TPC_TIMEOUT_ROUND, TPC_TX, TpcMsg, TwoPc, check_two_pc,
};

pub use config_switch::{
    CS_FIRST_TASK_NS, CS_GUARD_NS, CS_LEASE_NS, CS_NETWORK, CS_NODES, CS_PROCESSES, CS_SPEC,
    CS_STORE, CS_SWITCH_NS, CS_SYNC_NS, ConfigSwitch, CsMsg, check_config_switch,
};
pub use zk::{
    HEARTBEAT_NS, SESSION_TIMEOUT_NS, ZK_SERVER, ZkMsg, ZkServer, released_fact,
    session_alive_fact, znode_fact,
};
pub use zk_barrier::{
    BARRIER_NODES, BarrierSetter, BarrierWaiter, DOUBLE_BARRIER_NODES, DoubleBarrierParticipant,
    ENTER_TIMEOUT_NS, check_zk_barrier, check_zk_double_barrier,
};
pub use zk_lock::{
    LATE_START_NS, LockClient, LockMode, Resource, WORK_NS, ZK_FIRST, ZK_LOCK_NODES, ZK_RESOURCE,
    ZK_RWMUTEX_NODES, check_zk_mutex,
};

pub use commit_2pc::{Commit2pc, TwoPcMsg, check_2pc};
pub use commit_2pc_ctp::{Commit2pcCtp, CtpMsg, check_2pc_ctp};
pub use commit_3pc::{Commit3pc, ThreePcMsg, check_3pc};
pub use commit_assert::{COMMIT_AGENTS, COMMIT_COORDINATOR, COMMIT_NODES, COMMIT_TX};

use std::sync::OnceLock;

use faultline_harness::{
    FailureSpec, HarnessError, InvariantReport, NetworkConfig, NodeId, Reactor, RunConfig,
    Simulator, System, TimeModel,
};
use faultline_trace::Trace;

const fn spec(eot: u64, eff: u64, max_crashes: u32) -> FailureSpec {
    FailureSpec::new(eot, eff, max_crashes)
}

/// `spec` where a crashed node may restart once (with its persisted state only).
const fn with_restarts(spec: FailureSpec) -> FailureSpec {
    FailureSpec {
        max_restarts: 1,
        ..spec
    }
}

/// A system built from a correct description: a failure here is a bug in this crate.
fn built<M>(builder: faultline_harness::SystemBuilder<M>) -> System
where
    M: serde::Serialize + serde::de::DeserializeOwned + Clone + 'static,
{
    builder
        .build()
        .unwrap_or_else(|err| panic!("a built-in system is well formed: {err}"))
}

fn delivery<M, R>(
    name: &str,
    description: &str,
    default_spec: FailureSpec,
    make: fn(&faultline_harness::NodeId) -> R,
) -> System
where
    M: serde::Serialize + serde::de::DeserializeOwned + Clone + 'static,
    R: faultline_harness::Reactor<Msg = M> + 'static,
{
    built(
        System::new(name)
            .description(description)
            .nodes(NODES.iter().copied(), make)
            .failure_spec(default_spec)
            .invariant(check_delivery),
    )
}

/// A commit-family system: its reactors are told the run's end of time (Molly's programs
/// read EOT), so it is built on [`System::from_runner`] around the public [`Simulator`].
fn commit<R>(
    name: &str,
    description: &str,
    default_spec: FailureSpec,
    make: fn(&NodeId, u64) -> R,
    invariant: fn(&Trace) -> InvariantReport,
) -> System
where
    R: Reactor + 'static,
{
    let nodes: Vec<NodeId> = COMMIT_NODES.iter().map(|n| n.to_string()).collect();
    let sut = name.to_string();
    let runner_nodes = nodes.clone();
    let runner = move |config: &RunConfig| -> Result<Trace, HarnessError> {
        let eot = config.eot;
        Simulator::rounds(sut.clone(), runner_nodes.clone(), move |me| make(me, eot)).run(config)
    };
    System::from_runner(
        name,
        TimeModel::Rounds,
        nodes,
        default_spec,
        runner,
        invariant,
    )
    .unwrap_or_else(|err| panic!("a built-in system is well formed: {err}"))
    .with_description(description)
}

/// The zksync recipes' network: the default latencies (0.1 to 1 ms), FIFO links.
fn zk_network() -> NetworkConfig {
    NetworkConfig::default()
}

/// zk-lock and zk-lock-fenced: server, clients p and q, resource r.
fn zk_lock(name: &str, description: &str, resource: fn(&NodeId) -> Resource) -> System {
    built(
        System::new(name)
            .description(description)
            .node_with(ZK_SERVER, ZkServer::new)
            .node_with("p", |_| LockClient::new(LockMode::Exclusive, 0, 0))
            .node_with("q", |_| {
                LockClient::new(LockMode::Exclusive, 1, LATE_START_NS)
            })
            .node_with(ZK_RESOURCE, resource)
            .asynchronous(zk_network())
            .failure_spec(spec(ZK_LOCK_EOT, 0, 0).with_clogs(1))
            .invariant(check_zk_mutex),
    )
}

const ZK_RWMUTEX_EOT: u64 = 60;
const ZK_BARRIER_EOT: u64 = 40;
const ZK_DOUBLE_BARRIER_EOT: u64 = 40;

/// zk-lock's end of time in steps: the failure-free run has q inside its critical section.
const ZK_LOCK_EOT: u64 = 40;

fn registry() -> Vec<System> {
    vec![
        delivery(
            "simple-deliv",
            "a logs \"hello\" and sends it once to b and c; no retry, no relay (Molly simplog.ded)",
            spec(4, 2, 0),
            SimpleDeliv::new,
        ),
        delivery(
            "retry-deliv",
            "a re-sends \"hello\" to b and c every round; receivers never relay (Molly rdlog.ded)",
            spec(4, 2, 1),
            RetryDeliv::new,
        ),
        delivery(
            "redun-deliv",
            "every node holding \"hello\" sends it to every neighbour every round (Molly replog.ded)",
            spec(11, 10, 1),
            RedunDeliv::new,
        ),
        delivery(
            "ack-deliv",
            "nodes holding \"hello\" re-send it each round to neighbours that have not acked it (Molly ack_rb.ded)",
            spec(8, 7, 1),
            AckDeliv::new,
        ),
        delivery(
            "classic-deliv",
            "Birman-style: forward \"hello\" to all neighbours on each receipt, log it the next round (Molly classic_rb.ded)",
            spec(5, 3, 0),
            ClassicDeliv::new,
        ),
        built(
            System::new("async-ack-deliv")
                .description(
                    "async: a re-sends \"hello\" every 2 ms until b and c ack it; receivers never relay",
                )
                .nodes(NODES.iter().copied(), AsyncAckDeliv::new)
                .asynchronous(NetworkConfig::default())
                .failure_spec(spec(60, 30, 1))
                .invariant(check_delivery),
        ),
        built(
            System::new("primary-backup")
                .description("C writes to primary a, which acks before backup b has the write; readers fail over to the first live server")
                .nodes(PB_NODES.iter().copied(), PrimaryBackup::new)
                .failure_spec(spec(5, 3, 1))
                .invariant(check_primary_backup),
        ),
        built(
            System::new("quorum-write")
                .description("C writes to replicas a, b, c and succeeds on 2 acks; an acked write must survive on a live replica")
                .nodes(QW_NODES.iter().copied(), QuorumWrite::new)
                .failure_spec(spec(3, 2, 2))
                .invariant(check_quorum_write),
        ),
        built(
            System::new("relay-chain")
                .description("a relays \"m\" to c through b; every node forwards once, no retries")
                .nodes(RELAY_NODES.iter().copied(), RelayChain::new)
                .failure_spec(spec(4, 3, 0))
                .invariant(check_relay),
        ),
        built(
            System::new("relay-chain-ack")
                .description("a relays \"m\" to c through b; every hop re-sends each round until the next one acks")
                .nodes(RELAY_NODES.iter().copied(), RelayChainAck::new)
                .failure_spec(spec(5, 3, 0))
                .invariant(check_relay),
        ),
        built(
            System::new("2pc-3")
                .description("two-phase commit, coordinator C and agents a, b; an undecided agent aborts on its own at round 5")
                .nodes(TPC_NODES.iter().copied(), TwoPc::new)
                .failure_spec(spec(6, 3, 1))
                .invariant(check_two_pc),
        ),
        built(
            System::new("kafka")
                .description("Kafka ISR replication (Molly kafka.ded): leader a acks once its ZooKeeper-given ISR has the write; an acked write must survive on a live replica")
                .nodes(KAFKA_NODES.iter().copied(), Kafka::new)
                .failure_spec(spec(6, 4, 1))
                .invariant(check_kafka),
        ),
        built(
            System::new("paxos-synod")
                .description("single-decree Paxos (Molly paxos_synod.ded): a proposes \"peter\", b \"foobar\"; acceptors that never crash must agree")
                .nodes(PAXOS_NODES.iter().copied(), PaxosSynod::new)
                .failure_spec(spec(7, 6, 1))
                .invariant(check_paxos_synod),
        ),
        built(
            System::new("kv-append")
                .description("primary a acks the writer's list append before backup b has it; the reader reads b (a stale read for explore --elle)")
                .nodes(KV_NODES.iter().copied(), KvAppend::new)
                .failure_spec(spec(7, 4, 1))
                .invariant(check_kv_append),
        ),
        built(
            System::new("kv-append-sync")
                .description("kv-append whose primary acks only what backup b holds")
                .nodes(KV_NODES.iter().copied(), KvAppend::synchronous)
                .failure_spec(spec(7, 4, 1))
                .invariant(check_kv_append),
        ),
        built(
            System::new("paxos")
                .description("paxos-synod with the acceptor's phase-2 promise (no accept below a ballot prepared); Paxos safety: at most one value chosen by a majority")
                .nodes(PAXOS_NODES.iter().copied(), PaxosSynod::with_promise)
                .failure_spec(spec(7, 6, 1))
                .invariant(check_paxos),
        ),
        built(
            System::new("sync-service")
                .description("Testground's sync service: instances a, b, c signal, wait on a barrier, publish and subscribe through a memory-only store; a store restart reuses sequence numbers")
                .nodes(SYNC_NODES.iter().copied(), SyncService::volatile)
                .asynchronous(NetworkConfig::default())
                .failure_spec(with_restarts(spec(40, 3, 1)))
                .invariant(check_sync_service),
        ),
        built(
            System::new("sync-service-durable")
                .description("sync-service whose store persists its counters and topics before answering: safe across store restarts")
                .nodes(SYNC_NODES.iter().copied(), SyncService::durable)
                .asynchronous(NetworkConfig::default())
                .failure_spec(with_restarts(spec(40, 3, 1)))
                .invariant(check_sync_service),
        ),
        built(
            System::new("config-switch")
                .description("store s announces configuration 2 (from 1.5 ms) 0.5 ms ahead; process p picks each task's configuration by its own clock from its cached schedule")
                .nodes(CS_NODES.iter().copied(), ConfigSwitch::new)
                .asynchronous(CS_NETWORK)
                .failure_spec(CS_SPEC)
                .invariant(check_config_switch),
        ),
        built(
            System::new("config-switch-verified")
                .description("config-switch whose process refuses a task without a store sync since its previous task or within the max skew of the switch")
                .nodes(CS_NODES.iter().copied(), ConfigSwitch::verified)
                .asynchronous(CS_NETWORK)
                .failure_spec(CS_SPEC)
                .invariant(check_config_switch),
        ),
        zk_lock(
            "zk-lock",
            "zksync lock: sequential ephemeral znodes on a ZooKeeper-like server, clients p, q guard resource r; a clog of zk expires the holder's session mid-section",
            Resource::new,
        ),
        zk_lock(
            "zk-lock-fenced",
            "zk-lock whose resource r refuses an access with a fencing token below the highest it accepted",
            Resource::fenced,
        ),
        built(
            System::new("zk-rwmutex")
                .description("zksync read-write lock: writer p, readers q and s share; a clog of zk expires the writer's session mid-section")
                .node_with(ZK_SERVER, ZkServer::new)
                .node_with("p", |_| LockClient::new(LockMode::Write, 0, 0))
                .node_with("q", |_| LockClient::new(LockMode::Read, 1, LATE_START_NS))
                .node_with("s", |_| LockClient::new(LockMode::Read, 2, LATE_START_NS))
                .node_with(ZK_RESOURCE, Resource::new)
                .asynchronous(zk_network())
                .failure_spec(spec(ZK_RWMUTEX_EOT, 0, 0).with_clogs(1))
                .invariant(check_zk_mutex),
        ),
        built(
            System::new("zk-barrier")
                .description("zksync barrier: s sets a (non-ephemeral) barrier znode and unsets it; waiters p, q must not pass while it is set")
                .node_with(ZK_SERVER, ZkServer::new)
                .node_with("s", BarrierSetter::new)
                .node_with("p", |_| BarrierWaiter::new(0, 1_000_000))
                .node_with("q", |_| BarrierWaiter::new(1, 2_000_000))
                .asynchronous(zk_network())
                .failure_spec(spec(ZK_BARRIER_EOT, 0, 0).with_clogs(1))
                .invariant(check_zk_barrier),
        ),
        built(
            System::new("zk-double-barrier")
                .description("zksync double barrier of 3: p, q, s enter (blocks until all 3 entered), work, exit; one crash before enter blocks the others")
                .node_with(ZK_SERVER, ZkServer::new)
                .nodes(["p", "q", "s"], DoubleBarrierParticipant::new)
                .asynchronous(zk_network())
                .failure_spec(spec(ZK_DOUBLE_BARRIER_EOT, 0, 1))
                .invariant(check_zk_double_barrier),
        ),
        commit(
            "2pc",
            "the paper's blocking two-phase commit (Molly 2pc.ded): coordinator C, agents a, b, d, no timeouts",
            spec(5, 0, 1),
            Commit2pc::new,
            check_2pc,
        ),
        commit(
            "2pc-ctp",
            "2pc with a coordinator timeout and cooperative termination (Molly 2pc_ctp.ded): still blocks when C crashes",
            spec(8, 0, 1),
            Commit2pcCtp::new,
            check_2pc_ctp,
        ),
        commit(
            "3pc",
            "three-phase commit (Molly 3pc.ded): nonblocking with crashes alone, splits under omissions plus a crash",
            spec(9, 7, 1),
            Commit3pc::new,
            check_3pc,
        ),
    ]
}

/// Every built-in system, in a fixed order.
pub fn all() -> &'static [System] {
    static SYSTEMS: OnceLock<Vec<System>> = OnceLock::new();
    SYSTEMS.get_or_init(registry)
}

/// The built-in system called `name` (also the parametrised `relay-chain-ack-3` … `-9`,
/// which [`all`] does not list).
pub fn get(name: &str) -> Option<&'static System> {
    all()
        .iter()
        .find(|system| system.name() == name)
        .or_else(|| relay_chain_n::by_name(name))
}
