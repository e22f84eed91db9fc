/*
 * crossio-emscripten's C/JS glue. Compiled with emcc by build.rs (with -pthread in a pthreads
 * build) and linked through the crate's static library; every function here is reached from
 * Rust through src/sys/, the only place that calls them.
 *
 * EM_JS / EM_ASM code is linked only when Rust calls at least one defined C function of this
 * object file; crossio_glue_anchor() is that function (called once at backend start-up).
 */
#include <emscripten.h>
#include <emscripten/em_asm.h>
#include <emscripten/eventloop.h>
#include <emscripten/threading.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- microtasks: run a callback right after the current one, before the event loop moves on */

/* A typedef'd function pointer: EM_JS cannot take `void (*cb)(void *)` written out (the JS
 * optimizer fails on the generated code). */
typedef void (*crossio_task_fn)(void *);

EM_JS_DEPS(crossio_microtask,
           "$getWasmTableEntry,$runtimeKeepalivePush,$runtimeKeepalivePop,$callUserCallback");

/* queueMicrotask holds no runtime keepalive: push one until the microtask ran, so that a
 * runtime built with -sEXIT_RUNTIME=1 does not exit in between; enter wasm through
 * callUserCallback, as Emscripten's own callbacks do. Main thread only. */
EM_JS(void, crossio_queue_microtask, (crossio_task_fn cb, void *arg), {
  runtimeKeepalivePush();
  queueMicrotask(function() {
    runtimeKeepalivePop();
    callUserCallback(function() { getWasmTableEntry(cb)(arg); });
  });
});

/* ---- anchor ---------------------------------------------------------------------------- */

int crossio_glue_anchor(void) { return 1; }

/* ---- engine: which JS engine runs the module ------------------------------------------- */

/* 0 Blink (Chromium), 1 Gecko (Firefox), 2 WebKit (Safari), 3 Node.js. The engines differ in
 * network behaviour no feature test can see (see src/capabilities.rs), so the user agent
 * decides; Node.js (main thread and worker_threads) is recognised by process.versions.node. */
EM_JS(int, crossio_engine, (void), {
  if (typeof process === "object" && process.versions && process.versions.node) return 3;
  var ua = (typeof navigator === "object" && navigator.userAgent) || "";
  if (ua.indexOf("Firefox/") >= 0) return 1;
  var blink = ["Chrome/", "Chromium/", "CriOS/", "Edg/"].some(function(t) { return ua.indexOf(t) >= 0; });
  if (ua.indexOf("AppleWebKit/") >= 0 && !blink) return 2;
  return 0;
});

/* ---- heartbeat: a setInterval on the browser's main thread, for responsiveness checks -- */

static _Atomic uint64_t crossio_beats;
static _Atomic int crossio_heartbeat_started;

/* The largest gap between two ticks within the current window, in microseconds of
 * emscripten_get_now() (the same clock on every thread of a pthreads build). A window starts
 * when crossio_heartbeat_take_max_gap_us() ends the previous one: a gap that began before it
 * counts only from its start, and one still open when the window ends counts up to then. */
static _Atomic uint64_t crossio_beat_max_gap_us;
static _Atomic uint64_t crossio_beat_window_us;
static _Atomic uint64_t crossio_beat_last_us;

static uint64_t crossio_now_us(void) { return (uint64_t)(emscripten_get_now() * 1000.0); }

static void crossio_note_gap(uint64_t gap) {
  uint64_t seen = atomic_load(&crossio_beat_max_gap_us);
  while (gap > seen && !atomic_compare_exchange_weak(&crossio_beat_max_gap_us, &seen, gap)) {
  }
}

/* The time the current gap counts from: the last tick, or the window's start if later. */
static uint64_t crossio_gap_from(void) {
  uint64_t last = atomic_load(&crossio_beat_last_us), window = atomic_load(&crossio_beat_window_us);
  return last > window ? last : window;
}

EMSCRIPTEN_KEEPALIVE void crossio_heartbeat_beat(void) {
  uint64_t now = crossio_now_us(), from = crossio_gap_from();
  if (atomic_load(&crossio_beat_last_us) != 0 && now > from) crossio_note_gap(now - from);
  atomic_store(&crossio_beat_last_us, now);
  atomic_fetch_add(&crossio_beats, 1);
}

uint64_t crossio_heartbeat_take_max_gap_us(void) {
  uint64_t now = crossio_now_us(), from = crossio_gap_from();
  if (atomic_load(&crossio_beat_last_us) != 0 && now > from) crossio_note_gap(now - from);
  atomic_store(&crossio_beat_window_us, now);
  return atomic_exchange(&crossio_beat_max_gap_us, 0);
}

void crossio_heartbeat_start(int interval_ms) {
  if (atomic_exchange(&crossio_heartbeat_started, 1)) return;
  MAIN_THREAD_EM_ASM({ Module.crossioHeartbeat = setInterval(function() { _crossio_heartbeat_beat(); }, $0); },
                    interval_ms);
}

/* Called on the main thread right before the program exits: no tick may enter wasm after. */
void crossio_heartbeat_stop(void) {
  if (!atomic_exchange(&crossio_heartbeat_started, 0)) return;
  MAIN_THREAD_EM_ASM({ clearInterval(Module.crossioHeartbeat); });
}

uint64_t crossio_heartbeat_count(void) { return atomic_load(&crossio_beats); }

/* ---- pthread pool: how many pre-created workers the final link reserved ----------------- */

int crossio_pool_unused_workers(void) {
#ifdef __EMSCRIPTEN_PTHREADS__
  return MAIN_THREAD_EM_ASM_INT({ return PThread.unusedWorkers.length; });
#else
  return 0;
#endif
}

/* ---- exit: from a 0 ms timeout on the main thread, with no Rust frame on the stack ------- */

static void crossio_exit_cb(void *code) {
  crossio_heartbeat_stop();
  /* Node.js ends only when nothing keeps its event loop alive, and a pthreads build's
   * worker_threads (or undici's kept-alive sockets) do: end the process once the runtime has
   * exited. */
  EM_ASM({
    if (typeof process === "object" && process.versions && process.versions.node) {
      setTimeout(function() { process.exit($0); }, 0);
    }
  }, (int)(intptr_t)code);
  emscripten_force_exit((int)(intptr_t)code);
}

/* Must be called on the main thread. */
void crossio_exit_on_main(int code) { emscripten_set_timeout(crossio_exit_cb, 0, (void *)(intptr_t)code); }

/* ---- WebSocket helpers ------------------------------------------------------------------- */

#include <emscripten/websocket.h>
#include <stddef.h>

EM_JS_DEPS(crossio_ws, "$WS");

/* Send a text frame of exactly `len` UTF-8 bytes (emscripten_websocket_send_utf8_text stops at
 * the first NUL). Main thread only. 0 on success, -3 for an unknown socket, -1 if send threw. */
EM_JS(int, crossio_ws_send_text, (int socket_id, const uint8_t *data, uint32_t len), {
  var s = WS.getSocket(socket_id);
  if (!s) return -3;
  try {
    s.send(new TextDecoder().decode(HEAPU8.slice(data, data + len)));
  } catch (e) {
    return -1;
  }
  return 0;
});

/* Sizes and field offsets of the websocket.h structs crossio mirrors in Rust (sys/websocket.rs
 * checks them against its own layout). */
int crossio_ws_layout(uint32_t *out, int n) {
  uint32_t v[] = {
      sizeof(EmscriptenWebSocketOpenEvent),
      sizeof(EmscriptenWebSocketMessageEvent),
      offsetof(EmscriptenWebSocketMessageEvent, data),
      offsetof(EmscriptenWebSocketMessageEvent, numBytes),
      offsetof(EmscriptenWebSocketMessageEvent, isText),
      sizeof(EmscriptenWebSocketErrorEvent),
      sizeof(EmscriptenWebSocketCloseEvent),
      offsetof(EmscriptenWebSocketCloseEvent, wasClean),
      offsetof(EmscriptenWebSocketCloseEvent, code),
      offsetof(EmscriptenWebSocketCloseEvent, reason),
      sizeof(EmscriptenWebSocketCreateAttributes),
      offsetof(EmscriptenWebSocketCreateAttributes, url),
      offsetof(EmscriptenWebSocketCreateAttributes, protocols),
      offsetof(EmscriptenWebSocketCreateAttributes, createOnMainThread),
  };
  int count = (int)(sizeof(v) / sizeof(v[0]));
  for (int i = 0; i < count && i < n; i++) out[i] = v[i];
  return count;
}

/* ---- memory: for soak tests ------------------------------------------------------------- */

#include <emscripten/heap.h>
#include <malloc.h>

/* Bytes malloc currently has handed out (dlmalloc's uordblks). */
size_t crossio_heap_in_use(void) { return mallinfo().uordblks; }

/* Size of the wasm memory (grows, never shrinks). */
size_t crossio_heap_size(void) { return emscripten_get_heap_size(); }
