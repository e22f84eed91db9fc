#!/usr/bin/env bash
# Run an Emscripten page (linked with --emrun) in a headless browser and judge it by its stdout.
#   ci/browser-run.sh chromium|firefox|webkit|node PAGE.html|PROGRAM.js [TIMEOUT_SECONDS=300] [QUERY]
# Given PROGRAM.js (what cargo leaves for wasm32-unknown-emscripten), a minimal PROGRAM.html that
# loads it is written beside it.
# The page is served by crossio's page server (`crossio-testserver --page DIR --port PORT`, built
# here unless $CROSSIO_PAGESERVER names the binary), which replaces emrun: the page's directory
# with COOP/COEP, emrun's output protocol (the page's stdout and stderr in order; its exit ends
# the server), and the test server's HTTP endpoints on the page's own origin (same-origin cases).
# Opens http://127.0.0.1:PORT/PAGE.html?localhost[&QUERY]&page=PORT ("localhost" makes the
# page forward its output; page=PORT tells the runner its origin).
# webkit: WebKitGTK's MiniBrowser under a virtual X server, opened through its WebDriver
# (ci/webdriver-open.sh), the driver run with JSC_useSharedArrayBuffer=true (else WebKit has no
# SharedArrayBuffer even when the page is cross-origin isolated).
# node: PROGRAM.js run by Node.js 24 (ci/install-node.sh), no server: the query's `&`-separated
# items become its arguments; its stdout is the log.
# TLS trust (the test server's CA, generated at its start; ci/testserver.sh exports both):
#   CROSSIO_TRUST_CA_PEM=FILE  the CA the browser must trust: Firefox gets it in its profile's
#     NSS database (certutil), WebKit in a private mount namespace where the system bundle
#     /etc/ssl/certs/ca-certificates.crt (GnuTLS's trust store) is a copy with the CA appended
#     (nothing on the machine changes), Node.js through NODE_EXTRA_CA_CERTS;
#   CROSSIO_TRUST_SPKI=BASE64  Chromium: --ignore-certificate-errors-spki-list with the trusted
#     server certificate's SPKI hash (Chromium matches the SPKIs of the chain the server sends,
#     here the leaf alone, so the CA's own hash would not do).
# Success iff the output has a line "N passed, 0 failed". The log is also copied to $CROSSIO_LOG.
# Only processes started here are ended (browser by process group, the page server by PID).
set -euo pipefail

BROWSER=${1:?usage: $0 chromium|firefox|webkit|node PAGE.html [TIMEOUT_SECONDS] [QUERY]}
PAGE=${2:?usage: $0 chromium|firefox|webkit|node PAGE.html [TIMEOUT_SECONDS] [QUERY]}
TIMEOUT=${3:-300}
QUERY=${4:-}
say() { echo "browser-run: $*"; }

[ -f "$PAGE" ] || { say "no such page: $PAGE" >&2; exit 2; }
NODE=""
if [ "$BROWSER" = node ]; then
  NODE=$(bash "$(dirname "$0")/install-node.sh" | tail -n 1)
  [ -x "$NODE" ] || { say "no node: run ci/install-node.sh" >&2; exit 2; }
elif [ "${PAGE%.js}" != "$PAGE" ]; then
  JS=$(basename "$PAGE"); PAGE="${PAGE%.js}.html"
  say "writing $PAGE to load $JS"
  printf '<!doctype html>\n<html><head><meta charset="utf-8"><title>%s</title></head>\n<body><script src="%s"></script></body></html>\n' "$JS" "$JS" > "$PAGE"
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAGESERVER=${CROSSIO_PAGESERVER:-}
if [ -z "$NODE" ] && [ -z "$PAGESERVER" ]; then
  say "building the page server (crossio-testserver)"
  (cd "$ROOT" && env -u CARGO_TARGET_DIR -u CARGO_ENCODED_RUSTFLAGS \
    cargo build -q -p crossio-conformance --bin crossio-testserver)
  PAGESERVER=$ROOT/target/debug/crossio-testserver
fi
case "$BROWSER" in
  chromium) command -v chromium >/dev/null || { say "chromium missing: run ci/install-browsers.sh" >&2; exit 2; } ;;
  firefox) command -v firefox-esr >/dev/null || { say "firefox-esr missing: run ci/install-browsers.sh" >&2; exit 2; } ;;
  webkit) command -v WebKitWebDriver >/dev/null && command -v xvfb-run >/dev/null ||
    { say "WebKitWebDriver or xvfb-run missing: run ci/install-webkit.sh" >&2; exit 2; } ;;
  node) ;;
  *) say "unknown browser '$BROWSER' (chromium|firefox|webkit|node)" >&2; exit 2 ;;
esac

DIR=$(cd "$(dirname "$PAGE")" && pwd)
NAME=$(basename "$PAGE")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/browser-run.XXXXXX")
LOG="$WORK/output.log"; BLOG="$WORK/browser.log"
: > "$LOG"
SERVER_PID=""; BROWSER_PID=""; TAIL_PID=""

# true while process $1 runs (a zombie, i.e. exited but not yet reaped, does not count)
running() { local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) && [ "${st%% *}" != Z ]; }

cleanup() {
  if [ -n "$BROWSER_PID" ]; then   # the browser's own process group (setsid below)
    kill -TERM -- "-$BROWSER_PID" 2>/dev/null || true
    for _ in $(seq 15); do running "$BROWSER_PID" || break; sleep 0.2; done
    kill -KILL -- "-$BROWSER_PID" 2>/dev/null || true   # whatever of the group is left
    wait "$BROWSER_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$TAIL_PID" ]; then kill "$TAIL_PID" 2>/dev/null || true; wait "$TAIL_PID" 2>/dev/null || true; fi
  if [ -n "${CROSSIO_LOG:-}" ]; then cp "$LOG" "$CROSSIO_LOG" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$NODE" ]; then
  IFS='&' read -r -a NODE_ARGS <<< "$QUERY"
  say "running $NODE $NAME ${NODE_ARGS[*]}"
  [ -z "${CROSSIO_TRUST_CA_PEM:-}" ] || export NODE_EXTRA_CA_CERTS="$CROSSIO_TRUST_CA_PEM"
  (cd "$DIR" && exec setsid "$NODE" "$NAME" "${NODE_ARGS[@]}") >>"$LOG" 2>&1 </dev/null &
  BROWSER_PID=$!; SERVER_PID=$BROWSER_PID   # node is both the server and the browser here
  tail -n +1 -f -s 0.2 --pid="$BROWSER_PID" "$LOG" &
  TAIL_PID=$!
else
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  URL="http://127.0.0.1:$PORT/$NAME?localhost${QUERY:+&$QUERY}&page=$PORT"

  say "serving $DIR with the page server on 127.0.0.1:$PORT"
  "$PAGESERVER" --page "$DIR" --port "$PORT" >>"$LOG" 2>&1 &
  SERVER_PID=$!
  tail -n +1 -f -s 0.2 --pid="$SERVER_PID" "$LOG" &
  TAIL_PID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { say "the page server exited before listening" >&2; exit 1; }
    sleep 0.1
  done

  PROFILE="$WORK/profile"; mkdir -p "$PROFILE"
  say "starting $BROWSER on $URL"
  # Not a job-control shell, so the child is no group leader: setsid runs the browser in place,
  # in a new session and process group whose id is its PID.
  if [ "$BROWSER" = chromium ]; then
    SPKI=(); [ -z "${CROSSIO_TRUST_SPKI:-}" ] || SPKI=(--ignore-certificate-errors-spki-list="$CROSSIO_TRUST_SPKI")
    setsid chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      "${SPKI[@]}" --user-data-dir="$PROFILE" "$URL" >"$BLOG" 2>&1 </dev/null &
  elif [ "$BROWSER" = webkit ]; then
    OPEN=(bash "$(dirname "$0")/webdriver-open.sh" "$URL" "$WORK")
    if [ -n "${CROSSIO_TRUST_CA_PEM:-}" ]; then
      cat /etc/ssl/certs/ca-certificates.crt "$CROSSIO_TRUST_CA_PEM" > "$WORK/ca-bundle.crt"
      # shellcheck disable=SC2016 # expanded by the inner shell
      OPEN=(unshare --mount --propagation private sh -c \
        'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' "$WORK/ca-bundle.crt" "${OPEN[@]}")
    fi
    JSC_useSharedArrayBuffer=true setsid "${OPEN[@]}" >"$BLOG" 2>&1 </dev/null &
  else
    if [ -n "${CROSSIO_TRUST_CA_PEM:-}" ]; then
      command -v certutil >/dev/null || { say "certutil missing: run ci/install-browsers.sh" >&2; exit 2; }
      certutil -N -d "sql:$PROFILE" --empty-password
      certutil -A -d "sql:$PROFILE" -n "crossio test CA" -t "C,," -i "$CROSSIO_TRUST_CA_PEM"
    fi
    MOZ_HEADLESS=1 setsid firefox-esr --headless --no-remote --profile "$PROFILE" "$URL" \
      >"$BLOG" 2>&1 </dev/null &
  fi
  BROWSER_PID=$!
fi

# The page closes its window right after posting its exit code, so the browser and the page
# server often end within one poll of each other: the browser's end counts as a failure only
# when the server is still waiting for the exit code 5 s later.
START=$SECONDS; TIMED_OUT=0; BROWSER_GONE=""; GONE_SINCE=""
while running "$SERVER_PID"; do
  if [ $((SECONDS - START)) -ge "$TIMEOUT" ]; then TIMED_OUT=1; break; fi
  if [ -z "$GONE_SINCE" ] && ! running "$BROWSER_PID"; then GONE_SINCE=$SECONDS; fi
  if [ -n "$GONE_SINCE" ] && [ $((SECONDS - GONE_SINCE)) -ge 5 ]; then BROWSER_GONE=1; break; fi
  sleep 0.2
done
ELAPSED=$((SECONDS - START))
kill -TERM "$SERVER_PID" 2>/dev/null || true
wait "$TAIL_PID" 2>/dev/null || true; TAIL_PID=""

OUT=$(tr -d '\r' < "$LOG")
if [ "$TIMED_OUT" = 1 ] || [ -n "$BROWSER_GONE" ]; then
  LAST=$(printf '%s\n' "$OUT" | sed -nE 's/^(start|test) ([^ ]+).*/\2/p' | tail -n 1)
  if [ "$TIMED_OUT" = 1 ]; then
    say "TIMEOUT after ${TIMEOUT}s; last case started: ${LAST:-<none>}"
  else
    say "browser exited before the program did; last case started: ${LAST:-<none>}"
  fi
  say "browser log (tail, known-harmless lines dropped):"
  grep -vE 'dbus|Exiting due to channel error|unexpected operator|running in headless mode' "$BLOG" \
    | tail -n 20 | sed 's/^/  /' || true
  exit 1
fi
SUMMARY=$(printf '%s\n' "$OUT" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1 || true)
if [ -z "$SUMMARY" ]; then
  say "FAIL: no 'N passed, N failed' line in the output (${ELAPSED}s)"
  exit 1
fi
if printf '%s\n' "$SUMMARY" | grep -qE '^[0-9]+ passed, 0 failed'; then
  say "OK in ${ELAPSED}s ($BROWSER): $SUMMARY"
else
  say "FAIL in ${ELAPSED}s ($BROWSER): $SUMMARY"
  exit 1
fi
