//! Runs catlib's C test program (`c/demo.c`) in the browser (wasm32-unknown-emscripten).
//!
//! Open as `catlib-browser.html?localhost&http=P&ws=Q&closed=R` (emrun turns the query into
//! `argv`; `ci/catlib.sh` does this). In the worker build, `main` runs on a Web Worker: the C
//! program uses the blocking API and checks that the page's heartbeat keeps ticking meanwhile.
//! In the main-thread build the blocking API must answer `CATLIB_ERR_WOULD_BLOCK` and the async
//! API does the work. Either way the output ends `N passed, N failed` and the program exits
//! with 0 or 1.

#[cfg(target_os = "emscripten")]
fn main() {
    use crossio_emscripten::{WORKER_MODE, page};
    use std::ffi::c_int;

    extern "C" fn heartbeat() -> u64 {
        page::heartbeat()
    }
    extern "C" fn finished(failed: c_int) {
        page::exit(if failed == 0 { 0 } else { 1 });
    }

    let mut ports = [0u16; 3];
    for arg in std::env::args().skip(1) {
        let (k, v) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
        let slot = match k {
            "http" => 0,
            "ws" => 1,
            "closed" => 2,
            _ => continue,
        };
        ports[slot] = v.parse().unwrap_or(0);
    }
    println!(
        "catlib browser demo: mode={}",
        if WORKER_MODE { "worker" } else { "main-thread" }
    );
    if ports.contains(&0) {
        println!("missing ports: open the page with ?http=P&ws=Q&closed=R");
        println!("0 passed, 1 failed");
        page::exit(1);
        return;
    }
    page::start_heartbeat(10);
    let args = [
        "catlib-demo".to_owned(),
        format!("http://127.0.0.1:{}", ports[0]),
        format!("ws://127.0.0.1:{}", ports[1]),
        format!("http://127.0.0.1:{}", ports[2]),
    ];
    catlib::ffi::demo::run_c_demo(&args, WORKER_MODE, heartbeat, finished);
    if WORKER_MODE {
        // `finished` asked the main thread to exit; returning would exit(0) first.
        loop {
            std::thread::park();
        }
    }
    // Main-thread build: the run goes on in catlib's callbacks, which call `finished`.
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    eprintln!(
        "catlib-browser is built for wasm32-unknown-emscripten; natively run `cargo test -p catlib`"
    );
    std::process::exit(2);
}
