#!/usr/bin/env bash
# Every check of the project, on a fresh machine too: installs what is missing (Emscripten
# testing + stable from Debian's archive, the Rust target, Chromium, Firefox ESR, WebKitGTK's
# WebDriver + xvfb, Node.js 24), then fmt, clippy (native and emscripten, all three modes), rustdoc
# with warnings as errors (native; crossio-emscripten for its target), the
# native suite, and the runs:
#   testing × {chromium, firefox, webkit, node} × {main, worker, jspi} (webkit has no JSPI: its
#   jspi run asserts block_on's refusal), testing × chromium × nojspi (the jspi build where the
#   page took JSPI away), and stable × chromium × {main, worker, jspi};
# then catlib in the browser (ci/catlib.sh; its C demo also in WebKit and Node.js, worker
# build) and the short load/soak run (ci/soak.sh --short).
# This is the command README.md names and .ci/run calls.
#   CROSSIO_SKIP_BROWSER=1 bash ci/test.sh   # native checks only (for quick local loops)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "== $* ($(date +%T))"; }
T0=$SECONDS

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo doc (native; warnings, such as a broken link, are errors)"
# crossio-emscripten's docs are checked for its own target below (natively its modules are out).
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --exclude crossio-emscripten --no-deps

step "cargo test --workspace (native)"
cargo test --workspace

if [ "${CROSSIO_SKIP_BROWSER:-}" = 1 ]; then
  echo "CROSSIO_SKIP_BROWSER=1: browser runs skipped"
  exit 0
fi

step "install toolchains and browsers"
bash ci/install-emscripten.sh testing
bash ci/install-emscripten.sh stable
bash ci/install-browsers.sh
bash ci/install-webkit.sh
bash ci/install-node.sh

step "cargo clippy (wasm32-unknown-emscripten: main-thread, worker, jspi)"
(
  # shellcheck disable=SC1090
  source "$(bash ci/em-env.sh testing)"
  EM=(--target wasm32-unknown-emscripten --workspace --exclude crossio-native --all-targets)
  CARGO_TARGET_DIR=target/em-testing-main cargo clippy "${EM[@]}" -- -D warnings
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=target/em-testing-worker \
    cargo clippy --config .cargo/worker.toml "${EM[@]}" -- -D warnings
  CARGO_TARGET_DIR=target/em-testing-jspi \
    cargo clippy --config .cargo/jspi.toml --features crossio-emscripten/jspi "${EM[@]}" -- -D warnings
  RUSTDOCFLAGS="-D warnings" CARGO_TARGET_DIR=target/em-testing-jspi cargo doc --no-deps \
    --target wasm32-unknown-emscripten -p crossio-emscripten --features jspi,bench
  RUSTDOCFLAGS="-D warnings" CARGO_TARGET_DIR=target/em-testing-main cargo doc --no-deps \
    --target wasm32-unknown-emscripten -p crossio-emscripten
)

status=0
failed=()
for run in "testing main chromium firefox webkit node" "testing worker chromium firefox webkit node" \
           "testing jspi chromium firefox webkit node" "testing nojspi chromium" \
           "stable main chromium" "stable worker chromium" "stable jspi chromium"; do
  step "browser suite: $run"
  # shellcheck disable=SC2086
  mkdir -p target
  if ! bash ci/browser-suite.sh $run 2>&1 | tee target/ci-run.out; then
    status=1; failed+=("browser suite: $run")
    # the failing cases and the runner's verdicts, for a reader who sees only the tail
    while IFS= read -r line; do failed+=("  $line"); done < <(
      grep -E '^test .*FAILED|browser-run: (TIMEOUT|FAIL|browser exited)' target/ci-run.out | head -n 20)
  fi
done

step "catlib in the browser (C demo, demo page)"
bash ci/catlib.sh || { status=1; failed+=("catlib"); }

step "catlib's C demo in WebKit and Node.js (worker build, as above)"
bash ci/catlib.sh testing/worker/webkit testing/worker/node \
  || { status=1; failed+=("catlib testing/worker/{webkit,node}"); }

step "load and soak (short form; the full run is ci/soak.sh)"
bash ci/soak.sh --short || { status=1; failed+=("soak --short"); }

step "done in $((SECONDS - T0))s"
if [ $status -ne 0 ]; then
  echo "some browser runs failed (logs in target/browser-logs/, target/soak/):"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
