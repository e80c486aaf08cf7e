//! The built-in systems under test: the LDFI paper's delivery family (Molly's
//! `examples_ft/delivery`, in `rounds`) and one `async` example.

mod ack;
mod async_ack;
mod classic;
mod deliv_assert;
mod delivery;
mod redun;
mod retry;
mod simple;

mod end_state;
mod kafka;
mod paxos_synod;
mod primary_backup;
mod quorum_write;
mod relay_chain;
mod two_pc;

use faultline_trace::{FailureSpec, TimeModel, Trace};

pub use ack::{AckDeliv, AckMsg};
pub use async_ack::{AsyncAckDeliv, RETRY_NS};
pub use classic::{BcastMsg, ClassicDeliv};
pub use deliv_assert::{check_delivery, final_states};
pub use delivery::{BROADCASTER, LogMsg, NODES, PAYLOAD, neighbours, node_ids};
pub use redun::RedunDeliv;
pub use retry::RetryDeliv;
pub use simple::SimpleDeliv;

pub use kafka::{
    KAFKA_CLIENT, KAFKA_DATA, KAFKA_FIRST_WRITE_ROUND, KAFKA_KEY, KAFKA_LEADER, KAFKA_NODES,
    KAFKA_PROCESS, KAFKA_REPLICAS, KAFKA_WRITE_ROUNDS, KAFKA_ZOOKEEPER, Kafka, KafkaMsg,
    check_kafka,
};
pub use paxos_synod::{
    PAXOS_NODES, PAXOS_PROPOSALS, PAXOS_SEEDS, PAXOS_TIMEOUT_AFTER, PaxosMsg, PaxosSynod,
    check_paxos_synod,
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
pub use two_pc::{
    TPC_AGENTS, TPC_COORDINATOR, TPC_NODES, TPC_TIMEOUT_ROUND, TPC_TX, TpcMsg, TwoPc, check_two_pc,
};

use crate::{HarnessError, NetworkConfig, RunConfig, Simulator, Sut};

const fn spec(eot: u64, eff: u64, max_crashes: u32) -> FailureSpec {
    FailureSpec {
        eot,
        eff,
        max_crashes,
        max_clogs: 0,
    }
}

fn run_simple(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("simple-deliv", node_ids(), SimpleDeliv::new).run(config)
}

fn run_retry(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("retry-deliv", node_ids(), RetryDeliv::new).run(config)
}

fn run_redun(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("redun-deliv", node_ids(), RedunDeliv::new).run(config)
}

fn run_ack(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("ack-deliv", node_ids(), AckDeliv::new).run(config)
}

fn run_classic(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("classic-deliv", node_ids(), ClassicDeliv::new).run(config)
}

fn run_async_ack(config: &RunConfig) -> Result<Trace, HarnessError> {
    let network = NetworkConfig::default();
    Simulator::asynchronous("async-ack-deliv", node_ids(), AsyncAckDeliv::new, network).run(config)
}

fn names(nodes: &[&str]) -> Vec<faultline_trace::NodeId> {
    nodes.iter().map(|node| node.to_string()).collect()
}

fn run_primary_backup(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("primary-backup", names(PB_NODES), PrimaryBackup::new).run(config)
}

fn run_quorum_write(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("quorum-write", names(QW_NODES), QuorumWrite::new).run(config)
}

fn run_relay_chain(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("relay-chain", names(RELAY_NODES), RelayChain::new).run(config)
}

fn run_relay_chain_ack(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("relay-chain-ack", names(RELAY_NODES), RelayChainAck::new).run(config)
}

fn run_two_pc(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("2pc-3", names(TPC_NODES), TwoPc::new).run(config)
}

fn run_kafka(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("kafka", names(KAFKA_NODES), Kafka::new).run(config)
}

fn run_paxos_synod(config: &RunConfig) -> Result<Trace, HarnessError> {
    Simulator::rounds("paxos-synod", names(PAXOS_NODES), PaxosSynod::new).run(config)
}

static SUTS: [Sut; 13] = [
    Sut {
        name: "simple-deliv",
        description: "a logs \"hello\" and sends it once to b and c; no retry, no relay (Molly simplog.ded)",
        time_model: TimeModel::Rounds,
        default_spec: spec(4, 2, 0),
        nodes: NODES,
        runner: run_simple,
        checker: check_delivery,
    },
    Sut {
        name: "retry-deliv",
        description: "a re-sends \"hello\" to b and c every round; receivers never relay (Molly rdlog.ded)",
        time_model: TimeModel::Rounds,
        default_spec: spec(4, 2, 1),
        nodes: NODES,
        runner: run_retry,
        checker: check_delivery,
    },
    Sut {
        name: "redun-deliv",
        description: "every node holding \"hello\" sends it to every neighbour every round (Molly replog.ded)",
        time_model: TimeModel::Rounds,
        default_spec: spec(11, 10, 1),
        nodes: NODES,
        runner: run_redun,
        checker: check_delivery,
    },
    Sut {
        name: "ack-deliv",
        description: "nodes holding \"hello\" re-send it each round to neighbours that have not acked it (Molly ack_rb.ded)",
        time_model: TimeModel::Rounds,
        default_spec: spec(8, 7, 1),
        nodes: NODES,
        runner: run_ack,
        checker: check_delivery,
    },
    Sut {
        name: "classic-deliv",
        description: "Birman-style: forward \"hello\" to all neighbours on each receipt, log it the next round (Molly classic_rb.ded)",
        time_model: TimeModel::Rounds,
        default_spec: spec(5, 3, 0),
        nodes: NODES,
        runner: run_classic,
        checker: check_delivery,
    },
    Sut {
        name: "async-ack-deliv",
        description: "async: a re-sends \"hello\" every 2 ms until b and c ack it; receivers never relay",
        time_model: TimeModel::Async,
        default_spec: spec(60, 30, 1),
        nodes: NODES,
        runner: run_async_ack,
        checker: check_delivery,
    },
    Sut {
        name: "primary-backup",
        description: "C writes to primary a, which acks before backup b has the write; readers fail over to the first live server",
        time_model: TimeModel::Rounds,
        default_spec: spec(5, 3, 1),
        nodes: PB_NODES,
        runner: run_primary_backup,
        checker: check_primary_backup,
    },
    Sut {
        name: "quorum-write",
        description: "C writes to replicas a, b, c and succeeds on 2 acks; an acked write must survive on a live replica",
        time_model: TimeModel::Rounds,
        default_spec: spec(3, 2, 2),
        nodes: QW_NODES,
        runner: run_quorum_write,
        checker: check_quorum_write,
    },
    Sut {
        name: "relay-chain",
        description: "a relays \"m\" to c through b; every node forwards once, no retries",
        time_model: TimeModel::Rounds,
        default_spec: spec(4, 3, 0),
        nodes: RELAY_NODES,
        runner: run_relay_chain,
        checker: check_relay,
    },
    Sut {
        name: "relay-chain-ack",
        description: "a relays \"m\" to c through b; every hop re-sends each round until the next one acks",
        time_model: TimeModel::Rounds,
        default_spec: spec(5, 3, 0),
        nodes: RELAY_NODES,
        runner: run_relay_chain_ack,
        checker: check_relay,
    },
    Sut {
        name: "2pc-3",
        description: "two-phase commit, coordinator C and agents a, b; an undecided agent aborts on its own at round 5",
        time_model: TimeModel::Rounds,
        default_spec: spec(6, 3, 1),
        nodes: TPC_NODES,
        runner: run_two_pc,
        checker: check_two_pc,
    },
    Sut {
        name: "kafka",
        description: "Kafka ISR replication (Molly kafka.ded): leader a acks once its ZooKeeper-given ISR has the write; an acked write must survive on a live replica",
        time_model: TimeModel::Rounds,
        default_spec: spec(6, 4, 1),
        nodes: KAFKA_NODES,
        runner: run_kafka,
        checker: check_kafka,
    },
    Sut {
        name: "paxos-synod",
        description: "single-decree Paxos (Molly paxos_synod.ded): a proposes \"peter\", b \"foobar\"; acceptors that never crash must agree",
        time_model: TimeModel::Rounds,
        default_spec: spec(7, 6, 1),
        nodes: PAXOS_NODES,
        runner: run_paxos_synod,
        checker: check_paxos_synod,
    },
];

/// Every built-in SUT, in a fixed order.
pub fn suts() -> &'static [Sut] {
    &SUTS
}

/// The built-in SUT called `name`.
pub fn sut(name: &str) -> Option<&'static Sut> {
    SUTS.iter().find(|sut| sut.name == name)
}
