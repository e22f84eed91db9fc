#!/usr/bin/env bash
# Load and soak: natively 1000 sockets x 100 messages and 10 000 connect/echo/close cycles with
# RSS before/after; in the browser 100 x 100 and 10 000 cycles with the wasm heap before/after
# (Chromium main-thread and worker, Firefox main-thread). Sequence numbers are checked: 0 lost,
# 0 duplicated, 0 out of order. Prints the figures; fails if a check fails.
#   ci/soak.sh            the full run (several minutes)
#   ci/soak.sh --short    the short form CI runs
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "soak: $*"; }
if [ "${1:-}" = --short ]; then
  NATIVE=(--conns 200 --msgs 100 --cycles 1000); BROWSER_PLAN=50,50,300
  RUNS=("main chromium" "worker chromium"); PROFILE=debug
else
  NATIVE=(--conns 1000 --msgs 100 --cycles 10000); BROWSER_PLAN=100,100,10000
  RUNS=("main chromium" "worker chromium" "main firefox"); PROFILE=release
fi
mkdir -p target/soak
status=0

say "native: crossio-soak ${NATIVE[*]}"
if [ $PROFILE = release ]; then
  cargo build -q --release -p crossio-conformance --bin crossio-soak
else
  cargo build -q -p crossio-conformance --bin crossio-soak
fi
target/$PROFILE/crossio-soak "${NATIVE[@]}" | tee target/soak/native.log || status=1

# shellcheck disable=SC1090
source "$(bash ci/em-env.sh testing)"
# shellcheck source=ci/testserver.sh
source ci/testserver.sh
trap stop_testserver EXIT
start_testserver
for run in "${RUNS[@]}"; do
  read -r mode browser <<< "$run"
  JS=$(bash ci/build-browser.sh testing "$mode")
  say "browser: $browser, $mode mode, soak=$BROWSER_PLAN"
  LOG="$PWD/target/soak/$browser-$mode.log"
  if CROSSIO_LOG="$LOG" bash ci/browser-run.sh "$browser" "$JS" 900 "$TESTSERVER_QUERY&soak=$BROWSER_PLAN" > /dev/null; then
    grep -E '^(soak|test soak|[0-9]+ passed)' "$LOG" | sed "s/^/  $browser\/$mode: /"
  else
    say "$browser/$mode FAILED (log: $LOG)"; grep -E '^(soak|test soak)' "$LOG" || true; status=1
  fi
done
exit $status
