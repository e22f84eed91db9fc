//! Every mapping from the browser's failures to crossio's [`ErrorKind`]s, in one place.
//!
//! The browser tells a page little: `fetch()` rejects with "network error" whatever went wrong
//! before the response head (refused, DNS, CORS, TLS, too many redirects), and a WebSocket
//! reports a close event with a code. The functions below turn those signals, and crossio's
//! own limits, into errors whose messages say what was attempted, with which URL.

use crossio_core::{CloseFrame, Error, ErrorKind, Message, Result};

use crate::sys::fetch::FailKind;

/// A fetch failure reported by the JS side. `head_seen`: the response head had arrived, so
/// the failure cut the body short.
pub(crate) fn fetch_failed(url: &str, kind: FailKind, message: &str, head_seen: bool) -> Error {
    match kind {
        FailKind::Timeout => Error::timeout(format!("request to {url}: timed out")),
        FailKind::Aborted => Error::new(
            ErrorKind::Cancelled,
            format!("request to {url}: aborted ({message})"),
        ),
        // After the head, a network failure cut the body short: like natively, that is an
        // HTTP-level failure, not a failure to connect.
        FailKind::Network if head_seen => Error::new(
            ErrorKind::Http,
            format!("request to {url}: the body was cut short by a network error ({message})"),
        ),
        FailKind::Network => Error::new(
            ErrorKind::Connect,
            format!(
                "request to {url}: network error ({message}); the browser gives no detail \
                 (refused, DNS, CORS, TLS or too many redirects)"
            ),
        ),
    }
}

/// The response head carried a status `http` cannot represent.
pub(crate) fn bad_status(url: &str, status: u16, source: http::status::InvalidStatusCode) -> Error {
    Error::new(
        ErrorKind::Http,
        format!("request to {url}: invalid status {status}"),
    )
    .with_source(source)
}

/// The browser's main thread could not be reached to start or continue an operation (the
/// runtime is shutting down).
pub(crate) fn main_thread_gone(what: &str, url: &str) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("{what} {url}: cannot reach the browser's main thread"),
    )
}

/// `emscripten_websocket_new` refused to create the socket.
pub(crate) fn socket_not_created(url: &str, code: i32) -> Error {
    Error::new(
        ErrorKind::Connect,
        format!("connecting to {url}: the browser refused to create the socket (result {code})"),
    )
}

/// The socket closed before its handshake completed. The browser says no more: for `wss://`
/// the message names TLS as a possible reason (an untrusted certificate ends the same way).
pub(crate) fn connect_failed(url: &str, code: u16) -> Error {
    let why = if code == 1015 {
        // Firefox reports a failed TLS handshake with the reserved code 1015.
        "; the TLS handshake failed"
    } else if url.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("wss:")) {
        "; the browser gives no detail (refused, unreachable, or TLS: a certificate it does \
         not trust)"
    } else {
        ""
    };
    Error::new(
        ErrorKind::Connect,
        format!("connecting to {url}: the connection failed (close code {code}){why}"),
    )
}

/// No handshake within the connect timeout.
pub(crate) fn connect_timeout(url: &str, timeout: std::time::Duration) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!(
            "connecting to {url}: no handshake within {}",
            crossio_core::backend::ShowDuration(timeout)
        ),
    )
}

/// The browser refused a send or close (`emscripten_websocket_*` result `code`).
pub(crate) fn send_refused(url: &str, what: &str, code: i32) -> Error {
    Error::closed(format!(
        "{what} on {url}: the browser refused it (result {code}); the socket is closing or gone"
    ))
}

/// A received message is larger than `max_message_size`.
pub(crate) fn message_too_large(url: &str, len: usize, max: usize) -> Error {
    Error::new(
        ErrorKind::Capacity,
        format!(
            "receiving from {url}: a {len}-byte message exceeds max_message_size ({max} bytes)"
        ),
    )
}

/// A received message would pass the bound on bytes queued for the reader.
pub(crate) fn queue_full(url: &str, queued: usize, len: usize, max: usize) -> Error {
    Error::new(
        ErrorKind::Capacity,
        format!(
            "receiving from {url}: {queued} bytes are queued for a reader that is not reading, \
             and a {len}-byte message would pass max_queued_bytes ({max} bytes)"
        ),
    )
}

/// A text message that is not UTF-8 (browsers fail the connection first; kept for safety).
pub(crate) fn text_not_utf8(url: &str, source: std::string::FromUtf8Error) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!("receiving from {url}: text is not UTF-8"),
    )
    .with_source(source)
}

/// Close codes a peer may send (RFC 6455 §7.4): browsers pass others through unchecked.
fn received_code_is_legal(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// What the reader sees when the socket's close event arrives.
pub(crate) fn close_event(url: &str, clean: bool, code: u16, reason: String) -> Result<Message> {
    if !clean && code == 1006 {
        Err(Error::closed(format!(
            "receiving from {url}: the connection was lost without a close frame (1006)"
        )))
    } else if code == 1005 {
        Ok(Message::Close(None))
    } else if !received_code_is_legal(code) {
        Err(Error::new(
            ErrorKind::Protocol,
            format!(
                "receiving from {url}: the peer closed with code {code}, which RFC 6455 does not \
                 allow on the wire"
            ),
        ))
    } else {
        Ok(Message::Close(Some(CloseFrame::received(code, reason))))
    }
}
