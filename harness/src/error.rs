//! The one error type of the harness: bad fault sets, and SUT programming errors.

/// An error setting up or running a simulation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// A system's description is incomplete or inconsistent ([`crate::SystemBuilder::build`]).
    #[error("system {system:?}: {problem}")]
    System {
        /// The system's name.
        system: String,
        /// What is wrong, and how to fix it.
        problem: String,
    },
    /// A fault names a node the SUT does not have.
    #[error("fault {fault}: unknown node `{node}` (the SUT's nodes are {})", known.join(", "))]
    UnknownNode {
        /// The fault, in short form.
        fault: String,
        /// The unknown name.
        node: String,
        /// The SUT's nodes.
        known: Vec<String>,
    },
    /// A fault happens outside the run (times are 1..=EOT).
    #[error("fault {fault}: time {at} is outside the run (times are 1 to the end of time, {eot})")]
    OutsideRun {
        /// The fault, in short form.
        fault: String,
        /// Its time (for a window, its start).
        at: u64,
        /// The run's end of time.
        eot: u64,
    },
    /// A clog or partition window that does not lie inside the run: it starts before time 1
    /// or ends after the end of time (a clog held past it would lose messages, not delay them).
    #[error(
        "fault {fault}: window [{from}, {to}) is outside the run (a window starts at 1 or later and ends by the end of time, {eot}, so that a clog delays and never drops)"
    )]
    WindowOutsideRun {
        /// The fault, in short form.
        fault: String,
        /// Start of the window.
        from: u64,
        /// End of the window.
        to: u64,
        /// The run's end of time.
        eot: u64,
    },
    /// A clog or partition window that is empty or ends before it starts.
    #[error(
        "fault {fault}: window starts at {from} but ends at {to} (windows are [from, to): from must be less than to)"
    )]
    Window {
        /// The fault, in short form.
        fault: String,
        /// Start of the window.
        from: u64,
        /// End of the window.
        to: u64,
    },
    /// A restart of a node that has no crash before it.
    #[error("fault {fault}: `{node}` has no crash before time {at} to restart from")]
    RestartWithoutCrash {
        /// The fault, in short form.
        fault: String,
        /// The node.
        node: String,
        /// The restart time.
        at: u64,
    },
    /// A partition names a node in two groups.
    #[error("fault {fault}: node `{node}` is in more than one group")]
    PartitionOverlap {
        /// The fault, in short form.
        fault: String,
        /// The node.
        node: String,
    },
    /// A fault this run cannot take: a malformed swizzle, or a skew in the `rounds` time
    /// model (whose clock reads 0).
    #[error("fault {fault}: {problem}")]
    BadFault {
        /// The fault, in short form.
        fault: String,
        /// What is wrong, and what is expected.
        problem: String,
    },
    /// A fault set's JSON is malformed.
    #[error("{source_name}: {path}: {message}")]
    FaultJson {
        /// Where the JSON came from (a file name, or `--faults`).
        source_name: String,
        /// The JSON path of the bad value, e.g. `[0].at` (`.` for the whole document).
        path: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A reactor sent to a node that does not exist (a bug in the SUT).
    #[error("SUT `{sut}`: node `{node}` sent a message to unknown node `{to}`")]
    UnknownDestination {
        /// The SUT.
        sut: String,
        /// The sender.
        node: String,
        /// The unknown receiver.
        to: String,
    },
    /// A message could not be turned into JSON (a bug in the SUT's message type).
    #[error("SUT `{sut}`: node `{node}`: message does not serialize: {message}")]
    Message {
        /// The SUT.
        sut: String,
        /// The sender.
        node: String,
        /// The serializer's message.
        message: String,
    },
    /// A reactor's client events do not form a history (a bug in the SUT): an `invoke` while
    /// the process has an operation in flight, or a completion with no open `invoke` or with
    /// another `f`.
    #[error("SUT `{sut}`: node `{node}`: client process {process}: {message}")]
    ClientHistory {
        /// The SUT.
        sut: String,
        /// The node that recorded the event.
        node: String,
        /// The client process.
        process: u64,
        /// What is wrong.
        message: String,
    },
    /// The run produced more events than the simulator's limit.
    #[error("SUT `{sut}`: the run exceeded {events_max} events")]
    EventLimit {
        /// The SUT.
        sut: String,
        /// The limit.
        events_max: usize,
    },
    /// A SUT was built with no nodes or duplicate node names.
    #[error("SUT `{sut}`: {message}")]
    Topology {
        /// The SUT.
        sut: String,
        /// What is wrong.
        message: String,
    },
}
