#!/usr/bin/env bash
# Run the conformance suite in browsers for one toolchain flavor and mode, and check that the
# browser ran exactly the native test names.
#   ci/browser-suite.sh testing|stable main|worker chromium [firefox]
set -euo pipefail
cd "$(dirname "$0")/.."
FLAVOR=${1:?usage: $0 testing|stable main|worker BROWSER...}
MODE=${2:?usage: $0 testing|stable main|worker BROWSER...}
shift 2
[ $# -gt 0 ] || { echo "name at least one browser" >&2; exit 2; }
say() { echo "browser-suite[$FLAVOR/$MODE]: $*"; }

JS=$(bash ci/build-browser.sh "$FLAVOR" "$MODE")
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
say "test server: $TESTSERVER_JSON"

mkdir -p target/browser-logs
status=0
for browser in "$@"; do
  LOG="$PWD/target/browser-logs/$FLAVOR-$MODE-$browser.log"
  if ! CROSSIO_LOG="$LOG" bash ci/browser-run.sh "$browser" "$JS" 600 "$QUERY"; then
    say "$browser: FAILED (log: $LOG)"; status=1; continue
  fi
  RAN=$(sed -nE 's/^test ([A-Za-z0-9_]+) \.\.\. .*/\1/p' "$LOG" | sort)
  if ! diff <(echo "$RAN") "$NATIVE" > "$WORK/names.diff"; then
    say "$browser: the browser's case names differ from the native list (< browser, > native):"
    cat "$WORK/names.diff"; status=1; continue
  fi
  say "$browser: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n1); names match the native list ($(wc -l < "$NATIVE") cases)"
  grep -E '^bench ' "$LOG" | sed "s/^/  $browser: /" || true
done
exit $status
