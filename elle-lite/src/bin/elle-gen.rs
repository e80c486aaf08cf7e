//! Writes a generated list-append history as JSON Lines, for benchmarking `faultline elle`.
//!
//! Usage: `elle-gen TXNS [STORE] [SEED] > history.jsonl`, STORE one of serializable (default),
//! si, lost-update, stale-read, aborted-read.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use elle_lite::generate::{GenConfig, Store, generate, write_json_lines};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: elle-gen TXNS [serializable|si|lost-update|stale-read|aborted-read] [SEED]";
    let Some(txns) = args.first().and_then(|a| a.parse::<usize>().ok()) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let Some(store) = Store::parse(args.get(1).map_or("serializable", String::as_str)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let history = generate(&GenConfig {
        txns,
        store,
        seed,
        ..GenConfig::default()
    });
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match write_json_lines(&history, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("elle-gen: {e}");
            ExitCode::from(2)
        }
    }
}
