//! JSPI (WebAssembly JavaScript Promise Integration), bound in `csrc/jspi.c`: a wait that
//! suspends the calling wasm stack until [`notify`], for the jspi build mode. Main thread only.
//!
//! Only a stack entered through a *promising* export (`main` under `-sJSPI`, or an export the
//! binary lists in `-sJSPI_EXPORTS`) may suspend; [`super::in_callback`] tells whether the
//! current stack is one of crossio's callbacks, which never may.

mod ffi {
    use std::ffi::c_int;

    unsafe extern "C" {
        // csrc/jspi.c
        pub fn crossio_jspi_anchor() -> c_int;
        pub fn crossio_jspi_browser_support() -> c_int;
        pub fn crossio_jspi_wait() -> c_int;
        pub fn crossio_jspi_notify();
    }
}

/// Whether the browser supports JSPI (and the page did not take it away). Also links
/// `csrc/jspi.c`.
pub fn browser_support() -> bool {
    // SAFETY: C functions without arguments; the anchor has no effect, the check reads
    // browser globals.
    unsafe {
        ffi::crossio_jspi_anchor();
        ffi::crossio_jspi_browser_support() != 0
    }
}

/// Suspend the calling stack until [`notify`] fires (at once if it fired since the last
/// wait). Returns false when the wait did not suspend because the binary was linked without
/// `-sJSPI` (the import then returns a Promise, read as 0). The caller must be on a stack
/// that may suspend.
pub fn wait() -> bool {
    // SAFETY: no arguments; under -sJSPI the import suspends this (promising) stack and
    // resumes it when the Promise settles; Rust frames on the stack stay intact across it.
    unsafe { ffi::crossio_jspi_wait() != 0 }
}

/// Resume the suspended [`wait`], or let the next one return at once.
pub fn notify() {
    // SAFETY: no arguments; resolves a JS Promise or sets a flag.
    unsafe { ffi::crossio_jspi_notify() }
}
