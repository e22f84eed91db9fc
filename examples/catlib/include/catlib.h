/*
 * catlib: a small synchronous C library whose networking and concurrency are crossio's.
 *
 * Every function returns a catlib_status (0 = CATLIB_OK). On failure, catlib_last_error()
 * gives a message saying what was attempted, with which input. No function crashes or invokes
 * undefined behaviour on NULL pointers, short buffers, invalid UTF-8, or calls before
 * catlib_init / after catlib_shutdown: each is an error code.
 *
 * Threads. Every function may be called from any thread.
 *  - The blocking functions (catlib_fetch_text, catlib_ws_roundtrip, catlib_hash_blocking)
 *    block the calling thread. Where blocking is not allowed they return
 *    CATLIB_ERR_WOULD_BLOCK at once: on the browser's main thread (Emscripten main-thread
 *    build), and from inside a catlib callback (it runs on catlib's own runtime, which
 *    blocking could deadlock).
 *  - Emscripten jspi build (linked with -sJSPI): on the page's main thread the blocking
 *    functions suspend the wasm stack (JSPI) instead of blocking it; the page keeps running.
 *    That works on a stack entered through a promising export (main, or a function listed in
 *    -sJSPI_EXPORTS, which page JS calls as a Promise). CATLIB_ERR_WOULD_BLOCK there: inside a
 *    catlib callback, while another blocking call is suspended (queue calls from page JS), and
 *    in a browser without JSPI.
 *  - The *_async functions never block: they check their arguments, start the operation on
 *    catlib's runtime and return; the callback is called exactly once, later, on a catlib
 *    thread (natively a runtime thread; in a browser main-thread build, the page's main
 *    thread; in a browser worker build, a pool worker).
 *
 * Strings are NUL-terminated UTF-8. Output buffers: `out` receives the result and a NUL;
 * `*needed` (optional, may be NULL) receives the size that holds it, NUL included. With
 * `cap < *needed` the call returns CATLIB_ERR_BUFFER_TOO_SMALL and writes nothing to `out`
 * (`out` may be NULL when `cap` is 0): allocate `*needed` bytes and call again. The
 * operation (a request, a round trip) is then performed again.
 */
#ifndef CATLIB_H
#define CATLIB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. The values are part of the ABI (checked against the Rust side by its tests). */
typedef enum catlib_status {
    CATLIB_OK = 0,
    CATLIB_ERR_NULL_ARGUMENT = 1,     /* a required pointer was NULL */
    CATLIB_ERR_BUFFER_TOO_SMALL = 2,  /* cap < *needed; nothing written to out */
    CATLIB_ERR_INVALID_UTF8 = 3,      /* a string argument is not UTF-8 */
    CATLIB_ERR_NOT_INITIALIZED = 4,   /* before catlib_init or after catlib_shutdown */
    CATLIB_ERR_WOULD_BLOCK = 5,       /* a blocking call where blocking is not allowed: use *_async */
    CATLIB_ERR_INVALID_INPUT = 6,     /* a malformed URL, an unsupported scheme, zero rounds, ... */
    CATLIB_ERR_CONNECT = 7,           /* connection refused, unreachable, handshake rejected */
    CATLIB_ERR_TIMEOUT = 8,           /* no answer within catlib's 30 s deadline */
    CATLIB_ERR_CLOSED = 9,            /* the peer closed before answering */
    CATLIB_ERR_PROTOCOL = 10,         /* the peer broke the WebSocket protocol */
    CATLIB_ERR_HTTP = 11,             /* HTTP failure, including a status other than 2xx */
    CATLIB_ERR_CAPACITY = 12,         /* a size limit was exceeded */
    CATLIB_ERR_CANCELLED = 13,        /* an async operation was dropped (catlib shut down) */
    CATLIB_ERR_PANIC = 14,            /* a bug inside catlib, caught at the API boundary */
    CATLIB_ERR_IO = 15,               /* an I/O error from the system or the browser */
    CATLIB_ERR_UNSUPPORTED = 16       /* the target cannot do this */
} catlib_status;

/*
 * Start catlib's runtime. Call once before anything else; calling it again while initialised
 * is a no-op returning CATLIB_OK. After catlib_shutdown it may be called again.
 */
int catlib_init(void);

/*
 * Stop catlib's runtime. Blocking calls in progress on other threads finish normally; async
 * operations in flight still call their callbacks. CATLIB_ERR_NOT_INITIALIZED if not running.
 */
int catlib_shutdown(void);

/*
 * The message of the last failed catlib call on this thread, "" if it succeeded. Valid until
 * the next catlib call on this thread; never NULL.
 */
const char *catlib_last_error(void);

/*
 * Blocking: HTTP GET `url` (http:// or https://) and write the response body as text to
 * `out`. A status other than 2xx is CATLIB_ERR_HTTP (the message names the status).
 */
int catlib_fetch_text(const char *url, char *out, size_t cap, size_t *needed);

/*
 * Blocking: open a WebSocket to `url` (ws:// or wss://), send `msg` as a text message, wait
 * for the first text or binary reply, close with 1000 and write the reply to `out`.
 */
int catlib_ws_roundtrip(const char *url, const char *msg, char *out, size_t cap,
                        size_t *needed);

/*
 * Blocking, CPU-bound, run on catlib's worker pool: the 64-bit FNV-1a hash of `data`
 * repeated `rounds` times (rounds = 1 is plain FNV-1a). `data` may be NULL when `len` is 0;
 * `rounds` must be at least 1. The result is written to `*out`.
 */
int catlib_hash_blocking(const uint8_t *data, size_t len, uint32_t rounds, uint64_t *out);

/*
 * Completion callback of the *_async functions, called exactly once. `status` is a
 * catlib_status; `text` (never NULL, NUL-terminated, `len` bytes before the NUL) is the
 * result when status is CATLIB_OK and the error message otherwise. `text` is valid only
 * during the call. The callback must not call catlib's blocking functions (they return
 * CATLIB_ERR_WOULD_BLOCK there).
 */
typedef void (*catlib_callback)(void *user_data, int status, const char *text, size_t len);

/*
 * Non-blocking flavours. They validate their arguments at once (returning an error code and
 * never calling the callback) and otherwise return CATLIB_OK and call `callback(user_data,
 * ...)` later. catlib_hash_async copies `data` (free it when the call returns) and reports
 * the hash as 16 lowercase hex digits.
 */
int catlib_fetch_text_async(const char *url, catlib_callback callback, void *user_data);
int catlib_ws_roundtrip_async(const char *url, const char *msg, catlib_callback callback,
                              void *user_data);
int catlib_hash_async(const uint8_t *data, size_t len, uint32_t rounds,
                      catlib_callback callback, void *user_data);

/*
 * Logging. catlib passes on crossio's log events (connects, sends and receives, closes,
 * requests with their status and bytes, errors with their kind, task panics, blocking calls)
 * and its own (catlib_init, catlib_shutdown), one line each: "target: message field=value
 * ...", e.g. "crossio::http: http end method=GET url=http://host/x status=200 bytes=11 ms=1.9".
 * Targets: crossio::ws, crossio::http, crossio::task, catlib. Levels, most severe first:
 */
#define CATLIB_LOG_ERROR 1
#define CATLIB_LOG_WARN 2  /* a task or callback panicked */
#define CATLIB_LOG_INFO 3  /* catlib_init, catlib_shutdown */
#define CATLIB_LOG_DEBUG 4 /* connects, closes, requests (start, head, end), errors */
#define CATLIB_LOG_TRACE 5 /* every message sent and received, task spawns, blocking calls */

/*
 * Log callback: `level` is a CATLIB_LOG_* value, `line` (never NULL, NUL-terminated, `len`
 * bytes before the NUL) is valid only during the call. It is called on the thread that logs:
 * any thread, natively a catlib runtime thread or the caller's; in a browser the page's main
 * thread or a pool worker. catlib holds no lock while calling it, so it may call any catlib
 * function (catlib_set_log_callback included), except that the blocking ones answer
 * CATLIB_ERR_WOULD_BLOCK where they always do (inside catlib's callbacks). It must return
 * quickly: it runs inside catlib's network work.
 */
typedef void (*catlib_log_callback)(void *user_data, int level, const char *line, size_t len);

/*
 * Send log lines at `level` and more severe to `callback(user_data, ...)`; a NULL `callback`
 * turns logging off (`level` is then ignored). May be called at any time, before catlib_init
 * too; the last call wins. With logging off (the default) catlib formats nothing.
 * CATLIB_ERR_INVALID_INPUT: `level` is not a CATLIB_LOG_* value (the setting is unchanged).
 * CATLIB_ERR_UNSUPPORTED: the program installed a global `tracing` subscriber of its own
 * (Rust hosts), which then receives the events instead. A line being passed on another thread
 * when this returns may still reach the previous callback.
 */
int catlib_set_log_callback(int level, catlib_log_callback callback, void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* CATLIB_H */
