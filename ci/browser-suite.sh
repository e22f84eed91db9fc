#!/usr/bin/env bash
# Run the conformance suite in browsers for one toolchain flavor and mode, and check that the
# browser ran (or listed as pending) exactly the native test names.
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

cargo build -q -p crossio-conformance --bin crossio-testserver
NATIVE=$(mktemp); trap 'rm -f "$NATIVE"' EXIT
cargo test -q -p crossio-conformance --test conformance -- --list 2>/dev/null \
  | sed -nE 's/^([A-Za-z0-9_]+): test$/\1/p' | sort > "$NATIVE"
[ -s "$NATIVE" ] || { say "could not list the native cases"; exit 1; }

WORK=$(mktemp -d); FIFO="$WORK/stdin"; mkfifo "$FIFO"
target/debug/crossio-testserver < "$FIFO" > "$WORK/ports.json" &
SERVER_PID=$!
exec 4> "$FIFO"   # the server runs until this descriptor closes
stop_server() { exec 4>&- || true; kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK" "$NATIVE"; }
trap stop_server EXIT
for _ in $(seq 100); do [ -s "$WORK/ports.json" ] && break; sleep 0.1; done
QUERY=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("http=%d&ws=%d&closed=%d&fault=%d" % (d["http_port"], d["ws_port"], d["closed_port"], d["fault_port"]))' "$WORK/ports.json")
say "test server: $(cat "$WORK/ports.json")"

mkdir -p target/browser-logs
status=0
for browser in "$@"; do
  LOG="$PWD/target/browser-logs/$FLAVOR-$MODE-$browser.log"
  if ! CROSSIO_LOG="$LOG" bash ci/browser-run.sh "$browser" "$JS" 600 "$QUERY"; then
    say "$browser: FAILED (log: $LOG)"; status=1; continue
  fi
  RAN=$( (sed -nE 's/^test ([A-Za-z0-9_]+) \.\.\. .*/\1/p' "$LOG"; sed -nE 's/^pending on emscripten: //p' "$LOG" | tr ' ' '\n') | grep -v '^$' | sort)
  if ! diff <(echo "$RAN") "$NATIVE" > "$WORK/names.diff"; then
    say "$browser: the browser's case names differ from the native list (< browser, > native):"
    cat "$WORK/names.diff"; status=1; continue
  fi
  PENDING=$(sed -nE 's/^pending on emscripten: //p' "$LOG" | wc -w)
  say "$browser: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n1); $PENDING pending; names match the native list ($(wc -l < "$NATIVE") cases)"
  grep -E '^bench ' "$LOG" | sed "s/^/  $browser: /" || true
done
exit $status
