//! Concurrency: [`Spawner`], [`JoinHandle`], [`JoinError`], [`Timeout`].

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_channel::oneshot;
use futures_util::FutureExt;
use futures_util::future::{AbortHandle, AbortRegistration, Abortable};

use crate::error::{Error, ErrorKind, Result};

/// Why a task produced no value.
#[derive(Clone, PartialEq, Eq)]
pub struct JoinError {
    panic: Option<String>,
}

impl JoinError {
    /// The task was aborted before it finished.
    pub fn cancelled() -> Self {
        JoinError { panic: None }
    }

    /// The task panicked with this payload.
    pub fn panicked(payload: &(dyn Any + Send)) -> Self {
        JoinError {
            panic: Some(panic_message(payload)),
        }
    }

    /// True when the task was aborted.
    pub fn is_cancelled(&self) -> bool {
        self.panic.is_none()
    }

    /// True when the task panicked.
    pub fn is_panic(&self) -> bool {
        self.panic.is_some()
    }

    /// The panic message, when the task panicked with a string.
    pub fn panic_message(&self) -> Option<&str> {
        self.panic.as_deref()
    }
}

/// The message of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.panic {
            None => f.write_str("JoinError::Cancelled"),
            Some(m) => write!(f, "JoinError::Panic({m:?})"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.panic {
            None => f.write_str("task was cancelled"),
            Some(m) => write!(f, "task panicked: {m}"),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for Error {
    fn from(e: JoinError) -> Self {
        let kind = if e.is_panic() {
            ErrorKind::Panic
        } else {
            ErrorKind::Cancelled
        };
        Error::new(kind, e.to_string())
    }
}

/// What a backend's task handle provides; wrapped by [`JoinHandle`].
pub trait RawJoinHandle<T>: Send {
    /// Poll for the task's result.
    fn poll_join(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::result::Result<T, JoinError>>;
    /// Request cancellation.
    fn abort(&self);
    /// True once the task has completed (with a value, a panic or by abort).
    fn is_finished(&self) -> bool;
}

/// An owned handle to a spawned task. Await it for the task's output.
///
/// Dropping the handle detaches the task (it keeps running). [`abort`](Self::abort) cancels it:
/// awaiting then yields a [`JoinError`] with `is_cancelled()`, unless it had already finished.
/// A panic in the task is caught and reported as a [`JoinError`] with `is_panic()`.
pub struct JoinHandle<T> {
    raw: Pin<Box<dyn RawJoinHandle<T>>>,
}

impl<T> JoinHandle<T> {
    /// For backend authors: wrap a backend's task handle (see
    /// [`backend::RawJoinHandle`](crate::backend::RawJoinHandle)). Code written against
    /// crossio gets its handles from [`Spawner`] and never calls this.
    pub fn from_raw(raw: impl RawJoinHandle<T> + 'static) -> Self {
        JoinHandle { raw: Box::pin(raw) }
    }

    /// Cancel the task at its next await point. Safe to call after completion.
    pub fn abort(&self) {
        self.raw.abort()
    }

    /// True once the task has completed.
    pub fn is_finished(&self) -> bool {
        self.raw.is_finished()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = std::result::Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.raw.as_mut().poll_join(cx)
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// The sending side of [`remote_handle`]: runs the task's future (catching panics, honouring
/// abort) and reports the outcome to the [`JoinHandle`].
pub struct RemoteCompleter<T> {
    tx: Option<oneshot::Sender<Outcome<T>>>,
    registration: Option<AbortRegistration>,
    done: Arc<AtomicBool>,
}

type Outcome<T> = std::thread::Result<std::result::Result<T, futures_util::future::Aborted>>;

impl<T> RemoteCompleter<T> {
    /// Run `future` to completion, or until the handle aborts it, and send the outcome.
    /// A panic in `future` is caught and reported as a [`JoinError`].
    pub async fn run<F: Future<Output = T>>(mut self, future: F) {
        let Some(registration) = self.registration.take() else {
            return;
        };
        let abortable = Abortable::new(future, registration);
        let outcome = std::panic::AssertUnwindSafe(abortable).catch_unwind().await;
        self.finish(outcome);
    }

    /// Build the future with `make` and run it as [`run`](Self::run) does; a panic in `make`
    /// is reported the same way.
    pub async fn run_with<M, F>(self, make: M)
    where
        M: FnOnce() -> F,
        F: Future<Output = T>,
    {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(make)) {
            Ok(future) => self.run(future).await,
            Err(panic) => {
                let mut this = self;
                this.finish(Err(panic));
            }
        }
    }

    fn finish(&mut self, outcome: Outcome<T>) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(outcome);
        }
        self.done.store(true, Ordering::Release);
    }
}

impl<T> Drop for RemoteCompleter<T> {
    fn drop(&mut self) {
        // Dropped without finishing (executor gone, task dropped): the handle sees a cancel.
        self.tx.take();
        self.done.store(true, Ordering::Release);
    }
}

impl<T> fmt::Debug for RemoteCompleter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteCompleter").finish_non_exhaustive()
    }
}

struct RemoteJoin<T> {
    rx: oneshot::Receiver<Outcome<T>>,
    abort: AbortHandle,
    done: Arc<AtomicBool>,
}

impl<T: Send> RawJoinHandle<T> for RemoteJoin<T> {
    fn poll_join(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::result::Result<T, JoinError>> {
        Pin::new(&mut self.rx).poll(cx).map(|r| match r {
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(_aborted))) => Err(JoinError::cancelled()),
            Ok(Err(panic)) => Err(JoinError::panicked(&*panic)),
            // The executor dropped the task without running it to the end.
            Err(_) => Err(JoinError::cancelled()),
        })
    }

    fn abort(&self) {
        self.abort.abort()
    }

    fn is_finished(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }
}

/// A [`JoinHandle`] for a task that a backend runs elsewhere (another thread, another
/// executor): hand the [`RemoteCompleter`] to the place that runs the future.
///
/// If the completer is dropped without running, the handle reports the task as cancelled.
pub fn remote_handle<T: Send + 'static>() -> (RemoteCompleter<T>, JoinHandle<T>) {
    let (tx, rx) = oneshot::channel();
    let (abort, registration) = AbortHandle::new_pair();
    let done = Arc::new(AtomicBool::new(false));
    let handle = JoinHandle::from_raw(RemoteJoin {
        rx,
        abort,
        done: done.clone(),
    });
    (
        RemoteCompleter {
            tx: Some(tx),
            registration: Some(registration),
            done,
        },
        handle,
    )
}

pin_project_lite::pin_project! {
    /// A future with a deadline; see [`Spawner::timeout`]. Holds the future and the sleep
    /// inline (no allocation).
    #[derive(Debug)]
    pub struct Timeout<F, S> {
        #[pin]
        future: F,
        #[pin]
        sleep: S,
        duration: Duration,
    }
}

impl<F, S> Timeout<F, S> {
    /// Race `future` against `sleep`, which must complete after `duration`.
    pub fn new(future: F, sleep: S, duration: Duration) -> Self {
        Timeout {
            future,
            sleep,
            duration,
        }
    }
}

impl<F: Future, S: Future<Output = ()>> Future for Timeout<F, S> {
    type Output = Result<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(v) = this.future.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match this.sleep.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Error::timeout(format!(
                "future did not complete within {}",
                crate::backend::ShowDuration(*this.duration)
            )))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Runs tasks and timers.
///
/// Which thread runs what is backend-specific; the contract is the same everywhere:
/// - [`spawn`](Self::spawn) runs a `Send` future concurrently.
/// - [`spawn_local`](Self::spawn_local) builds a possibly `!Send` future *on* the executor
///   thread that will run it (the closure is sent there), like `tokio_util`'s `spawn_pinned`.
/// - [`spawn_blocking`](Self::spawn_blocking) runs CPU-bound or blocking work on a thread pool.
/// - [`sleep`](Self::sleep) and [`timeout`](Self::timeout) never block the calling thread.
/// - [`block_on`](Self::block_on) blocks the calling thread until a future completes, where
///   the target allows blocking; elsewhere it returns [`ErrorKind::Unsupported`].
pub trait Spawner: Clone + Send + Sync + 'static {
    /// The future returned by [`sleep`](Self::sleep).
    type Sleep: Future<Output = ()> + Send + 'static;

    /// Spawn a future; await the handle for its output.
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawn a `!Send` future built by `make` on a single-threaded executor thread.
    fn spawn_local<M, F>(&self, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static;

    /// Run blocking or CPU-bound `f` on the blocking pool.
    fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static;

    /// A future that completes after `duration` (at least; never earlier).
    fn sleep(&self, duration: Duration) -> Self::Sleep;

    /// Run `future` with a deadline: [`ErrorKind::Timeout`] if it has not completed within
    /// `duration`. The future is dropped on timeout.
    fn timeout<F: Future>(&self, duration: Duration, future: F) -> Timeout<F, Self::Sleep> {
        Timeout::new(future, self.sleep(duration), duration)
    }

    /// Block the current thread until `future` completes.
    ///
    /// [`ErrorKind::Unsupported`] where blocking is not allowed (the browser's main thread, or
    /// natively from inside the runtime's own worker threads, where it would deadlock).
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output>;
}
