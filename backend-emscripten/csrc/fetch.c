/*
 * crossio-emscripten's binding of the browser's own fetch(). Compiled with emcc by
 * build.rs; reached from Rust through src/sys/fetch.rs only.
 *
 * Every EM_JS function here runs on the browser's main thread only (Rust hands the calls over
 * with run_on_main). The JS side keeps a Map id -> {controller, reader, timer, timedOut} in
 * Module.crossioFetches; an id leaves the map when its exchange ends (body done, error) or is
 * aborted, after which no callback for it reaches C.
 *
 * The body is pushed with a bound: reading starts when the response arrives, and each chunk's
 * callback answers whether to read on; after a 0 the next read waits for crossio_fetch_read,
 * so a slow reader slows the download and the Rust side holds a bounded amount.
 *
 * Results come back through the KEEPALIVE functions below, which forward to the Rust function
 * pointers registered with crossio_fetch_init (also the defined C function that makes this
 * object, and so its EM_JS code, link) and free the strings and chunks once Rust has copied them.
 */
#include <emscripten.h>
#include <emscripten/em_js.h>
#include <stdint.h>
#include <stdlib.h>

typedef void (*crossio_fetch_head_fn)(int id, int status, const char *headers, const char *url,
                                      double content_length);
/* Returns nonzero when the JS side may read the next chunk at once, 0 to pause until
 * crossio_fetch_read. */
typedef int (*crossio_fetch_chunk_fn)(int id, const uint8_t *data, size_t len, int done);
typedef void (*crossio_fetch_error_fn)(int id, int kind, const char *message);

static crossio_fetch_head_fn crossio_fetch_head_cb;
static crossio_fetch_chunk_fn crossio_fetch_chunk_cb;
static crossio_fetch_error_fn crossio_fetch_error_cb;

/* Register Rust's callbacks; idempotent, from any thread, before the first start. */
void crossio_fetch_init(crossio_fetch_head_fn head, crossio_fetch_chunk_fn chunk,
                        crossio_fetch_error_fn error) {
  crossio_fetch_head_cb = head;
  crossio_fetch_chunk_cb = chunk;
  crossio_fetch_error_cb = error;
}

EMSCRIPTEN_KEEPALIVE void *crossio_fetch_alloc(size_t n) { return malloc(n ? n : 1); }

EMSCRIPTEN_KEEPALIVE void crossio_fetch_on_head(int id, int status, char *headers, char *url,
                                                double content_length) {
  if (crossio_fetch_head_cb) crossio_fetch_head_cb(id, status, headers, url, content_length);
  free(headers);
  free(url);
}

EMSCRIPTEN_KEEPALIVE int crossio_fetch_on_chunk(int id, uint8_t *data, size_t len, int done) {
  int more = crossio_fetch_chunk_cb ? crossio_fetch_chunk_cb(id, data, len, done) : 0;
  free(data);
  return more;
}

EMSCRIPTEN_KEEPALIVE void crossio_fetch_on_error(int id, int kind, char *message) {
  if (crossio_fetch_error_cb) crossio_fetch_error_cb(id, kind, message);
  free(message);
}

EM_JS_DEPS(crossio_fetch,
           "$UTF8ToString,$stringToUTF8,$lengthBytesUTF8,$runtimeKeepalivePush,$runtimeKeepalivePop");

/* headers: "name:value\n" lines, each value's bytes as code points U+0000..U+00FF.
 * timeout_ms <= 0: no deadline. credentials: 0 omit, 1 same-origin, 2 include.
 * Error kinds: 1 timeout, 2 aborted, 3 network failure. */
EM_JS(void, crossio_fetch_start, (int id, const char *method, const char *url,
                                  const char *headers, const uint8_t *body, size_t body_len,
                                  double timeout_ms, int credentials), {
  var fetches = Module.crossioFetches || (Module.crossioFetches = new Map());
  function str(s) {
    var n = lengthBytesUTF8(s) + 1;
    var p = _crossio_fetch_alloc(n);
    stringToUTF8(s, p, n);
    return p;
  }
  /* Whether `u` is cross-origin for a page (a Web page has a location; Node.js has no CORS). */
  function crossOrigin() {
    try {
      return typeof location === "object" && location.origin && location.origin !== "null" &&
             new URL(u, location.href).origin !== location.origin;
    } catch (e) {
      return false;
    }
  }
  function fail(st, err) {
    st.end();
    var kind = st.timedOut ? 1 : (err && err.name === "AbortError") ? 2 : 3;
    var msg = err && err.message ? String(err.message) : String(err);
    if (kind === 3 && crossOrigin()) {
      msg += " (a cross-origin request, and the browser hides why it failed: often CORS, the " +
             "server not allowing this origin, method or headers, or refusing the preflight; " +
             "else the server is unreachable)";
    }
    _crossio_fetch_on_error(id, kind, str(msg));
  }
  var m = UTF8ToString(method);
  var u = UTF8ToString(url);
  var h = [];
  UTF8ToString(headers).split("\n").forEach(function(line) {
    var i = line.indexOf(":");
    if (i > 0) h.push([line.substring(0, i), line.substring(i + 1)]);
  });
  var st = {controller: new AbortController(), reader: null, timer: null, timedOut: false,
            live: true};
  /* An exchange in flight keeps the runtime alive (a program whose main returned, built with
   * EXIT_RUNTIME, would otherwise exit while it waits): one keepalive from start to end. */
  runtimeKeepalivePush();
  st.end = function() {
    fetches.delete(id);
    clearTimeout(st.timer);
    if (st.live) {
      st.live = false;
      runtimeKeepalivePop();
    }
    /* The BYOB read buffer goes back to a small pool for the next exchange: allocating (and
     * zeroing) 256 KiB per request cost every small GET its time and the GC its garbage. */
    var pool = Module.crossioFetchBufs || (Module.crossioFetchBufs = []);
    if (st.buf && st.buf.byteLength === 262144 && pool.length < 4) pool.push(st.buf);
    st.buf = null;
  };
  st.fail = function(err) { fail(st, err); };
  st.str = str;
  var init = {method: m, headers: h, redirect: "follow", mode: "cors",
              credentials: ["omit", "same-origin", "include"][credentials] || "same-origin",
              signal: st.controller.signal};
  if (body_len > 0 && m !== "GET" && m !== "HEAD") {
    /* A copy in a fresh (never shared) ArrayBuffer: the heap may be a SharedArrayBuffer. */
    init.body = new Uint8Array(HEAPU8.subarray(body, body + body_len));
  }
  fetches.set(id, st);
  if (timeout_ms > 0) {
    st.timer = setTimeout(function() { st.timedOut = true; st.controller.abort(); }, timeout_ms);
  }
  /* fetch() itself is called from a microtask (a promise reaction: a throw rejects p), not
   * from here: called with wasm frames on the stack (this function is reached from Rust) it
   * took Chromium 156 0.24-0.33 ms per request, the same call from a microtask 0.19-0.22 ms,
   * as from plain JS (measured on the benchmark page, 1 KiB GETs). The exchange is registered,
   * and its deadline armed, already. */
  var p = Promise.resolve().then(function() { return fetch(u, init); });
  var cap = 262144; /* the most body bytes handed to Rust per chunk: 256 KiB */
  /* Copy v (at most cap bytes) to the heap and hand it to Rust; whether Rust wants more now. */
  function deliver(v) {
    var p = _crossio_fetch_alloc(v.length);
    /* HEAPU8 read after the allocation: memory may have grown. */
    HEAPU8.set(v, p);
    return _crossio_fetch_on_chunk(id, p, v.length, 0) !== 0 && fetches.get(id) === st;
  }
  /* Hand over what is left of a chunk larger than cap, then read on while Rust wants more. */
  st.pump = function() {
    while (st.rest) {
      var v = st.rest;
      st.rest = v.length > cap ? v.subarray(cap) : null;
      if (!deliver(v.length > cap ? v.subarray(0, cap) : v)) return;
    }
    var read;
    if (st.byob) {
      var pool = Module.crossioFetchBufs;
      var buf = st.buf || (pool && pool.pop()) || new ArrayBuffer(cap);
      st.buf = null;
      read = st.reader.read(new Uint8Array(buf, 0, buf.byteLength));
    } else {
      read = st.reader.read();
    }
    read.then(function(r) {
      if (fetches.get(id) !== st) return;
      var v = r.value;
      if (r.done) {
        if (st.byob && v) st.buf = v.buffer;
        st.end();
        _crossio_fetch_on_chunk(id, 0, 0, 1);
        return;
      }
      var more = true;
      if (v && v.length > 0) {
        if (st.byob) {
          more = deliver(v); /* at most cap bytes */
        } else {
          st.rest = v;
          st.pump();
          return;
        }
      }
      if (st.byob && v) st.buf = v.buffer; /* the transferred buffer, reused by the next read */
      if (more) st.pump();
    }, function(err) {
      if (fetches.get(id) !== st) return;
      st.fail(err);
    });
  };
  p.then(function(resp) {
    if (fetches.get(id) !== st) return;
    if (resp.body) {
      /* A BYOB reader where the body is a byte stream: the browser then fills at most
       * cap bytes per read; otherwise the default reader, whose chunks are handed over in
       * slices of at most that size. */
      try {
        st.reader = resp.body.getReader({mode: "byob"});
        st.byob = true;
      } catch (e) {
        st.reader = resp.body.getReader();
        st.byob = false;
      }
      /* The first read is issued before the head goes to Rust: where the body is already
       * there, its chunk then arrives in the same pass of microtasks as the head, and the
       * task woken by the head finds both. */
      st.pump();
    }
    var lines = "";
    resp.headers.forEach(function(v, k) { lines += k + ":" + v + "\n"; });
    /* Content-Length counts the bytes on the wire; the body read here is decoded. It is the
     * length the user reads only when the body is known not to be content-encoded, and a
     * missing Content-Encoding proves that only where the header would be visible: a
     * same-origin ("basic") response, or a CORS response whose own
     * Access-Control-Expose-Headers is visible and exposes Content-Encoding (by name, or by
     * "*" on a request without credentials). Otherwise the length is unknown (-1). */
    var len = -1;
    var cl = resp.headers.get("content-length");
    var ce = resp.headers.get("content-encoding");
    var ceVisible = resp.type === "basic" || resp.type === "default";
    if (!ceVisible && resp.type === "cors") {
      var exposed = (resp.headers.get("access-control-expose-headers") || "")
          .split(",").map(function(x) { return x.trim().toLowerCase(); });
      ceVisible = exposed.indexOf("content-encoding") >= 0 ||
          (exposed.indexOf("*") >= 0 && init.credentials !== "include");
    }
    if (cl !== null && ceVisible && (ce === null || ce.trim() === "identity") &&
        /^[0-9]+$/.test(cl.trim())) {
      len = Number(cl.trim());
    }
    _crossio_fetch_on_head(id, resp.status, str(lines), str(resp.url || u), len);
    if (!st.reader && fetches.get(id) === st) {
      st.end();
      _crossio_fetch_on_chunk(id, 0, 0, 1);
    }
  }, function(err) {
    if (fetches.get(id) !== st) return;
    st.fail(err);
  });
});

/* Resume reading id's body after Rust answered a chunk with 0 (pause). */
EM_JS(void, crossio_fetch_read, (int id), {
  var fetches = Module.crossioFetches;
  var st = fetches && fetches.get(id);
  if (!st) {
    /* Already ended or aborted: report it instead of leaving the reader waiting. */
    var n = lengthBytesUTF8("no such fetch") + 1;
    var p0 = _crossio_fetch_alloc(n);
    stringToUTF8("no such fetch", p0, n);
    _crossio_fetch_on_error(id, 2, p0);
    return;
  }
  st.pump();
});

/* Abort id's exchange and forget it; no callback for id reaches C after this. */
EM_JS(void, crossio_fetch_abort, (int id), {
  var fetches = Module.crossioFetches;
  var st = fetches && fetches.get(id);
  if (!st) return;
  st.end();
  try {
    st.controller.abort();
  } catch (e) {
  }
});
