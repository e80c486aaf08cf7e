//! Derived views: plain projections of a trace for the checkers.

mod client;
mod network;
mod state;

pub use client::{ClientOp, client_history};
pub use network::{MessageOutcome, NetworkMessage, network_view};
pub use state::StateView;
