//! Client-wide options (`ClientOptions` through `Configure::with_client_options`): the same
//! code configures every target; what a target cannot honour is refused as its capabilities
//! say.

use std::time::Duration;

use crossio_core::{
    Backend, ClientOptions, ConnectOptions, Credentials, ErrorKind, Message, Request, StatusCode,
};
use futures_util::StreamExt;

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

/// The `/echo` endpoint's view of one GET through `b`, as JSON.
async fn echo<B: Backend>(
    b: &B,
    e: &Env,
    r: crossio_core::RequestBuilder,
) -> Result<serde_json::Value, String> {
    let _ = e;
    let resp = b.send(r.build().ctx("building")?).await.ctx("GET /echo")?;
    ensure_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.ctx("reading /echo")?;
    serde_json::from_str(&text).map_err(|err| format!("echo is not JSON ({err}): {text}"))
}

/// Default headers reach every HTTP request that does not set them (a request's own value
/// wins), and natively the WebSocket handshake too.
pub async fn client_default_headers_are_sent<B: Backend>(b: B, e: Env) -> CaseResult {
    let opts = ClientOptions::new()
        .default_header("x-crossio-default", "from-client")
        .ctx("default header")?;
    let c = b.with_client_options(opts).ctx("with_client_options")?;
    let v = echo(&c, &e, Request::get(&e.http("/echo"))).await?;
    ensure_eq!(v["headers"]["x-crossio-default"], "from-client");
    let own = Request::get(&e.http("/echo")).header("x-crossio-default", "from-request");
    let v = echo(&c, &e, own).await?;
    ensure_eq!(v["headers"]["x-crossio-default"], "from-request");
    let v = echo(&b, &e, Request::get(&e.http("/echo"))).await?;
    ensure!(
        v["headers"].get("x-crossio-default").is_none(),
        "the original backend sent the other backend's default header"
    );
    if c.capabilities().ws_handshake_headers {
        let mut ws = c
            .connect(&e.ws("/headers"), ConnectOptions::new())
            .await
            .ctx("connect /headers")?;
        let first = ws.next().await;
        let Some(Ok(Message::Text(t))) = first else {
            return Err(format!("/headers sent {first:?}"));
        };
        ensure!(
            t.contains("from-client"),
            "the handshake lacked the default header: {t}"
        );
    }
    Ok(())
}

/// The client's default request timeout fails a slow request with `Timeout`; a request's own
/// timeout wins over it.
pub async fn client_default_request_timeout_applies<B: Backend>(b: B, e: Env) -> CaseResult {
    let opts = ClientOptions::new().request_timeout(Duration::from_millis(300));
    let c = b.with_client_options(opts).ctx("with_client_options")?;
    let slow = Request::get(&e.http("/delay/3000"))
        .build()
        .ctx("building")?;
    expect_kind(
        c.send(slow).await,
        ErrorKind::Timeout,
        "GET /delay/3000 with a 300 ms default",
    )?;
    let own = Request::get(&e.http("/delay/600"))
        .timeout(Duration::from_secs(10))
        .build()
        .ctx("building")?;
    let resp = c
        .send(own)
        .await
        .ctx("GET /delay/600 with its own 10 s timeout")?;
    ensure_eq!(resp.text().await.ctx("body")?, "delayed");
    Ok(())
}

/// Every credentials mode, per request and as the client's default, reaches the server and
/// back (cross-origin here: the test server answers CORS with credentials).
pub async fn client_credentials_modes_are_sent<B: Backend>(b: B, e: Env) -> CaseResult {
    for mode in [
        Credentials::Omit,
        Credentials::SameOrigin,
        Credentials::Include,
    ] {
        let v = echo(&b, &e, Request::get(&e.http("/echo")).credentials(mode)).await;
        v.map_err(|err| format!("request with {mode:?}: {err}"))?;
        let c = b
            .with_client_options(ClientOptions::new().credentials(mode))
            .ctx("with_client_options")?;
        let v = echo(&c, &e, Request::get(&e.http("/echo"))).await;
        v.map_err(|err| format!("client default {mode:?}: {err}"))?;
    }
    Ok(())
}

/// Options no target accepts are `InvalidInput` naming the option; options this target cannot
/// honour are `Unsupported`, as its capabilities say; the others take effect.
pub async fn client_options_bad_input_and_target_limits<B: Backend>(b: B, e: Env) -> CaseResult {
    let zero = Duration::ZERO;
    for (name, opts) in [
        (
            "connect_timeout",
            ClientOptions::new().connect_timeout(zero),
        ),
        (
            "request_timeout",
            ClientOptions::new().request_timeout(zero),
        ),
    ] {
        let err = expect_kind(
            b.with_client_options(opts).map(drop),
            ErrorKind::InvalidInput,
            name,
        )?;
        ensure!(err.to_string().contains(name), "{err} does not name {name}");
    }
    let bad = ClientOptions::new().default_header("bad name", "v");
    expect_kind(
        bad,
        ErrorKind::InvalidInput,
        "a default header named \"bad name\"",
    )?;
    let caps = b.capabilities();
    let ua = b.with_client_options(ClientOptions::new().user_agent("crossio-test/1"));
    if caps.client_user_agent {
        let c = ua.ctx("user_agent")?;
        let v = echo(&c, &e, Request::get(&e.http("/echo"))).await?;
        ensure_eq!(v["headers"]["user-agent"], "crossio-test/1");
    } else {
        expect_kind(ua.map(drop), ErrorKind::Unsupported, "user_agent")?;
    }
    let ct = b.with_client_options(ClientOptions::new().connect_timeout(Duration::from_secs(5)));
    if caps.client_connect_timeout {
        let c = ct.ctx("connect_timeout")?;
        echo(&c, &e, Request::get(&e.http("/echo"))).await?;
    } else {
        expect_kind(ct.map(drop), ErrorKind::Unsupported, "connect_timeout")?;
    }
    decompress_off(&b, &e).await?;
    let forbidden = ClientOptions::new()
        .default_header("cookie", "a=b")
        .ctx("cookie header")?;
    let r = b.with_client_options(forbidden);
    if caps.http_forbidden_headers_refused {
        expect_kind(
            r.map(drop),
            ErrorKind::Unsupported,
            "a default cookie header",
        )?;
    } else {
        r.ctx("a default cookie header")?;
    }
    Ok(())
}

/// `decompress(false)`: where the capabilities allow it, no coding is announced or decoded (no
/// `Accept-Encoding` is sent and a gzip body reads encoded); elsewhere `Unsupported`.
async fn decompress_off<B: Backend>(b: &B, e: &Env) -> CaseResult {
    let raw = b.with_client_options(ClientOptions::new().decompress(false));
    if b.capabilities().client_decompress_off {
        let c = raw.ctx("decompress(false)")?;
        let raw_caps = c.capabilities();
        ensure!(
            raw_caps.http_decoded_encodings.is_empty()
                && raw_caps.http_announced_encodings.is_empty(),
            "decompress(false) still reports codings: decoded {:?}, announced {:?}",
            raw_caps.http_decoded_encodings,
            raw_caps.http_announced_encodings
        );
        let v = echo(&c, e, Request::get(&e.http("/echo"))).await?;
        ensure!(
            v["headers"]["accept-encoding"].is_null(),
            "decompress(false) still sent Accept-Encoding: {}",
            v["headers"]["accept-encoding"]
        );
        let resp = c.send(
            Request::get(&e.http("/compressed/gzip"))
                .build()
                .ctx("building")?,
        );
        let body = resp
            .await
            .ctx("GET /compressed/gzip")?
            .bytes()
            .await
            .ctx("body")?;
        ensure!(
            body.starts_with(&[0x1f, 0x8b]),
            "decompress(false) still decoded the gzip body ({} bytes)",
            body.len()
        );
    } else {
        expect_kind(raw.map(drop), ErrorKind::Unsupported, "decompress(false)")?;
    }
    Ok(())
}
