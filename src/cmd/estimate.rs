//! `faultline estimate` (placeholder until its issue fills it in).

use std::process::ExitCode;

/// Arguments of `faultline estimate`.
#[derive(clap::Args, Debug)]
pub struct EstimateArgs {}

/// Runs `faultline estimate`.
pub fn run(_args: EstimateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline estimate` is not built yet")
}
