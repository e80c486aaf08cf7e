#!/usr/bin/env bash
# Quick start, part 2: set up and run every test, then the formatting and lint gates.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/setup-test-tools.sh
. scripts/env.sh
if [ ! -d ../shared/conformance ]; then
  echo "test: ../shared (anchors and conformance cases) must sit beside the repository" >&2
  exit 2
fi
# Unit, integration, CLI and doc tests (benches are compiled by clippy below, run by `cargo bench`).
cargo test --workspace --locked
# The differential soundness suite at full size: every search strategy against exhaustive
# enumeration of every small failure spec of every built-in SUT (release mode).
cargo test --release --locked --test soundness -- --nocapture
# The fuzz targets' stable-toolchain equivalents (bounded proptest runs; `fuzz/README.md` says
# how to fuzz for real with a nightly toolchain).
cargo test --locked --manifest-path fuzz/Cargo.toml
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
