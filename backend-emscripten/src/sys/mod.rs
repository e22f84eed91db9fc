//! FFI to Emscripten's C API and to crossio's own C/JS glue (`csrc/`), one file per API bound:
//! [`event_loop`] (`emscripten/eventloop.h`: immediates, timers; the heartbeat and exit glue),
//! [`proxying`] (`emscripten/proxying.h`), [`threading`] (`emscripten/threading.h`, the pthread
//! pool), [`heap`] (malloc statistics), [`websocket`] (`emscripten/websocket.h`), [`fetch`] (the
//! browser's `fetch()`, `csrc/fetch.c`), [`engine`] (which JS engine runs the module), [`console`] (`emscripten/console.h`) and, with the `bench` feature, `bench` (raw-browser
//! baselines, `csrc/bench.c`) and `raw_echo` (the size anchor: an echo on raw
//! `websocket.h`, no crossio).
//!
//! This is the only module of the crate with `unsafe` code. Every function it exports is safe.
//! Events go up as `(key, event)` to plain function pointers handed down by the modules above
//! (sys never names them); every callback catches panics before returning to C, and no lock or
//! borrow is held while it calls up.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

#[cfg(feature = "bench")]
pub mod bench;
pub mod console;
pub mod engine;
pub mod event_loop;
pub mod fetch;
pub mod heap;
#[cfg(feature = "jspi")]
pub mod jspi;
pub mod proxying;
#[cfg(feature = "bench")]
pub mod raw_echo;
pub mod threading;
pub mod websocket;

mod ffi {
    unsafe extern "C" {
        // csrc/glue.c
        pub fn crossio_glue_anchor() -> std::ffi::c_int;
    }
}

thread_local! {
    /// How many of crossio's callbacks are running on this thread's stack (nested when a
    /// callback runs main-thread work inline).
    static CALLBACK_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// True while one of crossio's callbacks (an executor drain, a timer, a WebSocket or fetch
/// event, proxied work) is running on this thread: such a stack was entered from the browser's
/// event loop, not through a promising export, so it must never suspend.
pub fn in_callback() -> bool {
    CALLBACK_DEPTH.with(Cell::get) > 0
}

/// Run `f`, catching a panic so it never unwinds into C or JS; report it on stderr. While `f`
/// runs, [`in_callback`] is true.
fn guarded(what: &str, f: impl FnOnce()) {
    CALLBACK_DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    CALLBACK_DEPTH.with(|d| d.set(d.get() - 1));
    if let Err(panic) = result {
        let message = crossio_core::backend::panic_message(&*panic);
        tracing::warn!(target: "crossio::task", callback = what, panic = %message, "callback panicked");
        eprintln!("crossio: panic in {what} callback: {message}");
    }
}

/// Link the glue object (its EM_JS/EM_ASM code is kept only if Rust calls into it).
pub fn glue_anchor() {
    // SAFETY: a C function without arguments or side effects.
    unsafe { ffi::crossio_glue_anchor() };
}
