//! For backend authors: the plumbing a crossio backend is built from. Code written *against*
//! crossio (a library generic over [`Backend`](crate::Backend)) needs none of this.
//!
//! - Join handles: implement [`RawJoinHandle`] for a runtime's task handle and wrap it with
//!   [`JoinHandle::from_raw`](crate::JoinHandle::from_raw), or build a handle completed from
//!   elsewhere with [`remote_handle`] / [`RemoteCompleter`]; [`panic_message`] turns a panic
//!   payload into text.
//! - Input checks every backend applies the same way: [`parse_ws_url`], [`parse_http_url`],
//!   [`validate_close`], and the error for I/O on a closed connection, [`closed_error`].
//! - Blocking: [`mark_task`] / [`in_task`] tell `block_on` it is inside an async task (where
//!   blocking could deadlock), and [`park_block_on`] polls a future on the calling thread,
//!   parking it between wakes.

pub use crate::block::{MarkedTask, in_task, mark_task, park_block_on};
pub use crate::http::parse_http_url;
pub use crate::spawn::{RawJoinHandle, RemoteCompleter, panic_message, remote_handle};
pub use crate::transport::{closed_error, parse_ws_url, validate_close};
