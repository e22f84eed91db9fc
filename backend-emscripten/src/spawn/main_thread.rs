//! The main-thread mode (no `+atomics`): one thread, the browser's main thread. Tasks run on
//! the event-loop executor, sleeps are browser timers, `spawn_blocking` runs its job in a
//! macrotask of its own, and `block_on` is refused (it would freeze the page).

use std::future::Future;

use crossio_core::{Error, Result};

use super::one_thread::OneThread;
use super::timer::BrowserSleep;
use crate::Builder;

/// The sleep future of this mode.
pub type Sleep = BrowserSleep;

/// The main-thread mode's state: none.
pub(crate) struct Mode(OneThread);

impl std::ops::Deref for Mode {
    type Target = OneThread;

    fn deref(&self) -> &OneThread {
        &self.0
    }
}

impl Mode {
    /// Whether `block_on` suspends the stack (JSPI) rather than parking the thread.
    pub(crate) const SUSPENDS: bool = false;

    /// Suspensions so far: never in this mode.
    pub(crate) fn suspensions() -> u64 {
        0
    }

    /// The mode's name, as the diagnostics report it.
    pub(crate) const NAME: &'static str = "main-thread";

    /// Start the mode (nothing to start; pool settings are ignored).
    pub(crate) fn start(_builder: &Builder) -> Result<Mode> {
        Ok(Mode(OneThread))
    }

    /// Whether `block_on` may block the calling thread: never in this mode.
    pub(crate) fn may_block() -> bool {
        false
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        drop(future);
        Err(Error::unsupported(
            "block_on on the browser's main thread would freeze the page: spawn the future \
             instead, or use the worker build and call block_on from a worker",
        ))
    }
}
