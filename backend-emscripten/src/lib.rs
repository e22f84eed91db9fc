//! # crossio-emscripten
//!
//! The crossio backend for `wasm32-unknown-emscripten`, in three build modes chosen by the
//! target features and cargo features of the build:
//!
//! - **main-thread** (no `+atomics`): everything runs on the browser's main thread. Tasks run on
//!   an event-loop executor that yields to the browser after every small batch; timers are
//!   browser timers; nothing ever blocks the page.
//!   [`Spawner::block_on`](crossio_core::Spawner::block_on) returns
//!   [`ErrorKind::Unsupported`](crossio_core::ErrorKind::Unsupported), and `spawn_blocking` runs
//!   its job in a macrotask of its own on the main thread (there is no other thread).
//! - **worker** (`+atomics,+bulk-memory`, `-pthread`, `-sPROXY_TO_PTHREAD`): Rust `main` runs on
//!   a Web Worker where blocking is allowed; `spawn`, `spawn_blocking` and timers run on a tokio
//!   runtime whose threads are pthreads, and the browser's main thread stays free to run
//!   browser I/O and `spawn_local` tasks.
//! - **jspi** (cargo feature `jspi`, `-sJSPI`): as main-thread, but `block_on` from `main` or a
//!   promising export suspends the wasm stack (JSPI) while the page runs on; refused
//!   (`Unsupported`) inside tasks and callbacks, and in a browser without JSPI.
//!
//! In every mode `spawn_local` runs on the main thread's event-loop executor.
//!
//! The crate carries its own C/JS glue (compiled with emcc by `build.rs`), including the
//! `__main_argc_argv` shim that lets a Rust binary link with `-sPROXY_TO_PTHREAD`.
//!
//! The files mirror crossio-native's: `lib.rs` (the backend and its builder), `error.rs` (every
//! mapping from the browser's failures to crossio's kinds), `transport.rs`, `http.rs`,
//! `spawn.rs` (one file per build mode under `spawn/`); plus `bridge.rs`, the one seam between
//! browser callbacks and futures, and `sys/`, the FFI. [`log`] shows crossio's `tracing`
//! events in the browser's console. With the non-default `bench` feature,
//! the `bench` module has raw-browser baselines for benchmarks.
#![warn(missing_docs)]
#![deny(unsafe_code)]
#![cfg_attr(not(target_os = "emscripten"), allow(unused))]

#[cfg(all(target_os = "emscripten", feature = "bench"))]
pub mod bench;
#[cfg(target_os = "emscripten")]
mod bridge;
mod by_key;
#[cfg(target_os = "emscripten")]
mod capabilities;
#[cfg(target_os = "emscripten")]
pub mod diagnostics;
#[cfg(target_os = "emscripten")]
mod error;
mod headers;
#[cfg(target_os = "emscripten")]
mod http;
#[cfg(target_os = "emscripten")]
pub mod log;
#[cfg(target_os = "emscripten")]
mod spawn;
#[cfg(target_os = "emscripten")]
#[allow(unsafe_code)] // the only module with FFI and `unsafe`
mod sys;
#[cfg(target_os = "emscripten")]
mod transport;

#[cfg(target_os = "emscripten")]
pub use crate::backend::*;

#[cfg(target_os = "emscripten")]
mod backend {
    use std::sync::Arc;

    use crossio_core::{ClientOptions, Configure, Error, Result};

    pub use crate::spawn::EmscriptenSleep;
    pub use crate::transport::EmscriptenConnection;

    use crate::spawn::mode::Mode;

    /// True when this is the pthreads ("worker mode") build.
    pub const WORKER_MODE: bool = cfg!(target_feature = "atomics");

    /// The emscripten backend. Cheap to clone; clones share the build mode's state (in worker
    /// mode, the pool).
    #[derive(Clone)]
    pub struct EmscriptenBackend {
        pub(crate) inner: Arc<Inner>,
        pub(crate) client: Arc<ClientOptions>,
    }

    pub(crate) struct Inner {
        pub(crate) mode: Mode,
    }

    /// Configures an [`EmscriptenBackend`].
    #[derive(Debug, Clone, Default)]
    pub struct Builder {
        pub(crate) worker_threads: Option<usize>,
        pub(crate) max_blocking_threads: Option<usize>,
        pub(crate) block_on_spin: Option<std::time::Duration>,
    }

    impl Builder {
        /// Worker mode: async worker threads. Default: the pre-created pthread workers still
        /// free when the backend starts (what `-sPTHREAD_POOL_SIZE` reserved) minus one kept
        /// for `spawn_blocking`, at least 1. Zero is refused. Ignored in the main-thread build.
        pub fn worker_threads(mut self, n: usize) -> Self {
            self.worker_threads = Some(n);
            self
        }

        /// Worker mode: most threads `spawn_blocking` may use at once (default 8); jobs beyond
        /// it queue. Zero is refused. Ignored in the main-thread build.
        pub fn max_blocking_threads(mut self, n: usize) -> Self {
            self.max_blocking_threads = Some(n);
            self
        }

        /// Worker mode: how long `block_on` watches for a wake before it parks the worker
        /// thread (default zero: park at once). The browser's main thread completes a
        /// worker's I/O, and each futex wake-up of a parked worker adds its latency to every
        /// event a blocking call waits for; watching saves that at the cost of up to this
        /// much CPU time per wait. Measured on a 2-core machine: 300 µs raised `block_on`
        /// round trips of a 32 B echo (≈ 3 700 → 5 700 op/s in Chromium) but cost single
        /// GETs a fifth (0.82–0.91 → 0.67–0.68 of raw JS: the spinning core is one the
        /// browser needed), hence off by default. Ignored in the other modes.
        pub fn block_on_spin(mut self, spin: std::time::Duration) -> Self {
            self.block_on_spin = Some(spin);
            self
        }

        /// Build the backend (in worker mode: start the pool).
        pub fn build(self) -> Result<EmscriptenBackend> {
            crossio_core::backend::check_pool_sizes(
                self.worker_threads,
                self.max_blocking_threads,
            )?;
            crate::sys::glue_anchor();
            let mode = Mode::start(&self)?;
            Ok(EmscriptenBackend {
                inner: Arc::new(Inner { mode }),
                client: Arc::new(ClientOptions::default()),
            })
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

    impl Configure for EmscriptenBackend {
        /// Default headers (HTTP only: browsers cannot put headers on a WebSocket handshake),
        /// the default request timeout and the credentials mode are honoured; a User-Agent, a
        /// connect timeout, `decompress(false)`, a proxy other than `Proxy::FromEnv` (the
        /// browser's own settings) and headers the Fetch standard forbids are `Unsupported`
        /// (the browser owns them), and so is every TLS option (whom to trust and which client
        /// certificate to present is the browser's business), after the checks of
        /// [`ClientOptions::validate`] (malformed PEM is `InvalidInput` here too).
        /// `cookie_store` changes nothing in a browser (it keeps cookies either way) and is
        /// `Unsupported` in Node.js (which keeps none).
        fn with_client_options(&self, options: ClientOptions) -> Result<Self> {
            options.validate()?;
            let refused = if let Some(tls) = tls_option(&options) {
                Some(format!(
                    "{tls} (TLS trust and client certificates are the browser's business: \
                     configure the browser or the OS)"
                ))
            } else if options.user_agent.is_some() {
                Some("a User-Agent (the browser sends its own)".to_owned())
            } else if options.connect_timeout.is_some() {
                Some("a connect timeout (fetch() has no connect phase to time)".to_owned())
            } else if !options.decompress {
                Some("decompress(false) (browsers always decode responses)".to_owned())
            } else if options.cookie_store
                && crate::sys::engine::engine() == crate::sys::engine::Engine::Node
            {
                Some("a cookie store (Node.js's fetch() keeps no cookies)".to_owned())
            } else if options.proxy != crossio_core::Proxy::FromEnv {
                Some(
                    "a proxy of crossio's own (client option proxy: the browser's own proxy \
                     settings apply, which Proxy::FromEnv means here)"
                        .to_owned(),
                )
            } else {
                options
                    .default_headers
                    .keys()
                    .find(|n| crate::headers::forbidden_header(n.as_str()))
                    .map(|n| format!("the default header {n:?} (the Fetch standard forbids it)"))
            };
            if let Some(what) = refused {
                return Err(Error::unsupported(format!(
                    "client options: a browser cannot honour {what}"
                )));
            }
            Ok(EmscriptenBackend {
                inner: self.inner.clone(),
                client: Arc::new(options),
            })
        }

        fn client_options(&self) -> &ClientOptions {
            &self.client
        }
    }

    /// The first TLS option `options` sets, by name.
    fn tls_option(options: &ClientOptions) -> Option<&'static str> {
        if !options.tls_root_certificates_pem.is_empty() {
            Some("tls_root_certificates_pem")
        } else if !options.tls_builtin_roots {
            Some("tls_builtin_roots(false)")
        } else if options.tls_client_certificate_pem.is_some() {
            Some("tls_client_certificate_pem")
        } else if options.tls_client_key_pem.is_some() {
            Some("tls_client_key_pem")
        } else {
            None
        }
    }

    impl std::fmt::Debug for EmscriptenBackend {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("EmscriptenBackend")
                .field("mode", &Mode::NAME)
                .finish()
        }
    }
}

/// What a program on the page needs: where it runs, a heartbeat to see that the page stays
/// responsive, and a clean exit.
#[cfg(target_os = "emscripten")]
pub mod page {
    /// True on the browser's main thread.
    pub fn is_main_thread() -> bool {
        crate::sys::threading::is_main_browser_thread()
    }

    /// Start (once) a `setInterval` heartbeat on the main thread, ticking every `interval_ms`;
    /// [`heartbeat`] reads the tick count from any thread. A count that stops advancing means
    /// the page's event loop is blocked.
    pub fn start_heartbeat(interval_ms: u32) {
        crate::sys::event_loop::heartbeat_start(interval_ms)
    }

    /// Heartbeat ticks so far (0 until [`start_heartbeat`]).
    pub fn heartbeat() -> u64 {
        crate::sys::event_loop::heartbeat_count()
    }

    /// The longest time the heartbeat went without a tick since the previous call: each call
    /// ends one window and starts the next; a gap that began before a window counts from its
    /// start, one still open at the call counts up to it (zero before the first tick). With a
    /// 10 ms heartbeat, a gap far above 10 ms is a time the page's main thread did not answer.
    pub fn heartbeat_max_gap() -> std::time::Duration {
        std::time::Duration::from_micros(crate::sys::event_loop::heartbeat_take_max_gap_us())
    }

    /// End the program with `code`, from any thread: the exit happens in a 0 ms timeout on
    /// the main thread, after pending output is flushed. Needs `-sEXIT_RUNTIME=1` at link time
    /// to shut the runtime down.
    pub fn exit(code: i32) {
        crate::sys::event_loop::exit_soon(code)
    }
}
