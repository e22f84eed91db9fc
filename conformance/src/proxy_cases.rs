//! Proxies (`ClientOptions::proxy`): HTTP requests and WebSocket connections through the test
//! server's counting proxy (the count per target goes up), the environment's variables and
//! their exceptions, and a proxy that refuses. Where the browser's own proxy settings apply
//! (`Capabilities::client_proxy` false), every choice but `Proxy::FromEnv` is `Unsupported`.

use crossio_core::{
    Backend, ClientOptions, ConnectOptions, ErrorKind, Message, Proxy, ProxyConfig, Request,
    StatusCode,
};
use futures_util::{SinkExt, StreamExt};

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

/// How many tunnels (`connect`) and forwarded requests (`forward`) the proxies passed to
/// 127.0.0.1:`port` so far (read directly, never through a proxy).
async fn passed<B: Backend>(b: &B, e: &Env, port: u16) -> Result<(u64, u64), String> {
    let direct = b
        .with_client_options(ClientOptions::new().proxy(Proxy::Off))
        .ctx("Proxy::Off")?;
    let req = Request::get(&e.http("/proxy-counts"))
        .build()
        .ctx("build")?;
    let resp = direct.send(req).await.ctx("GET /proxy-counts")?;
    ensure_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.ctx("/proxy-counts body")?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| format!("{err}: {text}"))?;
    let c = &v[format!("127.0.0.1:{port}")];
    Ok((
        c["connect"].as_u64().unwrap_or(0),
        c["forward"].as_u64().unwrap_or(0),
    ))
}

/// One HTTP GET of `/echo` and one WebSocket echo through `c`.
async fn round_trips<B: Backend>(c: &B, e: &Env) -> CaseResult {
    let req = Request::get(&e.http("/echo")).build().ctx("build")?;
    let resp = c.send(req).await.ctx("GET /echo")?;
    ensure_eq!(resp.status(), StatusCode::OK);
    resp.text().await.ctx("/echo body")?;
    let mut ws = c
        .connect(&e.ws("/echo"), ConnectOptions::new())
        .await
        .ctx("connect /echo")?;
    ws.send(Message::text("through")).await.ctx("send")?;
    let echo = ws.next().await;
    ensure!(
        matches!(&echo, Some(Ok(Message::Text(t))) if t.as_str() == "through"),
        "the echo was {echo:?}"
    );
    ws.close().await.ctx("close")?;
    Ok(())
}

/// Round trips through `c`, and what the counting proxy passed meanwhile: (HTTP requests
/// forwarded to the HTTP port, tunnels to the WebSocket port).
async fn counted_round_trips<B: Backend>(b: &B, c: &B, e: &Env) -> Result<(u64, u64), String> {
    let (_, http0) = passed(b, e, e.http_port).await?;
    let (ws0, _) = passed(b, e, e.ws_port).await?;
    round_trips(c, e).await?;
    let (_, http1) = passed(b, e, e.http_port).await?;
    let (ws1, _) = passed(b, e, e.ws_port).await?;
    Ok((http1 - http0, ws1 - ws0))
}

/// An explicit proxy carries HTTP requests (forwarded) and WebSockets (`CONNECT` tunnel); a
/// proxy URL that does not parse or is not `http://` is `InvalidInput` naming the option on
/// every target. Browsers: an explicit proxy and `Proxy::Off` are `Unsupported`.
pub async fn client_proxy_explicit_carries_http_and_ws<B: Backend>(b: B, e: Env) -> CaseResult {
    for bad in [
        "socks5://127.0.0.1:1080",
        "https://127.0.0.1:1",
        "http://",
        "no url",
    ] {
        let err = expect_kind(Proxy::url(bad), ErrorKind::InvalidInput, bad)?;
        ensure!(
            err.to_string().contains("client option proxy"),
            "{err} does not name the option"
        );
    }
    let explicit = Proxy::url(&e.proxy()).ctx("Proxy::url")?;
    let with = b.with_client_options(ClientOptions::new().proxy(explicit));
    if !b.capabilities().client_proxy {
        expect_kind(with.map(drop), ErrorKind::Unsupported, "an explicit proxy")?;
        let off = b.with_client_options(ClientOptions::new().proxy(Proxy::Off));
        expect_kind(off.map(drop), ErrorKind::Unsupported, "Proxy::Off")?;
        return Ok(());
    }
    let c = with.ctx("an explicit proxy")?;
    let (http, ws) = counted_round_trips(&b, &c, &e).await?;
    ensure_eq!((http, ws), (1, 1));
    Ok(())
}

/// The environment's variables (given as a list: the process environment is shared by every
/// test) route HTTP and WebSockets through `HTTP_PROXY`; `NO_PROXY` (an address, a port of it)
/// and `Proxy::Off` go direct; a bad variable is `InvalidInput` naming it. Browsers: such
/// settings are `Unsupported` (the browser's own apply).
pub async fn client_proxy_env_vars_and_no_proxy_are_honoured<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let bad = ProxyConfig::from_env_vars([("HTTPS_PROXY", "socks5://127.0.0.1:1")]);
    let err = expect_kind(bad, ErrorKind::InvalidInput, "HTTPS_PROXY=socks5://…")?;
    ensure!(err.to_string().contains("HTTPS_PROXY"), "{err}");
    let vars = |extra: &[(&str, String)]| -> Result<ClientOptions, String> {
        let mut all = vec![("HTTP_PROXY", e.proxy()), ("PATH", "/bin".to_owned())];
        all.extend(extra.iter().cloned());
        let config = ProxyConfig::from_env_vars(all).ctx("from_env_vars")?;
        Ok(ClientOptions::new().proxy(Proxy::Config(config)))
    };
    let through = b.with_client_options(vars(&[])?);
    if !b.capabilities().client_proxy {
        expect_kind(through.map(drop), ErrorKind::Unsupported, "proxy settings")?;
        return Ok(());
    }
    let c = through.ctx("HTTP_PROXY")?;
    ensure_eq!(counted_round_trips(&b, &c, &e).await?, (1, 1));
    let all_direct = b
        .with_client_options(vars(&[("NO_PROXY", "localhost, 127.0.0.1".to_owned())])?)
        .ctx("NO_PROXY")?;
    ensure_eq!(counted_round_trips(&b, &all_direct, &e).await?, (0, 0));
    let ws_direct = format!("127.0.0.1:{}", e.ws_port);
    let ws_only = b
        .with_client_options(vars(&[("no_proxy", ws_direct)])?)
        .ctx("no_proxy with a port")?;
    ensure_eq!(counted_round_trips(&b, &ws_only, &e).await?, (1, 0));
    let off = b
        .with_client_options(ClientOptions::new().proxy(Proxy::Off))
        .ctx("Proxy::Off")?;
    ensure_eq!(counted_round_trips(&b, &off, &e).await?, (0, 0));
    Ok(())
}

/// A proxy that refuses (`403` to `CONNECT`, the connection closed on a forwarded request)
/// fails the WebSocket connect and the HTTP request with `Connect`, the message naming the
/// proxy. Browsers: `Unsupported` (no proxy of crossio's own).
pub async fn client_proxy_refused_is_connect_error_naming_it<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let refusing = format!("127.0.0.1:{}", e.refusing_proxy_port);
    let proxy = Proxy::url(&format!("http://{refusing}")).ctx("Proxy::url")?;
    let with = b.with_client_options(ClientOptions::new().proxy(proxy));
    if !b.capabilities().client_proxy {
        expect_kind(with.map(drop), ErrorKind::Unsupported, "an explicit proxy")?;
        return Ok(());
    }
    let c = with.ctx("the refusing proxy")?;
    let ws = c.connect(&e.ws("/echo"), ConnectOptions::new()).await;
    let err = expect_kind(
        ws.map(drop),
        ErrorKind::Connect,
        "WebSocket via a refusing proxy",
    )?;
    ensure!(
        err.to_string().contains(&refusing) && err.to_string().contains("403"),
        "the error does not name the proxy and its answer: {err}"
    );
    let req = Request::get(&e.http("/echo")).build().ctx("build")?;
    let err = expect_kind(
        c.send(req).await.map(drop),
        ErrorKind::Connect,
        "HTTP via a refusing proxy",
    )?;
    ensure!(
        err.to_string().contains(&refusing),
        "the error does not name the proxy: {err}"
    );
    Ok(())
}
