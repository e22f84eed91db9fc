#!/usr/bin/env bash
# Every benchmark, in one command: builds and runs
#   - the native bench (crossio vs raw tokio-tungstenite / reqwest / tokio, raw TCP reference),
#   - native client CPU per GET and per WebSocket round trip, crossio vs raw, counted by
#     valgrind's callgrind (installed from Debian if missing): free of the machine's noise,
#   - the browser bench page in headless Chromium and Firefox, main-thread, worker and jspi modes
#     (crossio vs raw JS WebSocket / fetch(), pool vs pthread_create+join; block_on of a ready
#     future, a GET and a 32 B echo vs awaiting them, in worker and jspi modes), on Emscripten
#     testing (6.0.5),
#   - the release size of a small echo vs the same echo in Rust on raw Emscripten FFI
#     (crossio-raw-echo, target ≤ 1.3×), vs a 150 KB budget and vs the same echo in C (emcc),
#     after wasm-opt, and of its jspi build vs its main-thread build,
# against one test server it starts (release build) and stops, then writes
# target/bench/report.md and target/bench/ratios.svg. Reports, never asserts: a missed target
# does not fail the script; a part that cannot run is reported and skipped.
#   bash ci/bench.sh                 (CROSSIO_BENCH_ROUNDS=R, CROSSIO_BENCH_SECS=S: native rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/bench
T0=$SECONDS
step() { echo; echo "== bench: $* ($(date +%T), +$((SECONDS - T0))s)"; }
mkdir -p "$OUT"
rm -f "$OUT"/rows-*.txt "$OUT"/*.log

step "build native bench, report tool and test server (release, target/bench-native)"
export CARGO_TARGET_DIR=$ROOT/target/bench-native
cargo build --release -p crossio-bench --bin crossio-bench --bin crossio-bench-cpu --bin crossio-bench-report \
  -p crossio-conformance --bin crossio-testserver
NATIVE_BIN=$CARGO_TARGET_DIR/release
unset CARGO_TARGET_DIR

step "start the test server"
# shellcheck source=ci/testserver.sh
source ci/testserver.sh
trap stop_testserver EXIT
start_testserver "$NATIVE_BIN/crossio-testserver"
HTTP_PORT=$TESTSERVER_HTTP_PORT; WS_PORT=$TESTSERVER_WS_PORT
echo "test server: $TESTSERVER_SUMMARY"

step "native bench"
"$NATIVE_BIN/crossio-bench" --http-port "$HTTP_PORT" --ws-port "$WS_PORT" \
  --rounds "${CROSSIO_BENCH_ROUNDS:-13}" --secs "${CROSSIO_BENCH_SECS:-0.3}" | tee "$OUT/rows-native.txt" \
  || echo "native bench failed (its rows so far are kept)"

step "native client CPU per operation (callgrind: counted, not timed)"
if ! command -v valgrind >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null 2>&1 ||
    { $SUDO apt-get update -q >/dev/null 2>&1 &&
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null 2>&1; }; } ||
    echo "valgrind could not be installed: the CPU rows are skipped"
fi
if command -v valgrind >/dev/null; then
  "$NATIVE_BIN/crossio-bench-cpu" --http-port "$HTTP_PORT" --ws-port "$WS_PORT" | tee "$OUT/rows-cpu.txt" \
    || echo "native CPU bench failed (its rows so far are kept)"
fi

step "install Emscripten testing and the browsers if missing"
bash ci/install-emscripten.sh testing
bash ci/install-browsers.sh
# shellcheck disable=SC1090
source "$(bash ci/em-env.sh testing)"
EMCC_VERSION="Emscripten $(emcc --version | head -n1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1)"

# Main-thread mode, release. The link flags of .cargo/config.toml are given to the bench page
# only (cargo rustc), so the size echo links in the same target dir without them.
EM_MAIN=$ROOT/target/bench-em-main
EM=(--release --target wasm32-unknown-emscripten -p crossio-bench)
step "build the browser bench page, main-thread mode (release)"
CARGO_TARGET_DIR=$EM_MAIN CARGO_ENCODED_RUSTFLAGS="" cargo rustc "${EM[@]}" --bin crossio-browser-bench \
  -- -C link-arg=--emrun -C link-arg=-sEXIT_RUNTIME=1 -C link-arg=-sALLOW_MEMORY_GROWTH=1
step "build the size echo and its raw-FFI Rust twin (release, no extra link flags)"
CARGO_TARGET_DIR=$EM_MAIN CARGO_ENCODED_RUSTFLAGS="" cargo rustc "${EM[@]}" --bin crossio-size-echo
CARGO_TARGET_DIR=$EM_MAIN CARGO_ENCODED_RUSTFLAGS="" cargo rustc "${EM[@]}" --bin crossio-raw-echo

EM_WORKER=$ROOT/target/bench-em-worker
step "build the browser bench page, worker mode (release, build-std)"
CARGO_TARGET_DIR=$EM_WORKER RUSTC_BOOTSTRAP=1 cargo build "${EM[@]}" --config .cargo/worker.toml \
  --bin crossio-browser-bench

# jspi mode, release: the bench page and the size echo, both through cargo rustc with the link
# flags spelled out (as for main-thread mode), so they share one target dir.
EM_JSPI=$ROOT/target/bench-em-jspi
JSPI_LINK=(-C link-arg=-sJSPI -C link-arg=--pre-js=backend-emscripten/js/jspi-pre.js)
step "build the browser bench page, jspi mode (release)"
CARGO_TARGET_DIR=$EM_JSPI CARGO_ENCODED_RUSTFLAGS="" cargo rustc "${EM[@]}" --features crossio-emscripten/jspi \
  --bin crossio-browser-bench -- "${JSPI_LINK[@]}" \
  -C link-arg=--emrun -C link-arg=-sEXIT_RUNTIME=1 -C link-arg=-sALLOW_MEMORY_GROWTH=1
step "build the size echo, jspi mode (release)"
CARGO_TARGET_DIR=$EM_JSPI CARGO_ENCODED_RUSTFLAGS="" cargo rustc "${EM[@]}" --features crossio-emscripten/jspi \
  --bin crossio-size-echo -- "${JSPI_LINK[@]}"

for browser in chromium firefox; do
  for mode in main worker jspi; do
    case $mode in main) dir=$EM_MAIN ;; worker) dir=$EM_WORKER ;; jspi) dir=$EM_JSPI ;; esac
    step "browser bench in $browser, $mode mode"
    CROSSIO_LOG="$OUT/rows-browser-$browser-$mode.txt" bash ci/browser-run.sh "$browser" \
      "$dir/wasm32-unknown-emscripten/release/crossio-browser-bench.js" 300 \
      "http=$HTTP_PORT&ws=$WS_PORT&browser=$browser" \
      || echo "browser bench ($browser, $mode) did not end with 0 failed; its rows so far are kept"
    grep -E '^bench ' "$OUT/rows-browser-$browser-$mode.txt" || true
  done
  # block_on in jspi mode (the page's main thread, suspending) against worker mode (a parked
  # worker thread): the two pages' medians, same run and server
  python3 - "$OUT/rows-browser-$browser-jspi.txt" "$OUT/rows-browser-$browser-worker.txt" "$browser" \
    > "$OUT/rows-browser-$browser-jspi-vs-worker.txt" <<'PY'
import sys
def rows(path):
    out = {}
    try:
        for line in open(path, errors="replace"):
            f = line[line.find("ROW|"):].rstrip("\n").split("|") if "ROW|" in line else []
            if len(f) == 11 and f[1] == "compare":
                out[f[3]] = float(f[5])
    except OSError:
        pass
    return out
jspi, worker, browser = rows(sys.argv[1]), rows(sys.argv[2]), sys.argv[3]
for case, j in jspi.items():
    w = worker.get(case)
    if w:
        print(f"ROW|compare|{browser} jspi vs worker|{case}|op/s|{j}|{w}|{j / w}|{j / w}|{j / w}|"
              f"block_on medians of the jspi page (main thread, suspending) vs the worker page (parked worker thread)")
PY
  cat "$OUT/rows-browser-$browser-jspi-vs-worker.txt"
done

step "build the size echo and its raw-FFI twin with a size profile (opt-level=z, lto, codegen-units=1, panic=abort)"
EM_SIZE=$ROOT/target/bench-em-size
for bin in crossio-size-echo crossio-raw-echo; do
  CARGO_TARGET_DIR=$EM_SIZE CARGO_ENCODED_RUSTFLAGS="" cargo rustc "${EM[@]}" --bin "$bin" \
    --config 'profile.release.opt-level="z"' --config profile.release.lto=true \
    --config profile.release.codegen-units=1 --config 'profile.release.panic="abort"'
done

step "size: crossio echo vs the raw-FFI Rust echo, a 150 KB budget and the C echo (emcc), after wasm-opt -Oz"
SIZE=$OUT/size; rm -rf "$SIZE"; mkdir -p "$SIZE"
WASM_OPT_FLAGS=(-Oz --enable-bulk-memory --enable-multivalue --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext
  --enable-exception-handling)
# take SIDE DIR [BIN]: copy echo BIN's .js/.wasm (default crossio-size-echo; the C build's
# echo.js/echo.wasm) from DIR, run wasm-opt -Oz over the wasm
take() {
  local bin=${3:-crossio-size-echo}
  mkdir -p "$SIZE/$1"
  cp "$2/$bin.js" "$SIZE/$1/echo.js" 2>/dev/null || cp "$2/echo.js" "$SIZE/$1/echo.js"
  cp "$2/${bin//-/_}.wasm" "$SIZE/$1/echo.wasm" 2>/dev/null || cp "$2/echo.wasm" "$SIZE/$1/echo.wasm"
  if ! "$CROSSIO_WASM_OPT" "${WASM_OPT_FLAGS[@]}" "$SIZE/$1/echo.wasm" -o "$SIZE/$1/echo.opt.wasm"; then
    echo "wasm-opt -Oz failed on $1: measuring emcc's own output"; return 0
  fi
  mv "$SIZE/$1/echo.opt.wasm" "$SIZE/$1/echo.wasm"
}
mkdir -p "$SIZE/c-O3-build" "$SIZE/c-Oz-build"
emcc -O3 bench/csrc/echo.c -lwebsocket.js -o "$SIZE/c-O3-build/echo.js"
emcc -Oz bench/csrc/echo.c -lwebsocket.js -o "$SIZE/c-Oz-build/echo.js"
take rust-release "$EM_MAIN/wasm32-unknown-emscripten/release"
take rust-sizeprof "$EM_SIZE/wasm32-unknown-emscripten/release"
take raw-release "$EM_MAIN/wasm32-unknown-emscripten/release" crossio-raw-echo
take raw-sizeprof "$EM_SIZE/wasm32-unknown-emscripten/release" crossio-raw-echo
take rust-jspi "$EM_JSPI/wasm32-unknown-emscripten/release"
take c-O3 "$SIZE/c-O3-build"
take c-Oz "$SIZE/c-Oz-build"
sz() { stat -c %s "$1"; }
gz() { gzip -9c "$1" | wc -c; }
SEC="emscripten ${EMCC_VERSION##* }"
# size_row KIND CASE CROSSIO OTHER HOW: one row for wasm + js, one for the wasm alone
size_row() {
  local rw rj cw cj rg cg
  rw=$(sz "$SIZE/$3/echo.wasm"); rj=$(sz "$SIZE/$3/echo.js")
  cw=$(sz "$SIZE/$4/echo.wasm"); cj=$(sz "$SIZE/$4/echo.js")
  rg=$(( $(gz "$SIZE/$3/echo.wasm") + $(gz "$SIZE/$3/echo.js") ))
  cg=$(( $(gz "$SIZE/$4/echo.wasm") + $(gz "$SIZE/$4/echo.js") ))
  local r w
  r=$(python3 -c "print(($rw+$rj)/($cw+$cj))"); w=$(python3 -c "print($rw/$cw)")
  echo "ROW|$1|$SEC|echo, $2: wasm + js|bytes|$((rw + rj))|$((cw + cj))|$r|$r|$r|$5; crossio wasm $rw + js $rj, other wasm $cw + js $cj; gzip -9 total $rg vs $cg"
  echo "ROW|$1|$SEC|echo, $2: wasm only|bytes|$rw|$cw|$w|$w|$w|$5"
}
{
  size_row size "release vs raw-FFI Rust" rust-release raw-release "cargo --release, both; raw: crossio-raw-echo (websocket.h by hand, no crossio)"
  size_row size "size profile vs raw-FFI Rust" rust-sizeprof raw-sizeprof "opt-level=z, lto, codegen-units=1, panic=abort, both"
  rw=$(sz "$SIZE/rust-release/echo.wasm"); r=$(python3 -c "print($rw/150000)")
  echo "ROW|size-budget|$SEC|echo, release: wasm only vs a 150 KB budget|bytes|$rw|150000|$r|$r|$r|cargo --release + wasm-opt -Oz (150 KB the goal, 200 KB the limit)"
  size_row compare "release vs C" rust-release c-O3 "lower is better; cargo --release vs emcc -O3"
  size_row compare "size profile vs C" rust-sizeprof c-Oz "lower is better; opt-level=z, lto, codegen-units=1, panic=abort vs emcc -Oz"
  jw=$(sz "$SIZE/rust-jspi/echo.wasm"); mw=$(sz "$SIZE/rust-release/echo.wasm")
  r=$(python3 -c "print($jw/$mw)")
  echo "ROW|compare|$SEC|echo, release: jspi build vs main-thread build, wasm only|bytes|$jw|$mw|$r|$r|$r|lower is better; both cargo --release + wasm-opt -Oz; jspi: --features crossio-emscripten/jspi, -sJSPI"
} | tee "$OUT/rows-size.txt"

step "report"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -n1), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "toolchains: $(rustc -V); $EMCC_VERSION; $(chromium --version 2>/dev/null | head -n1 | sed 's/ built on.*//')"
  echo "command: bash ci/bench.sh (test server: release crossio-testserver on 127.0.0.1, shared by every part)"
} > "$OUT/meta.txt"
"$NATIVE_BIN/crossio-bench-report" "$OUT" "$OUT/meta.txt" "$OUT"/rows-*.txt > /dev/null
cat "$OUT/report.md"
step "done in $((SECONDS - T0))s: $OUT/report.md, $OUT/ratios.svg"
