//! `Transport` on tokio-tungstenite.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker, ready};
use std::time::Duration;

use crossio_core::backend::{ShowDuration, closed_error, parse_ws_url, validate_close};
use crossio_core::{
    CloseFrame, ConnectOptions, Connection, Error, ErrorKind, Message, Result, Transport,
};
use futures_core::Stream;
use futures_sink::Sink;
use futures_util::task::AtomicWaker;
use http::HeaderValue;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self as ws, protocol::CloseFrame as WsCloseFrame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::NativeBackend;
use crate::error;
use crate::spawn::on_runtime;
use crossio_core::Configure;
use futures_util::FutureExt;
use tracing::Instrument;

mod driver;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

static LIVE_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Native WebSocket connections currently alive, for leak checks: from connect until the handle
/// is dropped *and* the background closing handshake that follows is over.
pub fn live_connections() -> usize {
    LIVE_CONNECTIONS.load(Ordering::SeqCst)
}

/// A WebSocket connection of the native backend.
///
/// The socket is shared with a small task on the backend's runtime (the *driver*) that sends
/// keepalive pings, enforces the idle timeout, finishes the closing handshake after the peer's
/// close frame was delivered, and closes cleanly (1000, bounded by
/// [`ConnectOptions::close_timeout`]) when the handle is dropped while open. Dropping never
/// blocks.
pub struct NativeConnection {
    shared: Arc<Shared>,
    protocol: Option<String>,
    handle: tokio::runtime::Handle,
    close_timeout: Duration,
}

impl std::fmt::Debug for NativeConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeConnection")
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl Transport for NativeBackend {
    type Connection = NativeConnection;

    fn connect(
        &self,
        url: &str,
        options: ConnectOptions,
    ) -> impl Future<Output = Result<NativeConnection>> + Send {
        // Combinators, not an async block around `open`: no second copy of its future.
        let (span, start) = crossio_core::backend::log::ws_connect(url);
        self.open(url, options).instrument(span).inspect(move |r| {
            let protocol = r.as_ref().map(|c| c.protocol.as_deref());
            crossio_core::backend::log::ws_connected(url, start, &protocol);
        })
    }
}

impl NativeBackend {
    async fn open(&self, url: &str, options: ConnectOptions) -> Result<NativeConnection> {
        let parsed = parse_ws_url(url)?;
        options.validate()?;
        let mut request = parsed
            .as_str()
            .into_client_request()
            .map_err(|e| error::ws_connect(url, e))?;
        for (name, value) in &options.headers {
            request.headers_mut().append(name.clone(), value.clone());
        }
        // The client's default headers, where the connection does not set them itself.
        for (name, value) in &self.client_options().default_headers {
            if !options.headers.contains_key(name) {
                request.headers_mut().append(name.clone(), value.clone());
            }
        }
        if !options.subprotocols.is_empty() {
            let joined = options.subprotocols.join(", ");
            let value = HeaderValue::try_from(joined)
                .map_err(|e| Error::invalid_input("invalid subprotocol list").with_source(e))?;
            request
                .headers_mut()
                .insert("sec-websocket-protocol", value);
        }
        let max = options.max_message_size;
        let config = WebSocketConfig::default()
            .max_message_size(Some(max))
            .max_frame_size(Some(max));
        let timeout = options.connect_timeout;
        let url_owned = url.to_owned();
        let connector = match parsed.scheme() {
            "wss" => Some(tokio_tungstenite::Connector::Rustls(
                self.client.tls()?.ws.clone(),
            )),
            _ => None,
        };
        let proxy = self.client.proxy()?.cloned();
        let handshake = async move {
            // The TCP stream ourselves (direct or through the proxy's CONNECT tunnel), then
            // tokio-tungstenite's TLS (crossio's one TLS configuration) and handshake over it.
            let attempt = async {
                let stream = crate::proxy::open(&parsed, proxy.as_deref()).await?;
                tokio_tungstenite::client_async_tls_with_config(
                    request,
                    stream,
                    Some(config),
                    connector,
                )
                .await
                .map_err(|e| error::ws_connect(&url_owned, e))
            };
            match tokio::time::timeout(timeout, attempt).await {
                Err(_) => Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "connecting to {url_owned}: no handshake within {}",
                        ShowDuration(timeout)
                    ),
                )),
                Ok(Err(e)) => Err(e),
                Ok(Ok(pair)) => Ok(pair),
            }
        };
        let (ws, response) = on_runtime(self, handshake).await??;
        let protocol = response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let shared = Shared::new(ws, url);
        let life = Lifecycle {
            keepalive: options.keepalive_interval,
            idle: options.idle_timeout,
            close_timeout: options.close_timeout,
        };
        self.handle().spawn(driver::run(shared.clone(), life));
        Ok(NativeConnection {
            shared,
            protocol,
            handle: self.handle().clone(),
            close_timeout: options.close_timeout,
        })
    }
}

impl Drop for NativeConnection {
    fn drop(&mut self) {
        // Hand the socket to the driver, which closes it cleanly; never block here.
        self.shared.lock().dropped = true;
        self.shared.notify.notify_one();
    }
}

impl Connection for NativeConnection {
    fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    fn close_with(&mut self, code: u16, reason: &str) -> impl Future<Output = Result<()>> + Send {
        let frame = CloseFrame::new(code, reason);
        async move {
            let frame = frame?;
            futures_util::SinkExt::send(&mut *self, Message::Close(Some(frame))).await?;
            let sleep = {
                let _guard = self.handle.enter();
                tokio::time::sleep(self.close_timeout)
            };
            let mut sleep = pin!(sleep);
            let timeout = self.close_timeout;
            let shared = &self.shared;
            poll_fn(|cx| {
                if let Poll::Ready(r) = shared.poll_peer_close(cx) {
                    return Poll::Ready(r);
                }
                ready!(sleep.as_mut().poll(cx));
                shared.abandon();
                Poll::Ready(Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "closing with {code}: the peer did not answer within {}; \
                         the connection was closed",
                        ShowDuration(timeout)
                    ),
                )))
            })
            .await
        }
    }
}

impl Stream for NativeConnection {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let shared = &*self.shared;
        shared.fan.read.register(cx.waker());
        let mut io = shared.lock();
        let item = match io.stash.pop_front() {
            Some(item) => Some(item),
            None if io.finished => return Poll::Ready(None),
            None => ready!(io.read_one(&shared.read_waker)),
        };
        let notify = match &item {
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                io.finished = true;
                // Let the driver finish the closing handshake (flush our answer, wait for TCP).
                true
            }
            Some(Ok(_)) => false,
        };
        drop(io);
        if notify {
            shared.notify.notify_one();
        }
        crossio_core::backend::log::ws_received(&shared.url, item.as_ref());
        Poll::Ready(item)
    }
}

impl Sink<Message> for NativeConnection {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let shared = &*self.shared;
        shared.fan.write.register(cx.waker());
        let mut io = shared.lock();
        let ws = io.writable("sending")?;
        let mut cx = Context::from_waker(&shared.write_waker);
        Pin::new(ws)
            .poll_ready(&mut cx)
            .map_err(|e| error::ws_io("sending", e))
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<()> {
        crossio_core::backend::log::ws_send(&self.shared.url, &item);
        let mut io = self.shared.lock();
        io.writable("sending")?;
        let out = match item {
            Message::Text(s) => ws::Message::text(s),
            Message::Binary(b) => ws::Message::Binary(b),
            Message::Close(frame) => {
                let (code, reason) = match &frame {
                    Some(f) => (f.code(), f.reason()),
                    None => (1000, ""),
                };
                validate_close(code, reason)?;
                io.close_sent = true;
                close_message(code, reason)
            }
        };
        let ws = io.ws.as_mut().ok_or_else(|| closed_error("sending"))?;
        Pin::new(ws)
            .start_send(out)
            .map_err(|e| error::ws_io("sending", e))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let shared = &*self.shared;
        shared.fan.write.register(cx.waker());
        let mut io = shared.lock();
        if let Some(e) = io.failure() {
            return Poll::Ready(Err(e));
        }
        let close_sent = io.close_sent;
        let Some(ws) = io.ws.as_mut() else {
            return Poll::Ready(if close_sent {
                Ok(())
            } else {
                Err(closed_error("flushing"))
            });
        };
        let mut cx = Context::from_waker(&shared.write_waker);
        match ready!(Pin::new(ws).poll_flush(&mut cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            // Flushing after the closing handshake completed has nothing left to do.
            Err(ws::Error::ConnectionClosed) if close_sent => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(error::ws_io("flushing", e))),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let shared = &*self.shared;
        shared.fan.write.register(cx.waker());
        let mut io = shared.lock();
        if io.peer_close || io.ws.is_none() {
            return Poll::Ready(Ok(()));
        }
        let mut wcx = Context::from_waker(&shared.write_waker);
        let close_sent = io.close_sent;
        let Some(ws) = io.ws.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        if !close_sent {
            ready!(Pin::new(&mut *ws).poll_ready(&mut wcx))
                .map_err(|e| error::ws_io("closing", e))?;
            Pin::new(&mut *ws)
                .start_send(close_message(1000, ""))
                .map_err(|e| error::ws_io("closing", e))?;
            io.close_sent = true;
        }
        let Some(ws) = io.ws.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let flushed = Pin::new(ws).poll_flush(&mut wcx);
        drop(io);
        if !close_sent {
            crossio_core::backend::log::ws_close(&shared.url, 1000, "");
        }
        match ready!(flushed) {
            Ok(()) | Err(ws::Error::ConnectionClosed) | Err(ws::Error::AlreadyClosed) => {
                Poll::Ready(Ok(()))
            }
            Err(e) => Poll::Ready(Err(error::ws_io("closing", e))),
        }
    }
}

fn close_message(code: u16, reason: &str) -> ws::Message {
    ws::Message::Close(Some(WsCloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }))
}

/// What the driver enforces.
#[derive(Debug, Clone, Copy)]
struct Lifecycle {
    keepalive: Option<Duration>,
    idle: Option<Duration>,
    close_timeout: Duration,
}

/// The wakers of everyone polling the socket: the user's reader, the user's writer and the
/// driver. The socket only keeps the last waker registered per direction, so each party polls
/// it with a waker that wakes the others of that direction too, and nobody is displaced.
#[derive(Default)]
struct Fan {
    read: AtomicWaker,
    write: AtomicWaker,
    aux: AtomicWaker,
}

/// Which slots of the [`Fan`] a waker wakes.
struct FanWaker {
    fan: Arc<Fan>,
    read: bool,
    write: bool,
}

impl Wake for FanWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.read {
            self.fan.read.wake();
        }
        if self.write {
            self.fan.write.wake();
        }
        self.fan.aux.wake();
    }
}

/// The state shared by the handle and its driver.
struct Shared {
    /// The URL connected to, for the log.
    url: Box<str>,
    io: Mutex<Io>,
    fan: Arc<Fan>,
    read_waker: Waker,
    write_waker: Waker,
    aux_waker: Waker,
    notify: tokio::sync::Notify,
}

/// The socket and the connection's closing state.
struct Io {
    /// `None` once TCP is closed.
    ws: Option<Ws>,
    /// Messages read by someone else than the stream (the driver, `close_with`), in order.
    stash: VecDeque<Result<Message>>,
    /// Frames received so far (any kind), for the idle timeout.
    rx_frames: u64,
    /// The peer's close frame was read.
    peer_close: bool,
    /// The socket reported its end (after an error or without a close frame).
    ended: bool,
    /// The stream yielded its last item.
    finished: bool,
    close_sent: bool,
    /// The handle was dropped.
    dropped: bool,
    /// Why the driver failed the connection (the idle timeout).
    failed: Option<String>,
}

impl Shared {
    fn new(ws: Ws, url: &str) -> Arc<Self> {
        LIVE_CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        let fan = Arc::new(Fan::default());
        let waker = |read, write| {
            Waker::from(Arc::new(FanWaker {
                fan: fan.clone(),
                read,
                write,
            }))
        };
        Arc::new(Shared {
            url: url.into(),
            read_waker: waker(true, false),
            write_waker: waker(false, true),
            aux_waker: waker(true, true),
            fan,
            io: Mutex::new(Io {
                ws: Some(ws),
                stash: VecDeque::new(),
                rx_frames: 0,
                peer_close: false,
                ended: false,
                finished: false,
                close_sent: false,
                dropped: false,
                failed: None,
            }),
            notify: tokio::sync::Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Io> {
        self.io.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Read into the stash until the peer's close frame (or the end) arrives.
    fn poll_peer_close(&self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.fan.read.register(cx.waker());
        let mut io = self.lock();
        loop {
            if io.peer_close {
                return Poll::Ready(Ok(()));
            }
            if io.ended || io.ws.is_none() {
                return Poll::Ready(Err(closed_error(
                    "closing: the connection ended before the peer's close frame",
                )));
            }
            match ready!(io.read_one(&self.read_waker)) {
                Some(item) => io.stash.push_back(item),
                None => io.ended = true,
            }
        }
    }

    /// Close TCP now (the close timeout passed) and let the driver go.
    fn abandon(&self) {
        let ws = self.lock().ws.take();
        drop(ws);
        self.notify.notify_one();
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        LIVE_CONNECTIONS.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Io {
    /// Read the next message from the socket, counting every frame; `None` at its end.
    fn read_one(&mut self, waker: &Waker) -> Poll<Option<Result<Message>>> {
        if let Some(msg) = &self.failed {
            if self.ended {
                return Poll::Ready(None);
            }
            self.ended = true;
            return Poll::Ready(Some(Err(Error::new(ErrorKind::Timeout, msg.clone()))));
        }
        let Some(ws) = self.ws.as_mut() else {
            return Poll::Ready(None);
        };
        let mut cx = Context::from_waker(waker);
        loop {
            let item = match ready!(Pin::new(&mut *ws).poll_next(&mut cx)) {
                None | Some(Err(ws::Error::ConnectionClosed | ws::Error::AlreadyClosed)) => {
                    self.ended = true;
                    return Poll::Ready(None);
                }
                Some(Err(e)) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(error::ws_io("receiving", e))));
                }
                Some(Ok(m)) => m,
            };
            self.rx_frames += 1;
            return Poll::Ready(Some(Ok(match item {
                ws::Message::Text(t) => Message::Text(t.as_str().to_owned()),
                ws::Message::Binary(b) => Message::Binary(b),
                ws::Message::Close(frame) => {
                    self.peer_close = true;
                    Message::Close(
                        frame.map(|f| CloseFrame::received(u16::from(f.code), f.reason.as_str())),
                    )
                }
                // Pings are answered by tungstenite; pongs and raw frames are not surfaced.
                ws::Message::Ping(_) | ws::Message::Pong(_) | ws::Message::Frame(_) => continue,
            })));
        }
    }

    /// The driver's failure, as an error of its kind.
    fn failure(&self) -> Option<Error> {
        self.failed
            .as_ref()
            .map(|m| Error::new(ErrorKind::Timeout, m.clone()))
    }

    /// The socket, if messages may still be sent.
    fn writable(&mut self, what: &str) -> Result<&mut Ws> {
        if let Some(e) = self.failure() {
            return Err(e);
        }
        if self.close_sent || self.peer_close {
            return Err(closed_error(what));
        }
        self.ws.as_mut().ok_or_else(|| closed_error(what))
    }
}
