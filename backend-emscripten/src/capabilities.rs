//! `Introspect` for the browser backend: what a page's `WebSocket` and `fetch()` allow, and the
//! live counters of this crate's registries (the values [`crate::diagnostics`] exposes).

use crossio_core::{
    Capabilities, ContentEncoding, CookieJar, DEFAULT_MAX_REDIRECTS, Diagnostics, ErrorKind,
    Introspect,
};

use crate::EmscriptenBackend;
use crate::diagnostics;
use crate::spawn::mode::Mode;
use crate::sys::engine::{Engine, engine};

/// Node.js's default `http.maxHeaderSize` (its `--max-http-header-size`), which undici's
/// `fetch` applies to response heads.
const NODE_MAX_HEADER_SIZE: usize = 16 * 1024;

/// The codings WebKitGTK 2.50 (libsoup 3.2) decodes: not `zstd`, whose body it hands over
/// encoded.
const WEBKIT_DECODED: &[ContentEncoding] = &[
    ContentEncoding::Gzip,
    ContentEncoding::Deflate,
    ContentEncoding::Br,
];

/// The codings WebKitGTK 2.50 and Node.js 24 (undici) name in `Accept-Encoding` to
/// `http://127.0.0.1` (each decodes more when a server sends it anyway).
const GZIP_DEFLATE: &[ContentEncoding] = &[ContentEncoding::Gzip, ContentEncoding::Deflate];

impl Introspect for EmscriptenBackend {
    /// What browsers allow: no handshake headers, no `Redirect::None`, the fixed redirect limit
    /// of `fetch()` (20; past it a bare network error, `Connect`), the Fetch standard's
    /// forbidden headers refused, messages after the client's close dropped, no receive
    /// back-pressure (a bounded queue instead), protocol violations seen as a 1006 close
    /// (`Closed`), illegal close codes passed through (crossio reports `Protocol`), no pings (no keepalive;
    /// the idle timeout works).
    /// `block_on` is allowed only in worker mode, off the main thread, outside async tasks.
    /// Where engines differ (probed at run time, [`crate::diagnostics::engine`]): WebKit and
    /// Node.js (undici) fail a connection on an illegal close code themselves (1006,
    /// `Closed`); WebKit takes a chunked body cut before its last chunk as complete; Node.js
    /// caps response heads at `http.maxHeaderSize` (16 KiB by default; larger: `Connect`).
    /// Content codings (measured against `http://127.0.0.1`): Chromium and Firefox announce
    /// and decode gzip, deflate, br and zstd; Node.js announces gzip and deflate and decodes
    /// all four; WebKitGTK 2.50 announces gzip and deflate, decodes br too, and hands a zstd
    /// body over encoded. Browsers enforce CORS; Node.js does not.
    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::new();
        caps.ws_handshake_headers = false;
        caps.ws_messages_after_close_delivered = false;
        caps.ws_receive_back_pressure = false;
        caps.ws_protocol_violation_error = ErrorKind::Closed;
        caps.ws_illegal_close_code_answered_with_1002 = false;
        caps.ws_keepalive_pings = false;
        caps.http_redirect_none = false;
        caps.http_fixed_redirect_limit = Some(DEFAULT_MAX_REDIRECTS);
        caps.http_too_many_redirects_error = ErrorKind::Connect;
        caps.http_forbidden_headers_refused = true;
        caps.http_cors_enforced = engine() != Engine::Node;
        match engine() {
            Engine::Blink | Engine::Gecko => {}
            Engine::WebKit => {
                caps.ws_illegal_close_code_error = ErrorKind::Closed;
                caps.http_truncated_chunked_body_detected = false;
                caps.http_decoded_encodings = WEBKIT_DECODED;
                caps.http_announced_encodings = GZIP_DEFLATE;
            }
            Engine::Node => {
                caps.ws_illegal_close_code_error = ErrorKind::Closed;
                caps.http_max_response_head_bytes = Some(NODE_MAX_HEADER_SIZE);
                caps.http_announced_encodings = GZIP_DEFLATE;
            }
        }
        caps.block_on_allowed = Mode::may_block();
        caps.block_on_suspends = Mode::SUSPENDS;
        caps.client_user_agent = false;
        caps.client_connect_timeout = false;
        caps.client_decompress_off = false;
        caps.client_tls = false;
        caps.client_proxy = false;
        caps.http_cookies = if engine() == Engine::Node {
            CookieJar::None
        } else {
            CookieJar::Browser
        };
        caps
    }

    /// The browser sockets and their callback registrations, the fetches still registered,
    /// the main-thread executor's queue, and the body bytes held (less than 64 KiB plus one
    /// chunk per response) and their peak.
    fn diagnostics(&self) -> Diagnostics {
        let mut d = Diagnostics::default();
        d.live_connections = diagnostics::live_sockets();
        d.live_socket_callbacks = diagnostics::live_socket_callbacks();
        d.live_requests = diagnostics::live_fetches();
        d.queued_tasks = diagnostics::queued_tasks();
        d.held_body_bytes = Some(diagnostics::fetch_held_bytes());
        d.held_body_bytes_peak = Some(diagnostics::fetch_held_bytes_peak());
        d.suspensions = diagnostics::suspensions();
        d
    }
}
