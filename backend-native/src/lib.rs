//! # crossio-native
//!
//! The native crossio backend: [`NativeBackend`] implements `Transport` with tokio-tungstenite,
//! `Http` with reqwest (rustls with the `ring` provider, no OpenSSL), and `Spawner` with a tokio
//! multi-thread runtime that the backend owns (or one you hand it with
//! [`NativeBackend::from_handle`]).
//!
//! HTTPS and WSS share one TLS configuration: one trust store (the platform's roots through
//! `rustls-platform-verifier`, plus `ClientOptions::tls_root_certificates_pem`, or those alone
//! with `tls_builtin_roots(false)`) and one optional client certificate.
//!
//! Futures returned by the backend may be polled from any executor: work that needs tokio's
//! context (connecting, timers, the HTTP connection pool) is started on the backend's runtime.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod capabilities;
mod error;
mod http;
mod proxy;
mod spawn;
mod tls;
mod transport;

use std::sync::{Arc, Mutex};

use crossio_core::{ClientOptions, Configure, Error, ProxyConfig, Result};
use tokio::runtime::{Handle, Runtime};

pub use crate::http::live_requests;
pub use crate::spawn::NativeSleep;
pub use crate::transport::{NativeConnection, live_connections};

/// The native backend. Cheap to clone; clones share the runtime and HTTP connection pools.
///
/// The runtime it created is shut down (in the background, never blocking) when the last clone
/// is dropped.
#[derive(Clone)]
pub struct NativeBackend {
    inner: Arc<Inner>,
    client: Arc<ClientState>,
}

struct Inner {
    handle: Handle,
    runtime: Mutex<Option<Runtime>>,
    local: spawn::LocalThread,
}

/// The client-wide options, the proxy settings resolved from them, the TLS configurations
/// built from them (shared by HTTPS and WSS) and the reqwest clients (one per redirect policy
/// and cookie use).
struct ClientState {
    options: ClientOptions,
    /// `Err`: the environment's proxy settings are invalid (the message), reported by every
    /// request and connection of a backend whose options were never checked.
    proxy: std::result::Result<Option<Arc<ProxyConfig>>, String>,
    /// The cookie jar (`ClientOptions::cookie_store`), shared by every client of these options.
    jar: Option<Arc<reqwest::cookie::Jar>>,
    /// Per redirect policy and whether the client uses the jar (not for `Credentials::Omit`):
    /// a few entries, searched in order (cheaper per request than hashing the key).
    clients: Mutex<Vec<((crossio_core::Redirect, bool), reqwest::Client)>>,
    tls: Mutex<Option<Arc<tls::TlsConfigs>>>,
}

impl ClientState {
    /// `options.proxy` is resolved here ([`crossio_core::Proxy::FromEnv`] reads the process
    /// environment now); `tls`, if the options set TLS options, was built from them.
    fn new(options: ClientOptions, tls: Option<Arc<tls::TlsConfigs>>) -> Arc<Self> {
        let proxy = options
            .proxy
            .resolve()
            .map(|p| p.map(Arc::new))
            .map_err(|e| e.message().to_owned());
        let jar = options
            .cookie_store
            .then(|| Arc::new(reqwest::cookie::Jar::default()));
        Arc::new(ClientState {
            options,
            proxy,
            jar,
            clients: Mutex::new(Vec::new()),
            tls: Mutex::new(tls),
        })
    }

    /// The TLS configurations, built on first use when the options set no TLS option (the
    /// platform's roots are then read only by a program that uses TLS).
    fn tls(&self) -> Result<Arc<tls::TlsConfigs>> {
        let mut slot = self.tls.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = &*slot {
            return Ok(t.clone());
        }
        let t = Arc::new(tls::build(&self.options)?);
        *slot = Some(t.clone());
        Ok(t)
    }

    /// The proxy settings, `None` for direct connections; `Err` (`InvalidInput`) if the
    /// environment's are invalid.
    fn proxy(&self) -> Result<Option<&Arc<ProxyConfig>>> {
        match &self.proxy {
            Ok(p) => Ok(p.as_ref()),
            Err(msg) => Err(Error::invalid_input(msg.clone())),
        }
    }
}

impl Configure for NativeBackend {
    /// Every option is honoured natively. With `cookie_store`, requests whose credentials are
    /// not `Omit` send and store cookies (every request counts as same-origin: there is no
    /// page); without it there are none. The proxy is resolved here: an invalid one (the
    /// environment's included, for `Proxy::FromEnv`) is `InvalidInput` naming the option. TLS
    /// options are turned into the one TLS configuration of HTTPS and WSS here: roots that are
    /// no certificates, or a client key that does not match its certificate, are
    /// `InvalidInput` naming the option.
    fn with_client_options(&self, options: ClientOptions) -> Result<Self> {
        options.validate()?;
        let tls = if options.sets_tls() {
            Some(Arc::new(tls::build(&options)?))
        } else {
            None
        };
        let client = ClientState::new(options, tls);
        client.proxy()?;
        Ok(NativeBackend {
            inner: self.inner.clone(),
            client,
        })
    }

    fn client_options(&self) -> &ClientOptions {
        &self.client.options
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let rt = self
            .runtime
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(rt) = rt {
            rt.shutdown_background();
        }
    }
}

/// Configures a [`NativeBackend`].
#[derive(Debug, Clone, Default)]
pub struct Builder {
    worker_threads: Option<usize>,
    max_blocking_threads: Option<usize>,
}

impl Builder {
    /// Number of async worker threads (default: one per core). Zero is refused.
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.worker_threads = Some(n);
        self
    }

    /// Size limit of the blocking pool used by `spawn_blocking` (default 512). Zero is refused.
    pub fn max_blocking_threads(mut self, n: usize) -> Self {
        self.max_blocking_threads = Some(n);
        self
    }

    /// Start the runtime and build the backend.
    pub fn build(self) -> Result<NativeBackend> {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.enable_all().thread_name("crossio-native");
        crossio_core::backend::check_pool_sizes(self.worker_threads, self.max_blocking_threads)?;
        if let Some(n) = self.worker_threads {
            b.worker_threads(n);
        }
        if let Some(n) = self.max_blocking_threads {
            b.max_blocking_threads(n);
        }
        let rt = b
            .build()
            .map_err(|e| Error::from(e).with_source_context("starting the tokio runtime"))?;
        Ok(NativeBackend::with_runtime(rt.handle().clone(), Some(rt)))
    }
}

trait WithContext {
    fn with_source_context(self, what: &str) -> Error;
}

impl WithContext for Error {
    fn with_source_context(self, what: &str) -> Error {
        Error::new(self.kind(), what.to_owned()).with_source(self)
    }
}

impl NativeBackend {
    /// A backend with its own multi-thread runtime (one worker per core).
    pub fn new() -> Result<Self> {
        Builder::default().build()
    }

    /// Configure the runtime before starting it.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A backend on an existing tokio runtime (which must have time and I/O enabled). The
    /// runtime is not shut down by the backend.
    pub fn from_handle(handle: Handle) -> Self {
        Self::with_runtime(handle, None)
    }

    fn with_runtime(handle: Handle, runtime: Option<Runtime>) -> Self {
        // rustls needs a process-wide crypto provider; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        NativeBackend {
            inner: Arc::new(Inner {
                handle,
                runtime: Mutex::new(runtime),
                local: spawn::LocalThread::default(),
            }),
            client: ClientState::new(ClientOptions::default(), None),
        }
    }

    /// The tokio runtime handle this backend runs on.
    pub fn handle(&self) -> &Handle {
        &self.inner.handle
    }
}

impl std::fmt::Debug for NativeBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeBackend").finish_non_exhaustive()
    }
}
