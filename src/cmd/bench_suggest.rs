//! `faultline bench suggest`: what one `suggest` call costs in a foreign simulator's loop, with
//! `--db` (lessons kept, only new traces read) and without (every trace read and learned
//! again), as the loop grows. `faultline run` plays the foreign simulator; every call is a new
//! process, as in a real loop.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};

/// Arguments of `faultline bench suggest`.
#[derive(clap::Args, Debug)]
pub struct SuggestBenchArgs {
    /// The SUT that plays the foreign simulator.
    #[arg(long, default_value = "ack-deliv")]
    sut: String,
    /// The failure spec: EOT, EFF, crashes (ack-deliv 8/7/2 takes 1,782 runs to certify).
    #[arg(long, default_value_t = 8)]
    eot: u64,
    #[arg(long, default_value_t = 7)]
    eff: u64,
    #[arg(long, default_value_t = 2)]
    crashes: u32,
    /// Grow the loop to this many runs.
    #[arg(long, default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    runs: u64,
    /// Fault sets per call.
    #[arg(long, default_value_t = 8,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    count: u64,
    /// Print JSON (`"schema": "faultline-bench-suggest/v1"`).
    #[arg(long)]
    json: bool,
}

struct Loop<'a> {
    args: &'a SuggestBenchArgs,
    exe: PathBuf,
    dir: tempfile::TempDir,
    traces: Vec<PathBuf>,
}

impl Loop<'_> {
    fn spec(&self) -> Vec<String> {
        let a = self.args;
        vec![
            "--eot".into(),
            a.eot.to_string(),
            "--eff".into(),
            a.eff.to_string(),
            "--crashes".into(),
            a.crashes.to_string(),
        ]
    }

    fn run(&mut self, faults: &Value) -> anyhow::Result<()> {
        let path = self
            .dir
            .path()
            .join(format!("run{:06}.jsonl", self.traces.len()));
        let output = Command::new(&self.exe)
            .args([
                "run",
                "--sut",
                &self.args.sut,
                "--faults",
                &faults.to_string(),
            ])
            .args(self.spec())
            .arg("-o")
            .arg(&path)
            .output()?;
        if !path.exists() {
            anyhow::bail!(
                "faultline run wrote no trace: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        self.traces.push(path);
        Ok(())
    }

    /// One `suggest` call: its answer and wall time.
    fn suggest(&self, db: Option<&Path>, traces: &[PathBuf]) -> anyhow::Result<(Value, Duration)> {
        let mut command = Command::new(&self.exe);
        command
            .args(["suggest", "--count", &self.args.count.to_string()])
            .args(self.spec());
        if let Some(db) = db {
            command.arg("--db").arg(db);
        }
        let start = Instant::now();
        let output = command.args(traces).output()?;
        let elapsed = start.elapsed();
        let answer = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("suggest: {}", String::from_utf8_lossy(&output.stderr)))?;
        Ok((answer, elapsed))
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Runs `faultline bench suggest`.
pub fn run(args: &SuggestBenchArgs) -> anyhow::Result<()> {
    let mut lp = Loop {
        args,
        exe: std::env::current_exe()?,
        dir: tempfile::tempdir()?,
        traces: Vec::new(),
    };
    let db = lp.dir.path().join("loop.db");
    lp.run(&json!([]))?;
    let mut fresh = lp.traces.clone();
    let mut rows = Vec::new();
    let mut next_checkpoint = 100u64.min(args.runs);
    if !args.json {
        super::write_stdout(&format!(
            "suggest loop on {} {}/{}/{}, {} fault sets per call; ms per call (one process each)\n\
             {:>6} {:>12} {:>12} {:>9}\n",
            args.sut,
            args.eot,
            args.eff,
            args.crashes,
            args.count,
            "runs",
            "--db",
            "stateless",
            "same"
        ))?;
    }
    loop {
        let (answer, took) = lp.suggest(Some(&db), &fresh)?;
        let runs = lp.traces.len() as u64;
        if runs >= next_checkpoint || answer["done"] == true {
            let (stateless, stateless_took) = lp.suggest(None, &lp.traces)?;
            let same = stateless == answer;
            if !args.json {
                super::write_stdout(&format!(
                    "{runs:>6} {:>12.1} {:>12.1} {:>9}\n",
                    ms(took),
                    ms(stateless_took),
                    if same { "yes" } else { "NO" }
                ))?;
            }
            rows.push(json!({"runs": runs, "db_ms": ms(took), "stateless_ms": ms(stateless_took), "same_proposals": same}));
            if !same {
                anyhow::bail!(
                    "--db and stateless disagree after {runs} runs: {answer} vs {stateless}"
                );
            }
            next_checkpoint = (next_checkpoint * 2).min(args.runs.max(next_checkpoint + 1));
            if next_checkpoint > args.runs && runs >= args.runs {
                break;
            }
        }
        if answer["done"] == true {
            break;
        }
        fresh.clear();
        for faults in answer["proposals"].as_array().into_iter().flatten() {
            lp.run(faults)?;
            fresh.push(lp.traces[lp.traces.len() - 1].clone());
        }
    }
    if args.json {
        super::write_json("bench-suggest", json!({"rows": rows}), true)?;
    }
    Ok(())
}
