//! The one error type of the LDFI crate.

/// An error building lineage, solving, or running the search.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LdfiError {
    /// A trace's lineage annotations are inconsistent (a parent that does not exist or is not
    /// earlier than its child).
    #[error("trace {run_id}: event {event}: {problem}")]
    Lineage {
        /// The trace's `run_id`.
        run_id: String,
        /// The event whose annotation is wrong.
        event: u64,
        /// What is wrong with it.
        problem: String,
    },
    /// A goal names an event that is not in the trace.
    #[error("trace {run_id}: goal event {event} is not in the trace")]
    Goal {
        /// The trace's `run_id`.
        run_id: String,
        /// The missing goal event.
        event: u64,
    },
    /// The failure spec is not usable.
    #[error("failure spec: {problem}")]
    Spec {
        /// What is wrong with it.
        problem: String,
    },
    /// The runner could not execute a fault set.
    #[error("run with faults {faults}: {message}")]
    Runner {
        /// The fault set, in its JSON form.
        faults: String,
        /// What the runner said.
        message: String,
    },
    /// The oracle could not judge a trace.
    #[error("judging run {run_id}: {message}")]
    Oracle {
        /// The trace's `run_id`.
        run_id: String,
        /// What the oracle said.
        message: String,
    },
}
