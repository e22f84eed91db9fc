#!/usr/bin/env bash
# The catlib demo page in your own browser, in one command: builds the page for MODE, starts
# crossio's test server and a static web server (COOP/COEP headers, as the worker build needs)
# on 127.0.0.1, prints the URL to open, and serves until Ctrl-C, then stops both servers.
#   bash ci/demo-server.sh          # worker build: catlib's C code blocks on a Web Worker
#   bash ci/demo-server.sh jspi     # jspi build: page JS awaits catlib on the main thread
# DEMO_PORT=N sets the web server's port (default 8765; 0 picks a free one). Installs
# Emscripten testing if missing (ci/install-emscripten.sh; a no-op once done) and needs node on
# PATH. The jspi page needs a browser with JSPI (Chromium, Firefox); elsewhere its blocking
# calls answer CATLIB_ERR_WOULD_BLOCK.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-worker}
case "$MODE" in worker|jspi) ;; *) echo "usage: $0 [worker|jspi]" >&2; exit 2 ;; esac
PORT=${DEMO_PORT:-8765}
say() { echo "demo-server: $*"; }

WORK=$(mktemp -d)
WEB_PID=""
# shellcheck source=ci/testserver.sh
source ci/testserver.sh
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$WEB_PID" ]; then
    kill "$WEB_PID" 2>/dev/null || true
    wait "$WEB_PID" 2>/dev/null || true
  fi
  stop_testserver
  rm -rf "$WORK"
  say "stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

command -v node >/dev/null || { say "node is not on PATH (the web server is examples/demo-page/serve.cjs)"; exit 1; }
bash ci/install-emscripten.sh testing > "$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; say "installing Emscripten failed"; exit 1; }
say "building the $MODE page (ci/catlib.sh --site $MODE)"
bash ci/catlib.sh --site "$MODE" | tee "$WORK/site.log"
SITE=$(sed -n 's/^site: //p' "$WORK/site.log" | tail -n1)
if [ -z "$SITE" ] || [ ! -f "$SITE/index.html" ]; then say "the site was not built"; exit 1; fi

say "building and starting the test server"
cargo build -q -p crossio-conformance --bin crossio-testserver
start_testserver target/debug/crossio-testserver
node examples/demo-page/serve.cjs "$SITE" "$PORT" > "$WORK/web.out" 2>&1 &
WEB_PID=$!
for _ in $(seq 50); do grep -q '^serving ' "$WORK/web.out" && break; sleep 0.1; done
WEB_URL=$(sed -n 's/^serving .* at //p' "$WORK/web.out")
[ -n "$WEB_URL" ] || { cat "$WORK/web.out"; say "the web server did not start"; exit 1; }

echo
say "test server: $TESTSERVER_SUMMARY"
say "open ${WEB_URL}index.html?mode=$MODE&http=$TESTSERVER_HTTP_PORT&ws=$TESTSERVER_WS_PORT"
say "serving until Ctrl-C"
wait "$WEB_PID" || true
