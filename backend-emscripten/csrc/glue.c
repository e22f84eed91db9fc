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

/* ---- anchor ---------------------------------------------------------------------------- */

int crossio_glue_anchor(void) { return 1; }

/* ---- heartbeat: a setInterval on the browser's main thread, for responsiveness checks -- */

static _Atomic uint64_t crossio_beats;
static _Atomic int crossio_heartbeat_started;

EMSCRIPTEN_KEEPALIVE void crossio_heartbeat_beat(void) { atomic_fetch_add(&crossio_beats, 1); }

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
  emscripten_force_exit((int)(intptr_t)code);
}

/* Must be called on the main thread. */
void crossio_exit_on_main(int code) { emscripten_set_timeout(crossio_exit_cb, 0, (void *)(intptr_t)code); }
