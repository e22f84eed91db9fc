//! The test server: WebSocket and HTTP endpoints on 127.0.0.1, with CORS for the browser suite.
//!
//! WebSocket port (the path picks the behaviour; every path accepts the first offered
//! subprotocol):
//! - `/echo[?delay_ms=D]` echoes text and binary messages (after `D` ms), answers close.
//! - `/close?code=C&reason=R` closes right after the handshake with code `C` and reason `R`.
//! - `/send?n=N[&size=S]` sends `N` text messages (`"<i>"` padded with `.` to `S` bytes), then
//!   closes with 1000 "done".
//! - `/headers` sends one text message: the handshake's request headers as a JSON object, then
//!   echoes.
//! - `/echo?close_answer_ms=N` echoes, but answers the client's close frame only after `N` ms
//!   (reading nothing meanwhile; a large `N` is a peer that never answers).
//! - `/silent?ms=N` goes silent right after the handshake: reads and writes nothing for `N` ms
//!   with TCP open (no pong either), then reads until the client is gone.
//! - `/ping-late?delay_ms=D` waits `D` ms before each read, so pings are answered `D` ms late;
//!   echoes text and binary.
//!
//! Every WebSocket path also takes `tag=T`: the server then records how that connection ended
//! (see [`WsEnd`]), readable on the HTTP port at `/ws-ends?tag=T`.
//!
//! HTTP port:
//! - `/echo` answers `{"method","path","query","headers":{..},"body","body_len"}` as JSON.
//! - `/status/C` answers status `C` with body `status C`.
//! - `/bytes/N` answers `N` bytes (`byte i = i % 251`) with `Content-Length`.
//! - `/conn/N` answers `N` bytes with `Content-Length`: the number of the TCP connection that
//!   carried the request (counted from 1 over the server's plain HTTP port; 0 elsewhere) in
//!   ASCII, padded with `.` (at least the number).
//! - `/stream?chunks=N&size=S&delay_ms=D` answers a chunked body of `N` chunks of `S` bytes,
//!   `D` ms apart (byte `i` of the whole body = `i % 251`).
//! - `/delay/MS` waits `MS` ms before the response head, then answers `delayed`.
//! - `/redirect/N` redirects (302) to `/redirect/N-1`; `/redirect/0` answers `redirect done`.
//! - `/compressed/E[?expose=0][&raw=1]`, `E` one of `gzip`, `deflate` (zlib-wrapped, as HTTP's
//!   `deflate` means), `br`, `zstd`: answers [`crate::compressed_text`] encoded with `E`, with
//!   `Content-Encoding: E` and the compressed `Content-Length`, whatever the request accepts (as
//!   many servers do); `expose=0` leaves out `Access-Control-Expose-Headers`, so a browser hides
//!   `Content-Encoding` from a cross-origin page while `Content-Length` stays visible. `raw=1`
//!   answers the same encoded bytes without `Content-Encoding` (as `application/octet-stream`),
//!   for comparing with what a client that does not decode `E` hands over.
//! - `/ws-ends?tag=T` answers a JSON array, one [`WsEnd`] per WebSocket connection opened with
//!   that tag, in the order they were accepted.
//! - `/cookie/set?name=N&value=V[&max_age=S]` answers with `Set-Cookie: N=V; Path=/;
//!   Max-Age=S; SameSite=Lax` (600 s unless given; 0 deletes it); `/cookie/echo` answers
//!   `{"cookie": "<the request's Cookie header>" | null}`.
//! - `/proxy-counts` answers what passed through the proxies (see [`crate::proxy_server`]).
//! - `OPTIONS` on any path answers a CORS preflight.
//! - `/no-cors` answers `no cors` (and `OPTIONS` with 204) without any CORS header.
//! - `/tls-material` answers [`crate::TlsEnv`]'s PEM texts as JSON (`ca_pem`,
//!   `client_cert_pem`, `client_key_pem`, `other_cert_pem`), for the browser runner.
//!
//! TLS ports ([`crate::tls_server`]): every endpoint above, HTTP and WebSocket, over TLS with a
//! certificate from a test CA generated at start (and with a client certificate required, and
//! from an untrusted CA).
//!
//! Every HTTP response carries `Access-Control-Allow-Origin: *`, `Access-Control-Expose-Headers:
//! *` (unless the route says otherwise) and `Cross-Origin-Resource-Policy: cross-origin`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Method, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::handshake::server::{
    Request as WsRequest, Response as WsResponse,
};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// The byte at offset `i` of every generated body.
pub fn pattern_byte(i: usize) -> u8 {
    (i % 251) as u8
}

/// A port on 127.0.0.1 where nothing listens: the OS picks a free port, the probe listener is
/// dropped at once, so connecting to it is refused (unless another program takes it meanwhile).
pub fn closed_port() -> std::io::Result<u16> {
    let probe = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(probe.local_addr()?.port())
}

/// Marks a response that must not carry `Access-Control-Expose-Headers`.
#[derive(Clone, Copy)]
struct NoExpose;

/// A running test server. Dropping it stops the server.
pub struct TestServer {
    /// Port of the HTTP endpoints.
    pub http_port: u16,
    /// Port of the WebSocket endpoints.
    pub ws_port: u16,
    /// Port of the fault server (see [`crate::faults`]).
    pub fault_port: u16,
    /// Ports and PEM texts of the TLS listeners (see [`crate::tls_server`]).
    pub tls: crate::TlsEnv,
    /// A second port with the HTTP endpoints: another origin (natively and in Node.js the
    /// "page" origin of the cookie cases; browsers get theirs from the page server, see
    /// [`crate::page_server`]).
    pub page_port: u16,
    /// Port of the counting HTTP proxy (see [`crate::proxy_server`]).
    pub proxy_port: u16,
    /// Port of the refusing HTTP proxy (see [`crate::proxy_server`]).
    pub refusing_proxy_port: u16,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Start on 127.0.0.1 with ports chosen by the OS.
    pub fn start() -> std::io::Result<Self> {
        Self::start_on(0, 0)
    }

    /// Start on 127.0.0.1 with the given ports (0 = choose).
    pub fn start_on(http_port: u16, ws_port: u16) -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("crossio-testserver")
            .build()?;
        let (http, ws, faults, proxies, tls) = rt.block_on(async {
            let http = TcpListener::bind(("127.0.0.1", http_port)).await?;
            let ws = TcpListener::bind(("127.0.0.1", ws_port)).await?;
            let faults = TcpListener::bind(("127.0.0.1", 0)).await?;
            let proxy = TcpListener::bind(("127.0.0.1", 0)).await?;
            let refusing = TcpListener::bind(("127.0.0.1", 0)).await?;
            let page = TcpListener::bind(("127.0.0.1", 0)).await?;
            let tls = crate::tls_server::TlsListeners::bind().await?;
            Ok::<_, std::io::Error>((http, ws, faults, [proxy, refusing, page], tls))
        })?;
        let http_port = http.local_addr()?.port();
        let ws_port = ws.local_addr()?.port();
        let fault_port = faults.local_addr()?.port();
        let tls_env = tls.env.clone();
        let _ = TLS_MATERIAL.set(tls_env.clone());
        let proxy_port = proxies[0].local_addr()?.port();
        let refusing_proxy_port = proxies[1].local_addr()?.port();
        let page_port = proxies[2].local_addr()?.port();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("crossio-testserver".into())
            .spawn(move || {
                rt.block_on(async move {
                    tokio::spawn(accept_http(http));
                    tokio::spawn(accept_ws(ws));
                    tokio::spawn(crate::faults::accept_faults(faults));
                    tls.spawn(http_port, ws_port);
                    let [proxy, refusing, page] = proxies;
                    tokio::spawn(accept_http(page));
                    tokio::spawn(crate::proxy_server::accept_proxy(proxy, false));
                    tokio::spawn(crate::proxy_server::accept_proxy(refusing, true));
                    let _ = stop_rx.await;
                });
                rt.shutdown_background();
            })?;
        Ok(TestServer {
            http_port,
            ws_port,
            fault_port,
            tls: tls_env,
            page_port,
            proxy_port,
            refusing_proxy_port,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn http_base(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// `ws://127.0.0.1:PORT`
    pub fn ws_base(&self) -> String {
        format!("ws://127.0.0.1:{}", self.ws_port)
    }

    /// The one-line JSON the server binary prints on start.
    pub fn ports_json(&self) -> String {
        serde_json::json!({
            "http_port": self.http_port,
            "ws_port": self.ws_port,
            "fault_port": self.fault_port,
            "tls_port": self.tls.port,
            "mtls_port": self.tls.mtls_port,
            "untrusted_tls_port": self.tls.untrusted_port,
            "tls_ca_pem": self.tls.ca_pem,
            "tls_spki_sha256": self.tls.server_spki_sha256,
            "page_port": self.page_port,
            "proxy_port": self.proxy_port,
            "refusing_proxy_port": self.refusing_proxy_port,
        })
        .to_string()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn query_map(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn num<T: std::str::FromStr>(q: &HashMap<String, String>, key: &str, default: T) -> T {
    q.get(key).and_then(|v| v.parse().ok()).unwrap_or(default)
}

// ---------------------------------------------------------------- WebSocket

async fn accept_ws(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let _ = serve_ws(stream).await;
        });
    }
}

type WsError = tokio_tungstenite::tungstenite::Error;

/// How one tagged WebSocket connection ended, as the server saw it (serialized as JSON by
/// `/ws-ends`).
#[derive(Debug, Clone, Default)]
pub struct WsEnd {
    /// The connection is over (the client's close frame arrived, or the connection ended).
    pub done: bool,
    /// The code of the client's close frame; `None` if TCP went away without one.
    pub close_code: Option<u16>,
    /// The reason of the client's close frame.
    pub close_reason: Option<String>,
    /// `"client_first"` (the client started the closing handshake), `"server_first"` (it
    /// answered the server's close), or `None` without a close frame.
    pub order: Option<&'static str>,
    /// Pings received from the client.
    pub pings: u32,
    server_closed: bool,
}

impl WsEnd {
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "done": self.done,
            "close_code": self.close_code,
            "close_reason": self.close_reason,
            "order": self.order,
            "pings": self.pings,
        })
    }
}

type EndSlot = Arc<Mutex<WsEnd>>;

fn ends() -> &'static Mutex<HashMap<String, Vec<EndSlot>>> {
    static ENDS: OnceLock<Mutex<HashMap<String, Vec<EndSlot>>>> = OnceLock::new();
    ENDS.get_or_init(Mutex::default)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A server-side WebSocket that records what the client did (see [`WsEnd`]).
struct WsStream {
    ws: tokio_tungstenite::WebSocketStream<TcpStream>,
    end: EndSlot,
}

impl WsStream {
    fn new(ws: tokio_tungstenite::WebSocketStream<TcpStream>, tag: Option<&String>) -> Self {
        let end = EndSlot::default();
        if let Some(tag) = tag {
            lock(ends())
                .entry(tag.clone())
                .or_default()
                .push(end.clone());
        }
        WsStream { ws, end }
    }

    /// The next message, recording pings and the client's close frame.
    async fn next(&mut self) -> Option<Result<Message, WsError>> {
        let item = self.ws.next().await;
        let mut end = lock(&self.end);
        match &item {
            Some(Ok(Message::Ping(_))) => end.pings += 1,
            Some(Ok(Message::Close(frame))) if !end.done => {
                end.close_code = Some(frame.as_ref().map_or(1005, |f| u16::from(f.code)));
                end.close_reason = Some(
                    frame
                        .as_ref()
                        .map(|f| f.reason.to_string())
                        .unwrap_or_default(),
                );
                end.order = Some(if end.server_closed {
                    "server_first"
                } else {
                    "client_first"
                });
                end.done = true;
            }
            _ => {}
        }
        item
    }

    /// Start the closing handshake from the server's side.
    async fn close(&mut self, frame: CloseFrame) -> Result<(), WsError> {
        lock(&self.end).server_closed = true;
        self.ws.close(Some(frame)).await
    }
}

impl Drop for WsStream {
    fn drop(&mut self) {
        lock(&self.end).done = true;
    }
}

/// `/ws-ends?tag=T`: the recorded ends of the connections tagged `T`.
fn ws_ends(q: &HashMap<String, String>) -> Response<HttpBody> {
    let tag = q.get("tag").cloned().unwrap_or_default();
    let list: Vec<serde_json::Value> = lock(ends())
        .get(&tag)
        .map(|v| v.iter().map(|e| lock(e).to_json()).collect())
        .unwrap_or_default();
    let mut r = simple(StatusCode::OK, serde_json::Value::Array(list).to_string());
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// What the WebSocket handshake asked for.
#[derive(Default)]
struct WsTarget {
    path: String,
    query: HashMap<String, String>,
    /// The request headers as a JSON object (for `/headers`).
    headers: serde_json::Map<String, serde_json::Value>,
}

#[allow(clippy::result_large_err)] // the error type is tungstenite's callback contract
async fn serve_ws(stream: TcpStream) -> Result<(), WsError> {
    let mut target = WsTarget::default();
    let callback = |req: &WsRequest, mut resp: WsResponse| {
        target = WsTarget {
            path: req.uri().path().to_owned(),
            query: query_map(req.uri().query()),
            headers: req
                .headers()
                .iter()
                .map(|(k, v)| {
                    let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (k.as_str().to_owned(), serde_json::Value::String(v))
                })
                .collect(),
        };
        if let Some(first) = first_subprotocol(req.headers()) {
            resp.headers_mut().insert("sec-websocket-protocol", first);
        }
        Ok(resp)
    };
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20));
    let ws =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await?;
    let q = &target.query;
    let ws = WsStream::new(ws, q.get("tag"));
    let ms = |key| Duration::from_millis(num(q, key, 0));
    match target.path.as_str() {
        "/close" => {
            let reason = q.get("reason").cloned().unwrap_or_default();
            ws_close_at_once(ws, num(q, "code", 1000), reason).await
        }
        "/send" => ws_send_n(ws, num(q, "n", 10), num(q, "size", 0)).await,
        "/silent" => ws_silent(ws, ms("ms")).await,
        "/ping-late" => ws_ping_late(ws, ms("delay_ms")).await,
        path => {
            let hello = (path == "/headers")
                .then(|| serde_json::Value::Object(target.headers.clone()).to_string());
            ws_echo(ws, hello, ms("delay_ms"), ms("close_answer_ms")).await
        }
    }
}

/// `/silent`: nothing in or out for `quiet`, then read until the client is gone.
async fn ws_silent(mut ws: WsStream, quiet: Duration) -> Result<(), WsError> {
    tokio::time::sleep(quiet).await;
    while ws.next().await.is_some() {}
    Ok(())
}

/// `/ping-late`: wait `delay` before each read (so pongs go out `delay` late), echo messages.
async fn ws_ping_late(mut ws: WsStream, delay: Duration) -> Result<(), WsError> {
    loop {
        tokio::time::sleep(delay).await;
        match ws.next().await {
            None => return Ok(()),
            Some(Ok(Message::Ping(_))) => ws.ws.flush().await?,
            Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => ws.ws.send(msg).await?,
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
        }
    }
}

/// The first subprotocol the client offers, if any.
fn first_subprotocol(headers: &http::HeaderMap) -> Option<HeaderValue> {
    let offered = headers.get("sec-websocket-protocol")?.to_str().ok()?;
    let first = offered.split(',').map(str::trim).find(|p| !p.is_empty())?;
    HeaderValue::from_str(first).ok()
}

/// `/close`: close with `code` and `reason`, then read until the client is gone.
async fn ws_close_at_once(mut ws: WsStream, code: u16, reason: String) -> Result<(), WsError> {
    ws.close(CloseFrame {
        code: CloseCode::from(code),
        reason: Utf8Bytes::from(reason),
    })
    .await?;
    while ws.next().await.is_some() {}
    Ok(())
}

/// `/send`: `n` text messages `"<i>"` padded with `.` to `size` bytes, then close 1000 "done".
async fn ws_send_n(mut ws: WsStream, n: usize, size: usize) -> Result<(), WsError> {
    for i in 0..n {
        let mut s = i.to_string();
        while s.len() < size {
            s.push('.');
        }
        ws.ws.feed(Message::text(s)).await?;
    }
    ws.ws.flush().await?;
    ws.close(CloseFrame {
        code: CloseCode::Normal,
        reason: Utf8Bytes::from_static("done"),
    })
    .await?;
    while ws.next().await.is_some() {}
    Ok(())
}

/// Send `hello` if any, then echo text and binary messages after `delay`; answer the client's
/// close frame after `close_answer`.
async fn ws_echo(
    mut ws: WsStream,
    hello: Option<String>,
    delay: Duration,
    close_answer: Duration,
) -> Result<(), WsError> {
    if let Some(text) = hello {
        ws.ws.send(Message::text(text)).await?;
    }
    while let Some(msg) = ws.next().await {
        let msg = msg?;
        match msg {
            Message::Text(_) | Message::Binary(_) => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                ws.ws.send(msg).await?;
            }
            // tungstenite answers close frames itself, on the next read.
            Message::Close(_) if !close_answer.is_zero() => {
                tokio::time::sleep(close_answer).await;
            }
            // tungstenite answers pings itself.
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- HTTP

type HttpBody = BoxBody<Bytes, Infallible>;

/// The number of the TCP connection a request came on (a request extension; see `/conn/N`).
#[derive(Clone, Copy)]
struct ConnId(u64);

async fn accept_http(listener: TcpListener) {
    static NEXT_CONN: AtomicU64 = AtomicU64::new(1);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let conn = ConnId(NEXT_CONN.fetch_add(1, Ordering::Relaxed));
        tokio::spawn(async move {
            let io = TokioIo::new(stream);
            let service = service_fn(move |mut req: http::Request<Incoming>| {
                req.extensions_mut().insert(conn);
                handle_http(req)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

fn full(body: impl Into<Bytes>) -> HttpBody {
    Full::new(body.into()).boxed()
}

fn with_cors(mut resp: Response<HttpBody>, req_headers: &http::HeaderMap) -> Response<HttpBody> {
    let expose = resp.extensions().get::<NoExpose>().is_none();
    let h = resp.headers_mut();
    // A request that names its origin gets it back with credentials allowed, so that
    // `credentials: "include"` requests pass CORS; others get `*`.
    match req_headers.get("origin") {
        Some(origin) => {
            h.insert("access-control-allow-origin", origin.clone());
            h.insert(
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            );
            h.insert("vary", HeaderValue::from_static("origin"));
        }
        None => {
            h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        }
    }
    if expose {
        h.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("*"),
        );
    }
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS"),
    );
    let allow = req_headers
        .get("access-control-request-headers")
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("*"));
    h.insert("access-control-allow-headers", allow);
    h.insert("access-control-max-age", HeaderValue::from_static("600"));
    resp
}

fn simple(status: StatusCode, body: impl Into<Bytes>) -> Response<HttpBody> {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r
}

pub(crate) async fn handle_http(
    req: http::Request<Incoming>,
) -> Result<Response<HttpBody>, Infallible> {
    let headers = req.headers().clone();
    if req.uri().path() == "/no-cors" {
        // No CORS header at all, preflights included: browsers refuse the exchange.
        let status = if req.method() == Method::OPTIONS {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::OK
        };
        return Ok(simple(status, "no cors"));
    }
    let resp = route(req).await;
    Ok(with_cors(resp, &headers))
}

async fn route(req: http::Request<Incoming>) -> Response<HttpBody> {
    if req.method() == Method::OPTIONS {
        return simple(StatusCode::NO_CONTENT, Bytes::new());
    }
    let path = req.uri().path().to_owned();
    let q = query_map(req.uri().query());
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["echo"] => echo(req).await,
        ["status", code] => match code
            .parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
        {
            Some(s) => simple(s, format!("status {}", s.as_u16())),
            None => simple(StatusCode::BAD_REQUEST, "bad status"),
        },
        ["bytes", n] => match n.parse::<usize>() {
            Ok(n) if n <= 512 << 20 => {
                let body: Vec<u8> = (0..n).map(pattern_byte).collect();
                let mut r = simple(StatusCode::OK, body);
                r.headers_mut().insert(
                    "content-type",
                    HeaderValue::from_static("application/octet-stream"),
                );
                r
            }
            _ => simple(StatusCode::BAD_REQUEST, "bad length"),
        },
        ["conn", n] => {
            let conn = req.extensions().get::<ConnId>().map_or(0, |c| c.0);
            let mut body = conn.to_string().into_bytes();
            match n.parse::<usize>() {
                Ok(n) if n <= 1 << 20 => {
                    if body.len() < n {
                        body.resize(n, b'.');
                    }
                    simple(StatusCode::OK, body)
                }
                _ => simple(StatusCode::BAD_REQUEST, "bad length"),
            }
        }
        ["stream"] => stream(&q),
        ["delay", ms] => {
            let ms: u64 = ms.parse().unwrap_or(0).min(120_000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            simple(StatusCode::OK, "delayed")
        }
        ["redirect", n] => match n.parse::<u32>() {
            Ok(0) => simple(StatusCode::OK, "redirect done"),
            Ok(n) => {
                let mut r = simple(StatusCode::FOUND, Bytes::new());
                let loc =
                    HeaderValue::from_str(&format!("/redirect/{}", n - 1)).expect("ascii location");
                r.headers_mut().insert("location", loc);
                r
            }
            Err(_) => simple(StatusCode::BAD_REQUEST, "bad count"),
        },
        ["compressed", encoding] => compressed(encoding, &q),
        ["ws-ends"] => ws_ends(&q),
        ["tls-material"] => tls_material(),
        ["cookie", "set"] => set_cookie(&q),
        ["cookie", "echo"] => {
            let cookie = req
                .headers()
                .get("cookie")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let mut r = simple(
                StatusCode::OK,
                serde_json::json!({ "cookie": cookie }).to_string(),
            );
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            r
        }
        ["proxy-counts"] => simple(StatusCode::OK, crate::proxy_server::counts_json()),
        _ => simple(StatusCode::NOT_FOUND, format!("no route for {path}")),
    }
}

/// `/tls-material`: the test CA and the client identity as JSON.
fn tls_material() -> Response<HttpBody> {
    let Some(t) = TLS_MATERIAL.get() else {
        return simple(StatusCode::NOT_FOUND, "no TLS listeners");
    };
    let json = serde_json::json!({
        "ca_pem": t.ca_pem,
        "client_cert_pem": t.client_cert_pem,
        "client_key_pem": t.client_key_pem,
        "other_cert_pem": t.other_cert_pem,
    });
    let mut r = simple(StatusCode::OK, json.to_string());
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// The TLS material of the test server running in this process (the first one started).
static TLS_MATERIAL: OnceLock<crate::TlsEnv> = OnceLock::new();

/// `/cookie/set?name=N&value=V[&max_age=S]`: `Set-Cookie: N=V; Path=/; Max-Age=S` (600 unless
/// given; 0 deletes it).
fn set_cookie(q: &HashMap<String, String>) -> Response<HttpBody> {
    let name = q.get("name").map_or("crossio", String::as_str);
    let value = q.get("value").map_or("1", String::as_str);
    let max_age: u32 = num(q, "max_age", 600);
    let header = format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax");
    let mut r = simple(StatusCode::OK, "cookie set");
    match HeaderValue::from_str(&header) {
        Ok(v) => r.headers_mut().insert("set-cookie", v),
        Err(e) => return simple(StatusCode::BAD_REQUEST, e.to_string()),
    };
    r
}

/// `/stream`: a chunked body of `chunks` chunks of `size` bytes, `delay_ms` apart.
fn stream(q: &HashMap<String, String>) -> Response<HttpBody> {
    let chunks: usize = num(q, "chunks", 4);
    let size: usize = num(q, "size", 1024);
    let delay = Duration::from_millis(num(q, "delay_ms", 50));
    let stream = futures_util::stream::unfold(0usize, move |i| async move {
        if i >= chunks {
            return None;
        }
        if i > 0 && !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let start = i * size;
        let data: Vec<u8> = (start..start + size).map(pattern_byte).collect();
        Some((Ok::<_, Infallible>(Frame::data(Bytes::from(data))), i + 1))
    });
    let mut r = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/octet-stream"),
    );
    r
}

/// [`crate::compressed_text`] encoded with the HTTP content coding `encoding` (`gzip`,
/// `deflate`, `br` or `zstd`); `None` for any other coding.
pub fn encode_compressed_text(encoding: &str) -> Option<std::io::Result<Vec<u8>>> {
    use std::io::Write;
    let text = crate::compressed_text();
    let data = text.as_bytes();
    Some(match encoding {
        "gzip" => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(data).and_then(|()| enc.finish())
        }
        "deflate" => {
            // HTTP's "deflate" is the zlib format (RFC 1950), not a raw deflate stream.
            let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(data).and_then(|()| enc.finish())
        }
        "br" => {
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams::default();
            brotli::BrotliCompress(&mut &data[..], &mut out, &params).map(|_| out)
        }
        "zstd" => zstd::bulk::compress(data, 19),
        _ => return None,
    })
}

/// `/compressed/E`: [`crate::compressed_text`] encoded with `E`; `expose=0` marks it
/// [`NoExpose`]; `raw=1` sends the encoded bytes without `Content-Encoding`.
fn compressed(encoding: &str, q: &HashMap<String, String>) -> Response<HttpBody> {
    let body = match encode_compressed_text(encoding) {
        Some(Ok(body)) => body,
        Some(Err(e)) => return simple(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        None => return simple(StatusCode::NOT_FOUND, format!("no encoding {encoding}")),
    };
    let raw = q.get("raw").map(String::as_str) == Some("1");
    let mut r = simple(StatusCode::OK, body);
    let h = r.headers_mut();
    if raw {
        h.insert(
            "content-type",
            HeaderValue::from_static("application/octet-stream"),
        );
    } else {
        h.insert("content-type", HeaderValue::from_static("text/plain"));
        match HeaderValue::from_str(encoding) {
            Ok(v) => h.insert("content-encoding", v),
            Err(e) => return simple(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
    }
    if q.get("expose").map(String::as_str) == Some("0") {
        r.extensions_mut().insert(NoExpose);
    }
    r
}

async fn echo(req: http::Request<Incoming>) -> Response<HttpBody> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return simple(StatusCode::BAD_REQUEST, "body read failed"),
    };
    let mut headers = serde_json::Map::new();
    for (k, v) in &parts.headers {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match headers.get_mut(k.as_str()) {
            Some(serde_json::Value::String(prev)) => {
                prev.push_str(", ");
                prev.push_str(&v);
            }
            _ => {
                headers.insert(k.as_str().to_owned(), serde_json::Value::String(v));
            }
        }
    }
    let json = serde_json::json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query().unwrap_or(""),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
        "body_len": body.len(),
    });
    let mut r = simple(StatusCode::OK, json.to_string());
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}
