//! `Transport` on `emscripten/websocket.h` — pending (issue 4). Until it lands, `connect`
//! validates its input and then fails with `Unsupported`; the browser runner lists every
//! Transport case as pending.

use std::pin::Pin;
use std::task::{Context, Poll};

use crossio_core::{ConnectOptions, Connection, Error, Message, Result, Transport, parse_ws_url};
use futures_core::Stream;
use futures_sink::Sink;

use crate::EmscriptenBackend;

/// A WebSocket connection of the emscripten backend (not constructible until issue 4 lands).
#[derive(Debug)]
pub struct EmscriptenConnection {
    never: std::convert::Infallible,
}

impl Transport for EmscriptenBackend {
    type Connection = EmscriptenConnection;

    async fn connect(&self, url: &str, options: ConnectOptions) -> Result<EmscriptenConnection> {
        parse_ws_url(url)?;
        options.validate()?;
        Err(Error::unsupported(format!(
            "connecting to {url}: the emscripten WebSocket transport is not built yet"
        )))
    }
}

impl Connection for EmscriptenConnection {
    fn protocol(&self) -> Option<&str> {
        match self.never {}
    }
}

impl Stream for EmscriptenConnection {
    type Item = Result<Message>;
    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.never {}
    }
}

impl Sink<Message> for EmscriptenConnection {
    type Error = Error;
    fn poll_ready(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        match self.never {}
    }
    fn start_send(self: Pin<&mut Self>, _item: Message) -> Result<()> {
        match self.never {}
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        match self.never {}
    }
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        match self.never {}
    }
}
