//! The main demo: start the test server in-process, then do a WebSocket round trip, an HTTP
//! request, a streamed download and some tasks through crossio's traits, printing what happens.
//!
//! Run it with `cargo run --example echo`.

#![cfg_attr(target_os = "emscripten", allow(unused))]

use std::time::{Duration, Instant};

use crossio::prelude::*;
use crossio::{ConnectOptions, Message, Request};

/// Library code: generic over the backend, the same on every target.
async fn demo<B: Backend>(b: &B, ws_base: &str, http_base: &str) -> crossio::Result<()> {
    let url = format!("{ws_base}/echo");
    let mut ws = b.connect(&url, ConnectOptions::new()).await?;
    println!("ws: connected to {url}");
    for text in ["hello", "from", "crossio"] {
        let start = Instant::now();
        ws.send(Message::text(text)).await?;
        let echo = ws
            .next()
            .await
            .ok_or_else(|| crossio::Error::closed("echo stream ended"))??;
        println!(
            "ws: sent {text:?}, got back {echo:?} in {:?}",
            start.elapsed()
        );
    }
    ws.close_with(1000, "demo done").await?;
    if let Some(Ok(Message::Close(Some(frame)))) = ws.next().await {
        println!(
            "ws: closed, server answered {} {:?}",
            frame.code(),
            frame.reason()
        );
    }

    let url = format!("{http_base}/echo");
    let req = Request::post(&url)
        .header("x-demo", "crossio")
        .body("ping")
        .build()?;
    let resp = b.send(req).await?;
    println!("http: POST {url} -> {}", resp.status());
    println!("http: body {}", resp.text().await?);

    let url = format!("{http_base}/stream?chunks=4&size=1024&delay_ms=100");
    let resp = b.send(Request::get(&url).build()?).await?;
    let mut body = resp.into_body();
    let start = Instant::now();
    while let Some(chunk) = body.chunk().await? {
        println!(
            "http: chunk of {} bytes after {:?}",
            chunk.len(),
            start.elapsed()
        );
    }

    let sum = b.spawn_blocking(|| (1..=1_000_000u64).sum::<u64>()).await?;
    println!("spawn_blocking: sum 1..=1e6 = {sum}");
    let slept = b
        .timeout(Duration::from_millis(50), b.sleep(Duration::from_secs(5)))
        .await;
    println!(
        "timeout: 5 s sleep with a 50 ms deadline -> {}",
        slept
            .map(|_| "finished".to_string())
            .unwrap_or_else(|e| e.to_string())
    );
    Ok(())
}

#[cfg(target_os = "emscripten")]
fn main() {
    eprintln!(
        "this demo runs natively (it starts its own test server); the browser build is the conformance runner"
    );
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    use crossio::DefaultBackend;
    use crossio_conformance::server::TestServer;

    let server = TestServer::start().expect("start the test server");
    println!("test server: {}", server.ports_json());
    let backend = DefaultBackend::new().expect("start the backend");
    let result = backend
        .block_on(demo(&backend, &server.ws_base(), &server.http_base()))
        .and_then(|r| r);
    match result {
        Ok(()) => println!("demo finished"),
        Err(e) => {
            eprintln!("demo failed: {e}");
            std::process::exit(1);
        }
    }
}
