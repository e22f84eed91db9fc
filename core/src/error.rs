//! The one error type of crossio.

use std::borrow::Cow;
use std::fmt;

/// What kind of failure an [`Error`] is. Match on this, not on the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller passed something crossio refuses: a malformed URL, an unsupported scheme, an
    /// invalid header, a close code the protocol forbids, a zero pool size, …
    InvalidInput,
    /// The connection could not be established (refused, unreachable, DNS, handshake rejected).
    Connect,
    /// A deadline passed: a connect timeout, a request timeout or [`Spawner::timeout`](crate::Spawner::timeout).
    Timeout,
    /// The connection is closed: send after close, close twice, the peer went away.
    Closed,
    /// The peer broke the WebSocket protocol (bad frame, invalid UTF-8 in a text frame, …).
    Protocol,
    /// The HTTP exchange failed at the protocol level: too many redirects, a malformed response,
    /// a truncated body. A 4xx/5xx status is *not* an error: it is a [`Response`](crate::Response).
    Http,
    /// A configured limit was exceeded: message larger than `max_message_size`, too many bytes
    /// queued on the receive side.
    Capacity,
    /// The operation or task was cancelled (aborted task, aborted request).
    Cancelled,
    /// A spawned task panicked.
    Panic,
    /// An I/O error from the operating system or the browser.
    Io,
    /// The operation cannot be done on this target (for example custom WebSocket headers in a
    /// browser, or `block_on` on the browser's main thread).
    Unsupported,
}

impl ErrorKind {
    /// A short lowercase name of the kind, used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Connect => "connect error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Closed => "connection closed",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::Http => "http error",
            ErrorKind::Capacity => "capacity exceeded",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Panic => "task panicked",
            ErrorKind::Io => "i/o error",
            ErrorKind::Unsupported => "unsupported on this target",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error type of every crossio operation.
///
/// It carries a matchable [`kind`](Error::kind), a message saying what was attempted and with
/// which input (URL, status, close code), and optionally the underlying error as
/// [`source`](std::error::Error::source).
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
    source: Option<BoxError>,
}

/// `Result` with crossio's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with a message describing what was attempted.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attach the underlying cause, returned by [`std::error::Error::source`].
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind prefix and without the source.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Shorthand for `Error::new(ErrorKind::InvalidInput, message)`.
    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for `Error::new(ErrorKind::Unsupported, message)`.
    pub fn unsupported(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// Shorthand for `Error::new(ErrorKind::Closed, message)`.
    pub fn closed(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Closed, message)
    }

    /// Shorthand for `Error::new(ErrorKind::Timeout, message)`.
    pub fn timeout(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(s) = &self.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| &**s as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        let kind = match e.kind() {
            std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
            std::io::ErrorKind::ConnectionRefused => ErrorKind::Connect,
            std::io::ErrorKind::InvalidInput => ErrorKind::InvalidInput,
            std::io::ErrorKind::Unsupported => ErrorKind::Unsupported,
            _ => ErrorKind::Io,
        };
        Error::new(kind, "i/o operation failed").with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_message_and_source() {
        let io = std::io::Error::other("boom");
        let e = Error::new(ErrorKind::Connect, "connecting to ws://127.0.0.1:1/").with_source(io);
        assert_eq!(e.kind(), ErrorKind::Connect);
        assert_eq!(
            e.to_string(),
            "connect error: connecting to ws://127.0.0.1:1/: boom"
        );
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn io_timeout_maps_to_timeout() {
        let e: Error = std::io::Error::from(std::io::ErrorKind::TimedOut).into();
        assert_eq!(e.kind(), ErrorKind::Timeout);
    }
}
