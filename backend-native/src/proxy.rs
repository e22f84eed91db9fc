//! Proxies natively: the client's [`ProxyConfig`] as reqwest's proxy, and the TCP stream of a
//! WebSocket, direct or through an HTTP proxy's `CONNECT` tunnel (tokio-tungstenite's own
//! client connects directly only). Both read the same settings, so HTTP and WebSockets take the
//! same route for the same host.

use std::sync::Arc;
use std::time::Duration;

use crossio_core::Url;
use crossio_core::{Error, ErrorKind, ProxyConfig, Result};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The longest response head a proxy may answer `CONNECT` with.
const MAX_CONNECT_HEAD: usize = 16 << 10;

/// reqwest's proxy for `config`: the same routing as WebSockets ([`ProxyConfig::proxy_for`]).
pub(crate) fn reqwest_proxy(config: &Arc<ProxyConfig>) -> reqwest::Proxy {
    let config = config.clone();
    reqwest::Proxy::custom(move |url| {
        // reqwest's URL is the string crossio's parser wrote (see `send_request`).
        let url = Url::parse(url.as_str()).ok()?;
        config.proxy_for(&url).map(|p| p.as_str().to_owned())
    })
}

/// The proxy as it is named in messages: its URL without credentials.
pub(crate) fn display(proxy: &Url) -> String {
    let mut shown = format!("{}://{}", proxy.scheme(), proxy.host_str());
    if let Some(port) = proxy.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(proxy.path().trim_end_matches('/'));
    if let Some(query) = proxy.query() {
        shown.push('?');
        shown.push_str(query);
    }
    shown
}

/// A TCP stream to `target` (a `ws`/`wss` URL): through `proxy`'s tunnel where it routes one,
/// else directly. Errors are `Connect` naming the target (and the proxy).
pub(crate) async fn open(target: &Url, proxy: Option<&ProxyConfig>) -> Result<TcpStream> {
    let host = target.host_str();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = target.port_or_known_default();
    let stream = match proxy.and_then(|p| p.proxy_for(target)) {
        Some(via) => tunnel(via, host, port).await?,
        None => TcpStream::connect((host, port)).await.map_err(|e| {
            Error::new(ErrorKind::Connect, format!("connecting to {target}")).with_source(e)
        })?,
    };
    stream.set_nodelay(true).map_err(Error::from)?;
    Ok(stream)
}

/// Open a `CONNECT host:port` tunnel through the HTTP proxy `via`.
async fn tunnel(via: &Url, host: &str, port: u16) -> Result<TcpStream> {
    let shown = display(via);
    let fail = |what: String| Error::new(ErrorKind::Connect, format!("proxy {shown}: {what}"));
    let proxy_host = via.host_str();
    let proxy_host = proxy_host.trim_start_matches('[').trim_end_matches(']');
    let proxy_port = via.port_or_known_default();
    let mut stream = TcpStream::connect((proxy_host, proxy_port))
        .await
        .map_err(|e| fail("cannot connect to the proxy".to_owned()).with_source(e))?;
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = basic_auth(via) {
        head.push_str(&format!("Proxy-Authorization: Basic {auth}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| fail(format!("sending CONNECT {authority}")).with_source(e))?;
    let status = read_connect_answer(&mut stream)
        .await
        .map_err(|e| fail(format!("reading the answer to CONNECT {authority}")).with_source(e))?;
    if !(200..300).contains(&status) {
        return Err(fail(format!(
            "the proxy refused CONNECT {authority} with HTTP {status}"
        )));
    }
    Ok(stream)
}

/// Read the proxy's response head byte-wise up to its blank line (nothing past it: the
/// tunnel's bytes follow) and return its status code.
async fn read_connect_answer(stream: &mut TcpStream) -> std::io::Result<u16> {
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned());
    // Byte-wise on purpose: a buffered reader could swallow the first bytes of the tunnel.
    let mut reader = BufReader::with_capacity(1, stream);
    let mut head = Vec::new();
    let read = async {
        loop {
            let n = reader.read_until(b'\n', &mut head).await?;
            if n == 0 {
                return Err(bad("the proxy closed the connection"));
            }
            if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
                return Ok(());
            }
            if head.len() > MAX_CONNECT_HEAD {
                return Err(bad("the proxy's answer head is too large"));
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .map_err(|_| bad("no answer within 60 s"))??;
    let line = String::from_utf8_lossy(&head);
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("the proxy's answer is not HTTP"))?;
    Ok(status)
}

/// `user:password` of the proxy URL, percent-decoded and base64-encoded, if it has any.
fn basic_auth(via: &Url) -> Option<String> {
    if via.username().is_empty() && via.password().is_none() {
        return None;
    }
    let decode =
        |s: &str| String::from_utf8_lossy(&crossio_core::url::percent_decode(s)).into_owned();
    let pair = format!(
        "{}:{}",
        decode(via.username()),
        decode(via.password().unwrap_or(""))
    );
    Some(crossio_core::backend::base64(pair.as_bytes()))
}

#[cfg(test)]
mod tests {
    use crossio_core::Url;

    #[test]
    fn proxy_credentials_are_decoded_then_encoded() {
        let url = Url::parse("http://Aladdin:open%20sesame@p:1").expect("url");
        assert_eq!(
            super::basic_auth(&url).as_deref(),
            Some("QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
        // `+` is a plus (not a space), a `%` without two hex digits is itself.
        let url = Url::parse("http://a+b%2B%zz%4:%C3%BC@p:1").expect("url");
        assert_eq!(
            super::basic_auth(&url).as_deref(),
            Some(crossio_core::backend::base64("a+b+%zz%4:\u{fc}".as_bytes()).as_str())
        );
    }

    #[test]
    fn a_proxy_is_shown_without_credentials() {
        let url = Url::parse("http://user:secret@proxy.test:3128/").expect("url");
        assert_eq!(super::display(&url), "http://proxy.test:3128");
        let url = Url::parse("http://[::1]/p/?q").expect("url");
        assert_eq!(super::display(&url), "http://[::1]/p?q");
    }
}
