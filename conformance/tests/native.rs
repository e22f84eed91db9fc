//! The conformance suite natively: every case is a named test, run against `NativeBackend` and
//! an in-process test server.

#![cfg_attr(target_os = "emscripten", allow(unused))]

#[cfg(target_os = "emscripten")]
fn main() {}

#[cfg(not(target_os = "emscripten"))]
use native::main;

#[cfg(not(target_os = "emscripten"))]
mod native {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Mutex, Once};
    use std::time::{Duration, Instant};

    use crossio_conformance::{Env, cases, run_case, server::TestServer};
    use crossio_core::Spawner;
    use crossio_native::NativeBackend;
    use libtest_mimic::{Arguments, Failed, Trial};

    static BEATS: AtomicU64 = AtomicU64::new(0);
    /// The largest gap between two ticks since `heartbeat_max_gap` last read it, in µs.
    static MAX_GAP_US: AtomicU64 = AtomicU64::new(0);
    /// When the heartbeat last ticked.
    static LAST_TICK: Mutex<Option<Instant>> = Mutex::new(None);

    /// The native heartbeat: a thread ticking every 10 ms.
    fn heartbeat() -> u64 {
        static START: Once = Once::new();
        START.call_once(|| {
            std::thread::spawn(|| {
                let mut last = Instant::now();
                loop {
                    std::thread::sleep(Duration::from_millis(10));
                    let now = Instant::now();
                    let gap = u64::try_from((now - last).as_micros()).unwrap_or(u64::MAX);
                    MAX_GAP_US.fetch_max(gap, Ordering::Relaxed);
                    last = now;
                    if let Ok(mut t) = LAST_TICK.lock() {
                        *t = Some(now);
                    }
                    BEATS.fetch_add(1, Ordering::Relaxed);
                }
            });
        });
        BEATS.load(Ordering::Relaxed)
    }

    /// The longest time without a tick since the previous call, the gap still open included.
    fn heartbeat_max_gap() -> Duration {
        let open = LAST_TICK
            .lock()
            .map(|t| t.map_or(Duration::ZERO, |t| t.elapsed()))
            .unwrap_or_default();
        Duration::from_micros(MAX_GAP_US.swap(0, Ordering::Relaxed)).max(open)
    }

    /// `NativeBackend::builder()` with a zero-sized pool, for `bad_zero_pool_size_is_invalid_input`.
    fn zero_pool_builds() -> [crossio_core::Result<()>; 2] {
        [
            NativeBackend::builder()
                .worker_threads(0)
                .build()
                .map(|_| ()),
            NativeBackend::builder()
                .max_blocking_threads(0)
                .build()
                .map(|_| ()),
        ]
    }

    pub fn main() {
        heartbeat();
        let mut args = Arguments::from_args();
        // One case at a time, as in the browser: some cases check process-wide counters.
        args.test_threads.get_or_insert(1);
        // Several cases panic on purpose; print one line per panic instead of a backtrace.
        std::panic::set_hook(Box::new(|info| {
            let msg = crossio_core::backend::panic_message(info.payload());
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!("panic: {msg}{at}");
        }));
        let server = TestServer::start().expect("start the test server");
        let closed_port = crossio_conformance::server::closed_port().expect("probe a closed port");
        let env = Env {
            http_port: server.http_port,
            ws_port: server.ws_port,
            fault_port: server.fault_port,
            page_port: server.page_port,
            proxy_port: server.proxy_port,
            refusing_proxy_port: server.refusing_proxy_port,
            closed_port,
            heartbeat,
            heartbeat_max_gap,
            zero_pool_builds,
            ws_tag: String::new(),
            tls: server.tls.clone(),
        };
        let backend = NativeBackend::new().expect("start the native backend");
        let trials = cases::<NativeBackend>()
            .into_iter()
            .map(|case| {
                let (b, e) = (backend.clone(), env.clone());
                Trial::test(case.name, move || {
                    let result = b
                        .block_on(run_case(&case, b.clone(), e, Duration::from_secs(60)))
                        .map_err(|e| Failed::from(e.to_string()))?;
                    result.map_err(Failed::from)
                })
            })
            .collect();
        let conclusion = libtest_mimic::run(&args, trials);
        drop(server);
        conclusion.exit();
    }
}
