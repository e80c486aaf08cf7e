//! `faultline suggest` (placeholder until its issue fills it in).

use std::process::ExitCode;

/// Arguments of `faultline suggest`.
#[derive(clap::Args, Debug)]
pub struct SuggestArgs {}

/// Runs `faultline suggest`.
pub fn run(_args: SuggestArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`faultline suggest` is not built yet")
}
