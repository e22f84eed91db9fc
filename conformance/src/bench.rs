//! Small measurements printed by the runners (never asserted).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crossio_core::Backend;

/// Wakes itself and measures the time until it is polled again.
struct WakeProbe {
    woke_at: Option<Instant>,
    samples: Vec<Duration>,
    n: usize,
}

impl Future for WakeProbe {
    type Output = Vec<Duration>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<Duration>> {
        if let Some(t) = self.woke_at.take() {
            self.samples.push(t.elapsed());
        }
        if self.samples.len() >= self.n {
            return Poll::Ready(std::mem::take(&mut self.samples));
        }
        self.woke_at = Some(Instant::now());
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Median, mean and 99th percentile, in µs, of wake → poll on the executor `spawn_local` uses
/// (the main thread's event loop in a browser), over `n` self-wakes. Most wakes are served
/// within the same drain; every drain's batch limit adds a yield to the browser, which the
/// mean and p99 show.
pub async fn main_thread_wake_latency<B: Backend>(b: &B, n: usize) -> (f64, f64, f64) {
    let h = b.spawn_local(move || WakeProbe {
        woke_at: None,
        samples: Vec::with_capacity(n),
        n,
    });
    let mut samples = h.await.unwrap_or_default();
    if samples.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    let mean = samples.iter().map(Duration::as_secs_f64).sum::<f64>() / samples.len() as f64 * 1e6;
    (at(0.5), mean, at(0.99))
}
