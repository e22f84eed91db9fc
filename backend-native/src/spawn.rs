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
/// the returned future is dropped. Polled in place when the caller already runs on that
/// runtime (its tasks, or a `block_on` that entered it): no extra task per call there.
/// Elsewhere (another runtime, another executor, a plain thread) it is spawned onto the
/// runtime and awaited. Either way a panic inside `fut` becomes an error.
pub(crate) async fn on_runtime<T: Send + 'static>(
    backend: &NativeBackend,
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T> {
    let here = tokio::runtime::Handle::try_current()
        .is_ok_and(|current| current.id() == backend.inner.handle.id());
    if here {
        use futures_util::FutureExt;
        return std::panic::AssertUnwindSafe(fut)
            .catch_unwind()
            .await
            .map_err(|panic| Error::from(JoinError::panicked(&*panic)));
    }
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use crossio_core::{Http, Request, Spawner};

    use crate::NativeBackend;

    /// An HTTP server on a plain thread answering every request with `200`, body `hi`.
    fn tiny_server() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("address"));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
                );
            }
        });
        url
    }

    async fn get(b: &NativeBackend, url: &str) -> String {
        let req = Request::get(url).build().expect("request");
        let resp = b.send(req).await.expect("response");
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().bytes().await.expect("body");
        String::from_utf8(body.to_vec()).expect("utf-8")
    }

    /// `on_runtime` polls in place on the backend's own runtime and spawns from anywhere else;
    /// every caller gets the same answer (a wrong guess would poll reqwest outside any
    /// runtime, which panics: that would come back as an error here).
    #[test]
    fn requests_work_from_the_runtime_and_from_anywhere_else() {
        let url = tiny_server();
        let b = NativeBackend::new().expect("backend");
        // A task of the backend's runtime, and `block_on` (which enters it): in place.
        let (b2, u2) = (b.clone(), url.clone());
        let task = b.spawn(async move { get(&b2, &u2).await });
        assert_eq!(b.block_on(task).expect("block_on").expect("task"), "hi");
        assert_eq!(b.block_on(get(&b, &url)).expect("block_on"), "hi");
        // A plain thread with an executor of its own, no tokio context: spawned.
        assert_eq!(crossio_core::backend::park_block_on(get(&b, &url)), "hi");
        // Another tokio runtime: spawned onto the backend's.
        let other = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        assert_eq!(other.block_on(get(&b, &url)), "hi");
    }
}
