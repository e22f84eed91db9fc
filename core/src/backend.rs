//! For backend authors: the plumbing a crossio backend is built from. Code written *against*
//! crossio (a library generic over [`Backend`](crate::Backend)) needs none of this.
//!
//! - Join handles: implement [`RawJoinHandle`] for a runtime's task handle and wrap it with
//!   [`JoinHandle::from_raw`](crate::JoinHandle::from_raw), or build a handle completed from
//!   elsewhere with [`remote_handle`] / [`RemoteCompleter`]; [`panic_message`] turns a panic
//!   payload into text.
//! - Input checks every backend applies the same way: [`parse_ws_url`], [`parse_http_url`],
//!   [`validate_close`], and the error for I/O on a closed connection, [`closed_error`].
//! - Pool settings: [`check_pool_sizes`] refuses the sizes no backend can honour.
//! - With the `tokio` feature, `tokio_join_handle` wraps a tokio task's handle.
//! - Blocking: [`mark_task`] / [`in_task`] tell `block_on` it is inside an async task (where
//!   blocking could deadlock), and [`park_block_on`] polls a future on the calling thread,
//!   parking it between wakes.
//! - Logging: [`log`] emits the `tracing` events every backend shares (`crossio::ws`,
//!   `crossio::http`, `crossio::task`), so that they read the same on every target.

#[path = "log.rs"]
pub mod log;

pub use crate::block::{MarkedTask, in_task, mark_task, park_block_on, spin_park_block_on};
pub use crate::http::parse_http_url;
pub use crate::spawn::{RawJoinHandle, RemoteCompleter, panic_message, remote_handle};
#[cfg(feature = "tokio")]
pub use crate::tokio_join::tokio_join_handle;
pub use crate::transport::{closed_error, parse_ws_url, validate_close};

/// A [`Duration`](std::time::Duration) as crossio's error messages write it: in whole seconds,
/// milliseconds, microseconds or nanoseconds, the largest unit that is exact (`30 s`, `250 ms`,
/// `1500 µs`). The same text on every target, and cheaper in a browser build than `Duration`'s
/// `Debug` (whose decimal formatting costs the wasm 1.5 KB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowDuration(pub std::time::Duration);

impl std::fmt::Display for ShowDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (s, n) = (self.0.as_secs(), u64::from(self.0.subsec_nanos()));
        if n == 0 {
            write!(f, "{s} s")
        } else if n % 1_000_000 == 0 && s < 1 << 40 {
            write!(f, "{} ms", s * 1_000 + n / 1_000_000)
        } else if n % 1_000 == 0 && s < 1 << 40 {
            write!(f, "{} \u{b5}s", s * 1_000_000 + n / 1_000)
        } else if s < 1 << 30 {
            write!(f, "{} ns", s * 1_000_000_000 + n)
        } else {
            write!(f, "{s}.{n:09} s")
        }
    }
}

/// Refuse a thread-pool size of zero, naming the setting (`worker_threads`,
/// `max_blocking_threads`): the builder check every backend with a pool applies.
pub fn check_pool_sizes(
    worker_threads: Option<usize>,
    max_blocking_threads: Option<usize>,
) -> crate::Result<()> {
    for (name, n) in [
        ("worker_threads", worker_threads),
        ("max_blocking_threads", max_blocking_threads),
    ] {
        if n == Some(0) {
            return Err(crate::Error::invalid_input(format!(
                "{name} must be at least 1"
            )));
        }
    }
    Ok(())
}

/// Standard base64 (RFC 4648 alphabet, padded): a proxy's `Basic` credentials natively, the
/// test server's certificate fingerprint.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod base64_tests {
    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(plain.as_bytes()), coded);
        }
    }
}

#[cfg(test)]
mod duration_tests {
    use super::ShowDuration;
    use std::time::Duration;

    #[test]
    fn durations_in_their_largest_exact_unit() {
        let show = |d| ShowDuration(d).to_string();
        assert_eq!(show(Duration::ZERO), "0 s");
        assert_eq!(show(Duration::from_secs(30)), "30 s");
        assert_eq!(show(Duration::from_millis(250)), "250 ms");
        assert_eq!(show(Duration::from_millis(1500)), "1500 ms");
        assert_eq!(show(Duration::from_micros(1500)), "1500 \u{b5}s");
        assert_eq!(show(Duration::from_nanos(7)), "7 ns");
        assert_eq!(show(Duration::MAX), "18446744073709551615.999999999 s");
    }
}
