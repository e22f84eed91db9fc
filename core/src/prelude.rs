//! One `use` for code written against crossio: `use crossio::prelude::*;`
//!
//! Brings the backend traits ([`Backend`], [`Transport`], [`Http`], [`Spawner`], [`Connection`],
//! [`Introspect`]) and the futures extension traits ([`SinkExt`], [`StreamExt`], [`FutureExt`])
//! into scope, so that `ws.send(..)`, `ws.next()`, `ws.close_with(..)`, `b.block_on(..)` and
//! `b.capabilities()` compile without further imports.
//!
//! ```
//! use crossio_core::prelude::*;
//! use crossio_core::{ConnectOptions, Message};
//!
//! async fn echo_once<B: Backend>(b: &B, url: &str) -> crossio_core::Result<Option<Message>> {
//!     let mut ws = b.connect(url, ConnectOptions::new()).await?;
//!     ws.send(Message::text("hi")).await?;
//!     let reply = ws.next().await.transpose()?;
//!     ws.close_with(1000, "done").await?;
//!     Ok(reply)
//! }
//! ```

pub use crate::{Backend, Configure, Connection, Http, Introspect, Spawner, Transport};
pub use futures_util::{FutureExt, SinkExt, StreamExt};
