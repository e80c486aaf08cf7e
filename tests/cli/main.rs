//! End-to-end tests of the `faultline` binary, one module per area.

mod common;

// The foundation: `suts`, `run`, `trace validate|show`.
mod run;
mod trace;
// LDFI: `explore`, `lineage`, `suggest`, `estimate`.
mod explore;
// LTL: `check`.
mod check;
// elle-lite: `elle`.
mod elle;
