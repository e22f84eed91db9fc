#!/usr/bin/env bash
# catlib (examples/catlib) in the browser: builds its browser programs, runs its C test program
# (c/demo.c) in headless browsers through emrun, and drives the demo page (examples/demo-page)
# with Playwright-core in headless Chromium. Exits non-zero if any run fails.
#   bash ci/catlib.sh                    # every run below
#   bash ci/catlib.sh testing/worker/chromium demo-page   # a subset
#   bash ci/catlib.sh emcc/jspi/chromium cmake/worker/firefox
# Runs: FLAVOR/MODE/BROWSER (c/demo.c under emrun), KIND/MODE/BROWSER (c/app.c linked by plain
# emcc or CMake, KIND emcc|cmake, MODE main|worker|jspi) and demo-page (testing flavor, worker build,
# Chromium; screenshot in target/demo-page.png). Needs what ci/test.sh installs (Emscripten
# testing + stable, Chromium, Firefox ESR) and node/npm; Playwright-core is installed from npm
# into target/catlib-node/ (no browser download). Builds go to target/em-FLAVOR-MODE/, the
# target directories of ci/build-browser.sh (the conformance runner's), whose dependencies they
# share; each build also leaves libcatlib.a there for the C programs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "catlib[$(date +%T)]: $*"; }
T0=$SECONDS

RUNS=("$@")
if [ ${#RUNS[@]} -eq 0 ]; then
  RUNS=(testing/worker/chromium testing/worker/firefox testing/main/chromium testing/main/firefox
        testing/jspi/chromium testing/jspi/firefox stable/worker/chromium stable/main/chromium
        demo-page)
  for kind in emcc cmake; do
    for mode in main worker jspi; do RUNS+=("$kind/$mode/chromium" "$kind/$mode/firefox"); done
  done
fi

# Build catlib's browser binaries for FLAVOR and MODE (once per pair); sets BUILT_DIR.
declare -A BUILT=()
build() {
  local flavor=$1 mode=$2 args
  BUILT_DIR="$ROOT/target/em-$flavor-$mode/wasm32-unknown-emscripten/debug"
  [ -n "${BUILT[$flavor/$mode]:-}" ] && return 0
  args=(build --target wasm32-unknown-emscripten -p catlib --lib --bins)
  case "$mode" in
    worker) args+=(--config .cargo/worker.toml) ;;
    jspi) args+=(--config .cargo/jspi.toml --features crossio-emscripten/jspi) ;;
  esac
  say "build ($flavor, $mode): cargo ${args[*]}"
  local start=$SECONDS
  (
    # shellcheck disable=SC1090
    source "$(bash ci/em-env.sh "$flavor")"
    export CARGO_TARGET_DIR="$ROOT/target/em-$flavor-$mode"
    [ "$mode" = worker ] && export RUSTC_BOOTSTRAP=1
    cargo "${args[@]}"
  )
  say "build ($flavor, $mode): done in $((SECONDS - start))s"
  BUILT[$flavor/$mode]=1
}

# c/app.c, a C program with its own main, linked with libcatlib.a by plain emcc (KIND=emcc) or
# by the CMake project c/CMakeLists.txt (KIND=cmake), with the flags of
# examples/catlib/emcc-flags.sh for MODE (Emscripten testing; libcatlib.a from build()).
# Once per KIND/MODE; sets APP_JS.
declare -A LINKED=()
link_c_app() {
  local kind=$1 mode=$2 out="$ROOT/target/catlib-c/$1-$2"
  build testing "$mode"
  if [ "$kind" = emcc ]; then APP_JS="$out/app.js"; else APP_JS="$out/catlib-app.js"; fi
  [ -n "${LINKED[$kind/$mode]:-}" ] && return 0
  say "link c/app.c ($kind, $mode)"
  (
    # shellcheck disable=SC1090
    source "$(bash ci/em-env.sh testing)"
    rm -rf "$out"; mkdir -p "$out"
    if [ "$kind" = emcc ]; then
      # shellcheck disable=SC2046
      emcc examples/catlib/c/app.c $(bash examples/catlib/emcc-flags.sh --cflags "$mode") \
        $(bash examples/catlib/emcc-flags.sh --libs "$mode") --emrun -sEXIT_RUNTIME=1 \
        -o "$out/app.js"
    else
      command -v cmake >/dev/null || { say "installing cmake (apt)"; apt-get install -y -q cmake >/dev/null; }
      emcmake cmake -S examples/catlib/c -B "$out" -DCATLIB_MODE="$mode" \
        -DCMAKE_EXE_LINKER_FLAGS="--emrun -sEXIT_RUNTIME=1" > "$out.configure.log"
      emmake make -C "$out" > "$out.make.log"
    fi
  ) 2>&1 | grep -v 'JSPI (ASYNCIFY=2) is still experimental' || true
  [ -f "$APP_JS" ] || { say "link ($kind, $mode) failed"; return 1; }
  LINKED[$kind/$mode]=1
}

# The test server (native), through ci/testserver.sh as ci/browser-suite.sh runs it.
NATIVE_TARGET=${CATLIB_NATIVE_TARGET_DIR:-$ROOT/target}
CARGO_TARGET_DIR="$NATIVE_TARGET" cargo build -q -p crossio-conformance --bin crossio-testserver
WORK=$(mktemp -d)
# shellcheck source=ci/testserver.sh
source ci/testserver.sh
trap 'stop_testserver; rm -rf "$WORK"' EXIT
start_testserver "$NATIVE_TARGET/debug/crossio-testserver"
HTTP_PORT=$TESTSERVER_HTTP_PORT; WS_PORT=$TESTSERVER_WS_PORT
say "test server: $TESTSERVER_JSON"

mkdir -p target/browser-logs
status=0
SUMMARY=()
# Run JS in BROWSER with QUERY under Emscripten FLAVOR's emrun, logging to $LOG; record the
# closing line (and the heartbeat lines) in SUMMARY, or the failure.
#   browser_run RUN FLAVOR BROWSER JS TIMEOUT QUERY
browser_run() {
  local run=$1 flavor=$2 browser=$3 js=$4 timeout=$5 query=$6
  if (
    # shellcheck disable=SC1090
    source "$(bash ci/em-env.sh "$flavor")"
    CROSSIO_LOG="$LOG" bash ci/browser-run.sh "$browser" "$js" "$timeout" "$query"
  ) > "$WORK/run.out" 2>&1; then
    SUMMARY+=("$run: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n1)")
    grep -E '^test heartbeat_' "$LOG" | sed 's/^/  /' || true
  else
    cat "$WORK/run.out"
    SUMMARY+=("$run: FAILED (log: $LOG)"); status=1
  fi
}

for run in "${RUNS[@]}"; do
  if [ "$run" = demo-page ]; then
    build testing worker
    SITE="$ROOT/target/catlib-demo-page"
    rm -rf "$SITE"; mkdir -p "$SITE"
    cp examples/demo-page/index.html "$SITE/"
    # cargo names the .js after the binary and the .wasm (and 3.1.69's .worker.js) after the crate
    for f in catlib-demo-page.js catlib_demo_page.wasm catlib_demo_page.worker.js; do
      if [ -f "$BUILT_DIR/$f" ]; then cp "$BUILT_DIR/$f" "$SITE/"; fi
    done
    NODE_DIR="$ROOT/target/catlib-node"
    if [ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
      say "installing playwright-core from npm into $NODE_DIR (no browser download)"
      mkdir -p "$NODE_DIR"
      [ -f "$NODE_DIR/package.json" ] || echo '{"name":"catlib-demo-page-driver","private":true}' > "$NODE_DIR/package.json"
      (cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error playwright-core@1)
    fi
    say "demo-page: Playwright-core + /usr/bin/chromium"
    LOG=target/browser-logs/catlib-demo-page.log
    if NODE_PATH="$NODE_DIR/node_modules" timeout 300 node examples/demo-page/test.cjs \
        "$SITE" "$HTTP_PORT" "$WS_PORT" "$ROOT/target/demo-page.png" 2>&1 | tee "$LOG"; then
      SUMMARY+=("demo-page chromium: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n1)")
    else
      SUMMARY+=("demo-page chromium: FAILED (log: $LOG)"); status=1
    fi
    continue
  fi
  IFS=/ read -r flavor mode browser <<< "$run"
  if [ "$flavor" = emcc ] || [ "$flavor" = cmake ]; then
    LOG="$ROOT/target/browser-logs/catlib-c-$flavor-$mode-$browser.log"
    say "c/app.c ($flavor, $mode) in $browser"
    if link_c_app "$flavor" "$mode"; then
      browser_run "$run" testing "$browser" "$APP_JS" 120 "http=$HTTP_PORT&ws=$WS_PORT&mode=$mode"
    else
      SUMMARY+=("$run: FAILED (link)"); status=1
    fi
    continue
  fi
  case "$flavor/$mode/$browser" in
    testing/main/*|testing/worker/*|testing/jspi/*|stable/main/*|stable/worker/*) ;;
    *) say "unknown run '$run' (FLAVOR/MODE/BROWSER or demo-page)"; exit 2 ;;
  esac
  build "$flavor" "$mode"
  LOG="$ROOT/target/browser-logs/catlib-$flavor-$mode-$browser.log"
  say "c/demo.c in $browser ($flavor, $mode)"
  browser_run "$run" "$flavor" "$browser" "$BUILT_DIR/catlib-browser.js" 300 "$TESTSERVER_QUERY"
done

say "summary ($((SECONDS - T0))s):"
printf '  %s\n' "${SUMMARY[@]}"
exit $status
