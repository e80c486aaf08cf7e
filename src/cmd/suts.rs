//! `faultline suts`: the built-in systems under test, their default failure spec, one line each.

use std::process::ExitCode;

use faultline_harness::{Sut, suts};
use serde_json::json;

/// Arguments of `faultline suts`.
#[derive(clap::Args, Debug)]
pub struct SutsArgs {
    /// Print JSON (an array of SUTs) instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `faultline suts`.
pub fn run(args: SutsArgs) -> anyhow::Result<ExitCode> {
    if args.json {
        let list: Vec<serde_json::Value> = suts().iter().map(sut_json).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    let width = suts().iter().map(|sut| sut.name.len()).max().unwrap_or(4);
    println!(
        "{:<width$}  {:<6}  {:>3}  {:>3}  {:>7}  DESCRIPTION",
        "NAME", "MODEL", "EOT", "EFF", "CRASHES"
    );
    for sut in suts() {
        let spec = sut.default_spec;
        println!(
            "{:<width$}  {:<6}  {:>3}  {:>3}  {:>7}  {}",
            sut.name,
            time_model_name(sut),
            spec.eot,
            spec.eff,
            spec.max_crashes,
            sut.description
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn time_model_name(sut: &Sut) -> &'static str {
    match sut.time_model {
        faultline_harness::TimeModel::Rounds => "rounds",
        faultline_harness::TimeModel::Async => "async",
    }
}

fn sut_json(sut: &Sut) -> serde_json::Value {
    json!({
        "name": sut.name,
        "description": sut.description,
        "time_model": sut.time_model,
        "nodes": sut.nodes,
        "default_spec": sut.default_spec,
    })
}
