//! `Transport` on tokio-tungstenite.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};

use crossio_core::backend::{closed_error, parse_ws_url, validate_close};
use crossio_core::{
    CloseFrame, ConnectOptions, Connection, Error, ErrorKind, Message, Result, Transport,
};
use futures_core::Stream;
use futures_sink::Sink;
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

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

static LIVE_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Native WebSocket connections currently alive (created and not dropped), for leak checks.
pub fn live_connections() -> usize {
    LIVE_CONNECTIONS.load(Ordering::SeqCst)
}

/// A WebSocket connection of the native backend. Dropping it closes the TCP connection.
pub struct NativeConnection {
    ws: Ws,
    protocol: Option<String>,
    close_sent: bool,
    finished: bool,
}

impl std::fmt::Debug for NativeConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeConnection")
            .field("protocol", &self.protocol)
            .field("close_sent", &self.close_sent)
            .field("finished", &self.finished)
            .finish()
    }
}

impl Transport for NativeBackend {
    type Connection = NativeConnection;

    async fn connect(&self, url: &str, options: ConnectOptions) -> Result<NativeConnection> {
        let parsed = parse_ws_url(url)?;
        options.validate()?;
        let mut request = parsed
            .as_str()
            .into_client_request()
            .map_err(|e| error::ws_connect(url, e))?;
        for (name, value) in &options.headers {
            request.headers_mut().append(name.clone(), value.clone());
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
        let handshake = async move {
            let attempt = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
            match tokio::time::timeout(timeout, attempt).await {
                Err(_) => Err(Error::new(
                    ErrorKind::Timeout,
                    format!("connecting to {url_owned}: no handshake within {timeout:?}"),
                )),
                Ok(Err(e)) => Err(error::ws_connect(&url_owned, e)),
                Ok(Ok(pair)) => Ok(pair),
            }
        };
        let (ws, response) = on_runtime(self, handshake).await??;
        let protocol = response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        LIVE_CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        Ok(NativeConnection {
            ws,
            protocol,
            close_sent: false,
            finished: false,
        })
    }
}

impl Drop for NativeConnection {
    fn drop(&mut self) {
        LIVE_CONNECTIONS.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Connection for NativeConnection {
    fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }
}

impl Stream for NativeConnection {
    type Item = Result<Message>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        loop {
            let item = ready!(Pin::new(&mut self.ws).poll_next(cx));
            let msg = match item {
                None => {
                    self.finished = true;
                    return Poll::Ready(None);
                }
                Some(Err(ws::Error::ConnectionClosed)) | Some(Err(ws::Error::AlreadyClosed)) => {
                    self.finished = true;
                    return Poll::Ready(None);
                }
                Some(Err(e)) => {
                    self.finished = true;
                    return Poll::Ready(Some(Err(error::ws_io("receiving", e))));
                }
                Some(Ok(m)) => m,
            };
            return Poll::Ready(Some(Ok(match msg {
                ws::Message::Text(t) => Message::Text(t.as_str().to_owned()),
                ws::Message::Binary(b) => Message::Binary(b),
                ws::Message::Close(frame) => {
                    self.finished = true;
                    Message::Close(
                        frame.map(|f| CloseFrame::received(u16::from(f.code), f.reason.as_str())),
                    )
                }
                // Pings are answered by tungstenite; pongs and raw frames are not surfaced.
                ws::Message::Ping(_) | ws::Message::Pong(_) | ws::Message::Frame(_) => continue,
            })));
        }
    }
}

impl Sink<Message> for NativeConnection {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if self.close_sent {
            return Poll::Ready(Err(closed_error("sending")));
        }
        Pin::new(&mut self.ws)
            .poll_ready(cx)
            .map_err(|e| error::ws_io("sending", e))
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<()> {
        if self.close_sent {
            return Err(closed_error("sending"));
        }
        let out = match item {
            Message::Text(s) => ws::Message::text(s),
            Message::Binary(b) => ws::Message::Binary(b),
            Message::Close(frame) => {
                let (code, reason) = match &frame {
                    Some(f) => (f.code(), f.reason()),
                    None => (1000, ""),
                };
                validate_close(code, reason)?;
                self.close_sent = true;
                ws::Message::Close(Some(WsCloseFrame {
                    code: CloseCode::from(code),
                    reason: reason.into(),
                }))
            }
        };
        Pin::new(&mut self.ws)
            .start_send(out)
            .map_err(|e| error::ws_io("sending", e))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        match ready!(Pin::new(&mut self.ws).poll_flush(cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            // Flushing after the closing handshake completed has nothing left to do.
            Err(ws::Error::ConnectionClosed) if self.close_sent => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(error::ws_io("flushing", e))),
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if !self.close_sent {
            ready!(Pin::new(&mut self.ws).poll_ready(cx))
                .map_err(|e| error::ws_io("closing", e))?;
            self.close_sent = true;
            let frame = WsCloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            };
            Pin::new(&mut self.ws)
                .start_send(ws::Message::Close(Some(frame)))
                .map_err(|e| error::ws_io("closing", e))?;
        }
        match ready!(Pin::new(&mut self.ws).poll_flush(cx)) {
            Ok(()) | Err(ws::Error::ConnectionClosed) | Err(ws::Error::AlreadyClosed) => {
                Poll::Ready(Ok(()))
            }
            Err(e) => Poll::Ready(Err(error::ws_io("closing", e))),
        }
    }
}
