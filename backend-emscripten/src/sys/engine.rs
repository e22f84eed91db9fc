//! Which JS engine runs the module (`csrc/glue.c`'s `crossio_engine`): where engines differ in
//! network behaviour that no feature test can see, the backend's capabilities follow it.

use std::sync::atomic::{AtomicU8, Ordering};

mod ffi {
    unsafe extern "C" {
        // csrc/glue.c
        pub fn crossio_engine() -> std::ffi::c_int;
    }
}

/// A JS engine Emscripten output runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Chromium (and other Blink browsers).
    Blink,
    /// Firefox.
    Gecko,
    /// Safari, WebKitGTK.
    WebKit,
    /// Node.js (its `fetch` and `WebSocket` are undici's).
    Node,
}

/// 0 until probed, else the engine's `crossio_engine()` code + 1.
static ENGINE: AtomicU8 = AtomicU8::new(0);

/// The engine running this module (probed once, on whichever thread asks first).
pub fn engine() -> Engine {
    let mut code = ENGINE.load(Ordering::Relaxed);
    if code == 0 {
        super::glue_anchor();
        // SAFETY: no arguments; the EM_JS body reads JS globals only.
        let probed = unsafe { ffi::crossio_engine() };
        code = u8::try_from(probed).unwrap_or(0).saturating_add(1);
        ENGINE.store(code, Ordering::Relaxed);
    }
    match code {
        2 => Engine::Gecko,
        3 => Engine::WebKit,
        4 => Engine::Node,
        _ => Engine::Blink,
    }
}
