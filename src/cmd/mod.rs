//! One module per subcommand. Each defines its clap `Args` and a `run` that returns the exit code
//! (0 ok, 1 bug found); any `Err` is a usage or input error and exits 2.

pub mod bench;
pub mod check;
pub mod elle;
pub mod estimate;
pub mod explore;
pub mod lineage;
pub mod run;
pub mod suggest;
pub mod suts;
pub mod trace;

/// Exit code 1: the tool worked and found a bug (violation, failing property, anomaly).
pub fn bug_found() -> std::process::ExitCode {
    std::process::ExitCode::from(1)
}
