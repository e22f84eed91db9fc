//! The size anchor for a Rust user: the echo of `crossio-size-echo` written in Rust on raw
//! `emscripten/websocket.h` (`crossio_emscripten::bench::raw_echo`, which uses nothing of
//! crossio), built by `ci/bench.sh` with the same profile as the crossio echo. Opened as
//! `page.html?ws://127.0.0.1:PORT/echo`.

#[cfg(target_os = "emscripten")]
fn main() {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001/echo".into());
    if let Err(code) = crossio_emscripten::bench::raw_echo(&url) {
        println!("echo failed: {code}");
    }
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    eprintln!("crossio-raw-echo is built for wasm32-unknown-emscripten (see ci/bench.sh)");
    std::process::exit(2);
}
