#!/usr/bin/env bash
# What the tests need beyond the build (scripts/test.sh runs it): Python's junitparser, the
# real JUnit reader the CI-output tests check `--junit` files with, and PyYAML, which checks the
# GUIDE's CI examples. Safe to run again.
set -euo pipefail
if ! command -v python3 >/dev/null 2>&1; then
  echo "setup-test-tools: python3 not found; installing it" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq python3 python3-pip; else sudo apt-get update -qq && sudo apt-get install -y -qq python3 python3-pip; fi
fi
# module:pip package:Debian package
for module in junitparser:junitparser:python3-junitparser yaml:pyyaml:python3-yaml; do
  IFS=: read -r import package deb <<<"$module"
  python3 -c "import $import" >/dev/null 2>&1 && continue
  echo "setup-test-tools: installing $package" >&2
  # Debian's Python refuses system-wide pip installs (PEP 668); try the user site, then the
  # distribution's package.
  python3 -m pip install --quiet --user "$package" 2>/dev/null \
    || python3 -m pip install --quiet --user --break-system-packages "$package" 2>/dev/null \
    || { if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq "$deb"; else sudo apt-get install -y -qq "$deb"; fi; }
  python3 -c "import $import" || { echo "setup-test-tools: $package is still missing" >&2; exit 2; }
done
