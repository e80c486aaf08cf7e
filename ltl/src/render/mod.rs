//! Proofs for people ([`text`]) and for machines ([`json`]).

mod json;
mod text;

pub use json::{json, proof_json};
pub use text::text;
