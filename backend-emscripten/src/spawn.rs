//! `Spawner` for the emscripten backend.

use std::future::Future;
use std::time::Duration;

use crossio_core::{Error, JoinHandle, Result, Spawner};

use crate::{EmscriptenBackend, executor, sys};

/// The sleep future of this build.
#[cfg(not(target_feature = "atomics"))]
pub type EmscriptenSleep = crate::timer::BrowserSleep;
/// The sleep future of this build (a tokio timer, driven by the worker pool).
#[cfg(target_feature = "atomics")]
pub type EmscriptenSleep = tokio::time::Sleep;

impl Spawner for EmscriptenBackend {
    type Sleep = EmscriptenSleep;

    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        #[cfg(target_feature = "atomics")]
        {
            JoinHandle::from_raw(crate::pool::TokioJoin(
                self.inner
                    .runtime
                    .spawn(crossio_core::backend::mark_task(future)),
            ))
        }
        #[cfg(not(target_feature = "atomics"))]
        {
            executor::spawn(future)
        }
    }

    fn spawn_local<M, F>(&self, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        executor::spawn_local(make)
    }

    fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        #[cfg(target_feature = "atomics")]
        {
            JoinHandle::from_raw(crate::pool::TokioJoin(self.inner.runtime.spawn_blocking(f)))
        }
        #[cfg(not(target_feature = "atomics"))]
        {
            // Without pthreads there is no other thread: the job runs in its own macrotask on
            // the main thread (it blocks the page for its duration; see the README).
            executor::spawn(async move { f() })
        }
    }

    fn sleep(&self, duration: Duration) -> Self::Sleep {
        #[cfg(target_feature = "atomics")]
        {
            let _guard = self.inner.runtime.enter();
            tokio::time::sleep(duration)
        }
        #[cfg(not(target_feature = "atomics"))]
        {
            crate::timer::BrowserSleep::new(duration)
        }
    }

    fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        if sys::is_main_browser_thread() {
            return Err(Error::unsupported(
                "block_on on the browser's main thread would freeze the page: spawn the future \
                 instead, or call block_on from a worker (the pthreads build)",
            ));
        }
        #[cfg(target_feature = "atomics")]
        {
            if crossio_core::backend::in_task() {
                return Err(Error::unsupported(
                    "block_on called from inside an async task, where blocking could deadlock \
                     the pool: await the future instead",
                ));
            }
            let _guard = self.inner.runtime.enter();
            Ok(crossio_core::backend::park_block_on(future))
        }
        #[cfg(not(target_feature = "atomics"))]
        {
            drop(future);
            Err(Error::unsupported(
                "block_on needs the pthreads build: only the main thread exists",
            ))
        }
    }
}
