//! Http cases.

use std::time::{Duration, Instant};

use crossio_core::{
    Backend, ContentEncoding, Credentials, ErrorKind, Redirect, Request, Response, StatusCode,
};
use futures_util::StreamExt;

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

async fn send<B: Backend>(b: &B, r: crossio_core::RequestBuilder) -> Result<Response, String> {
    let req = r.build().ctx("building the request")?;
    let url = req.url();
    b.send(req).await.ctx(&format!("sending to {url}"))
}

async fn echo_json<B: Backend>(
    b: &B,
    r: crossio_core::RequestBuilder,
) -> Result<serde_json::Value, String> {
    let resp = send(b, r).await?;
    ensure_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.ctx("reading the echo")?;
    serde_json::from_str(&text).map_err(|e| format!("echo is not JSON ({e}): {text}"))
}

fn pattern(range: std::ops::Range<usize>) -> Vec<u8> {
    range.map(|i| (i % 251) as u8).collect()
}

pub async fn http_get_text<B: Backend>(b: B, e: Env) -> CaseResult {
    let resp = send(&b, Request::get(&e.http("/status/200"))).await?;
    ensure_eq!(resp.status(), StatusCode::OK);
    ensure_eq!(resp.url(), e.http("/status/200"));
    ensure_eq!(resp.text().await.ctx("body")?, "status 200");
    Ok(())
}

async fn method_with_body<B: Backend>(b: &B, e: &Env, method: &str) -> CaseResult {
    let body = format!("{method} body ✓");
    let v = echo_json(
        b,
        Request::builder(method, &e.http("/echo?x=1")).body(body.clone()),
    )
    .await?;
    ensure_eq!(v["method"], method);
    ensure_eq!(v["path"], "/echo");
    ensure_eq!(v["query"], "x=1");
    ensure_eq!(v["body"], body.as_str());
    ensure_eq!(v["body_len"], body.len());
    Ok(())
}

pub async fn http_post_echoes_body<B: Backend>(b: B, e: Env) -> CaseResult {
    method_with_body(&b, &e, "POST").await
}

pub async fn http_put_echoes_body<B: Backend>(b: B, e: Env) -> CaseResult {
    method_with_body(&b, &e, "PUT").await
}

pub async fn http_patch_echoes_body<B: Backend>(b: B, e: Env) -> CaseResult {
    method_with_body(&b, &e, "PATCH").await
}

pub async fn http_delete_is_sent<B: Backend>(b: B, e: Env) -> CaseResult {
    let v = echo_json(&b, Request::builder("DELETE", &e.http("/echo"))).await?;
    ensure_eq!(v["method"], "DELETE");
    ensure_eq!(v["body_len"], 0);
    Ok(())
}

pub async fn http_headers_round_trip<B: Backend>(b: B, e: Env) -> CaseResult {
    let req = Request::post(&e.http("/echo"))
        .header("x-crossio-one", "first value")
        .header("x-crossio-two", "second")
        .header("content-type", "text/plain");
    let resp = send(&b, req.body("hi")).await?;
    ensure_eq!(
        resp.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let v: serde_json::Value =
        serde_json::from_str(&resp.text().await.ctx("body")?).map_err(|e| e.to_string())?;
    ensure_eq!(v["headers"]["x-crossio-one"], "first value");
    ensure_eq!(v["headers"]["x-crossio-two"], "second");
    ensure_eq!(v["headers"]["content-type"], "text/plain");
    Ok(())
}

pub async fn http_404_is_a_response<B: Backend>(b: B, e: Env) -> CaseResult {
    let resp = send(&b, Request::get(&e.http("/status/404"))).await?;
    ensure_eq!(resp.status(), StatusCode::NOT_FOUND);
    ensure_eq!(resp.text().await.ctx("body")?, "status 404");
    Ok(())
}

pub async fn http_500_is_a_response<B: Backend>(b: B, e: Env) -> CaseResult {
    let resp = send(&b, Request::get(&e.http("/status/500"))).await?;
    ensure_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    ensure_eq!(resp.text().await.ctx("body")?, "status 500");
    Ok(())
}

pub async fn http_body_1mib_exact<B: Backend>(b: B, e: Env) -> CaseResult {
    let n = 1 << 20;
    let resp = send(&b, Request::get(&e.http(&format!("/bytes/{n}")))).await?;
    let body = resp.bytes().await.ctx("body")?;
    ensure_eq!(body.len(), n);
    ensure!(
        body[..] == pattern(0..n)[..],
        "1 MiB body differs from the pattern"
    );
    Ok(())
}

pub async fn http_content_length_and_progress<B: Backend>(b: B, e: Env) -> CaseResult {
    let mut resp = send(&b, Request::get(&e.http("/bytes/100000"))).await?;
    ensure_eq!(resp.content_length(), Some(100_000));
    let body = resp.body_mut();
    ensure_eq!(body.progress().received, 0);
    let mut total = 0;
    while let Some(chunk) = body.chunk().await.ctx("chunk")? {
        total += chunk.len();
        ensure_eq!(body.progress().received, total as u64);
    }
    ensure_eq!(body.progress().received, 100_000);
    ensure_eq!(body.progress().total, Some(100_000));
    Ok(())
}

/// The codings `Accept-Encoding` names (tokens without their `;q=` weights).
fn accept_encoding_tokens(v: &serde_json::Value) -> Vec<String> {
    v.as_str()
        .unwrap_or("")
        .split(',')
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// One content coding, cross-origin (the browser page's origin is not the test server's): the
/// request names it in `Accept-Encoding` exactly where
/// [`Capabilities::http_announced_encodings`](crossio_core::Capabilities) says so; a response
/// in it with a `Content-Length` of the encoded body, with and without
/// `Access-Control-Expose-Headers`, with the default credentials mode and with `Include`
/// (whose `Expose-Headers: *` hides every header), reads completely as the decoded text where
/// the coding is in `http_decoded_encodings`, else as the encoded bytes exactly as sent; and
/// `content_length()` is `None` or the length of the body read, never another.
async fn content_encoding_case<B: Backend>(b: &B, e: &Env, coding: ContentEncoding) -> CaseResult {
    let caps = b.capabilities();
    let token = coding.token();
    let v = echo_json(b, Request::get(&e.http("/echo"))).await?;
    let sent = &v["headers"]["accept-encoding"];
    let named = accept_encoding_tokens(sent).iter().any(|t| t == token);
    let announced = caps.http_announced_encodings.contains(&coding);
    ensure!(
        named == announced,
        "Accept-Encoding {sent} names {token}: {named}; the capabilities say {announced}"
    );
    let raw = send(
        b,
        Request::get(&e.http(&format!("/compressed/{token}?raw=1"))),
    )
    .await?
    .bytes()
    .await
    .ctx("reading the encoded bytes (raw=1)")?;
    let want = crate::compressed_text();
    ensure!(
        !raw.is_empty() && raw.len() < want.len() / 8,
        "the server's {token} body is {} bytes for {} bytes of text: not compressed",
        raw.len(),
        want.len()
    );
    let decoded = caps.http_decoded_encodings.contains(&coding);
    let (expected, what): (&[u8], &str) = if decoded {
        (want.as_bytes(), "the decoded text")
    } else {
        (&raw, "the encoded bytes")
    };
    for path in [
        format!("/compressed/{token}"),
        format!("/compressed/{token}?expose=0"),
    ] {
        for credentials in [None, Some(Credentials::Include)] {
            let mut req = Request::get(&e.http(&path));
            if let Some(c) = credentials {
                req = req.credentials(c);
            }
            let what = format!("{path} (credentials {credentials:?}): {what}");
            let resp = send(b, req).await?;
            ensure_eq!(resp.status(), StatusCode::OK);
            let length = resp.content_length();
            ensure!(
                length.is_none() || length == Some(expected.len() as u64),
                "{what}: content_length() {length:?} is neither unknown nor {}",
                expected.len()
            );
            let body = resp.bytes().await.ctx(&format!("reading {what}"))?;
            ensure!(
                body[..] == *expected,
                "{what}: read {} bytes, want {} (decoded text {}: {}, encoded bytes {}: {})",
                body.len(),
                expected.len(),
                want.len(),
                body[..] == *want.as_bytes(),
                raw.len(),
                body[..] == raw[..]
            );
        }
    }
    Ok(())
}

/// gzip: see `content_encoding_case`.
pub async fn http_content_encoding_gzip<B: Backend>(b: B, e: Env) -> CaseResult {
    content_encoding_case(&b, &e, ContentEncoding::Gzip).await
}

/// deflate (zlib-wrapped): see `content_encoding_case`.
pub async fn http_content_encoding_deflate<B: Backend>(b: B, e: Env) -> CaseResult {
    content_encoding_case(&b, &e, ContentEncoding::Deflate).await
}

/// br: see `content_encoding_case`.
pub async fn http_content_encoding_br<B: Backend>(b: B, e: Env) -> CaseResult {
    content_encoding_case(&b, &e, ContentEncoding::Br).await
}

/// zstd: see `content_encoding_case`.
pub async fn http_content_encoding_zstd<B: Backend>(b: B, e: Env) -> CaseResult {
    content_encoding_case(&b, &e, ContentEncoding::Zstd).await
}

pub async fn http_streamed_body_arrives_before_the_end<B: Backend>(b: B, e: Env) -> CaseResult {
    // 6 chunks of 4 KiB, 150 ms apart: the first must be readable long before the last.
    let resp = send(
        &b,
        Request::get(&e.http("/stream?chunks=6&size=4096&delay_ms=150")),
    )
    .await?;
    let start = Instant::now();
    let mut body = resp.into_body();
    let mut first_at = None;
    let mut data = Vec::new();
    let mut reads = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.ctx("chunk")?;
        first_at.get_or_insert_with(|| start.elapsed());
        data.extend_from_slice(&chunk);
        reads += 1;
    }
    let end = start.elapsed();
    let first = first_at.ctx("first chunk")?;
    ensure!(reads >= 2, "body arrived in {reads} read(s)");
    ensure!(
        end >= first + Duration::from_millis(300),
        "first chunk at {first:?}, end at {end:?}: not streamed"
    );
    ensure!(
        data == pattern(0..6 * 4096),
        "streamed body differs from the pattern"
    );
    Ok(())
}

pub async fn http_timeout_is_timeout<B: Backend>(b: B, e: Env) -> CaseResult {
    let start = Instant::now();
    let req = Request::get(&e.http("/delay/5000"))
        .timeout(Duration::from_millis(300))
        .build()
        .ctx("build")?;
    let err = expect_kind(
        b.send(req).await,
        ErrorKind::Timeout,
        "5 s response with a 300 ms timeout",
    )?;
    ensure!(
        start.elapsed() < Duration::from_secs(4),
        "timeout took {:?}",
        start.elapsed()
    );
    ensure!(
        err.to_string().contains("/delay/5000"),
        "error does not name the URL: {err}"
    );
    Ok(())
}

pub async fn http_redirects_followed<B: Backend>(b: B, e: Env) -> CaseResult {
    let resp = send(&b, Request::get(&e.http("/redirect/3"))).await?;
    ensure_eq!(resp.status(), StatusCode::OK);
    ensure_eq!(resp.url(), e.http("/redirect/0"));
    ensure_eq!(resp.text().await.ctx("body")?, "redirect done");
    Ok(())
}

/// Where any limit is honoured a lower limit is enforced (one more redirect is the backend's
/// too-many-redirects error, `Http` natively). Browsers follow up to their fixed 20 and cannot
/// lower it (a lower limit is `Unsupported`); past 20 `fetch()` fails with a bare network
/// error, which is `Connect`.
pub async fn http_redirects_limited<B: Backend>(b: B, e: Env) -> CaseResult {
    let caps = b.capabilities();
    if let Some(limit) = caps.http_fixed_redirect_limit {
        let req = Request::get(&e.http("/redirect/2"))
            .redirect(Redirect::Follow(2))
            .build()
            .ctx("build")?;
        expect_kind(
            b.send(req).await.map(|r| r.status()),
            ErrorKind::Unsupported,
            "Redirect::Follow(2) below the fixed limit",
        )?;
        let req = Request::get(&e.http(&format!("/redirect/{}", limit + 1)))
            .build()
            .ctx("build")?;
        expect_kind(
            b.send(req).await.map(|r| r.status()),
            caps.http_too_many_redirects_error,
            &format!("{} redirects with the fixed limit of {limit}", limit + 1),
        )?;
        let resp = send(&b, Request::get(&e.http(&format!("/redirect/{limit}")))).await?;
        ensure_eq!(resp.status(), StatusCode::OK);
        return Ok(());
    }
    let req = Request::get(&e.http("/redirect/5"))
        .redirect(Redirect::Follow(2))
        .build()
        .ctx("build")?;
    expect_kind(
        b.send(req).await,
        caps.http_too_many_redirects_error,
        "5 redirects with a limit of 2",
    )?;
    let req = Request::get(&e.http("/redirect/2"))
        .redirect(Redirect::Follow(2))
        .build()
        .ctx("build")?;
    ensure_eq!(
        b.send(req)
            .await
            .ctx("2 redirects with a limit of 2")?
            .status(),
        StatusCode::OK
    );
    Ok(())
}

/// Where `Redirect::None` is supported a 3xx comes back as is; browsers hide unfollowed
/// redirects, so there the request fails with `Unsupported`.
pub async fn http_redirect_not_followed<B: Backend>(b: B, e: Env) -> CaseResult {
    let req = Request::get(&e.http("/redirect/1"))
        .redirect(Redirect::None)
        .build()
        .ctx("build")?;
    let r = b.send(req).await;
    if !b.capabilities().http_redirect_none {
        expect_kind(
            r.map(|r| r.status()),
            ErrorKind::Unsupported,
            "Redirect::None without support for it",
        )?;
        return Ok(());
    }
    let resp = r.ctx("sending")?;
    ensure_eq!(resp.status(), StatusCode::FOUND);
    ensure_eq!(
        resp.headers().get("location").map(|v| v.as_bytes()),
        Some(&b"/redirect/0"[..])
    );
    Ok(())
}

pub async fn http_connect_refused_is_connect_error<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = format!("http://127.0.0.1:{}/", e.closed_port);
    let req = Request::get(&url).build().ctx("build")?;
    let err = expect_kind(b.send(req).await, ErrorKind::Connect, "refused port")?;
    ensure!(
        err.to_string().contains(&url),
        "error does not name the URL: {err}"
    );
    Ok(())
}

pub async fn http_bad_url_is_invalid_input<B: Backend>(_b: B, _e: Env) -> CaseResult {
    for url in [
        "",
        "no scheme",
        "127.0.0.1:80/x",
        "http://",
        "ws://127.0.0.1/",
        "ftp://127.0.0.1/",
        "http://127.0.0.1:70000/",
    ] {
        expect_kind(Request::get(url).build(), ErrorKind::InvalidInput, url)?;
    }
    Ok(())
}

/// One URL parser everywhere, and what it makes of a URL is what goes on the wire: a URL
/// written loosely (scheme in capitals, a backslash, tab and newline, dot segments, a query with
/// spaces, quotes and non-ASCII, a fragment) is normalised to the same string on every target,
/// and the test server sees exactly that path and query.
pub async fn http_url_normalised_as_sent<B: Backend>(b: B, e: Env) -> CaseResult {
    let port = e.http_port;
    let loose = format!("HTTP:\\\\127.0.0.1:{port}/x/./%2E/y/..\t/..\n/echo?k=a b\"<>'\u{e4}#frag");
    let want_query = "k=a%20b%22%3C%3E%27%C3%A4";
    let want = format!("http://127.0.0.1:{port}/echo?{want_query}");
    let req = Request::get(&loose).build().ctx("building the loose URL")?;
    ensure_eq!(req.url(), want);
    let resp = send(&b, Request::get(&loose)).await?;
    ensure_eq!(resp.status(), StatusCode::OK);
    ensure_eq!(resp.url(), want);
    let text = resp.text().await.ctx("reading the echo")?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("echo is not JSON ({e}): {text}"))?;
    ensure_eq!(v["path"], "/echo");
    ensure_eq!(v["query"], want_query);
    // The default port is dropped, an IPv4 address in another notation is written out.
    let req = Request::get("http://0x7f.1:80/a/b/../c")
        .build()
        .ctx("hex IPv4")?;
    ensure_eq!(req.url(), "http://127.0.0.1/a/c");
    Ok(())
}

pub async fn http_invalid_header_is_invalid_input<B: Backend>(_b: B, e: Env) -> CaseResult {
    let url = e.http("/echo");
    for (name, value) in [
        ("bad name", "v"),
        ("", "v"),
        ("x-ok", "a\r\nb"),
        ("x-ok", "nul\0"),
    ] {
        let r = Request::get(&url).header(name, value).build();
        expect_kind(
            r,
            ErrorKind::InvalidInput,
            &format!("header {name:?}: {value:?}"),
        )?;
    }
    Ok(())
}

pub async fn http_invalid_method_is_invalid_input<B: Backend>(_b: B, e: Env) -> CaseResult {
    for m in ["", "GE T", "GET\r\n", "(GET)"] {
        expect_kind(
            Request::builder(m, &e.http("/echo")).build(),
            ErrorKind::InvalidInput,
            m,
        )?;
    }
    Ok(())
}

/// HTTP requests the backend still tracks (sent, body not yet finished or dropped).
pub(crate) fn live_requests<B: Backend>(b: &B) -> usize {
    b.diagnostics().live_requests
}

pub async fn http_32_concurrent_requests<B: Backend>(b: B, e: Env) -> CaseResult {
    // Spawned, so in worker mode they are sent from several worker threads at once.
    let handles: Vec<_> = (0..32)
        .map(|i| {
            let b2 = b.clone();
            let url = e.http(&format!("/echo?i={i}"));
            b.spawn(async move {
                let resp = send(&b2, Request::post(&url).body(format!("request {i}"))).await?;
                ensure_eq!(resp.status(), StatusCode::OK);
                resp.text().await.ctx("body")
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let text = h.await.map_err(|e| format!("request {i}: {e}"))??;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        ensure_eq!(v["query"], format!("i={i}"));
        ensure_eq!(v["body"], format!("request {i}"));
    }
    ensure_eq!(live_requests(&b), 0);
    Ok(())
}

pub async fn http_dropped_requests_are_aborted<B: Backend>(b: B, e: Env) -> CaseResult {
    // 100 slow bodies (5 s each); drop every future and body mid-flight. Browsers open 6
    // connections per origin: if the drops did not abort, the next request would wait seconds.
    let url = e.http("/stream?chunks=50&size=1024&delay_ms=100");
    let all = futures_util::future::join_all((0..100).map(|_| {
        let b = b.clone();
        let url = url.clone();
        async move {
            let mut resp = send(&b, Request::get(&url)).await?;
            let first = resp.body_mut().chunk().await.ctx("first chunk")?;
            Ok::<_, String>((resp, first))
        }
    }));
    drop(b.timeout(Duration::from_millis(500), all).await);
    ensure_eq!(live_requests(&b), 0);
    let start = Instant::now();
    let req = Request::get(&e.http("/status/200"))
        .timeout(Duration::from_secs(3))
        .build()
        .ctx("build")?;
    let resp = b.send(req).await.ctx("a request after the aborts")?;
    ensure_eq!(resp.text().await.ctx("body")?, "status 200");
    ensure!(
        start.elapsed() < Duration::from_secs(3),
        "request after the aborts took {:?}",
        start.elapsed()
    );
    ensure_eq!(live_requests(&b), 0);
    Ok(())
}

/// Most body bytes a backend may hold unread while a 64 MiB body is read slowly (the emscripten
/// backend holds less than 64 KiB plus one chunk of at most 256 KiB per response).
const HELD_BOUND: usize = 1 << 20;

pub async fn http_slow_read_64mib_is_bounded<B: Backend>(b: B, e: Env) -> CaseResult {
    let n: usize = 64 << 20;
    let mut resp = send(&b, Request::get(&e.http(&format!("/bytes/{n}")))).await?;
    ensure_eq!(resp.content_length(), Some(n as u64));
    let body = resp.body_mut();
    let mut got = 0usize;
    let mut pause_at = 1 << 20;
    while let Some(chunk) = body.chunk().await.ctx("chunk")? {
        ensure_eq!(chunk[0], (got % 251) as u8);
        got += chunk.len();
        if got >= pause_at {
            // Read slowly: 20 ms per MiB, far slower than the local server sends.
            pause_at += 1 << 20;
            b.sleep(Duration::from_millis(20)).await;
        }
    }
    ensure_eq!(got, n);
    if let Some(peak) = b.diagnostics().held_body_bytes_peak {
        ensure!(
            peak <= HELD_BOUND,
            "the backend held {peak} unread bytes (bound {HELD_BOUND})"
        );
    }
    Ok(())
}

/// A small body arrives without being asked for: where the backend holds body bytes itself
/// (the browsers' `fetch()`), the whole 1 KiB body is held by the time the head has been
/// waited on for a moment, before the reader polls it (so a worker-mode reader is woken once
/// for the body and never hands a read request back to the main thread); the bytes are then
/// read intact and leave the held count.
pub async fn http_small_body_arrives_ahead_of_the_reader<B: Backend>(b: B, e: Env) -> CaseResult {
    let n: usize = 1024;
    let mut resp = send(&b, Request::get(&e.http(&format!("/bytes/{n}")))).await?;
    b.sleep(Duration::from_millis(100)).await;
    let held_before = b.diagnostics().held_body_bytes;
    if let Some(held) = held_before {
        ensure!(
            held >= n,
            "{held} body bytes held 100 ms after the head of a {n}-byte body (expected it all)"
        );
    }
    let body = resp.body_mut();
    let mut got = 0usize;
    while let Some(chunk) = body.chunk().await.ctx("chunk")? {
        for (i, byte) in chunk.iter().enumerate() {
            ensure_eq!(*byte, ((got + i) % 251) as u8);
        }
        got += chunk.len();
    }
    ensure_eq!(got, n);
    if let (Some(before), Some(after)) = (held_before, b.diagnostics().held_body_bytes) {
        ensure!(
            after + n <= before,
            "{after} bytes still held after reading the body ({before} before)"
        );
    }
    Ok(())
}

/// A body read to its announced length keeps its connection, even when the reader drops it
/// without asking for the end: sequential GETs of `/conn/1024`, each body dropped once its
/// 1024 bytes are in, come over fewer connections than requests (a client that lost the
/// connection with every such body would use one per request), and nothing is left
/// registered.
pub async fn http_body_read_to_its_length_keeps_the_connection<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    const N: usize = 1024;
    const REQUESTS: usize = 8;
    let mut conns = Vec::new();
    for i in 0..REQUESTS {
        let resp = send(&b, Request::get(&e.http(&format!("/conn/{N}")))).await?;
        ensure_eq!(resp.status(), StatusCode::OK);
        ensure_eq!(resp.content_length(), Some(N as u64));
        let mut body = resp.into_body();
        let mut got = Vec::new();
        while got.len() < N {
            match body.chunk().await.ctx(&format!("request {i}: chunk"))? {
                Some(c) => got.extend_from_slice(&c),
                None => break,
            }
        }
        ensure_eq!(got.len(), N);
        drop(body);
        let id: String = got
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .map(|&c| c as char)
            .collect();
        let id: u64 = id
            .parse()
            .map_err(|e| format!("request {i}: no connection number ({e})"))?;
        ensure!(
            id > 0,
            "request {i}: connection number 0 (not the plain HTTP port)"
        );
        conns.push(id);
    }
    conns.sort_unstable();
    conns.dedup();
    ensure!(
        conns.len() < REQUESTS,
        "{REQUESTS} sequential requests came over {} connections: none was reused",
        conns.len()
    );
    b.sleep(Duration::from_millis(50)).await;
    ensure_eq!(b.diagnostics().live_requests, 0);
    Ok(())
}

/// Where the backend refuses the Fetch standard's forbidden request headers (browsers) the
/// request fails with `Unsupported`, naming the header; elsewhere the header is sent.
pub async fn http_forbidden_header_in_browsers_is_unsupported<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let req = Request::get(&e.http("/echo"))
        .header("cookie", "crossio=1")
        .build()
        .ctx("build")?;
    let r = b.send(req).await;
    if b.capabilities().http_forbidden_headers_refused {
        let err = expect_kind(
            r.map(|r| r.status()),
            ErrorKind::Unsupported,
            "a cookie header where forbidden headers are refused",
        )?;
        ensure!(
            err.to_string().contains("cookie"),
            "error does not name the header: {err}"
        );
        return Ok(());
    }
    let v: serde_json::Value = serde_json::from_str(&r.ctx("sending")?.text().await.ctx("body")?)
        .map_err(|e| e.to_string())?;
    ensure_eq!(v["headers"]["cookie"], "crossio=1");
    Ok(())
}

/// A cross-origin request the server does not allow: where the target enforces CORS
/// (browsers), a typed `Connect` error whose message says CORS may be why; elsewhere (natively,
/// Node.js) the answer arrives. Once as a simple GET, once with a header that needs a preflight.
pub async fn http_cors_refusal_is_connect_error_naming_cors<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let enforced = b.capabilities().http_cors_enforced;
    for preflight in [false, true] {
        let mut req = Request::get(&e.http("/no-cors"));
        if preflight {
            req = req.header("x-crossio-preflight", "1");
        }
        let r = b.send(req.build().ctx("build")?).await;
        if enforced {
            let err = expect_kind(r.map(|_| ()), ErrorKind::Connect, "a request CORS refuses")?;
            ensure!(
                err.to_string().contains("CORS"),
                "the message does not say CORS may be why (preflight {preflight}): {err}"
            );
        } else {
            let text = r.ctx("GET /no-cors")?.text().await.ctx("body")?;
            ensure_eq!(text, "no cors");
        }
    }
    Ok(())
}
