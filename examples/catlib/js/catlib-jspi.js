// catlib's blocking C API as Promise-returning functions for page JS (catlib's jspi build).
//
// In the jspi build, catlib's blocking functions run on the page's main thread and suspend
// the wasm stack (JSPI) instead of blocking it: the page keeps rendering and handling events,
// and page JS gets a Promise of the result. This file wraps those exports.
//
// Link. Build libcatlib.a in jspi mode and link it with the page flags of emcc-flags.sh (no C
// file of your own is needed; page JS calls the exports). Release, as a page should ship:
// Chromium compiles wasm functions on their first call, on the page's main thread, so a first
// call holds the page longer than the next ones (the demo page's first fetch: 46-60 ms in a
// debug build, 24-56 ms in release, later ones 14-20 ms); the demo page makes one call of each
// kind at load for this.
//
//   cargo build --release --target wasm32-unknown-emscripten -p catlib --lib \
//     --config .cargo/jspi.toml --features crossio-emscripten/jspi
//   export CATLIB_LIBDIR=$PWD/target/wasm32-unknown-emscripten/release
//   emcc $(bash examples/catlib/emcc-flags.sh --page-libs jspi) -o catlib-page-jspi.js
//
// (CATLIB_LIBDIR: where cargo left libcatlib.a; `bash ci/catlib.sh --site jspi` does all this
// for the demo page.)
//
// `--page-libs jspi` is `--libs jspi` (libcatlib.a -fwasm-exceptions -lwebsocket.js -sJSPI
// --pre-js=backend-emscripten/js/jspi-pre.js) followed by
//
//   --no-entry
//   -sJSPI_EXPORTS=catlib_fetch_text,catlib_ws_roundtrip,catlib_hash_blocking
//   -sEXPORTED_FUNCTIONS=_catlib_init,_catlib_shutdown,_catlib_last_error,_catlib_fetch_text,_catlib_ws_roundtrip,_catlib_hash_blocking,_malloc,_free
//   -sEXPORTED_RUNTIME_METHODS=stringToNewUTF8,UTF8ToString,HEAPU8,HEAPU32
//   -sALLOW_MEMORY_GROWTH=1
//
// so the three blocking functions are promising exports (each call returns a Promise of its
// status) and the rest are plain exports this wrapper uses.
//
// Use. Load this file before the module and create the wrapper once the runtime is up:
//
//   <script>
//     var Module = { onRuntimeInitialized() { window.catlib = catlibJspi(Module); catlib.init(); } };
//   </script>
//   <script src="catlib-jspi.js"></script>
//   <script src="catlib-page-jspi.js"></script>
//
//   const text  = await catlib.fetchText('http://127.0.0.1:9000/status/200');
//   const reply = await catlib.wsRoundtrip('ws://127.0.0.1:9001/echo', 'hi');
//   const hex   = await catlib.hashBlocking(new Uint8Array([1, 2, 3]), 1000);  // 16 hex digits
//
// A failure rejects with an Error whose `message` is catlib's (catlib_last_error()), `status`
// the catlib_status number and `code` its name ('CATLIB_ERR_HTTP', …). A NULL argument can be
// passed as `null` (fetchText(null) rejects with CATLIB_ERR_NULL_ARGUMENT).
//
// Queueing. Only one call may be suspended at a time (Emscripten shares one shadow stack
// between suspended calls; catlib answers a second one CATLIB_ERR_WOULD_BLOCK). The wrapper
// queues its calls: a call made while another is running starts when that one has settled,
// whatever its outcome, so a double click never meets the refusal. `catlib.pending` counts the
// calls queued or running; each function takes an optional last argument `{ onStart() }`,
// called when that call leaves the queue and enters catlib. `catlib.unqueued` has the same
// three functions without the queue (a second one while a call is suspended rejects with
// CATLIB_ERR_WOULD_BLOCK); use them only to show that refusal. In a browser without JSPI (WebKit today) every blocking call rejects
// with CATLIB_ERR_WOULD_BLOCK; catlib's *_async C functions still work there.
//
// Results are read with catlib's size-query protocol: a 64 KiB buffer first; a longer result
// is fetched again into a buffer of the size catlib asked for (the operation runs twice).
function catlibJspi(M) {
  'use strict';
  const NAMES = ['CATLIB_OK', 'CATLIB_ERR_NULL_ARGUMENT', 'CATLIB_ERR_BUFFER_TOO_SMALL',
    'CATLIB_ERR_INVALID_UTF8', 'CATLIB_ERR_NOT_INITIALIZED', 'CATLIB_ERR_WOULD_BLOCK',
    'CATLIB_ERR_INVALID_INPUT', 'CATLIB_ERR_CONNECT', 'CATLIB_ERR_TIMEOUT', 'CATLIB_ERR_CLOSED',
    'CATLIB_ERR_PROTOCOL', 'CATLIB_ERR_HTTP', 'CATLIB_ERR_CAPACITY', 'CATLIB_ERR_CANCELLED',
    'CATLIB_ERR_PANIC', 'CATLIB_ERR_IO', 'CATLIB_ERR_UNSUPPORTED'];
  const BUFFER_TOO_SMALL = 2;
  const FIRST_CAP = 64 * 1024;
  for (const f of ['_catlib_init', '_catlib_last_error', '_catlib_fetch_text', '_catlib_ws_roundtrip',
    '_catlib_hash_blocking', '_malloc', '_free', 'stringToNewUTF8', 'UTF8ToString']) {
    if (typeof M[f] !== 'function') {
      throw new Error(`catlibJspi: Module.${f} is missing: link with emcc-flags.sh --page-libs jspi`);
    }
  }

  // The Error for `status`, with catlib_last_error(): read as soon as the call's Promise
  // settles (a catlib call made in between by other code would replace the message; queued
  // calls never overlap).
  function failure(status) {
    const e = new Error(M.UTF8ToString(M._catlib_last_error()) || `catlib status ${status}`);
    e.status = status;
    e.code = NAMES[status] || `catlib status ${status}`;
    return e;
  }

  let tail = Promise.resolve();
  let pending = 0;
  // Run `job` after every call queued before it has settled, whatever its outcome; call
  // `opts.onStart()` (if given) just before.
  function queued(job, opts) {
    pending++;
    const start = () => {
      if (opts && typeof opts.onStart === 'function') opts.onStart();
      return job();
    };
    const run = tail.then(start).finally(() => { pending--; });
    tail = run.catch(() => {});
    return run;
  }

  // Allocate NUL-terminated copies of `strings` (null stays NULL), run `f(...ptrs)` and free
  // them when the Promise it returns settles.
  async function withStrings(strings, f) {
    const ptrs = strings.map((s) => (s === null || s === undefined ? 0 : M.stringToNewUTF8(String(s))));
    try {
      return await f(...ptrs);
    } finally {
      ptrs.forEach((p) => p && M._free(p));
    }
  }

  // The size-query protocol around `call(out, cap, neededPtr)`, a Promise of a status.
  async function text(call) {
    const needed = M._malloc(4);
    try {
      let cap = FIRST_CAP;
      for (;;) {
        const out = M._malloc(cap);
        try {
          const st = await call(out, cap, needed);
          if (st === 0) return M.UTF8ToString(out);
          if (st !== BUFFER_TOO_SMALL || cap !== FIRST_CAP) throw failure(st);
          cap = M.HEAPU32[needed >> 2] >>> 0;
        } finally {
          M._free(out);
        }
      }
    } finally {
      M._free(needed);
    }
  }

  function fetchText(url) {
    return withStrings([url], (u) => text((out, cap, needed) => M._catlib_fetch_text(u, out, cap, needed)));
  }
  function wsRoundtrip(url, msg) {
    return withStrings([url, msg], (u, m) =>
      text((out, cap, needed) => M._catlib_ws_roundtrip(u, m, out, cap, needed)));
  }
  async function hashBlocking(bytes, rounds) {
    const data = bytes && bytes.length ? M._malloc(bytes.length) : 0;
    const out = M._malloc(8);
    try {
      if (data) M.HEAPU8.set(bytes, data); // read HEAPU8 after malloc: memory may have grown
      const st = await M._catlib_hash_blocking(data, bytes ? bytes.length : 0, rounds >>> 0, out);
      if (st !== 0) throw failure(st);
      const lo = M.HEAPU32[out >> 2] >>> 0;
      const hi = M.HEAPU32[(out >> 2) + 1] >>> 0;
      return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
    } finally {
      if (data) M._free(data);
      M._free(out);
    }
  }

  return {
    // catlib_init (not blocking, so not a promising export); throws on failure.
    init() {
      const st = M._catlib_init();
      if (st !== 0) throw failure(st);
    },
    fetchText: (url, opts) => queued(() => fetchText(url), opts),
    wsRoundtrip: (url, msg, opts) => queued(() => wsRoundtrip(url, msg), opts),
    hashBlocking: (bytes, rounds, opts) => queued(() => hashBlocking(bytes, rounds), opts),
    get pending() { return pending; },
    unqueued: { fetchText, wsRoundtrip, hashBlocking },
  };
}
if (typeof module !== 'undefined') module.exports = catlibJspi;
