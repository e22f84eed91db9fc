# Sourced by ci scripts: start_testserver starts target/debug/crossio-testserver on 127.0.0.1
# and sets TESTSERVER_QUERY (the runner's port query) and TESTSERVER_JSON; stop_testserver
# ends it. The server runs until its stdin (a FIFO held open here) closes.
# shellcheck shell=bash

start_testserver() {
  cargo build -q -p crossio-conformance --bin crossio-testserver
  TESTSERVER_WORK=$(mktemp -d)
  mkfifo "$TESTSERVER_WORK/stdin"
  target/debug/crossio-testserver < "$TESTSERVER_WORK/stdin" > "$TESTSERVER_WORK/ports.json" &
  TESTSERVER_PID=$!
  exec 4> "$TESTSERVER_WORK/stdin"
  for _ in $(seq 100); do [ -s "$TESTSERVER_WORK/ports.json" ] && break; sleep 0.1; done
  TESTSERVER_JSON=$(cat "$TESTSERVER_WORK/ports.json")
  TESTSERVER_QUERY=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("http=%d&ws=%d&closed=%d&fault=%d" % (d["http_port"], d["ws_port"], d["closed_port"], d["fault_port"]))' "$TESTSERVER_WORK/ports.json")
}

stop_testserver() {
  exec 4>&- || true
  if [ -n "${TESTSERVER_PID:-}" ]; then
    kill "$TESTSERVER_PID" 2>/dev/null || true
    wait "$TESTSERVER_PID" 2>/dev/null || true
  fi
  rm -rf "${TESTSERVER_WORK:-}"
}
