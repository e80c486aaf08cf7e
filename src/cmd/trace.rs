//! `faultline trace validate|show` (placeholder until the foundation issue fills it in).

use std::process::ExitCode;

/// Subcommands of `faultline trace`.
#[derive(clap::Subcommand, Debug)]
pub enum TraceCommand {
    /// Check a trace against the schema.
    Validate {},
}

/// Runs `faultline trace ...`.
pub fn run(_command: TraceCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline trace` is not built yet")
}
