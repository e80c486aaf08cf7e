//! `faultline lineage` (placeholder until its issue fills it in).

use std::process::ExitCode;

/// Arguments of `faultline lineage`.
#[derive(clap::Args, Debug)]
pub struct LineageArgs {}

/// Runs `faultline lineage`.
pub fn run(_args: LineageArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline lineage` is not built yet")
}
