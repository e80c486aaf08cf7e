#!/usr/bin/env bash
# Quick start, part 1: set up, build, and run the main job on a built-in example —
# LDFI finds the paper's counterexample in retry-deliv, then certifies redun-deliv.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build --release --quiet --bin faultline
bin="${CARGO_TARGET_DIR:-target}/release/faultline"
echo "== faultline explore --sut retry-deliv (LDFI paper, Figure 12: 4/2/1) =="
status=0
"$bin" explore --sut retry-deliv || status=$?
[ "$status" -eq 1 ] || { echo "demo: expected a counterexample (exit 1), got exit $status" >&2; exit 1; }
echo
echo "== faultline explore --sut redun-deliv (LDFI paper, Figure 13: 11/10/1) =="
"$bin" explore --sut redun-deliv
echo
echo "demo: ok (a counterexample for retry-deliv, a certificate for redun-deliv)"
