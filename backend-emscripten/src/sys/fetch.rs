//! The browser's `fetch()`, bound in `csrc/fetch.c` (EM_JS). Safe wrappers; the JS functions
//! run on the browser's main thread only, so [`start`], [`read`] and [`abort`] must be called
//! there (hand them over with [`super::run_on_main`]).
//!
//! Results arrive as `(id, Event)` on the main thread, at the sink registered with [`init`];
//! the C side frees every string and chunk after the sink has copied it.
//!
//! The body is pushed: the JS side starts reading as soon as the response arrives (so a small
//! body's first chunk and end follow the head without being asked for) and goes on reading while
//! the sink answers [`Flow::More`] to each chunk; after [`Flow::Pause`] it waits for [`read`].

use std::ffi::{CStr, CString, c_char, c_double, c_int};
use std::sync::OnceLock;

use bytes::Bytes;

use super::guarded;

mod ffi {
    use std::ffi::{c_char, c_double, c_int};

    pub type HeadFn = extern "C" fn(c_int, c_int, *const c_char, *const c_char, c_double);
    pub type ChunkFn = extern "C" fn(c_int, *const u8, usize, c_int) -> c_int;
    pub type ErrorFn = extern "C" fn(c_int, c_int, *const c_char);

    unsafe extern "C" {
        // csrc/fetch.c
        pub fn crossio_fetch_init(head: HeadFn, chunk: ChunkFn, error: ErrorFn);
        pub fn crossio_fetch_start(
            id: c_int,
            method: *const c_char,
            url: *const c_char,
            headers: *const c_char,
            body: *const u8,
            body_len: usize,
            timeout_ms: c_double,
            credentials: c_int,
        );
        pub fn crossio_fetch_read(id: c_int);
        pub fn crossio_fetch_abort(id: c_int);
    }
}

/// Why a fetch failed, as the JS side classifies the rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailKind {
    /// The request's own deadline passed (the JS timer aborted it).
    Timeout,
    /// Aborted (by [`abort`], or the fetch was already gone).
    Aborted,
    /// `fetch()` or the body read rejected: network failure, CORS refusal, too many redirects.
    Network,
}

/// What the JS side reports about fetch `id`.
#[derive(Debug)]
pub enum Event {
    /// The response head.
    Head {
        /// Status code.
        status: u16,
        /// `name:value\n` lines; each value's bytes as code points U+0000..U+00FF.
        headers: String,
        /// The final URL (after redirects).
        url: String,
        /// `Content-Length`, when announced and the body is known not to be content-encoded (the
        /// glue can see `Content-Encoding`); otherwise `None`.
        content_length: Option<u64>,
    },
    /// A non-empty body chunk.
    Chunk(Bytes),
    /// The end of the body.
    End,
    /// The exchange failed; the JS side has forgotten `id`.
    Failed(FailKind, String),
}

/// The sink's answer to an event: whether the JS side reads the next chunk of the body now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read on (the answer that matters only for [`Event::Chunk`]).
    More,
    /// Stop reading until [`read`] is called for this id.
    Pause,
}

/// Where fetch events go: `(the id given to [`start`], the event)`. It must not block.
pub type Sink = fn(u32, Event) -> Flow;

static SINK: OnceLock<Sink> = OnceLock::new();

fn report(id: c_int, event: Event) -> Flow {
    match SINK.get() {
        Some(sink) => sink(id as u32, event),
        None => Flow::Pause,
    }
}

/// Copy a C string from the JS side (lossy UTF-8; null gives an empty string).
///
/// # Safety
/// `p` is null or a NUL-terminated string valid for the duration of the call.
unsafe fn copy_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the caller guarantees a valid NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

extern "C" fn on_head(
    id: c_int,
    status: c_int,
    headers: *const c_char,
    url: *const c_char,
    len: c_double,
) {
    guarded("fetch head", || {
        // SAFETY: C passes NUL-terminated strings it frees only after this returns.
        let (headers, url) = unsafe { (copy_str(headers), copy_str(url)) };
        let content_length = (len >= 0.0 && len.is_finite()).then_some(len as u64);
        let status = u16::try_from(status).unwrap_or(0);
        let _flow = report(
            id,
            Event::Head {
                status,
                headers,
                url,
                content_length,
            },
        );
    });
}

/// Returns 1 when the JS side may read the next chunk at once, 0 when it waits for [`read`]
/// (also after a panic, so a broken sink never has the whole body pushed at it).
extern "C" fn on_chunk(id: c_int, data: *const u8, len: usize, done: c_int) -> c_int {
    let mut more = 0;
    guarded("fetch chunk", || {
        let ev = if done != 0 {
            Event::End
        } else if data.is_null() || len == 0 {
            Event::Chunk(Bytes::new())
        } else {
            // SAFETY: C passes `len` readable bytes at `data`, freed only after this returns.
            let slice = unsafe { std::slice::from_raw_parts(data, len) };
            Event::Chunk(Bytes::copy_from_slice(slice))
        };
        more = c_int::from(report(id, ev) == Flow::More);
    });
    more
}

extern "C" fn on_error(id: c_int, kind: c_int, message: *const c_char) {
    guarded("fetch error", || {
        // SAFETY: C passes a NUL-terminated string it frees only after this returns.
        let message = unsafe { copy_str(message) };
        let kind = match kind {
            1 => FailKind::Timeout,
            2 => FailKind::Aborted,
            _ => FailKind::Network,
        };
        let _flow = report(id, Event::Failed(kind, message));
    });
}

/// Register the event sink and the C callbacks (idempotent, the first sink stays; from any
/// thread, before the first [`start`]). Also links `csrc/fetch.c`, whose EM_JS code is kept
/// only when Rust calls a defined C function of it.
pub fn init(sink: Sink) {
    let _ = SINK.set(sink);
    // SAFETY: stores three function pointers that stay valid for the program's life.
    unsafe { ffi::crossio_fetch_init(on_head, on_chunk, on_error) };
}

/// What [`start`] sends.
#[derive(Debug)]
pub struct Init<'a> {
    /// The method.
    pub method: &'a str,
    /// The URL.
    pub url: &'a str,
    /// `name:value\n` lines.
    pub headers: &'a str,
    /// The body (ignored for GET and HEAD).
    pub body: &'a [u8],
    /// The deadline in ms; ≤ 0: none.
    pub timeout_ms: f64,
    /// `fetch()`'s `credentials`: 0 omit, 1 same-origin, 2 include.
    pub credentials: i32,
}

/// Start fetch `id` on the main thread. The JS side copies everything before this returns.
/// Strings with a NUL cannot be passed: the caller validated them.
pub fn start(id: u32, init: &Init<'_>) {
    let (Ok(method), Ok(url), Ok(headers)) = (
        CString::new(init.method),
        CString::new(init.url),
        CString::new(init.headers),
    ) else {
        let _flow = report(
            id as c_int,
            Event::Failed(FailKind::Network, "NUL byte in the request".into()),
        );
        return;
    };
    debug_assert!(super::threading::is_main_browser_thread());
    // SAFETY: main thread (the caller's contract); every pointer is valid for the call, and
    // the JS side copies the strings and the body before returning.
    unsafe {
        ffi::crossio_fetch_start(
            id as c_int,
            method.as_ptr(),
            url.as_ptr(),
            headers.as_ptr(),
            init.body.as_ptr(),
            init.body.len(),
            init.timeout_ms,
            init.credentials,
        )
    };
}

/// Resume reading fetch `id`'s body after the sink answered [`Flow::Pause`] (main thread):
/// chunks follow while the sink answers [`Flow::More`], then `End` or `Failed`. An unknown id
/// is answered with `Failed`.
pub fn read(id: u32) {
    // SAFETY: main thread (the caller's contract); an unknown id is answered with `Failed`.
    unsafe { ffi::crossio_fetch_read(id as c_int) };
}

/// Abort fetch `id` and forget it (main thread); no event for it follows. Unknown ids are ignored.
pub fn abort(id: u32) {
    // SAFETY: main thread (the caller's contract); an unknown id is a no-op.
    unsafe { ffi::crossio_fetch_abort(id as c_int) };
}
