//! Raw-browser baselines for benchmarks: what a program would write *without* crossio, run in
//! the same page against the same server, so a benchmark can print crossio's figure next to
//! the raw one and their ratio (`crossio-bench`'s browser page does; see `ci/bench.sh`).
//!
//! - [`js_ws_echo`]: a plain JS `WebSocket` echo loop;
//! - [`js_fetch`]: a plain JS `fetch()` loop reading each body with its stream reader;
//! - [`pthread_create_join`]: `pthread_create` of an empty thread + `pthread_join`;
//! - [`raw_echo`]: the size anchor, a one-message echo written by hand on `websocket.h`;
//! - [`thread_model_ws_echo`], [`thread_model_fetch`]: worker mode's thread model written by
//!   hand in C (the loop on the calling worker, the socket or fetch on the main thread), the
//!   most a worker-mode program can reach against the JS loops, and a measure of crossio's own
//!   cost in worker mode.
//!
//! The JS loops run on the browser's main thread (started there from any thread) and time
//! themselves with `performance.now()`, so their figures hold no crossio code at all. Both copy
//! every received message or body chunk into the wasm heap, the least a wasm program has to do
//! with the bytes.
//!
//! ```no_run
//! # async fn demo() -> crossio_core::Result<()> {
//! let run = crossio_emscripten::bench::js_ws_echo("ws://127.0.0.1:9001/echo", 1024, 500).await?;
//! let per_s = 500.0 / run.elapsed.as_secs_f64();
//! println!("raw JS: {per_s:.0} round trips/s");
//! # Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crossio_core::{Error, ErrorKind, Result};

use crate::bridge::{Registry, Slot, Wake};
use crate::sys;
use crate::sys::bench::Status;

/// What one raw JS run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsRun {
    /// Time the loop took, measured in JS (`performance.now()`), excluding the socket's
    /// opening handshake for [`js_ws_echo`].
    pub elapsed: Duration,
    /// Payload bytes received (echoed messages, or body bytes over all requests).
    pub bytes: u64,
}

#[derive(Default)]
struct Run {
    result: Option<Result<JsRun>>,
    waker: Option<Waker>,
}

/// Every run in progress, by the token its JS loop reports with.
static RUNS: Registry<Run> = Registry::new();

/// Completion of run `token` (the sink of `sys::bench`, on the main thread, or inline when a
/// run could not start). Unknown tokens (a dropped [`JsRunFuture`]) are ignored.
fn on_done(token: u32, ms: f64, bytes: u64, status: Status) {
    let result = match status {
        Status::Ok => Ok(JsRun {
            elapsed: Duration::from_secs_f64(ms / 1e3),
            bytes,
        }),
        Status::SocketFailed => Err(Error::new(
            ErrorKind::Connect,
            "raw JS WebSocket loop: the socket failed or closed before the last echo",
        )),
        Status::WrongSize => Err(Error::new(
            ErrorKind::Protocol,
            "raw JS WebSocket loop: an echo came back with the wrong size",
        )),
        Status::FetchFailed => Err(Error::new(
            ErrorKind::Http,
            "raw JS fetch loop: a request or body read failed, or answered non-2xx",
        )),
        Status::NotStarted => Err(Error::invalid_input(
            "raw JS loop: could not start (NUL in the URL, a count beyond i32, or no main thread)",
        )),
    };
    RUNS.deliver(token, |s| {
        s.result = Some(result);
        Wake::none().and(s.waker.take())
    });
}

/// A raw JS run in progress; completes with its [`JsRun`]. Pollable from any thread.
/// Dropping it forgets the result (the JS loop itself runs to its end).
#[must_use = "a JsRunFuture does nothing useful unless awaited"]
pub struct JsRunFuture {
    token: u32,
    slot: Slot<Run>,
}

impl std::fmt::Debug for JsRunFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsRunFuture")
            .field("token", &self.token)
            .finish()
    }
}

impl JsRunFuture {
    fn register() -> Self {
        sys::bench::init(on_done);
        let (token, slot) = RUNS.insert(Run::default());
        JsRunFuture { token, slot }
    }
}

impl Future for JsRunFuture {
    type Output = Result<JsRun>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<JsRun>> {
        let mut s = self.slot.lock();
        match s.result.take() {
            Some(r) => Poll::Ready(r),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for JsRunFuture {
    fn drop(&mut self) {
        RUNS.remove(self.token);
    }
}

/// Open a plain JS `WebSocket` to `url` (an echo endpoint) on the main thread, then send a
/// `size`-byte binary message and wait for its echo, `round_trips` times in a row, and close.
/// `elapsed` runs from the open event to the last echo. Fails if the socket fails or closes
/// early, or an echo has the wrong size. Callable from any thread.
pub fn js_ws_echo(url: &str, size: usize, round_trips: usize) -> JsRunFuture {
    let fut = JsRunFuture::register();
    sys::bench::js_ws_echo(fut.token, url, size, round_trips.max(1));
    fut
}

/// `GET url` `requests` times with `in_flight` requests at once (each chain starts its next
/// request when its body ends), from JS `fetch()` on the main thread, reading each body to the
/// end. `elapsed` runs from the start to the last body's end. Fails on a network error or a
/// non-2xx status. Callable from any thread.
pub fn js_fetch(url: &str, requests: usize, in_flight: usize) -> JsRunFuture {
    let fut = JsRunFuture::register();
    sys::bench::js_fetch(fut.token, url, requests, in_flight);
    fut
}

/// `n` × (`pthread_create` of an empty thread + `pthread_join`), on the calling thread; the
/// total time. **Blocks** the calling thread. `None` in the main-thread build, on the
/// browser's main thread, or if a thread could not be created.
pub fn pthread_create_join(n: usize) -> Option<Duration> {
    sys::bench::pthread_create_join(n).map(|ms| Duration::from_secs_f64(ms / 1e3))
}

/// Worker mode's thread model written by hand, without crossio: `round_trips` echoes of a
/// `size`-byte binary message by C code on the **calling worker**, which it blocks; the socket
/// is a plain JS `WebSocket` on the main thread, each send is handed there one way
/// (`emscripten_proxy_async`) and each echo awaited in a futex wait that the main thread's
/// `onmessage` ends. Timed on the worker from the first send to the last echo. `None` in the
/// main-thread build, on the browser's main thread, while another thread-model run is in
/// progress, or if the socket failed or an echo came back with the wrong size.
pub fn thread_model_ws_echo(url: &str, size: usize, round_trips: usize) -> Option<Duration> {
    sys::bench::hand_ws_echo(url, size, round_trips.max(1))
        .map(|ms| Duration::from_secs_f64(ms / 1e3))
}

/// [`thread_model_ws_echo`] for HTTP: `requests` sequential GETs of `url` (each a JS `fetch()`
/// on the main thread that reads the body to its end, awaited by the calling worker in a futex
/// wait); every body must be `size` bytes. `None` as for [`thread_model_ws_echo`], or if a
/// request failed, answered non-2xx or had another length.
pub fn thread_model_fetch(url: &str, requests: usize, size: usize) -> Option<Duration> {
    sys::bench::hand_fetch(url, requests.max(1), size).map(|ms| Duration::from_secs_f64(ms / 1e3))
}

/// The size anchor of `ci/bench.sh`: the one-message echo of `crossio-size-echo` (connect to
/// `url`, send "hello", print `echo: …`, close, print `closed`) written by hand against
/// `emscripten/websocket.h` without any of crossio (`sys/raw_echo.rs`). Returns at once; the
/// echo runs from the socket's callbacks. `Err` carries Emscripten's result code when the
/// socket cannot be created.
pub fn raw_echo(url: &str) -> std::result::Result<(), i32> {
    sys::raw_echo::run(url)
}
