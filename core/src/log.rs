//! The `tracing` events every backend emits, written once so that they have the same targets,
//! names, levels and fields on every target (the table is in the README's "Logging" section):
//! `crossio::ws` (connect, open, send, receive, close, errors), `crossio::http` (request,
//! response head, end with status and bytes, failures with their kind), `crossio::task`
//! (spawns, panics, blocking calls).
//!
//! Every event goes through `tracing`'s macros, which test the level (tracing's static
//! maximum, then one atomic load) before evaluating any field: with no subscriber installed
//! nothing is formatted or allocated. Building the final binary with tracing's `max_level_off`
//! (or `release_max_level_off`) feature compiles every event out, and the panic watch with
//! them. The panic watch is a `catch_unwind` around each poll, which costs nothing unless a
//! panic unwinds.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

/// For `Spawner::spawn` and friends: `future`, logging a task spawn of `kind` now and a WARN
/// event if a poll of it panics (the panic then goes on unwinding to the runtime, which reports
/// it through the `JoinHandle`). The wrapper adds 16 bytes to the future, not a copy of it.
pub fn watch_task<F: Future>(kind: &'static str, future: F) -> WatchTask<F> {
    tracing::trace!(target: "crossio::task", kind, "task spawn");
    WatchTask { future, kind }
}

/// False when tracing's static maximum level (its `max_level_*` features) leaves out WARN: the
/// panic watch is then compiled out with the events.
#[inline]
fn warn_compiled_in() -> bool {
    tracing::level_filters::STATIC_MAX_LEVEL >= tracing::level_filters::LevelFilter::WARN
}

pin_project_lite::pin_project! {
    /// A task's future, watched for panics (see [`watch_task`]).
    pub struct WatchTask<F> {
        #[pin]
        future: F,
        kind: &'static str,
    }
}

impl<F: Future> Future for WatchTask<F> {
    type Output = F::Output;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = self.project();
        let future = this.future;
        if !warn_compiled_in() {
            return future.poll(cx);
        }
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll,
            Err(panic) => {
                task_panicked(this.kind, &*panic);
                resume_unwind(panic)
            }
        }
    }
}

/// `f`, logging a blocking job spawn now and a WARN event if it panics.
pub fn watch_job<F: FnOnce() -> R, R>(f: F) -> impl FnOnce() -> R {
    tracing::trace!(target: "crossio::task", kind = "spawn_blocking", "task spawn");
    move || {
        if !warn_compiled_in() {
            return f();
        }
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => v,
            Err(panic) => {
                task_panicked("spawn_blocking", &*panic);
                resume_unwind(panic)
            }
        }
    }
}

fn task_panicked(kind: &str, panic: &(dyn std::any::Any + Send)) {
    tracing::warn!(
        target: "crossio::task",
        kind,
        panic = %crate::backend::panic_message(panic),
        "task panicked"
    );
}

/// The HTTP events of one request (target `crossio::http`): `http request` when it starts,
/// `http response` at its head, then `http end` (its body read to the end), `http failed` or
/// `http dropped` (the body dropped before its end). Decided once per request: when DEBUG is
/// not enabled for `crossio::http` at `send`, the request logs nothing and keeps nothing.
pub struct BodyLog(Option<Logged>);

struct Logged {
    method: http::Method,
    url: String,
    status: Option<u16>,
    bytes: u64,
    start: std::time::Instant,
}

impl Logged {
    fn ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
}

/// The last event of a logged exchange (`$msg`: `http end`, `http dropped`, `http failed`):
/// its method, URL, status and bytes, then the event's own fields.
macro_rules! last_event {
    ($l:expr, $msg:literal $(, $k:ident = $v:expr)*) => {
        tracing::debug!(
            target: "crossio::http",
            method = %$l.method,
            url = %$l.url,
            status = $l.status,
            bytes = $l.bytes,
            $($k = $v,)*
            $msg
        )
    };
}

impl BodyLog {
    /// Log the start of a `method` request to `url`.
    pub fn request(method: &http::Method, url: &str) -> BodyLog {
        if !tracing::enabled!(target: "crossio::http", tracing::Level::DEBUG) {
            return BodyLog(None);
        }
        tracing::debug!(target: "crossio::http", method = %method, url, "http request");
        BodyLog(Some(Logged {
            method: method.clone(),
            url: url.to_owned(),
            status: None,
            bytes: 0,
            start: std::time::Instant::now(),
        }))
    }

    /// Log the response head.
    pub fn response(mut self, status: u16) -> BodyLog {
        if let Some(l) = &mut self.0 {
            l.status = Some(status);
            tracing::debug!(
                target: "crossio::http",
                method = %l.method,
                url = %l.url,
                status,
                ms = l.ms(),
                "http response"
            );
        }
        self
    }

    /// Log `e` as the request's failure and hand it back.
    pub fn failed_ref(&self, e: crate::Error) -> crate::Error {
        if let Some(l) = &self.0 {
            log_failed(l, &e);
        }
        e
    }

    /// The body failed with `e`.
    pub fn failed(&mut self, e: &crate::Error) {
        if let Some(l) = self.0.take() {
            log_failed(&l, e);
        }
    }

    /// `n` more body bytes arrived.
    pub fn add(&mut self, n: usize) {
        if let Some(l) = &mut self.0 {
            l.bytes += n as u64;
        }
    }

    /// The body was read to its end.
    pub fn ended(&mut self) {
        if let Some(l) = self.0.take() {
            last_event!(l, "http end", ms = l.ms());
        }
    }

    /// The body was dropped before its end.
    pub fn dropped(&mut self) {
        if let Some(l) = self.0.take() {
            last_event!(l, "http dropped", ms = l.ms());
        }
    }
}

fn log_failed(l: &Logged, e: &crate::Error) {
    last_event!(
        l,
        "http failed",
        kind = tracing::field::debug(e.kind()),
        error = tracing::field::display(e)
    );
}

/// The WebSocket events (target `crossio::ws`): the end of a connect (`ws open` or `ws connect
/// failed`).
pub fn ws_connected(
    url: &str,
    start: std::time::Instant,
    result: &Result<Option<&str>, &crate::Error>,
) {
    match result {
        Ok(protocol) => tracing::debug!(
            target: "crossio::ws",
            url,
            protocol = *protocol,
            ms = start.elapsed().as_secs_f64() * 1000.0,
            "ws open"
        ),
        Err(e) => tracing::debug!(
            target: "crossio::ws",
            url,
            kind = ?e.kind(),
            error = %e,
            "ws connect failed"
        ),
    }
}

/// A message handed to the socket: `ws send` (TRACE) or, for a close frame, `ws close`.
pub fn ws_send(url: &str, m: &crate::Message) {
    use crate::Message;
    match m {
        Message::Text(t) => {
            tracing::trace!(target: "crossio::ws", url, kind = "text", bytes = t.len(), "ws send");
        }
        Message::Binary(b) => {
            tracing::trace!(target: "crossio::ws", url, kind = "binary", bytes = b.len(), "ws send");
        }
        Message::Close(f) => ws_close(
            url,
            f.as_ref().map_or(1000, |f| f.code()),
            f.as_ref().map_or("", |f| f.reason()),
        ),
    }
}

/// The client starts the closing handshake.
pub fn ws_close(url: &str, code: u16, reason: &str) {
    tracing::debug!(target: "crossio::ws", url, code, reason, "ws close");
}

/// What the connection's stream yields: `ws receive` (TRACE) for a message, `ws closed` for
/// the peer's close frame, `ws error` for a failure.
pub fn ws_received(url: &str, item: Option<&crate::Result<crate::Message>>) {
    use crate::Message;
    match item {
        Some(Ok(Message::Text(t))) => {
            tracing::trace!(target: "crossio::ws", url, kind = "text", bytes = t.len(), "ws receive");
        }
        Some(Ok(Message::Binary(b))) => {
            tracing::trace!(target: "crossio::ws", url, kind = "binary", bytes = b.len(), "ws receive");
        }
        Some(Ok(Message::Close(f))) => tracing::debug!(
            target: "crossio::ws",
            url,
            code = f.as_ref().map(|f| f.code()),
            reason = f.as_ref().map(|f| f.reason()),
            "ws closed"
        ),
        Some(Err(e)) => {
            tracing::debug!(target: "crossio::ws", url, kind = ?e.kind(), error = %e, "ws error");
        }
        None => {}
    }
}

/// An event's fields as text, in the order they were recorded: what a subscriber that prints
/// lines or matches fields (crossio-emscripten's console subscriber, catlib's C callback, the
/// conformance suite's capture) reads from an event. `message` is the event's text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fields(pub Vec<(&'static str, String)>);

impl Fields {
    /// The fields of `event`.
    pub fn of_event(event: &tracing::Event<'_>) -> Fields {
        let mut f = Fields::default();
        event.record(&mut f);
        f
    }

    /// The value of field `name`, if recorded.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// One line: the message, then ` name=value` for every other field.
    pub fn line(&self) -> String {
        let mut line = self.get("message").unwrap_or_default().to_owned();
        for (name, value) in self.0.iter().filter(|(n, _)| *n != "message") {
            line.push_str(&format!(" {name}={value}"));
        }
        line
    }
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name(), format!("{value:?}")));
    }
}

/// The `http` span a backend's `Http::send` runs its request in.
pub fn http_span(request: &crate::Request) -> tracing::Span {
    tracing::debug_span!(
        target: "crossio::http",
        "http",
        method = %request.method(),
        url = %request.url()
    )
}

/// Log the start of a WebSocket connect to `url`: the `ws` span the connect runs in, and its
/// start time for [`ws_connected`].
pub fn ws_connect(url: &str) -> (tracing::Span, std::time::Instant) {
    let span = tracing::debug_span!(target: "crossio::ws", "ws", url);
    tracing::debug!(target: "crossio::ws", url, "ws connect");
    (span, std::time::Instant::now())
}
