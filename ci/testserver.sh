# Sourced by ci scripts: start_testserver [BINARY] starts the test server on 127.0.0.1 (by
# default target/debug/crossio-testserver, built here) and sets TESTSERVER_JSON (its ports as
# JSON), TESTSERVER_SUMMARY (the same without the CA PEM, for logs), TESTSERVER_QUERY (the browser runners' port query), TESTSERVER_HTTP_PORT and
# TESTSERVER_WS_PORT, and exports for ci/browser-run.sh what the browsers must trust (the
# test CA generated at the server's start): CROSSIO_TRUST_CA_PEM (a file holding the CA's
# PEM) and CROSSIO_TRUST_SPKI (base64 SHA-256 of the trusted server certificate's SPKI, for
# Chromium); stop_testserver ends it. The server runs until its stdin (a FIFO held
# open here) closes.
# shellcheck shell=bash disable=SC2034

start_testserver() {
  local bin=${1:-}
  if [ -z "$bin" ]; then
    cargo build -q -p crossio-conformance --bin crossio-testserver
    bin=target/debug/crossio-testserver
  fi
  TESTSERVER_WORK=$(mktemp -d)
  mkfifo "$TESTSERVER_WORK/stdin"
  "$bin" < "$TESTSERVER_WORK/stdin" > "$TESTSERVER_WORK/ports.json" &
  TESTSERVER_PID=$!
  exec 4> "$TESTSERVER_WORK/stdin"
  for _ in $(seq 100); do [ -s "$TESTSERVER_WORK/ports.json" ] && break; sleep 0.1; done
  TESTSERVER_JSON=$(cat "$TESTSERVER_WORK/ports.json")
  # What the logs print: the ports and the CA's fingerprint, not the whole PEM of the test CA.
  TESTSERVER_SUMMARY=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("tls_ca_pem", None); print(json.dumps(d, sort_keys=True))' "$TESTSERVER_WORK/ports.json")
  read -r TESTSERVER_HTTP_PORT TESTSERVER_WS_PORT < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["http_port"], d["ws_port"])' "$TESTSERVER_WORK/ports.json")
  TESTSERVER_QUERY=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("http=%d&ws=%d&closed=%d&fault=%d&page=%d&proxy=%d&refusing_proxy=%d&tls=%d&mtls=%d&untrusted=%d" % (d["http_port"], d["ws_port"], d["closed_port"], d["fault_port"], d["page_port"], d["proxy_port"], d["refusing_proxy_port"], d["tls_port"], d["mtls_port"], d["untrusted_tls_port"]))' "$TESTSERVER_WORK/ports.json")
  python3 -c 'import json,sys; open(sys.argv[2], "w").write(json.load(open(sys.argv[1]))["tls_ca_pem"])' "$TESTSERVER_WORK/ports.json" "$TESTSERVER_WORK/ca.pem"
  CROSSIO_TRUST_CA_PEM=$TESTSERVER_WORK/ca.pem
  CROSSIO_TRUST_SPKI=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tls_spki_sha256"])' "$TESTSERVER_WORK/ports.json")
  export CROSSIO_TRUST_CA_PEM CROSSIO_TRUST_SPKI
}

stop_testserver() {
  exec 4>&- || true
  if [ -n "${TESTSERVER_PID:-}" ]; then
    kill "$TESTSERVER_PID" 2>/dev/null || true
    wait "$TESTSERVER_PID" 2>/dev/null || true
  fi
  rm -rf "${TESTSERVER_WORK:-}"
}
