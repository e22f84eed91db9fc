//! Bad input at the API: every case asserts the typed error (never a panic, never a hang).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossio_core::{Backend, ConnectOptions, Connection, ErrorKind, Message, Request};
use futures_util::{SinkExt, StreamExt};

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

pub async fn bad_ws_close_reason_with_nul_is_invalid_input<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = b
        .connect(&e.ws("/echo"), ConnectOptions::new())
        .await
        .ctx("connect")?;
    expect_kind(
        c.close_with(1000, "a\0b").await,
        ErrorKind::InvalidInput,
        "NUL in a close reason",
    )?;
    c.send(Message::text("still open"))
        .await
        .ctx("send after the refused close")?;
    Ok(())
}

pub async fn bad_ws_duplicate_subprotocols_are_invalid_input<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let opts = ConnectOptions::new()
        .subprotocol("chat")
        .subprotocol("chat");
    expect_kind(
        b.connect(&e.ws("/echo"), opts).await.map(|_| ()),
        ErrorKind::InvalidInput,
        "chat twice",
    )?;
    Ok(())
}

pub async fn bad_ws_double_close_is_closed<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = b
        .connect(&e.ws("/echo"), ConnectOptions::new())
        .await
        .ctx("connect")?;
    c.close().await.ctx("first close")?;
    expect_kind(
        c.close_with(1000, "again").await,
        ErrorKind::Closed,
        "second close",
    )?;
    Ok(())
}

pub async fn bad_ws_recv_after_close_ends_the_stream<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = b
        .connect(&e.ws("/echo"), ConnectOptions::new())
        .await
        .ctx("connect")?;
    c.close_with(1000, "bye").await.ctx("close")?;
    let mut closes = 0;
    loop {
        match b.timeout(Duration::from_secs(10), c.next()).await {
            Ok(Some(Ok(Message::Close(_)))) => closes += 1,
            Ok(None) => break,
            other => return Err(format!("while draining after close: {other:?}")),
        }
    }
    ensure_eq!(closes, 1);
    for _ in 0..3 {
        ensure!(c.next().await.is_none(), "a finished stream yielded again");
    }
    Ok(())
}

pub async fn bad_ws_tiny_connect_timeout_is_timeout<B: Backend>(b: B, e: Env) -> CaseResult {
    // 1 ns cannot be met: the result is a Timeout, never a hang or a panic.
    let url = format!("ws://127.0.0.1:{}/delay/2000", e.http_port);
    let opts = ConnectOptions::new().connect_timeout(Duration::from_nanos(1));
    expect_kind(
        b.connect(&url, opts).await.map(|_| ()),
        ErrorKind::Timeout,
        "1 ns connect timeout",
    )?;
    Ok(())
}

pub async fn bad_ws_huge_limits_are_accepted<B: Backend>(b: B, e: Env) -> CaseResult {
    let opts = ConnectOptions::new()
        .connect_timeout(Duration::MAX)
        .max_message_size(usize::MAX)
        .max_queued_bytes(usize::MAX);
    let mut c = b
        .connect(&e.ws("/echo"), opts)
        .await
        .ctx("connect with huge limits")?;
    c.send(Message::text("big limits")).await.ctx("send")?;
    match b.timeout(Duration::from_secs(10), c.next()).await {
        Ok(Some(Ok(m))) => ensure_eq!(m, Message::text("big limits")),
        other => return Err(format!("echo: {other:?}")),
    }
    Ok(())
}

pub async fn bad_ws_lifecycle_options_are_invalid_input<B: Backend>(b: B, e: Env) -> CaseResult {
    let ms = Duration::from_millis;
    let url = e.ws("/echo");
    for (what, opts) in [
        (
            "zero close timeout",
            ConnectOptions::new().close_timeout(ms(0)),
        ),
        (
            "zero keepalive",
            ConnectOptions::new().keepalive_interval(ms(0)),
        ),
        (
            "zero idle timeout",
            ConnectOptions::new().idle_timeout(ms(0)),
        ),
    ] {
        expect_kind(
            b.connect(&url, opts).await.map(|_| ()),
            ErrorKind::InvalidInput,
            what,
        )?;
    }
    let opts = ConnectOptions::new()
        .keepalive_interval(ms(500))
        .idle_timeout(ms(200));
    let err = expect_kind(
        b.connect(&url, opts).await.map(|_| ()),
        ErrorKind::InvalidInput,
        "idle timeout shorter than the keepalive",
    )?;
    let msg = err.to_string();
    ensure!(
        msg.contains("200 ms") && msg.contains("500 ms"),
        "the error does not name both values: {msg}"
    );
    Ok(())
}

pub async fn bad_http_get_with_body_is_invalid_input<B: Backend>(_b: B, e: Env) -> CaseResult {
    for m in ["GET", "HEAD"] {
        expect_kind(
            Request::builder(m, &e.http("/echo")).body("x").build(),
            ErrorKind::InvalidInput,
            m,
        )?;
    }
    Ok(())
}

pub async fn bad_http_url_with_credentials_is_invalid_input<B: Backend>(
    _b: B,
    e: Env,
) -> CaseResult {
    let url = format!("http://user:secret@127.0.0.1:{}/echo", e.http_port);
    let err = expect_kind(
        Request::get(&url).build(),
        ErrorKind::InvalidInput,
        "credentials in the URL",
    )?;
    ensure!(
        err.to_string().contains("Authorization"),
        "message gives no way out: {err}"
    );
    Ok(())
}

/// One URL parser everywhere: a host name that is not ASCII is refused before any I/O, for
/// HTTP and WebSockets alike, with the way out in the message; its ASCII (punycode) form is a
/// valid URL (built, not sent: traffic stays on loopback).
pub async fn bad_internationalised_host_is_invalid_input<B: Backend>(b: B, _e: Env) -> CaseResult {
    let err = expect_kind(
        Request::get("http://b\u{fc}cher.example/").build(),
        ErrorKind::InvalidInput,
        "a non-ASCII host in an HTTP URL",
    )?;
    ensure!(
        err.to_string().contains("xn--"),
        "message gives no way out: {err}"
    );
    let r = b
        .connect("ws://b\u{fc}cher.example/echo", ConnectOptions::new())
        .await;
    let err = expect_kind(
        r.map(|_| ()),
        ErrorKind::InvalidInput,
        "a non-ASCII host in a WebSocket URL",
    )?;
    ensure!(
        err.to_string().contains("xn--"),
        "message gives no way out: {err}"
    );
    Request::get("http://xn--bcher-kva.example/")
        .build()
        .ctx("the ASCII form of the same host")?;
    Ok(())
}

pub async fn bad_http_zero_timeout_is_invalid_input<B: Backend>(_b: B, e: Env) -> CaseResult {
    let r = Request::get(&e.http("/echo"))
        .timeout(Duration::ZERO)
        .build();
    expect_kind(r, ErrorKind::InvalidInput, "zero timeout")?;
    Ok(())
}

pub async fn bad_http_tiny_timeout_is_timeout<B: Backend>(b: B, e: Env) -> CaseResult {
    let req = Request::get(&e.http("/delay/2000"))
        .timeout(Duration::from_nanos(1))
        .build()
        .ctx("build")?;
    expect_kind(
        b.send(req).await,
        ErrorKind::Timeout,
        "1 ns request timeout",
    )?;
    Ok(())
}

pub async fn bad_http_huge_timeout_is_accepted<B: Backend>(b: B, e: Env) -> CaseResult {
    let req = Request::get(&e.http("/status/200"))
        .timeout(Duration::MAX)
        .build()
        .ctx("build")?;
    let resp = b
        .send(req)
        .await
        .ctx("request with Duration::MAX timeout")?;
    ensure_eq!(resp.text().await.ctx("body")?, "status 200");
    Ok(())
}

pub async fn bad_spawn_huge_durations_do_not_overflow<B: Backend>(b: B, _e: Env) -> CaseResult {
    let start = Instant::now();
    expect_kind(
        b.timeout(Duration::from_millis(50), b.sleep(Duration::MAX))
            .await,
        ErrorKind::Timeout,
        "sleep(Duration::MAX) under a 50 ms timeout",
    )?;
    ensure!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    ensure_eq!(
        b.timeout(Duration::MAX, async { 7 })
            .await
            .ctx("timeout(Duration::MAX)")?,
        7
    );
    // A zero sleep completes.
    b.sleep(Duration::ZERO).await;
    Ok(())
}

/// A pool of zero threads is refused by every backend's builder.
pub async fn bad_zero_pool_size_is_invalid_input<B: Backend>(_b: B, e: Env) -> CaseResult {
    let [w, bl] = (e.zero_pool_builds)();
    expect_kind(w, ErrorKind::InvalidInput, "worker_threads(0)")?;
    expect_kind(bl, ErrorKind::InvalidInput, "max_blocking_threads(0)")?;
    Ok(())
}

pub async fn bad_join_after_abort_of_finished_task_is_its_value<B: Backend>(
    b: B,
    _e: Env,
) -> CaseResult {
    let h = b.spawn(async { 5 });
    let start = Instant::now();
    while !h.is_finished() && start.elapsed() < Duration::from_secs(5) {
        b.sleep(Duration::from_millis(5)).await;
    }
    h.abort(); // too late: the value stays
    ensure_eq!(h.await.map_err(|e| e.to_string())?, 5);
    Ok(())
}

pub async fn bad_dropped_spawn_blocking_handle_still_runs_the_job<B: Backend>(
    b: B,
    _e: Env,
) -> CaseResult {
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    drop(b.spawn_blocking(move || flag.store(true, Ordering::SeqCst)));
    let start = Instant::now();
    while !ran.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(5) {
        b.sleep(Duration::from_millis(5)).await;
    }
    ensure!(
        ran.load(Ordering::SeqCst),
        "a detached blocking job never ran"
    );
    Ok(())
}

pub async fn bad_send_into_split_sink_after_close_is_closed<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let c = b
        .connect(&e.ws("/echo"), ConnectOptions::new())
        .await
        .ctx("connect")?;
    let (mut sink, _stream) = c.split();
    sink.close().await.ctx("close")?;
    expect_kind(
        sink.send(Message::binary(vec![1u8])).await,
        ErrorKind::Closed,
        "send on a closed sink",
    )?;
    Ok(())
}

/// `protocol()` is `None` when no subprotocol was offered.
pub async fn bad_no_subprotocol_offered_gives_none<B: Backend>(b: B, e: Env) -> CaseResult {
    let c = b
        .connect(&e.ws("/echo"), ConnectOptions::new())
        .await
        .ctx("connect")?;
    ensure_eq!(c.protocol(), None);
    Ok(())
}
