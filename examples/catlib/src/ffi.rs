//! The C ABI of `include/catlib.h`: the only module of catlib with `unsafe`.
//!
//! Each function turns C arguments into Rust values (checking NULL and UTF-8), calls the safe
//! API of the crate root, and writes the result back. Every body runs inside
//! [`std::panic::catch_unwind`], so a bug in catlib is [`Status::Panic`], never an unwind into
//! C. The functions are `unsafe` to call from Rust: the pointers must be valid as `catlib.h`
//! describes (NULL is always allowed and reported).

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::{CatResult, Failure, Status};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: &str) {
    // Interior NULs cannot be represented in a C string: show them as U+FFFD.
    let c = CString::new(message.replace('\0', "\u{fffd}")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// Run `body` as the body of C function `what`: catch panics, record the last error, return
/// the status code.
fn guard(what: &str, body: impl FnOnce() -> CatResult<()>) -> c_int {
    let r = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        Err(Failure::new(
            Status::Panic,
            format!(
                "{what}: internal error (panic: {})",
                crossio::backend::panic_message(&*payload)
            ),
        ))
    });
    match r {
        Ok(()) => {
            set_last_error("");
            Status::Ok as c_int
        }
        Err(f) => {
            set_last_error(&f.message);
            f.status as c_int
        }
    }
}

fn null(what: &str, arg: &str) -> Failure {
    Failure::new(
        Status::NullArgument,
        format!("{what}: `{arg}` must not be NULL"),
    )
}

/// A `const char *` argument as `&str`.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives the call.
unsafe fn str_arg<'a>(what: &str, arg: &str, p: *const c_char) -> CatResult<&'a str> {
    if p.is_null() {
        return Err(null(what, arg));
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated string valid for the call.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            Status::InvalidUtf8,
            format!(
                "{what}: `{arg}` is not UTF-8 (bad byte at offset {}: {:?})",
                e.valid_up_to(),
                String::from_utf8_lossy(bytes)
            ),
        )
    })
}

/// A `const uint8_t *data, size_t len` argument as a slice (NULL allowed when `len` is 0).
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes that outlive the call.
unsafe fn bytes_arg<'a>(what: &str, data: *const u8, len: usize) -> CatResult<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(null(what, "data"));
    }
    // SAFETY: non-NULL, and the caller promises `len` readable bytes valid for the call.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Check the output arguments before the operation runs (no work for a NULL `out`).
fn check_out(what: &str, out: *mut c_char, cap: usize) -> CatResult<()> {
    if out.is_null() && cap > 0 {
        return Err(Failure::new(
            Status::NullArgument,
            format!("{what}: `out` must not be NULL when `cap` ({cap}) is not 0"),
        ));
    }
    Ok(())
}

/// Write `text` and a NUL to `out`, and its size to `*needed`.
///
/// # Safety
/// `out` is NULL (then `cap` is 0) or writable for `cap` bytes; `needed` is NULL or writable.
unsafe fn write_text(
    what: &str,
    text: &str,
    out: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> CatResult<()> {
    let size = text.len() + 1;
    if !needed.is_null() {
        // SAFETY: non-NULL, and the caller promises a writable `size_t`.
        unsafe { needed.write(size) };
    }
    if cap < size {
        return Err(Failure::new(
            Status::BufferTooSmall,
            format!("{what}: the result needs {size} bytes (NUL included), the buffer has {cap}"),
        ));
    }
    // SAFETY: `out` is non-NULL here (check_out refused NULL with cap > 0, and cap >= size >= 1)
    // and writable for cap >= size bytes; the Rust string cannot overlap caller memory.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), out.cast::<u8>(), text.len());
        out.add(text.len()).write(0);
    }
    Ok(())
}

/// `int catlib_init(void)`
#[unsafe(no_mangle)]
pub extern "C" fn catlib_init() -> c_int {
    guard("catlib_init", crate::init)
}

/// `int catlib_shutdown(void)`
#[unsafe(no_mangle)]
pub extern "C" fn catlib_shutdown() -> c_int {
    guard("catlib_shutdown", crate::shutdown)
}

/// `const char *catlib_last_error(void)`: this thread's last error message, `""` after a
/// success; valid until the next catlib call on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn catlib_last_error() -> *const c_char {
    // The CString lives in this thread's slot until the next catlib call replaces it.
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// `int catlib_fetch_text(const char *url, char *out, size_t cap, size_t *needed)`
///
/// # Safety
/// See `catlib.h`: `url` NUL-terminated; `out` writable for `cap` bytes; `needed` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn catlib_fetch_text(
    url: *const c_char,
    out: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> c_int {
    let what = "catlib_fetch_text";
    guard(what, || {
        // SAFETY: the caller's contract (catlib.h); NULL is reported.
        let url = unsafe { str_arg(what, "url", url) }?;
        check_out(what, out, cap)?;
        let text = crate::fetch_text(url)?;
        // SAFETY: the caller's contract (catlib.h); `out`/`cap` were checked above.
        unsafe { write_text(what, &text, out, cap, needed) }
    })
}

/// `int catlib_ws_roundtrip(const char *url, const char *msg, char *out, size_t cap,
/// size_t *needed)`
///
/// # Safety
/// See `catlib.h`: strings NUL-terminated; `out` writable for `cap` bytes; `needed` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn catlib_ws_roundtrip(
    url: *const c_char,
    msg: *const c_char,
    out: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> c_int {
    let what = "catlib_ws_roundtrip";
    guard(what, || {
        // SAFETY: the caller's contract (catlib.h); NULL is reported.
        let url = unsafe { str_arg(what, "url", url) }?;
        // SAFETY: as above.
        let msg = unsafe { str_arg(what, "msg", msg) }?;
        check_out(what, out, cap)?;
        let reply = crate::ws_roundtrip(url, msg)?;
        // SAFETY: the caller's contract (catlib.h); `out`/`cap` were checked above.
        unsafe { write_text(what, &reply, out, cap, needed) }
    })
}

/// `int catlib_hash_blocking(const uint8_t *data, size_t len, uint32_t rounds, uint64_t *out)`
///
/// # Safety
/// See `catlib.h`: `data` readable for `len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn catlib_hash_blocking(
    data: *const u8,
    len: usize,
    rounds: u32,
    out: *mut u64,
) -> c_int {
    let what = "catlib_hash_blocking";
    guard(what, || {
        // SAFETY: the caller's contract (catlib.h); NULL with len > 0 is reported.
        let data = unsafe { bytes_arg(what, data, len) }?;
        if out.is_null() {
            return Err(null(what, "out"));
        }
        let h = crate::hash_blocking(data, rounds)?;
        // SAFETY: non-NULL, and the caller promises a writable `uint64_t`.
        unsafe { out.write(h) };
        Ok(())
    })
}

/// `typedef void (*catlib_callback)(void *user_data, int status, const char *text, size_t len)`
pub type CatlibCallback =
    unsafe extern "C" fn(user_data: *mut c_void, status: c_int, text: *const c_char, len: usize);

/// The C callback and its `user_data`, carried to the thread that completes the operation.
struct CCallback {
    f: CatlibCallback,
    user_data: *mut c_void,
}

// SAFETY: catlib.h tells callers the callback runs on a catlib thread, so `user_data` is theirs
// to make usable there; catlib itself never dereferences it.
unsafe impl Send for CCallback {}

impl CCallback {
    fn call(self, r: CatResult<String>) {
        let (status, text) = match r {
            Ok(t) => (Status::Ok, t),
            Err(f) => (f.status, f.message),
        };
        let len = text.len();
        let c = CString::new(text.replace('\0', "\u{fffd}")).unwrap_or_default();
        // SAFETY: `f` is the caller's callback (catlib.h: called exactly once); `c` outlives
        // the call; a C function cannot unwind into Rust.
        unsafe { (self.f)(self.user_data, status as c_int, c.as_ptr(), len) };
    }
}

fn callback_arg(
    what: &str,
    callback: Option<CatlibCallback>,
    user_data: *mut c_void,
) -> CatResult<CCallback> {
    callback
        .map(|f| CCallback { f, user_data })
        .ok_or_else(|| null(what, "callback"))
}

/// `int catlib_fetch_text_async(const char *url, catlib_callback callback, void *user_data)`
///
/// # Safety
/// See `catlib.h`: `url` NUL-terminated; `callback` callable once from a catlib thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn catlib_fetch_text_async(
    url: *const c_char,
    callback: Option<CatlibCallback>,
    user_data: *mut c_void,
) -> c_int {
    let what = "catlib_fetch_text_async";
    guard(what, || {
        // SAFETY: the caller's contract (catlib.h); NULL is reported.
        let url = unsafe { str_arg(what, "url", url) }?;
        let cb = callback_arg(what, callback, user_data)?;
        crate::fetch_text_async(url, move |r| cb.call(r))
    })
}

/// `int catlib_ws_roundtrip_async(const char *url, const char *msg, catlib_callback callback,
/// void *user_data)`
///
/// # Safety
/// See `catlib.h`: strings NUL-terminated; `callback` callable once from a catlib thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn catlib_ws_roundtrip_async(
    url: *const c_char,
    msg: *const c_char,
    callback: Option<CatlibCallback>,
    user_data: *mut c_void,
) -> c_int {
    let what = "catlib_ws_roundtrip_async";
    guard(what, || {
        // SAFETY: the caller's contract (catlib.h); NULL is reported.
        let url = unsafe { str_arg(what, "url", url) }?;
        // SAFETY: as above.
        let msg = unsafe { str_arg(what, "msg", msg) }?;
        let cb = callback_arg(what, callback, user_data)?;
        crate::ws_roundtrip_async(url, msg, move |r| cb.call(r))
    })
}

/// `int catlib_hash_async(const uint8_t *data, size_t len, uint32_t rounds,
/// catlib_callback callback, void *user_data)`
///
/// # Safety
/// See `catlib.h`: `data` readable for `len` bytes during the call (it is copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn catlib_hash_async(
    data: *const u8,
    len: usize,
    rounds: u32,
    callback: Option<CatlibCallback>,
    user_data: *mut c_void,
) -> c_int {
    let what = "catlib_hash_async";
    guard(what, || {
        // SAFETY: the caller's contract (catlib.h); NULL with len > 0 is reported.
        let data = unsafe { bytes_arg(what, data, len) }?;
        let cb = callback_arg(what, callback, user_data)?;
        crate::hash_async(data, rounds, move |r| cb.call(r))
    })
}

/// `typedef void (*catlib_log_callback)(void *user_data, int level, const char *line,
/// size_t len)`
pub type CatlibLogCallback =
    unsafe extern "C" fn(user_data: *mut c_void, level: c_int, line: *const c_char, len: usize);

/// The C log callback and its `user_data`, called from whichever thread logs.
#[derive(Clone, Copy)]
struct CLog {
    f: CatlibLogCallback,
    user_data: *mut c_void,
}

// SAFETY: catlib.h tells callers the log callback runs on any thread that logs, so `user_data`
// is theirs to make usable there; catlib itself never dereferences it.
unsafe impl Send for CLog {}
// SAFETY: as above; catlib only copies the pointer.
unsafe impl Sync for CLog {}

impl CLog {
    fn call(self, level: i32, line: &str) {
        let len = line.len();
        let c = CString::new(line.replace('\0', "\u{fffd}")).unwrap_or_default();
        // SAFETY: `f` is the caller's log callback (catlib.h: callable from any thread, any
        // number of times); `c` outlives the call; a C function cannot unwind into Rust.
        unsafe { (self.f)(self.user_data, level, c.as_ptr(), len) };
    }
}

/// `int catlib_set_log_callback(int level, catlib_log_callback callback, void *user_data)`
///
/// # Safety
/// See `catlib.h`: `callback` is callable from any thread with `user_data` until it is
/// replaced (and a call already under way has returned).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn catlib_set_log_callback(
    level: c_int,
    callback: Option<CatlibLogCallback>,
    user_data: *mut c_void,
) -> c_int {
    guard("catlib_set_log_callback", || {
        let sink = callback.map(|f| {
            let c = CLog { f, user_data };
            std::sync::Arc::new(move |level: i32, line: &str| c.call(level, line))
                as crate::log::Sink
        });
        crate::log::set_sink(level, sink)
    })
}

/// The C demo program (`c/demo.c`, compiled into this crate by `build.rs` for
/// wasm32-unknown-emscripten) and the demo page's worker loop (`c/demo_page.c`).
#[cfg(target_os = "emscripten")]
pub mod demo {
    use std::ffi::{CString, c_char, c_int};

    unsafe extern "C" {
        fn catlib_demo_main(
            argc: c_int,
            argv: *mut *mut c_char,
            can_block: c_int,
            where_: *const c_char,
            heartbeat: Option<extern "C" fn() -> u64>,
            max_gap_us: Option<extern "C" fn() -> u64>,
            finished: Option<extern "C" fn(failed: c_int)>,
            pause: Option<extern "C" fn(ms: c_int)>,
        ) -> c_int;
        fn catlib_demo_page_main(http_base: *const c_char, ws_base: *const c_char) -> c_int;
    }

    fn c_strings(args: &[String]) -> Vec<CString> {
        args.iter()
            .map(|a| CString::new(a.replace('\0', "")).unwrap_or_default())
            .collect()
    }

    /// Run `c/demo.c` with `args` (argv[0] first). `can_block`: the blocking checks run (a
    /// worker, or the main thread in the jspi build), `where_` naming that context in the
    /// heartbeat checks; otherwise the async checks end by calling `finished` and this returns
    /// -1. `heartbeat` counts the page's heartbeat ticks, `max_gap_us` gives the largest gap
    /// between two of them since its previous call. `pause(ms)` waits while the async checks
    /// run (`None`: the C library's nanosleep). Returns the number of failed checks.
    pub fn run_c_demo(
        args: &[String],
        can_block: bool,
        where_: &str,
        heartbeat: extern "C" fn() -> u64,
        max_gap_us: extern "C" fn() -> u64,
        finished: extern "C" fn(failed: c_int),
        pause: Option<extern "C" fn(ms: c_int)>,
    ) -> i32 {
        let where_ = CString::new(where_.replace('\0', "")).unwrap_or_default();
        let owned = c_strings(args);
        let mut argv: Vec<*mut c_char> = owned.iter().map(|c| c.as_ptr().cast_mut()).collect();
        argv.push(std::ptr::null_mut());
        // The strings are only read, and demo.c copies what it keeps beyond the call.
        let argc = c_int::try_from(owned.len()).unwrap_or(c_int::MAX);
        // SAFETY: argv holds argc valid NUL-terminated strings and a NULL, all alive for the
        // call, as is `where_`; the function pointers are plain Rust functions of the declared
        // types.
        unsafe {
            catlib_demo_main(
                argc,
                argv.as_mut_ptr(),
                c_int::from(can_block),
                where_.as_ptr(),
                Some(heartbeat),
                Some(max_gap_us),
                Some(finished),
                pause,
            )
        }
    }

    /// Run the demo page's command loop (`c/demo_page.c`); it never returns.
    pub fn run_demo_page(http_base: &str, ws_base: &str) -> i32 {
        let (h, w) = (
            CString::new(http_base).unwrap_or_default(),
            CString::new(ws_base).unwrap_or_default(),
        );
        // SAFETY: two valid NUL-terminated strings alive for the whole (endless) call.
        unsafe { catlib_demo_page_main(h.as_ptr(), w.as_ptr()) }
    }
}
