//! `Spawner` on tokio: tasks on the multi-thread runtime, `spawn_local` on a dedicated
//! single-threaded `LocalSet` thread, `spawn_blocking` on tokio's blocking pool.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use crossio_core::backend::tokio_join_handle;
use crossio_core::{Error, JoinError, JoinHandle, Result, Spawner};
use tokio::sync::mpsc;

use crate::NativeBackend;
use crossio_core::backend::log::{watch_job, watch_task};

/// The sleep future of the native backend (a tokio timer on the backend's runtime).
pub type NativeSleep = tokio::time::Sleep;

type Job = Box<dyn FnOnce() + Send>;

/// A thread running a current-thread tokio runtime and a `LocalSet`, started on first use.
#[derive(Default)]
pub(crate) struct LocalThread {
    tx: Mutex<Option<mpsc::UnboundedSender<Job>>>,
}

impl LocalThread {
    fn submit(&self, job: Job) -> Result<()> {
        let mut guard = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(Error::from)?;
            std::thread::Builder::new()
                .name("crossio-local".into())
                .spawn(move || {
                    let local = tokio::task::LocalSet::new();
                    local.block_on(&rt, async move {
                        while let Some(job) = rx.recv().await {
                            job();
                        }
                    });
                })
                .map_err(Error::from)?;
            *guard = Some(tx);
        }
        match guard.as_ref() {
            Some(tx) => tx
                .send(job)
                .map_err(|_| Error::closed("spawn_local: the local executor thread has stopped")),
            None => Err(Error::closed(
                "spawn_local: the local executor thread did not start",
            )),
        }
    }
}

impl Spawner for NativeBackend {
    type Sleep = NativeSleep;

    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio_join_handle(
            self.inner
                .handle
                .spawn(crossio_core::backend::mark_task(watch_task(
                    "spawn", future,
                ))),
        )
    }

    fn spawn_local<M, F>(&self, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let (completer, handle) = crossio_core::backend::remote_handle();
        let job: Job = Box::new(move || {
            let make = move || watch_task("spawn_local", make());
            tokio::task::spawn_local(crossio_core::backend::mark_task(completer.run_with(make)));
        });
        // If the thread cannot be started, the job (and the completer) is dropped: the handle
        // reports the task as cancelled instead of panicking here.
        let _ = self.inner.local.submit(job);
        handle
    }

    fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        tokio_join_handle(self.inner.handle.spawn_blocking(watch_job(f)))
    }

    fn sleep(&self, duration: Duration) -> Self::Sleep {
        let _guard = self.inner.handle.enter();
        tokio::time::sleep(duration)
    }

    fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        if crossio_core::backend::in_task() {
            let e = Error::unsupported(
                "block_on called from inside an async task, where blocking could deadlock the \
                 runtime: await the future instead, or block from spawn_blocking or a plain thread",
            );
            tracing::debug!(target: "crossio::task", error = %e, "block_on refused");
            return Err(e);
        }
        // Entering the handle lets the future create tokio timers and I/O; parking (rather than
        // tokio's own block_on) also works on spawn_blocking threads.
        let _guard = self.inner.handle.enter();
        let start = std::time::Instant::now();
        let out = crossio_core::backend::park_block_on(future);
        tracing::trace!(
            target: "crossio::task",
            ms = start.elapsed().as_secs_f64() * 1000.0,
            "block_on done"
        );
        Ok(out)
    }
}

/// Run `fut` on the backend's runtime (for work that needs tokio's context), aborting it when
/// the returned future is dropped.
pub(crate) async fn on_runtime<T: Send + 'static>(
    backend: &NativeBackend,
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T> {
    struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);
    impl<T> Drop for AbortOnDrop<T> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut task = AbortOnDrop(backend.inner.handle.spawn(fut));
    (&mut task.0).await.map_err(|e| {
        if e.is_panic() {
            Error::from(JoinError::panicked(&*e.into_panic()))
        } else {
            Error::from(JoinError::cancelled())
        }
    })
}
