//! `Introspect` for the native backend: what tokio-tungstenite and reqwest can do, and the live
//! counters of this crate.

use crossio_core::{Capabilities, Diagnostics, Introspect};

use crate::NativeBackend;

impl Introspect for NativeBackend {
    /// The full set ([`Capabilities::new`]): handshake headers, `Redirect::None`, any redirect
    /// limit, tungstenite's protocol checks, TCP back-pressure. `block_on` is allowed anywhere
    /// but inside an async task.
    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::new();
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
