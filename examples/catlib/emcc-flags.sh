#!/usr/bin/env bash
# The emcc flags a C or C++ program needs to link catlib (libcatlib.a + catlib.h) in each
# browser mode: the one place they are written (README's table copies them; the CMake example
# examples/catlib/c/CMakeLists.txt and ci/catlib.sh read them from here).
#   bash examples/catlib/emcc-flags.sh --cflags MODE   # compile flags
#   bash examples/catlib/emcc-flags.sh --libs MODE     # link flags, libcatlib.a included
# MODE: main (main-thread: the async API), worker (-sPROXY_TO_PTHREAD: the blocking API on a
# Web Worker), jspi (-sJSPI: the blocking API on the page's main thread, suspending).
# libcatlib.a comes from `cargo build --target wasm32-unknown-emscripten -p catlib --lib` built
# for MODE (see README); by default the one ci/catlib.sh builds, in
# target/em-testing-MODE/wasm32-unknown-emscripten/debug; set CATLIB_LIBDIR to use another.
set -euo pipefail
WHAT=${1:-}; MODE=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
case "$MODE" in main|worker|jspi) ;; *)
  echo "usage: $0 --cflags|--libs main|worker|jspi" >&2; exit 2 ;;
esac
LIBDIR=${CATLIB_LIBDIR:-$ROOT/target/em-testing-$MODE/wasm32-unknown-emscripten/debug}

cflags=(-I"$HERE/include")
# Every mode: the Rust code in libcatlib.a uses wasm exception handling (else "undefined
# symbol: __cpp_exception"), and crossio's WebSocket glue needs Emscripten's websocket.h JS
# library (else "undefined symbol: $WS"): a Rust binary's link gets both from rustc, a C
# program's link must name them.
libs=("$LIBDIR/libcatlib.a" -fwasm-exceptions -lwebsocket.js)
case "$MODE" in
  worker)
    # pthreads (libcatlib.a is built with +atomics for this mode), main() on a Web Worker,
    # workers created up front for catlib's pool, memory for their 2 MiB stacks
    cflags+=(-pthread)
    libs+=(-pthread -sPROXY_TO_PTHREAD -sPTHREAD_POOL_SIZE=8 -sINITIAL_MEMORY=256MB) ;;
  jspi)
    # main() becomes a promising export and crossio's wait a suspending import; the pre-js
    # lets the module load in a browser without JSPI (WebKit), where blocking calls then
    # answer CATLIB_ERR_WOULD_BLOCK. Page JS that calls a blocking function adds
    # -sJSPI_EXPORTS=catlib_fetch_text,... and gets a Promise (a queueing page wrapper is not
    # written yet).
    libs+=(-sJSPI "--pre-js=$ROOT/backend-emscripten/js/jspi-pre.js") ;;
esac
case "$WHAT" in
  --cflags) echo "${cflags[@]}" ;;
  --libs) echo "${libs[@]}" ;;
  *) echo "usage: $0 --cflags|--libs main|worker|jspi" >&2; exit 2 ;;
esac
