//! `faultline lineage`: the lineage graph of a trace's good outcome.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use faultline_ldfi::{build_lineage, select_goal, to_dot, to_json};

/// Arguments of `faultline lineage`.
#[derive(clap::Args, Debug)]
pub struct LineageArgs {
    /// The trace (faultline-trace/v1 JSON Lines; `-` for standard input).
    pub trace: PathBuf,
    /// Goal fact (JSON, e.g. '["log","hello"]'): the lineage of this fact. Default: every fact
    /// derived in the run, or every delivery when the trace has no `derive` events.
    #[arg(long)]
    pub goal: Option<String>,
    /// Only goals at this node.
    #[arg(long)]
    pub node: Option<String>,
    /// Print Graphviz DOT.
    #[arg(long, conflicts_with_all = ["json", "svg"])]
    pub dot: bool,
    /// Print the graph as an SVG image, laid out in layers by faultline itself (no Graphviz):
    /// AND vertices as boxes, facts (OR) amber, the goal thick blue.
    #[arg(long, conflicts_with = "json")]
    pub svg: bool,
    /// Print JSON (`schema` = `faultline-lineage/v1`, `mode`, `goal`, `nodes`, `edges`).
    #[arg(long)]
    pub json: bool,
}

/// Runs `faultline lineage`.
pub fn run(args: LineageArgs) -> anyhow::Result<ExitCode> {
    let trace = faultline_trace::read_trace(&args.trace)?;
    let fact = args
        .goal
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
        .transpose()
        .with_context(|| {
            format!(
                "--goal {:?}: expected a JSON fact",
                args.goal.as_deref().unwrap_or("")
            )
        })?;
    if let Some(node) = &args.node
        && !trace.header.nodes.contains(node)
    {
        anyhow::bail!(
            "--node {node:?}: not a node of {} (nodes: {})",
            args.trace.display(),
            trace.header.nodes.join(", ")
        );
    }
    let goal = select_goal(&trace, fact.as_ref(), args.node.as_deref());
    if goal.is_empty() {
        anyhow::bail!(
            "{}: no goal event matches (no such derived fact or delivery)",
            args.trace.display()
        );
    }
    let lineage = build_lineage(&trace, &goal)
        .with_context(|| format!("{}: lineage annotations", args.trace.display()))?;
    if args.json {
        super::write_json("lineage", to_json(&lineage), true)?;
    } else if args.svg {
        let section = faultline_report::LineageSection::new("lineage", lineage, Vec::new());
        let mut svg = faultline_report::lineage_svg(&section, true);
        svg.push('\n');
        super::write_stdout(&svg)?;
    } else if args.dot {
        super::write_stdout(&to_dot(&lineage))?;
    } else {
        super::write_stdout(&describe(&lineage, goal.len()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(lineage: &faultline_ldfi::LineageGraph, goal_count: usize) -> String {
    let mut out = format!(
        "lineage of {goal_count} goal event(s), {} vertices, {} edges ({:?})\n",
        lineage.graph.node_count(),
        lineage.graph.edge_count(),
        lineage.mode
    );
    for vertex in lineage.graph.node_indices() {
        let premises: Vec<String> = lineage
            .premises(vertex)
            .iter()
            .map(|p| format!("v{}", p.index()))
            .collect();
        let join = if lineage.graph[vertex].is_or() {
            "any of"
        } else {
            "needs"
        };
        let tail = if premises.is_empty() {
            String::new()
        } else {
            format!(" — {join} {}", premises.join(", "))
        };
        out.push_str(&format!(
            "v{}: {}{tail}\n",
            vertex.index(),
            lineage.graph[vertex].label()
        ));
    }
    out
}
