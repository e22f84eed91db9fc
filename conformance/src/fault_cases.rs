//! Fault cases: misbehaving peers from the fault server. Each asserts the error kind.
//!
//! Where a browser reports a fault differently from native code, the case asserts the
//! browser's typed behaviour explicitly (see the README's target table):
//! - every failure before a response head is `Connect` (fetch() says only "network error");
//! - a WebSocket protocol violation by the server makes the browser fail the connection with
//!   the abnormal closure 1006, which crossio reports as `Closed`; natively it is `Protocol`
//!   (for an illegal close code, tungstenite's answering close 1002).

use std::time::{Duration, Instant};

use crossio_core::{Backend, ConnectOptions, ErrorKind, Message, Request, StatusCode};
use futures_util::StreamExt;

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

async fn get<B: Backend>(
    b: &B,
    url: &str,
    timeout: Option<Duration>,
) -> crossio_core::Result<crossio_core::Response> {
    let mut r = Request::get(url);
    if let Some(t) = timeout {
        r = r.timeout(t);
    }
    b.send(r.build()?).await
}

/// The response head arrives; reading the body fails with `kind`.
async fn body_fails<B: Backend>(
    b: &B,
    url: &str,
    timeout: Option<Duration>,
    kind: ErrorKind,
) -> CaseResult {
    let resp = get(b, url, timeout).await.ctx("the head should arrive")?;
    ensure_eq!(resp.status(), StatusCode::OK);
    let err = expect_kind(resp.bytes().await, kind, url)?;
    ensure!(
        err.to_string().contains(url),
        "error does not name the URL: {err}"
    );
    Ok(())
}

pub async fn fault_http_reset_before_response_is_connect_error<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let url = e.fault_http("/http/reset");
    expect_kind(get(&b, &url, None).await, ErrorKind::Connect, &url)?;
    Ok(())
}

pub async fn fault_http_bad_status_line_is_connect_error<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.fault_http("/http/bad-status");
    expect_kind(get(&b, &url, None).await, ErrorKind::Connect, &url)?;
    Ok(())
}

pub async fn fault_http_body_shorter_than_content_length_is_http_error<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    body_fails(&b, &e.fault_http("/http/short-body"), None, ErrorKind::Http).await
}

/// A `Http` error, or where the target cannot tell the cut from the end
/// (`Capabilities::http_truncated_chunked_body_detected` false), the one chunk sent as the body.
pub async fn fault_http_chunked_body_without_last_chunk_is_http_error<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let url = e.fault_http("/http/truncated-chunked");
    if b.capabilities().http_truncated_chunked_body_detected {
        return body_fails(&b, &url, None, ErrorKind::Http).await;
    }
    let resp = get(&b, &url, None).await.ctx("the head should arrive")?;
    ensure_eq!(resp.status(), StatusCode::OK);
    let body = resp.bytes().await.ctx(&url)?;
    ensure_eq!(body.as_ref(), &[b'y'; 256][..]);
    Ok(())
}

pub async fn fault_http_connection_closed_mid_chunk_is_http_error<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    body_fails(
        &b,
        &e.fault_http("/http/cut-mid-chunk"),
        None,
        ErrorKind::Http,
    )
    .await
}

pub async fn fault_http_stall_before_head_is_timeout<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.fault_http("/http/stall-head");
    let start = Instant::now();
    expect_kind(
        get(&b, &url, Some(Duration::from_millis(300))).await,
        ErrorKind::Timeout,
        &url,
    )?;
    ensure!(
        start.elapsed() < Duration::from_secs(5),
        "timeout took {:?}",
        start.elapsed()
    );
    Ok(())
}

pub async fn fault_http_stall_mid_body_is_timeout<B: Backend>(b: B, e: Env) -> CaseResult {
    let start = Instant::now();
    body_fails(
        &b,
        &e.fault_http("/http/stall-body"),
        Some(Duration::from_millis(500)),
        ErrorKind::Timeout,
    )
    .await?;
    ensure!(
        start.elapsed() < Duration::from_secs(5),
        "timeout took {:?}",
        start.elapsed()
    );
    Ok(())
}

pub async fn fault_http_redirect_loop_fails<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.fault_http("/http/redirect-loop");
    let kind = b.capabilities().http_too_many_redirects_error;
    expect_kind(get(&b, &url, None).await, kind, &url)?;
    Ok(())
}

/// 64 KiB of response headers are read, or, where the target caps response heads below that
/// (`Capabilities::http_max_response_head_bytes`), the request fails with `Connect`.
pub async fn fault_http_64kib_of_response_headers_are_read<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.fault_http("/http/huge-headers");
    if b.capabilities()
        .http_max_response_head_bytes
        .is_some_and(|limit| limit < 64 * 1000)
    {
        expect_kind(get(&b, &url, None).await, ErrorKind::Connect, &url)?;
        return Ok(());
    }
    let resp = get(&b, &url, None).await.ctx("64 KiB of headers")?;
    ensure_eq!(resp.status(), StatusCode::OK);
    let big: Vec<_> = resp
        .headers()
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("x-big-"))
        .collect();
    ensure_eq!(big.len(), 64);
    ensure!(
        big.iter().all(|(_, v)| v.len() == 1000),
        "a 1000-byte header lost bytes"
    );
    ensure_eq!(resp.text().await.ctx("body")?, "ok");
    Ok(())
}

/// What the first `next()` of a connection gave, within a deadline.
type FirstItem = crossio_core::Result<Option<crossio_core::Result<Message>>>;

/// Connect to `url` and wait up to `secs` for the first item of the stream.
async fn first_item<B: Backend>(
    b: &B,
    url: &str,
    secs: u64,
) -> Result<(B::Connection, FirstItem), String> {
    let mut c = b.connect(url, ConnectOptions::new()).await.ctx(url)?;
    let item = b.timeout(Duration::from_secs(secs), c.next()).await;
    Ok((c, item))
}

async fn ws_error_after_open<B: Backend>(b: &B, url: &str) -> Result<crossio_core::Error, String> {
    match first_item(b, url, 10).await?.1 {
        Ok(Some(Err(e))) => Ok(e),
        other => Err(format!("{url}: expected an error, got {other:?}")),
    }
}

pub async fn fault_ws_invalid_utf8_text_fails_the_connection<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let err = ws_error_after_open(&b, &e.fault_ws("/ws/invalid-utf8")).await?;
    ensure_eq!(err.kind(), b.capabilities().ws_protocol_violation_error);
    Ok(())
}

pub async fn fault_ws_reserved_opcode_fails_the_connection<B: Backend>(b: B, e: Env) -> CaseResult {
    let err = ws_error_after_open(&b, &e.fault_ws("/ws/reserved-opcode")).await?;
    ensure_eq!(err.kind(), b.capabilities().ws_protocol_violation_error);
    Ok(())
}

/// A close code a peer may not send: where the client answers it with 1002 "protocol error"
/// (tungstenite) that close frame is reported; where it is passed through (Chromium, Firefox)
/// crossio fails the stream with `Protocol`; where the engine fails the connection (WebKit,
/// Node.js) the stream fails with `Closed` (`Capabilities::ws_illegal_close_code_error`).
pub async fn fault_ws_illegal_close_code_fails_the_connection<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    for code in [0u16, 999, 1004, 2000, 5000] {
        let url = e.fault_ws(&format!("/ws/close-code?code={code}"));
        let caps = b.capabilities();
        match (
            caps.ws_illegal_close_code_answered_with_1002,
            first_item(&b, &url, 10).await?.1,
        ) {
            (false, Ok(Some(Err(err)))) => ensure_eq!(err.kind(), caps.ws_illegal_close_code_error),
            (true, Ok(Some(Ok(Message::Close(Some(f)))))) => ensure_eq!(f.code(), 1002),
            (_, other) => return Err(format!("illegal close code {code}: {other:?}")),
        }
    }
    Ok(())
}

pub async fn fault_ws_legal_close_codes_are_surfaced<B: Backend>(b: B, e: Env) -> CaseResult {
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999,
    ] {
        let url = e.fault_ws(&format!("/ws/close-code?code={code}"));
        match first_item(&b, &url, 10).await?.1 {
            Ok(Some(Ok(Message::Close(Some(f))))) => {
                ensure_eq!(f.code(), code);
                ensure_eq!(f.reason(), "r");
            }
            other => return Err(format!("close code {code}: {other:?}")),
        }
    }
    Ok(())
}

pub async fn fault_ws_ping_flood_is_absorbed<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.fault_ws("/ws/ping-flood");
    match first_item(&b, &url, 20).await?.1 {
        Ok(Some(Ok(m))) => ensure_eq!(m, Message::text("after-pings")),
        other => return Err(format!("after 10 000 pings: {other:?}")),
    }
    Ok(())
}

pub async fn fault_ws_reset_after_a_message_is_closed<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.fault_ws("/ws/reset");
    let (mut c, first) = first_item(&b, &url, 10).await?;
    match first {
        Ok(Some(Ok(m))) => ensure_eq!(m, Message::text("hello")),
        other => return Err(format!("the message before the reset: {other:?}")),
    }
    match b.timeout(Duration::from_secs(10), c.next()).await {
        Ok(Some(Err(err))) => ensure_eq!(err.kind(), ErrorKind::Closed),
        other => return Err(format!("after the reset: {other:?}")),
    }
    ensure!(
        c.next().await.is_none(),
        "the stream goes on after the failure"
    );
    Ok(())
}

pub async fn fault_ws_handshake_refused_is_connect_error<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.fault_ws("/ws/refuse");
    expect_kind(
        b.connect(&url, ConnectOptions::new()).await.map(|_| ()),
        ErrorKind::Connect,
        &url,
    )?;
    Ok(())
}

pub async fn fault_ws_dropped_before_handshake_is_connect_error<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let url = e.fault_ws("/ws/drop");
    expect_kind(
        b.connect(&url, ConnectOptions::new()).await.map(|_| ()),
        ErrorKind::Connect,
        &url,
    )?;
    Ok(())
}
