//! Diagnostics of the emscripten backend, for tests, soak runs and benchmarks: live counters,
//! heap figures and FFI checks. Nothing here is needed to use the backend.

/// The JS engine running the module, as probed for the capabilities: `"blink"`, `"gecko"`,
/// `"webkit"` or `"node"`.
pub fn engine() -> &'static str {
    match crate::sys::engine::engine() {
        crate::sys::engine::Engine::Blink => "blink",
        crate::sys::engine::Engine::Gecko => "gecko",
        crate::sys::engine::Engine::WebKit => "webkit",
        crate::sys::engine::Engine::Node => "node",
    }
}

/// Pre-created pthread workers not in use (what `-sPTHREAD_POOL_SIZE` reserved, minus the
/// ones taken); 0 in the main-thread build.
pub fn free_pool_workers() -> usize {
    crate::sys::threading::pool_unused_workers()
}

/// Bytes currently allocated on the wasm heap (malloc's in-use count), for leak checks.
pub fn heap_in_use() -> usize {
    crate::sys::heap::in_use()
}

/// Size of the wasm memory in bytes (it grows and never shrinks).
pub fn heap_size() -> usize {
    crate::sys::heap::size()
}

/// How many times a WebSocket sender has waited for the browser's send buffer (its
/// `bufferedAmount`) to drain below the high-water mark: send back-pressure at work.
pub fn send_back_pressure_waits() -> u64 {
    crate::transport::send_waits()
}

/// WebSocket sockets created and not yet deleted (for leak checks).
pub fn live_sockets() -> usize {
    crate::sys::websocket::live_sockets()
}

/// WebSocket sockets whose callbacks are still registered (for leak checks).
pub fn live_socket_callbacks() -> usize {
    crate::sys::websocket::live_callbacks()
}

/// Check the Rust mirrors of `emscripten/websocket.h`'s structs against the C compiler's
/// layout of the installed header; `Err` names the first mismatch.
pub fn check_ffi_layout() -> Result<(), String> {
    crate::sys::websocket::check_layout()
}

/// Tasks waiting in the main thread's executor queue.
pub fn queued_tasks() -> usize {
    crate::spawn::executor::queued()
}

/// HTTP requests in flight: sent and not yet ended, failed or dropped (their future or
/// body). Returns to 0 once every response has been read to the end or dropped.
pub fn live_fetches() -> usize {
    crate::http::live_fetches()
}

/// Response body bytes the backend holds: received from the browser and not yet read, over
/// all responses. The body is read ahead with a bound: each response holds less than 64 KiB
/// plus one chunk of at most 256 KiB (the glue's read size), however slowly it is read.
pub fn fetch_held_bytes() -> usize {
    crate::http::held_bytes()
}

/// The most [`fetch_held_bytes`] has been since the program started.
pub fn fetch_held_bytes_peak() -> usize {
    crate::http::held_bytes_peak()
}

/// Times `block_on` suspended the wasm stack through JSPI (the jspi mode; 0 in the others).
pub fn suspensions() -> u64 {
    crate::spawn::mode::Mode::suspensions()
}

/// The build mode's name: `"main-thread"`, `"worker"` or `"jspi"`.
pub fn mode() -> &'static str {
    crate::spawn::mode::Mode::NAME
}
