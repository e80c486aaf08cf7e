//! `faultline suts`: the built-in systems under test, their default failure spec, one line each.

use std::process::ExitCode;

use faultline_harness::System;
use faultline_suts::all as suts;
use serde_json::json;

/// Arguments of `faultline suts`.
#[derive(clap::Args, Debug)]
pub struct SutsArgs {
    /// Print JSON instead of a table: `{"schema": "faultline-suts/v1", "suts": [...]}`.
    #[arg(long)]
    json: bool,
}

/// Runs `faultline suts`.
pub fn run(args: SutsArgs) -> anyhow::Result<ExitCode> {
    if args.json {
        let list: Vec<serde_json::Value> = suts().iter().map(sut_json).collect();
        super::write_json("suts", json!({ "suts": list }), true)?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = suts().iter().map(|sut| sut.name().len()).max().unwrap_or(4);
    let mut out = format!(
        "{:<width$}  {:<6}  {:>3}  {:>3}  {:>7}  DESCRIPTION\n",
        "NAME", "MODEL", "EOT", "EFF", "CRASHES"
    );
    for sut in suts() {
        let spec = sut.default_spec();
        // The default spec's other fault kinds, before the description.
        let mut extra = String::new();
        if spec.max_clogs > 0 {
            extra.push_str(&format!(", clogs ≤ {}", spec.max_clogs));
        }
        extra.push_str(&super::fault_bounds::describe(&spec));
        let extra = match extra.strip_prefix(", ") {
            Some(list) => format!("[{list}] "),
            None => String::new(),
        };
        out.push_str(&format!(
            "{:<width$}  {:<6}  {:>3}  {:>3}  {:>7}  {extra}{}\n",
            sut.name(),
            time_model_name(sut),
            spec.eot,
            spec.eff,
            spec.max_crashes,
            sut.description()
        ));
    }
    super::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn time_model_name(sut: &System) -> &'static str {
    match sut.time_model() {
        faultline_harness::TimeModel::Rounds => "rounds",
        faultline_harness::TimeModel::Async => "async",
    }
}

fn sut_json(sut: &System) -> serde_json::Value {
    json!({
        "name": sut.name(),
        "description": sut.description(),
        "time_model": sut.time_model(),
        "nodes": sut.nodes(),
        "default_spec": sut.default_spec(),
    })
}
