//! The fault server: a raw TCP listener on 127.0.0.1 that misbehaves on purpose, byte by byte.
//!
//! HTTP paths (every answer carries CORS headers so browsers may read it):
//! - `/http/reset` resets the connection (RST) instead of answering.
//! - `/http/bad-status` answers with something that is not an HTTP status line.
//! - `/http/short-body` announces 1000 bytes, sends 500 and closes.
//! - `/http/truncated-chunked` sends one 256-byte chunk and closes without the last chunk.
//! - `/http/cut-mid-chunk` announces a 256-byte chunk, sends 100 bytes of it and closes.
//! - `/http/stall-head` reads the request and never answers (closes after 30 s).
//! - `/http/stall-body` sends the head and 100 of 1000 bytes, then stalls (30 s).
//! - `/http/redirect-loop` redirects to itself forever.
//! - `/http/huge-headers` answers with 64 headers `x-big-NN` of 1000 bytes each (64 KiB).
//!
//! WebSocket paths (the handshake is done by hand):
//! - `/ws/invalid-utf8` sends a text frame that is not UTF-8.
//! - `/ws/reserved-opcode` sends a frame with the reserved opcode 3.
//! - `/ws/ping-flood` sends 10 000 pings, then the text `after-pings`.
//! - `/ws/close-code?code=N` closes with code `N` (legal or not) and reason `r`, then closes TCP
//!   once the client answers.
//! - `/ws/reset` sends the text `hello`, then resets the connection.
//! - `/ws/refuse` answers the handshake with 403.
//! - `/ws/drop` closes the connection without answering the handshake.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CORS: &str = "Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: *\r\n\
                    Cross-Origin-Resource-Policy: cross-origin\r\n";

/// How long a stalling endpoint holds the connection before giving up.
const STALL: Duration = Duration::from_secs(30);

pub(crate) async fn accept_faults(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let _ = serve(stream).await;
        });
    }
}

/// Read the request head (at most 64 KiB).
async fn read_head(s: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut byte).await?;
        if n == 0 || buf.len() > 64 << 10 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&byte[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn reset(s: TcpStream) {
    // SO_LINGER 0: closing sends RST instead of FIN (and, with a zero timeout, never blocks,
    // which is what tokio's deprecation warns about).
    #[allow(deprecated)]
    let _ = s.set_linger(Some(Duration::ZERO));
    drop(s);
}

/// Drain what the peer sends (pongs, close frames) until it closes or `limit` passes.
async fn drain(s: &mut (impl AsyncReadExt + Unpin), limit: Duration) {
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(limit, async {
        while let Ok(n) = s.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// An unmasked server frame.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => f.push(n as u8),
        n if n <= 0xffff => {
            f.push(126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(payload);
    f
}

async fn serve(mut s: TcpStream) -> std::io::Result<()> {
    let head = read_head(&mut s).await?;
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_owned();
    let target = request_line.next().unwrap_or("/").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if method == "OPTIONS" {
        let allow = header(&head, "access-control-request-headers").unwrap_or("*");
        let resp = format!(
            "HTTP/1.1 204 No Content\r\n{CORS}Access-Control-Allow-Methods: GET, POST, PUT, DELETE, PATCH\r\n\
             Access-Control-Allow-Headers: {allow}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return s.write_all(resp.as_bytes()).await;
    }
    if let Some(ws) = path.strip_prefix("/ws/") {
        return serve_ws(s, &head, ws, query).await;
    }
    match path {
        "/http/reset" => reset(s),
        "/http/bad-status" => {
            // Not HTTP at all (Chromium reads "HTTP/1.1 abc" leniently as a 200).
            s.write_all(b"SMTP ready\r\nnot an http response\r\n\r\n")
                .await?;
        }
        "/http/short-body" => {
            let head = format!(
                "HTTP/1.1 200 OK\r\n{CORS}Content-Length: 1000\r\nConnection: close\r\n\r\n"
            );
            s.write_all(head.as_bytes()).await?;
            s.write_all(&[b'x'; 500]).await?;
            s.flush().await?;
        }
        "/http/truncated-chunked" | "/http/cut-mid-chunk" => {
            let head = format!(
                "HTTP/1.1 200 OK\r\n{CORS}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            );
            s.write_all(head.as_bytes()).await?;
            s.write_all(b"100\r\n").await?;
            if path == "/http/truncated-chunked" {
                s.write_all(&[b'y'; 256]).await?;
                s.write_all(b"\r\n").await?;
            } else {
                s.write_all(&[b'y'; 100]).await?;
            }
            s.flush().await?;
        }
        "/http/stall-head" => tokio::time::sleep(STALL).await,
        "/http/stall-body" => {
            let head = format!("HTTP/1.1 200 OK\r\n{CORS}Content-Length: 1000\r\n\r\n");
            s.write_all(head.as_bytes()).await?;
            s.write_all(&[b'z'; 100]).await?;
            s.flush().await?;
            tokio::time::sleep(STALL).await;
        }
        "/http/redirect-loop" => {
            let resp = format!(
                "HTTP/1.1 302 Found\r\n{CORS}Location: /http/redirect-loop\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            );
            s.write_all(resp.as_bytes()).await?;
        }
        "/http/huge-headers" => {
            let mut resp = format!("HTTP/1.1 200 OK\r\n{CORS}");
            for i in 0..64 {
                resp.push_str(&format!("x-big-{i:02}: {}\r\n", "h".repeat(1000)));
            }
            resp.push_str("Content-Length: 2\r\nConnection: close\r\n\r\nok");
            s.write_all(resp.as_bytes()).await?;
        }
        _ => {
            let body = format!("no fault at {path}");
            let resp = format!(
                "HTTP/1.1 404 Not Found\r\n{CORS}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            s.write_all(resp.as_bytes()).await?;
        }
    }
    Ok(())
}

async fn serve_ws(mut s: TcpStream, head: &str, which: &str, query: &str) -> std::io::Result<()> {
    match which {
        "drop" => return Ok(()),
        "refuse" => {
            return s
                .write_all(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
        }
        _ => {}
    }
    let key = header(head, "sec-websocket-key").unwrap_or("");
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    s.write_all(resp.as_bytes()).await?;
    s.flush().await?;
    // Let the client see the handshake complete (some browsers check frames that arrive with
    // the handshake before they report the connection open).
    tokio::time::sleep(Duration::from_millis(100)).await;
    match which {
        "invalid-utf8" => s.write_all(&frame(0x1, &[0x66, 0xff, 0xfe, 0x66])).await?,
        "reserved-opcode" => s.write_all(&frame(0x3, b"")).await?,
        "ping-flood" => {
            let pings: Vec<u8> = (0..10_000).flat_map(|_| frame(0x9, b"")).collect();
            let (mut rd, mut wr) = s.into_split();
            // Read the pongs while writing, so neither side's buffers fill up.
            let reader = tokio::spawn(async move { drain(&mut rd, STALL).await });
            wr.write_all(&pings).await?;
            wr.write_all(&frame(0x1, b"after-pings")).await?;
            let _ = reader.await;
            return Ok(());
        }
        "close-code" => {
            let code: u16 = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "code")
                .and_then(|(_, c)| c.parse().ok())
                .unwrap_or(1000);
            let mut payload = code.to_be_bytes().to_vec();
            payload.push(b'r');
            s.write_all(&frame(0x8, &payload)).await?;
            s.flush().await?;
            // As a server should (RFC 6455 §7.1.1): once the client answers (or gives up),
            // close TCP. Clients that wait for the server to close first (Node.js) see the
            // close event only then.
            let mut answer = [0u8; 64];
            let _ = tokio::time::timeout(Duration::from_secs(10), s.read(&mut answer)).await;
            return Ok(());
        }
        "reset" => {
            s.write_all(&frame(0x1, b"hello")).await?;
            s.flush().await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            reset(s);
            return Ok(());
        }
        _ => s.write_all(&frame(0x8, &1011u16.to_be_bytes())).await?,
    }
    s.flush().await?;
    drain(&mut s, Duration::from_secs(10)).await;
    Ok(())
}
