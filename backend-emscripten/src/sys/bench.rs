//! Raw-browser baselines for benchmarks, bound in `csrc/bench.c` (EM_JS): a plain JS WebSocket
//! echo loop, a plain JS `fetch()` loop, `pthread_create` + `pthread_join`, and worker mode's
//! thread model written by hand in C (`hand_ws_echo`, `hand_fetch`). Safe wrappers;
//! the JS loops are started on the browser's main thread (handed over with
//! [`super::proxying::run_on_main`]) and report once, on the main thread, to the sink given
//! registered with [`init`].

use std::ffi::{CString, c_char, c_double, c_int};
use std::sync::OnceLock;

use super::guarded;

mod ffi {
    use std::ffi::{c_char, c_double, c_int};

    pub type DoneFn = extern "C" fn(c_int, c_double, c_double, c_int);

    unsafe extern "C" {
        // csrc/bench.c
        pub fn crossio_bench_init(done: DoneFn);
        pub fn crossio_bench_js_ws_echo(
            token: c_int,
            url: *const c_char,
            size: c_int,
            round_trips: c_int,
        );
        pub fn crossio_bench_js_fetch(
            token: c_int,
            url: *const c_char,
            requests: c_int,
            in_flight: c_int,
        );
        pub fn crossio_bench_pthread_create_join(n: c_int) -> c_double;
        pub fn crossio_bench_hand_ws_echo(
            url: *const c_char,
            size: c_int,
            round_trips: c_int,
        ) -> c_double;
        pub fn crossio_bench_hand_fetch(
            url: *const c_char,
            requests: c_int,
            size: c_int,
        ) -> c_double;
    }
}

/// How a JS loop ended (the C side's status codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every round trip or request completed.
    Ok,
    /// The socket failed or closed before the loop ended.
    SocketFailed,
    /// An echo came back with the wrong size.
    WrongSize,
    /// A `fetch()` or a body read failed, or the status was not 2xx.
    FetchFailed,
    /// The run could not be started (no main thread to hand it to, bad arguments).
    NotStarted,
}

extern "C" fn on_done(token: c_int, ms: c_double, bytes: c_double, status: c_int) {
    guarded("bench done", || {
        let status = match status {
            0 => Status::Ok,
            1 => Status::SocketFailed,
            2 => Status::WrongSize,
            _ => Status::FetchFailed,
        };
        let bytes = if bytes.is_finite() && bytes > 0.0 {
            bytes as u64
        } else {
            0
        };
        report(token as u32, ms.max(0.0), bytes, status);
    });
}

/// Where a run's result goes: `(token, elapsed ms, bytes, status)`. It must not block.
pub type Sink = fn(u32, f64, u64, Status);

static SINK: OnceLock<Sink> = OnceLock::new();

fn report(token: u32, ms: f64, bytes: u64, status: Status) {
    if let Some(sink) = SINK.get() {
        sink(token, ms, bytes, status);
    }
}

/// Register the sink and the C callback (idempotent, the first sink stays; any thread). Also
/// links `csrc/bench.c`, whose EM_JS code is kept only when Rust calls a defined C function of it.
pub fn init(sink: Sink) {
    let _ = SINK.set(sink);
    // SAFETY: stores a function pointer that stays valid for the program's life.
    unsafe { ffi::crossio_bench_init(on_done) };
}

fn c_int_of(n: usize) -> Option<c_int> {
    c_int::try_from(n).ok()
}

/// Start the JS WebSocket echo loop for run `token` on the main thread (from any thread);
/// exactly one report for `token` follows.
pub fn js_ws_echo(token: u32, url: &str, size: usize, round_trips: usize) {
    let (Ok(url), Some(size), Some(n)) = (CString::new(url), c_int_of(size), c_int_of(round_trips))
    else {
        report(token, 0.0, 0, Status::NotStarted);
        return;
    };
    let queued = super::proxying::run_on_main(Box::new(move || {
        // SAFETY: runs on the main thread, where the JS loop must start; `url` is a valid
        // NUL-terminated string for the call, which copies it.
        unsafe { ffi::crossio_bench_js_ws_echo(token as c_int, url.as_ptr(), size, n) }
    }));
    if !queued {
        report(token, 0.0, 0, Status::NotStarted);
    }
}

/// Start the JS fetch loop for run `token` on the main thread (from any thread); exactly one
/// report for `token` follows.
pub fn js_fetch(token: u32, url: &str, requests: usize, in_flight: usize) {
    let (Ok(url), Some(requests), Some(in_flight)) =
        (CString::new(url), c_int_of(requests), c_int_of(in_flight))
    else {
        report(token, 0.0, 0, Status::NotStarted);
        return;
    };
    let queued = super::proxying::run_on_main(Box::new(move || {
        // SAFETY: runs on the main thread, where the JS loop must start; `url` is a valid
        // NUL-terminated string for the call, which copies it.
        unsafe {
            ffi::crossio_bench_js_fetch(token as c_int, url.as_ptr(), requests, in_flight.max(1))
        }
    }));
    if !queued {
        report(token, 0.0, 0, Status::NotStarted);
    }
}

/// `n` × (`pthread_create` of an empty thread + `pthread_join`) on the calling thread, in ms;
/// `None` without pthreads, on the browser's main thread (where joining would block the
/// page), or if a create failed.
pub fn pthread_create_join(n: usize) -> Option<f64> {
    if super::threading::is_main_browser_thread() {
        return None;
    }
    let n = c_int_of(n)?;
    // SAFETY: not the browser's main thread (checked above), so blocking in pthread_join is
    // allowed; the C function takes no pointers.
    let ms = unsafe { ffi::crossio_bench_pthread_create_join(n) };
    (ms >= 0.0).then_some(ms)
}

/// Worker mode's thread model by hand (`csrc/bench.c`): `round_trips` echoes of a `size`-byte
/// message, C on the calling worker, the socket a plain JS one on the main thread, each send
/// handed over one way and each echo awaited in a futex wait. Elapsed ms; `None` without
/// pthreads, on the browser's main thread, while another such run is in progress, or if the
/// socket failed or an echo had the wrong size. **Blocks** the calling thread.
pub fn hand_ws_echo(url: &str, size: usize, round_trips: usize) -> Option<f64> {
    hand_loop(ffi::crossio_bench_hand_ws_echo, url, size, round_trips)
}

/// Worker mode's thread model by hand (`csrc/bench.c`): `requests` sequential GETs of `url`,
/// each a JS `fetch()` on the main thread reading the body to its end, awaited by C on the
/// calling worker in a futex wait; each body must be `size` bytes. Elapsed ms; `None` as for
/// [`hand_ws_echo`]. **Blocks** the calling thread.
pub fn hand_fetch(url: &str, requests: usize, size: usize) -> Option<f64> {
    hand_loop(ffi::crossio_bench_hand_fetch, url, requests, size)
}

/// Run one of the C thread-model loops, `loop_fn(url, a, b)`, on the calling worker.
fn hand_loop(
    loop_fn: unsafe extern "C" fn(*const c_char, c_int, c_int) -> c_double,
    url: &str,
    a: usize,
    b: usize,
) -> Option<f64> {
    if super::threading::is_main_browser_thread() {
        return None;
    }
    let (url, a, b) = (CString::new(url).ok()?, c_int_of(a)?, c_int_of(b)?);
    // SAFETY: `loop_fn` is one of csrc/bench.c's hand loops; not the browser's main thread
    // (checked above), so their futex waits are allowed; `url` is a valid NUL-terminated string
    // for the call, which copies it.
    let ms = unsafe { loop_fn(url.as_ptr(), a, b) };
    (ms >= 0.0).then_some(ms)
}
