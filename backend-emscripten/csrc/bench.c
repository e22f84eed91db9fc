/*
 * Raw-browser baselines for crossio's benchmarks: a plain JS WebSocket echo loop, a
 * plain JS fetch() loop, and pthread_create + pthread_join. Compiled with emcc by build.rs;
 * reached from Rust through src/sys/bench.rs only, and from there by the safe
 * crossio_emscripten::bench module.
 *
 * The JS loops run on the browser's main thread (Rust hands the start over with run_on_main),
 * time themselves with performance.now(), and report once through the KEEPALIVE
 * crossio_bench_on_done, which forwards to the Rust function registered with
 * crossio_bench_init (also the defined C function that makes this object, and so its EM_JS
 * code, link). Both loops copy every received message or body chunk into the wasm heap, the
 * least a wasm program has to do with the bytes; sending uses a plain JS Uint8Array.
 *
 * Status codes: 0 ok, 1 socket failed or closed early, 2 wrong echo size, 3 fetch failed.
 */
#include <emscripten.h>
#include <emscripten/em_js.h>
#include <stdlib.h>

typedef void (*crossio_bench_done_fn)(int token, double ms, double bytes, int status);

static crossio_bench_done_fn crossio_bench_done_cb;

/* Register Rust's completion callback; idempotent, from any thread, before the first run. */
void crossio_bench_init(crossio_bench_done_fn done) { crossio_bench_done_cb = done; }

EMSCRIPTEN_KEEPALIVE void *crossio_bench_alloc(size_t n) { return malloc(n ? n : 1); }

EMSCRIPTEN_KEEPALIVE void crossio_bench_free(void *p) { free(p); }

EMSCRIPTEN_KEEPALIVE void crossio_bench_on_done(int token, double ms, double bytes, int status) {
  if (crossio_bench_done_cb) crossio_bench_done_cb(token, ms, bytes, status);
}

EM_JS_DEPS(crossio_bench, "$UTF8ToString,$runtimeKeepalivePush,$runtimeKeepalivePop");

/* Open a WebSocket to url, then (timed from the open event) send a size-byte binary message
 * and wait for its echo, round_trips times in a row; close and report. */
EM_JS(void, crossio_bench_js_ws_echo, (int token, const char *url, int size, int round_trips), {
  /* A loop in flight keeps the runtime alive (as crossio's own sockets and fetches do): a page
   * built with EXIT_RUNTIME whose main returned would otherwise exit while only it runs. */
  runtimeKeepalivePush();
  var u = UTF8ToString(url);
  var payload = new Uint8Array(size);
  for (var i = 0; i < size; i++) payload[i] = i & 255;
  var buf = _crossio_bench_alloc(size);
  var left = round_trips;
  var t0 = performance.now();
  var done = false;
  var ws = null;
  function finish(status) {
    if (done) return;
    done = true;
    runtimeKeepalivePop();
    var ms = performance.now() - t0;
    if (ws) {
      ws.onopen = null; ws.onmessage = null; ws.onerror = null; ws.onclose = null;
      try { ws.close(1000); } catch (e) {}
    }
    _crossio_bench_free(buf);
    _crossio_bench_on_done(token, ms, (round_trips - left) * size, status);
  }
  try {
    ws = new WebSocket(u);
  } catch (e) {
    finish(1);
    return;
  }
  ws.binaryType = "arraybuffer";
  ws.onopen = function() { t0 = performance.now(); ws.send(payload); };
  ws.onmessage = function(ev) {
    var v = new Uint8Array(ev.data);
    if (v.length !== size) { finish(2); return; }
    HEAPU8.set(v, buf);
    left--;
    if (left <= 0) finish(0); else ws.send(payload);
  };
  ws.onerror = function() { finish(1); };
  ws.onclose = function() { finish(1); };
});

/* GET url `requests` times with in_flight chains at once; each body is read with its stream
 * reader, every chunk copied into the wasm heap. Timed from the call to the last body's end. */
EM_JS(void, crossio_bench_js_fetch, (int token, const char *url, int requests, int in_flight), {
  runtimeKeepalivePush(); /* as in crossio_bench_js_ws_echo */
  var u = UTF8ToString(url);
  var started = 0, finished = 0, bytes = 0, done = false, cap = 0, buf = 0;
  var t0 = performance.now();
  function finish(status) {
    if (done) return;
    done = true;
    runtimeKeepalivePop();
    var ms = performance.now() - t0;
    if (buf) _crossio_bench_free(buf);
    _crossio_bench_on_done(token, ms, bytes, status);
  }
  function copy(v) {
    if (v.length > cap) {
      if (buf) _crossio_bench_free(buf);
      cap = v.length;
      buf = _crossio_bench_alloc(cap);
    }
    HEAPU8.set(v, buf);
    bytes += v.length;
  }
  function one() {
    if (done || started >= requests) return;
    started++;
    fetch(u, {mode: "cors", credentials: "omit"}).then(function(resp) {
      if (!resp.ok || !resp.body) throw new Error("HTTP " + resp.status);
      var reader = resp.body.getReader();
      function pump() {
        return reader.read().then(function(r) {
          if (r.done) return;
          copy(r.value);
          return pump();
        });
      }
      return pump();
    }).then(function() {
      finished++;
      if (finished >= requests) finish(0); else one();
    }, function() { finish(3); });
  }
  if (requests <= 0) { finish(0); return; }
  for (var i = 0; i < in_flight && i < requests; i++) one();
});

/* n times pthread_create of an empty thread + pthread_join, on the calling thread; returns the
 * elapsed ms, or -1 if a create failed or this is not a pthreads build. Blocks the caller: never
 * call it on the browser's main thread. */
#ifdef __EMSCRIPTEN_PTHREADS__
#include <pthread.h>

static void *crossio_bench_noop(void *arg) { return arg; }

double crossio_bench_pthread_create_join(int n) {
  double t0 = emscripten_get_now();
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, crossio_bench_noop, NULL) != 0) return -1;
    pthread_join(t, NULL);
  }
  return emscripten_get_now() - t0;
}
#else
double crossio_bench_pthread_create_join(int n) {
  (void)n;
  return -1;
}
#endif
