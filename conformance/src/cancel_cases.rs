//! Cancellation: dropping futures at their await points frees every resource and leaves other
//! connections working.

use std::time::{Duration, Instant};

use crossio_core::{Backend, ConnectOptions, ErrorKind, Message, Request};
use futures_util::{SinkExt, StreamExt};

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::http_cases::live_requests;
use crate::ws_cases::live_sockets;
use crate::{CaseResult, Env};

pub(crate) async fn settle<B: Backend>(
    b: &B,
    what: &str,
    mut done: impl FnMut() -> bool,
) -> CaseResult {
    let start = Instant::now();
    while !done() && start.elapsed() < Duration::from_secs(5) {
        b.sleep(Duration::from_millis(20)).await;
    }
    ensure!(done(), "{what} did not settle within 5 s");
    Ok(())
}

async fn echo_works<B: Backend>(b: &B, e: &Env) -> CaseResult {
    let mut c = b
        .connect(&e.ws("/echo"), ConnectOptions::new())
        .await
        .ctx("connect")?;
    c.send(Message::text("alive")).await.ctx("send")?;
    match b.timeout(Duration::from_secs(10), c.next()).await {
        Ok(Some(Ok(m))) => ensure_eq!(m, Message::text("alive")),
        other => return Err(format!("echo after cancellation: {other:?}")),
    }
    Ok(())
}

pub async fn cancel_connect_mid_handshake_frees_the_socket<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = format!("ws://127.0.0.1:{}/delay/3000", e.http_port);
    for _ in 0..10 {
        let r = b
            .timeout(
                Duration::from_millis(50),
                b.connect(&url, ConnectOptions::new()),
            )
            .await;
        expect_kind(
            r.map(|_| ()),
            ErrorKind::Timeout,
            "connect dropped mid-handshake",
        )?;
    }
    settle(&b, "live sockets", || live_sockets(&b) == 0).await?;
    echo_works(&b, &e).await
}

pub async fn cancel_recv_loses_no_message<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = b
        .connect(&e.ws("/echo?delay_ms=100"), ConnectOptions::new())
        .await
        .ctx("connect")?;
    c.send(Message::text("late")).await.ctx("send")?;
    // Give up on the first receive before the echo arrives: the message must not be lost.
    expect_kind(
        b.timeout(Duration::from_millis(20), c.next()).await,
        ErrorKind::Timeout,
        "early recv",
    )?;
    match b.timeout(Duration::from_secs(10), c.next()).await {
        Ok(Some(Ok(m))) => ensure_eq!(m, Message::text("late")),
        other => return Err(format!("the echo after a cancelled recv: {other:?}")),
    }
    Ok(())
}

pub async fn cancel_task_holding_a_connection_frees_it<B: Backend>(b: B, e: Env) -> CaseResult {
    let (b2, e2) = (b.clone(), e.clone());
    let h = b.spawn(async move {
        let mut c = b2
            .connect(&e2.ws("/echo"), ConnectOptions::new())
            .await
            .ctx("connect")?;
        // Wait forever for a message that never comes.
        let _ = c.next().await;
        Ok::<_, String>(())
    });
    settle(&b, "the task's connection", || live_sockets(&b) > 0).await?;
    h.abort();
    let err = h.await.err().ctx("awaiting the aborted task")?;
    ensure!(err.is_cancelled(), "expected cancelled, got {err:?}");
    settle(&b, "live sockets", || live_sockets(&b) == 0).await?;
    echo_works(&b, &e).await
}

pub async fn cancel_fetch_and_body_reads_free_everything<B: Backend>(b: B, e: Env) -> CaseResult {
    // Dropped while waiting for the head.
    for _ in 0..5 {
        let req = Request::get(&e.http("/delay/3000")).build().ctx("build")?;
        expect_kind(
            b.timeout(Duration::from_millis(30), b.send(req)).await,
            ErrorKind::Timeout,
            "head",
        )?;
    }
    // Dropped in the middle of a body read, and with the body unread.
    for _ in 0..5 {
        let req = Request::get(&e.http("/stream?chunks=20&size=1024&delay_ms=200"))
            .build()
            .ctx("build")?;
        let mut body = b.send(req).await.ctx("send")?.into_body();
        body.chunk().await.ctx("first chunk")?;
        ensure!(
            live_requests(&b) > 0,
            "a request with its body open is not counted"
        );
        expect_kind(
            b.timeout(Duration::from_millis(30), body.chunk()).await,
            ErrorKind::Timeout,
            "body read",
        )?;
        drop(body);
    }
    settle(&b, "live requests", || live_requests(&b) == 0).await?;
    let resp = b
        .send(Request::get(&e.http("/status/200")).build().ctx("build")?)
        .await
        .ctx("after")?;
    ensure_eq!(resp.text().await.ctx("body")?, "status 200");
    Ok(())
}

pub async fn cancel_sleeps_and_timeouts_leave_the_executor_healthy<B: Backend>(
    b: B,
    _e: Env,
) -> CaseResult {
    // 1000 sleeps dropped before they fire (each armed by a first poll).
    for _ in 0..1000 {
        let r = b
            .timeout(Duration::from_millis(1), b.sleep(Duration::from_secs(30)))
            .await;
        expect_kind(r, ErrorKind::Timeout, "dropped sleep")?;
    }
    let start = Instant::now();
    b.sleep(Duration::from_millis(20)).await;
    ensure!(
        start.elapsed() < Duration::from_secs(2),
        "a sleep after 1000 cancellations took {:?}",
        start.elapsed()
    );
    Ok(())
}

pub async fn cancel_sink_send_midway_keeps_order<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = b
        .connect(&e.ws("/echo"), ConnectOptions::new())
        .await
        .ctx("connect")?;
    for i in 0..50 {
        // A send future dropped right after its first poll either sent or did not send.
        let _ = b
            .timeout(
                Duration::from_nanos(1),
                c.send(Message::text(format!("m{i}"))),
            )
            .await;
    }
    c.send(Message::text("end")).await.ctx("final send")?;
    let mut last = -1i64;
    loop {
        match b.timeout(Duration::from_secs(10), c.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t == "end" => break,
            Ok(Some(Ok(Message::Text(t)))) => {
                let n: i64 = t[1..].parse().map_err(|_| format!("bad echo {t}"))?;
                ensure!(n > last, "echo {n} after {last}: order broken");
                last = n;
            }
            other => return Err(format!("while reading echoes: {other:?}")),
        }
    }
    Ok(())
}
