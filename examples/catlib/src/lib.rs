//! # catlib
//!
//! An example of what crossio is for: a library with a **synchronous C API**
//! (`include/catlib.h`) that does its networking and concurrency internally through crossio's
//! traits, and so runs unchanged natively (tokio) and in the browser
//! (`wasm32-unknown-emscripten`).
//!
//! The crate has three layers:
//! - the library logic, generic over [`crossio::Backend`]: [`fetch_text_with`],
//!   [`ws_roundtrip_with`], [`hash_with`]. It knows nothing of C or of threads;
//! - a safe Rust API over one process-wide [`crossio::DefaultBackend`]: [`init`], [`shutdown`],
//!   blocking calls that use [`Spawner::block_on`] ([`fetch_text`], [`ws_roundtrip`],
//!   [`hash_blocking`]), and callback calls that use [`Spawner::spawn`] ([`fetch_text_async`],
//!   …). Failures are a [`Failure`]: a C [`Status`] code and a message;
//! - [`ffi`]: the `extern "C"` functions of `catlib.h`, the only place with `unsafe`.
//!
//! Where blocking is not allowed (inside a catlib callback, or the browser's main thread in
//! the main-thread build) the blocking calls return [`Status::WouldBlock`] instead of freezing
//! or deadlocking: a main-thread caller uses the callback flavour, runs the blocking API on a
//! worker (the pthreads build with `-sPROXY_TO_PTHREAD`), or uses the jspi build (cargo feature
//! `jspi`, linked with `-sJSPI`), where a blocking call on the main thread suspends the wasm
//! stack through JSPI while the page keeps running.
#![warn(missing_docs)]
#![deny(unsafe_code)]

#[allow(unsafe_code)] // the C ABI: the only module that dereferences C pointers
pub mod ffi;
pub mod log;

use std::sync::Mutex;
use std::time::Duration;

use crossio::{
    Backend, ConnectOptions, Connection, DefaultBackend, ErrorKind, Message, Request, Spawner,
};
use futures_util::{SinkExt, StreamExt};

/// How long one catlib operation may take before it fails with [`Status::Timeout`].
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The status codes of `catlib.h` (`enum catlib_status`); the values are the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Status {
    /// `CATLIB_OK`: success.
    Ok = 0,
    /// `CATLIB_ERR_NULL_ARGUMENT`: a required pointer was NULL.
    NullArgument = 1,
    /// `CATLIB_ERR_BUFFER_TOO_SMALL`: the output buffer cannot hold the result and its NUL.
    BufferTooSmall = 2,
    /// `CATLIB_ERR_INVALID_UTF8`: a string argument is not UTF-8.
    InvalidUtf8 = 3,
    /// `CATLIB_ERR_NOT_INITIALIZED`: before [`init`] or after [`shutdown`].
    NotInitialized = 4,
    /// `CATLIB_ERR_WOULD_BLOCK`: a blocking call where blocking is not allowed.
    WouldBlock = 5,
    /// `CATLIB_ERR_INVALID_INPUT`: a malformed URL, an unsupported scheme, zero rounds, ….
    InvalidInput = 6,
    /// `CATLIB_ERR_CONNECT`: the connection could not be established.
    Connect = 7,
    /// `CATLIB_ERR_TIMEOUT`: no answer within [`OPERATION_TIMEOUT`].
    Timeout = 8,
    /// `CATLIB_ERR_CLOSED`: the peer closed before answering.
    Closed = 9,
    /// `CATLIB_ERR_PROTOCOL`: the peer broke the WebSocket protocol.
    Protocol = 10,
    /// `CATLIB_ERR_HTTP`: an HTTP failure, including a status other than 2xx.
    Http = 11,
    /// `CATLIB_ERR_CAPACITY`: a size limit was exceeded.
    Capacity = 12,
    /// `CATLIB_ERR_CANCELLED`: an async operation was dropped before it finished.
    Cancelled = 13,
    /// `CATLIB_ERR_PANIC`: a bug inside catlib, caught at the API boundary.
    Panic = 14,
    /// `CATLIB_ERR_IO`: an I/O error from the system or the browser.
    Io = 15,
    /// `CATLIB_ERR_UNSUPPORTED`: the target cannot do this.
    Unsupported = 16,
}

impl Status {
    /// Every status, in value order (for the header check).
    pub const ALL: [Status; 17] = [
        Status::Ok,
        Status::NullArgument,
        Status::BufferTooSmall,
        Status::InvalidUtf8,
        Status::NotInitialized,
        Status::WouldBlock,
        Status::InvalidInput,
        Status::Connect,
        Status::Timeout,
        Status::Closed,
        Status::Protocol,
        Status::Http,
        Status::Capacity,
        Status::Cancelled,
        Status::Panic,
        Status::Io,
        Status::Unsupported,
    ];

    /// The name of the constant in `catlib.h`.
    pub fn c_name(self) -> &'static str {
        match self {
            Status::Ok => "CATLIB_OK",
            Status::NullArgument => "CATLIB_ERR_NULL_ARGUMENT",
            Status::BufferTooSmall => "CATLIB_ERR_BUFFER_TOO_SMALL",
            Status::InvalidUtf8 => "CATLIB_ERR_INVALID_UTF8",
            Status::NotInitialized => "CATLIB_ERR_NOT_INITIALIZED",
            Status::WouldBlock => "CATLIB_ERR_WOULD_BLOCK",
            Status::InvalidInput => "CATLIB_ERR_INVALID_INPUT",
            Status::Connect => "CATLIB_ERR_CONNECT",
            Status::Timeout => "CATLIB_ERR_TIMEOUT",
            Status::Closed => "CATLIB_ERR_CLOSED",
            Status::Protocol => "CATLIB_ERR_PROTOCOL",
            Status::Http => "CATLIB_ERR_HTTP",
            Status::Capacity => "CATLIB_ERR_CAPACITY",
            Status::Cancelled => "CATLIB_ERR_CANCELLED",
            Status::Panic => "CATLIB_ERR_PANIC",
            Status::Io => "CATLIB_ERR_IO",
            Status::Unsupported => "CATLIB_ERR_UNSUPPORTED",
        }
    }

    /// The status for a crossio error kind.
    pub fn from_kind(kind: ErrorKind) -> Status {
        match kind {
            ErrorKind::InvalidInput => Status::InvalidInput,
            ErrorKind::Connect => Status::Connect,
            ErrorKind::Timeout => Status::Timeout,
            ErrorKind::Closed => Status::Closed,
            ErrorKind::Protocol => Status::Protocol,
            ErrorKind::Http => Status::Http,
            ErrorKind::Capacity => Status::Capacity,
            ErrorKind::Cancelled => Status::Cancelled,
            ErrorKind::Panic => Status::Panic,
            ErrorKind::Io => Status::Io,
            _ => Status::Unsupported,
        }
    }
}

/// A failed catlib call: the C status code and a message saying what was attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The code returned to C.
    pub status: Status,
    /// The text `catlib_last_error()` returns.
    pub message: String,
}

impl Failure {
    /// A failure with `status` and `message`.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// A crossio error met while doing `what`.
    pub fn from_error(what: &str, e: crossio::Error) -> Self {
        Failure::new(Status::from_kind(e.kind()), format!("{what}: {e}"))
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status.c_name())
    }
}

impl std::error::Error for Failure {}

/// The result of a catlib call.
pub type CatResult<T> = std::result::Result<T, Failure>;

// ---------------------------------------------------------------------------------------------
// The library logic: plain async code over the crossio traits, the same on every target.
// ---------------------------------------------------------------------------------------------

/// GET `url` and return the body as text; a status other than 2xx is an [`ErrorKind::Http`]
/// error naming it.
pub async fn fetch_text_with<B: Backend>(b: &B, url: &str) -> crossio::Result<String> {
    let resp = b.send(Request::get(url).build()?).await?;
    let status = resp.status();
    if !status.is_success() {
        return Err(crossio::Error::new(
            ErrorKind::Http,
            format!("GET {url} answered {status}"),
        ));
    }
    resp.text().await
}

/// Open a WebSocket to `url`, send `msg` as text, return the first text or binary reply
/// (binary decoded as lossy UTF-8), then close with 1000.
pub async fn ws_roundtrip_with<B: Backend>(b: &B, url: &str, msg: &str) -> crossio::Result<String> {
    let mut ws = b.connect(url, ConnectOptions::new()).await?;
    ws.send(Message::text(msg)).await?;
    let reply = match ws.next().await {
        Some(Ok(Message::Text(t))) => t,
        Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
        Some(Ok(Message::Close(frame))) => {
            return Err(crossio::Error::closed(format!(
                "{url} closed before replying ({frame:?})"
            )));
        }
        Some(Err(e)) => return Err(e),
        None => {
            return Err(crossio::Error::closed(format!(
                "{url} ended before replying"
            )));
        }
    };
    // The reply is what the caller wanted; a failing close does not change that.
    let _ = ws.close_with(1000, "catlib done").await;
    Ok(reply)
}

/// The FNV-1a (64-bit) offset basis: the hash of no bytes.
pub const FNV1A_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a (64-bit) over `data` repeated `rounds` times: CPU-bound, for the blocking pool.
pub fn fnv1a_rounds(data: &[u8], rounds: u32) -> u64 {
    fnv1a_continue(FNV1A_OFFSET, data, rounds)
}

/// FNV-1a (64-bit) state `h` continued over `data` repeated `rounds` times.
pub fn fnv1a_continue(mut h: u64, data: &[u8], rounds: u32) -> u64 {
    for _ in 0..rounds {
        for &byte in data {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// At most this many bytes are hashed by one `spawn_blocking` job of [`hash_with`].
pub const HASH_SLICE_BYTES: usize = 1 << 20;

/// Run [`fnv1a_rounds`] on the backend's blocking pool, in jobs of about
/// [`HASH_SLICE_BYTES`] each. On a pool of threads that costs nothing; where the pool is the
/// page's main thread (the main-thread and jspi builds) each job is a macrotask of its own, so
/// the page renders and its timers fire between them instead of freezing for the whole hash.
pub async fn hash_with<B: Backend>(b: &B, data: Vec<u8>, rounds: u32) -> crossio::Result<u64> {
    let per_job = u32::try_from(HASH_SLICE_BYTES / data.len().max(1))
        .unwrap_or(u32::MAX)
        .max(1);
    let data = std::sync::Arc::new(data);
    let (mut h, mut left) = (FNV1A_OFFSET, rounds);
    while left > 0 {
        let n = left.min(per_job);
        let d = data.clone();
        h = b.spawn_blocking(move || fnv1a_continue(h, &d, n)).await?;
        left -= n;
    }
    Ok(h)
}

// ---------------------------------------------------------------------------------------------
// The process-wide runtime and the two API flavours.
// ---------------------------------------------------------------------------------------------

static BACKEND: Mutex<Option<DefaultBackend>> = Mutex::new(None);

fn backend(what: &str) -> CatResult<DefaultBackend> {
    BACKEND
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or_else(|| {
            Failure::new(
                Status::NotInitialized,
                format!("{what}: catlib is not initialised (call catlib_init first)"),
            )
        })
}

/// Start the process-wide backend; a no-op while it runs.
pub fn init() -> CatResult<()> {
    let mut slot = BACKEND.lock().unwrap_or_else(|p| p.into_inner());
    if slot.is_some() {
        return Ok(());
    }
    let b = DefaultBackend::new()
        .map_err(|e| Failure::from_error("catlib_init: starting the crossio backend", e))?;
    *slot = Some(b);
    drop(slot);
    tracing::info!(target: "catlib", "catlib initialised");
    Ok(())
}

/// Drop the process-wide backend. Operations in flight keep their clone and finish.
pub fn shutdown() -> CatResult<()> {
    let old = BACKEND.lock().unwrap_or_else(|p| p.into_inner()).take();
    match old {
        Some(b) => {
            drop(b);
            tracing::info!(target: "catlib", "catlib shut down");
            Ok(())
        }
        None => Err(Failure::new(
            Status::NotInitialized,
            "catlib_shutdown: catlib is not initialised (already shut down?)",
        )),
    }
}

fn check_http_url(what: &str, url: &str) -> CatResult<()> {
    crossio::backend::parse_http_url(url)
        .map(drop)
        .map_err(|e| Failure::from_error(what, e))
}

fn check_ws_url(what: &str, url: &str) -> CatResult<()> {
    crossio::backend::parse_ws_url(url)
        .map(drop)
        .map_err(|e| Failure::from_error(what, e))
}

fn check_rounds(what: &str, rounds: u32) -> CatResult<()> {
    if rounds == 0 {
        return Err(Failure::new(
            Status::InvalidInput,
            format!("{what}: rounds must be at least 1"),
        ));
    }
    Ok(())
}

/// Block on `op(backend)` with [`OPERATION_TIMEOUT`]; `what` names the call in messages,
/// `instead` its callback flavour.
fn blocking<T, F, Fut>(what: &str, instead: &str, op: F) -> CatResult<T>
where
    F: FnOnce(DefaultBackend) -> Fut,
    Fut: Future<Output = crossio::Result<T>>,
{
    let b = backend(what)?;
    let fut = b.timeout(OPERATION_TIMEOUT, op(b.clone()));
    match b.block_on(fut) {
        Ok(Ok(Ok(v))) => Ok(v),
        Ok(Ok(Err(e))) | Ok(Err(e)) => Err(Failure::from_error(what, e)),
        Err(e) if e.kind() == ErrorKind::Unsupported => Err(Failure::new(
            Status::WouldBlock,
            format!(
                "{what} blocks, which is not allowed here (inside a catlib callback; on the \
                 browser's main thread unless catlib is built in jspi mode; in jspi mode while \
                 another blocking call is suspended, or in a browser without JSPI): use \
                 {instead}, or call {what} from a worker ({e})"
            ),
        )),
        Err(e) => Err(Failure::from_error(what, e)),
    }
}

/// Blocking `catlib_fetch_text`: GET `url`, return the body.
///
/// Blocks the calling thread until done or [`OPERATION_TIMEOUT`]; [`Status::WouldBlock`] at once
/// where blocking is not allowed (inside a catlib callback; the browser's main thread, except
/// in the jspi build, where the call suspends instead and the page keeps running).
pub fn fetch_text(url: &str) -> CatResult<String> {
    let what = "catlib_fetch_text";
    check_http_url(what, url)?;
    let url = url.to_owned();
    blocking(what, "catlib_fetch_text_async", move |b| async move {
        fetch_text_with(&b, &url).await
    })
}

/// Blocking `catlib_ws_roundtrip`: send `msg` to `url`, return the reply.
///
/// Blocks the calling thread until done or [`OPERATION_TIMEOUT`]; [`Status::WouldBlock`] at once
/// where blocking is not allowed (inside a catlib callback; the browser's main thread, except
/// in the jspi build, where the call suspends instead and the page keeps running).
pub fn ws_roundtrip(url: &str, msg: &str) -> CatResult<String> {
    let what = "catlib_ws_roundtrip";
    check_ws_url(what, url)?;
    let (url, msg) = (url.to_owned(), msg.to_owned());
    blocking(what, "catlib_ws_roundtrip_async", move |b| async move {
        ws_roundtrip_with(&b, &url, &msg).await
    })
}

/// Blocking `catlib_hash_blocking`: [`fnv1a_rounds`] on the pool.
///
/// Blocks the calling thread until done or [`OPERATION_TIMEOUT`]; [`Status::WouldBlock`] at once
/// where blocking is not allowed (inside a catlib callback; the browser's main thread, except
/// in the jspi build, where the call suspends instead and the page keeps running).
pub fn hash_blocking(data: &[u8], rounds: u32) -> CatResult<u64> {
    let what = "catlib_hash_blocking";
    check_rounds(what, rounds)?;
    let data = data.to_vec();
    blocking(what, "catlib_hash_async", move |b| async move {
        hash_with(&b, data, rounds).await
    })
}

/// Calls `done` exactly once: with the result, or — if the task is dropped first (runtime
/// shut down) or panics — with [`Status::Cancelled`] / [`Status::Panic`].
struct Completion<D: FnOnce(CatResult<String>)> {
    what: &'static str,
    done: Option<D>,
}

impl<D: FnOnce(CatResult<String>)> Completion<D> {
    fn finish(mut self, r: CatResult<String>) {
        if let Some(d) = self.done.take() {
            d(r)
        }
    }
}

impl<D: FnOnce(CatResult<String>)> Drop for Completion<D> {
    fn drop(&mut self) {
        if let Some(d) = self.done.take() {
            let f = if std::thread::panicking() {
                Failure::new(Status::Panic, format!("{}: catlib panicked", self.what))
            } else {
                Failure::new(
                    Status::Cancelled,
                    format!("{}: cancelled before it finished", self.what),
                )
            };
            d(Err(f))
        }
    }
}

/// Spawn `op(backend)` with [`OPERATION_TIMEOUT`]; `done` gets its result on a backend thread.
fn spawn_op<F, Fut, D>(what: &'static str, op: F, done: D) -> CatResult<()>
where
    F: FnOnce(DefaultBackend) -> Fut,
    Fut: Future<Output = crossio::Result<String>> + Send + 'static,
    D: FnOnce(CatResult<String>) + Send + 'static,
{
    let b = backend(what)?;
    let fut = b.timeout(OPERATION_TIMEOUT, op(b.clone()));
    let completion = Completion {
        what,
        done: Some(done),
    };
    // The handle is dropped: the task runs detached and reports through `done`.
    let _detached = b.spawn(async move {
        let r = match fut.await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) | Err(e) => Err(Failure::from_error(what, e)),
        };
        completion.finish(r);
    });
    Ok(())
}

/// Callback flavour of [`fetch_text`]: checks its input now, then `done` runs later.
///
/// Never blocks: input errors are returned now; otherwise `done` is called exactly once, later,
/// on a backend thread (natively a runtime thread; in the browser the main thread in the
/// main-thread build, a pool worker in the worker build).
pub fn fetch_text_async(
    url: &str,
    done: impl FnOnce(CatResult<String>) + Send + 'static,
) -> CatResult<()> {
    let what = "catlib_fetch_text_async";
    check_http_url(what, url)?;
    let url = url.to_owned();
    spawn_op(
        what,
        move |b| async move { fetch_text_with(&b, &url).await },
        done,
    )
}

/// Callback flavour of [`ws_roundtrip`].
///
/// Never blocks: input errors are returned now; otherwise `done` is called exactly once, later,
/// on a backend thread (natively a runtime thread; in the browser the main thread in the
/// main-thread build, a pool worker in the worker build).
pub fn ws_roundtrip_async(
    url: &str,
    msg: &str,
    done: impl FnOnce(CatResult<String>) + Send + 'static,
) -> CatResult<()> {
    let what = "catlib_ws_roundtrip_async";
    check_ws_url(what, url)?;
    let (url, msg) = (url.to_owned(), msg.to_owned());
    spawn_op(
        what,
        move |b| async move { ws_roundtrip_with(&b, &url, &msg).await },
        done,
    )
}

/// Callback flavour of [`hash_blocking`]: the hash as 16 lowercase hex digits.
///
/// Never blocks: input errors are returned now; otherwise `done` is called exactly once, later,
/// on a backend thread (natively a runtime thread; in the browser the main thread in the
/// main-thread build, a pool worker in the worker build).
pub fn hash_async(
    data: &[u8],
    rounds: u32,
    done: impl FnOnce(CatResult<String>) + Send + 'static,
) -> CatResult<()> {
    let what = "catlib_hash_async";
    check_rounds(what, rounds)?;
    let data = data.to_vec();
    spawn_op(
        what,
        move |b| async move { Ok(format!("{:016x}", hash_with(&b, data, rounds).await?)) },
        done,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values_match_catlib_h() {
        let header = include_str!("../include/catlib.h");
        for s in Status::ALL {
            let line = header
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{} ", s.c_name())))
                .unwrap_or_else(|| panic!("{} missing from catlib.h", s.c_name()));
            let value: i32 = line
                .split('=')
                .nth(1)
                .and_then(|v| v.trim().split([',', ' ']).next())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("cannot read the value of {line:?}"));
            assert_eq!(value, s as i32, "{}", s.c_name());
        }
        let constants = header
            .lines()
            .filter(|l| l.trim_start().starts_with("CATLIB_") && l.contains(" = "))
            .count();
        assert_eq!(
            constants,
            Status::ALL.len(),
            "catlib.h has codes Rust lacks"
        );
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a_rounds(b"", 1), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_rounds(b"a", 1), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_rounds(b"foobar", 1), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a_rounds(b"ab", 2), fnv1a_rounds(b"abab", 1));
        let half = fnv1a_rounds(b"xyz", 3);
        assert_eq!(fnv1a_continue(half, b"xyz", 4), fnv1a_rounds(b"xyz", 7));
    }

    #[test]
    fn completion_reports_cancelled_when_dropped() {
        let (tx, rx) = std::sync::mpsc::channel();
        drop(Completion {
            what: "op",
            done: Some(move |r: CatResult<String>| tx.send(r).unwrap()),
        });
        assert_eq!(rx.recv().unwrap().unwrap_err().status, Status::Cancelled);
    }
}
