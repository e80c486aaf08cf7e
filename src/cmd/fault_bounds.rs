//! The failure-spec bounds beyond Molly's ⟨EOT, EFF, Crashes⟩ and clogs, shared by `explore`,
//! `estimate` and `suggest`: restarts, one swizzle-clog, clock skews.

use faultline_trace::{FailureSpec, MAX_SKEW_STEPS};

/// `--restarts`, `--swizzles`, `--skews`, `--max-skew-ns`, `--skew-step-ns`. Each left out
/// keeps the base spec's value (a SUT's default spec, or 0).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FaultBoundArgs {
    /// At most this many restarts: a crashed node may come back later with only its
    /// persisted state (needs --crashes ≥ 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1_000))]
    pub restarts: Option<u32>,
    /// At most this many swizzle-clogs (0 or 1): nodes clogged one by one, all clogged
    /// together for a while, then unclogged in any order (FoundationDB's swizzle).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1))]
    pub swizzles: Option<u32>,
    /// At most this many clock skews, one per node (async SUTs only; needs --max-skew-ns).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1_000))]
    pub skews: Option<u32>,
    /// The largest clock offset of a skew, in ns.
    #[arg(long, value_name = "NS")]
    pub max_skew_ns: Option<u64>,
    /// Skews are the multiples of this many ns within ±--max-skew-ns (default: only
    /// ±--max-skew-ns). At most 64 magnitudes.
    #[arg(long, value_name = "NS")]
    pub skew_step_ns: Option<u64>,
}

impl FaultBoundArgs {
    /// `base` with the bounds given on the command line.
    pub fn apply(&self, base: FailureSpec) -> FailureSpec {
        FailureSpec {
            max_restarts: self.restarts.unwrap_or(base.max_restarts),
            max_swizzles: self.swizzles.unwrap_or(base.max_swizzles),
            max_skews: self.skews.unwrap_or(base.max_skews),
            max_skew_ns: self.max_skew_ns.unwrap_or(base.max_skew_ns),
            skew_step_ns: self.skew_step_ns.unwrap_or(base.skew_step_ns),
            ..base
        }
    }
}

/// Refuses bounds that cannot be searched as given (see [`FailureSpec::bound_problem`]),
/// naming the flag.
pub fn check_bounds(spec: &FailureSpec) -> anyhow::Result<()> {
    if let Some((field, expected)) = spec.bound_problem() {
        let flag = field.replace('_', "-");
        let flag = match flag.as_str() {
            "max-swizzles" => "swizzles".to_string(),
            other => other.to_string(),
        };
        anyhow::bail!("--{flag}: expected {expected} (at most {MAX_SKEW_STEPS} skew magnitudes)");
    }
    Ok(())
}

/// ", restarts ≤ 1, swizzles ≤ 1, skews ≤ 1 of ±5000000 ns (step …)" for the bounds a spec
/// sets; empty when it sets none.
pub fn describe(spec: &FailureSpec) -> String {
    let mut out = String::new();
    if spec.max_restarts > 0 {
        out.push_str(&format!(", restarts ≤ {}", spec.max_restarts));
    }
    if spec.max_swizzles > 0 {
        out.push_str(&format!(", swizzles ≤ {}", spec.max_swizzles));
    }
    if spec.max_skews > 0 {
        out.push_str(&format!(
            ", skews ≤ {} of ±{} ns",
            spec.max_skews, spec.max_skew_ns
        ));
        if spec.skew_step_ns > 0 {
            out.push_str(&format!(" (step {} ns)", spec.skew_step_ns));
        }
    }
    out
}
