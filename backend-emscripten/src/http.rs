//! `Http` on the browser's own `fetch()` (bound through EM_JS in `csrc/fetch.c`).
//!
//! Every request runs on the browser's main thread: `send` hands it over with
//! [`bridge::on_main`] from whatever thread it is polled on, and the JS completions wake the
//! Rust waker from there. The body is read ahead with a bound: the JS side starts reading the
//! browser's `ReadableStream` as soon as the response arrives and goes on while this fetch holds
//! less than [`READ_AHEAD`] unread bytes; past that it pauses until the [`Body`] has taken a
//! chunk. So a small body's chunks and end follow its head with no request from Rust (no hop
//! back to the main thread in worker mode), and a response holds less than [`READ_AHEAD`] plus
//! one browser chunk (at most 256 KiB) on the Rust side (plus what the browser buffers
//! internally for its stream, which the network layer back-pressures).
//!
//! The JS completions reach [`on_fetch_event`] as `(id, event)`; it updates the fetch's
//! [`Slot`] through the [`bridge`] and wakes after the lock is released.
//!
//! Dropping the `send` future or the body before the end aborts the fetch (its
//! `AbortController`) and frees its state; the backend's diagnostics count the fetches still
//! registered.
//!
//! Browser limits (the README's target table): [`Redirect::None`] and a redirect limit below
//! the browser's fixed 20 are [`ErrorKind::Unsupported`]; too many redirects is a network error
//! ([`ErrorKind::Connect`]); request headers the Fetch standard forbids are `Unsupported`.

use std::collections::VecDeque;
use std::future::Future;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use crossio_core::backend::log::BodyLog;
use crossio_core::{
    Body, ClientOptions, Credentials, DEFAULT_MAX_REDIRECTS, Error, Http, Redirect, Request,
    Response, Result, StatusCode,
};
use futures_core::Stream;
use tracing::Instrument;

use crate::EmscriptenBackend;
use crate::bridge::{self, Registry, Slot, Wake};
use crate::error;
use crate::sys;
use crate::sys::fetch::{Event, Flow};

/// The JS side reads on while a response holds fewer unread bytes than this.
pub(crate) const READ_AHEAD: usize = 64 << 10;

/// One in-flight fetch, shared by the Rust side (future, then body) and the JS callbacks.
struct FetchState {
    url: String,
    /// The head, once reported (taken by `send`).
    head: Option<Result<Head>>,
    /// The head (or a failure before it) was reported: later failures belong to the body.
    head_seen: bool,
    /// Body chunks delivered and not yet taken, and their total size.
    chunks: VecDeque<Bytes>,
    held: usize,
    /// How the body ended, once it has (`Ok`: its end; read after the chunks).
    end: Option<Result<()>>,
    /// The JS side stopped reading (this response held [`READ_AHEAD`] bytes): the body asks it
    /// to resume once it has taken a chunk.
    paused: bool,
    /// The exchange is over for Rust: the JS side has forgotten this fetch (ended or failed),
    /// or every byte the head announced has arrived (the JS side then reads the stream's end
    /// by itself, so the connection is reused). Nothing to abort.
    finished: bool,
    /// The body's length as announced by the head (`None`: not known, or not yet seen).
    expected: Option<u64>,
    /// Body bytes delivered so far.
    received: u64,
    /// The one waiter: the `send` future, then the body.
    waker: Option<Waker>,
}

struct Head {
    status: u16,
    headers: String,
    url: String,
    content_length: Option<u64>,
}

/// Every fetch in flight, by the id the JS side knows it by.
static FETCHES: Registry<FetchState> = Registry::new();
/// Body bytes delivered by the browser and not yet taken by a `Body`, over all fetches.
static HELD: AtomicUsize = AtomicUsize::new(0);
/// The most `HELD` has ever been.
static HELD_PEAK: AtomicUsize = AtomicUsize::new(0);

/// Fetches registered and not yet ended, failed, or dropped.
pub(crate) fn live_fetches() -> usize {
    FETCHES.len()
}

/// Body bytes received from the browser and not yet read, over all responses.
pub(crate) fn held_bytes() -> usize {
    HELD.load(Ordering::Relaxed)
}

/// The most [`held_bytes`] has been since the program started.
pub(crate) fn held_bytes_peak() -> usize {
    HELD_PEAK.load(Ordering::Relaxed)
}

fn hold(n: usize) {
    let now = HELD.fetch_add(n, Ordering::Relaxed) + n;
    HELD_PEAK.fetch_max(now, Ordering::Relaxed);
}

fn release(n: usize) {
    HELD.fetch_sub(n, Ordering::Relaxed);
}

impl FetchState {
    /// Apply one event; for a chunk, whether the JS side reads on.
    fn apply(&mut self, event: Event) -> Flow {
        if self.finished {
            // After the end or a failure nothing more belongs to this exchange (a read asked
            // for after the JS side forgot it is answered "no such fetch").
            return Flow::Pause;
        }
        match event {
            Event::Head {
                status,
                headers,
                url,
                content_length,
            } => {
                self.head_seen = true;
                self.expected = content_length;
                self.head = Some(Ok(Head {
                    status,
                    headers,
                    url,
                    content_length,
                }));
            }
            Event::Chunk(bytes) => {
                hold(bytes.len());
                self.held += bytes.len();
                self.received += bytes.len() as u64;
                self.chunks.push_back(bytes);
                if self.expected == Some(self.received) {
                    // The whole announced body is here: it ends now, not one more callback
                    // (and one more wake of the reader) later, when the stream reports its end.
                    // The JS side still reads that end (More), so the browser reuses the
                    // connection; what it reports after this is ignored.
                    self.paused = false;
                    self.finished = true;
                    self.end = Some(Ok(()));
                    return Flow::More;
                }
                if self.held >= READ_AHEAD {
                    self.paused = true;
                    return Flow::Pause;
                }
            }
            Event::End => {
                self.paused = false;
                self.finished = true;
                self.end = Some(Ok(()));
            }
            Event::Failed(kind, message) => {
                self.paused = false;
                self.finished = true;
                let err = error::fetch_failed(&self.url, kind, &message, self.head_seen);
                if self.head_seen {
                    self.end = Some(Err(err));
                } else {
                    self.head_seen = true;
                    self.head = Some(Err(err));
                }
            }
        }
        Flow::More
    }

    /// Forget the chunks not taken (the body was dropped).
    fn discard(&mut self) {
        release(self.held);
        self.held = 0;
        self.chunks.clear();
    }
}

/// The sink of every fetch event (main thread, from `sys::fetch`'s callbacks). Unknown ids
/// (dropped fetches) are ignored.
fn on_fetch_event(id: u32, event: Event) -> Flow {
    let mut flow = Flow::Pause;
    FETCHES.deliver(id, |s| {
        flow = s.apply(event);
        Wake::none().and(s.waker.take())
    });
    flow
}

/// Owns a registered fetch: dropping it aborts the fetch (if still running in JS) and removes
/// it from the registry.
struct Guard {
    id: u32,
    shared: Slot<FetchState>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        FETCHES.remove(self.id);
        let finished = {
            let mut s = self.shared.lock();
            s.discard();
            s.finished
        };
        if !finished {
            let id = self.id;
            bridge::on_main(move || sys::fetch::abort(id));
        }
    }
}

/// The response body: takes the chunks the main thread delivers, and has it resume reading
/// when it paused at [`READ_AHEAD`].
struct FetchBody {
    guard: Guard,
    ended: bool,
    log: BodyLog,
}

impl Drop for FetchBody {
    fn drop(&mut self) {
        if !self.ended {
            self.log.dropped();
        }
    }
}

impl Stream for FetchBody {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let id = self.guard.id;
        let mut s = self.guard.shared.lock();
        if let Some(bytes) = s.chunks.pop_front() {
            s.held -= bytes.len();
            let resume = s.paused && s.held < READ_AHEAD;
            if resume {
                s.paused = false;
            }
            drop(s);
            release(bytes.len());
            self.log.add(bytes.len());
            if resume && !bridge::on_main(move || sys::fetch::read(id)) {
                // The runtime is going away: this chunk is still good, the next poll fails.
                let mut s = self.guard.shared.lock();
                if s.end.is_none() {
                    let e = error::main_thread_gone("reading the body of", &s.url);
                    s.end = Some(Err(e));
                }
            }
            return Poll::Ready(Some(Ok(bytes)));
        }
        let Some(end) = s.end.take() else {
            s.waker = Some(cx.waker().clone());
            return Poll::Pending;
        };
        drop(s);
        self.ended = true;
        match end {
            Ok(()) => {
                self.log.ended();
                Poll::Ready(None)
            }
            Err(e) => {
                self.log.failed(&e);
                Poll::Ready(Some(Err(e)))
            }
        }
    }
}

/// Check what the browser cannot do, and encode the headers as `name:value\n` lines.
fn validate(request: &Request, url: &str) -> Result<String> {
    // The URL itself was checked when the `Request` was built (`RequestBuilder::build`,
    // `Request::from_http`): not parsed again per request.
    match request.options().redirect {
        Redirect::None => {
            return Err(Error::unsupported(format!(
                "request to {url}: Redirect::None is not available in a browser (fetch() hides \
                 the target of an unfollowed redirect)"
            )));
        }
        Redirect::Follow(n) if n < DEFAULT_MAX_REDIRECTS => {
            return Err(Error::unsupported(format!(
                "request to {url}: Redirect::Follow({n}): a browser follows up to \
                 {DEFAULT_MAX_REDIRECTS} redirects and cannot lower that limit"
            )));
        }
        Redirect::Follow(_) => {}
    }
    let method = request.method().as_str();
    if ["CONNECT", "TRACE", "TRACK"].contains(&method.to_ascii_uppercase().as_str()) {
        return Err(Error::unsupported(format!(
            "request to {url}: a browser cannot send the method {method}"
        )));
    }
    for name in request.headers().keys() {
        if crate::headers::forbidden_header(name.as_str()) {
            return Err(Error::unsupported(format!(
                "request to {url}: a browser does not let a page set the header {name:?}"
            )));
        }
    }
    Ok(crate::headers::encode_lines(request.headers()))
}

/// The request's deadline (its own, else the client's default) in ms for the JS timer; 0:
/// none. A browser timer cannot wait longer than ~24.8 days, so such a deadline counts as none.
fn timeout_ms(request: &Request, client: &ClientOptions) -> f64 {
    let ms = request
        .options()
        .timeout
        .or(client.request_timeout)
        .map_or(0.0, |t| (t.as_secs_f64() * 1000.0).max(1.0));
    if ms > sys::event_loop::MAX_TIMER_MS {
        0.0
    } else {
        ms
    }
}

/// `fetch()`'s `credentials` mode as the glue's number: 0 omit, 1 same-origin, 2 include.
fn credentials_code(request: &Request, client: &ClientOptions) -> i32 {
    match request.options().credentials.unwrap_or(client.credentials) {
        Credentials::Omit => 0,
        Credentials::SameOrigin => 1,
        Credentials::Include => 2,
    }
}

/// Register the fetch and hand its start to the main thread.
fn start(request: Request, client: &ClientOptions, url: &str, headers: String) -> Result<Guard> {
    let timeout_ms = timeout_ms(&request, client);
    let credentials = credentials_code(&request, client);
    sys::fetch::init(on_fetch_event);
    let (id, shared) = FETCHES.insert(FetchState {
        url: url.to_owned(),
        head: None,
        head_seen: false,
        chunks: VecDeque::new(),
        held: 0,
        end: None,
        paused: false,
        finished: false,
        expected: None,
        received: 0,
        waker: None,
    });
    let guard = Guard { id, shared };
    let method = request.method().as_str().to_owned();
    let (parts, _) = request.into_parts();
    let body = parts.into_body();
    let start_url = url.to_owned();
    let queued = bridge::on_main(move || {
        let init = sys::fetch::Init {
            method: &method,
            url: &start_url,
            headers: &headers,
            body: &body,
            timeout_ms,
            credentials,
        };
        sys::fetch::start(id, &init);
    });
    if !queued {
        guard.shared.lock().finished = true;
        return Err(error::main_thread_gone("request to", url));
    }
    Ok(guard)
}

impl Http for EmscriptenBackend {
    /// Send `request` with the browser's `fetch()` (CORS mode, the credentials mode of the
    /// request or the client, redirects followed). Callable from any thread; dropping the future aborts the request.
    fn send(&self, request: Request) -> impl Future<Output = Result<Response>> + Send {
        // Not an async block around `send_request`: no second copy of its future.
        let span = crossio_core::backend::log::http_span(&request);
        self.send_request(request).instrument(span)
    }
}

impl EmscriptenBackend {
    async fn send_request(&self, mut request: Request) -> Result<Response> {
        let url = request.url();
        let log = BodyLog::request(request.method(), &url);
        // The client's default headers, where the request does not set them itself.
        for (name, value) in &self.client.default_headers {
            if !request.headers().contains_key(name) {
                request.headers_mut().append(name.clone(), value.clone());
            }
        }
        let headers = validate(&request, &url).map_err(|e| log.failed_ref(e))?;
        let is_head = request.method() == http::Method::HEAD;
        let guard = start(request, &self.client, &url, headers).map_err(|e| log.failed_ref(e))?;
        let head = poll_fn(|cx| {
            let mut s = guard.shared.lock();
            match s.head.take() {
                Some(h) => Poll::Ready(h),
                None => {
                    s.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await
        .map_err(|e| log.failed_ref(e))?;
        let status = StatusCode::from_u16(head.status)
            .map_err(|e| log.failed_ref(error::bad_status(&url, head.status, e)))?;
        let total = if is_head { None } else { head.content_length };
        let body = Body::from_stream(
            FetchBody {
                guard,
                ended: false,
                log: log.response(status.as_u16()),
            },
            total,
        );
        Ok(Response::new(
            status,
            crate::headers::header_map(&head.headers),
            head.url,
            body,
        ))
    }
}
