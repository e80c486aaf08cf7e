//! `faultline suts` (placeholder until its issue fills it in).

use std::process::ExitCode;

/// Arguments of `faultline suts`.
#[derive(clap::Args, Debug)]
pub struct SutsArgs {}

/// Runs `faultline suts`.
pub fn run(_args: SutsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline suts` is not built yet")
}
