/*
 * A C program with its own main() that links catlib with plain emcc (no Rust binary in its
 * link), in each browser mode. Build it with the flags of examples/catlib/emcc-flags.sh:
 *
 *   emcc c/app.c $(bash emcc-flags.sh --cflags MODE) $(bash emcc-flags.sh --libs MODE) -o app.html
 *
 * or with CMake (c/CMakeLists.txt: emcmake cmake -DCATLIB_MODE=MODE, emmake make). Run it as
 * app.html?http=P&ws=Q&mode=MODE (the test server's ports; emrun passes the query as argv):
 *  - main: the page's main thread may not block: the blocking API answers
 *    CATLIB_ERR_WOULD_BLOCK and the async API does the work, one callback after the other;
 *  - worker (-sPROXY_TO_PTHREAD): main() runs on a Web Worker and uses the blocking API;
 *  - jspi (-sJSPI): main() runs on the page's main thread and uses the blocking API, each call
 *    suspending the wasm stack.
 * In worker and jspi modes the page's heartbeat (a 10 ms interval on the main thread) must keep
 * ticking during a 500 ms blocking fetch. In every mode catlib_set_log_callback must deliver a
 * request's end (status=200) at CATLIB_LOG_DEBUG. Prints one line per check and "N passed,
 * N failed".
 */
#include "catlib.h"

#include <emscripten.h>
#include <emscripten/em_asm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int passed, failed;
static char http_base[128], ws_base[128], mode[16];

static void check(const char *name, int ok, const char *detail) {
  if (ok) passed++; else failed++;
  if (detail && !detail[0]) detail = NULL;
  printf("test %s ... %s%s%s%s\n", name, ok ? "ok" : "FAILED", detail ? (ok ? " (" : ": ") : "",
         detail ? detail : "", detail && ok ? ")" : "");
  fflush(stdout);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* The page's heartbeat: a 10 ms interval on the browser's main thread, whatever thread asks. */
static void heartbeat_start(void) {
  MAIN_THREAD_EM_ASM({
    if (!Module.appBeats) { Module.appBeats = 1; setInterval(function() { Module.appBeats++; }, 10); }
  });
}
static int heartbeat(void) { return MAIN_THREAD_EM_ASM_INT({ return Module.appBeats | 0; }); }

/* Wait without holding the page's event loop where this program runs on it (jspi). */
static void pause_ms(int ms) {
#ifdef __EMSCRIPTEN_PTHREADS__
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
#else
  emscripten_sleep(ms); /* a suspending import under -sJSPI */
#endif
}

/* Log lines from catlib_set_log_callback, counted on whatever thread logs. */
static int log_lines, log_fetch_end;

static void on_log(void *user_data, int level, const char *line, size_t len) {
  (void)user_data, (void)len;
  __atomic_add_fetch(&log_lines, 1, __ATOMIC_ACQ_REL);
  if (level == CATLIB_LOG_DEBUG && strstr(line, "crossio::http: http end") && strstr(line, "status=200"))
    __atomic_store_n(&log_fetch_end, 1, __ATOMIC_RELEASE);
}

static void finish(void) {
  char why[96];
  snprintf(why, sizeof why, "%d lines, a request's end with status=200: %s",
           __atomic_load_n(&log_lines, __ATOMIC_ACQUIRE),
           __atomic_load_n(&log_fetch_end, __ATOMIC_ACQUIRE) ? "yes" : "no");
  check("log_lines_arrive", __atomic_load_n(&log_fetch_end, __ATOMIC_ACQUIRE), why);
  check("log_callback_off", catlib_set_log_callback(0, NULL, NULL) == CATLIB_OK, catlib_last_error());
  int rc = catlib_shutdown();
  check("shutdown_ok", rc == CATLIB_OK, catlib_last_error());
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
}

static void exit_now(void *arg) { emscripten_force_exit(failed == 0 ? 0 : 1); (void)arg; }

/* ---- blocking API (worker, jspi) ----------------------------------------------------------- */

static volatile int nested_status = -1, nested_calls;

static void nested_cb(void *user_data, int status, const char *text, size_t len) {
  char buf[64];
  (void)user_data, (void)status, (void)text, (void)len;
  nested_status = catlib_fetch_text((const char *)user_data, buf, sizeof buf, NULL);
  nested_calls++;
}

static void blocking_checks(void) {
  char url[256], buf[256], why[256];
  uint64_t h = 0;
  snprintf(url, sizeof url, "%s/delay/500", http_base);
  int b0 = heartbeat();
  double t0 = now_ms();
  int st = catlib_fetch_text(url, buf, sizeof buf, NULL);
  double ms = now_ms() - t0;
  int beats = heartbeat() - b0;
  check("blocking_fetch_ok", st == CATLIB_OK && strcmp(buf, "delayed") == 0, catlib_last_error());
  snprintf(why, sizeof why, "%d ticks in %.0f ms (minimum 20 in >= 450 ms)", beats, ms);
  check("heartbeat_ticks_during_blocking_fetch", ms >= 450 && beats >= 20, why);

  snprintf(url, sizeof url, "%s/echo", ws_base);
  st = catlib_ws_roundtrip(url, "hello from app.c", buf, sizeof buf, NULL);
  check("blocking_ws_roundtrip_ok", st == CATLIB_OK && strcmp(buf, "hello from app.c") == 0,
        st == CATLIB_OK ? buf : catlib_last_error());
  st = catlib_hash_blocking((const uint8_t *)"abc", 3, 1, &h);
  check("blocking_hash_ok", st == CATLIB_OK && h == 0xe71fa2190541574bULL, catlib_last_error());

  /* Inside a catlib callback the blocking API refuses in every mode. */
  static char nested_url[256];
  snprintf(nested_url, sizeof nested_url, "%s/status/200", http_base);
  st = catlib_fetch_text_async(nested_url, nested_cb, nested_url);
  for (int i = 0; i < 1000 && nested_calls == 0; i++) pause_ms(10);
  snprintf(why, sizeof why, "status %d after %d calls", nested_status, nested_calls);
  check("blocking_inside_callback_would_block",
        st == CATLIB_OK && nested_calls == 1 && nested_status == CATLIB_ERR_WOULD_BLOCK, why);
  finish();
}

/* ---- async API (main) ---------------------------------------------------------------------- */

static void on_hash(void *user_data, int status, const char *text, size_t len) {
  (void)user_data, (void)len;
  check("async_hash_ok", status == CATLIB_OK && strcmp(text, "e71fa2190541574b") == 0, text);
  finish();
  emscripten_async_call(exit_now, NULL, 0); /* exit from the main thread's event loop */
}

static void on_ws(void *user_data, int status, const char *text, size_t len) {
  (void)user_data, (void)len;
  check("async_ws_roundtrip_ok", status == CATLIB_OK && strcmp(text, "hello async") == 0, text);
  int st = catlib_hash_async((const uint8_t *)"abc", 3, 1, on_hash, NULL);
  if (st != CATLIB_OK) { check("async_hash_starts", 0, catlib_last_error()); finish(); }
}

static void on_fetch(void *user_data, int status, const char *text, size_t len) {
  char url[256], buf[64];
  (void)user_data, (void)len;
  check("async_fetch_ok", status == CATLIB_OK && strcmp(text, "status 200") == 0, text);
  snprintf(url, sizeof url, "%s/status/200", http_base);
  int nested = catlib_fetch_text(url, buf, sizeof buf, NULL);
  check("blocking_inside_callback_would_block", nested == CATLIB_ERR_WOULD_BLOCK, catlib_last_error());
  snprintf(url, sizeof url, "%s/echo", ws_base);
  int st = catlib_ws_roundtrip_async(url, "hello async", on_ws, NULL);
  if (st != CATLIB_OK) { check("async_ws_starts", 0, catlib_last_error()); finish(); }
}

static void async_checks(void) {
  char url[256], buf[64];
  snprintf(url, sizeof url, "%s/status/200", http_base);
  int st = catlib_fetch_text(url, buf, sizeof buf, NULL);
  check("blocking_on_main_thread_would_block", st == CATLIB_ERR_WOULD_BLOCK, catlib_last_error());
  st = catlib_fetch_text_async(url, on_fetch, NULL);
  if (st != CATLIB_OK) { check("async_fetch_starts", 0, catlib_last_error()); finish(); }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strncmp(a, "http=", 5)) snprintf(http_base, sizeof http_base, "http://127.0.0.1:%s", a + 5);
    if (!strncmp(a, "ws=", 3)) snprintf(ws_base, sizeof ws_base, "ws://127.0.0.1:%s", a + 3);
    if (!strncmp(a, "mode=", 5)) snprintf(mode, sizeof mode, "%s", a + 5);
  }
  printf("catlib app.c: mode=%s http=%s ws=%s\n", mode, http_base, ws_base);
  if (!http_base[0] || !ws_base[0] || !mode[0]) {
    printf("usage: app.html?http=P&ws=Q&mode=main|worker|jspi\n0 passed, 1 failed\n");
    return 1;
  }
  heartbeat_start();
  check("set_log_callback_ok", catlib_set_log_callback(CATLIB_LOG_DEBUG, on_log, NULL) == CATLIB_OK,
        catlib_last_error());
  check("init_ok", catlib_init() == CATLIB_OK, catlib_last_error());
  if (strcmp(mode, "main") == 0) {
    async_checks();
    emscripten_exit_with_live_runtime(); /* the callbacks finish the run */
  }
  blocking_checks();
  /* Not a plain return: pending browser work of catlib's (a closing socket) keeps the runtime
   * alive past main's return. On a worker exit() is proxied to the main thread; on the main
   * thread (jspi) emscripten_force_exit ends the runtime under -sEXIT_RUNTIME=1. */
#ifdef __EMSCRIPTEN_PTHREADS__
  exit(failed == 0 ? 0 : 1);
#else
  emscripten_force_exit(failed == 0 ? 0 : 1);
#endif
  return failed == 0 ? 0 : 1;
}
