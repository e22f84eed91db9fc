//! The conformance suite in a browser (wasm32-unknown-emscripten).
//!
//! The page is opened as `page.html?localhost&http=P&ws=Q&closed=R&fault=F` (emrun turns the query into
//! `argv`). It prints `pending on emscripten: …` for cases whose backend part is not built yet,
//! then `start NAME` / `test NAME ... ok|FAILED: reason` per case, a bench line, and
//! `N passed, N failed`, then exits with 0 or 1.

#[cfg(target_os = "emscripten")]
fn main() {
    use crossio_conformance::{Area, Env, cases, run_suite};
    use crossio_core::Spawner;
    use crossio_emscripten::{EmscriptenBackend, WORKER_MODE, page};

    let mut http_port = 0;
    let mut ws_port = 0;
    let mut closed_port = 0;
    let mut fault_port = 0;
    let mut filter = String::new();
    // soak=CONNS,MSGS,CYCLES runs the load and soak instead of the suite.
    let mut soak: Option<(usize, usize, usize)> = None;
    for arg in std::env::args().skip(1) {
        let (k, v) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
        match k {
            "http" => http_port = v.parse().unwrap_or(0),
            "ws" => ws_port = v.parse().unwrap_or(0),
            "closed" => closed_port = v.parse().unwrap_or(0),
            "fault" => fault_port = v.parse().unwrap_or(0),
            "filter" => filter = v.to_owned(),
            "soak" => {
                let n: Vec<usize> = v.split(',').filter_map(|x| x.parse().ok()).collect();
                if let [c, m, y] = n[..] {
                    soak = Some((c, m, y));
                }
            }
            _ => {}
        }
    }
    println!(
        "crossio browser runner: mode={}",
        if WORKER_MODE { "worker" } else { "main-thread" }
    );
    if http_port == 0 || ws_port == 0 || closed_port == 0 || fault_port == 0 {
        println!("missing ports: open the page with ?http=P&ws=Q&closed=R&fault=F");
        println!("0 passed, 1 failed");
        page::exit(1);
        return;
    }
    // Several cases panic on purpose: one line each instead of the default report.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        println!(
            "panic: {}{at}",
            crossio_core::backend::panic_message(info.payload())
        );
    }));
    if let Err(e) = page::check_ffi_layout() {
        println!("FFI layout mismatch with the installed emscripten headers: {e}");
        println!("0 passed, 1 failed");
        page::exit(1);
        return;
    }
    println!("ffi layout: websocket.h structs match");
    page::start_heartbeat(10);
    let env = Env {
        http_port,
        ws_port,
        fault_port,
        closed_port,
        heartbeat: page::heartbeat,
        zero_pool_builds: || {
            [
                EmscriptenBackend::builder()
                    .worker_threads(0)
                    .build()
                    .map(|_| ()),
                EmscriptenBackend::builder()
                    .max_blocking_threads(0)
                    .build()
                    .map(|_| ()),
            ]
        },
    };
    let backend = match EmscriptenBackend::new() {
        Ok(b) => b,
        Err(e) => {
            println!("cannot start the backend: {e}");
            println!("0 passed, 1 failed");
            page::exit(1);
            return;
        }
    };
    // Backend parts not built yet: their cases are listed, not run (none at the moment).
    let pending = |_area: Area| false;
    let names: Vec<&str> = cases::<EmscriptenBackend>()
        .iter()
        .filter(|c| pending(c.area))
        .map(|c| c.name)
        .collect();
    if !names.is_empty() {
        println!("pending on emscripten: {}", names.join(" "));
    }
    let b = backend.clone();
    let suite = async move {
        if let Some((conns, msgs, cycles)) = soak {
            let plan = crossio_conformance::soak::Plan {
                conns,
                msgs,
                cycles,
                memory_name: "wasm heap in use",
                memory: page::heap_in_use,
                memory_bound: 2 << 20,
            };
            println!("wasm memory size at start: {} MiB", page::heap_size() >> 20);
            let failed = crossio_conformance::soak::run(&b, &env, plan, |l| println!("{l}")).await;
            println!("wasm memory size at end: {} MiB", page::heap_size() >> 20);
            return crossio_conformance::Summary {
                passed: 4 - failed,
                failed,
            };
        }
        let (median, mean, p99) =
            crossio_conformance::bench::main_thread_wake_latency(&b, 10_000).await;
        println!(
            "bench main_thread_wake_to_poll_us median={median:.1} mean={mean:.1} p99={p99:.1} n=10000"
        );
        let summary = run_suite(
            b.clone(),
            env,
            |c| !pending(c.area) && (filter.is_empty() || c.name.contains(&filter)),
            |line| println!("{line}"),
        )
        .await;
        println!(
            "diagnostics: websocket sender waited for the browser's send buffer {} times",
            page::send_back_pressure_waits()
        );
        println!("{} passed, {} failed", summary.passed, summary.failed);
        summary
    };
    if WORKER_MODE {
        let code = match backend.block_on(suite) {
            Ok(s) if s.failed == 0 => 0,
            Ok(_) => 1,
            Err(e) => {
                println!("block_on failed: {e}");
                1
            }
        };
        page::exit(code);
        // Returning from main would exit(0) before the exit above runs: wait for it instead.
        loop {
            std::thread::park();
        }
    } else {
        let _detached = backend.spawn(async move {
            let s = suite.await;
            page::exit(if s.failed == 0 { 0 } else { 1 });
        });
    }
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    eprintln!(
        "crossio-browser-runner is built for wasm32-unknown-emscripten; natively run `cargo test`"
    );
    std::process::exit(2);
}
