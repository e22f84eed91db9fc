//! Logging: the backend's `tracing` events reach a subscriber, with the same names, levels and
//! fields on every target.
//!
//! The capture is a global subscriber (installed once, on first use): in the worker build and
//! natively, events come from pool threads and the browser's main thread, where a thread-local
//! default would not reach. It records nothing until a case arms it with a tag, and then only
//! the events and spans of a `crossio::*` target one of whose fields contains the tag (the
//! case puts it in every URL it uses), so that other work running meanwhile cannot disturb
//! the assertions.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use crossio_core::backend::log::Fields;
use crossio_core::{Backend, ConnectOptions, ErrorKind, Message, Request, StatusCode};
use futures_util::{SinkExt, StreamExt};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

/// One captured event (or span, with `name` set and `level` its level).
#[derive(Debug, Clone)]
struct Captured {
    level: tracing::Level,
    target: String,
    /// The span's name; empty for an event.
    span: &'static str,
    fields: Fields,
}

/// The tag being captured (`None`: disarmed) and what was captured for it.
static ARMED: AtomicBool = AtomicBool::new(false);
static STATE: Mutex<(Option<String>, Vec<Captured>)> = Mutex::new((None, Vec::new()));
static NEXT_SPAN: AtomicU64 = AtomicU64::new(1);

fn state() -> std::sync::MutexGuard<'static, (Option<String>, Vec<Captured>)> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

struct Capture;

impl Capture {
    fn keep(level: tracing::Level, target: &str, span: &'static str, fields: Fields) {
        let mut st = state();
        let Some(tag) = st.0.as_deref() else { return };
        if fields.0.iter().any(|(_, v)| v.contains(tag)) {
            st.1.push(Captured {
                level,
                target: target.to_owned(),
                span,
                fields,
            });
        }
    }
}

impl Subscriber for Capture {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // Asked again at every event: the capture is armed and disarmed at run time.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        ARMED.load(Ordering::Acquire) && metadata.target().starts_with("crossio")
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields::default();
        span.record(&mut fields);
        let meta = span.metadata();
        Capture::keep(*meta.level(), meta.target(), meta.name(), fields);
        Id::from_u64(NEXT_SPAN.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        Capture::keep(*meta.level(), meta.target(), "", Fields::of_event(event));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Install the capture as the global subscriber (once per program).
fn install() -> Result<(), String> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            tracing::subscriber::set_global_default(Capture).map_err(|e| {
                format!("cannot install the capturing subscriber (another is global): {e}")
            })
        })
        .clone()
}

/// Captures while alive; disarms when dropped.
struct Armed;

impl Armed {
    fn new(tag: &str) -> Result<Armed, String> {
        install()?;
        *state() = (Some(tag.to_owned()), Vec::new());
        ARMED.store(true, Ordering::Release);
        Ok(Armed)
    }

    /// What was captured so far.
    fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut state().1)
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        ARMED.store(false, Ordering::Release);
        *state() = (None, Vec::new());
    }
}

/// The captured event `message` with level `level`, target `target` and the field values
/// `want` (each `(name, value)` must match exactly).
fn find<'a>(
    got: &'a [Captured],
    level: tracing::Level,
    target: &str,
    message: &str,
    want: &[(&str, &str)],
) -> Result<&'a Captured, String> {
    got.iter()
        .find(|c| {
            c.span.is_empty()
                && c.level == level
                && c.target == target
                && c.fields.get("message") == Some(message)
                && want.iter().all(|(n, v)| c.fields.get(n) == Some(*v))
        })
        .ok_or_else(|| {
            let seen: Vec<String> = got
                .iter()
                .map(|c| format!("{} {} {}{}", c.level, c.target, c.span, c.fields.line()))
                .collect();
            format!(
                "no {level} {target} event {message:?} with {want:?}; captured: {}",
                seen.join(" | ")
            )
        })
}

/// A WebSocket round trip and a GET, through a capturing subscriber: the connect, the open,
/// each message sent and received (TRACE), the close, the request, its response head and its
/// end with status and bytes, and a refused request's failure with its kind, each with the
/// URL, at the levels the README's "Logging" table gives, from whichever thread the backend
/// ran them on.
pub async fn log_events_reach_a_subscriber<B: Backend>(b: B, e: Env) -> CaseResult {
    let tag = format!("log{}", e.ws_tag);
    let cap = Armed::new(&tag)?;
    let ws_url = e.ws(&format!("/echo?probe={tag}"));
    let mut ws = b
        .connect(&ws_url, ConnectOptions::new())
        .await
        .ctx("connect /echo")?;
    ws.send(Message::text("log probe")).await.ctx("send")?;
    let echo = ws.next().await;
    ensure!(
        matches!(&echo, Some(Ok(Message::Text(t))) if t == "log probe"),
        "echo: {echo:?}"
    );
    ws.close().await.ctx("close")?;
    let http_url = e.http(&format!("/bytes/1000?probe={tag}"));
    let resp = b
        .send(Request::get(&http_url).build().ctx("building")?)
        .await
        .ctx("GET /bytes/1000")?;
    ensure_eq!(resp.status(), StatusCode::OK);
    let body = resp.bytes().await.ctx("reading the body")?;
    ensure_eq!(body.len(), 1000);
    let refused = format!("http://127.0.0.1:{}/?probe={tag}", e.closed_port);
    let r = b
        .send(Request::get(&refused).build().ctx("building")?)
        .await;
    expect_kind(r, ErrorKind::Connect, "GET from a closed port")?;
    let got = cap.take();
    drop(cap);
    check_ws_events(&got, &ws_url)?;
    check_http_events(&got, &http_url, &refused)
}

fn check_ws_events(got: &[Captured], url: &str) -> CaseResult {
    use tracing::Level;
    let ws = "crossio::ws";
    find(got, Level::DEBUG, ws, "ws connect", &[("url", url)])?;
    find(got, Level::DEBUG, ws, "ws open", &[("url", url)])?;
    let probe = [("url", url), ("kind", "text"), ("bytes", "9")];
    find(got, Level::TRACE, ws, "ws send", &probe)?;
    find(got, Level::TRACE, ws, "ws receive", &probe)?;
    find(
        got,
        Level::DEBUG,
        ws,
        "ws close",
        &[("url", url), ("code", "1000")],
    )?;
    let span = got
        .iter()
        .any(|c| c.span == "ws" && c.fields.get("url") == Some(url));
    ensure!(span, "no `ws` span with url {url}");
    Ok(())
}

fn check_http_events(got: &[Captured], url: &str, refused: &str) -> CaseResult {
    use tracing::Level;
    let http = "crossio::http";
    let get = [("method", "GET"), ("url", url)];
    find(got, Level::DEBUG, http, "http request", &get)?;
    find(
        got,
        Level::DEBUG,
        http,
        "http response",
        &[("url", url), ("status", "200")],
    )?;
    find(
        got,
        Level::DEBUG,
        http,
        "http end",
        &[("url", url), ("status", "200"), ("bytes", "1000")],
    )?;
    find(
        got,
        Level::DEBUG,
        http,
        "http failed",
        &[("url", refused), ("kind", "Connect")],
    )?;
    let span = got
        .iter()
        .any(|c| c.span == "http" && c.fields.get("url") == Some(url));
    ensure!(span, "no `http` span with url {url}");
    Ok(())
}
