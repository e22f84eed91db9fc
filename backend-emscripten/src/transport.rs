//! `Transport` on Emscripten's WebSocket API (`emscripten/websocket.h`).
//!
//! Sockets live on the browser's main thread, the only thread where the browser delivers their
//! events: every socket operation is handed to the main thread with [`bridge::on_main`] (inline
//! when already there, `emscripten_proxy_async` from a worker, never waiting). The socket's
//! callbacks report `(key, event)` to [`on_socket_event`], which updates the connection's
//! [`Slot`] through the [`bridge`] and wakes the waiting task after the lock is released. The
//! same connection type therefore works from main-thread tasks and from worker threads
//! (blocked in `block_on` or running on the pool).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use crossio_core::backend::{closed_error, parse_ws_url, validate_close};
use crossio_core::{ConnectOptions, Connection, Error, Message, Result, Spawner, Transport};
use futures_core::Stream;
use futures_sink::Sink;

use crate::EmscriptenBackend;
use crate::bridge::{self, Registry, Slot, Wake};
use crate::by_key::ByKey;
use crate::error;
use crate::sys;
use crate::sys::event_loop::TimerId;
use crate::sys::websocket::Socket;
use crossio_core::backend::{ShowDuration, log};
use futures_util::FutureExt;
use tracing::Instrument;

/// Every open connection's state, by the key its socket's callbacks carry.
static CONNECTIONS: Registry<Shared> = Registry::new();

thread_local! {
    /// The main thread's sockets, by connection key. Only touched on the main thread; a
    /// borrow never outlives the socket call it serves.
    static SOCKETS: RefCell<ByKey<Socket>> = const { RefCell::new(ByKey::new()) };
}

static SEND_WAITS: AtomicU64 = AtomicU64::new(0);

/// How many times a sender waited for the browser's send buffer to drain (diagnostics).
pub(crate) fn send_waits() -> u64 {
    SEND_WAITS.load(Ordering::Relaxed)
}

/// Send back-pressure: `poll_ready` waits while more than this many bytes are handed to the
/// browser and not yet transmitted (its `bufferedAmount`, plus what is on its way to the main
/// thread). Browsers expose no drain event, so while it is above the mark the main thread
/// re-reads `bufferedAmount` every [`DRAIN_POLL_MS`].
pub const SEND_HIGH_WATER: usize = 4 << 20;
/// Interval of the main thread's `bufferedAmount` checks while a sender waits.
pub const DRAIN_POLL_MS: f64 = 2.0;

/// Run `f` with connection `key`'s socket (main thread only); `None` if it is gone. The
/// borrow of the socket table ends when `f` returns: `f` must not wake or call up.
fn with_socket<R>(key: u32, f: impl FnOnce(&Socket) -> R) -> Option<R> {
    SOCKETS.with(|m| m.borrow().get(key).map(f))
}

enum Event {
    Message(Message),
    Closed {
        clean: bool,
        code: u16,
        reason: String,
    },
    Failed(Error),
}

#[derive(PartialEq, Eq)]
enum Phase {
    Connecting,
    Open,
    Closed,
}

struct Shared {
    url: String,
    phase: Phase,
    protocol: Option<String>,
    connect_error: Option<Error>,
    events: VecDeque<Event>,
    /// Set after a capacity failure: later messages are dropped.
    failed: bool,
    max_message_size: usize,
    /// Bytes of received messages waiting for the reader, and their bound.
    queued_bytes: usize,
    max_queued_bytes: usize,
    /// Bytes handed to the main thread and not yet given to the browser.
    to_main: usize,
    /// The browser's `bufferedAmount` as last read on the main thread.
    buffered: usize,
    /// The main thread's `bufferedAmount` re-read timer, while armed.
    drain_timer: Option<TimerId>,
    /// A send or close the browser refused, reported by the next sink operation.
    send_error: Option<Error>,
    open_waker: Option<Waker>,
    recv_waker: Option<Waker>,
    send_waker: Option<Waker>,
    /// `close_with`, waiting for the close event.
    close_waker: Option<Waker>,
    /// The idle timeout, and the main thread's check of it while armed.
    idle: Option<Duration>,
    idle_timer: Option<TimerId>,
    /// Events received so far, and when that count last changed (for the idle timeout).
    rx_events: u64,
    rx_seen: u64,
    quiet_since: Instant,
    /// Why the idle timeout failed the connection (sends fail with `Timeout` from then on).
    idle_error: Option<String>,
}

impl Shared {
    fn send_blocked(&self) -> bool {
        self.to_main + self.buffered >= SEND_HIGH_WATER
    }

    /// The wakers an event wakes: the opener, the reader, and the sender unless it must
    /// still wait for the browser's buffer to drain.
    fn wake(&mut self) -> Wake {
        let send = if self.send_blocked() && self.phase != Phase::Closed {
            None
        } else {
            self.send_waker.take()
        };
        Wake::none()
            .and(self.open_waker.take())
            .and(self.recv_waker.take())
            .and(self.close_waker.take())
            .and(send)
    }

    fn on_message(&mut self, data: &[u8], is_text: bool) {
        self.rx_events += 1;
        if self.failed {
            return;
        }
        if data.len() > self.max_message_size {
            self.failed = true;
            let err = error::message_too_large(&self.url, data.len(), self.max_message_size);
            self.events.push_back(Event::Failed(err));
            return;
        }
        if self.queued_bytes + data.len() > self.max_queued_bytes {
            self.failed = true;
            let err = error::queue_full(
                &self.url,
                self.queued_bytes,
                data.len(),
                self.max_queued_bytes,
            );
            self.events.push_back(Event::Failed(err));
            return;
        }
        self.queued_bytes += data.len();
        let message = if is_text {
            match String::from_utf8(data.to_vec()) {
                Ok(t) => Message::Text(t),
                Err(e) => {
                    self.failed = true;
                    let err = error::text_not_utf8(&self.url, e);
                    self.events.push_back(Event::Failed(err));
                    return;
                }
            }
        } else {
            Message::Binary(Bytes::copy_from_slice(data))
        };
        self.events.push_back(Event::Message(message));
    }

    fn on_close(&mut self, clean: bool, code: u16, reason: String) {
        if self.phase == Phase::Connecting {
            self.connect_error = Some(error::connect_failed(&self.url, code));
        }
        self.phase = Phase::Closed;
        self.events.push_back(Event::Closed {
            clean,
            code,
            reason,
        });
    }
}

/// The sink of every socket's events (main thread, from `sys::websocket`'s callbacks).
fn on_socket_event(key: u32, event: sys::websocket::Event<'_>) {
    use sys::websocket::Event as E;
    CONNECTIONS.deliver(key, |s| {
        match event {
            E::Open(protocol) => {
                s.phase = Phase::Open;
                s.protocol = protocol;
            }
            E::Message { data, is_text } => s.on_message(data, is_text),
            // The browser follows an error with a close event, which carries the details.
            E::Error => return Wake::none(),
            E::Close {
                was_clean,
                code,
                reason,
            } => s.on_close(was_clean, code, reason),
        }
        s.wake()
    });
}

/// Deletes the socket (closing it first) when dropped, and forgets the connection's state.
struct SocketGuard(u32);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        let key = self.0;
        let timers = CONNECTIONS.remove(key).map(|slot| {
            let mut s = slot.lock();
            [s.drain_timer.take(), s.idle_timer.take()]
        });
        bridge::on_main(move || {
            for timer in timers.into_iter().flatten().flatten() {
                sys::event_loop::clear_timeout(timer);
            }
            let sock = SOCKETS.with(|m| m.borrow_mut().remove(key));
            if let Some(sock) = sock {
                // Refused only when the socket is already closing or closed: nothing to do.
                let _already_closing = sock.close(1000, "");
                drop(sock);
            }
        });
    }
}

/// A WebSocket connection of the emscripten backend. Usable from any thread; dropping it closes
/// the socket and frees its callbacks.
pub struct EmscriptenConnection {
    guard: SocketGuard,
    /// The URL connected to, for the log.
    url: Box<str>,
    shared: Slot<Shared>,
    protocol: Option<String>,
    close_sent: bool,
    finished: bool,
    backend: EmscriptenBackend,
    close_timeout: Duration,
}

impl std::fmt::Debug for EmscriptenConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmscriptenConnection")
            .field("key", &self.guard.0)
            .field("protocol", &self.protocol)
            .field("close_sent", &self.close_sent)
            .finish()
    }
}

/// Completes when the socket opens or fails to.
struct Opened(Slot<Shared>);

impl Future for Opened {
    type Output = Result<Option<String>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.0.lock();
        if let Some(e) = s.connect_error.take() {
            return Poll::Ready(Err(e));
        }
        match s.phase {
            Phase::Open | Phase::Closed => Poll::Ready(Ok(s.protocol.clone())),
            Phase::Connecting => {
                s.open_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Transport for EmscriptenBackend {
    type Connection = EmscriptenConnection;

    fn connect(
        &self,
        url: &str,
        options: ConnectOptions,
    ) -> impl Future<Output = Result<EmscriptenConnection>> + Send {
        // Combinators, not an async block around `open`: no second copy of its future (the
        // main thread's stack is 64 KiB).
        let (span, start) = crossio_core::backend::log::ws_connect(url);
        self.open(url, options).instrument(span).inspect(move |r| {
            let protocol = r.as_ref().map(|c| c.protocol.as_deref());
            log::ws_connected(url, start, &protocol);
        })
    }
}

impl EmscriptenBackend {
    async fn open(&self, url: &str, options: ConnectOptions) -> Result<EmscriptenConnection> {
        let parsed = parse_ws_url(url)?;
        options.validate()?;
        if let Some(every) = options.keepalive_interval {
            return Err(Error::unsupported(format!(
                "connecting to {url} with a keepalive every {}: browsers have no \
                 WebSocket ping API (use idle_timeout, and application messages if the peer \
                 needs traffic)",
                ShowDuration(every)
            )));
        }
        if !options.headers.is_empty() {
            return Err(Error::unsupported(format!(
                "connecting to {url}: browsers cannot set WebSocket handshake headers"
            )));
        }
        sys::websocket::init(on_socket_event);
        let (key, shared) = CONNECTIONS.insert(Shared {
            url: url.to_owned(),
            phase: Phase::Connecting,
            protocol: None,
            connect_error: None,
            events: VecDeque::new(),
            failed: false,
            max_message_size: options.max_message_size,
            queued_bytes: 0,
            max_queued_bytes: options.effective_max_queued_bytes(),
            to_main: 0,
            buffered: 0,
            drain_timer: None,
            send_error: None,
            open_waker: None,
            recv_waker: None,
            send_waker: None,
            close_waker: None,
            idle: options.idle_timeout,
            idle_timer: None,
            rx_events: 0,
            rx_seen: 0,
            quiet_since: Instant::now(),
            idle_error: None,
        });
        let guard = SocketGuard(key);
        let (target, protocols) = (parsed.to_string(), options.subprotocols.join(","));
        let opening = shared.clone();
        let queued = bridge::on_main(move || match Socket::open(&target, &protocols, key) {
            Ok(sock) => {
                SOCKETS.with(|m| m.borrow_mut().insert(key, sock));
            }
            Err(code) => opening.update(|s| {
                s.connect_error = Some(error::socket_not_created(&s.url, code));
                s.wake()
            }),
        });
        if !queued {
            return Err(error::main_thread_gone("connecting to", url));
        }
        let timeout = options.connect_timeout;
        let protocol = match self.timeout(timeout, Opened(shared.clone())).await {
            Err(_) => return Err(error::connect_timeout(url, timeout)),
            Ok(r) => r?,
        };
        if let Some(idle) = options.idle_timeout {
            let armed = shared.clone();
            shared.lock().quiet_since = Instant::now();
            bridge::on_main(move || arm_idle_check(key, &armed, idle));
        }
        Ok(EmscriptenConnection {
            guard,
            url: url.into(),
            shared,
            protocol,
            close_sent: false,
            finished: false,
            backend: self.clone(),
            close_timeout: options.close_timeout,
        })
    }
}

impl Connection for EmscriptenConnection {
    fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    fn close_with(&mut self, code: u16, reason: &str) -> impl Future<Output = Result<()>> + Send {
        let frame = crossio_core::CloseFrame::new(code, reason);
        async move {
            let frame = frame?;
            futures_util::SinkExt::send(&mut *self, Message::Close(Some(frame))).await?;
            let timeout = self.close_timeout;
            match self
                .backend
                .timeout(timeout, ClosedEvent(self.shared.clone()))
                .await
            {
                Ok(()) => Ok(()),
                // The browser finishes (or gives up on) the handshake itself; the socket is
                // deleted when the connection is dropped.
                Err(_) => Err(Error::new(
                    crossio_core::ErrorKind::Timeout,
                    format!(
                        "closing with {code}: the peer did not answer within {}",
                        ShowDuration(timeout)
                    ),
                )),
            }
        }
    }
}

/// Completes when the browser reports the socket closed.
struct ClosedEvent(Slot<Shared>);

impl Future for ClosedEvent {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.lock();
        if s.phase == Phase::Closed {
            return Poll::Ready(());
        }
        s.close_waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Arm connection `key`'s idle check (main thread): a quarter of the idle timeout from now.
fn arm_idle_check(key: u32, shared: &Slot<Shared>, idle: Duration) {
    let timer = sys::event_loop::set_timeout(idle.as_secs_f64() * 250.0, idle_check, key);
    shared.lock().idle_timer = Some(timer);
}

/// The idle check's timer (main thread): fail the connection if nothing arrived for the idle
/// timeout (a message not yet taken by the reader counts as traffic), else check again.
fn idle_check(key: u32) {
    let Some(shared) = CONNECTIONS.get(key) else {
        return;
    };
    let (idle, close) = shared.update_and(|s| {
        s.idle_timer = None;
        let now = Instant::now();
        if s.rx_events != s.rx_seen || !s.events.is_empty() {
            (s.rx_seen, s.quiet_since) = (s.rx_events, now);
        }
        let Some(idle) = s.idle.filter(|_| s.phase == Phase::Open) else {
            return (Wake::none(), (None, false));
        };
        if now - s.quiet_since < idle {
            return (Wake::none(), (Some(idle), false));
        }
        let msg = format!(
            "the WebSocket peer {} sent nothing for {} (idle timeout); the connection was \
             closed",
            s.url,
            ShowDuration(idle)
        );
        s.events.push_back(Event::Failed(Error::new(
            crossio_core::ErrorKind::Timeout,
            msg.clone(),
        )));
        s.idle_error = Some(msg);
        (s.wake(), (Some(idle), true))
    });
    if close {
        if tracing::enabled!(target: "crossio::ws", tracing::Level::DEBUG) {
            let url = shared.lock().url.clone();
            let idle_ms = idle.map_or(0, |d| d.as_millis() as u64);
            tracing::debug!(target: "crossio::ws", url, idle_ms, "ws idle timeout");
        }
        let _already_closing = with_socket(key, |sock| sock.close(1000, "idle timeout"));
    } else if let Some(idle) = idle {
        arm_idle_check(key, &shared, idle);
    }
}

impl Stream for EmscriptenConnection {
    type Item = Result<Message>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let mut s = self.shared.lock();
        let Some(event) = s.events.pop_front() else {
            s.recv_waker = Some(cx.waker().clone());
            return Poll::Pending;
        };
        let (item, finished) = match event {
            Event::Message(m) => {
                s.queued_bytes = s.queued_bytes.saturating_sub(m.len());
                (Ok(m), false)
            }
            Event::Failed(e) => (Err(e), true),
            Event::Closed {
                clean,
                code,
                reason,
            } => (error::close_event(&s.url, clean, code, reason), true),
        };
        drop(s);
        self.finished = finished;
        log::ws_received(&self.url, Some(&item));
        Poll::Ready(Some(item))
    }
}

/// On the main thread, after connection `key` handed `len` bytes to the browser: record the
/// outcome and its `bufferedAmount` and, while that is above the mark, keep re-reading it so
/// that a waiting sender is woken.
fn after_send(key: u32, shared: &Slot<Shared>, len: usize, sent: Option<Result<usize, i32>>) {
    let arm = shared.update_and(|s| {
        s.to_main = s.to_main.saturating_sub(len);
        match sent {
            Some(Ok(buffered)) => s.buffered = buffered,
            Some(Err(code)) if s.send_error.is_none() => {
                s.send_error = Some(error::send_refused(&s.url, "sending", code));
            }
            // Refused after an earlier refusal, or the socket is already deleted.
            Some(Err(_)) | None => {}
        }
        let arm = s.send_blocked() && s.drain_timer.is_none();
        // Only a sender can be waiting on a send's outcome: waking the reader here would cost a
        // worker-mode round trip a spurious wake (and a futex notify) per message.
        let wake = if s.send_blocked() && s.send_error.is_none() && s.phase != Phase::Closed {
            Wake::none()
        } else {
            Wake::none().and(s.send_waker.take())
        };
        (wake, arm)
    });
    if arm {
        arm_drain_poll(key, shared);
    }
}

/// Arm connection `key`'s `bufferedAmount` re-read timer (main thread).
fn arm_drain_poll(key: u32, shared: &Slot<Shared>) {
    let timer = sys::event_loop::set_timeout(DRAIN_POLL_MS, drain_poll, key);
    shared.lock().drain_timer = Some(timer);
}

/// The drain poll's timer (main thread): re-read connection `key`'s `bufferedAmount`.
fn drain_poll(key: u32) {
    let Some(shared) = CONNECTIONS.get(key) else {
        return;
    };
    let buffered = with_socket(key, Socket::buffered_amount);
    let again = shared.update_and(|s| {
        s.buffered = buffered.unwrap_or(0);
        s.drain_timer = None;
        let again = buffered.is_some() && s.send_blocked() && s.phase != Phase::Closed;
        (s.wake(), again)
    });
    if again {
        arm_drain_poll(key, &shared);
    }
}

impl EmscriptenConnection {
    fn check_open(&self) -> Result<()> {
        let mut s = self.shared.lock();
        if let Some(msg) = &s.idle_error {
            return Err(Error::new(crossio_core::ErrorKind::Timeout, msg.clone()));
        }
        if let Some(e) = s.send_error.take() {
            return Err(e);
        }
        if self.close_sent || s.phase == Phase::Closed {
            return Err(closed_error("sending"));
        }
        Ok(())
    }

    /// Hand one send to the main thread; `send` runs there with the socket.
    fn hand_over(
        &self,
        len: usize,
        send: impl FnOnce(&Socket) -> Result<(), i32> + Send + 'static,
    ) {
        self.shared.lock().to_main += len;
        let (key, shared) = (self.guard.0, self.shared.clone());
        let queued = bridge::on_main(move || {
            let sent = with_socket(key, |sock| send(sock).map(|()| sock.buffered_amount()));
            after_send(key, &shared, len, sent);
        });
        if !queued {
            let mut s = self.shared.lock();
            s.to_main = s.to_main.saturating_sub(len);
            s.send_error = Some(error::main_thread_gone("sending on", &s.url));
        }
    }

    /// Hand the closing handshake to the main thread.
    fn hand_over_close(&mut self, code: u16, reason: String) {
        log::ws_close(&self.url, code, &reason);
        self.close_sent = true;
        let (key, shared) = (self.guard.0, self.shared.clone());
        bridge::on_main(move || {
            let refused = with_socket(key, |sock| sock.close(code, &reason).err()).flatten();
            if let Some(code) = refused {
                shared.update(|s| {
                    s.send_error = Some(error::send_refused(&s.url, "closing", code));
                    s.wake()
                });
            }
        });
    }
}

impl Sink<Message> for EmscriptenConnection {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.check_open()?;
        let mut s = self.shared.lock();
        if s.send_blocked() && s.phase != Phase::Closed {
            s.send_waker = Some(cx.waker().clone());
            SEND_WAITS.fetch_add(1, Ordering::Relaxed);
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<()> {
        self.check_open()?;
        if !matches!(item, Message::Close(_)) {
            log::ws_send(&self.url, &item);
        }
        match item {
            Message::Text(t) => self.hand_over(t.len(), move |s| s.send_text(&t)),
            Message::Binary(b) => self.hand_over(b.len(), move |s| s.send_binary(&b)),
            Message::Close(frame) => {
                let (code, reason) = match frame {
                    Some(f) => (f.code(), f.reason().to_owned()),
                    None => (1000, String::new()),
                };
                validate_close(code, &reason)?;
                if reason.contains('\0') {
                    return Err(Error::invalid_input("close reason must not contain NUL"));
                }
                self.hand_over_close(code, reason);
            }
        }
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        // Sends are handed to the browser in order; it transmits them. A refusal it reported
        // since the last operation surfaces here.
        match self.shared.lock().send_error.take() {
            Some(e) => Poll::Ready(Err(e)),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        if !self.close_sent {
            self.hand_over_close(1000, String::new());
        }
        Poll::Ready(Ok(()))
    }
}
