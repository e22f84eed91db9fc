//! `crossio-bench [--http-port P --ws-port Q] [--rounds R] [--secs S] [--only TEXT]`
//!
//! Native benchmarks: crossio against raw tokio-tungstenite, reqwest and tokio, on the same
//! tokio runtime (the backend's own) and the same test server, in interleaved rounds; plus raw
//! loopback TCP echo as the physical reference. Without ports it starts the test server
//! in-process. Prints a readable line per case and a `ROW|…` line for the report, then
//! `N passed, M failed` (cases completed / failed).

#[cfg(target_os = "emscripten")]
fn main() {
    eprintln!("crossio-bench is the native benchmark; the browser one is crossio-browser-bench");
    std::process::exit(2);
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    native::main()
}

#[cfg(not(target_os = "emscripten"))]
mod native {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use bytes::Bytes;
    use crossio::{ConnectOptions, Http, Message, Request, Spawner, Transport};
    use crossio_bench::{Fig, Kind, Rounds, Row, interleave, size_name};
    use crossio_native::NativeBackend;
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::runtime::Handle;
    use tokio_tungstenite::tungstenite;

    type Res<T> = Result<T, String>;

    struct Opts {
        http_port: u16,
        ws_port: u16,
        rounds: usize,
        secs: f64,
        only: String,
    }

    fn parse_args() -> Opts {
        let mut o = Opts {
            http_port: 0,
            ws_port: 0,
            rounds: 13,
            secs: 0.3,
            only: String::new(),
        };
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            let v = args.next().unwrap_or_default();
            let ok = match a.as_str() {
                "--http-port" => v.parse().map(|p| o.http_port = p).is_ok(),
                "--ws-port" => v.parse().map(|p| o.ws_port = p).is_ok(),
                "--rounds" => v.parse().map(|r: usize| o.rounds = r.max(1)).is_ok(),
                "--secs" => v.parse().map(|s: f64| o.secs = s.clamp(0.01, 10.0)).is_ok(),
                "--only" => {
                    o.only = v;
                    true
                }
                _ => false,
            };
            if !ok {
                eprintln!(
                    "usage: crossio-bench [--http-port P --ws-port Q] [--rounds R] [--secs S] [--only TEXT]"
                );
                std::process::exit(2);
            }
        }
        o
    }

    /// Shared by every case.
    struct Ctx {
        b: NativeBackend,
        rt: Handle,
        client: reqwest::Client,
        ws_base: String,
        http_base: String,
        rounds: usize,
        dur: Duration,
    }

    pub fn main() {
        let o = parse_args();
        let _server;
        let (http_port, ws_port) = if o.http_port == 0 || o.ws_port == 0 {
            let s =
                crossio_conformance::server::TestServer::start().expect("start the test server");
            let ports = (s.http_port, s.ws_port);
            _server = Some(s);
            ports
        } else {
            _server = None;
            (o.http_port, o.ws_port)
        };
        let b = NativeBackend::new().expect("start the backend");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = crossio_bench::raw::http_client().expect("build the reqwest client");
        let rt = b.handle().clone();
        let ctx = Arc::new(Ctx {
            b,
            rt: rt.clone(),
            client,
            ws_base: format!("ws://127.0.0.1:{ws_port}"),
            http_base: format!("http://127.0.0.1:{http_port}"),
            rounds: o.rounds,
            dur: Duration::from_secs_f64(o.secs),
        });
        println!(
            "crossio-bench (native): {} interleaved rounds of {:.2} s per side and case, medians; server http={http_port} ws={ws_port}; {} cores",
            o.rounds,
            o.secs,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        let started = Instant::now();
        let (passed, failed) = rt.block_on(async move {
            let only = o.only;
            let mut passed = 0;
            let mut failed = 0;
            for case in cases() {
                if !only.is_empty() && !case.name.contains(&only) {
                    continue;
                }
                let name = case.name.clone();
                match (case.run)(ctx.clone()).await {
                    Ok(rows) => {
                        for r in rows {
                            print_row(&r);
                        }
                        passed += 1;
                    }
                    Err(e) => {
                        println!("bench {name} FAILED: {e}");
                        failed += 1;
                    }
                }
            }
            (passed, failed)
        });
        println!(
            "native bench done in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        println!("{passed} passed, {failed} failed");
    }

    fn print_row(r: &Row) {
        match r.kind.target() {
            Some(_) => println!(
                "bench {}: crossio {} {}, baseline {} {}, ratio {:.3} (rounds {:.3}..{:.3}){}",
                r.case,
                Fig(r.crossio),
                r.unit,
                Fig(r.baseline),
                r.unit,
                r.ratio,
                r.ratio_range.0,
                r.ratio_range.1,
                if r.note.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", r.note)
                }
            ),
            None => println!("bench {}: {} {}", r.case, Fig(r.baseline), r.unit),
        }
        println!("{}", r.line());
    }

    type CaseFut = std::pin::Pin<Box<dyn std::future::Future<Output = Res<Vec<Row>>> + Send>>;

    struct Case {
        name: String,
        run: Box<dyn Fn(Arc<Ctx>) -> CaseFut>,
    }

    fn case<F, Fut>(name: String, f: F) -> Case
    where
        F: Fn(Arc<Ctx>) -> Fut + 'static,
        Fut: std::future::Future<Output = Res<Vec<Row>>> + Send + 'static,
    {
        Case {
            name,
            run: Box::new(move |c| Box::pin(f(c))),
        }
    }

    fn cases() -> Vec<Case> {
        let mut v = Vec::new();
        for conns in [1usize, 64] {
            for size in [32usize, 1024, 64 << 10] {
                v.push(case(
                    format!("ws echo {} ×{conns} conn", size_name(size)),
                    move |c| ws_echo(c, size, conns),
                ));
            }
        }
        for in_flight in [1usize, 16] {
            v.push(case(
                format!("http GET 1 KiB ×{in_flight} in flight"),
                move |c| http_get(c, 1024, in_flight),
            ));
        }
        v.push(case("http download 16 MiB".into(), |c| {
            http_get(c, 16 << 20, 1)
        }));
        v.push(case("spawn+join".into(), spawn_join));
        v.push(case("spawn_blocking round trip".into(), spawn_blocking));
        for size in [32usize, 64 << 10] {
            v.push(case(
                format!("tcp loopback echo {} ×1 conn", size_name(size)),
                move |c| tcp_echo(c, size),
            ));
        }
        v
    }

    // ------------------------------------------------------------------ WebSocket echo

    /// Per connection: send a `size`-byte binary message, await its echo, until the deadline.
    /// Returns round trips/s over all connections (connecting is not timed).
    async fn ws_echo(c: Arc<Ctx>, size: usize, conns: usize) -> Res<Vec<Row>> {
        let url = format!("{}/echo", c.ws_base);
        let rounds = interleave(
            c.rounds,
            || ws_round_crossio(c.clone(), url.clone(), size, conns),
            || ws_round_raw(c.clone(), url.clone(), size, conns),
        )
        .await?;
        let case = format!("ws echo {} ×{conns} conn", size_name(size));
        let mb = |rt: f64| rt * size as f64 / 1e6;
        let note = format!(
            "{} vs {} MB/s echoed; baseline: tokio-tungstenite",
            Fig(mb(rounds.a_median())),
            Fig(mb(rounds.b_median()))
        );
        Ok(vec![rounds.row(
            Kind::NativeThroughput,
            "native",
            &case,
            "rt/s",
            &note,
        )])
    }

    async fn ws_round_crossio(c: Arc<Ctx>, url: String, size: usize, conns: usize) -> Res<f64> {
        let mut cs = Vec::with_capacity(conns);
        for _ in 0..conns {
            cs.push(
                c.b.connect(&url, ConnectOptions::new())
                    .await
                    .map_err(|e| format!("crossio connect: {e}"))?,
            );
        }
        let payload = Bytes::from(vec![7u8; size]);
        let start = Instant::now();
        let deadline = start + c.dur;
        let tasks: Vec<_> = cs
            .into_iter()
            .map(|mut ws| {
                let p = payload.clone();
                c.rt.spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        ws.send(Message::Binary(p.clone()))
                            .await
                            .map_err(|e| format!("crossio send: {e}"))?;
                        match ws.next().await {
                            Some(Ok(Message::Binary(b))) if b.len() == size => n += 1,
                            other => return Err(format!("crossio echo: unexpected {other:?}")),
                        }
                    }
                    Ok::<_, String>((n, ws))
                })
            })
            .collect();
        let mut total = 0;
        let mut open = Vec::with_capacity(conns);
        for t in tasks {
            let (n, ws) = t.await.map_err(|e| e.to_string())??;
            total += n;
            open.push(ws);
        }
        let secs = start.elapsed().as_secs_f64();
        for mut ws in open {
            let _ = ws.close().await;
        }
        Ok(total as f64 / secs)
    }

    async fn ws_round_raw(c: Arc<Ctx>, url: String, size: usize, conns: usize) -> Res<f64> {
        let mut cs = Vec::with_capacity(conns);
        for _ in 0..conns {
            cs.push(crossio_bench::raw::ws_connect(&url).await?);
        }
        let payload = Bytes::from(vec![7u8; size]);
        let start = Instant::now();
        let deadline = start + c.dur;
        let tasks: Vec<_> = cs
            .into_iter()
            .map(|mut ws| {
                let p = payload.clone();
                c.rt.spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        ws.send(tungstenite::Message::Binary(p.clone()))
                            .await
                            .map_err(|e| format!("raw send: {e}"))?;
                        match ws.next().await {
                            Some(Ok(tungstenite::Message::Binary(b))) if b.len() == size => n += 1,
                            other => return Err(format!("raw echo: unexpected {other:?}")),
                        }
                    }
                    Ok::<_, String>((n, ws))
                })
            })
            .collect();
        let mut total = 0;
        let mut open = Vec::with_capacity(conns);
        for t in tasks {
            let (n, ws) = t.await.map_err(|e| e.to_string())??;
            total += n;
            open.push(ws);
        }
        let secs = start.elapsed().as_secs_f64();
        for mut ws in open {
            let _ = ws.close(None).await;
        }
        Ok(total as f64 / secs)
    }

    // ------------------------------------------------------------------ HTTP

    /// `in_flight` tasks each GET `/bytes/size` in a loop until the deadline, reading every
    /// body chunk by chunk. Returns requests/s (MB/s for the 16 MiB download).
    async fn http_get(c: Arc<Ctx>, size: usize, in_flight: usize) -> Res<Vec<Row>> {
        let url = format!("{}/bytes/{size}", c.http_base);
        let big = size >= 1 << 20;
        let rounds = interleave(
            c.rounds,
            || http_round(c.clone(), url.clone(), size, in_flight, true),
            || http_round(c.clone(), url.clone(), size, in_flight, false),
        )
        .await?;
        let (case, unit, rounds, note) = if big {
            let mb = Rounds {
                a: rounds.a.iter().map(|r| r * size as f64 / 1e6).collect(),
                b: rounds.b.iter().map(|r| r * size as f64 / 1e6).collect(),
            };
            (
                format!("http download {}", size_name(size)),
                "MB/s",
                mb,
                "baseline: reqwest".to_owned(),
            )
        } else {
            (
                format!("http GET {} ×{in_flight} in flight", size_name(size)),
                "req/s",
                rounds,
                "baseline: reqwest".to_owned(),
            )
        };
        Ok(vec![rounds.row(
            Kind::NativeThroughput,
            "native",
            &case,
            unit,
            &note,
        )])
    }

    async fn http_round(
        c: Arc<Ctx>,
        url: String,
        size: usize,
        in_flight: usize,
        crossio: bool,
    ) -> Res<f64> {
        let start = Instant::now();
        let deadline = start + c.dur;
        let tasks: Vec<_> = (0..in_flight)
            .map(|_| {
                let c = c.clone();
                let url = url.clone();
                c.rt.clone().spawn(async move {
                    let mut n = 0u64;
                    // At least one request, so a long download still gives a figure.
                    while n == 0 || Instant::now() < deadline {
                        let got = if crossio {
                            get_crossio(&c.b, &url).await?
                        } else {
                            get_raw(&c.client, &url).await?
                        };
                        if got != size {
                            return Err(format!("{url}: {got} bytes, expected {size}"));
                        }
                        n += 1;
                    }
                    Ok::<_, String>(n)
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.map_err(|e| e.to_string())??;
        }
        Ok(total as f64 / start.elapsed().as_secs_f64())
    }

    async fn get_crossio(b: &NativeBackend, url: &str) -> Res<usize> {
        let req = Request::get(url).build().map_err(|e| e.to_string())?;
        let resp = b.send(req).await.map_err(|e| format!("crossio GET: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("crossio GET {url}: {}", resp.status()));
        }
        let mut body = resp.into_body();
        let mut got = 0;
        while let Some(chunk) = body
            .chunk()
            .await
            .map_err(|e| format!("crossio body: {e}"))?
        {
            got += chunk.len();
        }
        Ok(got)
    }

    async fn get_raw(client: &reqwest::Client, url: &str) -> Res<usize> {
        let mut resp = client
            .get(url)
            .send()
            .await
            .map_err(|e| format!("raw GET: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("raw GET {url}: {}", resp.status()));
        }
        let mut got = 0;
        while let Some(chunk) = resp.chunk().await.map_err(|e| format!("raw body: {e}"))? {
            got += chunk.len();
        }
        Ok(got)
    }

    // ------------------------------------------------------------------ spawning

    /// Time per op of `op` repeated until the deadline, in a task on the runtime.
    async fn per_op<F, Fut>(c: &Ctx, op: F) -> Res<f64>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Res<()>> + Send,
    {
        let dur = c.dur;
        c.rt.spawn(async move {
            let start = Instant::now();
            let mut n = 0u64;
            while start.elapsed() < dur {
                for _ in 0..64 {
                    op().await?;
                }
                n += 64;
            }
            Ok(start.elapsed().as_secs_f64() * 1e9 / n as f64)
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn spawn_join(c: Arc<Ctx>) -> Res<Vec<Row>> {
        let rounds = interleave(
            c.rounds,
            || {
                let b = c.b.clone();
                let c = c.clone();
                async move {
                    per_op(&c, move || {
                        let h = b.spawn(async { 1u32 });
                        async move { h.await.map(drop).map_err(|e| e.to_string()) }
                    })
                    .await
                }
            },
            || {
                let c = c.clone();
                async move {
                    per_op(&c, || {
                        let h = tokio::spawn(async { 1u32 });
                        async move { h.await.map(drop).map_err(|e| e.to_string()) }
                    })
                    .await
                }
            },
        )
        .await?;
        Ok(vec![rounds.row(
            Kind::NativeOverhead,
            "native",
            "spawn+join",
            "ns/op",
            "from a task; baseline: tokio::spawn",
        )])
    }

    async fn spawn_blocking(c: Arc<Ctx>) -> Res<Vec<Row>> {
        let rounds = interleave(
            c.rounds,
            || {
                let b = c.b.clone();
                let c = c.clone();
                async move {
                    per_op(&c, move || {
                        let h = b.spawn_blocking(|| 1u32);
                        async move { h.await.map(drop).map_err(|e| e.to_string()) }
                    })
                    .await
                }
            },
            || {
                let c = c.clone();
                async move {
                    per_op(&c, || {
                        let h = tokio::task::spawn_blocking(|| 1u32);
                        async move { h.await.map(drop).map_err(|e| e.to_string()) }
                    })
                    .await
                }
            },
        )
        .await?;
        Ok(vec![rounds.row(
            Kind::NativeOverhead,
            "native",
            "spawn_blocking round trip",
            "ns/op",
            "from a task; baseline: tokio::task::spawn_blocking",
        )])
    }

    // ------------------------------------------------------------------ TCP reference

    /// Raw loopback TCP: write `size` bytes, read the echo, until the deadline (an echo server
    /// task on the same runtime). The physical limit the WebSocket figures sit under.
    async fn tcp_echo(c: Arc<Ctx>, size: usize) -> Res<Vec<Row>> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let server = c.rt.spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let _ = s.set_nodelay(true);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 << 10];
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if s.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                });
            }
        });
        let mut figures = Vec::new();
        for _ in 0..c.rounds {
            let dur = c.dur;
            let rate =
                c.rt.spawn(async move {
                    let mut s = tokio::net::TcpStream::connect(addr)
                        .await
                        .map_err(|e| e.to_string())?;
                    s.set_nodelay(true).map_err(|e| e.to_string())?;
                    let out = vec![7u8; size];
                    let mut back = vec![0u8; size];
                    let start = Instant::now();
                    let mut n = 0u64;
                    while start.elapsed() < dur {
                        s.write_all(&out).await.map_err(|e| e.to_string())?;
                        s.read_exact(&mut back).await.map_err(|e| e.to_string())?;
                        n += 1;
                    }
                    Ok::<_, String>(n as f64 / start.elapsed().as_secs_f64())
                })
                .await
                .map_err(|e| e.to_string())??;
            figures.push(rate);
        }
        server.abort();
        let rt = crossio_bench::median(&figures);
        let case = format!("tcp loopback echo {} ×1 conn", size_name(size));
        let (value, unit) = if size >= 1024 {
            (rt * size as f64 / 1e6, "MB/s")
        } else {
            (rt, "rt/s")
        };
        Ok(vec![Row {
            kind: Kind::Reference,
            section: "native".into(),
            case,
            unit: unit.into(),
            crossio: f64::NAN,
            baseline: value,
            ratio: f64::NAN,
            ratio_range: (f64::NAN, f64::NAN),
            note: format!(
                "raw tokio TcpStream ping-pong, {} rt/s: the physical limit",
                Fig(rt)
            ),
        }])
    }
}
