//! `crossio-bench-cpu --http-port P --ws-port Q`
//!
//! Native client CPU per operation, counted rather than timed: each operation's loop runs
//! under valgrind's callgrind (which counts the instructions a process executes, the same on
//! every run however busy the machine is), once with a short and once with a long loop, so
//! that start-up cancels: (instructions(long) − instructions(short)) / (long − short) is
//! what one more operation costs the client process (crossio's own code, reqwest/hyper or
//! tungstenite, tokio, the allocator; not the kernel, not the server). Run for crossio and
//! for the raw library it wraps, on the backend's runtime and the same test server. Prints a
//! readable line and a `ROW|…` line (a comparison: no target) per case, then
//! `N passed, M failed`. Needs `valgrind` on the PATH.
//!
//! With `--op get|echo --side crossio|raw --n N` it runs one such loop itself (what the
//! measuring run starts under callgrind).

#[cfg(target_os = "emscripten")]
fn main() {
    eprintln!("crossio-bench-cpu is native only");
    std::process::exit(2);
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    cpu::main()
}

#[cfg(not(target_os = "emscripten"))]
mod cpu {
    use std::process::Command;

    use bytes::Bytes;
    use crossio::{ConnectOptions, Http, Message, Request, Transport};
    use crossio_bench::{Kind, Row};
    use crossio_native::NativeBackend;
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite;

    type Res<T> = Result<T, String>;

    /// Operations in the short and the long run of each loop.
    const SHORT: u64 = 100;
    const LONG: u64 = 400;

    #[derive(Default)]
    struct Opts {
        http_port: u16,
        ws_port: u16,
        op: String,
        side: String,
        n: u64,
    }

    fn parse_args() -> Res<Opts> {
        let mut o = Opts::default();
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            let v = args.next().ok_or(format!("{a} needs a value"))?;
            let bad = |_| format!("bad value for {a}: {v}");
            match a.as_str() {
                "--http-port" => o.http_port = v.parse().map_err(bad)?,
                "--ws-port" => o.ws_port = v.parse().map_err(bad)?,
                "--op" => o.op = v,
                "--side" => o.side = v,
                "--n" => o.n = v.parse().map_err(bad)?,
                _ => return Err(format!("unknown option {a}")),
            }
        }
        if o.http_port == 0 || o.ws_port == 0 {
            return Err("--http-port and --ws-port are required".into());
        }
        Ok(o)
    }

    pub fn main() {
        let o = match parse_args() {
            Ok(o) => o,
            Err(e) => {
                eprintln!(
                    "{e}\nusage: crossio-bench-cpu --http-port P --ws-port Q [--op get|echo --side crossio|raw --n N]"
                );
                std::process::exit(2);
            }
        };
        if o.op.is_empty() {
            measure(&o);
        } else if let Err(e) = run_loop(&o) {
            eprintln!("crossio-bench-cpu: {e}");
            std::process::exit(1);
        }
    }

    /// Every case under callgrind; prints the rows and the pass/fail line.
    fn measure(o: &Opts) {
        let cases = [
            ("get", "http GET 1 KiB, sequential", "request", "reqwest"),
            (
                "echo",
                "ws echo 32 B, sequential",
                "round trip",
                "tokio-tungstenite",
            ),
        ];
        let (mut passed, mut failed) = (0, 0);
        for (op, case, what, raw) in cases {
            let per_op = |side: &str| -> Res<f64> {
                let short = instructions(o, op, side, SHORT)?;
                let long = instructions(o, op, side, LONG)?;
                Ok((long as f64 - short as f64) / (LONG - SHORT) as f64)
            };
            match per_op("crossio").and_then(|c| Ok((c, per_op("raw")?))) {
                Ok((c, r)) => {
                    let row = Row {
                        kind: Kind::Comparison,
                        section: "native cpu".into(),
                        case: format!("{case}: instructions per {what}"),
                        unit: "instr".into(),
                        crossio: c.round(),
                        baseline: r.round(),
                        ratio: c / r,
                        ratio_range: (c / r, c / r),
                        note: format!(
                            "client process only, counted by callgrind ({LONG} minus {SHORT} \
                             operations, so start-up cancels); baseline: {raw}; lower is better"
                        ),
                    };
                    println!(
                        "bench cpu {}: crossio {:.0}, {raw} {:.0} instructions, ratio {:.3}",
                        row.case, c, r, row.ratio
                    );
                    println!("{}", row.line());
                    passed += 1;
                }
                Err(e) => {
                    println!("bench cpu {case}: FAILED: {e}");
                    failed += 1;
                }
            }
        }
        println!("{passed} passed, {failed} failed");
    }

    /// Instructions the client executed running `n` operations of `op` on `side`.
    fn instructions(o: &Opts, op: &str, side: &str, n: u64) -> Res<u64> {
        let me = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&me)
            .args(["--http-port", &o.http_port.to_string()])
            .args(["--ws-port", &o.ws_port.to_string()])
            .args(["--op", op, "--side", side, "--n", &n.to_string()])
            .output()
            .map_err(|e| format!("starting valgrind: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("{op}/{side} ×{n} failed: {}", stderr.trim()));
        }
        // "==PID== Collected : 123456789"
        stderr
            .lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| format!("no instruction count in valgrind's output: {stderr}"))
    }

    /// One loop of `o.n` operations (run under callgrind by [`measure`]).
    fn run_loop(o: &Opts) -> Res<()> {
        let b = NativeBackend::new().map_err(|e| e.to_string())?;
        let client = crossio_bench::raw::http_client()?;
        let http = format!("http://127.0.0.1:{}/bytes/1024", o.http_port);
        let ws = format!("ws://127.0.0.1:{}", o.ws_port);
        let (op, side, n) = (o.op.clone(), o.side.clone(), o.n);
        let rt = b.handle().clone();
        // On a task of the backend's runtime, as the timed benchmark runs.
        let task = rt.spawn(async move {
            match (op.as_str(), side.as_str()) {
                ("get", "crossio") => {
                    for _ in 0..n {
                        let req = Request::get(&http).build().map_err(|e| e.to_string())?;
                        let resp = b.send(req).await.map_err(|e| e.to_string())?;
                        let body = resp.into_body().bytes().await.map_err(|e| e.to_string())?;
                        check(body.len(), 1024)?;
                    }
                }
                ("get", "raw") => {
                    for _ in 0..n {
                        let resp = client.get(&http).send().await.map_err(|e| e.to_string())?;
                        let body = resp.bytes().await.map_err(|e| e.to_string())?;
                        check(body.len(), 1024)?;
                    }
                }
                ("echo", "crossio") => {
                    let mut c = b
                        .connect(&ws, ConnectOptions::new())
                        .await
                        .map_err(|e| e.to_string())?;
                    let payload = Bytes::from(vec![7u8; 32]);
                    for _ in 0..n {
                        c.send(Message::Binary(payload.clone()))
                            .await
                            .map_err(|e| e.to_string())?;
                        match c.next().await {
                            Some(Ok(Message::Binary(m))) => check(m.len(), 32)?,
                            other => return Err(format!("echo: {other:?}")),
                        }
                    }
                }
                ("echo", "raw") => {
                    let mut c = crossio_bench::raw::ws_connect(&ws).await?;
                    let payload = Bytes::from(vec![7u8; 32]);
                    for _ in 0..n {
                        c.send(tungstenite::Message::Binary(payload.clone()))
                            .await
                            .map_err(|e| e.to_string())?;
                        match c.next().await {
                            Some(Ok(tungstenite::Message::Binary(m))) => check(m.len(), 32)?,
                            other => return Err(format!("echo: {other:?}")),
                        }
                    }
                }
                (op, side) => return Err(format!("unknown --op {op} / --side {side}")),
            }
            Ok(())
        });
        rt.block_on(task).map_err(|e| e.to_string())?
    }

    fn check(got: usize, want: usize) -> Res<()> {
        if got == want {
            Ok(())
        } else {
            Err(format!("{got} bytes, expected {want}"))
        }
    }
}
