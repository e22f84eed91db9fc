//! `Transport` on Emscripten's WebSocket API (`emscripten/websocket.h`).
//!
//! Sockets live on the browser's main thread, the only thread where the browser delivers their
//! events: every socket operation is handed to the main thread with `reactor::on_main` (inline when
//! already there, `emscripten_proxy_async` from a worker, never waiting), and the socket's
//! callbacks turn events into queued state plus a wake of the waiting task. The same connection
//! type therefore works from main-thread tasks and from worker threads (blocked in `block_on` or
//! running on the pool).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use crossio_core::backend::{closed_error, parse_ws_url, validate_close};
use crossio_core::{
    CloseFrame, ConnectOptions, Connection, Error, ErrorKind, Message, Result, Spawner, Transport,
};
use futures_core::Stream;
use futures_sink::Sink;

use crate::EmscriptenBackend;
use crate::sys;
use crate::sys::websocket::{Handler, Socket};

thread_local! {
    /// The main thread's sockets, by connection id. Only touched inside `reactor::on_main`.
    static SOCKETS: RefCell<HashMap<u64, Socket>> = RefCell::new(HashMap::new());
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
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

/// Run `f` with connection `id`'s socket on the main thread (skipped if it is gone).
fn with_socket(id: u64, f: impl FnOnce(&Socket) + Send + 'static) {
    crate::reactor::on_main(move || {
        SOCKETS.with(|m| {
            if let Some(s) = m.borrow().get(&id) {
                f(s);
            }
        })
    });
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
    drain_poll_armed: bool,
    open_waker: Option<Waker>,
    recv_waker: Option<Waker>,
    send_waker: Option<Waker>,
}

impl Shared {
    fn send_blocked(&self) -> bool {
        self.to_main + self.buffered >= SEND_HIGH_WATER
    }
}

fn lock(s: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// The socket callbacks' side (runs on the main thread).
struct Events(Arc<Mutex<Shared>>);

impl Events {
    /// Apply `f` under the lock, then wake outside it.
    fn update(&self, f: impl FnOnce(&mut Shared)) {
        let wakers = {
            let mut s = lock(&self.0);
            f(&mut s);
            let send = if s.send_blocked() && s.phase != Phase::Closed {
                None
            } else {
                s.send_waker.take()
            };
            [s.open_waker.take(), s.recv_waker.take(), send]
        };
        for w in wakers.into_iter().flatten() {
            w.wake();
        }
    }
}

impl Handler for Events {
    fn on_open(&self, protocol: Option<String>) {
        self.update(|s| {
            s.phase = Phase::Open;
            s.protocol = protocol;
        });
    }

    fn on_message(&self, data: &[u8], is_text: bool) {
        self.update(|s| {
            if s.failed {
                return;
            }
            if data.len() > s.max_message_size {
                s.failed = true;
                let msg = format!(
                    "receiving from {}: a {}-byte message exceeds max_message_size ({} bytes)",
                    s.url,
                    data.len(),
                    s.max_message_size
                );
                s.events
                    .push_back(Event::Failed(Error::new(ErrorKind::Capacity, msg)));
                return;
            }
            if s.queued_bytes + data.len() > s.max_queued_bytes {
                s.failed = true;
                let msg = format!(
                    "receiving from {}: {} bytes are queued for a reader that is not reading, and a \
                     {}-byte message would pass max_queued_bytes ({} bytes)",
                    s.url,
                    s.queued_bytes,
                    data.len(),
                    s.max_queued_bytes
                );
                s.events.push_back(Event::Failed(Error::new(ErrorKind::Capacity, msg)));
                return;
            }
            s.queued_bytes += data.len();
            let message = if is_text {
                match String::from_utf8(data.to_vec()) {
                    Ok(t) => Message::Text(t),
                    Err(e) => {
                        s.failed = true;
                        let err = Error::new(
                            ErrorKind::Protocol,
                            format!("receiving from {}: text is not UTF-8", s.url),
                        );
                        s.events.push_back(Event::Failed(err.with_source(e)));
                        return;
                    }
                }
            } else {
                Message::Binary(Bytes::copy_from_slice(data))
            };
            s.events.push_back(Event::Message(message));
        });
    }

    fn on_error(&self) {
        // The browser follows an error with a close event, which carries the details.
    }

    fn on_close(&self, clean: bool, code: u16, reason: String) {
        self.update(|s| {
            if s.phase == Phase::Connecting {
                s.connect_error = Some(Error::new(
                    ErrorKind::Connect,
                    format!(
                        "connecting to {}: the connection failed (close code {code})",
                        s.url
                    ),
                ));
            }
            s.phase = Phase::Closed;
            s.events.push_back(Event::Closed {
                clean,
                code,
                reason,
            });
        });
    }
}

/// Deletes the socket (closing it first) when dropped.
struct SocketGuard(u64);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        let id = self.0;
        crate::reactor::on_main(move || {
            let sock = SOCKETS.with(|m| m.borrow_mut().remove(&id));
            if let Some(sock) = sock {
                // A no-op if the socket is already closing or closed.
                sock.close(1000, "");
                drop(sock);
            }
        });
    }
}

/// A WebSocket connection of the emscripten backend. Usable from any thread; dropping it closes
/// the socket and frees its callbacks.
pub struct EmscriptenConnection {
    guard: SocketGuard,
    shared: Arc<Mutex<Shared>>,
    protocol: Option<String>,
    close_sent: bool,
    finished: bool,
}

impl std::fmt::Debug for EmscriptenConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmscriptenConnection")
            .field("id", &self.guard.0)
            .field("protocol", &self.protocol)
            .field("close_sent", &self.close_sent)
            .finish()
    }
}

/// Completes when the socket opens or fails to.
struct Opened(Arc<Mutex<Shared>>);

impl Future for Opened {
    type Output = Result<Option<String>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = lock(&self.0);
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

    async fn connect(&self, url: &str, options: ConnectOptions) -> Result<EmscriptenConnection> {
        let parsed = parse_ws_url(url)?;
        options.validate()?;
        if !options.headers.is_empty() {
            return Err(Error::unsupported(format!(
                "connecting to {url}: browsers cannot set WebSocket handshake headers"
            )));
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(Mutex::new(Shared {
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
            drain_poll_armed: false,
            open_waker: None,
            recv_waker: None,
            send_waker: None,
        }));
        let guard = SocketGuard(id);
        let (target, protocols, events) = (
            parsed.to_string(),
            options.subprotocols.join(","),
            Events(shared.clone()),
        );
        crate::reactor::on_main(move || {
            let failed = match Socket::open(&target, &protocols, Arc::new(Events(events.0.clone())))
            {
                Ok(sock) => {
                    SOCKETS.with(|m| m.borrow_mut().insert(id, sock));
                    None
                }
                Err(code) => Some(code),
            };
            if let Some(code) = failed {
                events.update(|s| {
                    s.connect_error = Some(Error::new(
                        ErrorKind::Connect,
                        format!("connecting to {}: the browser refused to create the socket (result {code})", s.url),
                    ));
                });
            }
        });
        let timeout = options.connect_timeout;
        let protocol = match self.timeout(timeout, Opened(shared.clone())).await {
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("connecting to {url}: no handshake within {timeout:?}"),
                ));
            }
            Ok(r) => r?,
        };
        Ok(EmscriptenConnection {
            guard,
            shared,
            protocol,
            close_sent: false,
            finished: false,
        })
    }
}

impl Connection for EmscriptenConnection {
    fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }
}

impl Stream for EmscriptenConnection {
    type Item = Result<Message>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let event = {
            let mut s = lock(&self.shared);
            match s.events.pop_front() {
                Some(e) => e,
                None => {
                    s.recv_waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        };
        Poll::Ready(Some(match event {
            Event::Message(m) => {
                let mut s = lock(&self.shared);
                s.queued_bytes = s.queued_bytes.saturating_sub(m.len());
                Ok(m)
            }
            Event::Failed(e) => {
                self.finished = true;
                Err(e)
            }
            Event::Closed {
                clean,
                code,
                reason,
            } => {
                self.finished = true;
                if !clean && code == 1006 {
                    Err(Error::closed(format!(
                        "receiving from {}: the connection was lost without a close frame (1006)",
                        lock(&self.shared).url
                    )))
                } else if code == 1005 {
                    Ok(Message::Close(None))
                } else if !received_code_is_legal(code) {
                    Err(Error::new(
                        ErrorKind::Protocol,
                        format!(
                            "receiving from {}: the peer closed with code {code}, which RFC 6455 \
                             does not allow on the wire",
                            lock(&self.shared).url
                        ),
                    ))
                } else {
                    Ok(Message::Close(Some(CloseFrame::received(code, reason))))
                }
            }
        }))
    }
}

/// On the main thread, after handing `len` bytes to the browser: record its `bufferedAmount`
/// and, while it is above the mark, keep re-reading it so that a waiting sender is woken.
fn after_send(id: u64, sock: &Socket, shared: &Arc<Mutex<Shared>>, len: usize) {
    let buffered = sock.buffered_amount();
    let events = Events(shared.clone());
    let mut arm = false;
    events.update(|s| {
        s.to_main = s.to_main.saturating_sub(len);
        s.buffered = buffered;
        if s.send_blocked() && !s.drain_poll_armed {
            s.drain_poll_armed = true;
            arm = true;
        }
    });
    if arm {
        arm_drain_poll(id, shared.clone());
    }
}

fn arm_drain_poll(id: u64, shared: Arc<Mutex<Shared>>) {
    sys::set_timeout(
        DRAIN_POLL_MS,
        Box::new(move || {
            let buffered = SOCKETS.with(|m| m.borrow().get(&id).map(Socket::buffered_amount));
            let events = Events(shared.clone());
            let mut again = false;
            events.update(|s| {
                s.buffered = buffered.unwrap_or(0);
                again = buffered.is_some() && s.send_blocked() && s.phase != Phase::Closed;
                s.drain_poll_armed = again;
            });
            if again {
                arm_drain_poll(id, shared);
            }
        }),
    );
}

/// Close codes a peer may send (RFC 6455 §7.4): browsers pass others through unchecked.
fn received_code_is_legal(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

impl EmscriptenConnection {
    fn handed_to_main(&self, len: usize) -> Arc<Mutex<Shared>> {
        lock(&self.shared).to_main += len;
        self.shared.clone()
    }

    fn check_open(&self) -> Result<()> {
        if self.close_sent || lock(&self.shared).phase == Phase::Closed {
            return Err(closed_error("sending"));
        }
        Ok(())
    }
}

impl Sink<Message> for EmscriptenConnection {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.check_open()?;
        let mut s = lock(&self.shared);
        if s.send_blocked() && s.phase != Phase::Closed {
            s.send_waker = Some(cx.waker().clone());
            SEND_WAITS.fetch_add(1, Ordering::Relaxed);
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<()> {
        self.check_open()?;
        let id = self.guard.0;
        match item {
            Message::Text(t) => {
                let (len, shared) = (t.len(), self.handed_to_main(t.len()));
                with_socket(id, move |s| {
                    s.send_text(&t);
                    after_send(id, s, &shared, len);
                })
            }
            Message::Binary(b) => {
                let (len, shared) = (b.len(), self.handed_to_main(b.len()));
                with_socket(id, move |s| {
                    s.send_binary(&b);
                    after_send(id, s, &shared, len);
                })
            }
            Message::Close(frame) => {
                let (code, reason) = match frame {
                    Some(f) => (f.code(), f.reason().to_owned()),
                    None => (1000, String::new()),
                };
                validate_close(code, &reason)?;
                if reason.contains('\0') {
                    return Err(Error::invalid_input("close reason must not contain NUL"));
                }
                self.close_sent = true;
                with_socket(id, move |s| {
                    s.close(code, &reason);
                });
            }
        }
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        // Sends are handed to the browser in order; it transmits them.
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        if !self.close_sent {
            self.close_sent = true;
            with_socket(self.guard.0, |s| {
                s.close(1000, "");
            });
        }
        Poll::Ready(Ok(()))
    }
}
