//! What a backend can do ([`Capabilities`]) and what it holds right now ([`Diagnostics`]), as
//! values: code that must behave differently on different targets (and crossio's conformance
//! suite) branches on these, never on `cfg!(target_os)`, so a new backend needs no edit there.

use crate::{ContentEncoding, ErrorKind};

/// What a backend can do, where targets differ. Read it with [`Introspect::capabilities`].
///
/// Backends start from [`Capabilities::new`] (the behaviour of a client with its own WebSocket
/// and HTTP stack) and change the fields that differ. More fields may be added.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// `ConnectOptions::header` is sent in the WebSocket opening handshake. `false`: a connect
    /// with any header fails with [`ErrorKind::Unsupported`] (browsers cannot set them).
    pub ws_handshake_headers: bool,
    /// Messages the peer sends after the client started closing are delivered to the reader.
    /// `false`: they are dropped (the WHATWG WebSocket rule browsers follow); close after the
    /// last expected message.
    pub ws_messages_after_close_delivered: bool,
    /// A reader slower than the peer slows the peer down (TCP back-pressure) and nothing queues.
    /// `false`: received messages queue up to `ConnectOptions::max_queued_bytes` (see
    /// [`ConnectOptions::effective_max_queued_bytes`](crate::ConnectOptions::effective_max_queued_bytes)),
    /// then the connection fails with [`ErrorKind::Capacity`].
    pub ws_receive_back_pressure: bool,
    /// The kind of the error that fails a connection whose server breaks the WebSocket protocol
    /// (invalid UTF-8 in a text frame, a reserved opcode): [`ErrorKind::Protocol`] where the
    /// client parses frames itself; [`ErrorKind::Closed`] (close code 1006) where the browser
    /// fails the connection.
    pub ws_protocol_violation_error: ErrorKind,
    /// A close code RFC 6455 forbids on the wire (0, 999, 1004, 2000, 5000, …): `true`: the
    /// client answers with 1002 and the stream yields `Message::Close` with code 1002; `false`:
    /// the code is passed through to crossio, which fails the stream with
    /// [`ErrorKind::Protocol`].
    pub ws_illegal_close_code_answered_with_1002: bool,
    /// Where an illegal close code is not answered with 1002 (see
    /// [`ws_illegal_close_code_answered_with_1002`](Self::ws_illegal_close_code_answered_with_1002)),
    /// the kind of the error that fails the stream: [`ErrorKind::Protocol`] where the code is
    /// passed through to crossio (Chromium, Firefox); [`ErrorKind::Closed`] where the engine
    /// fails the connection itself with the abnormal closure 1006 (WebKit, Node.js).
    pub ws_illegal_close_code_error: ErrorKind,
    /// `ConnectOptions::keepalive_interval` is honoured with WebSocket pings. `false`: there is
    /// no ping API (browsers); a connect with a keepalive interval fails with
    /// [`ErrorKind::Unsupported`] (`ConnectOptions::idle_timeout` works either way; send
    /// application messages if the peer needs traffic).
    pub ws_keepalive_pings: bool,
    /// `Redirect::None` is honoured (a 3xx is returned as is). `false`: such a request fails
    /// with [`ErrorKind::Unsupported`] (browsers hide unfollowed redirects).
    pub http_redirect_none: bool,
    /// `None`: any `Redirect::Follow(n)` is honoured. `Some(limit)`: the limit is fixed (20 in
    /// browsers): `Follow(n)` with `n < limit` fails with [`ErrorKind::Unsupported`], and
    /// `Follow(n)` with `n >= limit` follows at most `limit`.
    pub http_fixed_redirect_limit: Option<usize>,
    /// The kind of the error past the redirect limit: [`ErrorKind::Http`] where the client
    /// follows redirects itself; [`ErrorKind::Connect`] where `fetch()` reports only a network
    /// error.
    pub http_too_many_redirects_error: ErrorKind,
    /// Request headers the Fetch standard forbids (`cookie`, `host`, `origin`, `sec-*`, …) and
    /// the methods `CONNECT` and `TRACE` are refused with [`ErrorKind::Unsupported`], naming the
    /// header or method. `false`: they are sent.
    pub http_forbidden_headers_refused: bool,
    /// A chunked response body whose connection closes before the last (zero-size) chunk fails
    /// with [`ErrorKind::Http`]. `false`: the engine takes the close as the end of the body,
    /// which then reads as complete with the bytes received (WebKit).
    pub http_truncated_chunked_body_detected: bool,
    /// `None`: response heads of any size the server sends (at least 64 KiB) are read.
    /// `Some(limit)`: a response whose head is larger than `limit` bytes fails before any
    /// response with [`ErrorKind::Connect`] (Node.js: `http.maxHeaderSize`, 16 KiB unless the
    /// program is run with `--max-http-header-size`).
    pub http_max_response_head_bytes: Option<usize>,
    /// Cross-origin HTTP requests obey CORS: a request the server does not allow (no
    /// `Access-Control-Allow-Origin` for the page, or a refused preflight) fails with
    /// [`ErrorKind::Connect`], the browser hiding the reason; crossio's message then says
    /// that CORS may be why. `false`: no CORS (natively, Node.js).
    pub http_cors_enforced: bool,
    /// The response content codings the backend decodes, whether or not it announced them in
    /// `Accept-Encoding` (servers may send them anyway): such a body reads decoded and
    /// `Response::content_length` is `None` or the decoded length, never the encoded one. A
    /// response in a coding outside this list reads as its encoded bytes, exactly as sent
    /// (WebKitGTK 2.50 with libsoup 3.2: `zstd`; natively with `ClientOptions::decompress(false)`:
    /// every coding).
    pub http_decoded_encodings: &'static [ContentEncoding],
    /// The content codings the backend names in `Accept-Encoding` (measured on requests to
    /// `http://127.0.0.1`; a browser decides per request and may name more over HTTPS or
    /// fewer to other plain-HTTP hosts). A subset of
    /// [`http_decoded_encodings`](Self::http_decoded_encodings).
    pub http_announced_encodings: &'static [ContentEncoding],
    /// `Spawner::block_on` may be called on the calling thread right now (evaluated when
    /// [`Introspect::capabilities`] is called): `false` on a thread that must not block (the
    /// browser's main thread) and inside an async task of the backend (where blocking could
    /// deadlock); there `block_on` returns [`ErrorKind::Unsupported`].
    pub block_on_allowed: bool,
    /// `Spawner::block_on` suspends the calling wasm stack through JSPI instead of parking the
    /// thread (the browser backend's jspi mode): the page's event loop keeps running meanwhile,
    /// and [`Diagnostics::suspensions`] counts each suspension.
    pub block_on_suspends: bool,
    /// [`ClientOptions::user_agent`](crate::ClientOptions::user_agent) is sent. `false`: the
    /// browser's own is fixed; setting one is [`ErrorKind::Unsupported`].
    pub client_user_agent: bool,
    /// [`ClientOptions::connect_timeout`](crate::ClientOptions::connect_timeout) is honoured.
    /// `false`: there is no connect phase to time (browsers); setting it is `Unsupported`.
    pub client_connect_timeout: bool,
    /// Response decoding can be switched off (`ClientOptions::decompress(false)`). `false`:
    /// browsers always decode; switching it off is `Unsupported`.
    pub client_decompress_off: bool,
    /// The TLS client options are honoured
    /// ([`ClientOptions::tls_root_certificates_pem`](crate::ClientOptions::tls_root_certificates_pem),
    /// `tls_builtin_roots`, the client certificate and key): natively, for HTTPS and WSS alike.
    /// `false`: the browser decides whom to trust and which client certificate to present;
    /// setting any of them is [`ErrorKind::Unsupported`] (after the checks every target makes:
    /// malformed PEM is `InvalidInput` everywhere).
    pub client_tls: bool,
    /// [`ClientOptions::proxy`](crate::ClientOptions::proxy) is honoured: an explicit proxy
    /// ([`Proxy::Config`](crate::Proxy::Config)) or none ([`Proxy::Off`](crate::Proxy::Off)),
    /// for HTTP and WebSockets alike. `false`: the browser's own proxy settings apply
    /// ([`Proxy::FromEnv`](crate::Proxy::FromEnv) means them) and the other choices are
    /// `Unsupported`.
    pub client_proxy: bool,
    /// Where cookies are kept, and so what each [`Credentials`](crate::Credentials) mode
    /// does with them (see [`CookieJar`]).
    pub http_cookies: CookieJar,
}

/// Where a backend keeps cookies ([`Capabilities::http_cookies`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieJar {
    /// The client's own jar, only with
    /// [`ClientOptions::cookie_store`](crate::ClientOptions::cookie_store) on (natively): there is
    /// no page, so every request counts as same-origin: `SameOrigin` and `Include` send and
    /// store cookies (by the cookies' domain and path rules), `Omit` neither. Without the jar:
    /// no cookies in any mode.
    Client,
    /// The browser's, whatever `cookie_store` says: `Omit` sends and stores none, `SameOrigin`
    /// only on requests to the page's origin, `Include` cross-origin too where the server
    /// answers CORS with credentials.
    Browser,
    /// None (Node.js's `fetch()`): no cookies in any mode; `cookie_store(true)` is
    /// [`ErrorKind::Unsupported`].
    None,
}

impl Capabilities {
    /// Everything supported, with the behaviour of a client that has its own WebSocket and
    /// HTTP stack: handshake headers sent, messages after the close delivered, TCP
    /// back-pressure, protocol violations as `Protocol`, illegal close codes answered with
    /// 1002 (else `Protocol`), keepalive pings, `Redirect::None` and any redirect limit honoured
    /// (past it: `Http`), every header sent, truncated chunked bodies detected, heads of any
    /// size read, every [`ContentEncoding`] announced and decoded, and `block_on` allowed. Backends change the fields that differ.
    pub fn new() -> Self {
        Capabilities {
            ws_handshake_headers: true,
            ws_messages_after_close_delivered: true,
            ws_receive_back_pressure: true,
            ws_protocol_violation_error: ErrorKind::Protocol,
            ws_illegal_close_code_answered_with_1002: true,
            ws_illegal_close_code_error: ErrorKind::Protocol,
            ws_keepalive_pings: true,
            http_redirect_none: true,
            http_fixed_redirect_limit: None,
            http_too_many_redirects_error: ErrorKind::Http,
            http_forbidden_headers_refused: false,
            http_truncated_chunked_body_detected: true,
            http_max_response_head_bytes: None,
            http_cors_enforced: false,
            http_decoded_encodings: &ContentEncoding::ALL,
            http_announced_encodings: &ContentEncoding::ALL,
            block_on_allowed: true,
            block_on_suspends: false,
            client_user_agent: true,
            client_connect_timeout: true,
            client_decompress_off: true,
            client_tls: true,
            client_proxy: true,
            http_cookies: CookieJar::Client,
        }
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Self::new()
    }
}

/// A snapshot of a backend's live resources, for leak checks and monitoring. Read it with
/// [`Introspect::diagnostics`]. Each counter is process-wide for the backend type (every
/// instance and clone together). More fields may be added.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// WebSocket connections alive: opened and not yet dropped (in the browser: the browser
    /// sockets not yet deleted).
    pub live_connections: usize,
    /// Callback registrations of live sockets still able to call into the backend (0 where
    /// the backend has no such registrations).
    pub live_socket_callbacks: usize,
    /// HTTP requests alive: from `Http::send` until the response body is read to its end,
    /// fails, or is dropped (in the browser: the fetches not yet finished or aborted).
    pub live_requests: usize,
    /// Tasks scheduled and waiting to be polled (natively: the runtime's global queue; in the
    /// browser: the main-thread executor's queue).
    pub queued_tasks: usize,
    /// Response body bytes the backend holds unread right now, where it holds any itself
    /// (`None` where bodies are back-pressured by the socket and nothing is held).
    pub held_body_bytes: Option<usize>,
    /// The most response body bytes the backend ever held unread at once (`None` as for
    /// [`held_body_bytes`](Self::held_body_bytes)).
    pub held_body_bytes_peak: Option<usize>,
    /// Times `block_on` has suspended the wasm stack so far (0 where it parks a thread
    /// instead; see [`Capabilities::block_on_suspends`]).
    pub suspensions: u64,
}

/// Reports what a backend can do and what it holds. Every [`Backend`](crate::Backend)
/// implements it.
pub trait Introspect {
    /// What this backend can do, as seen from the calling thread (see
    /// [`Capabilities::block_on_allowed`]). Cheap; never blocks.
    fn capabilities(&self) -> Capabilities;

    /// The live counters right now. Cheap; never blocks.
    fn diagnostics(&self) -> Diagnostics;
}
