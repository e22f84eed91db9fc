//! `Introspect` for the native backend: what tokio-tungstenite and reqwest can do, and the live
//! counters of this crate.

use crossio_core::{Capabilities, Configure, Diagnostics, Introspect};

use crate::NativeBackend;

impl Introspect for NativeBackend {
    /// The full set ([`Capabilities::new`]): handshake headers, `Redirect::None`, any redirect
    /// limit, tungstenite's protocol checks, TCP back-pressure, every content coding announced
    /// and decoded by reqwest (none with `ClientOptions::decompress(false)`). `block_on` is
    /// allowed anywhere but inside an async task.
    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::new();
        if !self.client_options().decompress {
            caps.http_decoded_encodings = &[];
            caps.http_announced_encodings = &[];
        }
        caps.block_on_allowed = !crossio_core::backend::in_task();
        caps
    }

    /// Live connections and requests of this crate (every `NativeBackend` together); tasks
    /// waiting in this backend's runtime's global queue. Bodies are back-pressured by the
    /// socket, so no held body bytes are reported.
    fn diagnostics(&self) -> Diagnostics {
        let mut d = Diagnostics::default();
        d.live_connections = crate::live_connections();
        d.live_requests = crate::live_requests();
        d.queued_tasks = self.handle().metrics().global_queue_depth();
        d
    }
}
