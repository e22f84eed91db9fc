#!/usr/bin/env bash
# catlib (examples/catlib) in the browser: builds its browser programs, runs its C test program
# (c/demo.c) in headless browsers through ci/browser-run.sh, and drives the demo page (examples/demo-page)
# with Playwright-core in headless Chromium. Exits non-zero if any run fails.
#   bash ci/catlib.sh                    # every run below
#   bash ci/catlib.sh testing/worker/chromium demo-page   # a subset
#   bash ci/catlib.sh emcc/jspi/chromium cmake/worker/firefox
#   bash ci/catlib.sh --site worker|jspi # only build the demo page's site (ci/demo-server.sh);
#                                        # its last line is "site: DIR"
# Runs: FLAVOR/MODE/BROWSER (c/demo.c in a page), KIND/MODE/BROWSER (c/app.c linked by plain
# emcc or CMake, KIND emcc|cmake, MODE main|worker|jspi), demo-page (examples/demo-page in
# Chromium, worker build; screenshot in target/demo-page.png) and demo-page-jspi (the same
# page in jspi mode: libcatlib.a, release, linked by emcc with `emcc-flags.sh --page-libs
# jspi`, called from page JS through examples/catlib/js/catlib-jspi.js;
# target/demo-page-jspi.png). Needs
# what ci/test.sh installs (Emscripten testing + stable, Chromium, Firefox ESR) and node/npm;
# Playwright-core is installed from npm into target/catlib-node/ (no browser download). Builds
# go to target/em-FLAVOR-MODE/, the target directories of ci/build-browser.sh (the conformance
# runner's), whose dependencies they share; each build also leaves libcatlib.a there for the C
# programs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "catlib[$(date +%T)]: $*"; }
T0=$SECONDS

SITE_ONLY=""
if [ "${1:-}" = --site ]; then
  SITE_ONLY=${2:-}
  case "$SITE_ONLY" in worker|jspi) ;; *) echo "usage: $0 --site worker|jspi" >&2; exit 2 ;; esac
  set --
fi
RUNS=("$@")
if [ ${#RUNS[@]} -eq 0 ]; then
  RUNS=(testing/worker/chromium testing/worker/firefox testing/main/chromium testing/main/firefox
        testing/jspi/chromium testing/jspi/firefox stable/worker/chromium stable/main/chromium
        demo-page demo-page-jspi)
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
  ) || { say "build ($flavor, $mode): cargo failed"; return 1; }
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
  build testing "$mode" || return 1
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

# libcatlib.a of the jspi page module: a release build (Emscripten testing), in
# target/em-testing-jspi/wasm32-unknown-emscripten/release. Release, because Chromium compiles
# wasm functions on their first call, on the main thread: the first fetch into catlib held the
# page's counter 46-60 ms with the debug build, 24-56 ms with release (56 on a loaded machine;
# later calls 14-20 ms; limit 50). The page also makes one call of each kind at load.
PAGE_LIBDIR="$ROOT/target/em-testing-jspi/wasm32-unknown-emscripten/release"
build_page_lib() {
  local start=$SECONDS
  say "build (testing, jspi, release): libcatlib.a for the jspi page"
  (
    # shellcheck disable=SC1090
    source "$(bash ci/em-env.sh testing)"
    CARGO_TARGET_DIR="$ROOT/target/em-testing-jspi" cargo build --release \
      --target wasm32-unknown-emscripten -p catlib --lib \
      --config .cargo/jspi.toml --features crossio-emscripten/jspi
  ) || { say "build (testing, jspi, release): cargo failed"; return 1; }
  say "build (testing, jspi, release): done in $((SECONDS - start))s"
}

# The demo page's site for MODE (worker|jspi): index.html and the build it loads, in
# target/catlib-demo-page (worker) or target/catlib-demo-page-jspi; sets SITE.
stage_demo_site() {
  local mode=$1 f
  if [ "$mode" = worker ]; then
    SITE="$ROOT/target/catlib-demo-page"
    build testing worker || return 1
  else
    SITE="$ROOT/target/catlib-demo-page-jspi"
    build_page_lib || return 1
  fi
  rm -rf "$SITE"; mkdir -p "$SITE"
  cp examples/demo-page/index.html "$SITE/"
  if [ "$mode" = worker ]; then
    # cargo names the .js after the binary and the .wasm (and 3.1.69's .worker.js) after the crate
    for f in catlib-demo-page.js catlib_demo_page.wasm catlib_demo_page.worker.js; do
      if [ -f "$BUILT_DIR/$f" ]; then cp "$BUILT_DIR/$f" "$SITE/"; fi
    done
    f="$SITE/catlib-demo-page.js"
  else
    # no C file: libcatlib.a alone, its blocking functions exported for page JS
    cp examples/catlib/js/catlib-jspi.js "$SITE/"
    say "link the jspi page module: emcc \$(emcc-flags.sh --page-libs jspi)"
    (
      # shellcheck disable=SC1090
      source "$(bash ci/em-env.sh testing)"
      # shellcheck disable=SC2046
      emcc $(CATLIB_LIBDIR="$PAGE_LIBDIR" bash examples/catlib/emcc-flags.sh --page-libs jspi) \
        -o "$SITE/catlib-page-jspi.js"
    ) 2>&1 | grep -v 'JSPI (ASYNCIFY=2) is still experimental' || true
    f="$SITE/catlib-page-jspi.js"
  fi
  [ -f "$f" ] || { say "demo site ($mode): $f was not built"; return 1; }
}

if [ -n "$SITE_ONLY" ]; then
  stage_demo_site "$SITE_ONLY" || exit 1
  echo "site: $SITE"
  exit 0
fi

# The test server (native), through ci/testserver.sh as ci/browser-suite.sh runs it.
NATIVE_TARGET=${CATLIB_NATIVE_TARGET_DIR:-$ROOT/target}
CARGO_TARGET_DIR="$NATIVE_TARGET" cargo build -q -p crossio-conformance --bin crossio-testserver
WORK=$(mktemp -d)
# shellcheck source=ci/testserver.sh
source ci/testserver.sh
trap 'stop_testserver; rm -rf "$WORK"' EXIT
start_testserver "$NATIVE_TARGET/debug/crossio-testserver"
HTTP_PORT=$TESTSERVER_HTTP_PORT; WS_PORT=$TESTSERVER_WS_PORT
say "test server: $TESTSERVER_SUMMARY"

mkdir -p target/browser-logs
status=0
SUMMARY=()
# Run JS in BROWSER with QUERY (ci/browser-run.sh; FLAVOR picks the toolchain), logging to $LOG; record the
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

# Playwright-core from npm into target/catlib-node (once; it drives the system's Chromium).
NODE_DIR="$ROOT/target/catlib-node"
need_playwright() {
  if [ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
    say "installing playwright-core from npm into $NODE_DIR (no browser download)"
    mkdir -p "$NODE_DIR"
    [ -f "$NODE_DIR/package.json" ] || echo '{"name":"catlib-demo-page-driver","private":true}' > "$NODE_DIR/package.json"
    (cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error playwright-core@1)
  fi
}

# The demo page in MODE (worker: run demo-page; jspi: run demo-page-jspi), clicked through by
# examples/demo-page/test.cjs in headless Chromium; screenshot target/RUN.png.
run_demo_page() {
  local mode=$1 run=demo-page
  [ "$mode" = jspi ] && run=demo-page-jspi
  LOG=target/browser-logs/catlib-$run.log
  if ! stage_demo_site "$mode"; then
    SUMMARY+=("$run chromium: FAILED (build)"); status=1; return 0
  fi
  need_playwright
  say "$run: Playwright-core + /usr/bin/chromium"
  if NODE_PATH="$NODE_DIR/node_modules" timeout 300 node examples/demo-page/test.cjs \
      "$SITE" "$HTTP_PORT" "$WS_PORT" "$ROOT/target/$run.png" "$mode" 2>&1 | tee "$LOG"; then
    SUMMARY+=("$run chromium: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n1)")
  else
    SUMMARY+=("$run chromium: FAILED (log: $LOG)"); status=1
  fi
}

for run in "${RUNS[@]}"; do
  case "$run" in
    demo-page) run_demo_page worker; continue ;;
    demo-page-jspi) run_demo_page jspi; continue ;;
  esac
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
    *) say "unknown run '$run' (FLAVOR/MODE/BROWSER, demo-page or demo-page-jspi)"; exit 2 ;;
  esac
  build "$flavor" "$mode"
  LOG="$ROOT/target/browser-logs/catlib-$flavor-$mode-$browser.log"
  say "c/demo.c in $browser ($flavor, $mode)"
  browser_run "$run" "$flavor" "$browser" "$BUILT_DIR/catlib-browser.js" 300 "$TESTSERVER_QUERY"
done

say "summary ($((SECONDS - T0))s):"
printf '  %s\n' "${SUMMARY[@]}"
exit $status
