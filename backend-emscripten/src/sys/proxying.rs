//! `emscripten/proxying.h`: running work on the browser's main thread.

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

#[cfg_attr(not(target_feature = "atomics"), allow(dead_code))]
extern "C" fn main_trampoline(arg: *mut c_void) {
    // SAFETY: `arg` is the `Box<MainFn>` leaked by `run_on_main`, reclaimed exactly once here.
    let f = unsafe { Box::from_raw(arg as *mut MainFn) };
    guarded("main-thread task", *f);
}

/// Run `f` on the browser's main thread: at once if this is it, otherwise queued to it with
/// `emscripten_proxy_async` (never waiting for it). Returns false if it could not be queued
/// (without pthreads there is no other thread, so that never happens there).
pub fn run_on_main(f: MainFn) -> bool {
    if is_main_browser_thread() {
        guarded("main-thread task", f);
        return true;
    }
    queue_to_main(f)
}

#[cfg(target_feature = "atomics")]
fn queue_to_main(f: MainFn) -> bool {
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
fn queue_to_main(f: MainFn) -> bool {
    drop(f);
    false
}
