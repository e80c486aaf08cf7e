//! `faultline bench ...` (placeholder until the LDFI issue fills it in).

use std::process::ExitCode;

/// Subcommands of `faultline bench`.
#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// LDFI against the paper's run counts.
    Ldfi {},
}

/// Runs `faultline bench ...`.
pub fn run(_command: BenchCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline bench` is not built yet")
}
