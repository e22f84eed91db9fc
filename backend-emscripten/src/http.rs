//! `Http` on the browser's `fetch()` — pending (issue 11). Until it lands, `send` fails with
//! `Unsupported`; the browser runner lists every Http case as pending.

use crossio_core::{Error, Http, Request, Response, Result};

use crate::EmscriptenBackend;

impl Http for EmscriptenBackend {
    async fn send(&self, request: Request) -> Result<Response> {
        Err(Error::unsupported(format!(
            "{} {}: the emscripten fetch binding is not built yet",
            request.method(),
            request.url()
        )))
    }
}
