/*
 * catlib's C demo and test program: calls every function of catlib.h the way a C user would,
 * including the bad inputs, and prints one line per check and a closing "N passed, N failed".
 *
 * Natively (built by examples/catlib/tests/c_demo.rs against libcatlib.a):
 *     catlib-demo HTTP_BASE WS_BASE CLOSED_BASE
 *     e.g. catlib-demo http://127.0.0.1:8080 ws://127.0.0.1:8081 http://127.0.0.1:8082
 * (CLOSED_BASE: a port nothing listens on.) Exit status 0 iff every check passed.
 *
 * In the browser the same file is compiled with -DCATLIB_DEMO_NO_MAIN by catlib's build.rs and
 * run by the catlib-browser binary through catlib_demo_main():
 *  - worker build (main on a Web Worker): the blocking API, plus the main-thread guarantee: the
 *    page's heartbeat keeps ticking while a blocking catlib call runs in the worker;
 *  - main-thread build: the blocking API must refuse with CATLIB_ERR_WOULD_BLOCK, and the async
 *    API does the work; the run finishes in the last callback;
 *  - jspi build (-sJSPI): the blocking API on the page's main thread, where each call suspends
 *    the wasm stack; the heartbeat must keep ticking meanwhile, and a blocking call inside a
 *    catlib callback still answers CATLIB_ERR_WOULD_BLOCK.
 */
#include "catlib.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int passed, failed;
static char http_base[256], ws_base[256], closed_base[256];
static uint64_t (*heartbeat_fn)(void);
static uint64_t (*max_gap_fn)(void);
static void (*finished_fn)(int failed);
static void (*pause_fn)(int ms);
static const char *blocker = "worker";
static int blocking_allowed;

/* ---- helpers ------------------------------------------------------------------------------ */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms) {
  if (pause_fn) {
    pause_fn(ms); /* lets the page's event loop (and so catlib's callbacks) run meanwhile */
    return;
  }
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void pass(const char *name, const char *note) {
  passed++;
  if (note && note[0])
    printf("test %s ... ok (%s)\n", name, note);
  else
    printf("test %s ... ok\n", name);
  fflush(stdout);
}

static void fail(const char *name, const char *why) {
  failed++;
  printf("test %s ... FAILED: %s\n", name, why);
  fflush(stdout);
}

/* `got` must be `want`; for an error, catlib_last_error() must be non-empty and contain
 * `msg_has` (if given); for success it must be "". */
static void expect(const char *name, int got, int want, const char *msg_has) {
  const char *err = catlib_last_error();
  char why[768];
  if (err == NULL) {
    fail(name, "catlib_last_error() returned NULL");
  } else if (got != want) {
    snprintf(why, sizeof why, "status %d, expected %d; last error: \"%s\"", got, want, err);
    fail(name, why);
  } else if (want == CATLIB_OK && err[0] != 0) {
    snprintf(why, sizeof why, "success, but last error is \"%s\"", err);
    fail(name, why);
  } else if (want != CATLIB_OK && (err[0] == 0 || (msg_has && !strstr(err, msg_has)))) {
    snprintf(why, sizeof why, "last error \"%s\" does not mention \"%s\"", err,
             msg_has ? msg_has : "anything");
    fail(name, why);
  } else {
    pass(name, err);
  }
}

static void check(const char *name, int ok, const char *why) {
  if (ok)
    pass(name, NULL);
  else
    fail(name, why);
}

/* The reference hash, computed in C: FNV-1a 64 over `data` repeated `rounds` times. */
static uint64_t fnv1a_rounds(const uint8_t *data, size_t len, uint32_t rounds) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint32_t r = 0; r < rounds; r++)
    for (size_t i = 0; i < len; i++) {
      h ^= data[i];
      h *= 0x100000001b3ULL;
    }
  return h;
}

static void url(char *out, size_t cap, const char *base, const char *path) {
  snprintf(out, cap, "%s%s", base, path);
}

static void noop_callback(void *user_data, int status, const char *text, size_t len) {
  (void)user_data, (void)status, (void)text, (void)len;
}

/* ---- logging: catlib_set_log_callback ------------------------------------------------------ */

/* Written by the log callback on whatever thread logs, read here at the end: atomics. */
static int log_lines, log_bad_user_data, log_init_seen, log_http_end_seen, log_ws_open_seen;
static int log_end_line_ready;
static char log_end_line[300];
static int log_tag;

static void on_log(void *user_data, int level, const char *line, size_t len) {
  __atomic_add_fetch(&log_lines, 1, __ATOMIC_ACQ_REL);
  if (user_data != &log_tag || level < CATLIB_LOG_ERROR || level > CATLIB_LOG_DEBUG ||
      strlen(line) != len)
    __atomic_store_n(&log_bad_user_data, 1, __ATOMIC_RELEASE);
  if (level == CATLIB_LOG_INFO && strstr(line, "catlib: catlib initialised"))
    __atomic_store_n(&log_init_seen, 1, __ATOMIC_RELEASE);
  if (level == CATLIB_LOG_DEBUG && strstr(line, "crossio::ws: ws open"))
    __atomic_store_n(&log_ws_open_seen, 1, __ATOMIC_RELEASE);
  if (level == CATLIB_LOG_DEBUG && strstr(line, "crossio::http: http end") &&
      strstr(line, "status=200") && strstr(line, "bytes=10 ") &&
      !__atomic_exchange_n(&log_http_end_seen, 1, __ATOMIC_ACQ_REL)) {
    snprintf(log_end_line, sizeof log_end_line, "%s", line);
    __atomic_store_n(&log_end_line_ready, 1, __ATOMIC_RELEASE);
  }
}

/* Before catlib_init: a bad level is refused, then lines at DEBUG and above go to on_log. */
static void log_setup(void) {
  expect("set_log_callback_bad_level_is_invalid_input",
         catlib_set_log_callback(9, on_log, &log_tag), CATLIB_ERR_INVALID_INPUT, "level 9");
  expect("set_log_callback_ok", catlib_set_log_callback(CATLIB_LOG_DEBUG, on_log, &log_tag),
         CATLIB_OK, NULL);
}

/* After the work: the lines arrived (catlib's own at INFO, crossio's connect and request end at
 * DEBUG with status and bytes, none at TRACE); NULL turns logging off. */
static void log_checks(void) {
  char why[512];
  snprintf(why, sizeof why, "%d lines; init %d, ws open %d, http end with status=200 bytes=10 %d, "
           "bad user_data/level/len %d", __atomic_load_n(&log_lines, __ATOMIC_ACQUIRE),
           log_init_seen, log_ws_open_seen, log_http_end_seen, log_bad_user_data);
  int ok = __atomic_load_n(&log_init_seen, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&log_ws_open_seen, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&log_end_line_ready, __ATOMIC_ACQUIRE) &&
           !__atomic_load_n(&log_bad_user_data, __ATOMIC_ACQUIRE);
  if (ok)
    pass("log_callback_receives_lines", log_end_line);
  else
    fail("log_callback_receives_lines", why);
  expect("set_log_callback_null_ok", catlib_set_log_callback(0, NULL, NULL), CATLIB_OK, NULL);
}

/* After logging was turned off: catlib_init's INFO line must not arrive. */
static void log_off_check(int lines_before) {
  char why[128];
  int now = __atomic_load_n(&log_lines, __ATOMIC_ACQUIRE);
  snprintf(why, sizeof why, "%d lines before, %d after", lines_before, now);
  check("log_callback_null_turns_logging_off", now == lines_before, why);
}

/* ---- before catlib_init ------------------------------------------------------------------ */

static void before_init(void) {
  char u[300], buf[64];
  size_t needed = 0;
  uint64_t h = 0;
  url(u, sizeof u, http_base, "/status/200");
  expect("fetch_before_init_is_not_initialized", catlib_fetch_text(u, buf, sizeof buf, &needed),
         CATLIB_ERR_NOT_INITIALIZED, "catlib_init");
  url(u, sizeof u, ws_base, "/echo");
  expect("ws_before_init_is_not_initialized",
         catlib_ws_roundtrip(u, "hi", buf, sizeof buf, &needed), CATLIB_ERR_NOT_INITIALIZED,
         "catlib_init");
  expect("hash_before_init_is_not_initialized",
         catlib_hash_blocking((const uint8_t *)"abc", 3, 1, &h), CATLIB_ERR_NOT_INITIALIZED,
         "catlib_init");
  url(u, sizeof u, http_base, "/status/200");
  expect("async_fetch_before_init_is_not_initialized",
         catlib_fetch_text_async(u, noop_callback, NULL), CATLIB_ERR_NOT_INITIALIZED,
         "catlib_init");
  expect("shutdown_before_init_is_not_initialized", catlib_shutdown(),
         CATLIB_ERR_NOT_INITIALIZED, "not initialised");
}

/* ---- bad input: refused at once, in every mode --------------------------------------------- */

static void bad_input(void) {
  char u[300], w[300], buf[64];
  size_t needed = 0;
  uint64_t h = 0;
  url(u, sizeof u, http_base, "/status/200");
  url(w, sizeof w, ws_base, "/echo");
  expect("fetch_null_url_is_null_argument", catlib_fetch_text(NULL, buf, sizeof buf, &needed),
         CATLIB_ERR_NULL_ARGUMENT, "url");
  expect("fetch_null_out_with_cap_is_null_argument", catlib_fetch_text(u, NULL, 16, &needed),
         CATLIB_ERR_NULL_ARGUMENT, "out");
  expect("ws_null_msg_is_null_argument", catlib_ws_roundtrip(w, NULL, buf, sizeof buf, NULL),
         CATLIB_ERR_NULL_ARGUMENT, "msg");
  expect("hash_null_data_is_null_argument", catlib_hash_blocking(NULL, 3, 1, &h),
         CATLIB_ERR_NULL_ARGUMENT, "data");
  expect("hash_null_out_is_null_argument",
         catlib_hash_blocking((const uint8_t *)"abc", 3, 1, NULL), CATLIB_ERR_NULL_ARGUMENT,
         "out");
  expect("hash_zero_rounds_is_invalid_input",
         catlib_hash_blocking((const uint8_t *)"abc", 3, 0, &h), CATLIB_ERR_INVALID_INPUT,
         "rounds");
  expect("fetch_invalid_utf8_url_is_invalid_utf8",
         catlib_fetch_text("http://127.0.0.1/\xff\xfe", buf, sizeof buf, &needed),
         CATLIB_ERR_INVALID_UTF8, "UTF-8");
  expect("ws_invalid_utf8_msg_is_invalid_utf8",
         catlib_ws_roundtrip(w, "caf\xe9", buf, sizeof buf, &needed), CATLIB_ERR_INVALID_UTF8,
         "msg");
  expect("fetch_malformed_url_is_invalid_input",
         catlib_fetch_text("not a url", buf, sizeof buf, &needed), CATLIB_ERR_INVALID_INPUT,
         "not a url");
  expect("fetch_ws_scheme_is_invalid_input", catlib_fetch_text(w, buf, sizeof buf, &needed),
         CATLIB_ERR_INVALID_INPUT, "scheme");
  expect("ws_http_scheme_is_invalid_input",
         catlib_ws_roundtrip(u, "hi", buf, sizeof buf, &needed), CATLIB_ERR_INVALID_INPUT,
         "scheme");
  expect("async_null_callback_is_null_argument", catlib_fetch_text_async(u, NULL, NULL),
         CATLIB_ERR_NULL_ARGUMENT, "callback");
  expect("async_invalid_utf8_url_is_invalid_utf8",
         catlib_fetch_text_async("\xc0\x80", noop_callback, NULL), CATLIB_ERR_INVALID_UTF8,
         "UTF-8");
  expect("async_hash_null_data_is_null_argument",
         catlib_hash_async(NULL, 5, 1, noop_callback, NULL), CATLIB_ERR_NULL_ARGUMENT, "data");
  expect("async_ws_null_url_is_null_argument",
         catlib_ws_roundtrip_async(NULL, "hi", noop_callback, NULL), CATLIB_ERR_NULL_ARGUMENT,
         "url");
}

/* ---- the blocking API (natively, or on a browser worker) ----------------------------------- */

static void blocking_api(void) {
  char u[300], buf[256], why[512];
  size_t needed = 0;
  uint64_t h = 0;

  url(u, sizeof u, http_base, "/status/200");
  expect("fetch_text_ok", catlib_fetch_text(u, buf, sizeof buf, &needed), CATLIB_OK, NULL);
  snprintf(why, sizeof why, "got \"%s\" needed %zu", buf, needed);
  check("fetch_text_body_and_needed", strcmp(buf, "status 200") == 0 && needed == 11, why);

  needed = 0;
  expect("fetch_size_query_is_buffer_too_small", catlib_fetch_text(u, NULL, 0, &needed),
         CATLIB_ERR_BUFFER_TOO_SMALL, "11 bytes");
  snprintf(why, sizeof why, "needed %zu, expected 11", needed);
  check("fetch_size_query_reports_needed", needed == 11, why);

  memset(buf, 'X', sizeof buf);
  needed = 0;
  expect("fetch_short_buffer_is_buffer_too_small", catlib_fetch_text(u, buf, 4, &needed),
         CATLIB_ERR_BUFFER_TOO_SMALL, "has 4");
  check("fetch_short_buffer_is_untouched", buf[0] == 'X' && buf[3] == 'X' && needed == 11,
        "the buffer was written or needed is wrong");

  expect("fetch_exact_buffer_ok", catlib_fetch_text(u, buf, 11, NULL), CATLIB_OK, NULL);
  check("fetch_exact_buffer_is_nul_terminated", strcmp(buf, "status 200") == 0, buf);

  url(u, sizeof u, http_base, "/status/404");
  expect("fetch_404_is_http_error", catlib_fetch_text(u, buf, sizeof buf, NULL),
         CATLIB_ERR_HTTP, "404");
  url(u, sizeof u, closed_base, "/");
  expect("fetch_refused_is_connect_error", catlib_fetch_text(u, buf, sizeof buf, NULL),
         CATLIB_ERR_CONNECT, closed_base);

  url(u, sizeof u, ws_base, "/echo");
  expect("ws_roundtrip_ok", catlib_ws_roundtrip(u, "hello catlib", buf, sizeof buf, &needed),
         CATLIB_OK, NULL);
  snprintf(why, sizeof why, "got \"%s\" needed %zu", buf, needed);
  check("ws_roundtrip_echoes", strcmp(buf, "hello catlib") == 0 && needed == 13, why);
  expect("ws_short_buffer_is_buffer_too_small",
         catlib_ws_roundtrip(u, "hello catlib", buf, 2, &needed), CATLIB_ERR_BUFFER_TOO_SMALL,
         "13 bytes");

  const uint8_t data[] = "the quick brown fox";
  expect("hash_ok", catlib_hash_blocking(data, sizeof data - 1, 3, &h), CATLIB_OK, NULL);
  snprintf(why, sizeof why, "got %016llx, C computes %016llx", (unsigned long long)h,
           (unsigned long long)fnv1a_rounds(data, sizeof data - 1, 3));
  check("hash_matches_c_reference", h == fnv1a_rounds(data, sizeof data - 1, 3), why);
  expect("hash_empty_null_data_ok", catlib_hash_blocking(NULL, 0, 1, &h), CATLIB_OK, NULL);
  check("hash_empty_is_fnv_offset", h == 0xcbf29ce484222325ULL, "wrong hash of no bytes");
}

/* While a blocking catlib call runs on this worker (or suspends the main thread's wasm stack in
 * the jspi build), the page's main thread keeps running: its heartbeat (a 10 ms setInterval)
 * must keep ticking at >= MIN_RATE ticks/s, and where the call blocks the main thread itself
 * (jspi) no gap between two ticks may exceed MAX_GAP_MS. */
#define MIN_RATE 40.0
#define MAX_GAP_MS 50.0

/* Start a window for the largest heartbeat gap. */
static void gap_window(void) {
  if (max_gap_fn) (void)max_gap_fn();
}

static void heartbeat_during(const char *name, double ms, uint64_t beats) {
  char why[256];
  double rate = beats * 1000.0 / (ms > 1 ? ms : 1);
  double gap = max_gap_fn ? max_gap_fn() / 1000.0 : 0;
  int on_main = strcmp(blocker, "main_thread") == 0;
  snprintf(why, sizeof why, "%llu ticks in %.0f ms = %.1f/s (minimum %.0f/s); largest gap %.1f ms%s",
           (unsigned long long)beats, ms, rate, MIN_RATE, gap,
           on_main ? " (maximum 50 ms)" : "");
  if (ms >= 200 && rate >= MIN_RATE && !(on_main && max_gap_fn && gap > MAX_GAP_MS))
    pass(name, why);
  else
    fail(name, ms < 200 ? "the call was too short to measure" : why);
}

static void main_thread_guarantee(void) {
  char u[300], buf[64], name[128];
  url(u, sizeof u, http_base, "/delay/1000");
  gap_window();
  uint64_t h0 = heartbeat_fn();
  double t0 = now_ms();
  int st = catlib_fetch_text(u, buf, sizeof buf, NULL);
  double ms = now_ms() - t0;
  uint64_t beats = heartbeat_fn() - h0;
  expect("slow_fetch_ok", st, CATLIB_OK, NULL);
  snprintf(name, sizeof name, "heartbeat_ticks_while_%s_blocks_in_fetch", blocker);
  heartbeat_during(name, ms, beats);

  /* CPU work on the pool: grow it until one call takes at least 300 ms. */
  static uint8_t data[64 * 1024];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7);
  uint32_t rounds = 4;
  uint64_t h = 0;
  for (int attempt = 0; attempt < 8; attempt++) {
    gap_window();
    h0 = heartbeat_fn();
    t0 = now_ms();
    st = catlib_hash_blocking(data, sizeof data, rounds, &h);
    ms = now_ms() - t0;
    beats = heartbeat_fn() - h0;
    if (st != CATLIB_OK || ms >= 300) break;
    rounds *= (ms < 30) ? 8 : 2;
  }
  expect("slow_hash_ok", st, CATLIB_OK, NULL);
  snprintf(name, sizeof name, "heartbeat_ticks_while_%s_blocks_in_hash", blocker);
  heartbeat_during(name, ms, beats);
  printf("info: the hash took %.0f ms for %u x 64 KiB\n", ms, rounds);
}

/* ---- main-thread rule: the blocking API refuses where it cannot block ---------------------- */

static void would_block(void) {
  char u[300], buf[64];
  uint64_t h;
  url(u, sizeof u, http_base, "/status/200");
  expect("blocking_fetch_on_main_thread_would_block",
         catlib_fetch_text(u, buf, sizeof buf, NULL), CATLIB_ERR_WOULD_BLOCK,
         "catlib_fetch_text_async");
  url(u, sizeof u, ws_base, "/echo");
  expect("blocking_ws_on_main_thread_would_block",
         catlib_ws_roundtrip(u, "x", buf, sizeof buf, NULL), CATLIB_ERR_WOULD_BLOCK,
         "catlib_ws_roundtrip_async");
  expect("blocking_hash_on_main_thread_would_block",
         catlib_hash_blocking((const uint8_t *)"abc", 3, 1, &h), CATLIB_ERR_WOULD_BLOCK,
         "catlib_hash_async");
}

/* ---- the async API ---------------------------------------------------------------------- */

struct op {
  const char *name;
  int want_status;
  char want_text[300]; /* exact text wanted on success; substring of the message on failure */
  int status;
  char text[256];
  int calls;
  int nested_status; /* what a blocking call made inside the callback returned */
};

static struct op ops[4];
static int remaining;
static char nested_url[300];

static void finish(void);

static void on_done(void *user_data, int status, const char *text, size_t len) {
  struct op *op = user_data;
  op->calls++;
  op->status = status;
  snprintf(op->text, sizeof op->text, "%.*s", (int)(len < 255 ? len : 255), text);
  if (op == &ops[0]) {
    char buf[64];
    op->nested_status = catlib_fetch_text(nested_url, buf, sizeof buf, NULL);
  }
  if (__atomic_sub_fetch(&remaining, 1, __ATOMIC_ACQ_REL) == 0 && !blocking_allowed) finish();
}

static void start_async(void) {
  static const uint8_t data[] = "abc";
  char u[300];
  int n = 0;
  remaining = 4;
  url(nested_url, sizeof nested_url, http_base, "/status/200");

  ops[n] = (struct op){"async_fetch_text", CATLIB_OK, "status 200", -1, "", 0, -1};
  url(u, sizeof u, http_base, "/status/200");
  expect("async_fetch_text_starts", catlib_fetch_text_async(u, on_done, &ops[n]), CATLIB_OK,
         NULL);
  n++;
  ops[n] = (struct op){"async_ws_roundtrip", CATLIB_OK, "hello async", -1, "", 0, -1};
  url(u, sizeof u, ws_base, "/echo");
  expect("async_ws_roundtrip_starts",
         catlib_ws_roundtrip_async(u, "hello async", on_done, &ops[n]), CATLIB_OK, NULL);
  n++;
  ops[n] = (struct op){"async_hash", CATLIB_OK, "", -1, "", 0, -1};
  snprintf(ops[n].want_text, sizeof ops[n].want_text, "%016llx",
           (unsigned long long)fnv1a_rounds(data, 3, 2));
  expect("async_hash_starts", catlib_hash_async(data, 3, 2, on_done, &ops[n]), CATLIB_OK, NULL);
  n++;
  ops[n] = (struct op){"async_fetch_refused_reports_connect", CATLIB_ERR_CONNECT, "", -1, "", 0,
                       -1};
  snprintf(ops[n].want_text, sizeof ops[n].want_text, "%s", closed_base);
  url(u, sizeof u, closed_base, "/");
  expect("async_fetch_refused_starts", catlib_fetch_text_async(u, on_done, &ops[n]), CATLIB_OK,
         NULL);
}

static void check_async(void) {
  char why[600];
  for (int i = 0; i < 4; i++) {
    struct op *op = &ops[i];
    int ok = op->calls == 1 && op->status == op->want_status &&
             (op->status == CATLIB_OK ? strcmp(op->text, op->want_text) == 0
                                      : strstr(op->text, op->want_text) != NULL);
    snprintf(why, sizeof why, "%d calls, status %d (want %d), text \"%s\" (want \"%s\")",
             op->calls, op->status, op->want_status, op->text, op->want_text);
    if (ok)
      pass(op->name, op->text);
    else
      fail(op->name, why);
  }
  snprintf(why, sizeof why, "status %d, want %d", ops[0].nested_status, CATLIB_ERR_WOULD_BLOCK);
  check("blocking_call_inside_callback_would_block", ops[0].nested_status == CATLIB_ERR_WOULD_BLOCK,
        why);
}

/* ---- shutdown, summary ------------------------------------------------------------------- */

static void finish(void) {
  char u[300], buf[64];
  check_async();
  log_checks();
  int lines_before = __atomic_load_n(&log_lines, __ATOMIC_ACQUIRE);
  expect("shutdown_ok", catlib_shutdown(), CATLIB_OK, NULL);
  url(u, sizeof u, http_base, "/status/200");
  expect("fetch_after_shutdown_is_not_initialized",
         catlib_fetch_text(u, buf, sizeof buf, NULL), CATLIB_ERR_NOT_INITIALIZED,
         "catlib_init");
  expect("async_after_shutdown_is_not_initialized",
         catlib_fetch_text_async(u, noop_callback, NULL), CATLIB_ERR_NOT_INITIALIZED,
         "catlib_init");
  expect("shutdown_twice_is_not_initialized", catlib_shutdown(), CATLIB_ERR_NOT_INITIALIZED,
         "not initialised");
  expect("init_after_shutdown_ok", catlib_init(), CATLIB_OK, NULL);
  expect("shutdown_again_ok", catlib_shutdown(), CATLIB_OK, NULL);
  log_off_check(lines_before);
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
  if (finished_fn) finished_fn(failed);
}

/*
 * Run every check. `can_block`: this thread may block (natively, a browser worker, or the
 * page's main thread in the jspi build). `where` (may be NULL: "worker") names the blocked
 * context in the heartbeat checks. `heartbeat` (may be NULL): the page's heartbeat count, for
 * the main-thread guarantee; `max_gap_us` (may be NULL): the largest gap between two of its
 * ticks since the previous call, in microseconds. `finished` (may be NULL): called with the number of failures
 * when the run is over. `pause` (may be NULL: nanosleep): waits `ms` while the async checks
 * run; on the page's main thread it must let the event loop run (jspi: a suspending sleep).
 * Returns the number of failures, or -1 when the run goes on in callbacks (!can_block).
 */
int catlib_demo_main(int argc, char **argv, int can_block, const char *where,
                     uint64_t (*heartbeat)(void), uint64_t (*max_gap_us)(void),
                     void (*finished)(int failed),
                     void (*pause)(int ms)) {
  if (argc < 4) {
    printf("usage: %s HTTP_BASE WS_BASE CLOSED_BASE\n0 passed, 1 failed\n",
           argc > 0 ? argv[0] : "catlib-demo");
    if (finished) finished(1);
    return 1;
  }
  snprintf(http_base, sizeof http_base, "%s", argv[1]);
  snprintf(ws_base, sizeof ws_base, "%s", argv[2]);
  snprintf(closed_base, sizeof closed_base, "%s", argv[3]);
  heartbeat_fn = heartbeat;
  max_gap_fn = max_gap_us;
  finished_fn = finished;
  pause_fn = pause;
  if (where) blocker = where;
  blocking_allowed = can_block;
  printf("catlib demo: %s, blocking %s\n", http_base, can_block ? "allowed" : "not allowed");

  before_init();
  log_setup();
  expect("init_ok", catlib_init(), CATLIB_OK, NULL);
  expect("init_twice_is_a_no_op", catlib_init(), CATLIB_OK, NULL);
  bad_input();
  if (can_block) {
    blocking_api();
    if (heartbeat_fn) main_thread_guarantee();
  } else {
    would_block();
  }
  start_async();
  if (!can_block) return -1; /* the last callback calls finish() */
  double t0 = now_ms();
  while (__atomic_load_n(&remaining, __ATOMIC_ACQUIRE) > 0 && now_ms() - t0 < 60000) sleep_ms(5);
  if (__atomic_load_n(&remaining, __ATOMIC_ACQUIRE) > 0) fail("async_callbacks_arrive", "timeout");
  finish();
  return failed;
}

#ifndef CATLIB_DEMO_NO_MAIN
int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  return catlib_demo_main(argc, argv, 1, NULL, NULL, NULL, NULL, NULL) == 0 ? 0 : 1;
}
#endif
