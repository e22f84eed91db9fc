//! `emscripten/threading.h`, and the glue's view of the pthread pool.

mod ffi {
    use std::ffi::c_int;

    unsafe extern "C" {
        // emscripten/threading.h
        pub fn emscripten_is_main_browser_thread() -> bool;
        // csrc/glue.c
        pub fn crossio_pool_unused_workers() -> c_int;
    }
}

/// True on the browser's main thread (the page's event loop).
pub fn is_main_browser_thread() -> bool {
    // SAFETY: reads thread-local runtime state; callable from any thread.
    unsafe { ffi::emscripten_is_main_browser_thread() }
}

/// Pre-created pthread workers not in use (0 without pthreads).
pub fn pool_unused_workers() -> usize {
    // SAFETY: proxies synchronously to the main thread, which never blocks in crossio.
    let n = unsafe { ffi::crossio_pool_unused_workers() };
    usize::try_from(n).unwrap_or(0)
}
