//! The small echo whose release size `ci/bench.sh` compares with the same program written
//! directly against `emscripten/websocket.h` in C (`bench/csrc/echo.c`): connect, send one text
//! message, print the echo's text, close. Opened as `page.html?ws://127.0.0.1:PORT/echo`.

#[cfg(target_os = "emscripten")]
fn main() {
    use crossio::{ConnectOptions, DefaultBackend, Message, Spawner, Transport};
    use futures_util::{SinkExt, StreamExt};

    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001/echo".into());
    let b = match DefaultBackend::new() {
        Ok(b) => b,
        Err(e) => return println!("backend: {e}"),
    };
    let backend = b.clone();
    let _detached = b.spawn(async move {
        let result = async {
            let mut ws = backend.connect(&url, ConnectOptions::new()).await?;
            ws.send(Message::text("hello")).await?;
            if let Some(Message::Text(text)) = ws.next().await.transpose()? {
                println!("echo: {text}");
            }
            ws.close().await
        };
        match result.await {
            Ok(()) => println!("closed"),
            Err(e) => println!("echo failed: {e}"),
        }
    });
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    eprintln!("crossio-size-echo is built for wasm32-unknown-emscripten (see ci/bench.sh)");
    std::process::exit(2);
}
