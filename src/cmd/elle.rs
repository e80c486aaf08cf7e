//! `faultline elle` (placeholder until its issue fills it in).

use std::process::ExitCode;

/// Arguments of `faultline elle`.
#[derive(clap::Args, Debug)]
pub struct ElleArgs {}

/// Runs `faultline elle`.
pub fn run(_args: ElleArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline elle` is not built yet")
}
