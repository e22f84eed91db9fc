//! Runs catlib's C test program (`c/demo.c`) in the browser (wasm32-unknown-emscripten).
//!
//! Open as `catlib-browser.html?localhost&http=P&ws=Q&closed=R` (emrun turns the query into
//! `argv`; `ci/catlib.sh` does this). In the worker build, `main` runs on a Web Worker: the C
//! program uses the blocking API and checks that the page's heartbeat keeps ticking meanwhile.
//! In the jspi build (`--features crossio-emscripten/jspi`, `.cargo/jspi.toml`), `main` runs on
//! the page's main thread and the blocking API suspends its wasm stack: the same checks, the
//! heartbeat ticking on that very thread. In the main-thread build the blocking API must answer
//! `CATLIB_ERR_WOULD_BLOCK` and the async API does the work. Either way the output ends
//! `N passed, N failed` and the program exits with 0 or 1.

#[cfg(target_os = "emscripten")]
fn main() {
    use crossio::DefaultBackend;
    use crossio::prelude::*;
    use crossio_emscripten::{WORKER_MODE, page};
    use std::ffi::c_int;

    extern "C" fn heartbeat() -> u64 {
        page::heartbeat()
    }
    extern "C" fn max_gap_us() -> u64 {
        u64::try_from(page::heartbeat_max_gap().as_micros()).unwrap_or(u64::MAX)
    }
    extern "C" fn finished(failed: c_int) {
        page::exit(if failed == 0 { 0 } else { 1 });
    }
    /// jspi build: wait `ms` with a suspending `block_on`, so catlib's callbacks run meanwhile.
    extern "C" fn pause(ms: c_int) {
        // Never unwinds into C: a panic here only ends the pause early.
        let _ = std::panic::catch_unwind(|| {
            if let Ok(b) = DefaultBackend::new() {
                let ms = u64::try_from(ms).unwrap_or(0);
                let _ = b.block_on(b.sleep(std::time::Duration::from_millis(ms)));
            }
        });
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
    let caps = DefaultBackend::new().map(|b| b.capabilities()).ok();
    let jspi = caps.as_ref().is_some_and(|c| c.block_on_suspends);
    let can_block = caps.as_ref().is_some_and(|c| c.block_on_allowed);
    let mode = match (WORKER_MODE, jspi) {
        (true, _) => "worker",
        (false, true) => "jspi",
        (false, false) => "main-thread",
    };
    println!("catlib browser demo: mode={mode}, blocking allowed here: {can_block}");
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
    let (where_, pause_fn) = if jspi {
        ("main_thread", Some(pause as extern "C" fn(c_int)))
    } else {
        ("worker", None)
    };
    catlib::ffi::demo::run_c_demo(
        &args, can_block, where_, heartbeat, max_gap_us, finished, pause_fn,
    );
    if WORKER_MODE || can_block {
        // `finished` asked the main thread to exit; returning would exit(0) first. The worker
        // parks; the jspi build keeps `main` suspended until that exit.
        loop {
            if jspi {
                pause(1000);
            } else {
                std::thread::park();
            }
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
