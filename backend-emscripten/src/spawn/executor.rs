//! The main-thread executor: tasks run on the browser's event loop and never block it.
//!
//! A wake pushes the task's `Runnable` on a queue and, if no drain is pending, schedules one:
//! - woken from inside a browser callback (a WebSocket or fetch event, a timer, work proxied
//!   from a worker): in a microtask, so the woken task runs right after the callback, in the
//!   same turn of the event loop (one hop per event; a microtask costs about 1 µs, a
//!   `setImmediate` macrotask 5–13 µs plus whatever the browser runs in between);
//! - otherwise (from `main`, or a suspended jspi stack): in a yielding macrotask
//!   (`emscripten_set_immediate`; a 0 ms timeout would cost 4 ms).
//!
//! A drain runs at most [`BATCH`] tasks or [`BUDGET`] of time, then yields to the browser
//! (rendering, input, I/O callbacks) by scheduling the rest as a macrotask: a microtask drain
//! never starves the page. Wakes from worker threads reach the main thread through
//! `emscripten_proxy_async`, and their drain runs in a microtask there.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_task::Runnable;
use crossio_core::JoinHandle;
use crossio_core::backend::remote_handle;

use crate::bridge::{lock, on_main};
use crate::sys;
use crate::sys::event_loop::{queue_microtask, set_immediate};

/// Most tasks polled by one drain before yielding to the browser.
pub const BATCH: usize = 256;
/// Most time one drain spends before yielding to the browser.
pub const BUDGET: Duration = Duration::from_millis(4);

struct Queue {
    runnables: VecDeque<Runnable>,
    drain_pending: bool,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    runnables: VecDeque::new(),
    drain_pending: false,
});

fn schedule(runnable: Runnable) {
    let need_drain = {
        let mut q = lock(&QUEUE);
        q.runnables.push_back(runnable);
        !std::mem::replace(&mut q.drain_pending, true)
    };
    if need_drain {
        // On the main thread this runs at once; from a worker it is proxied there.
        on_main(|| {
            if sys::in_callback() {
                queue_microtask(drain);
            } else {
                set_immediate(drain);
            }
        });
    }
}

fn drain() {
    // The budget's clock starts at the second task: most drains run one task, and a clock read
    // is a call out to JS (`performance.now()`, ≈ 1-2 µs with its conversions). The first
    // task's own time so does not count: a drain yields after at most its first task plus
    // BUDGET.
    let mut start: Option<Instant> = None;
    for i in 0..BATCH {
        // The lock is released before the task runs: a task may wake others.
        let next = lock(&QUEUE).runnables.pop_front();
        let Some(r) = next else { break };
        if i == 1 {
            start = Some(Instant::now());
        }
        r.run();
        if start.is_some_and(|t| t.elapsed() >= BUDGET) {
            break;
        }
    }
    let more = {
        let mut q = lock(&QUEUE);
        if q.runnables.is_empty() {
            q.drain_pending = false;
            false
        } else {
            true
        }
    };
    if more {
        set_immediate(drain);
    }
}

/// Tasks queued and not yet polled (for tests and diagnostics).
pub fn queued() -> usize {
    lock(&QUEUE).runnables.len()
}

/// Build a future with `make` on the main thread and run it there (it may be `!Send`; a `Send`
/// future is spawned the same way, with a `make` that just returns it).
pub fn spawn_local<M, F>(make: M) -> JoinHandle<F::Output>
where
    M: FnOnce() -> F + Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
{
    let (completer, handle) = remote_handle();
    on_main(move || {
        let (runnable, task) = async_task::spawn_local(
            crossio_core::backend::mark_task(completer.run_with(make)),
            schedule,
        );
        task.detach();
        runnable.schedule();
    });
    handle
}
