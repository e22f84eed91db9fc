//! Timers on the browser's event loop (`setTimeout`), for the modes whose tasks run on the
//! main thread. The timer's callback reaches the sleeping future through the [`bridge`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::bridge::{Registry, Slot, Wake};
use crate::sys::event_loop::{self, TimerId};

#[derive(Default)]
struct Shared {
    fired: bool,
    waker: Option<Waker>,
}

/// Every armed sleep, by the key its timer carries.
static SLEEPS: Registry<Shared> = Registry::new();

/// A timer fired (main thread).
fn fired(key: u32) {
    SLEEPS.deliver(key, |s| {
        s.fired = true;
        Wake::none().and(s.waker.take())
    });
}

/// A future that completes after a duration, on a browser timer. Never blocks the thread.
///
/// Dropping it clears the timer.
pub struct BrowserSleep {
    deadline: Instant,
    armed: Option<(TimerId, u32, Slot<Shared>)>,
}

impl std::fmt::Debug for BrowserSleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl BrowserSleep {
    pub(crate) fn new(duration: Duration) -> Self {
        let now = Instant::now();
        BrowserSleep {
            deadline: now
                .checked_add(duration)
                .unwrap_or(now + Duration::from_secs(86_400 * 365)),
            armed: None,
        }
    }

    fn arm(&mut self) {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        // Round up: a browser timer may fire up to a millisecond early by `Instant`'s clock.
        // `set_timeout` clamps very long delays; `poll` re-arms until the deadline.
        let ms = (remaining.as_secs_f64() * 1000.0).ceil();
        let (key, slot) = SLEEPS.insert(Shared::default());
        let id = event_loop::set_timeout(ms, fired, key);
        self.armed = Some((id, key, slot));
    }

    fn disarm(&mut self) {
        if let Some((id, key, _)) = self.armed.take() {
            event_loop::clear_timeout(id);
            SLEEPS.remove(key);
        }
    }
}

impl Future for BrowserSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if Instant::now() >= self.deadline {
                self.disarm();
                return Poll::Ready(());
            }
            let Some((_, _, slot)) = &self.armed else {
                self.arm();
                continue;
            };
            let mut s = slot.lock();
            if s.fired {
                // Fired before the deadline by our clock: arm again for the rest.
                drop(s);
                self.disarm();
                continue;
            }
            s.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
    }
}

impl Drop for BrowserSleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
