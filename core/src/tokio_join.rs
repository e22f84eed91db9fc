//! The [`RawJoinHandle`] of a tokio task, for backends that run tasks on tokio (the `tokio`
//! feature; off by default, so core depends on no runtime unless a backend asks).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::spawn::{JoinError, JoinHandle, RawJoinHandle};

struct TokioJoin<T>(tokio::task::JoinHandle<T>);

impl<T: Send> RawJoinHandle<T> for TokioJoin<T> {
    fn poll_join(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        Pin::new(&mut self.0).poll(cx).map(|r| {
            r.map_err(|e| {
                if e.is_panic() {
                    JoinError::panicked(&*e.into_panic())
                } else {
                    JoinError::cancelled()
                }
            })
        })
    }

    fn abort(&self) {
        self.0.abort()
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

/// A crossio [`JoinHandle`] for a tokio task: joining gives its value, a panic becomes
/// [`JoinError::is_panic`], an abort [`JoinError::is_cancelled`]; `abort` aborts the task.
pub fn tokio_join_handle<T: Send + 'static>(handle: tokio::task::JoinHandle<T>) -> JoinHandle<T> {
    JoinHandle::from_raw(TokioJoin(handle))
}
