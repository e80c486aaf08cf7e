//! `faultline estimate`: the size of a failure spec's fault space.

use std::process::ExitCode;

use serde_json::json;

/// Arguments of `faultline estimate`. Counts are exact (arbitrary precision); in `--json` they
/// are decimal strings.
#[derive(clap::Args, Debug)]
pub struct EstimateArgs {
    /// End of time (rounds).
    #[arg(long)]
    pub eot: u64,
    /// End of finite failures: messages sent before it may be lost.
    #[arg(long)]
    pub eff: u64,
    /// At most this many crashes (at most --nodes: a node crashes once).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=64))]
    pub crashes: u64,
    /// At most this many clog windows (each a node and 1 ≤ from < to ≤ EOT).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub clogs: u32,
    #[command(flatten)]
    pub bounds: super::fault_bounds::FaultBoundArgs,
    /// Number of nodes (1..=64).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub nodes: u64,
    /// Print JSON (`"schema": "faultline-estimate/v1"`).
    #[arg(long)]
    pub json: bool,
}

/// Runs `faultline estimate`.
pub fn run(args: EstimateArgs) -> anyhow::Result<ExitCode> {
    if args.eot == 0 {
        anyhow::bail!("--eot 0: end of time must be at least 1");
    }
    if args.eff > args.eot {
        anyhow::bail!("--eff {}: must not exceed --eot {}", args.eff, args.eot);
    }
    if args.crashes > args.nodes {
        anyhow::bail!(
            "--crashes {}: at most --nodes {} (a node crashes once)",
            args.crashes,
            args.nodes
        );
    }
    if args.eot > 10_000 {
        anyhow::bail!("--eot {}: expected at most 10000", args.eot);
    }
    let spec = args.bounds.apply(faultline_trace::FailureSpec {
        eot: args.eot,
        eff: args.eff,
        max_crashes: u32::try_from(args.crashes)?,
        max_clogs: args.clogs,
        ..faultline_trace::FailureSpec::default()
    });
    super::fault_bounds::check_bounds(&spec)?;
    let space = faultline_ldfi::fault_space_spec(&spec, args.nodes);
    if args.json {
        let value = json!({
            "eot": args.eot, "eff": args.eff, "crashes": args.crashes, "clogs": args.clogs,
            "restarts": spec.max_restarts, "swizzles": spec.max_swizzles,
            "skews": spec.max_skews, "max_skew_ns": spec.max_skew_ns,
            "skew_step_ns": spec.skew_step_ns,
            "nodes": args.nodes,
            "gross": space.gross.to_string(), "exact": space.exact.to_string(),
        });
        super::write_json("estimate", value, false)?;
    } else {
        super::write_stdout(&format!(
            "EOT {}, EFF {}, crashes ≤ {}, clogs ≤ {}{}, {} nodes\n\
             gross estimate (Molly's grossEstimate, no clogs): {}\n\
             exact count (distinct admissible fault sets): {}\n",
            args.eot,
            args.eff,
            args.crashes,
            args.clogs,
            super::fault_bounds::describe(&spec),
            args.nodes,
            space.gross,
            space.exact
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
