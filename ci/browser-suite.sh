#!/usr/bin/env bash
# Run the conformance suite in browsers for one toolchain flavor and mode, and check that the
# browser ran exactly the native test names.
#   ci/browser-suite.sh testing|stable main|worker|jspi|nojspi chromium [firefox] [webkit] [node]
# nojspi: the jspi build in a page that takes JSPI away before the module loads (as a browser
# without JSPI); the run must report block_on's typed refusal and every blocking case asserts it.
set -euo pipefail
cd "$(dirname "$0")/.."
FLAVOR=${1:?usage: $0 testing|stable main|worker|jspi|nojspi BROWSER...}
MODE=${2:?usage: $0 testing|stable main|worker|jspi|nojspi BROWSER...}
shift 2
[ $# -gt 0 ] || { echo "name at least one browser" >&2; exit 2; }
say() { echo "browser-suite[$FLAVOR/$MODE]: $*"; }

BUILD_MODE=$MODE; [ "$MODE" = nojspi ] && BUILD_MODE=jspi
JS=$(bash ci/build-browser.sh "$FLAVOR" "$BUILD_MODE")
# shellcheck disable=SC1090
source "$(bash ci/em-env.sh "$FLAVOR")"

NATIVE=$(mktemp); WORK=$(mktemp -d)
# shellcheck source=ci/testserver.sh
source ci/testserver.sh
trap 'stop_testserver; rm -rf "$NATIVE" "$WORK"' EXIT
cargo test -q -p crossio-conformance --test conformance -- --list 2>/dev/null \
  | sed -nE 's/^([A-Za-z0-9_]+): test$/\1/p' | sort > "$NATIVE"
[ -s "$NATIVE" ] || { say "could not list the native cases"; exit 1; }
start_testserver
QUERY=$TESTSERVER_QUERY
[ "$MODE" = nojspi ] && QUERY="$QUERY&nojspi"
say "test server: $TESTSERVER_SUMMARY"

mkdir -p target/browser-logs
status=0
for browser in "$@"; do
  LOG="$PWD/target/browser-logs/$FLAVOR-$MODE-$browser.log"
  if ! CROSSIO_LOG="$LOG" bash ci/browser-run.sh "$browser" "$JS" 600 "$QUERY"; then
    say "$browser: FAILED (log: $LOG)"; status=1; continue
  fi
  if grep -q '^crossio: internal error' "$LOG"; then
    say "$browser: FAILED: $(grep -m1 '^crossio: internal error' "$LOG") (log: $LOG)"; status=1; continue
  fi
  # jspi: the runner drove the suite with block_on from main (no refusal line); nojspi, and
  # jspi in WebKit (no WebAssembly.Suspending): block_on refused for want of JSPI, and the
  # suite ran as a task, its blocking cases asserting the refusal.
  REFUSED=$(grep -c '^jspi: block_on refused here: .*lacks' "$LOG" || true)
  NO_JSPI=$MODE; [ "$MODE/$browser" = jspi/webkit ] && NO_JSPI=nojspi
  if { [ "$NO_JSPI" = jspi ] && [ "$REFUSED" != 0 ]; } || { [ "$NO_JSPI" = nojspi ] && [ "$REFUSED" = 0 ]; }; then
    say "$browser: FAILED: mode $MODE but $REFUSED JSPI refusal line(s) (log: $LOG)"; status=1; continue
  fi
  [ "$REFUSED" = 0 ] || say "$browser: $(grep -m1 '^jspi: block_on refused here' "$LOG")"
  RAN=$(sed -nE 's/^test ([A-Za-z0-9_]+) \.\.\. .*/\1/p' "$LOG" | sort)
  if ! diff <(echo "$RAN") "$NATIVE" > "$WORK/names.diff"; then
    say "$browser: the browser's case names differ from the native list (< browser, > native):"
    cat "$WORK/names.diff"; status=1; continue
  fi
  say "$browser: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n1); names match the native list ($(wc -l < "$NATIVE") cases)"
  grep -E '^bench ' "$LOG" | sed "s/^/  $browser: /" || true
done
exit $status
