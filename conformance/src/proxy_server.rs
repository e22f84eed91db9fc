//! The test server's HTTP proxies on 127.0.0.1, which count what passes through them.
//!
//! - The *counting* proxy tunnels `CONNECT host:port` (answering `200`) and forwards
//!   absolute-form requests (`GET http://host:port/path HTTP/1.1`, sent on as origin-form with
//!   `Connection: close`), to loopback targets only (`127.0.0.1`, `::1`, `localhost`; any other
//!   target is answered `403`: this is no open proxy). Each tunnel and each forwarded request is
//!   counted per target `host:port`: `/proxy-counts` on the HTTP port answers
//!   `{"HOST:PORT": {"connect": N, "forward": M}, ...}`.
//! - The *refusing* proxy answers every `CONNECT` with `403 Forbidden` and closes every other
//!   request's connection without an answer (a refusal before any response); it counts the
//!   refusals under the target as `"refused"`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What passed through the proxies, per target `host:port`.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    connect: u64,
    forward: u64,
    refused: u64,
}

fn counts() -> &'static Mutex<HashMap<String, Counts>> {
    static COUNTS: OnceLock<Mutex<HashMap<String, Counts>>> = OnceLock::new();
    COUNTS.get_or_init(Mutex::default)
}

fn count(target: &str, f: impl FnOnce(&mut Counts)) {
    let mut all = counts().lock().unwrap_or_else(|p| p.into_inner());
    f(all.entry(target.to_owned()).or_default());
}

/// The counts as the JSON `/proxy-counts` answers.
pub fn counts_json() -> String {
    let all = counts().lock().unwrap_or_else(|p| p.into_inner());
    let map: serde_json::Map<String, serde_json::Value> = all
        .iter()
        .map(|(k, c)| {
            let v = serde_json::json!({
                "connect": c.connect,
                "forward": c.forward,
                "refused": c.refused,
            });
            (k.clone(), v)
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Serve proxy connections on `listener`; `refuse` makes it the refusing proxy.
pub async fn accept_proxy(listener: TcpListener, refuse: bool) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let _ = serve(stream, refuse).await;
        });
    }
}

/// The request head: its first line and the header lines, as read.
struct Head {
    method: String,
    target: String,
    headers: Vec<String>,
}

async fn read_head(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Head>> {
    let mut first = String::new();
    if reader.read_line(&mut first).await? == 0 {
        return Ok(None);
    }
    let mut parts = first.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        if headers.len() > 200 {
            return Ok(None);
        }
        headers.push(line);
    }
    Ok(Some(Head {
        method,
        target,
        headers,
    }))
}

/// Whether `host` (as in a request target) is a loopback name or address.
fn loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn serve(stream: TcpStream, refuse: bool) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let Some(head) = read_head(&mut reader).await? else {
        return Ok(());
    };
    if head.method.eq_ignore_ascii_case("CONNECT") {
        let authority = head.target.clone();
        let host = authority.rsplit_once(':').map_or("", |(h, _)| h);
        if refuse || !loopback(host) {
            count(&authority, |c| c.refused += 1);
            let answer = b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n";
            return reader.get_mut().write_all(answer).await;
        }
        let upstream = TcpStream::connect(&authority).await;
        let Ok(mut upstream) = upstream else {
            let answer = b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n";
            return reader.get_mut().write_all(answer).await;
        };
        count(&authority, |c| c.connect += 1);
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        // Bytes the client sent after its head (already buffered) go first.
        let early = reader.buffer().to_vec();
        upstream.write_all(&early).await?;
        let mut client = reader.into_inner();
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        return Ok(());
    }
    forward(reader, head, refuse).await
}

/// An absolute-form request: sent on as origin-form with `Connection: close`, then the bytes
/// flow both ways until the target closes.
async fn forward(reader: BufReader<TcpStream>, head: Head, refuse: bool) -> std::io::Result<()> {
    let Ok(url) = url::Url::parse(&head.target) else {
        return Ok(());
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return Ok(());
    };
    let authority = format!("{host}:{port}");
    if refuse || url.scheme() != "http" || !loopback(host) {
        count(&authority, |c| c.refused += 1);
        return Ok(()); // closed without an answer
    }
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        return Ok(());
    };
    count(&authority, |c| c.forward += 1);
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut out = format!("{} {path} HTTP/1.1\r\n", head.method);
    for line in &head.headers {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if name.starts_with("proxy-") || name == "connection" || name == "keep-alive" {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("connection: close\r\n\r\n");
    upstream.write_all(out.as_bytes()).await?;
    let early = reader.buffer().to_vec();
    upstream.write_all(&early).await?;
    let mut client = reader.into_inner();
    let (mut up_read, mut up_write) = upstream.split();
    let (mut cl_read, mut cl_write) = client.split();
    let to_client = async {
        let r = tokio::io::copy(&mut up_read, &mut cl_write).await;
        let _ = cl_write.shutdown().await;
        r
    };
    let to_upstream = async {
        let mut buf = vec![0u8; 16 << 10];
        loop {
            match cl_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if up_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
    };
    // The exchange is over when the target has answered and closed.
    tokio::select! {
        r = to_client => r.map(drop),
        () = async { to_upstream.await; std::future::pending::<()>().await } => Ok(()),
    }
}
