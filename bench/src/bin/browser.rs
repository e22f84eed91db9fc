//! The browser bench page (wasm32-unknown-emscripten, both modes), built and run by
//! `ci/bench.sh` like the conformance runner.
//!
//! Opened as `page.html?localhost&http=P&ws=Q[&browser=NAME][&rounds=R][&only=TEXT][&spin_us=N]` (`only`:
//! run just the cases whose name contains TEXT; `spin_us`: worker mode's `block_on` spin, see
//! `Builder::block_on_spin`; both for a quick A/B of one row). In the same page and
//! against the same test server it measures crossio's Transport and Http against a raw JS
//! WebSocket / `fetch()` loop (`crossio_emscripten::bench`), and in worker mode the pool
//! (`spawn_blocking`, `spawn`) against `pthread_create` + `pthread_join`; where `block_on` is
//! allowed (worker and jspi modes) it compares `block_on` of a ready future, of a GET and of a
//! 32 B WebSocket echo against awaiting the same through the async API; interleaved rounds,
//! medians. Prints a readable line and a `ROW|…` line per case, then `N passed, M failed`
//! (cases completed / failed) and exits.

#[cfg(target_os = "emscripten")]
fn main() {
    use crossio_emscripten::{EmscriptenBackend, diagnostics, page};

    let mut opts = page_bench::Opts {
        http_port: 0,
        ws_port: 0,
        browser: "browser".into(),
        rounds: 9,
        only: String::new(),
    };
    let mut builder = EmscriptenBackend::builder();
    for arg in std::env::args().skip(1) {
        let (k, v) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
        match k {
            "http" => opts.http_port = v.parse().unwrap_or(0),
            "ws" => opts.ws_port = v.parse().unwrap_or(0),
            "browser" => opts.browser = v.to_owned(),
            "rounds" => opts.rounds = v.parse().unwrap_or(9).max(1),
            "only" => opts.only = v.replace("%20", " "),
            "spin_us" => {
                let us = v.parse().unwrap_or(0);
                builder = builder.block_on_spin(std::time::Duration::from_micros(us));
            }
            _ => {}
        }
    }
    let mode = diagnostics::mode();
    println!(
        "crossio-browser-bench: mode={mode}, {} interleaved rounds per case, medians",
        opts.rounds
    );
    if opts.http_port == 0 || opts.ws_port == 0 {
        println!("missing ports: open the page with ?http=P&ws=Q");
        println!("0 passed, 1 failed");
        page::exit(1);
        return;
    }
    let backend = match builder.build() {
        Ok(b) => b,
        Err(e) => {
            println!("cannot start the backend: {e}");
            println!("0 passed, 1 failed");
            page::exit(1);
            return;
        }
    };
    let section = format!("{} {mode}", opts.browser);
    let suite = page_bench::run(backend.clone(), opts, section);
    crossio_conformance::browser::drive(&backend, Box::pin(async move { suite.await.1 == 0 }));
}

#[cfg(target_os = "emscripten")]
mod page_bench {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use bytes::Bytes;
    use crossio::{ConnectOptions, Http, Introspect, Message, Request, Spawner, Transport};
    use crossio_bench::{Fig, Kind, Rounds, Row, interleave, size_name};
    use crossio_emscripten::{EmscriptenBackend, WORKER_MODE, bench, diagnostics};
    use futures_util::{SinkExt, StreamExt};

    type Res<T> = Result<T, String>;

    pub struct Opts {
        pub http_port: u16,
        pub ws_port: u16,
        pub browser: String,
        pub rounds: usize,
        /// Run only the cases whose name contains this (empty: every case).
        pub only: String,
    }

    fn report(rows: &[Row]) {
        for r in rows {
            println!(
                "bench {}: crossio {} {}, raw {} {}, ratio {:.3} (rounds {:.3}..{:.3}) [{}]",
                r.case,
                Fig(r.crossio),
                r.unit,
                Fig(r.baseline),
                r.unit,
                r.ratio,
                r.ratio_range.0,
                r.ratio_range.1,
                r.note
            );
            println!("{}", r.line());
        }
    }

    /// Every case; returns (completed, failed).
    pub async fn run(b: EmscriptenBackend, o: Opts, section: String) -> (usize, usize) {
        let ws_url = format!("ws://127.0.0.1:{}/echo", o.ws_port);
        let http = format!("http://127.0.0.1:{}", o.http_port);
        let mut passed = 0;
        let mut failed = 0;
        let want = |name: &str| name.contains(o.only.as_str());
        let mut tally = |name: &str, r: Res<Vec<Row>>| match r {
            Ok(rows) => {
                report(&rows);
                passed += 1;
            }
            Err(e) => {
                println!("bench {name} FAILED: {e}");
                failed += 1;
            }
        };
        for (size, n) in [(32usize, 1000usize), (1024, 1000), (64 << 10, 200)] {
            let name = format!("ws echo {} ×1 conn", size_name(size));
            if !want(&name) {
                continue;
            }
            let r = ws_echo(&b, &ws_url, size, n, o.rounds, &section, &name).await;
            tally(&name, r);
        }
        for (size, n, in_flight) in [
            (1024usize, 200usize, 1usize),
            (1024, 640, 16),
            (16 << 20, 2, 1),
        ] {
            let name = if size >= 1 << 20 {
                format!("http download {}", size_name(size))
            } else {
                format!("http GET {} ×{in_flight} in flight", size_name(size))
            };
            if !want(&name) {
                continue;
            }
            let url = format!("{http}/bytes/{size}");
            let r = http_get(&b, &url, size, n, in_flight, o.rounds, &section, &name).await;
            tally(&name, r);
        }
        if b.capabilities().block_on_allowed {
            for what in [BlockOn::Ready, BlockOn::Get, BlockOn::WsEcho] {
                let name = what.name();
                if !want(name) {
                    continue;
                }
                let r = block_on_vs_await(&b, what, &http, &ws_url, o.rounds, &section).await;
                tally(name, r);
            }
        }
        if WORKER_MODE && want("pool: ") {
            let name = "pool: spawn_blocking round trip";
            let r = pool(&b, true, 200, o.rounds, &section, name).await;
            tally(name, r);
            let name = "pool: spawn+join";
            let r = pool(&b, false, 200, o.rounds, &section, name).await;
            tally(name, r);
        }
        println!("{passed} passed, {failed} failed");
        (passed, failed)
    }

    #[allow(clippy::too_many_arguments)]
    async fn ws_echo(
        b: &EmscriptenBackend,
        url: &str,
        size: usize,
        n: usize,
        rounds: usize,
        section: &str,
        case: &str,
    ) -> Res<Vec<Row>> {
        let raw = || async move {
            let run = bench::js_ws_echo(url, size, n)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(n as f64 / run.elapsed.as_secs_f64())
        };
        let hand = || async move {
            let d = bench::thread_model_ws_echo(url, size, n)
                .ok_or("the thread model by hand failed (socket, echo size, or not a worker)")?;
            Ok::<_, String>(n as f64 / d.as_secs_f64())
        };
        let by_hand = WORKER_MODE && size == 32;
        let (r, hand_rows) = if by_hand {
            let (r, hand_rows) =
                interleave3(rounds, || ws_crossio(b, url, size, n), raw, hand).await?;
            (r, Some(hand_rows))
        } else {
            let r = interleave(rounds, || ws_crossio(b, url, size, n), raw).await?;
            (r, None)
        };
        let mb = |rt: f64| rt * size as f64 / 1e6;
        let note = format!(
            "{n} sequential round trips; {} vs {} MB/s echoed; raw: JS WebSocket loop",
            Fig(mb(r.a_median())),
            Fig(mb(r.b_median()))
        );
        let mut rows = vec![r.row(Kind::BrowserThroughput, section, case, "rt/s", &note)];
        if let Some((floor, own)) = hand_rows {
            rows.extend(thread_model_rows(section, case, "rt/s", &floor, &own));
        }
        Ok(rows)
    }

    /// Worker mode: the rows of a case also run as its thread model by hand
    /// (`bench::thread_model_*`): that loop against raw JS (the most a worker-mode program
    /// reaches on this machine), and crossio against that loop (crossio's own cost).
    fn thread_model_rows(
        section: &str,
        case: &str,
        unit: &str,
        floor: &Rounds,
        own: &Rounds,
    ) -> [Row; 2] {
        [
            floor.row(
                Kind::Comparison,
                section,
                &format!("thread model by hand vs raw JS: {case}"),
                unit,
                "\"crossio\" column: the same loop written by hand in C on this worker, no crossio \
                 (the socket or fetch a plain JS one on the main thread, each operation handed \
                 there one way, each answer awaited in a futex wait); baseline: the raw JS loop \
                 on the main thread. The most a worker-mode program reaches here",
            ),
            own.row(
                Kind::Comparison,
                section,
                &format!("crossio vs thread model by hand: {case}"),
                unit,
                "crossio against the same loop written by hand in C on the same thread model \
                 (above): what crossio itself costs in worker mode",
            ),
        ]
    }

    /// [`interleave`] for three loops: crossio (`a`), the raw JS loop (`b`) and the thread model
    /// by hand (`c`), one warm-up each, then `rounds` rounds with the order rotated per round.
    /// Returns crossio vs raw JS, and (by hand vs raw JS, crossio vs by hand).
    async fn interleave3<A, B, C, FA, FB, FC>(
        rounds: usize,
        mut a: A,
        mut b: B,
        mut c: C,
    ) -> Res<(Rounds, (Rounds, Rounds))>
    where
        A: FnMut() -> FA,
        B: FnMut() -> FB,
        C: FnMut() -> FC,
        FA: std::future::Future<Output = Res<f64>>,
        FB: std::future::Future<Output = Res<f64>>,
        FC: std::future::Future<Output = Res<f64>>,
    {
        a().await?;
        b().await?;
        c().await?;
        let (mut xa, mut xb, mut xc) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..rounds {
            for k in 0..3 {
                match (i + k) % 3 {
                    0 => xa.push(a().await?),
                    1 => xb.push(b().await?),
                    _ => xc.push(c().await?),
                }
            }
        }
        let pair = |a: &Vec<f64>, b: &Vec<f64>| Rounds {
            a: a.clone(),
            b: b.clone(),
        };
        Ok((pair(&xa, &xb), (pair(&xc, &xb), pair(&xa, &xc))))
    }

    async fn ws_crossio(b: &EmscriptenBackend, url: &str, size: usize, n: usize) -> Res<f64> {
        let mut ws = b
            .connect(url, ConnectOptions::new())
            .await
            .map_err(|e| format!("crossio connect: {e}"))?;
        let payload = Bytes::from(vec![7u8; size]);
        let start = Instant::now();
        for _ in 0..n {
            ws.send(Message::Binary(payload.clone()))
                .await
                .map_err(|e| format!("crossio send: {e}"))?;
            match ws.next().await {
                Some(Ok(Message::Binary(m))) if m.len() == size => {}
                other => return Err(format!("crossio echo: unexpected {other:?}")),
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let _ = ws.close().await;
        Ok(n as f64 / secs)
    }

    #[allow(clippy::too_many_arguments)]
    async fn http_get(
        b: &EmscriptenBackend,
        url: &str,
        size: usize,
        n: usize,
        in_flight: usize,
        rounds: usize,
        section: &str,
        case: &str,
    ) -> Res<Vec<Row>> {
        let raw = || async move {
            let run = bench::js_fetch(url, n, in_flight)
                .await
                .map_err(|e| e.to_string())?;
            if run.bytes != (n * size) as u64 {
                return Err(format!(
                    "raw fetch: {} bytes, expected {}",
                    run.bytes,
                    n * size
                ));
            }
            Ok::<_, String>(n as f64 / run.elapsed.as_secs_f64())
        };
        let hand = || async move {
            let d = bench::thread_model_fetch(url, n, size)
                .ok_or("the thread model by hand failed (request, body size, or not a worker)")?;
            Ok::<_, String>(n as f64 / d.as_secs_f64())
        };
        let crossio = || http_crossio(b, url, size, n, in_flight);
        if WORKER_MODE && in_flight == 1 && size == 1024 {
            let (r, (floor, own)) = interleave3(rounds, crossio, raw, hand).await?;
            let note = format!("{n} requests per round; raw: JS fetch() + stream reader");
            let mut rows = vec![r.row(Kind::BrowserThroughput, section, case, "req/s", &note)];
            rows.extend(thread_model_rows(section, case, "req/s", &floor, &own));
            return Ok(rows);
        }
        let r = interleave(rounds, crossio, raw).await?;
        if size >= 1 << 20 {
            let mb = Rounds {
                a: r.a.iter().map(|x| x * size as f64 / 1e6).collect(),
                b: r.b.iter().map(|x| x * size as f64 / 1e6).collect(),
            };
            let note = format!("{n} downloads per round; raw: JS fetch() + stream reader");
            Ok(vec![mb.row(
                Kind::BrowserThroughput,
                section,
                case,
                "MB/s",
                &note,
            )])
        } else {
            let note = format!("{n} requests per round; raw: JS fetch() + stream reader");
            Ok(vec![r.row(
                Kind::BrowserThroughput,
                section,
                case,
                "req/s",
                &note,
            )])
        }
    }

    /// `in_flight` chains share `n` requests; each reads its body chunk by chunk.
    async fn http_crossio(
        b: &EmscriptenBackend,
        url: &str,
        size: usize,
        n: usize,
        in_flight: usize,
    ) -> Res<f64> {
        let left = Arc::new(AtomicUsize::new(n));
        let start = Instant::now();
        let chains = (0..in_flight.max(1)).map(|_| {
            let left = left.clone();
            async move {
                while left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(1))
                    .is_ok()
                {
                    let req = Request::get(url).build().map_err(|e| e.to_string())?;
                    let resp = b.send(req).await.map_err(|e| format!("crossio GET: {e}"))?;
                    if !resp.status().is_success() {
                        return Err(format!("crossio GET {url}: {}", resp.status()));
                    }
                    let mut body = resp.into_body();
                    let mut got = 0;
                    while let Some(c) = body.chunk().await.map_err(|e| format!("body: {e}"))? {
                        got += c.len();
                    }
                    if got != size {
                        return Err(format!("crossio GET {url}: {got} bytes, expected {size}"));
                    }
                }
                Ok::<_, String>(())
            }
        });
        for r in futures_util::future::join_all(chains).await {
            r?;
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    }

    /// What one `block_on` of the block_on cases waits for.
    #[derive(Clone, Copy)]
    enum BlockOn {
        /// A future that is ready at once: the cost of `block_on` itself.
        Ready,
        /// A GET of 1 KiB, body read.
        Get,
        /// A 32 B WebSocket echo on a connection opened beforehand.
        WsEcho,
    }

    impl BlockOn {
        fn name(self) -> &'static str {
            match self {
                BlockOn::Ready => "block_on: ready future",
                BlockOn::Get => "block_on: GET 1 KiB",
                BlockOn::WsEcho => "block_on: ws echo 32 B",
            }
        }

        fn ops(self) -> usize {
            match self {
                BlockOn::Ready => 20_000,
                BlockOn::Get => 100,
                BlockOn::WsEcho => 300,
            }
        }
    }

    /// One operation of `what`.
    async fn one(
        b: &EmscriptenBackend,
        what: BlockOn,
        url: &str,
        ws: &mut Option<crossio_emscripten::EmscriptenConnection>,
    ) -> Res<()> {
        match what {
            BlockOn::Ready => Ok(()),
            BlockOn::Get => {
                let req = Request::get(url).build().map_err(|e| e.to_string())?;
                let resp = b.send(req).await.map_err(|e| format!("GET: {e}"))?;
                let body = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
                (body.len() == 1024)
                    .then_some(())
                    .ok_or_else(|| format!("GET: {} bytes, expected 1024", body.len()))
            }
            BlockOn::WsEcho => {
                let c = ws.as_mut().ok_or("no connection")?;
                c.send(Message::Binary(Bytes::from_static(&[7u8; 32])))
                    .await
                    .map_err(|e| format!("send: {e}"))?;
                match c.next().await {
                    Some(Ok(Message::Binary(m))) if m.len() == 32 => Ok(()),
                    other => Err(format!("echo: unexpected {other:?}")),
                }
            }
        }
    }

    /// `n` sequential operations of `what`, each in its own `block_on` (`blocking`) or awaited;
    /// operations per second.
    async fn ops_per_sec(
        b: &EmscriptenBackend,
        what: BlockOn,
        url: &str,
        ws_url: &str,
        blocking: bool,
    ) -> Res<f64> {
        let mut ws = match what {
            BlockOn::WsEcho => Some(
                b.connect(ws_url, ConnectOptions::new())
                    .await
                    .map_err(|e| format!("connect: {e}"))?,
            ),
            _ => None,
        };
        let n = what.ops();
        let start = Instant::now();
        for _ in 0..n {
            if blocking {
                b.block_on(one(b, what, url, &mut ws))
                    .map_err(|e| format!("block_on: {e}"))??;
            } else {
                one(b, what, url, &mut ws).await?;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        if let Some(mut c) = ws {
            let _ = c.close().await;
        }
        Ok(n as f64 / secs)
    }

    /// `block_on` of one operation at a time against awaiting it, in the same page. For a ready
    /// future awaiting costs next to nothing (below the clock's resolution in Firefox), so that
    /// row is a reference: the time of one `block_on`.
    async fn block_on_vs_await(
        b: &EmscriptenBackend,
        what: BlockOn,
        http: &str,
        ws_url: &str,
        rounds: usize,
        section: &str,
    ) -> Res<Vec<Row>> {
        let url = format!("{http}/bytes/1024");
        let url = url.as_str();
        let r = interleave(
            rounds,
            || ops_per_sec(b, what, url, ws_url, true),
            || ops_per_sec(b, what, url, ws_url, false),
        )
        .await?;
        let mode = diagnostics::mode();
        if let BlockOn::Ready = what {
            let ns = 1e9 / r.a_median();
            let note = format!(
                "time of one block_on of a ready future ({mode}), median of {rounds} rounds of {}",
                what.ops()
            );
            return Ok(vec![Row {
                kind: Kind::Reference,
                section: section.to_owned(),
                case: what.name().to_owned(),
                unit: "ns/op".to_owned(),
                crossio: f64::NAN,
                baseline: ns,
                ratio: f64::NAN,
                ratio_range: (f64::NAN, f64::NAN),
                note,
            }]);
        }
        let note = format!(
            "{} sequential operations, each in its own block_on ({mode}); baseline: the same \
             operations awaited through the async API in the same page",
            what.ops()
        );
        Ok(vec![r.row(
            Kind::Comparison,
            section,
            what.name(),
            "op/s",
            &note,
        )])
    }

    /// Worker mode: `n` sequential pool round trips (`spawn_blocking` or `spawn` of an empty
    /// job, awaited) against `n` × `pthread_create` + `pthread_join` of an empty thread.
    async fn pool(
        b: &EmscriptenBackend,
        blocking: bool,
        n: usize,
        rounds: usize,
        section: &str,
        case: &str,
    ) -> Res<Vec<Row>> {
        let r = interleave(
            rounds,
            || async move {
                let start = Instant::now();
                for _ in 0..n {
                    let h = if blocking {
                        b.spawn_blocking(|| 1u32)
                    } else {
                        b.spawn(async { 1u32 })
                    };
                    h.await.map_err(|e| e.to_string())?;
                }
                Ok::<_, String>(n as f64 / start.elapsed().as_secs_f64())
            },
            || async move {
                let d = bench::pthread_create_join(n)
                    .ok_or("pthread_create_join unavailable (not a worker?)")?;
                Ok::<_, String>(n as f64 / d.as_secs_f64())
            },
        )
        .await?;
        let note = format!(
            "{n} sequential round trips from the main worker; raw: pthread_create + pthread_join"
        );
        Ok(vec![r.row(
            Kind::BrowserThroughput,
            section,
            case,
            "op/s",
            &note,
        )])
    }
}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    eprintln!("crossio-browser-bench is built for wasm32-unknown-emscripten (see ci/bench.sh)");
    std::process::exit(2);
}
