//! `explore --shard K/N`: which share of the fault space this machine searches.

use faultline_harness::System;
use faultline_ldfi::{Oracle, Outcome, Shard, build_lineage};
use faultline_trace::FailureSpec;

/// `K/N`, 1 ≤ K ≤ N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardArg {
    /// 1-based.
    pub index: u64,
    /// Shards in all.
    pub count: u64,
}

impl std::fmt::Display for ShardArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Parses `K/N`.
pub fn parse_shard(text: &str) -> Result<ShardArg, String> {
    let (index, count) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?}: expected K/N, e.g. 2/8"))?;
    let index: u64 = index
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: K is not a number"))?;
    let count: u64 = count
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: N is not a number"))?;
    if count == 0 || index == 0 || index > count {
        return Err(format!("{text:?}: K runs from 1 to N"));
    }
    if count > 1 << 20 {
        return Err(format!("{text:?}: at most 1048576 shards"));
    }
    Ok(ShardArg { index, count })
}

/// The shard the CI environment asks for when `--shard` is absent: a Kubernetes Indexed Job
/// (`JOB_COMPLETION_INDEX`, 0-based, with `FAULTLINE_SHARDS`) or a GitLab parallel job
/// (`CI_NODE_INDEX`, 1-based, with `CI_NODE_TOTAL`). A total of 1 is no sharding.
pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Option<ShardArg>, String> {
    let pair = match (get("JOB_COMPLETION_INDEX"), get("FAULTLINE_SHARDS")) {
        (Some(index), Some(count)) => {
            let index: u64 = index
                .trim()
                .parse()
                .map_err(|_| format!("JOB_COMPLETION_INDEX={index:?} is not a number"))?;
            Some((index + 1, count, "FAULTLINE_SHARDS"))
        }
        _ => match (get("CI_NODE_INDEX"), get("CI_NODE_TOTAL")) {
            (Some(index), Some(count)) => {
                let index: u64 = index
                    .trim()
                    .parse()
                    .map_err(|_| format!("CI_NODE_INDEX={index:?} is not a number"))?;
                Some((index, count, "CI_NODE_TOTAL"))
            }
            _ => None,
        },
    };
    let Some((index, count, name)) = pair else {
        return Ok(None);
    };
    let count: u64 = count
        .trim()
        .parse()
        .map_err(|_| format!("{name}={count:?} is not a number"))?;
    if count <= 1 {
        return Ok(None);
    }
    parse_shard(&format!("{index}/{count}")).map(Some)
}

/// Splits the space on the failure-free run (run once more here: one run).
pub fn split<O: Oracle>(
    sut: &System,
    seed: u64,
    spec: FailureSpec,
    oracle: &O,
    shard: ShardArg,
) -> anyhow::Result<Shard> {
    let run = faultline::search::runner(sut, seed, spec);
    let free = run(&[]).map_err(|err| anyhow::anyhow!("the failure-free run: {err}"))?;
    let judgement = oracle
        .judge(&free)
        .map_err(|err| anyhow::anyhow!("the failure-free run: {err}"))?;
    if judgement.outcome == Outcome::Bad {
        anyhow::bail!(
            "--shard {shard}: the failure-free run is bad: there is nothing to split; search \
             without --shard"
        );
    }
    // Any split is sound (the cubes partition the space); a goal only makes a good one. A run
    // that names none (a search that certifies by covering the space), or holds only
    // vacuously, is split on what all its deliveries rest on.
    let events = if judgement.outcome == Outcome::Vacuous || judgement.goal.is_empty() {
        free.events
            .iter()
            .filter(|event| event.kind == faultline_trace::EventKind::Deliver)
            .map(|event| event.id)
            .collect()
    } else {
        judgement.goal.events()
    };
    let lineage = build_lineage(&free, &events)?;
    faultline_ldfi::shard(&lineage, sut.nodes(), &spec, shard.index, shard.count)
        .map_err(|problem| anyhow::anyhow!("--shard {problem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_arguments_and_ci_variables() {
        assert_eq!(parse_shard("2/8"), Ok(ShardArg { index: 2, count: 8 }));
        assert!(parse_shard("0/8").is_err());
        assert!(parse_shard("9/8").is_err());
        assert!(parse_shard("8").is_err());
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0"), ("FAULTLINE_SHARDS", "4")]);
        assert_eq!(from_env(&k8s), Ok(Some(ShardArg { index: 1, count: 4 })));
        let gitlab = env(&[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "3")]);
        assert_eq!(from_env(&gitlab), Ok(Some(ShardArg { index: 3, count: 3 })));
        let alone = env(&[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "1")]);
        assert_eq!(from_env(&alone), Ok(None));
        let bad = env(&[("JOB_COMPLETION_INDEX", "x"), ("FAULTLINE_SHARDS", "4")]);
        assert!(from_env(&bad).is_err());
        assert_eq!(from_env(&env(&[])), Ok(None));
    }
}
