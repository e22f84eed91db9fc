//! Load and soak runs, generic over the backend: many sockets at once with sequence-checked
//! messages, and many connect/echo/close cycles with memory measured before and after.
//! Run by `ci/soak.sh` natively (`crossio-soak`) and in browsers (the browser runner with
//! `soak=1`). They print figures; the pass/fail checks are exact counts and a stated memory bound.

use std::time::{Duration, Instant};

use crossio_core::{Backend, ConnectOptions, Message};
use futures_util::{SinkExt, StreamExt};

use crate::{Env, Summary};

/// One soak check: what it asserts, and whether it held.
type Check = (String, bool);

/// What one load run saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Messages sent.
    pub sent: u64,
    /// Messages received back with the expected connection id and sequence number.
    pub received: u64,
    /// Expected messages that never came back.
    pub lost: u64,
    /// Messages that came back more than once.
    pub duplicated: u64,
    /// Messages that came back out of order, or with a foreign connection id.
    pub misordered: u64,
    /// Connections that failed (connect or transfer error).
    pub failed_connections: u64,
}

/// Open `conns` echo connections at once (tagged `tag` for the test server's `/ws-ends`); each
/// sends `msgs` messages `"c:seq"` (fed, then flushed), reads them back, checking every sequence
/// number, and drops the connection.
pub async fn load<B: Backend>(
    b: &B,
    env: &Env,
    tag: &str,
    conns: usize,
    msgs: usize,
) -> LoadReport {
    let handles: Vec<_> = (0..conns)
        .map(|c| {
            let (b2, url) = (b.clone(), env.ws(&format!("/echo?tag={tag}")));
            b.spawn(async move {
                let mut r = LoadReport::default();
                let Ok(mut ws) = b2.connect(&url, ConnectOptions::new()).await else {
                    r.failed_connections = 1;
                    r.lost = msgs as u64;
                    return r;
                };
                for seq in 0..msgs {
                    if ws.feed(Message::text(format!("{c}:{seq}"))).await.is_err() {
                        break;
                    }
                    r.sent += 1;
                }
                let _ = ws.flush().await;
                let mut seen = vec![false; msgs];
                let mut next = 0usize;
                while next < msgs {
                    match b2.timeout(Duration::from_secs(30), ws.next()).await {
                        Ok(Some(Ok(Message::Text(t)))) => {
                            let parsed = t.split_once(':').and_then(|(a, s)| {
                                Some((a.parse::<usize>().ok()?, s.parse::<usize>().ok()?))
                            });
                            match parsed {
                                Some((cc, seq)) if cc == c && seq < msgs => {
                                    if seen[seq] {
                                        r.duplicated += 1;
                                    } else {
                                        seen[seq] = true;
                                        r.received += 1;
                                    }
                                    if seq != next {
                                        r.misordered += 1;
                                    }
                                    next = seq + 1;
                                }
                                _ => r.misordered += 1,
                            }
                        }
                        _ => {
                            r.failed_connections = 1;
                            break;
                        }
                    }
                }
                r.lost = seen.iter().filter(|s| !**s).count() as u64;
                let _ = ws.close().await;
                r
            })
        })
        .collect();
    let mut total = LoadReport::default();
    for h in handles {
        let r = h.await.unwrap_or(LoadReport {
            failed_connections: 1,
            lost: msgs as u64,
            ..Default::default()
        });
        total.sent += r.sent;
        total.received += r.received;
        total.lost += r.lost;
        total.duplicated += r.duplicated;
        total.misordered += r.misordered;
        total.failed_connections += r.failed_connections;
    }
    total
}

/// `n` sequential connect / echo / close cycles (tagged `tag`); returns how many failed.
pub async fn cycles<B: Backend>(b: &B, env: &Env, tag: &str, n: usize) -> usize {
    let url = env.ws(&format!("/echo?tag={tag}"));
    let mut failed = 0;
    for i in 0..n {
        let ok = async {
            let mut ws = b.connect(&url, ConnectOptions::new()).await.ok()?;
            ws.send(Message::text(format!("cycle {i}"))).await.ok()?;
            match b.timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) if t == format!("cycle {i}") => {}
                _ => return None,
            }
            ws.close().await.ok()?;
            // Wait for the close answer so the socket is fully done before the next cycle.
            let _ = b.timeout(Duration::from_secs(10), ws.next()).await;
            Some(())
        }
        .await;
        if ok.is_none() {
            failed += 1;
        }
    }
    failed
}

/// What a soak run does.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Connections open at once in the load run.
    pub conns: usize,
    /// Messages per connection in the load run.
    pub msgs: usize,
    /// Connect/echo/close cycles in the memory run.
    pub cycles: usize,
    /// What `memory` measures (e.g. "RSS").
    pub memory_name: &'static str,
    /// Reads the memory figure in bytes.
    pub memory: fn() -> usize,
    /// Largest growth of `memory` over the cycles that passes.
    pub memory_bound: usize,
}

/// Run the soak: the load run, then the cycles with memory read after a warm-up and at the
/// end. Prints one line per figure, a check line per assertion and `N passed, N failed`;
/// returns how many checks passed and failed.
pub async fn run<B: Backend>(b: &B, env: &Env, plan: Plan, out: impl Fn(&str)) -> Summary {
    let mut checks = vec![
        load_check(b, env, &plan, &out).await,
        probe_check(&plan, &out),
    ];
    checks.extend(cycles_checks(b, env, &plan, &out).await);
    checks.push(unclean_check(b, env, &plan, &out).await);
    let mut summary = Summary::default();
    for (name, ok) in &checks {
        out(&format!(
            "test soak: {name} ... {}",
            if *ok { "ok" } else { "FAILED" }
        ));
        if *ok {
            summary.passed += 1;
        } else {
            summary.failed += 1;
        }
    }
    out(&format!(
        "{} passed, {} failed",
        summary.passed, summary.failed
    ));
    summary
}

/// The load run: one figure line, one check.
async fn load_check<B: Backend>(b: &B, env: &Env, plan: &Plan, out: &impl Fn(&str)) -> Check {
    let (conns, msgs) = (plan.conns, plan.msgs);
    let start = Instant::now();
    let r = load(b, env, &tag("load"), conns, msgs).await;
    let secs = start.elapsed().as_secs_f64();
    out(&format!(
        "soak load: {conns} connections x {msgs} messages in {secs:.2} s ({:.0} msg/s): sent {}, received {}, \
         lost {}, duplicated {}, misordered {}, failed connections {}",
        r.received as f64 / secs,
        r.sent,
        r.received,
        r.lost,
        r.duplicated,
        r.misordered,
        r.failed_connections
    ));
    let expected = (conns * msgs) as u64;
    (
        "load: every message back once, in order".into(),
        r.received == expected
            && r.lost == 0
            && r.duplicated == 0
            && r.misordered == 0
            && r.failed_connections == 0,
    )
}

/// This soak run's connection tag for `what` (one run per process).
fn tag(what: &str) -> String {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let run = RUN.get_or_init(|| crate::lifecycle_cases::tag("soak"));
    format!("{run}-{what}")
}

/// Every connection of the load and cycle runs ended, on the server's side, with the client's
/// close frame: one figure line, one check.
async fn unclean_check<B: Backend>(b: &B, env: &Env, plan: &Plan, out: &impl Fn(&str)) -> Check {
    let mut unclean = 0;
    let mut errors = Vec::new();
    for (what, n) in [("load", plan.conns), ("cycles", plan.cycles)] {
        match crate::lifecycle_cases::server_ends(b, env, &tag(what), n).await {
            Ok(ends) => unclean += ends.iter().filter(|e| e["close_code"].is_null()).count(),
            Err(e) => errors.push(e),
        }
    }
    out(&format!(
        "soak server side: {unclean} connections ended without the client's close frame{}",
        if errors.is_empty() {
            String::new()
        } else {
            format!("; {}", errors.join("; "))
        }
    ));
    (
        "server saw a close frame from every connection".into(),
        unclean == 0 && errors.is_empty(),
    )
}

/// Calibrate the memory probe: a 1 MiB allocation, written to, must show up (between 0.9 and
/// 1.5 MiB). The probe counts the whole process, where other threads (connections of the load
/// run still closing) free and allocate meanwhile: up to five readings, the first in range wins.
fn probe_check(plan: &Plan, out: &impl Fn(&str)) -> Check {
    let (name, probe) = (plan.memory_name, plan.memory);
    let mut readings = Vec::new();
    for _ in 0..5 {
        let base = probe();
        let block = std::hint::black_box(vec![1u8; 1 << 20]);
        let seen = probe() as i64 - base as i64;
        drop(block);
        readings.push(format!("{:+.2}", seen as f64 / 1048576.0));
        if (900 << 10..=1536 << 10).contains(&seen) {
            out(&format!(
                "soak memory probe ({name}): a 1 MiB allocation reads as {} MiB",
                readings.join(", then ")
            ));
            return (format!("{name} probe sees a 1 MiB allocation"), true);
        }
    }
    out(&format!(
        "soak memory probe ({name}): a 1 MiB allocation read as {} MiB",
        readings.join(", ")
    ));
    (format!("{name} probe sees a 1 MiB allocation"), false)
}

/// The cycles after a warm-up, with memory read before and after: one figure line, two checks.
async fn cycles_checks<B: Backend>(
    b: &B,
    env: &Env,
    plan: &Plan,
    out: &impl Fn(&str),
) -> [Check; 2] {
    let (cycle_count, name, probe) = (plan.cycles, plan.memory_name, plan.memory);
    let warmup = (cycle_count / 20).clamp(1, 500);
    cycles(b, env, &tag("warmup"), warmup).await;
    let before = probe();
    let start = Instant::now();
    let failed = cycles(b, env, &tag("cycles"), cycle_count).await;
    let secs = start.elapsed().as_secs_f64();
    // Let asynchronous releases (sockets deleted on the main thread) finish.
    b.sleep(Duration::from_millis(500)).await;
    let after = probe();
    let growth = after as i64 - before as i64;
    out(&format!(
        "soak cycles: {cycle_count} connect/echo/close cycles in {secs:.2} s ({:.0}/s), {failed} failed; \
         {name} before {:.2} MiB, after {:.2} MiB, growth {:+.3} MiB (bound {:.1} MiB)",
        cycle_count as f64 / secs,
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        growth as f64 / 1048576.0,
        plan.memory_bound as f64 / 1048576.0
    ));
    [
        ("cycles: none failed".into(), failed == 0),
        (
            format!("cycles: {name} growth within the bound"),
            growth <= plan.memory_bound as i64,
        ),
    ]
}
