//! `emscripten/eventloop.h`: the calling thread's browser event loop (immediates and timers),
//! plus the glue's heartbeat and exit helpers (`csrc/glue.c`), which use it.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};

use super::guarded;
use crate::by_key::ByKey;

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
        pub fn emscripten_clear_timeout(id: c_int);
        // csrc/glue.c
        pub fn crossio_queue_microtask(cb: extern "C" fn(*mut c_void), arg: *mut c_void);
        pub fn crossio_heartbeat_start(interval_ms: c_int);
        pub fn crossio_heartbeat_count() -> u64;
        pub fn crossio_heartbeat_take_max_gap_us() -> u64;
        pub fn crossio_exit_on_main(code: c_int);
    }
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

/// Run `f` in a microtask of the current thread's event loop: right after the running callback
/// returns, before the browser renders or delivers the next event (so it does not yield: use it
/// for bounded work only). Main thread.
pub fn queue_microtask(f: fn()) {
    // SAFETY: the trampoline turns the pointer back into the same `fn()`; the glue keeps the
    // runtime alive until the microtask ran.
    unsafe { ffi::crossio_queue_microtask(immediate_trampoline, f as *mut c_void) };
}

/// The longest delay a browser timer honours (2^31 - 1 ms, about 24.8 days); a longer one
/// fires at once. [`set_timeout`] clamps to it: callers that need longer re-arm.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A timer set by [`set_timeout`]; pass it to [`clear_timeout`] to cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerId(u32);

/// A timer not yet fired: Emscripten's id for it, and what to call with which key.
struct Pending {
    id: c_int,
    callback: fn(u32),
    key: u32,
}

/// This thread's pending timers, by our handle.
#[derive(Default)]
struct TimerTable {
    next: u32,
    pending: ByKey<Pending>,
}

thread_local! {
    static TIMERS: RefCell<TimerTable> = RefCell::new(TimerTable::default());
}

extern "C" fn timeout_trampoline(arg: *mut c_void) {
    let handle = arg as usize as u32;
    // The table's borrow ends before the callback runs: it may set or clear timers.
    let entry = TIMERS.with(|t| t.borrow_mut().pending.remove(handle));
    if let Some(p) = entry {
        guarded("timer", || (p.callback)(p.key));
    }
}

/// Call `callback(key)` after `ms` milliseconds on this thread's event loop.
pub fn set_timeout(ms: f64, callback: fn(u32), key: u32) -> TimerId {
    let handle = TIMERS.with(|t| {
        let mut t = t.borrow_mut();
        t.next = t.next.wrapping_add(1);
        t.next
    });
    // SAFETY: the user data is a plain integer handle, not a pointer that owns anything.
    let id = unsafe {
        ffi::emscripten_set_timeout(
            timeout_trampoline,
            ms.clamp(0.0, MAX_TIMER_MS),
            handle as usize as *mut c_void,
        )
    };
    let pending = Pending { id, callback, key };
    TIMERS.with(|t| t.borrow_mut().pending.insert(handle, pending));
    TimerId(handle)
}

/// Cancel a timer of this thread; a no-op if it already ran.
pub fn clear_timeout(timer: TimerId) {
    let entry = TIMERS.with(|t| t.borrow_mut().pending.remove(timer.0));
    if let Some(p) = entry {
        // SAFETY: `id` came from emscripten_set_timeout on this thread and has not fired.
        unsafe { ffi::emscripten_clear_timeout(p.id) };
    }
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

/// The longest time without a heartbeat tick since the previous call, in microseconds (see
/// `page::heartbeat_max_gap`); starts a new window.
pub fn heartbeat_take_max_gap_us() -> u64 {
    // SAFETY: an atomic exchange in C.
    unsafe { ffi::crossio_heartbeat_take_max_gap_us() }
}

/// End the program with `code` from a 0 ms timeout on the main thread (exiting from a worker
/// or from inside a callback with Rust frames on the stack trips Emscripten's runtime
/// assertions).
pub fn exit_soon(code: i32) {
    super::proxying::run_on_main(Box::new(move || {
        // SAFETY: runs on the main thread, as crossio_exit_on_main requires; the C timer
        // callback stops the heartbeat and then exits.
        unsafe { ffi::crossio_exit_on_main(code) }
    }));
}
