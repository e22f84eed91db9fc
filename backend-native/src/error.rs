//! Mapping of tokio-tungstenite and reqwest errors to crossio's typed errors.

use crossio_core::{Error, ErrorKind};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};

/// Map a tungstenite error that happened while connecting to `url`.
pub(crate) fn ws_connect(url: &str, e: WsError) -> Error {
    let kind = match &e {
        WsError::Url(_) => ErrorKind::InvalidInput,
        WsError::Capacity(_) => ErrorKind::Capacity,
        _ => ErrorKind::Connect,
    };
    let msg = match &e {
        WsError::Http(resp) => format!(
            "connecting to {url}: the server answered the handshake with HTTP {}",
            resp.status()
        ),
        _ => match crate::tls::tls_cause(&e) {
            Some(tls) => format!("connecting to {url}: {tls}"),
            None => format!("connecting to {url}"),
        },
    };
    Error::new(kind, msg).with_source(e)
}

/// Map a tungstenite error on an open connection.
pub(crate) fn ws_io(what: &str, e: WsError) -> Error {
    let kind = match &e {
        WsError::ConnectionClosed | WsError::AlreadyClosed => ErrorKind::Closed,
        WsError::Protocol(ProtocolError::SendAfterClosing)
        | WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => ErrorKind::Closed,
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => ErrorKind::Capacity,
        WsError::Capacity(_) => ErrorKind::Capacity,
        WsError::Protocol(_) | WsError::Utf8(_) | WsError::AttackAttempt => ErrorKind::Protocol,
        // The peer vanished (reset, broken pipe, EOF mid-frame): the connection is lost, as a
        // browser reports it (close code 1006).
        WsError::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            ErrorKind::Closed
        }
        WsError::Io(_) => ErrorKind::Io,
        _ => ErrorKind::Protocol,
    };
    let msg = match (&e, kind) {
        (WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake), _)
        | (WsError::Io(_), ErrorKind::Closed) => {
            format!("{what}: the peer dropped the connection without a close frame (1006)")
        }
        (_, ErrorKind::Closed) => format!("{what}: the WebSocket connection is closed"),
        _ => what.to_owned(),
    };
    Error::new(kind, msg).with_source(e)
}

/// Map a reqwest error for a request to `url`.
pub(crate) fn http(url: &str, e: reqwest::Error) -> Error {
    http_via(url, None, e)
}

/// Map a reqwest error for a request to `url` sent through the proxy `via` (if any), which a
/// `Connect` error names.
pub(crate) fn http_via(url: &str, via: Option<&str>, e: reqwest::Error) -> Error {
    // A failure before any response head (refused, reset, unparsable status line) is a
    // `Connect` error, as browsers report it; a failure after the head is `Http`.
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_redirect() {
        ErrorKind::Http
    } else if e.is_connect() || e.is_request() {
        ErrorKind::Connect
    } else if e.is_builder() {
        ErrorKind::InvalidInput
    } else if e.is_body() || e.is_decode() {
        ErrorKind::Http
    } else {
        ErrorKind::Io
    };
    let msg = if let Some(tls) = crate::tls::tls_cause(&e) {
        format!("request to {url}: {tls}")
    } else if e.is_redirect() {
        format!("request to {url}: too many redirects")
    } else if e.is_request() && !e.is_timeout() {
        format!("request to {url}: the connection failed before a response arrived")
    } else {
        format!("request to {url}")
    };
    let msg = match via {
        Some(via) if kind == ErrorKind::Connect => format!("{msg} (through the proxy {via})"),
        _ => msg,
    };
    Error::new(kind, msg).with_source(e)
}
