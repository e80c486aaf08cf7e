//! Ad-hoc timings of spec parsing and goal extraction as the input grows (release mode):
//! `cargo run --release -p faultline-ltl --example scale -- parse 10000 20000`
//! `cargo run --release -p faultline-ltl --example scale -- goal 30 60 120`

use std::collections::BTreeMap;
use std::time::Instant;

use faultline_ltl::{Bits, Evaluation, PropTrace, parse_formula, parse_spec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (what, sizes) = args.split_first().expect("usage: scale parse|goal N...");
    for size in sizes {
        let n: usize = size.parse().expect("a number");
        match what.as_str() {
            "parse" => {
                let source: String = (0..n)
                    .map(|i| format!("property p{i}: G (p -> F q)\n"))
                    .collect();
                let start = Instant::now();
                let spec = parse_spec(&source, "scale.ltl").expect("parses");
                println!(
                    "parse {n} properties ({} bytes): {:.3} s",
                    source.len(),
                    start.elapsed().as_secs_f64()
                );
                assert_eq!(spec.properties.len(), n);
            }
            "goal" => {
                let q = Bits::zeros(n);
                let p = Bits::ones(n);
                let trace = PropTrace::new(
                    BTreeMap::from([("p".to_string(), p), ("q".to_string(), q)]),
                    (0..n as u64).collect(),
                );
                for text in ["G (H H H !q)", "G (H H H p)"] {
                    let formula = parse_formula(text).expect("parses");
                    let evaluation = Evaluation::new(&formula, &trace, "scale").expect("ok");
                    let start = Instant::now();
                    let goal = evaluation.goal();
                    println!(
                        "goal of `{text}` on {n} events: {:?} ({} goal events)",
                        start.elapsed(),
                        goal.len()
                    );
                }
            }
            _ => panic!("parse or goal"),
        }
    }
}
