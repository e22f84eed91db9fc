#!/usr/bin/env bash
# Every check of the project: format, lints, the native suite (and, once installed, the browser
# runs). This is the command README.md names and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test --workspace (native)"
cargo test --workspace
