//! `emscripten/proxying.h`: running work on the browser's main thread.
//!
//! crossio's work goes through a proxying queue of its own, never Emscripten's system queue.
//! The system queue is also run *inside* any futex wait of the main thread (a contended
//! `malloc` or mutex lock spins there and runs it, `proxying.h`: "may be processed at any time
//! inside system functions ... similar to a native signal handler"): a crossio task run there
//! could need a lock that the interrupted main-thread code holds, and the main thread would then
//! spin on itself forever (seen in WebKit's worker mode: a WebSocket callback allocating under
//! its connection's lock while a worker held `malloc`'s lock, and a proxied send for the same
//! connection run inside that wait). A queue of our own is run only from the main thread's
//! event loop (its mailbox), with nothing of crossio's on the stack below it.

use std::ffi::c_void;

use super::guarded;
use super::threading::is_main_browser_thread;

/// Work handed to the main thread.
pub type MainFn = Box<dyn FnOnce() + Send>;

#[cfg(target_feature = "atomics")]
mod ffi {
    use std::ffi::c_void;

    unsafe extern "C" {
        // emscripten/proxying.h
        pub fn em_proxying_queue_create() -> *mut c_void;
        pub fn em_proxying_queue_destroy(queue: *mut c_void);
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

#[cfg_attr(not(target_feature = "atomics"), allow(dead_code))]
extern "C" fn main_trampoline(arg: *mut c_void) {
    // SAFETY: `arg` is the `Box<MainFn>` leaked by `run_on_main`, reclaimed exactly once here.
    let f = unsafe { Box::from_raw(arg as *mut MainFn) };
    if super::in_callback() {
        // Run from inside crossio code on this stack (a lock wait that ran the queue): the
        // hazard this queue exists to rule out. Said loudly; the browser runners fail on it.
        eprintln!(
            "crossio: internal error: work handed to the main thread ran nested inside another \
             of crossio's callbacks"
        );
    }
    guarded("main-thread task", *f);
}

/// Run `f` on the browser's main thread: at once if this is it, otherwise queued to it on
/// crossio's own queue with `emscripten_proxy_async` (never waiting for it; it runs from the
/// main thread's event loop). Returns false if it could not be queued
/// (without pthreads there is no other thread, so that never happens there).
pub fn run_on_main(f: MainFn) -> bool {
    if is_main_browser_thread() {
        guarded("main-thread task", f);
        return true;
    }
    queue_to_main(f)
}

/// crossio's proxying queue, created by the first hand-off and kept for the program's life.
#[cfg(target_feature = "atomics")]
fn queue() -> Option<*mut c_void> {
    use std::sync::atomic::{AtomicPtr, Ordering};
    static QUEUE: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
    let q = QUEUE.load(Ordering::Acquire);
    if !q.is_null() {
        return Some(q);
    }
    // SAFETY: plain constructor; null only when out of memory.
    let new = unsafe { ffi::em_proxying_queue_create() };
    if new.is_null() {
        return None;
    }
    match QUEUE.compare_exchange(
        std::ptr::null_mut(),
        new,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => Some(new),
        Err(won) => {
            // SAFETY: `new` was never shared: another thread's queue won the race.
            unsafe { ffi::em_proxying_queue_destroy(new) };
            Some(won)
        }
    }
}

#[cfg(target_feature = "atomics")]
fn queue_to_main(f: MainFn) -> bool {
    let Some(queue) = queue() else {
        return false;
    };
    let arg = Box::into_raw(Box::new(f)) as *mut c_void;
    // SAFETY: the queue and the main thread id are valid for the program's life; on success
    // the trampoline owns `arg`, on failure we take it back.
    let queued = unsafe {
        ffi::emscripten_proxy_async(
            queue,
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
fn queue_to_main(f: MainFn) -> bool {
    drop(f);
    false
}
