//! Timers on the browser's event loop (`setTimeout`), for the main-thread build.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::sys;

#[derive(Default)]
struct Shared {
    fired: bool,
    waker: Option<Waker>,
}

/// A future that completes after a duration, on a browser timer. Never blocks the thread.
///
/// Dropping it clears the timer.
pub struct BrowserSleep {
    deadline: Instant,
    armed: Option<(sys::TimerId, Arc<Mutex<Shared>>)>,
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
        let shared = Arc::new(Mutex::new(Shared::default()));
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        // Round up: a browser timer may fire up to a millisecond early by `Instant`'s clock.
        // `set_timeout` clamps very long delays; `poll` re-arms until the deadline.
        let ms = (remaining.as_secs_f64() * 1000.0).ceil();
        let s2 = shared.clone();
        let id = sys::set_timeout(
            ms,
            Box::new(move || {
                let waker = {
                    let mut s = s2.lock().unwrap_or_else(|p| p.into_inner());
                    s.fired = true;
                    s.waker.take()
                };
                if let Some(w) = waker {
                    w.wake();
                }
            }),
        );
        self.armed = Some((id, shared));
    }
}

impl Future for BrowserSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if Instant::now() >= self.deadline {
                if let Some((id, _)) = self.armed.take() {
                    sys::clear_timeout(id);
                }
                return Poll::Ready(());
            }
            let Some((_, shared)) = &self.armed else {
                self.arm();
                continue;
            };
            let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
            if s.fired {
                // Fired before the deadline by our clock: arm again for the rest.
                drop(s);
                self.armed = None;
                continue;
            }
            s.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
    }
}

impl Drop for BrowserSleep {
    fn drop(&mut self) {
        if let Some((id, _)) = self.armed.take() {
            sys::clear_timeout(id);
        }
    }
}
