// DRAFT, NOT YET BUILT OR RUN (issue 16 part 3, left for the next session): the demo page's
// jspi variant is to load it. See the report of branch catjspi.
// catlib's blocking C API as Promise-returning functions for page JS (jspi build).
//
// Link the module with the jspi flags of examples/catlib/emcc-flags.sh plus
//   -sJSPI_EXPORTS=catlib_fetch_text,catlib_ws_roundtrip,catlib_hash_blocking
//   -sEXPORTED_FUNCTIONS=_catlib_init,_catlib_last_error,_catlib_fetch_text,_catlib_ws_roundtrip,_catlib_hash_blocking,_malloc,_free
//   -sEXPORTED_RUNTIME_METHODS=stringToNewUTF8,UTF8ToString,HEAPU8,HEAPU32,getValue
// so each blocking function is a promising export: calling it suspends the wasm stack on the
// page's main thread (the page keeps running) and gives a Promise of its status.
//
//   const catlib = catlibJspi(Module);          // after the runtime is initialised
//   const text = await catlib.fetchText(url);   // rejects with {status, message} on failure
//
// Only one call may be suspended at a time (Emscripten shares one shadow stack between
// suspended calls; catlib would answer CATLIB_ERR_WOULD_BLOCK): calls are queued, so a second
// click while one is running waits for the first.
function catlibJspi(M) {
  'use strict';
  const BUFFER_TOO_SMALL = 2;
  let tail = Promise.resolve();
  // Run `job` after every call queued before it, whatever their outcome.
  function queued(job) {
    const run = tail.then(job, job);
    tail = run.catch(() => {});
    return run;
  }
  function fail(status) {
    const e = new Error(M.UTF8ToString(M._catlib_last_error()) + ' (status ' + status + ')');
    e.status = status;
    throw e;
  }
  // The size-query protocol: try 4 KiB; on CATLIB_ERR_BUFFER_TOO_SMALL allocate what
  // `needed` says and call again. `call(out, cap, neededPtr)` returns a Promise of a status.
  async function text(call) {
    const needed = M._malloc(4);
    try {
      let cap = 4096;
      for (let attempt = 0; attempt < 2; attempt++) {
        const out = M._malloc(cap);
        try {
          const st = await call(out, cap, needed);
          if (st === 0) return M.UTF8ToString(out);
          if (st !== BUFFER_TOO_SMALL) fail(st);
          cap = M.getValue(needed, 'i32');
        } finally {
          M._free(out);
        }
      }
      fail(BUFFER_TOO_SMALL);
    } finally {
      M._free(needed);
    }
  }
  function withStrings(strings, f) {
    const ptrs = strings.map((s) => M.stringToNewUTF8(String(s)));
    return Promise.resolve(f(...ptrs)).finally(() => ptrs.forEach((p) => M._free(p)));
  }
  return {
    init() { const st = M._catlib_init(); if (st !== 0) fail(st); },
    fetchText(url) {
      return queued(() => withStrings([url], (u) =>
        text((out, cap, needed) => M._catlib_fetch_text(u, out, cap, needed))));
    },
    wsRoundtrip(url, msg) {
      return queued(() => withStrings([url, msg], (u, m) =>
        text((out, cap, needed) => M._catlib_ws_roundtrip(u, m, out, cap, needed))));
    },
    // FNV-1a 64 of `bytes` (a Uint8Array) repeated `rounds` times, as 16 hex digits.
    hashBlocking(bytes, rounds) {
      return queued(async () => {
        const data = M._malloc(Math.max(1, bytes.length));
        const out = M._malloc(8);
        try {
          M.HEAPU8.set(bytes, data);
          const st = await M._catlib_hash_blocking(data, bytes.length, rounds, out);
          if (st !== 0) fail(st);
          const lo = M.HEAPU32[out >> 2] >>> 0, hi = M.HEAPU32[(out >> 2) + 1] >>> 0;
          return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
        } finally {
          M._free(data);
          M._free(out);
        }
      });
    },
    // The raw export, unqueued: a second call while one is suspended answers WOULD_BLOCK.
    fetchTextUnqueued(url) {
      return withStrings([url], (u) =>
        text((out, cap, needed) => M._catlib_fetch_text(u, out, cap, needed)));
    },
  };
}
if (typeof module !== 'undefined') module.exports = catlibJspi;
