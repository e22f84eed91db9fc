//! The jspi mode (cargo feature `jspi`, no `+atomics`, the final binary linked with
//! `-sJSPI`): everything runs on the browser's main thread as in the main-thread mode, and
//! `block_on` *suspends* the wasm stack through JSPI instead of blocking the thread. While it
//! is suspended the page keeps running: the executor drains, timers fire, WebSocket and fetch
//! events arrive, and the heartbeat ticks.
//!
//! A stack may suspend only if it was entered through a promising export (`main` under
//! `-sJSPI`, or an export listed in `-sJSPI_EXPORTS`). `block_on` therefore refuses, with
//! [`ErrorKind::Unsupported`](crossio_core::ErrorKind::Unsupported), where it cannot know that:
//! inside any callback of crossio's (executor drains, timers, WebSocket and fetch events), inside
//! an async task of the backend (which includes `spawn_blocking` jobs, run on the executor
//! here), while another `block_on` is suspended (Emscripten shares one shadow stack between
//! suspended calls), in a browser without JSPI, and in a binary linked without `-sJSPI`.
//! A `block_on` nested inside a future that an outer `block_on` of the same stack is polling
//! works. Callbacks registered through other Emscripten APIs are invisible to crossio: they
//! must not call `block_on` (the suspension would throw in the browser and abort the program).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use crossio_core::{Error, Result};

use super::one_thread::OneThread;
use super::timer::BrowserSleep;
use crate::Builder;
use crate::sys;

/// The sleep future of this mode.
pub type Sleep = BrowserSleep;

/// Set while a `block_on` has its stack suspended (only one may be at a time).
static SUSPENDED: AtomicBool = AtomicBool::new(false);
/// Suspensions so far (diagnostics: proves a `block_on` really suspended).
static SUSPENSIONS: AtomicU64 = AtomicU64::new(0);

/// The jspi mode's state: none.
pub(crate) struct Mode(OneThread);

impl std::ops::Deref for Mode {
    type Target = OneThread;

    fn deref(&self) -> &OneThread {
        &self.0
    }
}

/// Wakes one `block_on`: records the wake and resumes the suspended wait.
struct Waiter {
    woken: AtomicBool,
}

impl Wake for Waiter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        // Every wake comes from code on the main thread (this mode has no other thread).
        sys::jspi::notify();
    }
}

impl Mode {
    /// Whether `block_on` suspends the stack (JSPI) rather than parking the thread.
    pub(crate) const SUSPENDS: bool = true;

    /// Suspensions of the wasm stack by `block_on` since the program started.
    pub(crate) fn suspensions() -> u64 {
        SUSPENSIONS.load(Ordering::Relaxed)
    }

    /// The mode's name, as the diagnostics report it.
    pub(crate) const NAME: &'static str = "jspi";

    /// Start the mode (nothing to start; pool settings are ignored).
    pub(crate) fn start(_builder: &Builder) -> Result<Mode> {
        Ok(Mode(OneThread))
    }

    /// Why `block_on` may not suspend here, if it may not.
    fn refusal() -> Option<&'static str> {
        if !sys::jspi::browser_support() {
            Some(
                "block_on in the jspi build needs a browser with JSPI (WebAssembly.Suspending), \
                 which this one lacks: use the async API, or the worker build",
            )
        } else if sys::in_callback() {
            Some(
                "block_on inside a callback of the event loop (an executor drain, a timer, a \
                 WebSocket or fetch event) cannot suspend: only a stack entered through a \
                 promising export (main, or an -sJSPI_EXPORTS function) can; await the future \
                 instead",
            )
        } else if crossio_core::backend::in_task() {
            Some(
                "block_on called from inside an async task (or a spawn_blocking job, which runs \
                 on the event loop in this build): await the future instead",
            )
        } else if SUSPENDED.load(Ordering::Acquire) {
            Some(
                "block_on while another block_on is suspended: Emscripten shares one shadow \
                 stack between suspended calls, so only one may be suspended at a time; wait \
                 for the first call's Promise before making the second",
            )
        } else {
            None
        }
    }

    /// Whether `block_on` may suspend the calling stack right now.
    pub(crate) fn may_block() -> bool {
        Self::refusal().is_none()
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        if let Some(why) = Self::refusal() {
            return Err(Error::unsupported(why));
        }
        let waiter = Arc::new(Waiter {
            woken: AtomicBool::new(false),
        });
        let waker = Waker::from(waiter.clone());
        let mut cx = Context::from_waker(&waker);
        // On the heap: the suspended stack is the page's small (64 KiB by default) wasm stack,
        // and a program's whole future (a test suite, a library's request) can be large.
        let mut future = Box::pin(future);
        loop {
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return Ok(v);
            }
            while !waiter.woken.swap(false, Ordering::AcqRel) {
                suspend()?;
            }
        }
    }
}

/// Suspend the stack once, until some waker fires.
fn suspend() -> Result<()> {
    if SUSPENDED.swap(true, Ordering::AcqRel) {
        return Err(Error::unsupported(
            "block_on while another block_on is suspended: only one may be suspended at a time",
        ));
    }
    let suspended = sys::jspi::wait();
    SUSPENDED.store(false, Ordering::Release);
    if !suspended {
        return Err(Error::unsupported(
            "block_on in the jspi build did not suspend: link the binary with -sJSPI (without \
             it the wait returns at once and the page would hang)",
        ));
    }
    SUSPENSIONS.fetch_add(1, Ordering::Relaxed);
    Ok(())
}
