//! FFI to `emscripten/websocket.h` (hand-written; layouts checked by [`check_layout`]) and the
//! safe main-thread wrappers the transport uses.
//!
//! Every function here must run on the browser's main thread (the transport calls them from
//! `run_on_main`): sockets are created there, and their callbacks run there. A socket's
//! callbacks carry the caller's key as their user data and report every event as
//! `(key, Event)` to the sink registered with [`init`].

use std::ffi::{CString, c_char, c_int, c_void};
use std::mem::{offset_of, size_of};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::guarded;

/// `EMSCRIPTEN_WEBSOCKET_T`.
pub type SocketId = c_int;

/// `EmscriptenWebSocketOpenEvent`.
#[repr(C)]
pub struct OpenEvent {
    pub socket: SocketId,
}

/// `EmscriptenWebSocketMessageEvent`.
#[repr(C)]
pub struct MessageEvent {
    pub socket: SocketId,
    pub data: *mut u8,
    pub num_bytes: u32,
    pub is_text: bool,
}

/// `EmscriptenWebSocketErrorEvent`.
#[repr(C)]
pub struct ErrorEvent {
    pub socket: SocketId,
}

/// `EmscriptenWebSocketCloseEvent`.
#[repr(C)]
pub struct CloseEvent {
    pub socket: SocketId,
    pub was_clean: bool,
    pub code: u16,
    pub reason: [c_char; 512],
}

/// `EmscriptenWebSocketCreateAttributes`.
#[repr(C)]
pub struct CreateAttributes {
    pub url: *const c_char,
    pub protocols: *const c_char,
    pub create_on_main_thread: bool,
}

type OpenCb = extern "C" fn(c_int, *const OpenEvent, *mut c_void) -> bool;
type MessageCb = extern "C" fn(c_int, *const MessageEvent, *mut c_void) -> bool;
type ErrorCb = extern "C" fn(c_int, *const ErrorEvent, *mut c_void) -> bool;
type CloseCb = extern "C" fn(c_int, *const CloseEvent, *mut c_void) -> bool;

/// `EM_CALLBACK_THREAD_CONTEXT_MAIN_RUNTIME_THREAD`.
const MAIN_RUNTIME_THREAD: *mut c_void = std::ptr::without_provenance_mut(1);

unsafe extern "C" {
    // emscripten/eventloop.h
    fn emscripten_runtime_keepalive_push();
    fn emscripten_runtime_keepalive_pop();
    fn emscripten_websocket_new(attributes: *mut CreateAttributes) -> SocketId;
    fn emscripten_websocket_set_onopen_callback_on_thread(
        s: SocketId,
        ud: *mut c_void,
        cb: OpenCb,
        t: *mut c_void,
    ) -> c_int;
    fn emscripten_websocket_set_onmessage_callback_on_thread(
        s: SocketId,
        ud: *mut c_void,
        cb: MessageCb,
        t: *mut c_void,
    ) -> c_int;
    fn emscripten_websocket_set_onerror_callback_on_thread(
        s: SocketId,
        ud: *mut c_void,
        cb: ErrorCb,
        t: *mut c_void,
    ) -> c_int;
    fn emscripten_websocket_set_onclose_callback_on_thread(
        s: SocketId,
        ud: *mut c_void,
        cb: CloseCb,
        t: *mut c_void,
    ) -> c_int;
    fn emscripten_websocket_send_binary(s: SocketId, data: *const c_void, len: u32) -> c_int;
    fn emscripten_websocket_close(s: SocketId, code: u16, reason: *const c_char) -> c_int;
    fn emscripten_websocket_delete(s: SocketId) -> c_int;
    fn emscripten_websocket_get_protocol_length(s: SocketId, len: *mut c_int) -> c_int;
    fn emscripten_websocket_get_protocol(s: SocketId, out: *mut c_char, len: c_int) -> c_int;
    fn emscripten_websocket_get_buffered_amount(s: SocketId, out: *mut usize) -> c_int;
    // csrc/glue.c
    fn crossio_ws_send_text(s: SocketId, data: *const u8, len: u32) -> c_int;
    fn crossio_ws_layout(out: *mut u32, n: c_int) -> c_int;
}

/// A socket's event, as its callback reports it to the sink.
#[derive(Debug)]
pub enum Event<'a> {
    /// The handshake completed; the server's chosen subprotocol, if any.
    Open(Option<String>),
    /// A message; for text, the UTF-8 without Emscripten's trailing NUL. Borrowed for the
    /// callback's duration only: the sink copies what it keeps.
    Message {
        /// The payload.
        data: &'a [u8],
        /// Text (true) or binary.
        is_text: bool,
    },
    /// The browser reported an error (a close event follows).
    Error,
    /// The socket closed.
    Close {
        /// The closing handshake completed.
        was_clean: bool,
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
}

/// Where socket events go: `(the key given to [`Socket::open`], the event)`. It must not block.
pub type Sink = fn(u32, Event<'_>);

static SINK: OnceLock<Sink> = OnceLock::new();

/// Register the event sink (once; later calls keep the first sink).
pub fn init(sink: Sink) {
    let _ = SINK.set(sink);
}

fn report(ud: *mut c_void, event: Event<'_>) {
    if let Some(sink) = SINK.get() {
        sink(ud as usize as u32, event);
    }
}

static LIVE_SOCKETS: AtomicUsize = AtomicUsize::new(0);
static LIVE_CALLBACKS: AtomicUsize = AtomicUsize::new(0);

/// Sockets created and not yet deleted.
pub fn live_sockets() -> usize {
    LIVE_SOCKETS.load(Ordering::SeqCst)
}

/// Sockets whose callbacks are registered (not yet unregistered by deletion).
pub fn live_callbacks() -> usize {
    LIVE_CALLBACKS.load(Ordering::SeqCst)
}

/// An open socket with its callbacks registered. Dropping it deletes the socket, which
/// unregisters the callbacks. Main thread only.
pub struct Socket {
    id: SocketId,
}

extern "C" fn on_open(_t: c_int, ev: *const OpenEvent, ud: *mut c_void) -> bool {
    guarded("websocket open", || {
        // SAFETY: Emscripten passes a valid event for the duration of the call.
        let id = unsafe { (*ev).socket };
        report(ud, Event::Open(protocol(id)));
    });
    true
}

extern "C" fn on_message(_t: c_int, ev: *const MessageEvent, ud: *mut c_void) -> bool {
    guarded("websocket message", || {
        // SAFETY: valid for the call; `data` points to `num_bytes` bytes freed after we return,
        // so the sink copies what it keeps.
        let (data, is_text) = unsafe {
            let ev = &*ev;
            let mut len = ev.num_bytes as usize;
            if ev.is_text && len > 0 {
                len -= 1; // Emscripten counts the NUL terminator it appends to text.
            }
            let data = if len == 0 {
                &[][..]
            } else {
                std::slice::from_raw_parts(ev.data, len)
            };
            (data, ev.is_text)
        };
        report(ud, Event::Message { data, is_text });
    });
    true
}

extern "C" fn on_error(_t: c_int, _ev: *const ErrorEvent, ud: *mut c_void) -> bool {
    guarded("websocket error", || report(ud, Event::Error));
    true
}

extern "C" fn on_close(_t: c_int, ev: *const CloseEvent, ud: *mut c_void) -> bool {
    guarded("websocket close", || {
        // SAFETY: valid for the call; `reason` is NUL-terminated within its 512 bytes.
        let (was_clean, code, reason) = unsafe {
            let ev = &*ev;
            let bytes: Vec<u8> = ev
                .reason
                .iter()
                .take_while(|&&c| c != 0)
                .map(|&c| c as u8)
                .collect();
            (
                ev.was_clean,
                ev.code,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        };
        report(
            ud,
            Event::Close {
                was_clean,
                code,
                reason,
            },
        );
    });
    true
}

/// `EMSCRIPTEN_RESULT_SUCCESS` (0) as `Ok`, any other result code as `Err`.
fn result(code: c_int) -> Result<(), c_int> {
    if code == 0 { Ok(()) } else { Err(code) }
}

fn protocol(id: SocketId) -> Option<String> {
    let mut len: c_int = 0;
    // SAFETY: `len` is a valid out pointer.
    if unsafe { emscripten_websocket_get_protocol_length(id, &mut len) } != 0 || len <= 1 {
        return None;
    }
    let mut buf = vec![0 as c_char; len as usize];
    // SAFETY: `buf` has room for `len` bytes including the NUL.
    if unsafe { emscripten_websocket_get_protocol(id, buf.as_mut_ptr(), len) } != 0 {
        return None;
    }
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    Some(String::from_utf8_lossy(&bytes).into_owned()).filter(|s| !s.is_empty())
}

impl Socket {
    /// Create a socket to `url` offering `protocols` (comma-separated, may be empty); its
    /// events go to the sink with `key`. `Err` carries Emscripten's result code.
    pub fn open(url: &str, protocols: &str, key: u32) -> Result<Socket, c_int> {
        let url = CString::new(url).map_err(|_| -5)?;
        let protocols = CString::new(protocols).map_err(|_| -5)?;
        let mut attrs = CreateAttributes {
            url: url.as_ptr(),
            protocols: if protocols.as_bytes().is_empty() {
                std::ptr::null()
            } else {
                protocols.as_ptr()
            },
            create_on_main_thread: true,
        };
        // SAFETY: the strings outlive the call, which copies them.
        let id = unsafe { emscripten_websocket_new(&mut attrs) };
        if id <= 0 {
            return Err(id);
        }
        LIVE_SOCKETS.fetch_add(1, Ordering::SeqCst);
        LIVE_CALLBACKS.fetch_add(1, Ordering::SeqCst);
        // An open socket keeps the runtime alive until it is deleted (a program whose main
        // returned, built with EXIT_RUNTIME, would otherwise exit while it waits for events).
        // SAFETY: a counter of this (the main) thread's runtime; `Drop` pops it, on this thread
        // too (sockets live in a main-thread table).
        unsafe { emscripten_runtime_keepalive_push() };
        let ud = key as usize as *mut c_void;
        // SAFETY: the user data is a plain integer key, not a pointer that owns anything; the
        // callbacks are plain functions that live for the program's life.
        unsafe {
            emscripten_websocket_set_onopen_callback_on_thread(
                id,
                ud,
                on_open,
                MAIN_RUNTIME_THREAD,
            );
            emscripten_websocket_set_onmessage_callback_on_thread(
                id,
                ud,
                on_message,
                MAIN_RUNTIME_THREAD,
            );
            emscripten_websocket_set_onerror_callback_on_thread(
                id,
                ud,
                on_error,
                MAIN_RUNTIME_THREAD,
            );
            emscripten_websocket_set_onclose_callback_on_thread(
                id,
                ud,
                on_close,
                MAIN_RUNTIME_THREAD,
            );
        }
        Ok(Socket { id })
    }

    /// Send a text frame. `Err` carries Emscripten's (or the glue's) result code.
    pub fn send_text(&self, text: &str) -> Result<(), c_int> {
        let len = u32::try_from(text.len()).map_err(|_| -5)?;
        // SAFETY: `text` is valid for `len` bytes during the call, which copies it.
        result(unsafe { crossio_ws_send_text(self.id, text.as_ptr(), len) })
    }

    /// Send a binary frame. `Err` carries Emscripten's result code.
    pub fn send_binary(&self, data: &[u8]) -> Result<(), c_int> {
        let len = u32::try_from(data.len()).map_err(|_| -5)?;
        // SAFETY: `data` is valid for `len` bytes during the call, which copies it.
        result(unsafe {
            emscripten_websocket_send_binary(self.id, data.as_ptr() as *const c_void, len)
        })
    }

    /// Start the closing handshake (a no-op for the browser if it is already closing).
    /// `Err` carries Emscripten's result code.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), c_int> {
        let reason = CString::new(reason).map_err(|_| -5)?;
        // SAFETY: `reason` outlives the call.
        result(unsafe { emscripten_websocket_close(self.id, code, reason.as_ptr()) })
    }

    /// Bytes queued by `send` and not yet transmitted.
    pub fn buffered_amount(&self) -> usize {
        let mut n: usize = 0;
        // SAFETY: `n` is a valid out pointer.
        unsafe { emscripten_websocket_get_buffered_amount(self.id, &mut n) };
        n
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: `id` is a socket this value created and nobody else deletes. Deleting it
        // unregisters its callbacks; a failure (an id Emscripten no longer knows) leaves
        // nothing to free.
        unsafe { emscripten_websocket_delete(self.id) };
        // SAFETY: pops the keepalive `open` pushed, on the same thread.
        unsafe { emscripten_runtime_keepalive_pop() };
        LIVE_SOCKETS.fetch_sub(1, Ordering::SeqCst);
        LIVE_CALLBACKS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Compare the Rust mirrors of websocket.h's structs with the C compiler's layout of the
/// installed header. `Err` names the first mismatch.
pub fn check_layout() -> Result<(), String> {
    let rust: [(&str, usize); 14] = [
        ("sizeof OpenEvent", size_of::<OpenEvent>()),
        ("sizeof MessageEvent", size_of::<MessageEvent>()),
        ("MessageEvent.data", offset_of!(MessageEvent, data)),
        ("MessageEvent.numBytes", offset_of!(MessageEvent, num_bytes)),
        ("MessageEvent.isText", offset_of!(MessageEvent, is_text)),
        ("sizeof ErrorEvent", size_of::<ErrorEvent>()),
        ("sizeof CloseEvent", size_of::<CloseEvent>()),
        ("CloseEvent.wasClean", offset_of!(CloseEvent, was_clean)),
        ("CloseEvent.code", offset_of!(CloseEvent, code)),
        ("CloseEvent.reason", offset_of!(CloseEvent, reason)),
        ("sizeof CreateAttributes", size_of::<CreateAttributes>()),
        ("CreateAttributes.url", offset_of!(CreateAttributes, url)),
        (
            "CreateAttributes.protocols",
            offset_of!(CreateAttributes, protocols),
        ),
        (
            "CreateAttributes.createOnMainThread",
            offset_of!(CreateAttributes, create_on_main_thread),
        ),
    ];
    let mut c = [0u32; 14];
    // SAFETY: `c` has room for the 14 values requested.
    let n = unsafe { crossio_ws_layout(c.as_mut_ptr(), c.len() as c_int) };
    if n as usize != rust.len() {
        return Err(format!(
            "C reports {n} layout values, Rust expects {}",
            rust.len()
        ));
    }
    for ((name, r), c) in rust.iter().zip(c) {
        if *r != c as usize {
            return Err(format!("{name}: Rust {r}, C header {c}"));
        }
    }
    Ok(())
}
