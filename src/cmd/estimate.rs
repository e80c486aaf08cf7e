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
    /// At most this many crashes.
    #[arg(long, default_value_t = 0)]
    pub crashes: u64,
    /// Number of nodes.
    #[arg(long)]
    pub nodes: u64,
    /// Print JSON.
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
    if args.nodes == 0 || args.nodes > 64 {
        anyhow::bail!("--nodes {}: expected 1..=64", args.nodes);
    }
    if args.eot > 10_000 {
        anyhow::bail!("--eot {}: expected at most 10000", args.eot);
    }
    let space = faultline_ldfi::fault_space(args.eot, args.eff, args.crashes, args.nodes);
    if args.json {
        let value = json!({
            "eot": args.eot, "eff": args.eff, "crashes": args.crashes, "nodes": args.nodes,
            "gross": space.gross.to_string(), "exact": space.exact.to_string(),
        });
        println!("{value}");
    } else {
        println!(
            "EOT {}, EFF {}, crashes ≤ {}, {} nodes",
            args.eot, args.eff, args.crashes, args.nodes
        );
        println!("gross estimate (Molly's grossEstimate): {}", space.gross);
        println!(
            "exact count (distinct admissible fault sets): {}",
            space.exact
        );
    }
    Ok(ExitCode::SUCCESS)
}
