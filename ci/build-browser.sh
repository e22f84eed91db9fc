#!/usr/bin/env bash
# Build the browser conformance runner for one toolchain flavor and mode; prints the .js path.
#   ci/build-browser.sh testing|stable main|worker|jspi
set -euo pipefail
cd "$(dirname "$0")/.."
FLAVOR=${1:?usage: $0 testing|stable main|worker|jspi}
MODE=${2:?usage: $0 testing|stable main|worker|jspi}
# shellcheck disable=SC1090
source "$(bash ci/em-env.sh "$FLAVOR")"
export CARGO_TARGET_DIR="$PWD/target/em-$FLAVOR-$MODE"
args=(build --target wasm32-unknown-emscripten -p crossio-conformance --bin crossio-browser)
case "$MODE" in
  main) ;;
  worker) export RUSTC_BOOTSTRAP=1; args+=(--config .cargo/worker.toml) ;;
  jspi) args+=(--config .cargo/jspi.toml --features crossio-emscripten/jspi) ;;
  *) echo "unknown mode $MODE (main|worker|jspi)" >&2; exit 2 ;;
esac
echo "build-browser: cargo ${args[*]} (emscripten $FLAVOR, $MODE mode)" >&2
start=$SECONDS
cargo "${args[@]}" >&2
echo "build-browser: built in $((SECONDS - start))s" >&2
echo "$CARGO_TARGET_DIR/wasm32-unknown-emscripten/debug/crossio-browser.js"
