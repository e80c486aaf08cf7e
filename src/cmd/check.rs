//! `faultline check --spec FILE TRACE [--json] [--expand]`: LTL properties against a trace,
//! with proofs. Exit 0 when every property holds, 1 when one fails, 2 on bad input.
//!
//! A property that holds only vacuously (a premise that never held where it was evaluated, an
//! atom true at no event — often a typo) still exits 0, but the report says `VACUOUS: …` with
//! the spot in the spec file, and `--json` lists it under `vacuity`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use faultline_ltl::{Evaluation, TraceModel, parse_spec, render};

/// Arguments of `faultline check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The spec file (named LTL properties; see `specs/README.md`).
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// The trace to check (faultline-trace/v1 JSON Lines).
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
    /// Print `{"properties":[{"name","verdict","presumptive","vacuity","proof"}]}` instead of
    /// text.
    #[arg(long)]
    pub json: bool,
    /// Expand summarised ranges into per-event proofs.
    #[arg(long)]
    pub expand: bool,
}

/// Runs `faultline check`.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let spec_name = args.spec.display().to_string();
    let source = std::fs::read_to_string(&args.spec)
        .with_context(|| format!("{spec_name}: cannot read the spec"))?;
    let spec = parse_spec(&source, &spec_name)?;
    let trace_name = args.trace.display().to_string();
    // Reads and validates, naming real line numbers on bad input.
    let trace = faultline_trace::read_trace(&args.trace)?;
    if trace.events.is_empty() {
        anyhow::bail!("{trace_name}: {}", faultline_ltl::LtlError::EmptyTrace);
    }
    let model = TraceModel::new(&trace).with_context(|| trace_name.clone())?;
    let mut all_hold = true;
    let mut reports = Vec::new();
    let mut text = String::new();
    for property in &spec.properties {
        let evaluation =
            // The evaluator's errors name the property themselves; add where it is.
            Evaluation::for_property(property, &model)
                .with_context(|| format!("{spec_name}:{}", property.line))?;
        all_hold &= evaluation.holds(0);
        if args.json {
            reports.push(render::json(property, &evaluation, args.expand));
        } else {
            text.push_str(&render::text(property, &evaluation, args.expand));
        }
    }
    if args.json {
        let document = serde_json::json!({ "properties": reports });
        super::write_json("check", document, true)?;
    } else {
        super::write_stdout(&text)?;
    }
    Ok(if all_hold {
        ExitCode::SUCCESS
    } else {
        super::bug_found()
    })
}
