//! [`EmscriptenBackend`], its builder, and page-level helpers.

use std::sync::Arc;

use crossio_core::{Error, Result};

pub use crate::spawn::EmscriptenSleep;
pub use crate::transport::EmscriptenConnection;

/// True when this is the pthreads ("worker mode") build.
pub const WORKER_MODE: bool = cfg!(target_feature = "atomics");

/// The emscripten backend. Cheap to clone; clones share the worker pool.
#[derive(Clone)]
pub struct EmscriptenBackend {
    #[cfg_attr(not(target_feature = "atomics"), allow(dead_code))]
    // empty in the main-thread build
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    #[cfg(target_feature = "atomics")]
    pub(crate) runtime: tokio::runtime::Handle,
    #[cfg(target_feature = "atomics")]
    _owned: Option<tokio::runtime::Runtime>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        #[cfg(target_feature = "atomics")]
        if let Some(rt) = self._owned.take() {
            rt.shutdown_background();
        }
    }
}

/// Configures an [`EmscriptenBackend`].
#[derive(Debug, Clone, Default)]
pub struct Builder {
    worker_threads: Option<usize>,
    max_blocking_threads: Option<usize>,
}

impl Builder {
    /// Worker mode: async worker threads. Default: the pre-created pthread workers still free
    /// when the backend starts (what `-sPTHREAD_POOL_SIZE` reserved) minus one kept for
    /// `spawn_blocking`, at least 1. Zero is refused. Ignored in the main-thread build.
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.worker_threads = Some(n);
        self
    }

    /// Worker mode: most threads `spawn_blocking` may use at once (default 8); jobs beyond it
    /// queue. Zero is refused. Ignored in the main-thread build.
    pub fn max_blocking_threads(mut self, n: usize) -> Self {
        self.max_blocking_threads = Some(n);
        self
    }

    /// Build the backend (in worker mode: start the pool).
    pub fn build(self) -> Result<EmscriptenBackend> {
        if self.worker_threads == Some(0) {
            return Err(Error::invalid_input("worker_threads must be at least 1"));
        }
        if self.max_blocking_threads == Some(0) {
            return Err(Error::invalid_input(
                "max_blocking_threads must be at least 1",
            ));
        }
        crate::sys::glue_anchor();
        #[cfg(target_feature = "atomics")]
        {
            let workers = self
                .worker_threads
                .unwrap_or_else(|| crate::sys::pool_unused_workers().saturating_sub(1).max(1));
            let rt = crate::pool::start(workers, self.max_blocking_threads.unwrap_or(8))?;
            Ok(EmscriptenBackend {
                inner: Arc::new(Inner {
                    runtime: rt.handle().clone(),
                    _owned: Some(rt),
                }),
            })
        }
        #[cfg(not(target_feature = "atomics"))]
        {
            Ok(EmscriptenBackend {
                inner: Arc::new(Inner {}),
            })
        }
    }
}

impl EmscriptenBackend {
    /// A backend with default settings.
    pub fn new() -> Result<Self> {
        Builder::default().build()
    }

    /// Configure before building.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

impl std::fmt::Debug for EmscriptenBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmscriptenBackend")
            .field("worker_mode", &WORKER_MODE)
            .finish()
    }
}

/// Page-level helpers for programs and tests.
pub mod page {
    /// True on the browser's main thread.
    pub fn is_main_thread() -> bool {
        crate::sys::is_main_browser_thread()
    }

    /// Start (once) a `setInterval` heartbeat on the main thread, ticking every `interval_ms`;
    /// [`heartbeat`] reads the tick count from any thread. A count that stops advancing means
    /// the page's event loop is blocked.
    pub fn start_heartbeat(interval_ms: u32) {
        crate::sys::heartbeat_start(interval_ms)
    }

    /// Heartbeat ticks so far (0 until [`start_heartbeat`]).
    pub fn heartbeat() -> u64 {
        crate::sys::heartbeat_count()
    }

    /// End the program with `code`, from any thread: the exit happens in a 0 ms timeout on
    /// the main thread, after pending output is flushed. Needs `-sEXIT_RUNTIME=1` at link time
    /// to shut the runtime down.
    pub fn exit(code: i32) {
        crate::sys::exit_soon(code)
    }

    /// Pre-created pthread workers not in use (what `-sPTHREAD_POOL_SIZE` reserved, minus the
    /// ones taken); 0 in the main-thread build.
    pub fn free_pool_workers() -> usize {
        crate::sys::pool_unused_workers()
    }

    /// Bytes currently allocated on the wasm heap (malloc's in-use count), for leak checks.
    pub fn heap_in_use() -> usize {
        crate::sys::heap_in_use()
    }

    /// Size of the wasm memory in bytes (it grows and never shrinks).
    pub fn heap_size() -> usize {
        crate::sys::heap_size()
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

    /// WebSocket callback registrations not yet freed (for leak checks).
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
        crate::executor::queued()
    }

    /// HTTP requests in flight: sent and not yet ended, failed or dropped (their future or
    /// body). Returns to 0 once every response has been read to the end or dropped.
    pub fn live_fetches() -> usize {
        crate::http::live_fetches()
    }

    /// Response body bytes the backend holds: received from the browser and not yet read,
    /// over all responses. The body is pulled one browser chunk at a time, so each response
    /// holds at most one chunk (a size the browser picks: ≤ 64 KiB in Chromium, up to about
    /// 1 MiB in Firefox), however slowly it is read.
    pub fn fetch_held_bytes() -> usize {
        crate::http::held_bytes()
    }

    /// The most [`fetch_held_bytes`] has been since the program started.
    pub fn fetch_held_bytes_peak() -> usize {
        crate::http::held_bytes_peak()
    }
}
