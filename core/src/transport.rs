//! WebSocket transport: [`Transport`], [`Connection`], [`Message`], [`CloseFrame`], [`ConnectOptions`].

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use futures_sink::Sink;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::backend::ShowDuration;
use crate::error::{Error, ErrorKind, Result};
use crate::url::Url;

/// The largest close reason, in UTF-8 bytes, the WebSocket protocol allows (RFC 6455 §5.5: a
/// control frame payload is at most 125 bytes, two of which carry the code).
pub const MAX_CLOSE_REASON_BYTES: usize = 123;

/// Default [`ConnectOptions::max_message_size`]: 64 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;

/// Default [`ConnectOptions::max_queued_bytes`]: 64 MiB.
pub const DEFAULT_MAX_QUEUED_BYTES: usize = 64 << 20;

/// Default [`ConnectOptions::connect_timeout`]: 30 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default [`ConnectOptions::close_timeout`]: 5 s.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// One WebSocket message.
///
/// Ping and pong frames are handled by the backend and never surface here (browsers do not expose
/// them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text frame (always valid UTF-8).
    Text(String),
    /// A binary frame, byte for byte.
    Binary(Bytes),
    /// A close frame.
    ///
    /// *Received*, it is the peer's close frame (`None` if the peer closed without a code) and it
    /// is the last item before the stream ends. *Sent*, it starts the closing handshake with the
    /// given code and reason (`None` sends 1000 "normal closure" without a reason).
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    pub fn text(s: impl Into<String>) -> Self {
        Message::Text(s.into())
    }

    /// A binary message.
    pub fn binary(b: impl Into<Bytes>) -> Self {
        Message::Binary(b.into())
    }

    /// Payload length in bytes (0 for a close).
    pub fn len(&self) -> usize {
        match self {
            Message::Text(s) => s.len(),
            Message::Binary(b) => b.len(),
            Message::Close(_) => 0,
        }
    }

    /// True when the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A close code and reason, validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CloseFrame {
    code: u16,
    reason: String,
}

impl CloseFrame {
    /// A close frame to *send*.
    ///
    /// Only the codes every target can send are accepted: 1000 (normal closure) and
    /// 3000–4999 (registered and private use). Browsers throw for anything else, so crossio
    /// refuses the rest everywhere, with [`ErrorKind::InvalidInput`]. The reason must be at
    /// most [`MAX_CLOSE_REASON_BYTES`] UTF-8 bytes.
    pub fn new(code: u16, reason: impl Into<String>) -> Result<Self> {
        let reason = reason.into();
        validate_close(code, &reason)?;
        Ok(CloseFrame { code, reason })
    }

    /// A close frame as *received* from a peer: no validation of the code.
    pub fn received(code: u16, reason: impl Into<String>) -> Self {
        CloseFrame {
            code,
            reason: reason.into(),
        }
    }

    /// The close code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The close reason (may be empty).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Check a close code and reason a client wants to send. See [`CloseFrame::new`].
pub fn validate_close(code: u16, reason: &str) -> Result<()> {
    if !(code == 1000 || (3000..=4999).contains(&code)) {
        return Err(Error::invalid_input(format!(
            "close code {code} cannot be sent: use 1000 or 3000-4999"
        )));
    }
    if reason.contains('\0') {
        return Err(Error::invalid_input("close reason must not contain NUL"));
    }
    if reason.len() > MAX_CLOSE_REASON_BYTES {
        return Err(Error::invalid_input(format!(
            "close reason is {} bytes; at most {MAX_CLOSE_REASON_BYTES} are allowed",
            reason.len()
        )));
    }
    Ok(())
}

/// Options for [`Transport::connect`]: build them with the setters
/// (`ConnectOptions::new().connect_timeout(d)`), read them as fields (`opts.connect_timeout`).
/// Each field holds what was set; [`validate`](Self::validate) checks them all at connect time.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Offered subprotocols (`Sec-WebSocket-Protocol`), in order. Each must be a non-empty
    /// HTTP token, offered once. Default: none.
    pub subprotocols: Vec<String>,
    /// Extra request headers of the opening handshake. Default: none. Where
    /// [`Capabilities::ws_handshake_headers`](crate::Capabilities::ws_handshake_headers) is
    /// false a connect with any header fails with [`ErrorKind::Unsupported`].
    pub headers: HeaderMap,
    /// Time allowed for TCP connect plus the opening handshake; zero is refused. Default 30 s.
    pub connect_timeout: Duration,
    /// Largest message accepted from the peer; a larger one fails the connection with
    /// [`ErrorKind::Capacity`]. Zero is refused. Default 64 MiB.
    pub max_message_size: usize,
    /// Most bytes of received messages held for a reader that is not reading, as set (see
    /// [`max_queued_bytes`](Self::max_queued_bytes) and, for the bound backends apply,
    /// [`effective_max_queued_bytes`](Self::effective_max_queued_bytes)). Default 64 MiB.
    pub max_queued_bytes: usize,
    /// How long a closing handshake may take: `close_with` (and the close crossio starts when a
    /// connection is dropped while open) waits at most this long for the peer's close frame,
    /// then closes TCP; `close_with` then fails with [`ErrorKind::Timeout`]. Zero is refused.
    /// Default [`DEFAULT_CLOSE_TIMEOUT`] (5 s).
    pub close_timeout: Duration,
    /// Send a ping this often while the connection is open (`None`, the default: never).
    /// Where [`Capabilities::ws_keepalive_pings`](crate::Capabilities::ws_keepalive_pings) is
    /// false (browsers have no ping API) a connect with a keepalive fails with
    /// [`ErrorKind::Unsupported`]. Zero is refused.
    pub keepalive_interval: Option<Duration>,
    /// Fail the connection with [`ErrorKind::Timeout`] when nothing (no message, no pong, no
    /// frame at all) arrives from the peer for this long (`None`, the default: wait forever).
    /// The stream then yields that error and ends, sends fail with the same kind, and the
    /// connection is closed (close frame 1000 "idle timeout", then TCP). Zero is refused, and so
    /// is a value shorter than `keepalive_interval`.
    pub idle_timeout: Option<Duration>,
    /// The first invalid input given to a setter (reported by `validate`).
    invalid: Option<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            subprotocols: Vec::new(),
            headers: HeaderMap::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            keepalive_interval: None,
            idle_timeout: None,
            invalid: None,
        }
    }
}

fn is_token(p: &str) -> bool {
    !p.is_empty()
        && p.bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

impl ConnectOptions {
    /// Default options: no subprotocol, no extra header, 30 s connect timeout, 64 MiB messages.
    pub fn new() -> Self {
        Self::default()
    }

    /// Offer a subprotocol (`Sec-WebSocket-Protocol`). May be called several times; an invalid
    /// or repeated protocol makes `connect` fail with [`ErrorKind::InvalidInput`].
    pub fn subprotocol(mut self, protocol: impl Into<String>) -> Self {
        self.subprotocols.push(protocol.into());
        self
    }

    /// Add a request header to the opening handshake.
    ///
    /// Browsers cannot set handshake headers: on emscripten a connect with any header fails with
    /// [`ErrorKind::Unsupported`]. An invalid name or value makes `connect` fail with
    /// [`ErrorKind::InvalidInput`].
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            (Err(_), _) => {
                self.invalid
                    .get_or_insert_with(|| format!("invalid header name {name:?}"));
            }
            (_, Err(_)) => {
                self.invalid
                    .get_or_insert_with(|| format!("invalid value for header {name:?}"));
            }
        }
        self
    }

    /// Time allowed for TCP connect plus the opening handshake. Zero is refused at connect time.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Largest message accepted from the peer; a larger one fails the connection with
    /// [`ErrorKind::Capacity`]. Zero is refused at connect time.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Most bytes of received messages held for a reader that is not reading. Natively TCP
    /// flow control slows the peer instead and this bound is never reached; browsers push
    /// messages without back-pressure, so there a reader that falls this far behind fails the
    /// connection with [`ErrorKind::Capacity`] rather than growing memory without limit. At
    /// least one message of `max_message_size` is always accepted (see
    /// [`effective_max_queued_bytes`](Self::effective_max_queued_bytes)), so zero means one
    /// such message.
    pub fn max_queued_bytes(mut self, bytes: usize) -> Self {
        self.max_queued_bytes = bytes;
        self
    }

    /// How long a closing handshake may take (see the field [`close_timeout`](Self#structfield.close_timeout)).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Ping the peer this often (see the field
    /// [`keepalive_interval`](Self#structfield.keepalive_interval)).
    pub fn keepalive_interval(mut self, interval: Duration) -> Self {
        self.keepalive_interval = Some(interval);
        self
    }

    /// Fail a connection that receives nothing for this long (see the field
    /// [`idle_timeout`](Self#structfield.idle_timeout)).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// For backends: the receive-queue bound to apply, the larger of
    /// [`max_queued_bytes`](Self::max_queued_bytes) and
    /// [`max_message_size`](Self::max_message_size), so that one message of the largest
    /// accepted size always fits.
    pub fn effective_max_queued_bytes(&self) -> usize {
        self.max_queued_bytes.max(self.max_message_size)
    }

    /// Check the options; backends call this first in `connect`.
    pub fn validate(&self) -> Result<()> {
        if let Some(msg) = &self.invalid {
            return Err(Error::invalid_input(msg.clone()));
        }
        for (i, p) in self.subprotocols.iter().enumerate() {
            if !is_token(p) {
                return Err(Error::invalid_input(format!("invalid subprotocol {p:?}")));
            }
            if self.subprotocols[..i].contains(p) {
                // Browsers throw for a repeated protocol; refuse it everywhere.
                return Err(Error::invalid_input(format!(
                    "subprotocol {p:?} offered twice"
                )));
            }
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::invalid_input(
                "connect timeout must be greater than zero",
            ));
        }
        if self.max_message_size == 0 {
            return Err(Error::invalid_input(
                "max message size must be greater than zero",
            ));
        }
        self.validate_lifecycle()
    }

    fn validate_lifecycle(&self) -> Result<()> {
        if self.close_timeout.is_zero() {
            return Err(Error::invalid_input(
                "close timeout must be greater than zero",
            ));
        }
        if self.keepalive_interval.is_some_and(|d| d.is_zero()) {
            return Err(Error::invalid_input(
                "keepalive interval must be greater than zero",
            ));
        }
        if self.idle_timeout.is_some_and(|d| d.is_zero()) {
            return Err(Error::invalid_input(
                "idle timeout must be greater than zero",
            ));
        }
        if let (Some(k), Some(i)) = (self.keepalive_interval, self.idle_timeout)
            && i < k
        {
            return Err(Error::invalid_input(format!(
                "idle timeout {} is shorter than the keepalive interval {}: \
                 the connection would time out between two pings",
                ShowDuration(i),
                ShowDuration(k)
            )));
        }
        Ok(())
    }
}

/// Parse and check a WebSocket URL: scheme `ws` or `wss`, a host, no fragment.
pub fn parse_ws_url(url: &str) -> Result<Url> {
    let parsed = crate::http::parse_url_of("WebSocket", url, ["ws", "wss"])?;
    if parsed.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "WebSocket URL {url:?} must not have a fragment"
        )));
    }
    Ok(parsed)
}

/// Opens WebSocket connections.
pub trait Transport {
    /// The connection type of this backend.
    type Connection: Connection;

    /// Connect to a `ws://` or `wss://` URL.
    ///
    /// Errors: [`ErrorKind::InvalidInput`] for a bad URL or options (checked before any I/O),
    /// [`ErrorKind::Connect`] when the peer refuses or the handshake fails,
    /// [`ErrorKind::Timeout`] past [`ConnectOptions::connect_timeout`],
    /// [`ErrorKind::Unsupported`] for options the target cannot honour.
    ///
    /// Cancel-safe: dropping the future abandons the attempt and frees its resources.
    fn connect(
        &self,
        url: &str,
        options: ConnectOptions,
    ) -> impl Future<Output = Result<Self::Connection>> + Send;
}

/// An open WebSocket connection: a [`Stream`] of received messages and a [`Sink`] of messages to
/// send. Use `futures::StreamExt::split` for independent read and write halves.
///
/// Receiving: `Text` and `Binary` in order, then `Close(frame)` with the peer's close frame, then
/// the end of the stream. A failure yields one `Err` and then the end.
///
/// Sending: `Text`/`Binary` are queued and flushed by `poll_flush`; sending `Close` starts the
/// closing handshake; anything sent after that fails with [`ErrorKind::Closed`]. `poll_close`
/// closes with 1000 if no close was sent yet.
pub trait Connection:
    Stream<Item = Result<Message>> + Sink<Message, Error = Error> + Unpin + Send + 'static
{
    /// The subprotocol the server selected, if any.
    fn protocol(&self) -> Option<&str>;

    /// Send a close frame with `code` and `reason` (validated by [`CloseFrame::new`]), flush
    /// it, and wait for the peer's answering close frame, at most
    /// [`ConnectOptions::close_timeout`]; past it the connection is closed (TCP) and this fails
    /// with [`ErrorKind::Timeout`]. Messages the peer sent before its close frame, and the close
    /// frame itself, are still delivered by the stream, which then ends.
    ///
    /// Cancel-safe: dropping the future after the frame went out leaves the closing handshake
    /// to finish in the background (bounded by the close timeout) once the connection is dropped.
    fn close_with(&mut self, code: u16, reason: &str) -> impl Future<Output = Result<()>> + Send {
        let frame = CloseFrame::new(code, reason);
        async move {
            let frame = frame?;
            futures_util::SinkExt::send(self, Message::Close(Some(frame))).await
        }
    }
}

/// The error of a connection used after it was closed.
pub fn closed_error(what: &str) -> Error {
    Error::new(
        ErrorKind::Closed,
        format!("{what}: the WebSocket connection is closed"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_follow_browser_rules() {
        for ok in [1000, 3000, 4000, 4999] {
            assert!(CloseFrame::new(ok, "x").is_ok(), "{ok}");
        }
        for bad in [0, 999, 1001, 1005, 1006, 1015, 2999, 5000] {
            assert_eq!(
                CloseFrame::new(bad, "").unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
        assert!(CloseFrame::new(1000, "a".repeat(123)).is_ok());
        assert_eq!(
            CloseFrame::new(1000, "a".repeat(124)).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        // 62 two-byte characters = 124 bytes.
        assert!(CloseFrame::new(1000, "é".repeat(62)).is_err());
        assert!(CloseFrame::new(1000, "a\0b").is_err());
    }

    #[test]
    fn ws_urls_are_checked() {
        assert!(parse_ws_url("ws://127.0.0.1:80/echo").is_ok());
        assert!(parse_ws_url("wss://[::1]/").is_ok());
        for bad in [
            "",
            "not a url",
            "http://127.0.0.1/",
            "ws://",
            "ws://127.0.0.1/#frag",
            "ftp://x/",
        ] {
            assert_eq!(
                parse_ws_url(bad).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn options_validate() {
        assert!(ConnectOptions::new().validate().is_ok());
        assert!(
            ConnectOptions::new()
                .header("bad name", "v")
                .validate()
                .is_err()
        );
        assert!(
            ConnectOptions::new()
                .header("x-ok", "bad\nvalue")
                .validate()
                .is_err()
        );
        assert!(ConnectOptions::new().subprotocol("a b").validate().is_err());
        assert!(
            ConnectOptions::new()
                .subprotocol("a")
                .subprotocol("a")
                .validate()
                .is_err()
        );
        assert!(
            ConnectOptions::new()
                .subprotocol("a")
                .subprotocol("a")
                .validate()
                .is_err()
        );
        assert!(
            ConnectOptions::new()
                .connect_timeout(Duration::ZERO)
                .validate()
                .is_err()
        );
        assert!(
            ConnectOptions::new()
                .max_message_size(0)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn lifecycle_options_validate() {
        let ms = Duration::from_millis;
        assert!(
            ConnectOptions::new()
                .close_timeout(ms(0))
                .validate()
                .is_err()
        );
        assert!(
            ConnectOptions::new()
                .keepalive_interval(ms(0))
                .validate()
                .is_err()
        );
        assert!(
            ConnectOptions::new()
                .idle_timeout(ms(0))
                .validate()
                .is_err()
        );
        let e = ConnectOptions::new()
            .keepalive_interval(ms(500))
            .idle_timeout(ms(200))
            .validate()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(
            e.to_string().contains("200 ms") && e.to_string().contains("500 ms"),
            "{e}"
        );
        assert!(
            ConnectOptions::new()
                .keepalive_interval(ms(200))
                .idle_timeout(ms(500))
                .validate()
                .is_ok()
        );
    }
}
