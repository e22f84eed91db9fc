//! Runtime-agnostic helpers for backends: a thread-parking `block_on`, and the marker that
//! tells `block_on` it is being called from inside an async task (where blocking could
//! deadlock the executor).

use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

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

struct ThreadWaker {
    thread: Thread,
    /// Set by every wake; cleared before each poll. A spinning `block_on` watches it.
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Poll `future` on the calling thread, parking the thread between wakes, until it completes.
/// Wakers may be called from any thread.
pub fn park_block_on<F: Future>(future: F) -> F::Output {
    spin_park_block_on(future, Duration::ZERO)
}

/// [`park_block_on`] that, after a poll returns `Pending`, first watches for a wake for up to
/// `spin` without sleeping and parks the thread only if none came. A thread whose wakes come
/// from another thread at a high rate (a worker blocked on I/O that the browser's main thread
/// completes) then skips the futex sleep and wake-up on each event, at the cost of up to
/// `spin` of CPU time per wait.
pub fn spin_park_block_on<F: Future>(future: F, spin: Duration) -> F::Output {
    let mut future = pin!(future);
    let state = Arc::new(ThreadWaker {
        thread: std::thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(state.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        state.woken.store(false, Ordering::Release);
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        if !spin.is_zero() && spin_for_wake(&state.woken, spin) {
            continue; // the wake's unpark token makes a later park return at once: harmless
        }
        std::thread::park();
    }
}

/// Watch `woken` for up to `spin`; true if it was set. Reads the clock every 64 checks only.
fn spin_for_wake(woken: &AtomicBool, spin: Duration) -> bool {
    let start = Instant::now();
    loop {
        for _ in 0..64 {
            if woken.load(Ordering::Acquire) {
                return true;
            }
            std::hint::spin_loop();
        }
        if start.elapsed() >= spin {
            return woken.load(Ordering::Acquire);
        }
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
    fn spin_park_block_on_is_woken_while_spinning_and_after_parking() {
        for delay_ms in [0, 30] {
            let (tx, rx) = futures_channel::oneshot::channel();
            let t = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(delay_ms));
                tx.send(delay_ms).unwrap();
            });
            let got = spin_park_block_on(rx, Duration::from_millis(5));
            assert_eq!(got, Ok(delay_ms));
            t.join().unwrap();
        }
    }

    #[test]
    fn mark_task_sets_the_flag_only_while_polled() {
        assert!(!in_task());
        assert!(park_block_on(mark_task(async { in_task() })));
        assert!(!in_task());
    }
}
