/*
 * Raw-browser baselines for crossio's benchmarks: a plain JS WebSocket echo loop, a
 * plain JS fetch() loop, pthread_create + pthread_join, and (pthreads builds) worker mode's
 * thread model written by hand in C (the crossio_bench_hand_* loops below). Compiled with emcc by build.rs;
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

/* Worker mode's thread model written by hand, without crossio: the same WebSocket echo and
 * sequential GET loops as crossio's, run by C code on the calling worker, with the socket or
 * the fetch living on the browser's main thread (plain JS there, no websocket.h): each
 * operation is handed to the main thread one way (emscripten_proxy_async), and the worker
 * waits for its answer in a futex wait that the main thread's JS handler ends (Atomics.notify
 * on a heap word). What a C program on a worker would write; against the raw JS loops on the
 * main thread it shows the most a worker-mode program can reach, against crossio what crossio
 * itself costs. One run at a time (hand_busy); returns the elapsed ms (first send or request
 * to the last echo or body end, measured on the worker), or -1 if busy, on the main thread, or
 * on a failure. */
#include <emscripten/proxying.h>
#include <emscripten/threading.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

static _Atomic int hand_busy;
static _Atomic int hand_flag; /* 1 once the main thread answered; futex-woken */
static int hand_len;          /* bytes of the echo or body; -1 failed */
static char *hand_url;
static unsigned char *hand_buf;  /* where received bytes are copied */
static int hand_cap;
static unsigned char *hand_payload;
static int hand_size;

EM_JS(void, crossio_bench_hand_ws_open,
      (const char *url, int *flag, int *len, unsigned char *buf, int cap), {
  var signal = function() {
    Atomics.store(HEAP32, flag >> 2, 1);
    Atomics.notify(HEAP32, flag >> 2);
  };
  var st = {ws: null, live: true};
  Module.crossioBenchHand = st;
  runtimeKeepalivePush();
  var fail = function() {
    if (!st.live) return;
    st.live = false;
    runtimeKeepalivePop();
    if (st.ws) { st.ws.onopen = st.ws.onmessage = st.ws.onerror = st.ws.onclose = null; }
    HEAP32[len >> 2] = -1;
    signal();
  };
  try { st.ws = new WebSocket(UTF8ToString(url)); } catch (e) { fail(); return; }
  st.ws.binaryType = "arraybuffer";
  st.ws.onopen = signal;
  st.ws.onerror = fail;
  st.ws.onclose = fail;
  st.ws.onmessage = function(ev) {
    var v = new Uint8Array(ev.data);
    HEAPU8.set(v.length <= cap ? v : v.subarray(0, cap), buf);
    HEAP32[len >> 2] = v.length;
    signal();
  };
});

EM_JS(void, crossio_bench_hand_ws_send, (const unsigned char *data, int n), {
  var st = Module.crossioBenchHand;
  if (st && st.live) st.ws.send(HEAPU8.slice(data, data + n));
});

EM_JS(void, crossio_bench_hand_ws_close, (void), {
  var st = Module.crossioBenchHand;
  Module.crossioBenchHand = null;
  if (!st || !st.live) return;
  st.live = false;
  runtimeKeepalivePop();
  st.ws.onopen = st.ws.onmessage = st.ws.onerror = st.ws.onclose = null;
  try { st.ws.close(1000); } catch (e) {}
});

EM_JS(void, crossio_bench_hand_fetch_one,
      (const char *url, int *flag, int *len, unsigned char *buf, int cap), {
  runtimeKeepalivePush();
  var got = 0;
  var end = function(n) {
    runtimeKeepalivePop();
    HEAP32[len >> 2] = n;
    Atomics.store(HEAP32, flag >> 2, 1);
    Atomics.notify(HEAP32, flag >> 2);
  };
  fetch(UTF8ToString(url), {mode: "cors", credentials: "omit"}).then(function(resp) {
    if (!resp.ok || !resp.body) throw new Error("HTTP " + resp.status);
    var reader = resp.body.getReader();
    function pump() {
      return reader.read().then(function(r) {
        if (r.done) return;
        var v = r.value;
        HEAPU8.set(v.length <= cap ? v : v.subarray(0, cap), buf);
        got += v.length;
        return pump();
      });
    }
    return pump();
  }).then(function() { end(got); }, function() { end(-1); });
});

static void hand_ws_open_main(void *arg) {
  (void)arg;
  crossio_bench_hand_ws_open(hand_url, (int *)&hand_flag, &hand_len, hand_buf, hand_cap);
}
static void hand_ws_send_main(void *arg) {
  (void)arg;
  crossio_bench_hand_ws_send(hand_payload, hand_size);
}
static void hand_ws_close_main(void *arg) {
  (void)arg;
  crossio_bench_hand_ws_close();
}
static void hand_fetch_main(void *arg) {
  (void)arg;
  crossio_bench_hand_fetch_one(hand_url, (int *)&hand_flag, &hand_len, hand_buf, hand_cap);
}

/* The hand loop's own proxying queue (as crossio's: the system queue is also run inside the
 * main thread's lock waits, and costs more per hand-off). Created by the first run. */
static em_proxying_queue *hand_queue(void) {
  static _Atomic(em_proxying_queue *) queue;
  em_proxying_queue *q = atomic_load(&queue);
  if (q) return q;
  em_proxying_queue *fresh = em_proxying_queue_create();
  if (!fresh) return NULL;
  if (atomic_compare_exchange_strong(&queue, &q, fresh)) return fresh;
  em_proxying_queue_destroy(fresh);
  return q;
}

/* Hand fn to the main thread one way, after clearing the answer flag. */
static int hand_to_main(void (*fn)(void *)) {
  em_proxying_queue *q = hand_queue();
  atomic_store(&hand_flag, 0);
  return q && emscripten_proxy_async(q, emscripten_main_runtime_thread_id(), fn, NULL);
}

/* Wait for the main thread's answer; the bytes it reported, or -1. */
static int hand_wait(void) {
  while (atomic_load(&hand_flag) == 0) {
    emscripten_futex_wait((volatile void *)&hand_flag, 0, INFINITY);
  }
  return hand_len;
}

static void hand_end(void);

/* Claim the single run slot and set its buffers up; 0 (nothing claimed) if busy, on the main
 * thread or out of memory. */
static int hand_begin(const char *url, int cap, int payload) {
  int idle = 0;
  if (emscripten_is_main_browser_thread() || cap <= 0) return 0;
  if (!atomic_compare_exchange_strong(&hand_busy, &idle, 1)) return 0;
  hand_url = strdup(url);
  hand_buf = malloc((size_t)cap);
  hand_payload = payload > 0 ? malloc((size_t)payload) : NULL;
  hand_cap = cap;
  hand_size = payload;
  hand_len = 0;
  if (!hand_url || !hand_buf || (payload > 0 && !hand_payload)) {
    hand_end();
    return 0;
  }
  for (int i = 0; i < payload; i++) hand_payload[i] = (unsigned char)(i & 255);
  return 1;
}

/* Free the run's buffers and release the slot. */
static void hand_end(void) {
  free(hand_url);
  free(hand_buf);
  free(hand_payload);
  hand_url = NULL;
  hand_buf = hand_payload = NULL;
  atomic_store(&hand_busy, 0);
}

double crossio_bench_hand_ws_echo(const char *url, int size, int round_trips) {
  if (size <= 0 || round_trips <= 0 || !hand_begin(url, size, size)) return -1;
  double ms = -1;
  if (hand_to_main(hand_ws_open_main) && hand_wait() >= 0) {
    double t0 = emscripten_get_now();
    int ok = 1;
    for (int i = 0; i < round_trips && ok; i++) {
      ok = hand_to_main(hand_ws_send_main) && hand_wait() == size;
    }
    if (ok) ms = emscripten_get_now() - t0;
  }
  /* Synchronously: once this returns, the main thread no longer touches the buffers. */
  /* On the same queue as the sends, so it runs after them. */
  if (hand_queue()) {
    emscripten_proxy_sync(hand_queue(), emscripten_main_runtime_thread_id(), hand_ws_close_main,
                          NULL);
  }
  hand_end();
  return ms;
}

double crossio_bench_hand_fetch(const char *url, int requests, int size) {
  if (size <= 0 || requests <= 0 || !hand_begin(url, 64 * 1024, 0)) return -1;
  double t0 = emscripten_get_now();
  int ok = 1;
  for (int i = 0; i < requests && ok; i++) {
    ok = hand_to_main(hand_fetch_main) && hand_wait() == size;
  }
  double ms = ok ? emscripten_get_now() - t0 : -1;
  hand_end();
  return ms;
}
#else
double crossio_bench_pthread_create_join(int n) {
  (void)n;
  return -1;
}

double crossio_bench_hand_ws_echo(const char *url, int size, int round_trips) {
  (void)url;
  (void)size;
  (void)round_trips;
  return -1;
}

double crossio_bench_hand_fetch(const char *url, int requests, int size) {
  (void)url;
  (void)requests;
  (void)size;
  return -1;
}
#endif
