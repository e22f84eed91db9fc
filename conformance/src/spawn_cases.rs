//! Spawner cases.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossio_core::{Backend, ConnectOptions, Connection, ErrorKind, Message, Request, Result};
use futures_util::{SinkExt, StreamExt};

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

pub async fn spawn_join_returns_value<B: Backend>(b: B, _e: Env) -> CaseResult {
    let h = b.spawn(async { 6 * 7 });
    ensure_eq!(h.await.map_err(|e| e.to_string())?, 42);
    Ok(())
}

pub async fn spawn_many_tasks_all_join<B: Backend>(b: B, _e: Env) -> CaseResult {
    let handles: Vec<_> = (0..1000u64)
        .map(|i| b.spawn(async move { i * 2 }))
        .collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.map_err(|e| e.to_string())?;
    }
    ensure_eq!(sum, 999 * 1000);
    Ok(())
}

pub async fn spawn_abort_is_cancelled<B: Backend>(b: B, _e: Env) -> CaseResult {
    let reached_end = Arc::new(AtomicBool::new(false));
    let flag = reached_end.clone();
    let b2 = b.clone();
    let h = b.spawn(async move {
        b2.sleep(Duration::from_secs(5)).await;
        flag.store(true, Ordering::SeqCst);
    });
    b.sleep(Duration::from_millis(20)).await;
    h.abort();
    let err = h.await.err().ctx("awaiting an aborted task")?;
    ensure!(err.is_cancelled(), "aborted task reported {err:?}");
    ensure!(
        !reached_end.load(Ordering::SeqCst),
        "aborted task ran to its end"
    );
    let e: crossio_core::Error = err.into();
    ensure_eq!(e.kind(), ErrorKind::Cancelled);
    Ok(())
}

pub async fn spawn_panic_is_join_error<B: Backend>(b: B, _e: Env) -> CaseResult {
    let h = b.spawn(async {
        if true {
            panic!("deliberate panic in a task");
        }
        1
    });
    let err = h.await.err().ctx("awaiting a panicking task")?;
    ensure!(err.is_panic(), "expected a panic JoinError, got {err:?}");
    ensure_eq!(err.panic_message(), Some("deliberate panic in a task"));
    // The spawner keeps working after a panic.
    ensure_eq!(b.spawn(async { 5 }).await.map_err(|e| e.to_string())?, 5);
    Ok(())
}

pub async fn join_handle_reports_finished<B: Backend>(b: B, _e: Env) -> CaseResult {
    let b2 = b.clone();
    let h = b.spawn(async move { b2.sleep(Duration::from_millis(100)).await });
    ensure!(
        !h.is_finished(),
        "task reported finished before its sleep ended"
    );
    b.sleep(Duration::from_millis(400)).await;
    ensure!(
        h.is_finished(),
        "task not finished 300 ms after its sleep ended"
    );
    h.await.map_err(|e| e.to_string())?;
    Ok(())
}

pub async fn spawn_local_runs_non_send_future<B: Backend>(b: B, _e: Env) -> CaseResult {
    let b2 = b.clone();
    let h = b.spawn_local(move || async move {
        let shared = Rc::new(std::cell::Cell::new(20));
        b2.sleep(Duration::from_millis(10)).await;
        shared.set(shared.get() + 1);
        shared.get() * 2
    });
    ensure_eq!(h.await.map_err(|e| e.to_string())?, 42);
    Ok(())
}

pub async fn spawn_local_panic_is_join_error<B: Backend>(b: B, _e: Env) -> CaseResult {
    let h = b.spawn_local(|| async {
        let _not_send = Rc::new(());
        if true {
            panic!("local panic");
        }
    });
    let err = h.await.err().ctx("awaiting a panicking local task")?;
    ensure!(err.is_panic(), "expected a panic JoinError, got {err:?}");
    Ok(())
}

pub async fn spawn_blocking_returns_value<B: Backend>(b: B, _e: Env) -> CaseResult {
    let h = b.spawn_blocking(|| (1..=1000u64).sum::<u64>());
    ensure_eq!(h.await.map_err(|e| e.to_string())?, 500_500);
    Ok(())
}

pub async fn spawn_blocking_panic_is_join_error<B: Backend>(b: B, _e: Env) -> CaseResult {
    let h = b.spawn_blocking(|| -> u8 { panic!("blocking panic") });
    let err = h.await.err().ctx("awaiting a panicking blocking job")?;
    ensure!(err.is_panic(), "expected a panic JoinError, got {err:?}");
    Ok(())
}

pub async fn sleep_lasts_at_least_its_duration<B: Backend>(b: B, _e: Env) -> CaseResult {
    for ms in [1u64, 50, 200] {
        let start = Instant::now();
        b.sleep(Duration::from_millis(ms)).await;
        let took = start.elapsed();
        ensure!(
            took >= Duration::from_millis(ms),
            "sleep({ms} ms) returned after {took:?}"
        );
        ensure!(
            took < Duration::from_millis(ms + 2000),
            "sleep({ms} ms) took {took:?}"
        );
    }
    Ok(())
}

pub async fn sleeps_run_concurrently<B: Backend>(b: B, _e: Env) -> CaseResult {
    let start = Instant::now();
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let b2 = b.clone();
            b.spawn(async move { b2.sleep(Duration::from_millis(200)).await })
        })
        .collect();
    for h in handles {
        h.await.map_err(|e| e.to_string())?;
    }
    let took = start.elapsed();
    ensure!(
        took >= Duration::from_millis(200),
        "20 sleeps of 200 ms ended after {took:?}"
    );
    ensure!(
        took < Duration::from_millis(2000),
        "20 concurrent sleeps of 200 ms took {took:?}: not concurrent"
    );
    Ok(())
}

pub async fn timeout_fires_on_slow_future<B: Backend>(b: B, _e: Env) -> CaseResult {
    let start = Instant::now();
    let slow = b.sleep(Duration::from_secs(10));
    let r = b.timeout(Duration::from_millis(100), slow).await;
    expect_kind(r, ErrorKind::Timeout, "timeout(100 ms, sleep(10 s))")?;
    let took = start.elapsed();
    ensure!(
        took >= Duration::from_millis(100),
        "timed out early, after {took:?}"
    );
    ensure!(took < Duration::from_secs(5), "timeout took {took:?}");
    Ok(())
}

pub async fn timeout_passes_fast_future<B: Backend>(b: B, _e: Env) -> CaseResult {
    let b2 = b.clone();
    let fast = async move {
        b2.sleep(Duration::from_millis(10)).await;
        "done"
    };
    ensure_eq!(
        b.timeout(Duration::from_secs(5), fast)
            .await
            .ctx("fast future")?,
        "done"
    );
    Ok(())
}

pub async fn sleep_keeps_event_loop_responsive<B: Backend>(b: B, e: Env) -> CaseResult {
    let before = (e.heartbeat)();
    b.sleep(Duration::from_millis(200)).await;
    let beats = (e.heartbeat)() - before;
    // A 10 ms heartbeat ticks about 20 times in 200 ms; a blocked event loop ticks 0 times.
    ensure!(
        beats >= 5,
        "the heartbeat ticked {beats} times during a 200 ms sleep"
    );
    Ok(())
}

/// A future that wakes itself and returns `Pending` until `stop` is set, counting its polls.
struct Spinner {
    stop: Arc<AtomicBool>,
    polls: Arc<AtomicU64>,
}

impl std::future::Future for Spinner {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        if self.stop.load(Ordering::Relaxed) {
            return std::task::Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Fairness: a task that wakes itself forever does not starve the page. While it spins for
/// 500 ms (polled over and over), a sleep still ends on time, the 10 ms heartbeat keeps ticking
/// and the largest gap between two ticks stays <= 50 ms: the executor yields to the event
/// loop after each batch. Natively the spinner holds one runtime thread.
pub async fn self_waking_task_does_not_starve_the_page<B: Backend>(b: B, e: Env) -> CaseResult {
    let stop = Arc::new(AtomicBool::new(false));
    let polls = Arc::new(AtomicU64::new(0));
    let spinner = b.spawn(Spinner {
        stop: stop.clone(),
        polls: polls.clone(),
    });
    let before = (e.heartbeat)();
    let _window_starts = (e.heartbeat_max_gap)();
    let start = Instant::now();
    b.sleep(Duration::from_millis(500)).await;
    let took = start.elapsed();
    let (beats, max_gap) = ((e.heartbeat)() - before, (e.heartbeat_max_gap)());
    stop.store(true, Ordering::Relaxed);
    b.timeout(Duration::from_secs(5), spinner)
        .await
        .ctx("the spinner did not stop")?
        .map_err(|e| e.to_string())?;
    let polls = polls.load(Ordering::Relaxed);
    let seen = format!(
        "a 500 ms sleep took {took:?}; the spinner was polled {polls} times; the heartbeat \
         ticked {beats} times, largest gap {max_gap:?}"
    );
    ensure!(polls > 100, "the spinner barely ran: {seen}");
    ensure!(
        took < Duration::from_millis(1500) && beats >= 15,
        "the page was starved: {seen}"
    );
    ensure!(
        max_gap <= Duration::from_millis(50),
        "the page stalled for more than 50 ms: {seen}"
    );
    Ok(())
}

/// What one `block_on` of [`block_on_keeps_event_loop_responsive`] waits for; each takes at
/// least 500 ms.
#[derive(Debug, Clone, Copy)]
enum Blocked {
    /// `sleep(500 ms)`
    Sleep,
    /// A GET of `/delay/500`.
    Fetch,
    /// A WebSocket round trip through `/echo?delay_ms=500`.
    WsRoundTrip,
}

/// The future a [`Blocked`] waits for.
async fn blocked_work<B: Backend>(b: &B, e: &Env, what: Blocked) -> Result<()> {
    match what {
        Blocked::Sleep => b.sleep(Duration::from_millis(500)).await,
        Blocked::Fetch => {
            let resp = b.send(Request::get(&e.http("/delay/500")).build()?).await?;
            resp.bytes().await?;
        }
        Blocked::WsRoundTrip => {
            let mut c = b
                .connect(&e.ws("/echo?delay_ms=500"), ConnectOptions::new())
                .await?;
            c.send(Message::text("ping")).await?;
            let _echo = c.next().await;
            c.close_with(1000, "done").await?;
        }
    }
    Ok(())
}

/// One `block_on` of `what` on the calling thread where the capabilities allow it there
/// (otherwise a `block_on` of a ready future, which must be refused): whether it was allowed,
/// its result, how long it took, how many heartbeat ticks passed meanwhile and the largest gap
/// between two of them.
struct TimedBlockOn {
    allowed: bool,
    result: Result<()>,
    took: Duration,
    beats: u64,
    max_gap: Duration,
}

fn timed_block_on<B: Backend>(b: &B, e: &Env, what: Blocked) -> TimedBlockOn {
    let allowed = b.capabilities().block_on_allowed;
    let before = (e.heartbeat)();
    let _window_starts = (e.heartbeat_max_gap)();
    let start = Instant::now();
    let result = if allowed {
        b.block_on(blocked_work(b, e, what)).and_then(|r| r)
    } else {
        b.block_on(async {})
    };
    TimedBlockOn {
        allowed,
        result,
        took: start.elapsed(),
        beats: (e.heartbeat)() - before,
        max_gap: (e.heartbeat_max_gap)(),
    }
}

/// A `block_on` of a 500 ms sleep, of a fetch and of a WebSocket round trip (each ≥ 500 ms)
/// leaves the page's event loop running. It blocks where the capabilities allow it: on the
/// case's own thread if they allow it there (natively and on a worker it parks the thread; in
/// the browser's jspi mode it suspends the main thread's wasm stack, which the suspension
/// counter must show, and the largest gap between two 10 ms heartbeat ticks must stay ≤ 50 ms),
/// else on a `spawn_blocking` thread. Where neither allows it (the browser's main-thread mode,
/// where blocking jobs run on the main thread) `block_on` is refused with `Unsupported`.
pub async fn block_on_keeps_event_loop_responsive<B: Backend>(b: B, e: Env) -> CaseResult {
    for what in [Blocked::Sleep, Blocked::Fetch, Blocked::WsRoundTrip] {
        let suspensions_before = b.diagnostics().suspensions;
        let t = if b.capabilities().block_on_allowed {
            timed_block_on(&b, &e, what)
        } else {
            let (b2, e2) = (b.clone(), e.clone());
            let job = b.spawn_blocking(move || timed_block_on(&b2, &e2, what));
            job.await.map_err(|e| e.to_string())?
        };
        if !t.allowed {
            expect_kind(
                t.result,
                ErrorKind::Unsupported,
                "block_on where the backend does not allow blocking",
            )?;
            return Ok(());
        }
        let TimedBlockOn {
            took,
            beats,
            max_gap,
            ..
        } = t;
        t.result.ctx(&format!("block_on({what:?})"))?;
        ensure!(
            took >= Duration::from_millis(500),
            "block_on({what:?}) returned after {took:?}"
        );
        ensure!(
            beats >= 15,
            "the heartbeat ticked {beats} times during a {took:?} block_on({what:?})"
        );
        if b.capabilities().block_on_suspends {
            let suspensions = b.diagnostics().suspensions - suspensions_before;
            ensure!(
                suspensions >= 1,
                "block_on({what:?}) returned without suspending the stack"
            );
            ensure!(
                max_gap <= Duration::from_millis(50),
                "the page's heartbeat stopped for {max_gap:?} during block_on({what:?}) on \
                 the main thread (at most 50 ms allowed)"
            );
        }
    }
    Ok(())
}

pub async fn block_on_inside_a_task_is_unsupported<B: Backend>(b: B, _e: Env) -> CaseResult {
    let b2 = b.clone();
    let r = b
        .spawn(async move {
            let allowed = b2.capabilities().block_on_allowed;
            (allowed, b2.block_on(async { 1 }).map_err(|e| e.kind()))
        })
        .await;
    let (allowed, r) = r.map_err(|e| e.to_string())?;
    ensure!(!allowed, "capabilities() allows block_on inside a task");
    ensure_eq!(r, Err(ErrorKind::Unsupported));
    Ok(())
}
