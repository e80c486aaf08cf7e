//! The `faultline` package's library side: what the CLI and the end-to-end tests share.
//! The engines live in their own crates (`faultline-trace`, `-harness`, `-ldfi`, `-ltl`,
//! `elle-lite`); this crate wires them together.

pub mod spec_oracle;
