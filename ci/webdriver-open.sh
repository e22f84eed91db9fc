#!/usr/bin/env bash
# Open URL in WebKitGTK's MiniBrowser through WebKitWebDriver under xvfb-run, and stay until
# the driver ends (ci/browser-run.sh runs this in a process group of its own and ends the
# group). A W3C WebDriver client in plain HTTP (curl): new session, navigate. Shared
# TOOLCHAIN.md §10. The caller's environment reaches the web process (JSC_useSharedArrayBuffer).
#   ci/webdriver-open.sh URL WORKDIR
set -euo pipefail
URL=${1:?usage: $0 URL WORKDIR}
WORK=${2:?usage: $0 URL WORKDIR}
say() { echo "webdriver-open: $*"; }
MINIBROWSER=${CROSSIO_MINIBROWSER:-/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
xvfb-run -a -s "-screen 0 1280x800x24" WebKitWebDriver --port="$PORT" &
DRIVER=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/status" >/dev/null && break
  kill -0 "$DRIVER" 2>/dev/null || { say "WebKitWebDriver exited before listening"; exit 1; }
  sleep 0.1
done
CAPS='{"capabilities": {"alwaysMatch": {"browserName": "MiniBrowser",
  "webkitgtk:browserOptions": {"binary": "'"$MINIBROWSER"'", "args": ["--automation"]}}}}'
curl -sf -X POST -H 'Content-Type: application/json' -d "$CAPS" \
  "http://127.0.0.1:$PORT/session" > "$WORK/session.json" ||
  { say "new session failed: $(cat "$WORK/session.json" 2>/dev/null)"; exit 1; }
SID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["value"]["sessionId"])' "$WORK/session.json")
say "session $SID; navigating to $URL"
# Navigation returns once the page has loaded; the program goes on from there.
curl -s -X POST -H 'Content-Type: application/json' -d "{\"url\": \"$URL\"}" \
  "http://127.0.0.1:$PORT/session/$SID/url" || say "navigate failed"
echo
wait "$DRIVER"
