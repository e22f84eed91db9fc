//! `Spawner` for the emscripten backend.
//!
//! What differs per build mode lives in one file per mode behind one small interface (`Mode`
//! with `start`, `spawn`, `spawn_blocking`, `sleep`, `may_block`, `block_on`, and its `Sleep`
//! type): `spawn/main_thread.rs` (no `+atomics`), `spawn/worker.rs` (`+atomics`, a tokio pool
//! on pthreads) and `spawn/jspi.rs` (the `jspi` feature, no `+atomics`: `block_on` suspends
//! through JSPI). A new mode is one more file and one more `path` arm below. What every
//! mode shares: the main thread's event-loop executor (`spawn_local`; `spawn` in the
//! main-thread mode) and browser timers.

use std::future::Future;
use std::time::Duration;

use crossio_core::backend::log;
use crossio_core::{JoinHandle, Result, Spawner};

use crate::EmscriptenBackend;

pub(crate) mod executor;
#[cfg(not(target_feature = "atomics"))]
mod one_thread;
#[cfg(not(target_feature = "atomics"))]
mod timer;

#[cfg(all(feature = "jspi", target_feature = "atomics"))]
compile_error!("the `jspi` feature is a main-thread mode: build it without +atomics");

#[cfg_attr(
    all(not(target_feature = "atomics"), not(feature = "jspi")),
    path = "spawn/main_thread.rs"
)]
#[cfg_attr(
    all(not(target_feature = "atomics"), feature = "jspi"),
    path = "spawn/jspi.rs"
)]
#[cfg_attr(target_feature = "atomics", path = "spawn/worker.rs")]
pub(crate) mod mode;

/// The sleep future of this build: a browser timer in the main-thread mode, a tokio timer
/// driven by the pool in the worker mode. Dropping it cancels the timer.
pub type EmscriptenSleep = mode::Sleep;

impl Spawner for EmscriptenBackend {
    type Sleep = EmscriptenSleep;

    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // Boxed here: from now on the task moves as a pointer, not by value (a debug build
        // copies a large future once per call frame, on the main thread's 64 KiB stack).
        self.inner
            .mode
            .spawn(log::watch_task("spawn", Box::pin(future)))
    }

    fn spawn_local<M, F>(&self, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        executor::spawn_local(move || log::watch_task("spawn_local", make()))
    }

    fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.mode.spawn_blocking(log::watch_job(f))
    }

    fn sleep(&self, duration: Duration) -> Self::Sleep {
        self.inner.mode.sleep(duration)
    }

    fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        let start = std::time::Instant::now();
        let out = self.inner.mode.block_on(future);
        match &out {
            Ok(_) => tracing::trace!(
                target: "crossio::task",
                ms = start.elapsed().as_secs_f64() * 1000.0,
                "block_on done"
            ),
            Err(e) => tracing::debug!(target: "crossio::task", error = %e, "block_on refused"),
        }
        out
    }
}
