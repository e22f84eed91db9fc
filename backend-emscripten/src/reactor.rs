//! The main-thread reactor.
//!
//! Browsers deliver WebSocket events, `fetch()` completions and timers only to the page's main
//! thread, and Emscripten creates every WebSocket there. So crossio keeps every browser I/O
//! object on the main thread and hands operations to it:
//!
//! - [`on_main`] runs a closure on the main thread: at once when called there, otherwise queued
//!   with `emscripten_proxy_async` (22–37 µs one way, measured) without ever waiting for it, so
//!   a worker blocked in `block_on` cannot deadlock against the main thread.
//! - The objects' callbacks (on the main thread) turn events into state behind a lock, take the
//!   waiting task's waker out of the lock and wake it; the task runs wherever it lives (the
//!   main-thread executor, a pool thread, or a thread parked in `block_on`).
//!
//! Operations on one object are queued in order (the proxying queue is FIFO), so a send handed
//! over before a close is performed before it.

use crate::sys;

/// Run `f` on the browser's main thread (inline when already there). Returns false if it could
/// not be queued (the runtime is shutting down); `f` is then dropped without running.
pub(crate) fn on_main(f: impl FnOnce() + Send + 'static) -> bool {
    sys::run_on_main(Box::new(f))
}
