//! `emscripten/console.h`: lines to the JS console (`console.log`, `console.warn`,
//! `console.error`) of the thread that calls, straight from the calling thread (a pthread
//! writes to its worker's console).

use std::ffi::{CString, c_char};

mod ffi {
    use std::ffi::c_char;

    unsafe extern "C" {
        // emscripten/console.h
        pub fn emscripten_console_log(utf8: *const c_char);
        pub fn emscripten_console_warn(utf8: *const c_char);
        pub fn emscripten_console_error(utf8: *const c_char);
    }
}

/// Which console method a line goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// `console.log`
    Log,
    /// `console.warn`
    Warn,
    /// `console.error`
    Error,
}

/// Write `line` to the console (a NUL in it is shown as U+FFFD).
pub fn write(stream: Stream, line: &str) {
    let c = CString::new(line.replace('\0', "\u{fffd}")).unwrap_or_default();
    let f: unsafe extern "C" fn(*const c_char) = match stream {
        Stream::Log => ffi::emscripten_console_log,
        Stream::Warn => ffi::emscripten_console_warn,
        Stream::Error => ffi::emscripten_console_error,
    };
    // SAFETY: `c` is a NUL-terminated UTF-8 string alive for the call; the functions only read
    // it (console.h) and keep no pointer to it.
    unsafe { f(c.as_ptr()) };
}
