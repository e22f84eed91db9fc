//! Worker mode (a pthreads build): `spawn` and `spawn_blocking` on a tokio multi-thread runtime
//! whose threads are Web Workers from Emscripten's pthread pool.
//!
//! tokio 1.54 runs on pthreads under `-sPROXY_TO_PTHREAD` (measured: 1000 tasks joined in
//! 22–31 ms, `sleep(200 ms)` 200.6–202.3 ms, `spawn_blocking` beyond the pre-created pool
//! creates Workers on demand without deadlock because the browser's main thread is free), so
//! crossio uses it instead of a scheduler of its own.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crossio_core::backend::RawJoinHandle;
use crossio_core::{Error, JoinError, Result};
use tokio::runtime::Runtime;

pub(crate) struct TokioJoin<T>(pub(crate) tokio::task::JoinHandle<T>);

impl<T: Send> RawJoinHandle<T> for TokioJoin<T> {
    fn poll_join(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        Pin::new(&mut self.0).poll(cx).map(|r| {
            r.map_err(|e| {
                if e.is_panic() {
                    JoinError::panicked(&*e.into_panic())
                } else {
                    JoinError::cancelled()
                }
            })
        })
    }

    fn abort(&self) {
        self.0.abort()
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

/// Start the runtime with `workers` async threads and at most `blocking` blocking threads.
pub(crate) fn start(workers: usize, blocking: usize) -> Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(blocking)
        .enable_time()
        .thread_name("crossio-worker")
        .build()
        .map_err(Error::from)
}
