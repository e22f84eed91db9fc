//! Transport cases.

use std::time::{Duration, Instant};

use bytes::Bytes;
use crossio_core::{Backend, ConnectOptions, Connection, ErrorKind, Message, Spawner};
use futures_util::{SinkExt, StreamExt};

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

const RECV_DEADLINE: Duration = Duration::from_secs(15);

async fn open<B: Backend>(b: &B, url: &str) -> Result<B::Connection, String> {
    b.connect(url, ConnectOptions::new())
        .await
        .ctx(&format!("connecting to {url}"))
}

/// The next message, failing the case on error, end of stream or a 15 s stall.
async fn recv<B: Spawner, C: Connection>(b: &B, c: &mut C) -> Result<Message, String> {
    match b.timeout(RECV_DEADLINE, c.next()).await {
        Err(_) => Err(format!("no message within {RECV_DEADLINE:?}")),
        Ok(None) => Err("the stream ended".into()),
        Ok(Some(r)) => r.ctx("receiving"),
    }
}

async fn send<C: Connection>(c: &mut C, m: Message) -> CaseResult {
    c.send(m).await.ctx("sending")
}

async fn echo_one<B: Backend>(b: &B, e: &Env, m: Message) -> CaseResult {
    let mut c = open(b, &e.ws("/echo")).await?;
    send(&mut c, m.clone()).await?;
    ensure_eq!(recv(b, &mut c).await?, m);
    c.close().await.ctx("closing")?;
    Ok(())
}

pub async fn ws_echo_text<B: Backend>(b: B, e: Env) -> CaseResult {
    echo_one(&b, &e, Message::text("hello crossio")).await
}

pub async fn ws_echo_text_utf8_exact<B: Backend>(b: B, e: Env) -> CaseResult {
    echo_one(&b, &e, Message::text("a\0b é ü 漢字 😀 \u{10FFFF}")).await
}

pub async fn ws_echo_binary<B: Backend>(b: B, e: Env) -> CaseResult {
    let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
    echo_one(&b, &e, Message::binary(data)).await
}

pub async fn ws_echo_empty_messages<B: Backend>(b: B, e: Env) -> CaseResult {
    echo_one(&b, &e, Message::text("")).await?;
    echo_one(&b, &e, Message::Binary(Bytes::new())).await
}

pub async fn ws_echo_binary_1mib<B: Backend>(b: B, e: Env) -> CaseResult {
    let data: Vec<u8> = (0..1usize << 20).map(|i| (i * 7 % 256) as u8).collect();
    echo_one(&b, &e, Message::binary(data)).await
}

pub async fn ws_1000_messages_in_order<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = open(&b, &e.ws("/echo")).await?;
    for i in 0..1000 {
        c.feed(Message::text(format!("msg-{i}")))
            .await
            .ctx("feeding")?;
    }
    c.flush().await.ctx("flushing")?;
    for i in 0..1000 {
        ensure_eq!(recv(&b, &mut c).await?, Message::text(format!("msg-{i}")));
    }
    c.close().await.ctx("closing")?;
    Ok(())
}

pub async fn ws_echo_after_delay<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = open(&b, &e.ws("/echo?delay_ms=150")).await?;
    let start = Instant::now();
    send(&mut c, Message::text("later")).await?;
    ensure_eq!(recv(&b, &mut c).await?, Message::text("later"));
    ensure!(
        start.elapsed() >= Duration::from_millis(150),
        "echo came back after {:?}",
        start.elapsed()
    );
    Ok(())
}

pub async fn ws_concurrent_connections_echo<B: Backend>(b: B, e: Env) -> CaseResult {
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let (b2, e2) = (b.clone(), e.clone());
            b.spawn(async move {
                let mut c = open(&b2, &e2.ws("/echo")).await?;
                for j in 0..20 {
                    send(&mut c, Message::text(format!("{i}:{j}"))).await?;
                    ensure_eq!(recv(&b2, &mut c).await?, Message::text(format!("{i}:{j}")));
                }
                c.close().await.ctx("closing")
            })
        })
        .collect();
    for h in handles {
        h.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

pub async fn ws_split_halves_work_concurrently<B: Backend>(b: B, e: Env) -> CaseResult {
    let c = open(&b, &e.ws("/echo")).await?;
    let (mut sink, mut stream) = c.split();
    // The writer does not close: browsers drop messages that arrive after the client started
    // closing (the README's target table), so the close comes once every echo is in.
    let writer = b.spawn(async move {
        for i in 0..100 {
            sink.send(Message::binary(vec![i as u8; i + 1]))
                .await
                .ctx("sending")?;
        }
        Ok::<_, String>(sink)
    });
    for i in 0..100usize {
        let m = match b.timeout(RECV_DEADLINE, stream.next()).await {
            Ok(Some(Ok(m))) => m,
            other => return Err(format!("message {i}: {other:?}")),
        };
        ensure_eq!(m, Message::binary(vec![i as u8; i + 1]));
    }
    let mut sink = writer.await.map_err(|e| e.to_string())??;
    sink.close().await.ctx("closing")?;
    match b.timeout(RECV_DEADLINE, stream.next()).await {
        Ok(Some(Ok(Message::Close(_)))) => Ok(()),
        other => Err(format!("expected the close answer, got {other:?}")),
    }
}

pub async fn ws_client_close_with_code_and_reason<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = open(&b, &e.ws("/echo")).await?;
    c.close_with(4000, "bye-from-client")
        .await
        .ctx("close_with")?;
    // The server answers with the same code and reason; then the stream ends.
    match recv(&b, &mut c).await? {
        Message::Close(Some(f)) => {
            ensure_eq!(f.code(), 4000);
            ensure_eq!(f.reason(), "bye-from-client");
        }
        other => return Err(format!("expected the close answer, got {other:?}")),
    }
    ensure!(
        c.next().await.is_none(),
        "stream did not end after the close answer"
    );
    Ok(())
}

pub async fn ws_server_close_seen_with_code_and_reason<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = open(&b, &e.ws("/close?code=4001&reason=bye-from-server")).await?;
    match recv(&b, &mut c).await? {
        Message::Close(Some(f)) => {
            ensure_eq!(f.code(), 4001);
            ensure_eq!(f.reason(), "bye-from-server");
        }
        other => return Err(format!("expected the server's close frame, got {other:?}")),
    }
    ensure!(
        c.next().await.is_none(),
        "stream did not end after the close frame"
    );
    Ok(())
}

pub async fn ws_server_sends_n_then_closes<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = open(&b, &e.ws("/send?n=50&size=100")).await?;
    for i in 0..50 {
        match recv(&b, &mut c).await? {
            Message::Text(t) => {
                ensure_eq!(t.len(), 100);
                ensure!(t.starts_with(&format!("{i}.")), "message {i} was {t:?}");
            }
            other => return Err(format!("message {i}: {other:?}")),
        }
    }
    match recv(&b, &mut c).await? {
        Message::Close(Some(f)) => {
            ensure_eq!(f.code(), 1000);
            ensure_eq!(f.reason(), "done");
        }
        other => return Err(format!("expected close after 50 messages, got {other:?}")),
    }
    Ok(())
}

pub async fn ws_subprotocol_negotiated<B: Backend>(b: B, e: Env) -> CaseResult {
    let opts = ConnectOptions::new()
        .subprotocol("crossio.v2")
        .subprotocol("crossio.v1");
    let mut c = b.connect(&e.ws("/echo"), opts).await.ctx("connecting")?;
    ensure_eq!(c.protocol(), Some("crossio.v2"));
    send(&mut c, Message::text("p")).await?;
    ensure_eq!(recv(&b, &mut c).await?, Message::text("p"));
    Ok(())
}

/// Where handshake headers are not supported (browsers cannot set them) the connect must fail
/// with `Unsupported`; elsewhere the server sees the header.
pub async fn ws_custom_header<B: Backend>(b: B, e: Env) -> CaseResult {
    let opts = ConnectOptions::new().header("x-crossio-test", "header-value-1");
    let r = b.connect(&e.ws("/headers"), opts).await;
    if !b.capabilities().ws_handshake_headers {
        expect_kind(
            r.map(|_| ()),
            ErrorKind::Unsupported,
            "custom header without handshake header support",
        )?;
        return Ok(());
    }
    let mut c = r.ctx("connecting with a custom header")?;
    match recv(&b, &mut c).await? {
        Message::Text(json) => {
            let v: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            ensure_eq!(v["x-crossio-test"], "header-value-1");
        }
        other => return Err(format!("expected the header report, got {other:?}")),
    }
    Ok(())
}

pub async fn ws_connect_refused_is_connect_error<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = format!("ws://127.0.0.1:{}/echo", e.closed_port);
    let err = expect_kind(
        b.connect(&url, ConnectOptions::new()).await.map(|_| ()),
        ErrorKind::Connect,
        "refused",
    )?;
    ensure!(
        err.to_string().contains(&url),
        "error does not name the URL: {err}"
    );
    Ok(())
}

pub async fn ws_connect_timeout_is_timeout<B: Backend>(b: B, e: Env) -> CaseResult {
    // The HTTP port's /delay/5000 holds the handshake request for 5 s.
    let url = format!("ws://127.0.0.1:{}/delay/5000", e.http_port);
    let opts = ConnectOptions::new().connect_timeout(Duration::from_millis(300));
    let start = Instant::now();
    expect_kind(
        b.connect(&url, opts).await.map(|_| ()),
        ErrorKind::Timeout,
        "stalled handshake",
    )?;
    ensure!(
        start.elapsed() < Duration::from_secs(4),
        "timeout took {:?}",
        start.elapsed()
    );
    Ok(())
}

pub async fn ws_bad_url_is_invalid_input<B: Backend>(b: B, _e: Env) -> CaseResult {
    for url in [
        "",
        "not a url",
        "ws://",
        "ws://:80/",
        "ws://127.0.0.1:99999/",
        "ws://127.0.0.1/#frag",
    ] {
        expect_kind(
            b.connect(url, ConnectOptions::new()).await.map(|_| ()),
            ErrorKind::InvalidInput,
            url,
        )?;
    }
    Ok(())
}

pub async fn ws_unsupported_scheme_is_invalid_input<B: Backend>(b: B, e: Env) -> CaseResult {
    for url in [
        e.http("/echo"),
        "ftp://127.0.0.1/".into(),
        "file:///etc/passwd".into(),
    ] {
        expect_kind(
            b.connect(&url, ConnectOptions::new()).await.map(|_| ()),
            ErrorKind::InvalidInput,
            &url,
        )?;
    }
    Ok(())
}

pub async fn ws_invalid_header_is_invalid_input<B: Backend>(b: B, e: Env) -> CaseResult {
    for opts in [
        ConnectOptions::new().header("bad name", "v"),
        ConnectOptions::new().header("x-ok", "line\nbreak"),
        ConnectOptions::new().header("", "v"),
    ] {
        expect_kind(
            b.connect(&e.ws("/echo"), opts).await.map(|_| ()),
            ErrorKind::InvalidInput,
            "bad header",
        )?;
    }
    Ok(())
}

pub async fn ws_invalid_options_are_invalid_input<B: Backend>(b: B, e: Env) -> CaseResult {
    for (what, opts) in [
        (
            "zero connect timeout",
            ConnectOptions::new().connect_timeout(Duration::ZERO),
        ),
        (
            "zero max message size",
            ConnectOptions::new().max_message_size(0),
        ),
        (
            "subprotocol with a space",
            ConnectOptions::new().subprotocol("a b"),
        ),
        ("empty subprotocol", ConnectOptions::new().subprotocol("")),
    ] {
        expect_kind(
            b.connect(&e.ws("/echo"), opts).await.map(|_| ()),
            ErrorKind::InvalidInput,
            what,
        )?;
    }
    Ok(())
}

pub async fn ws_forbidden_close_codes_are_invalid_input<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = open(&b, &e.ws("/echo")).await?;
    for code in [0u16, 999, 1001, 1005, 1006, 1015, 2999, 5000] {
        expect_kind(
            c.close_with(code, "").await,
            ErrorKind::InvalidInput,
            &format!("close code {code}"),
        )?;
    }
    // The connection is still usable after refused closes.
    send(&mut c, Message::text("still open")).await?;
    ensure_eq!(recv(&b, &mut c).await?, Message::text("still open"));
    Ok(())
}

pub async fn ws_close_reason_over_123_bytes_is_invalid_input<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let mut c = open(&b, &e.ws("/echo")).await?;
    expect_kind(
        c.close_with(1000, &"r".repeat(124)).await,
        ErrorKind::InvalidInput,
        "124-byte reason",
    )?;
    expect_kind(
        c.close_with(1000, &"é".repeat(62)).await,
        ErrorKind::InvalidInput,
        "62 two-byte chars",
    )?;
    c.close_with(1000, &"r".repeat(123))
        .await
        .ctx("123-byte reason")?;
    Ok(())
}

pub async fn ws_send_after_close_is_closed<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = open(&b, &e.ws("/echo")).await?;
    c.close_with(1000, "done").await.ctx("closing")?;
    expect_kind(
        c.send(Message::text("late")).await,
        ErrorKind::Closed,
        "send after close",
    )?;
    expect_kind(
        c.close_with(1000, "again").await,
        ErrorKind::Closed,
        "second close",
    )?;
    Ok(())
}

pub async fn ws_message_over_max_size_is_capacity<B: Backend>(b: B, e: Env) -> CaseResult {
    let opts = ConnectOptions::new().max_message_size(1024);
    let mut c = b.connect(&e.ws("/echo"), opts).await.ctx("connecting")?;
    send(&mut c, Message::binary(vec![1u8; 1000])).await?;
    ensure_eq!(recv(&b, &mut c).await?, Message::binary(vec![1u8; 1000]));
    send(&mut c, Message::binary(vec![2u8; 4096])).await?;
    let r = match b.timeout(RECV_DEADLINE, c.next()).await {
        Ok(Some(r)) => r,
        other => {
            return Err(format!(
                "expected an error for the 4 KiB echo, got {other:?}"
            ));
        }
    };
    expect_kind(r, ErrorKind::Capacity, "4 KiB message with a 1 KiB limit")?;
    Ok(())
}

/// Live WebSocket resources of the backend: its open connections plus their callback
/// registrations.
pub(crate) fn live_sockets<B: Backend>(b: &B) -> usize {
    let d = b.diagnostics();
    d.live_connections + d.live_socket_callbacks
}

pub async fn ws_50_connections_x_100_messages_leave_nothing_alive<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let handles: Vec<_> = (0..50)
        .map(|i| {
            let (b2, e2) = (b.clone(), e.clone());
            b.spawn(async move {
                let mut c = open(&b2, &e2.ws("/echo")).await?;
                for j in 0..100 {
                    c.feed(Message::text(format!("{i}/{j}")))
                        .await
                        .ctx("feeding")?;
                }
                c.flush().await.ctx("flushing")?;
                for j in 0..100 {
                    ensure_eq!(recv(&b2, &mut c).await?, Message::text(format!("{i}/{j}")));
                }
                c.close().await.ctx("closing")?;
                match recv(&b2, &mut c).await? {
                    Message::Close(_) => Ok(()),
                    other => Err(format!(
                        "connection {i}: expected the close answer, got {other:?}"
                    )),
                }
            })
        })
        .collect();
    for h in handles {
        h.await.map_err(|e| e.to_string())??;
    }
    // Sockets are released asynchronously (on the browser's main thread): allow a moment.
    let start = Instant::now();
    while live_sockets(&b) != 0 && start.elapsed() < Duration::from_secs(5) {
        b.sleep(Duration::from_millis(20)).await;
    }
    ensure_eq!(live_sockets(&b), 0);
    Ok(())
}

/// A reader that stops reading: natively TCP flow control holds the peer back and every message
/// arrives; browsers push without back-pressure, so there the connection fails with `Capacity`
/// once `max_queued_bytes` would be passed, instead of growing memory.
pub async fn ws_slow_reader_is_bounded<B: Backend>(b: B, e: Env) -> CaseResult {
    let opts = ConnectOptions::new()
        .max_message_size(20_000)
        .max_queued_bytes(200_000);
    let mut c = b
        .connect(&e.ws("/send?n=200&size=10000"), opts)
        .await
        .ctx("connecting")?;
    b.sleep(Duration::from_millis(1000)).await;
    let back_pressure = b.capabilities().ws_receive_back_pressure;
    let mut got = 0;
    loop {
        match b.timeout(RECV_DEADLINE, c.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                ensure!(
                    t.starts_with(&format!("{got}.")),
                    "message {got} was {:?}",
                    &t[..10.min(t.len())]
                );
                got += 1;
            }
            Ok(Some(Ok(Message::Close(Some(f))))) if back_pressure => {
                ensure_eq!(f.code(), 1000);
                ensure_eq!(got, 200);
                return Ok(());
            }
            Ok(Some(Err(err))) if !back_pressure => {
                ensure_eq!(err.kind(), ErrorKind::Capacity);
                ensure!(
                    got <= 20,
                    "{got} messages of 10 kB passed a 200 kB queue bound"
                );
                return Ok(());
            }
            other => return Err(format!("after {got} messages: {other:?}")),
        }
    }
}

pub async fn ws_32mib_through_split_halves_with_back_pressure<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let c = open(&b, &e.ws("/echo")).await?;
    let (mut sink, mut stream) = c.split();
    let writer = b.spawn(async move {
        for i in 0..32u8 {
            sink.send(Message::binary(vec![i; 1 << 20]))
                .await
                .ctx("sending")?;
        }
        Ok::<_, String>(sink)
    });
    for i in 0..32u8 {
        match b.timeout(RECV_DEADLINE, stream.next()).await {
            Ok(Some(Ok(Message::Binary(d)))) => {
                ensure_eq!(d.len(), 1 << 20);
                ensure!(d.iter().all(|&x| x == i), "MiB {i} is corrupt");
            }
            other => return Err(format!("MiB {i}: {other:?}")),
        }
    }
    let mut sink = writer.await.map_err(|e| e.to_string())??;
    sink.close().await.ctx("closing")?;
    Ok(())
}

pub async fn ws_send_after_server_close_is_closed<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut c = open(&b, &e.ws("/close?code=4002&reason=gone")).await?;
    match recv(&b, &mut c).await? {
        Message::Close(Some(f)) => ensure_eq!(f.code(), 4002),
        other => return Err(format!("expected the server's close, got {other:?}")),
    }
    expect_kind(
        c.send(Message::text("late")).await,
        ErrorKind::Closed,
        "send after the server closed",
    )?;
    Ok(())
}
