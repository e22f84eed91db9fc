//! The one bridge between browser callbacks and Rust futures, used by WebSockets, `fetch()`,
//! timers (and the benchmark baselines).
//!
//! Browser objects live on the main thread and are known to the C/JS side by a small integer
//! key; `sys` hands every event up as `(key, event)` to a plain function pointer registered
//! with it, and never names the modules above it. On the Rust side each key maps to a
//! [`Slot`]: the state the futures and the callbacks share, behind one mutex. A callback
//! finds its slot in a [`Registry`] (the registry's lock is released before the slot is
//! locked), changes the state, collects the wakers to wake into a [`Wake`], drops the lock,
//! and only then wakes. Futures lock the slot, take what arrived or store their waker.
//!
//! [`on_main`] is the other half of the seam: every browser operation is handed to the main
//! thread with it, from whatever thread the future is polled on.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use crate::by_key::ByKey;

/// Lock a mutex, recovering the data if a panicking thread poisoned it (every state kept here
/// stays consistent between statements, and a callback must never panic over a poison).
pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Run `f` on the browser's main thread: inline when already there, otherwise queued with
/// `emscripten_proxy_async` (one way, never waiting, so a worker blocked in `block_on` cannot
/// deadlock against the main thread). Operations queued from one thread run in order. Returns
/// false if `f` could not be queued (the runtime is shutting down); `f` is then dropped.
pub(crate) fn on_main(f: impl FnOnce() + Send + 'static) -> bool {
    if crate::sys::threading::is_main_browser_thread() {
        // Inline, without boxing: the main-thread build never allocates to hand work over.
        f();
        true
    } else {
        crate::sys::proxying::run_on_main(Box::new(f))
    }
}

/// Wakers collected under a slot's lock (at most [`Wake::MAX`], no allocation), woken by
/// [`Slot::update`] once the lock is released.
#[derive(Default)]
pub(crate) struct Wake([Option<Waker>; Wake::MAX]);

impl Wake {
    /// The most wakers one event wakes (a WebSocket's opener, reader and sender).
    pub(crate) const MAX: usize = 3;

    /// Nothing to wake.
    pub(crate) fn none() -> Self {
        Wake::default()
    }

    /// Add `waker` (if any) to the list.
    pub(crate) fn and(mut self, waker: Option<Waker>) -> Self {
        if let Some(free) = self.0.iter_mut().find(|w| w.is_none()) {
            *free = waker;
        } else if let Some(w) = waker {
            // Never reached with MAX wakers per slot; waking early is harmless.
            w.wake();
        }
        self
    }

    fn wake(self) {
        for w in self.0.into_iter().flatten() {
            w.wake();
        }
    }
}

/// State shared by the futures of one browser object and its callbacks.
pub(crate) struct Slot<S>(Arc<Mutex<S>>);

impl<S> Clone for Slot<S> {
    fn clone(&self) -> Self {
        Slot(self.0.clone())
    }
}

impl<S> Slot<S> {
    /// A slot holding `state`.
    pub(crate) fn new(state: S) -> Self {
        Slot(Arc::new(Mutex::new(state)))
    }

    /// Lock the state (the future side). Never wake or call out while holding the guard.
    pub(crate) fn lock(&self) -> MutexGuard<'_, S> {
        lock(&self.0)
    }

    /// Change the state under the lock; wake what `f` returns after the lock is released.
    pub(crate) fn update(&self, f: impl FnOnce(&mut S) -> Wake) {
        self.update_and(|s| (f(s), ()))
    }

    /// [`Slot::update`] for an `f` that also returns a value to act on after the wake.
    pub(crate) fn update_and<R>(&self, f: impl FnOnce(&mut S) -> (Wake, R)) -> R {
        let (wake, r) = f(&mut self.lock());
        wake.wake();
        r
    }
}

/// Slots by key: how a callback that carries only a key finds its future's state.
pub(crate) struct Registry<S> {
    slots: Mutex<ByKey<Slot<S>>>,
    next: AtomicU32,
}

impl<S> Registry<S> {
    /// An empty registry (usable in a `static`).
    pub(crate) const fn new() -> Self {
        Registry {
            slots: Mutex::new(ByKey::new()),
            next: AtomicU32::new(1),
        }
    }

    /// Register `state` under a fresh key (positive, fits an `i32` for the C side).
    pub(crate) fn insert(&self, state: S) -> (u32, Slot<S>) {
        let key = self.next.fetch_add(1, Ordering::Relaxed) & 0x7fff_ffff;
        let slot = Slot::new(state);
        lock(&self.slots).insert(key, slot.clone());
        (key, slot)
    }

    /// Forget `key`: callbacks for it are ignored from now on.
    pub(crate) fn remove(&self, key: u32) -> Option<Slot<S>> {
        lock(&self.slots).remove(key)
    }

    /// The slot of `key`, if still registered.
    pub(crate) fn get(&self, key: u32) -> Option<Slot<S>> {
        lock(&self.slots).get(key).cloned()
    }

    /// Apply a callback's event to `key`'s slot (ignored for an unknown key): the registry's
    /// lock is released before the slot is locked, and the wakers run after both.
    pub(crate) fn deliver(&self, key: u32, f: impl FnOnce(&mut S) -> Wake) {
        if let Some(slot) = self.get(key) {
            slot.update(f);
        }
    }

    /// Keys registered now.
    pub(crate) fn len(&self) -> usize {
        lock(&self.slots).len()
    }
}
