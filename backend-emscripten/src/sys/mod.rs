//! FFI to Emscripten's C API and to crossio's own C/JS glue (`csrc/glue.c`).
//!
//! This is the only module of the crate with `unsafe` code. Every function it exports is safe:
//! callbacks from C catch panics before returning to C, and no lock is held while calling out.

use std::ffi::{c_int, c_void};

pub mod bench;
pub mod fetch;
pub mod websocket;
use std::panic::{AssertUnwindSafe, catch_unwind};

mod ffi {
    use std::ffi::{c_int, c_void};

    unsafe extern "C" {
        // emscripten/eventloop.h
        pub fn emscripten_set_immediate(
            cb: extern "C" fn(*mut c_void),
            user_data: *mut c_void,
        ) -> c_int;
        pub fn emscripten_set_timeout(
            cb: extern "C" fn(*mut c_void),
            msecs: f64,
            user_data: *mut c_void,
        ) -> c_int;
        #[cfg(not(target_feature = "atomics"))]
        pub fn emscripten_clear_timeout(id: c_int);
        // emscripten/threading.h
        pub fn emscripten_is_main_browser_thread() -> bool;
        // csrc/glue.c
        pub fn crossio_glue_anchor() -> c_int;
        pub fn crossio_heartbeat_start(interval_ms: c_int);
        pub fn crossio_heartbeat_count() -> u64;
        pub fn crossio_exit_on_main(code: c_int);
        pub fn crossio_pool_unused_workers() -> c_int;
        pub fn crossio_heap_in_use() -> usize;
        pub fn crossio_heap_size() -> usize;
    }

    #[cfg(target_feature = "atomics")]
    unsafe extern "C" {
        // emscripten/proxying.h
        pub fn emscripten_proxy_get_system_queue() -> *mut c_void;
        pub fn emscripten_proxy_async(
            queue: *mut c_void,
            target_thread: *mut c_void,
            func: extern "C" fn(*mut c_void),
            arg: *mut c_void,
        ) -> bool;
        // emscripten/threading.h
        pub fn emscripten_main_runtime_thread_id() -> *mut c_void;
    }
}

/// Run `f`, catching a panic so it never unwinds into C or JS; report it on stderr.
fn guarded(what: &str, f: impl FnOnce()) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(f)) {
        eprintln!(
            "crossio: panic in {what} callback: {}",
            crossio_core::backend::panic_message(&*panic)
        );
    }
}

/// Link the glue object (its EM_JS/EM_ASM code is kept only if Rust calls into it).
pub fn glue_anchor() {
    // SAFETY: a C function without arguments or side effects.
    unsafe { ffi::crossio_glue_anchor() };
}

/// True on the browser's main thread (the page's event loop).
pub fn is_main_browser_thread() -> bool {
    // SAFETY: reads thread-local runtime state; callable from any thread.
    unsafe { ffi::emscripten_is_main_browser_thread() }
}

/// Start a `setInterval(…, interval_ms)` heartbeat on the main thread (once per process).
pub fn heartbeat_start(interval_ms: u32) {
    let ms = c_int::try_from(interval_ms.max(1)).unwrap_or(c_int::MAX);
    // SAFETY: proxies synchronously to the main thread (or runs there) and returns.
    unsafe { ffi::crossio_heartbeat_start(ms) };
}

/// Number of heartbeat ticks so far.
pub fn heartbeat_count() -> u64 {
    // SAFETY: an atomic load in C.
    unsafe { ffi::crossio_heartbeat_count() }
}

/// Bytes currently allocated with malloc (which Rust's allocator uses here).
pub fn heap_in_use() -> usize {
    // SAFETY: reads the allocator's statistics.
    unsafe { ffi::crossio_heap_in_use() }
}

/// Size of the wasm memory in bytes.
pub fn heap_size() -> usize {
    // SAFETY: reads the memory's size.
    unsafe { ffi::crossio_heap_size() }
}

/// Pre-created pthread workers not in use (0 without pthreads).
pub fn pool_unused_workers() -> usize {
    // SAFETY: proxies synchronously to the main thread, which never blocks in crossio.
    let n = unsafe { ffi::crossio_pool_unused_workers() };
    usize::try_from(n).unwrap_or(0)
}

extern "C" fn immediate_trampoline(arg: *mut c_void) {
    // SAFETY: `arg` was made from a `fn()` by `set_immediate` below; fn pointers and data
    // pointers have the same size on wasm32.
    let f: fn() = unsafe { std::mem::transmute::<*mut c_void, fn()>(arg) };
    guarded("set_immediate", f);
}

/// Run `f` in a later macrotask of the current thread's event loop (`setImmediate`
/// semantics: after pending I/O and rendering work, without the 4 ms timeout clamp).
pub fn set_immediate(f: fn()) {
    // SAFETY: the trampoline turns the pointer back into the same `fn()`.
    unsafe { ffi::emscripten_set_immediate(immediate_trampoline, f as *mut c_void) };
}

/// Browser timers of the *calling* thread's event loop; crossio uses them on the main thread.
mod timers {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;

    type TimerFn = Box<dyn FnOnce()>;

    /// This thread's pending timers: our key → (Emscripten's timer id, closure).
    #[derive(Default)]
    struct TimerTable {
        next_key: u32,
        pending: HashMap<u32, (c_int, TimerFn)>,
    }

    thread_local! {
        static TIMERS: RefCell<TimerTable> = RefCell::new(TimerTable::default());
    }

    /// A timer set by [`set_timeout`]; pass it to [`clear_timeout`] to cancel.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct TimerId(u32);

    extern "C" fn timeout_trampoline(arg: *mut c_void) {
        let key = arg as usize as u32;
        let f = TIMERS
            .with(|t| t.borrow_mut().pending.remove(&key))
            .map(|(_, f)| f);
        if let Some(f) = f {
            guarded("timer", f);
        }
    }

    /// Call `f` after `ms` milliseconds on this thread's event loop. The closure is owned by a
    /// per-thread table until it runs or is cleared.
    pub fn set_timeout(ms: f64, f: TimerFn) -> TimerId {
        let key = TIMERS.with(|t| {
            let mut t = t.borrow_mut();
            t.next_key = t.next_key.wrapping_add(1);
            t.next_key
        });
        // SAFETY: the user data is a plain integer key, not a pointer that owns anything.
        let id = unsafe {
            ffi::emscripten_set_timeout(
                timeout_trampoline,
                ms.clamp(0.0, MAX_TIMER_MS),
                key as usize as *mut c_void,
            )
        };
        TIMERS.with(|t| t.borrow_mut().pending.insert(key, (id, f)));
        TimerId(key)
    }

    /// Cancel a timer of this thread; a no-op if it already ran.
    #[cfg(not(target_feature = "atomics"))]
    pub fn clear_timeout(timer: TimerId) {
        let entry = TIMERS.with(|t| t.borrow_mut().pending.remove(&timer.0));
        if let Some((id, f)) = entry {
            // SAFETY: `id` came from emscripten_set_timeout on this thread and has not fired.
            unsafe { ffi::emscripten_clear_timeout(id) };
            drop(f);
        }
    }
}
pub use timers::set_timeout;
#[cfg(not(target_feature = "atomics"))]
pub use timers::{TimerId, clear_timeout};

/// The longest delay a browser timer honours (2^31 - 1 ms, about 24.8 days); a longer one
/// fires at once. [`set_timeout`] clamps to it: callers that need longer re-arm.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

type MainFn = Box<dyn FnOnce() + Send>;

#[cfg(target_feature = "atomics")]
extern "C" fn main_trampoline(arg: *mut c_void) {
    // SAFETY: `arg` is the `Box<MainFn>` leaked by `run_on_main`, reclaimed exactly once here.
    let f = unsafe { Box::from_raw(arg as *mut MainFn) };
    guarded("main-thread task", *f);
}

/// Run `f` on the browser's main thread: at once if this is it, otherwise queued to it with
/// `emscripten_proxy_async` (never waiting for it). Returns false if it could not be queued.
pub fn run_on_main(f: MainFn) -> bool {
    if is_main_browser_thread() {
        guarded("main-thread task", f);
        return true;
    }
    #[cfg(target_feature = "atomics")]
    {
        let arg = Box::into_raw(Box::new(f)) as *mut c_void;
        // SAFETY: the system queue and main thread id are valid for the program's life; on
        // success the trampoline owns `arg`, on failure we take it back.
        let queued = unsafe {
            ffi::emscripten_proxy_async(
                ffi::emscripten_proxy_get_system_queue(),
                ffi::emscripten_main_runtime_thread_id(),
                main_trampoline,
                arg,
            )
        };
        if !queued {
            // SAFETY: not queued, so nobody else owns `arg`.
            drop(unsafe { Box::from_raw(arg as *mut MainFn) });
        }
        queued
    }
    #[cfg(not(target_feature = "atomics"))]
    {
        drop(f);
        false
    }
}

/// End the program with `code` from a 0 ms timeout on the main thread (exiting from a worker
/// or from inside a callback with Rust frames on the stack trips Emscripten's runtime
/// assertions).
pub fn exit_soon(code: i32) {
    run_on_main(Box::new(move || {
        // SAFETY: runs on the main thread, as crossio_exit_on_main requires; the C timer
        // callback stops the heartbeat and then exits.
        unsafe { ffi::crossio_exit_on_main(code) }
    }));
}
