//! The program behind `examples/demo-page/`: catlib on a Web Worker (wasm32-unknown-emscripten,
//! worker build), running the commands the page's buttons queue (`c/demo_page.c`).
//!
//! The page loads it with `Module.arguments = ["http=P", "ws=Q"]` (the test server's ports).

#[cfg(target_os = "emscripten")]
fn main() {
    use crossio_emscripten::WORKER_MODE;

    let (mut http, mut ws) = (0u16, 0u16);
    for arg in std::env::args().skip(1) {
        match arg.split_once('=') {
            Some(("http", v)) => http = v.parse().unwrap_or(0),
            Some(("ws", v)) => ws = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    if !WORKER_MODE {
        println!("error: the demo page needs the worker build (--config .cargo/worker.toml)");
        return;
    }
    if http == 0 || ws == 0 {
        println!("error: missing ports: pass the arguments http=P ws=Q");
        return;
    }
    catlib::ffi::demo::run_demo_page(
        &format!("http://127.0.0.1:{http}"),
        &format!("ws://127.0.0.1:{ws}"),
    );
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    eprintln!("catlib-demo-page is built for wasm32-unknown-emscripten (worker build)");
    std::process::exit(2);
}
