//! `faultline check` (placeholder until its issue fills it in).

use std::process::ExitCode;

/// Arguments of `faultline check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {}

/// Runs `faultline check`.
pub fn run(_args: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline check` is not built yet")
}
