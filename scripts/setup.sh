#!/usr/bin/env bash
# Installs what building faultline needs on a fresh Debian/Ubuntu machine, and nothing else:
# a Rust toolchain (if cargo is missing), the system Z3 (the z3 crate links libz3 4.8+) and
# headless Chromium for the report's browser test (optional).
# Safe to run again: every step checks first.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; exit 2
  fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
# The Z3 headers and library (the z3 crate's build links -lz3 and the C++ runtime).
dpkg -s libz3-dev >/dev/null 2>&1 || missing+=(libz3-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}" >&2
    apt_install "${missing[@]}"
  else
    echo "setup: please install: ${missing[*]} (this script knows only apt)" >&2
    exit 2
  fi
fi

# Headless Chromium for the report's browser test (tests/cli/report.rs renders a report and
# reads the DOM after its script ran). Optional: where it cannot be installed (no apt, no
# root, a distribution whose `chromium` is only a snap stub), the browser tests skip and say
# so. FAULTLINE_NO_BROWSER=1 skips this step.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
  && [ "${FAULTLINE_NO_BROWSER:-0}" != 1 ]; then
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; }; then
    echo "setup: installing chromium (the headless browser of the report test)" >&2
    apt_install chromium || echo "setup: could not install chromium; the browser tests will skip" >&2
  else
    echo "setup: cannot install chromium here; the report's browser tests will skip" >&2
  fi
fi

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  # Debian's own cargo is too old for edition 2024; rustup is the supported way.
  echo "setup: cargo not found; installing the stable Rust toolchain with rustup" >&2
  command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
  export PATH="$HOME/.cargo/bin:$PATH"
fi
