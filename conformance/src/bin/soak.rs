//! `crossio-soak [--conns N] [--msgs N] [--cycles N] [--bound-mib N]`: the load and soak run
//! natively against an in-process test server (see `crossio_conformance::soak`). Memory is the
//! heap in use, counted by a global allocator (this binary's only `unsafe`: it forwards to the
//! system allocator); RSS is printed too. Exits 1 if a check fails.
#![cfg_attr(target_os = "emscripten", allow(unused))]
#![deny(unsafe_code)]

#[cfg(not(target_os = "emscripten"))]
#[allow(unsafe_code)] // a counting wrapper around the system allocator
mod counting {
    //! The native twin of the browser's malloc statistics: RSS alone hides leaks behind the
    //! allocator's reuse of freed pages.
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static IN_USE: AtomicUsize = AtomicUsize::new(0);

    pub struct Counting;

    // SAFETY: forwards every call to the system allocator unchanged and only counts sizes.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
            // SAFETY: the caller's contract is passed through.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            // SAFETY: the caller's contract is passed through.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            IN_USE.fetch_add(new_size, Ordering::Relaxed);
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            // SAFETY: the caller's contract is passed through.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    /// Bytes allocated and not freed.
    pub fn in_use() -> usize {
        IN_USE.load(Ordering::Relaxed)
    }
}

#[cfg(not(target_os = "emscripten"))]
#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

#[cfg(not(target_os = "emscripten"))]
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    use crossio_conformance::server::{self, TestServer};
    use crossio_conformance::{Env, soak};
    use crossio_core::Spawner;

    fn no_heartbeat() -> u64 {
        0
    }

    let mut plan = soak::Plan {
        conns: 1000,
        msgs: 100,
        cycles: 10_000,
        memory_name: "heap in use",
        memory: counting::in_use,
        memory_bound: 1 << 20,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value: Option<usize> = args.next().and_then(|v| v.parse().ok());
        match (flag.as_str(), value) {
            ("--conns", Some(v)) => plan.conns = v,
            ("--msgs", Some(v)) => plan.msgs = v,
            ("--cycles", Some(v)) => plan.cycles = v,
            ("--bound-mib", Some(v)) => plan.memory_bound = v << 20,
            _ => {
                eprintln!(
                    "usage: crossio-soak [--conns N] [--msgs N] [--cycles N] [--bound-mib N]"
                );
                std::process::exit(2);
            }
        }
    }
    let server = TestServer::start().expect("start the test server");
    let closed_port = server::closed_port().expect("probe a closed port");
    let env = Env {
        http_port: server.http_port,
        ws_port: server.ws_port,
        fault_port: server.fault_port,
        page_port: server.page_port,
        proxy_port: server.proxy_port,
        refusing_proxy_port: server.refusing_proxy_port,
        closed_port,
        heartbeat: no_heartbeat,
        heartbeat_max_gap: || std::time::Duration::ZERO,
        zero_pool_builds: || {
            let builder = crossio_native::NativeBackend::builder;
            [
                builder().worker_threads(0).build().map(|_| ()),
                builder().max_blocking_threads(0).build().map(|_| ()),
            ]
        },
        ws_tag: String::new(),
        tls: server.tls.clone(),
    };
    let backend = crossio_native::NativeBackend::new().expect("start the backend");
    let rss_before = rss();
    let summary = backend
        .block_on(soak::run(&backend, &env, plan, |l| println!("{l}")))
        .expect("block_on from main");
    println!(
        "soak RSS (printed, not checked): {:.1} MiB at start, {:.1} MiB at end",
        rss_before as f64 / 1048576.0,
        rss() as f64 / 1048576.0
    );
    std::process::exit(if summary.failed == 0 { 0 } else { 1 });
}

#[cfg(target_os = "emscripten")]
fn main() {}
