//! Runtime-agnostic helpers for backends: a thread-parking `block_on`, and the marker that
//! tells `block_on` it is being called from inside an async task (where blocking could
//! deadlock the executor).

use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

thread_local! {
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
}

/// True while the calling thread is polling a task wrapped by [`mark_task`].
pub fn in_task() -> bool {
    IN_TASK.with(Cell::get)
}

/// Wrap a task's future so that [`in_task`] is true while it is polled.
pub fn mark_task<F: Future>(future: F) -> MarkedTask<F> {
    MarkedTask {
        future: Box::pin(future),
    }
}

/// See [`mark_task`].
#[derive(Debug)]
pub struct MarkedTask<F> {
    future: Pin<Box<F>>,
}

impl<F: Future> Future for MarkedTask<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        struct Reset(bool);
        impl Drop for Reset {
            fn drop(&mut self) {
                IN_TASK.with(|c| c.set(self.0));
            }
        }
        let _reset = Reset(IN_TASK.with(|c| c.replace(true)));
        self.future.as_mut().poll(cx)
    }
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Poll `future` on the calling thread, parking the thread between wakes, until it completes.
/// Wakers may be called from any thread.
pub fn park_block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn park_block_on_is_woken_from_another_thread() {
        let (tx, rx) = futures_channel::oneshot::channel();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            tx.send(7).unwrap();
        });
        assert_eq!(park_block_on(rx), Ok(7));
        t.join().unwrap();
    }

    #[test]
    fn mark_task_sets_the_flag_only_while_polled() {
        assert!(!in_task());
        assert!(park_block_on(mark_task(async { in_task() })));
        assert!(!in_task());
    }
}
