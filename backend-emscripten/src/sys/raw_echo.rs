//! The size anchor a Rust user compares crossio with: the small echo of `crossio-size-echo`
//! written in Rust directly against `emscripten/websocket.h`, by hand, using nothing of
//! crossio (its own declarations below, no executor, no bridge). Connect, send one text
//! message, print the echo, close. `ci/bench.sh` builds it as `crossio-raw-echo` with the same
//! profile as the crossio echo and reports both sizes beside the C echo (`bench/csrc/echo.c`).
//!
//! Callbacks write with `writeln!` and ignore its result, so nothing here can panic across
//! the C boundary.

use std::ffi::{CString, c_char, c_int, c_void};
use std::io::Write;

use super::websocket::{CloseEvent, CreateAttributes, ErrorEvent, MessageEvent, OpenEvent};

unsafe extern "C" {
    fn emscripten_websocket_new(attributes: *mut CreateAttributes) -> c_int;
    fn emscripten_websocket_set_onopen_callback_on_thread(
        s: c_int,
        ud: *mut c_void,
        cb: extern "C" fn(c_int, *const OpenEvent, *mut c_void) -> bool,
        t: *mut c_void,
    ) -> c_int;
    fn emscripten_websocket_set_onmessage_callback_on_thread(
        s: c_int,
        ud: *mut c_void,
        cb: extern "C" fn(c_int, *const MessageEvent, *mut c_void) -> bool,
        t: *mut c_void,
    ) -> c_int;
    fn emscripten_websocket_set_onerror_callback_on_thread(
        s: c_int,
        ud: *mut c_void,
        cb: extern "C" fn(c_int, *const ErrorEvent, *mut c_void) -> bool,
        t: *mut c_void,
    ) -> c_int;
    fn emscripten_websocket_set_onclose_callback_on_thread(
        s: c_int,
        ud: *mut c_void,
        cb: extern "C" fn(c_int, *const CloseEvent, *mut c_void) -> bool,
        t: *mut c_void,
    ) -> c_int;
    fn emscripten_websocket_send_utf8_text(s: c_int, text: *const c_char) -> c_int;
    fn emscripten_websocket_close(s: c_int, code: u16, reason: *const c_char) -> c_int;
    fn emscripten_websocket_delete(s: c_int) -> c_int;
}

/// `EM_CALLBACK_THREAD_CONTEXT_CALLING_THREAD`.
const CALLING_THREAD: *mut c_void = std::ptr::without_provenance_mut(2);

extern "C" fn on_open(_t: c_int, ev: *const OpenEvent, _ud: *mut c_void) -> bool {
    // SAFETY: Emscripten passes an event valid for the call; the text is NUL-terminated.
    unsafe { emscripten_websocket_send_utf8_text((*ev).socket, c"hello".as_ptr()) };
    true
}

extern "C" fn on_message(_t: c_int, ev: *const MessageEvent, _ud: *mut c_void) -> bool {
    // SAFETY: the event and its `num_bytes` bytes of data are valid for the call (`data` may
    // be null when there are none).
    let (socket, data) = unsafe {
        let ev = &*ev;
        let data = if ev.num_bytes == 0 || ev.data.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(ev.data, ev.num_bytes as usize)
        };
        (ev.socket, data)
    };
    let text = data.strip_suffix(&[0]).unwrap_or(data);
    let _ = writeln!(std::io::stdout(), "echo: {}", String::from_utf8_lossy(text));
    // SAFETY: `socket` is the open socket of this event; the reason is NUL-terminated.
    unsafe { emscripten_websocket_close(socket, 1000, c"".as_ptr()) };
    true
}

extern "C" fn on_close(_t: c_int, ev: *const CloseEvent, _ud: *mut c_void) -> bool {
    let _ = writeln!(std::io::stdout(), "closed");
    // SAFETY: the event is valid for the call; the socket is not used after deletion.
    unsafe { emscripten_websocket_delete((*ev).socket) };
    true
}

extern "C" fn on_error(_t: c_int, _ev: *const ErrorEvent, _ud: *mut c_void) -> bool {
    let _ = writeln!(std::io::stdout(), "echo failed");
    true
}

/// Open a socket to `url` and run the echo from its callbacks; returns at once (the program's
/// `main` returns and the callbacks run from the browser's event loop). `Err` carries
/// Emscripten's result code when the socket cannot be created.
pub fn run(url: &str) -> Result<(), c_int> {
    let url = CString::new(url).map_err(|_| -5)?;
    let mut attrs = CreateAttributes {
        url: url.as_ptr(),
        protocols: std::ptr::null(),
        create_on_main_thread: true,
    };
    // SAFETY: `attrs` and the URL it points to are valid for the call (copied by Emscripten).
    let ws = unsafe { emscripten_websocket_new(&mut attrs) };
    if ws <= 0 {
        return Err(ws);
    }
    let ud = std::ptr::null_mut();
    // SAFETY: `ws` is a new socket; the callbacks are `extern "C"` functions living forever.
    unsafe {
        emscripten_websocket_set_onopen_callback_on_thread(ws, ud, on_open, CALLING_THREAD);
        emscripten_websocket_set_onmessage_callback_on_thread(ws, ud, on_message, CALLING_THREAD);
        emscripten_websocket_set_onerror_callback_on_thread(ws, ud, on_error, CALLING_THREAD);
        emscripten_websocket_set_onclose_callback_on_thread(ws, ud, on_close, CALLING_THREAD);
    }
    Ok(())
}
