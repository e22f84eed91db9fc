//! The worker mode (a pthreads build, `+atomics`): `spawn`, `spawn_blocking` and sleeps on a
//! tokio multi-thread runtime whose threads are Web Workers from Emscripten's pthread pool;
//! `block_on` parks any thread but the browser's main one.
//!
//! tokio 1.54 runs on pthreads under `-sPROXY_TO_PTHREAD` (measured: 1000 tasks joined in
//! 22–31 ms, `sleep(200 ms)` 200.6–202.3 ms, `spawn_blocking` beyond the pre-created pool
//! creates Workers on demand without deadlock because the browser's main thread is free), so
//! crossio uses it instead of a scheduler of its own.

use std::future::Future;
use std::time::Duration;

use crossio_core::backend::tokio_join_handle;
use crossio_core::{Error, JoinHandle, Result};
use tokio::runtime::{Handle, Runtime};

use crate::Builder;
use crate::sys::threading;

/// How long `block_on` watches for a wake before it parks the worker by default (see
/// [`crate::Builder::block_on_spin`] and [`crossio_core::backend::spin_park_block_on`]).
const BLOCK_ON_SPIN: Duration = Duration::ZERO;

/// The sleep future of this mode (a tokio timer, driven by the pool).
pub type Sleep = tokio::time::Sleep;

/// The worker mode's state: the pool's runtime.
pub(crate) struct Mode {
    handle: Handle,
    owned: Option<Runtime>,
    block_on_spin: Duration,
}

impl Drop for Mode {
    fn drop(&mut self) {
        if let Some(rt) = self.owned.take() {
            rt.shutdown_background();
        }
    }
}

impl Mode {
    /// Whether `block_on` suspends the stack (JSPI) rather than parking the thread.
    pub(crate) const SUSPENDS: bool = false;

    /// Suspensions so far: never in this mode.
    pub(crate) fn suspensions() -> u64 {
        0
    }

    /// The mode's name, as the diagnostics report it.
    pub(crate) const NAME: &'static str = "worker";

    /// Start the pool: `worker_threads` async threads (default: the pre-created pthread
    /// workers still free, minus one kept for `spawn_blocking`, at least 1) and at most
    /// `max_blocking_threads` blocking ones (default 8).
    pub(crate) fn start(builder: &Builder) -> Result<Mode> {
        let workers = builder
            .worker_threads
            .unwrap_or_else(|| threading::pool_unused_workers().saturating_sub(1).max(1));
        let rt = start(workers, builder.max_blocking_threads.unwrap_or(8))?;
        Ok(Mode {
            handle: rt.handle().clone(),
            owned: Some(rt),
            block_on_spin: builder.block_on_spin.unwrap_or(BLOCK_ON_SPIN),
        })
    }

    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = crossio_core::backend::mark_task(future);
        tokio_join_handle(self.handle.spawn(task))
    }

    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        tokio_join_handle(self.handle.spawn_blocking(f))
    }

    pub(crate) fn sleep(&self, duration: Duration) -> Sleep {
        let _guard = self.handle.enter();
        tokio::time::sleep(duration)
    }

    /// Whether `block_on` may block the calling thread: on a worker, outside async tasks.
    pub(crate) fn may_block() -> bool {
        !threading::is_main_browser_thread() && !crossio_core::backend::in_task()
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        if threading::is_main_browser_thread() {
            return Err(Error::unsupported(
                "block_on on the browser's main thread would freeze the page: spawn the \
                 future instead, or call block_on from a worker",
            ));
        }
        if crossio_core::backend::in_task() {
            return Err(Error::unsupported(
                "block_on called from inside an async task, where blocking could deadlock \
                 the pool: await the future instead",
            ));
        }
        let _guard = self.handle.enter();
        Ok(crossio_core::backend::spin_park_block_on(
            future,
            self.block_on_spin,
        ))
    }
}

/// Start the runtime with `workers` async threads and at most `blocking` blocking threads.
fn start(workers: usize, blocking: usize) -> Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(blocking)
        .enable_time()
        .thread_name("crossio-worker")
        .build()
        .map_err(Error::from)
}
