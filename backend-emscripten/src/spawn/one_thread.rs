//! What the one-thread modes (main-thread, jspi) share: every task, blocking job and timer
//! runs on the browser's main thread.

use std::future::Future;
use std::time::Duration;

use crossio_core::JoinHandle;

use super::executor::spawn_local;
use super::timer::BrowserSleep;

/// The part of a one-thread mode's interface every such mode shares (`spawn`,
/// `spawn_blocking`, `sleep`); each mode's `Mode` derefs to it.
#[derive(Debug, Default)]
pub(crate) struct OneThread;

impl OneThread {
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn(future)
    }

    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        spawn_job(f)
    }

    pub(crate) fn sleep(&self, duration: Duration) -> BrowserSleep {
        sleep(duration)
    }
}

/// Spawn a `Send` future on the main thread's event loop (the one-thread modes' `spawn`).
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_local(move || future)
}

/// Run a blocking job in a macrotask of its own on the main thread (the one-thread modes'
/// `spawn_blocking`: there is no other thread, so the job blocks the page while it runs).
pub fn spawn_job<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    spawn_local(move || async move { f() })
}

/// A browser timer for `duration`.
pub fn sleep(duration: Duration) -> BrowserSleep {
    BrowserSleep::new(duration)
}
