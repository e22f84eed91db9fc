/*
 * The worker side of examples/demo-page/: a command loop that runs on a Web Worker (the
 * catlib-demo-page binary, worker build with -sPROXY_TO_PTHREAD) and calls catlib's *blocking*
 * API, exactly as a C program would. The page's buttons push commands onto
 * Module.catlibQueue; this loop pops them (a short synchronous hop to the main thread every
 * 20 ms), blocks in catlib while the page stays responsive, and prints the results, which the
 * page shows in its log pane (Module.print).
 *
 * Commands: "fetch PATH" (GET HTTP_BASE + PATH), "ws [/PATH ]TEXT" (round trip on
 * WS_BASE + PATH, /echo by default), "hash ROUNDS" (FNV-1a over 64 KiB x ROUNDS on catlib's
 * pool), "bad" (a NULL argument).
 */
#include "catlib.h"

#include <emscripten.h>
#include <emscripten/em_asm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

EM_JS_DEPS(catlib_demo_page, "$stringToUTF8");

/* Pop the next queued command into buf; 0 if there is none. Runs on the main thread. */
static int next_command(char *buf, int cap) {
  return MAIN_THREAD_EM_ASM_INT({
    var q = Module['catlibQueue'];
    if (!q || q.length == 0) return 0;
    stringToUTF8(String(q.shift()), $0, $1);
    return 1;
  }, buf, cap);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void report(const char *what, int status, double t0, const char *result) {
  if (status == CATLIB_OK)
    printf("%s: ok in %.0f ms: %s\n", what, now_ms() - t0, result);
  else
    printf("%s: error %d in %.0f ms: %s\n", what, status, now_ms() - t0, catlib_last_error());
  fflush(stdout);
}

/* The usual catlib buffer protocol: try a small buffer, and on CATLIB_ERR_BUFFER_TOO_SMALL
 * allocate what `needed` says and call again. */
static void do_fetch(const char *http_base, const char *path) {
  char url[512], small[64];
  size_t needed = 0;
  snprintf(url, sizeof url, "%s%s", http_base, path);
  printf("fetch: catlib_fetch_text(\"%s\") is blocking the worker...\n", url);
  fflush(stdout);
  double t0 = now_ms();
  int st = catlib_fetch_text(url, small, sizeof small, &needed);
  if (st == CATLIB_ERR_BUFFER_TOO_SMALL) {
    char *big = malloc(needed);
    st = big ? catlib_fetch_text(url, big, needed, &needed) : CATLIB_ERR_CAPACITY;
    report("fetch", st, t0, big ? big : "");
    free(big);
  } else {
    report("fetch", st, t0, small);
  }
}

static void do_ws(const char *ws_base, const char *arg) {
  char url[512], reply[512];
  const char *path = "/echo", *text = arg, *space = strchr(arg, ' ');
  int path_len = 5;
  if (arg[0] == '/' && space) { /* "/PATH TEXT" */
    path = arg;
    path_len = (int)(space - arg);
    text = space + 1;
  }
  snprintf(url, sizeof url, "%s%.*s", ws_base, path_len, path);
  printf("ws: catlib_ws_roundtrip(\"%s\", \"%s\") is blocking the worker...\n", url, text);
  fflush(stdout);
  double t0 = now_ms();
  int st = catlib_ws_roundtrip(url, text, reply, sizeof reply, NULL);
  report("ws", st, t0, reply);
}

static void do_hash(unsigned rounds) {
  static uint8_t data[64 * 1024];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7);
  printf("hash: catlib_hash_blocking(64 KiB x %u) is blocking the worker...\n", rounds);
  fflush(stdout);
  double t0 = now_ms();
  uint64_t h = 0;
  int st = catlib_hash_blocking(data, sizeof data, rounds, &h);
  char hex[32];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  report("hash", st, t0, hex);
}

int catlib_demo_page_main(const char *http_base_arg, const char *ws_base_arg) {
  char http_base[256], ws_base[256], cmd[512];
  snprintf(http_base, sizeof http_base, "%s", http_base_arg);
  snprintf(ws_base, sizeof ws_base, "%s", ws_base_arg);
  int st = catlib_init();
  if (st != CATLIB_OK) {
    printf("catlib_init failed: %d %s\n", st, catlib_last_error());
    return 1;
  }
  printf("ready: catlib initialised on a worker; server %s\n", http_base);
  fflush(stdout);
  for (;;) {
    if (!next_command(cmd, sizeof cmd)) {
      struct timespec ts = {0, 20 * 1000000L};
      nanosleep(&ts, NULL);
      continue;
    }
    if (strncmp(cmd, "fetch ", 6) == 0) {
      do_fetch(http_base, cmd + 6);
    } else if (strncmp(cmd, "ws ", 3) == 0) {
      do_ws(ws_base, cmd + 3);
    } else if (strncmp(cmd, "hash ", 5) == 0) {
      do_hash((unsigned)strtoul(cmd + 5, NULL, 10));
    } else if (strcmp(cmd, "bad") == 0) {
      double t0 = now_ms();
      report("bad", catlib_fetch_text(NULL, NULL, 0, NULL), t0, "");
    } else {
      printf("unknown command: %s\n", cmd);
      fflush(stdout);
    }
  }
}
