//! The task that drives a connection while its user does not: keepalive pings, the idle
//! timeout, the end of the closing handshake after the peer's close frame, and the clean close
//! (1000, bounded by the close timeout) of a connection dropped while open.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use futures_sink::Sink;
use tokio_tungstenite::tungstenite as ws;

use super::{Io, Lifecycle, Shared, close_message};

/// Run until the connection is closed, then drop the driver's share of it.
pub(super) async fn run(shared: Arc<Shared>, life: Lifecycle) {
    while_open(&shared, life).await;
    let closes = {
        let io = shared.lock();
        io.dropped && !io.close_sent && !io.peer_close && io.ws.is_some()
    };
    if closes {
        // The handle was dropped while open: the driver says goodbye for it.
        crossio_core::backend::log::ws_close(&shared.url, 1000, "");
    }
    let _ = tokio::time::timeout(life.close_timeout, poll_fn(|cx| shared.poll_finish(cx))).await;
    let ws = shared.lock().ws.take();
    drop(ws);
}

/// Ping and watch for silence until the connection is dropped, closed or failed.
async fn while_open(shared: &Shared, life: Lifecycle) {
    let tick = [life.keepalive, life.idle.map(|d| d / 4)]
        .into_iter()
        .flatten()
        .min();
    let (mut frames, mut quiet_since, mut last_ping) = (0, Instant::now(), Instant::now());
    loop {
        if shared.lock().should_finish() {
            return;
        }
        let Some(tick) = tick else {
            shared.notify.notified().await;
            continue;
        };
        tokio::select! {
            () = shared.notify.notified() => continue,
            () = tokio::time::sleep(tick) => {}
        }
        let now = Instant::now();
        let seen = poll_fn(|cx| Poll::Ready(shared.peek(cx))).await;
        if seen != frames {
            (frames, quiet_since) = (seen, now);
        }
        if let Some(idle) = life.idle
            && now - quiet_since >= idle
        {
            shared.fail_idle(idle);
            return;
        }
        if let Some(every) = life.keepalive
            && now - last_ping >= every
        {
            poll_fn(|cx| {
                shared.ping(cx);
                Poll::Ready(())
            })
            .await;
            last_ping = now;
        }
    }
}

impl Io {
    fn should_finish(&self) -> bool {
        self.dropped || self.finished || self.ws.is_none() || self.failed.is_some()
    }
}

impl Shared {
    /// Read what has arrived (at most one message, held for the stream) so that pongs and the
    /// peer's close are seen while the user is not reading; the frames received so far.
    fn peek(&self, cx: &mut Context<'_>) -> u64 {
        self.fan.aux.register(cx.waker());
        let mut io = self.lock();
        if io.stash.is_empty()
            && !io.finished
            && let Poll::Ready(item) = io.read_one(&self.aux_waker)
        {
            match item {
                Some(item) => io.stash.push_back(item),
                None => io.ended = true,
            }
            self.fan.read.wake();
        }
        if io.peer_close
            && let Some(ws) = io.ws.as_mut()
        {
            // Send our answer to the peer's close now, whatever the user does.
            let _ = Pin::new(ws).poll_flush(&mut Context::from_waker(&self.aux_waker));
        }
        let seen = io.rx_frames;
        // A message the user has not taken yet counts as traffic.
        if io.stash.is_empty() { seen } else { seen + 1 }
    }

    /// Queue a ping and push it out.
    fn ping(&self, cx: &mut Context<'_>) {
        self.fan.aux.register(cx.waker());
        let mut io = self.lock();
        let Some(ws) = io.ws.as_mut() else { return };
        let mut cx = Context::from_waker(&self.aux_waker);
        if let Poll::Ready(Ok(())) = Pin::new(&mut *ws).poll_ready(&mut cx) {
            let _ = Pin::new(&mut *ws).start_send(ws::Message::Ping(Default::default()));
        }
        let _ = Pin::new(ws).poll_flush(&mut cx);
    }

    /// Nothing arrived within the idle timeout: fail the connection, say goodbye, close TCP.
    fn fail_idle(&self, idle: Duration) {
        let mut io = self.lock();
        io.failed = Some(format!(
            "the WebSocket peer sent nothing for {} (idle timeout); the connection was closed",
            crossio_core::backend::ShowDuration(idle)
        ));
        if let Some(mut ws) = io.ws.take() {
            let mut cx = Context::from_waker(&self.aux_waker);
            if !io.close_sent
                && let Poll::Ready(Ok(())) = Pin::new(&mut ws).poll_ready(&mut cx)
            {
                let _ = Pin::new(&mut ws).start_send(close_message(1000, "idle timeout"));
                io.close_sent = true;
            }
            let _ = Pin::new(&mut ws).poll_flush(&mut cx);
        }
        drop(io);
        tracing::debug!(
            target: "crossio::ws",
            url = &*self.url,
            idle_ms = idle.as_millis() as u64,
            "ws idle timeout"
        );
        self.fan.read.wake();
        self.fan.write.wake();
    }

    /// Finish the closing handshake: send 1000 if nobody closed yet, then read until the peer
    /// closes TCP (tungstenite flushes our answer to the peer's close on the way).
    fn poll_finish(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.fan.aux.register(cx.waker());
        let mut io = self.lock();
        let (close_sent, peer_close) = (io.close_sent, io.peer_close);
        let Some(ws) = io.ws.as_mut() else {
            return Poll::Ready(());
        };
        let mut wcx = Context::from_waker(&self.aux_waker);
        if !close_sent && !peer_close {
            match ready!(Pin::new(&mut *ws).poll_ready(&mut wcx)) {
                Ok(()) => {
                    let _ = Pin::new(&mut *ws).start_send(close_message(1000, ""));
                }
                Err(_) => return Poll::Ready(()),
            }
            io.close_sent = true;
        }
        loop {
            match ready!(io.read_one(&self.aux_waker)) {
                // Nobody reads any more: what arrives now is dropped.
                Some(_) if io.dropped || io.finished => {}
                Some(item) => io.stash.push_back(item),
                None => return Poll::Ready(()),
            }
        }
    }
}
