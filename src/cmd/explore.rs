//! `faultline explore` (placeholder until its issue fills it in).

use std::process::ExitCode;

/// Arguments of `faultline explore`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {}

/// Runs `faultline explore`.
pub fn run(_args: ExploreArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline explore` is not built yet")
}
