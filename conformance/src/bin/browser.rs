//! The conformance suite in a browser (wasm32-unknown-emscripten).
//!
//! The page is opened as `page.html?localhost&http=P&ws=Q&closed=R&fault=F&page=S&proxy=X&refusing_proxy=Y&tls=T&mtls=M&untrusted=U`
//! (emrun's pre-js turns the query into `argv`; `page` is the port of the page's own origin,
//! added by `ci/browser-run.sh`, whose value wins over an earlier one); the TLS PEM texts are
//! read from the test server's `/tls-material` before the suite starts. It prints `start NAME` / `test NAME ... ok|FAILED: reason` per case, a bench line,
//! and `N passed, N failed`, then exits with 0 or 1.

#[cfg(target_os = "emscripten")]
mod runner {
    use crossio_conformance::{Env, Summary, TlsEnv, run_suite};
    use crossio_emscripten::{EmscriptenBackend, diagnostics, page};

    /// What the page's query asks for.
    #[derive(Default)]
    struct Args {
        http_port: u16,
        ws_port: u16,
        closed_port: u16,
        fault_port: u16,
        tls_port: u16,
        mtls_port: u16,
        untrusted_port: u16,
        page_port: u16,
        proxy_port: u16,
        refusing_proxy_port: u16,
        filter: String,
        /// `soak=CONNS,MSGS,CYCLES` runs the load and soak instead of the suite.
        soak: Option<(usize, usize, usize)>,
    }

    fn parse_args() -> Args {
        let mut a = Args::default();
        for arg in std::env::args().skip(1) {
            let (k, v) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
            match k {
                "http" => a.http_port = v.parse().unwrap_or(0),
                "ws" => a.ws_port = v.parse().unwrap_or(0),
                "closed" => a.closed_port = v.parse().unwrap_or(0),
                "fault" => a.fault_port = v.parse().unwrap_or(0),
                "tls" => a.tls_port = v.parse().unwrap_or(0),
                "mtls" => a.mtls_port = v.parse().unwrap_or(0),
                "untrusted" => a.untrusted_port = v.parse().unwrap_or(0),
                "page" => a.page_port = v.parse().unwrap_or(0),
                "proxy" => a.proxy_port = v.parse().unwrap_or(0),
                "refusing_proxy" => a.refusing_proxy_port = v.parse().unwrap_or(0),
                "filter" => a.filter = v.to_owned(),
                "soak" => {
                    let n: Vec<usize> = v.split(',').filter_map(|x| x.parse().ok()).collect();
                    if let [c, m, y] = n[..] {
                        a.soak = Some((c, m, y));
                    }
                }
                _ => {}
            }
        }
        a
    }

    /// Print why the run cannot start, as one failed check, and exit with 1.
    fn fail_setup(why: &str) {
        println!("{why}");
        println!("0 passed, 1 failed");
        page::exit(1);
    }

    /// Check the ports, the FFI layout and the backend; `None` after [`fail_setup`].
    fn setup(a: &Args) -> Option<(Env, EmscriptenBackend)> {
        let ports = [
            a.http_port,
            a.ws_port,
            a.closed_port,
            a.fault_port,
            a.page_port,
        ];
        let tls_ports = [a.tls_port, a.mtls_port, a.untrusted_port];
        if ports.into_iter().chain(tls_ports).any(|p| p == 0) {
            fail_setup(
                "missing ports: open the page with \
                 ?http=P&ws=Q&closed=R&fault=F&page=S&tls=T&mtls=M&untrusted=U",
            );
            return None;
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
        if let Err(e) = diagnostics::check_ffi_layout() {
            fail_setup(&format!(
                "FFI layout mismatch with the installed emscripten headers: {e}"
            ));
            return None;
        }
        println!("ffi layout: websocket.h structs match");
        page::start_heartbeat(10);
        let env = Env {
            http_port: a.http_port,
            ws_port: a.ws_port,
            fault_port: a.fault_port,
            page_port: a.page_port,
            proxy_port: a.proxy_port,
            refusing_proxy_port: a.refusing_proxy_port,
            closed_port: a.closed_port,
            heartbeat: page::heartbeat,
            heartbeat_max_gap: page::heartbeat_max_gap,
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
            ws_tag: String::new(),
            tls: TlsEnv {
                port: a.tls_port,
                mtls_port: a.mtls_port,
                untrusted_port: a.untrusted_port,
                ..TlsEnv::default()
            },
        };
        match EmscriptenBackend::new() {
            Ok(b) => Some((env, b)),
            Err(e) => {
                fail_setup(&format!("cannot start the backend: {e}"));
                None
            }
        }
    }

    /// The load and soak run; `soak::run` prints its checks and the closing line.
    async fn soak(
        b: &EmscriptenBackend,
        env: &Env,
        (conns, msgs, cycles): (usize, usize, usize),
    ) -> Summary {
        let plan = crossio_conformance::soak::Plan {
            conns,
            msgs,
            cycles,
            memory_name: "wasm heap in use",
            memory: diagnostics::heap_in_use,
            memory_bound: 2 << 20,
        };
        println!(
            "wasm memory size at start: {} MiB",
            diagnostics::heap_size() >> 20
        );
        let summary = crossio_conformance::soak::run(b, env, plan, |l| println!("{l}")).await;
        println!(
            "wasm memory size at end: {} MiB",
            diagnostics::heap_size() >> 20
        );
        summary
    }

    /// The test server's TLS PEM texts (`/tls-material`) into `env.tls`.
    async fn tls_material(b: &EmscriptenBackend, env: &mut Env) -> Result<(), String> {
        use crossio_core::{Http, Request};
        let req = Request::get(&env.http("/tls-material"))
            .build()
            .map_err(|e| e.to_string())?;
        let resp = b.send(req).await.map_err(|e| e.to_string())?;
        let text = resp.text().await.map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let field = |k: &str| v[k].as_str().map(str::to_owned).ok_or(format!("no {k}"));
        env.tls.ca_pem = field("ca_pem")?;
        env.tls.client_cert_pem = field("client_cert_pem")?;
        env.tls.client_key_pem = field("client_key_pem")?;
        env.tls.other_cert_pem = field("other_cert_pem")?;
        Ok(())
    }

    /// The wake-latency bench line, every case `filter` selects, and the closing line.
    async fn suite(b: EmscriptenBackend, mut env: Env, filter: String) -> Summary {
        if let Err(e) = tls_material(&b, &mut env).await {
            println!("cannot read the test server's /tls-material: {e}");
            println!("0 passed, 1 failed");
            return Summary {
                passed: 0,
                failed: 1,
            };
        }
        let (median, mean, p99) =
            crossio_conformance::bench::main_thread_wake_latency(&b, 10_000).await;
        println!(
            "bench main_thread_wake_to_poll_us median={median:.1} mean={mean:.1} p99={p99:.1} n=10000"
        );
        let summary = run_suite(
            b,
            env,
            |c| filter.is_empty() || c.name.contains(&filter),
            |line| println!("{line}"),
        )
        .await;
        println!(
            "diagnostics: websocket sender waited for the browser's send buffer {} times",
            diagnostics::send_back_pressure_waits()
        );
        println!("{} passed, {} failed", summary.passed, summary.failed);
        summary
    }

    pub fn main() {
        let args = parse_args();
        println!(
            "crossio browser runner: mode={} engine={}",
            diagnostics::mode(),
            diagnostics::engine()
        );
        let Some((env, backend)) = setup(&args) else {
            return;
        };
        let b = backend.clone();
        let run = Box::pin(async move {
            let summary = match args.soak {
                Some(plan) => soak(&b, &env, plan).await,
                None => suite(b, env, args.filter).await,
            };
            summary.failed == 0
        });
        crossio_conformance::browser::drive(&backend, run);
    }
}

#[cfg(target_os = "emscripten")]
fn main() {
    runner::main();
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    eprintln!(
        "crossio-browser-runner is built for wasm32-unknown-emscripten; natively run `cargo test`"
    );
    std::process::exit(2);
}
