//! WebSocket lifecycle as the server sees it: the test server records, per connection tag, the
//! client's close frame (code, reason, who closed first) or that TCP went away without one, and
//! the pings it received (`/ws-ends?tag=T`). Every case here asserts that record.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crossio_core::{Backend, ConnectOptions, Connection, ErrorKind, Message, Request};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;

use crate::cancel_cases::settle;
use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::ws_cases::live_sockets;
use crate::{CaseResult, Env};

const DEADLINE: Duration = Duration::from_secs(10);

/// A connection tag no other case or run uses: the run's start time in microseconds (runs
/// against one test server follow one another) and a counter. The sub-second part of the
/// clock alone is not enough: in the browser it has millisecond resolution, and two runs that
/// make the same sequence of tags collided once in a thousand (seen in a CI run).
pub(crate) fn tag(case: &str) -> String {
    static RUN: OnceLock<u128> = OnceLock::new();
    static N: AtomicU32 = AtomicU32::new(0);
    let run = RUN.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros())
    });
    format!("{case}-{run}-{}", N.fetch_add(1, Ordering::Relaxed))
}

/// The server's records for `tag` (and their JSON text) once at least `n` connections with it
/// were accepted and all of them are over; an error saying what it saw after 10 s.
async fn settled_ends<B: Backend>(
    b: &B,
    e: &Env,
    tag: &str,
    n: usize,
) -> Result<(Vec<Value>, String), String> {
    let start = Instant::now();
    loop {
        let req = Request::get(&e.http(&format!("/ws-ends?tag={tag}")))
            .build()
            .ctx("building the /ws-ends request")?;
        let text = b.send(req).await.ctx("GET /ws-ends")?.text().await;
        let text = text.ctx("reading /ws-ends")?;
        let ends: Vec<Value> =
            serde_json::from_str(&text).map_err(|err| format!("/ws-ends: {err}: {text}"))?;
        if ends.len() >= n && ends.iter().all(|x| x["done"] == true) {
            return Ok((ends, text));
        }
        ensure!(
            start.elapsed() < DEADLINE,
            "server side: after {DEADLINE:?} the server saw {text} for tag {tag}; expected at \
             least {n} connection(s), all of them over"
        );
        b.sleep(Duration::from_millis(50)).await;
    }
}

/// The server's records for `tag`, once `n` connections with it are over (10 s at most).
pub(crate) async fn server_ends<B: Backend>(
    b: &B,
    e: &Env,
    tag: &str,
    n: usize,
) -> Result<Vec<Value>, String> {
    let (ends, _) = settled_ends(b, e, tag, n).await?;
    ensure_eq!(ends.len(), n);
    Ok(ends)
}

/// The run-wide check after every case: once every connection the server accepted with
/// `e.ws_tag` is over (10 s at most), exactly `expected` of them ended without the client's close
/// frame.
pub(crate) async fn check_ws_ends<B: Backend>(b: &B, e: &Env, expected: usize) -> CaseResult {
    let (ends, text) = settled_ends(b, e, &e.ws_tag, 0).await?;
    let unclean = ends.iter().filter(|x| x["close_code"].is_null()).count();
    ensure!(
        unclean == expected,
        "server side: {unclean} of the case's {} WebSocket connection(s) ended without the \
         client's close frame (expected {expected}): {text}",
        ends.len()
    );
    Ok(())
}

/// Expect the server saw the client's close frame with `code` (and `reason` unless `None`),
/// sent in `order` (`client_first` or `server_first`).
fn saw_close(end: &Value, code: u16, reason: Option<&str>, order: &str) -> CaseResult {
    ensure!(
        end["close_code"] == code && end["order"] == order,
        "server saw {end}; expected close code {code}, {order}"
    );
    if let Some(reason) = reason {
        ensure!(
            end["close_reason"] == reason,
            "server saw {end}; expected reason {reason:?}"
        );
    }
    Ok(())
}

async fn next_within<B: Backend, C: Connection>(
    b: &B,
    c: &mut C,
) -> Result<Option<crossio_core::Result<Message>>, String> {
    b.timeout(DEADLINE, c.next())
        .await
        .map_err(|_| format!("nothing from the stream within {DEADLINE:?}"))
}

pub async fn ws_peer_close_is_answered_with_its_code<B: Backend>(b: B, e: Env) -> CaseResult {
    // What the user does after the close frame: 0 keeps reading, 1 drops the connection,
    // 2 only sends, 3 holds the connection and does nothing.
    for what in 0..4 {
        let t = tag("peer-close");
        let url = e.ws(&format!("/close?code=4001&reason=bye&tag={t}"));
        let mut c = b
            .connect(&url, ConnectOptions::new())
            .await
            .ctx("connect")?;
        match next_within(&b, &mut c).await? {
            Some(Ok(Message::Close(Some(f)))) => ensure_eq!(f.code(), 4001),
            other => return Err(format!("expected the server's close frame, got {other:?}")),
        }
        match what {
            0 => ensure!(
                next_within(&b, &mut c).await?.is_none(),
                "stream did not end"
            ),
            1 => drop(c),
            2 => {
                let r = c.send(Message::text("late")).await;
                expect_kind(r, ErrorKind::Closed, "sending after the peer's close")?;
            }
            _ => {
                // The server's record must be complete while the connection is still held.
                let ends = server_ends(&b, &e, &t, 1).await?;
                saw_close(&ends[0], 4001, None, "server_first")?;
                drop(c);
                continue;
            }
        }
        let ends = server_ends(&b, &e, &t, 1).await?;
        saw_close(&ends[0], 4001, None, "server_first").map_err(|m| format!("case {what}: {m}"))?;
    }
    settle(&b, "live sockets", || live_sockets(&b) == 0).await
}

pub async fn ws_drop_closes_cleanly_seen_by_server<B: Backend>(b: B, e: Env) -> CaseResult {
    let t = tag("drop");
    let url = e.ws(&format!("/echo?tag={t}"));
    let mut c = b
        .connect(&url, ConnectOptions::new())
        .await
        .ctx("connect")?;
    c.send(Message::text("one")).await.ctx("send")?;
    ensure_eq!(
        next_within(&b, &mut c).await?.ctx("echo")?.ctx("echo")?,
        Message::text("one")
    );
    drop(c);
    let ends = server_ends(&b, &e, &t, 1).await?;
    saw_close(&ends[0], 1000, None, "client_first")?;
    settle(&b, "live sockets", || live_sockets(&b) == 0).await
}

pub async fn ws_close_with_code_and_reason_seen_by_server<B: Backend>(b: B, e: Env) -> CaseResult {
    let t = tag("close-with");
    let url = e.ws(&format!("/echo?tag={t}"));
    let mut c = b
        .connect(&url, ConnectOptions::new())
        .await
        .ctx("connect")?;
    c.close_with(4002, "bye-from-client")
        .await
        .ctx("close_with")?;
    let ends = server_ends(&b, &e, &t, 1).await?;
    saw_close(&ends[0], 4002, Some("bye-from-client"), "client_first")?;
    match next_within(&b, &mut c).await? {
        Some(Ok(Message::Close(Some(f)))) => ensure_eq!(f.code(), 4002),
        other => return Err(format!("expected the close answer, got {other:?}")),
    }
    ensure!(
        next_within(&b, &mut c).await?.is_none(),
        "stream did not end"
    );
    Ok(())
}

pub async fn ws_close_waits_for_peer_close<B: Backend>(b: B, e: Env) -> CaseResult {
    let t = tag("close-waits");
    // The echo comes 200 ms late, the close answer 400 ms after the server reads our close.
    let url = e.ws(&format!("/echo?delay_ms=200&close_answer_ms=400&tag={t}"));
    let mut c = b
        .connect(&url, ConnectOptions::new())
        .await
        .ctx("connect")?;
    c.send(Message::text("before-close")).await.ctx("send")?;
    let start = Instant::now();
    c.close_with(4003, "waiting").await.ctx("close_with")?;
    let waited = start.elapsed();
    ensure!(
        waited >= Duration::from_millis(400),
        "close_with returned after {waited:?}"
    );
    if b.capabilities().ws_messages_after_close_delivered {
        match next_within(&b, &mut c).await? {
            Some(Ok(m)) => ensure_eq!(m, Message::text("before-close")),
            other => return Err(format!("expected the echo, got {other:?}")),
        }
    }
    match next_within(&b, &mut c).await? {
        Some(Ok(Message::Close(Some(f)))) => ensure_eq!(f.code(), 4003),
        other => return Err(format!("expected the close answer, got {other:?}")),
    }
    ensure!(
        next_within(&b, &mut c).await?.is_none(),
        "stream did not end"
    );
    let ends = server_ends(&b, &e, &t, 1).await?;
    saw_close(&ends[0], 4003, Some("waiting"), "client_first")
}

pub async fn ws_close_times_out_when_peer_never_answers<B: Backend>(b: B, e: Env) -> CaseResult {
    let t = tag("close-timeout");
    let url = e.ws(&format!("/echo?close_answer_ms=60000&tag={t}"));
    let opts = ConnectOptions::new().close_timeout(Duration::from_millis(300));
    let mut c = b.connect(&url, opts).await.ctx("connect")?;
    let start = Instant::now();
    expect_kind(
        c.close_with(4004, "never").await,
        ErrorKind::Timeout,
        "close_with",
    )?;
    let waited = start.elapsed();
    ensure!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
        "close_with timed out after {waited:?}"
    );
    let ends = server_ends(&b, &e, &t, 1).await?;
    saw_close(&ends[0], 4004, Some("never"), "client_first")?;
    drop(c);
    settle(&b, "live sockets", || live_sockets(&b) == 0).await
}

pub async fn ws_close_with_cancelled_midway_still_closes<B: Backend>(b: B, e: Env) -> CaseResult {
    let t = tag("close-cancel");
    let url = e.ws(&format!("/echo?close_answer_ms=60000&tag={t}"));
    let opts = ConnectOptions::new().close_timeout(Duration::from_secs(1));
    let mut c = b.connect(&url, opts).await.ctx("connect")?;
    let r = b
        .timeout(Duration::from_millis(200), c.close_with(4005, "cancelled"))
        .await;
    ensure!(
        r.is_err(),
        "close_with finished before it was cancelled: {r:?}"
    );
    let r = c.send(Message::text("after")).await;
    expect_kind(r, ErrorKind::Closed, "sending after a cancelled close_with")?;
    drop(c);
    let ends = server_ends(&b, &e, &t, 1).await?;
    saw_close(&ends[0], 4005, Some("cancelled"), "client_first")?;
    settle(&b, "live sockets", || live_sockets(&b) == 0).await
}

pub async fn ws_idle_timeout_fails_silent_peer<B: Backend>(b: B, e: Env) -> CaseResult {
    let t = tag("idle");
    let url = e.ws(&format!("/silent?ms=2500&tag={t}"));
    let mut opts = ConnectOptions::new().idle_timeout(Duration::from_millis(600));
    let pings = b.capabilities().ws_keepalive_pings;
    if pings {
        opts = opts.keepalive_interval(Duration::from_millis(200));
    }
    let mut c = b.connect(&url, opts).await.ctx("connect")?;
    let start = Instant::now();
    let r = next_within(&b, &mut c)
        .await?
        .ctx("the stream ended without an error")?;
    let waited = start.elapsed();
    expect_kind(r, ErrorKind::Timeout, "receiving from a silent peer")?;
    ensure!(
        waited >= Duration::from_millis(550) && waited < Duration::from_millis(2400),
        "idle timeout after {waited:?}"
    );
    ensure!(
        next_within(&b, &mut c).await?.is_none(),
        "stream did not end"
    );
    let r = c.send(Message::text("x")).await;
    expect_kind(r, ErrorKind::Timeout, "sending after the idle timeout")?;
    drop(c);
    let ends = server_ends(&b, &e, &t, 1).await?;
    saw_close(&ends[0], 1000, Some("idle timeout"), "client_first")?;
    if pings {
        ensure!(
            ends[0]["pings"].as_u64() >= Some(1),
            "server saw {}",
            ends[0]
        );
    }
    settle(&b, "live sockets", || live_sockets(&b) == 0).await
}

pub async fn ws_keepalive_keeps_quiet_connection_open<B: Backend>(b: B, e: Env) -> CaseResult {
    let t = tag("keepalive");
    let url = e.ws(&format!("/ping-late?delay_ms=300&tag={t}"));
    let opts = ConnectOptions::new()
        .keepalive_interval(Duration::from_millis(200))
        .idle_timeout(Duration::from_millis(1000));
    if !b.capabilities().ws_keepalive_pings {
        let r = b.connect(&url, opts).await.map(|_| ());
        expect_kind(r, ErrorKind::Unsupported, "connect with a keepalive")?;
        b.sleep(Duration::from_millis(200)).await;
        // Refused before any I/O: the server never saw a connection with this tag.
        server_ends(&b, &e, &t, 0).await?;
        return app_level_keepalive(&b, &e).await;
    }
    let mut c = b.connect(&url, opts).await.ctx("connect")?;
    let quiet = b.timeout(Duration::from_millis(2500), c.next()).await;
    ensure!(quiet.is_err(), "the quiet connection yielded {quiet:?}");
    c.send(Message::text("still-here")).await.ctx("send")?;
    ensure_eq!(
        next_within(&b, &mut c).await?.ctx("echo")?.ctx("echo")?,
        Message::text("still-here")
    );
    c.close_with(1000, "").await.ctx("close_with")?;
    let ends = server_ends(&b, &e, &t, 1).await?;
    saw_close(&ends[0], 1000, None, "client_first")?;
    ensure!(
        ends[0]["pings"].as_u64() >= Some(5),
        "server saw {}",
        ends[0]
    );
    Ok(())
}

/// Without pings, an application message every 300 ms keeps an idle timeout of 1 s away.
async fn app_level_keepalive<B: Backend>(b: &B, e: &Env) -> CaseResult {
    let t = tag("app-keepalive");
    let url = e.ws(&format!("/echo?tag={t}"));
    let opts = ConnectOptions::new().idle_timeout(Duration::from_millis(1000));
    let mut c = b.connect(&url, opts).await.ctx("connect")?;
    for i in 0..8 {
        b.sleep(Duration::from_millis(300)).await;
        c.send(Message::text(format!("k{i}"))).await.ctx("send")?;
        ensure_eq!(
            next_within(b, &mut c).await?.ctx("echo")?.ctx("echo")?,
            Message::text(format!("k{i}"))
        );
    }
    c.close_with(1000, "").await.ctx("close_with")?;
    let ends = server_ends(b, e, &t, 1).await?;
    saw_close(&ends[0], 1000, None, "client_first")?;
    ensure_eq!(ends[0]["pings"].as_u64(), Some(0));
    Ok(())
}
