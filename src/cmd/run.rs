//! `faultline run` (placeholder until its issue fills it in).

use std::process::ExitCode;

/// Arguments of `faultline run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {}

/// Runs `faultline run`.
pub fn run(_args: RunArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline run` is not built yet")
}
