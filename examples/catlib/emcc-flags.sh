#!/usr/bin/env bash
# The emcc flags a C or C++ program needs to link catlib (libcatlib.a + catlib.h) in each
# browser mode: the one place they are written (README's table copies them; the CMake example
# examples/catlib/c/CMakeLists.txt and ci/catlib.sh read them from here).
#   bash examples/catlib/emcc-flags.sh --cflags MODE   # compile flags
#   bash examples/catlib/emcc-flags.sh --libs MODE     # link flags, libcatlib.a included
#   bash examples/catlib/emcc-flags.sh --page-libs jspi  # link flags of a module page JS drives
#                                                         # through js/catlib-jspi.js (no main)
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
  echo "usage: $0 --cflags|--libs main|worker|jspi, or --page-libs jspi" >&2; exit 2 ;;
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
    # answer CATLIB_ERR_WOULD_BLOCK. For page JS calling the blocking functions as Promises:
    # --page-libs jspi (below).
    libs+=(-sJSPI "--pre-js=$ROOT/backend-emscripten/js/jspi-pre.js") ;;
esac
# --page-libs jspi: a module without a C main whose blocking functions page JS calls through
# js/catlib-jspi.js. --no-entry: there is no main (without it a debug link asks for main and
# pulls crossio's PROXY_TO_PTHREAD entry shim out of libcatlib.a: "undefined symbol: main").
# The blocking functions become promising exports (each call returns a Promise and may
# suspend); the wrapper also needs catlib_init/last_error, malloc/free and the runtime's string
# and heap helpers; page JS passes buffers of any size, so memory may grow. (The commas are
# emcc's list syntax.)
# shellcheck disable=SC2054
page_libs=("${libs[@]}" --no-entry
  -sJSPI_EXPORTS=catlib_fetch_text,catlib_ws_roundtrip,catlib_hash_blocking
  -sEXPORTED_FUNCTIONS=_catlib_init,_catlib_shutdown,_catlib_last_error,_catlib_fetch_text,_catlib_ws_roundtrip,_catlib_hash_blocking,_malloc,_free
  -sEXPORTED_RUNTIME_METHODS=stringToNewUTF8,UTF8ToString,HEAPU8,HEAPU32
  -sALLOW_MEMORY_GROWTH=1)
case "$WHAT" in
  --cflags) echo "${cflags[@]}" ;;
  --libs) echo "${libs[@]}" ;;
  --page-libs)
    [ "$MODE" = jspi ] || { echo "$0: --page-libs is for jspi only (page JS reaches the worker build through messages)" >&2; exit 2; }
    echo "${page_libs[@]}" ;;
  *) echo "usage: $0 --cflags|--libs main|worker|jspi, or --page-libs jspi" >&2; exit 2 ;;
esac
