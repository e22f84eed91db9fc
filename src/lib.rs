//! # crossio
//!
//! Write networking and concurrency once, against three traits, and run it unchanged natively
//! (tokio, tokio-tungstenite, reqwest) and in the browser on `wasm32-unknown-emscripten`
//! (Emscripten's WebSocket API, the browser's `fetch()`, Web Workers).
//!
//! This facade re-exports [`crossio_core`] (including [`prelude`], one `use` for the traits and
//! the futures extension traits, and [`backend`], the plumbing for backend authors) and names
//! the backend for the current target as [`DefaultBackend`].
//!
//! ```no_run
//! use crossio::prelude::*; // the traits and futures' SinkExt, StreamExt, FutureExt
//! use crossio::{ConnectOptions, Message, Request};
//!
//! async fn hello<B: Backend>(b: &B) -> crossio::Result<()> {
//!     let mut ws = b.connect("ws://127.0.0.1:9001/echo", ConnectOptions::new()).await?;
//!     ws.send(Message::text("hi")).await?;
//!     let _echo = ws.next().await;
//!     let resp = b.send(Request::get("http://127.0.0.1:9000/status/200").build()?).await?;
//!     println!("{} {}", resp.status(), resp.text().await?);
//!     Ok(())
//! }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

/// `use crossio::prelude::*;` brings the backend traits and the futures extension traits into
/// scope (see [`crossio_core::prelude`]).
pub use crossio_core::prelude;
pub use crossio_core::*;

#[cfg(not(target_os = "emscripten"))]
pub use crossio_native as native;

#[cfg(target_os = "emscripten")]
pub use crossio_emscripten as emscripten;

/// The backend crossio uses on this target: `crossio_native::NativeBackend` natively.
#[cfg(not(target_os = "emscripten"))]
pub type DefaultBackend = crossio_native::NativeBackend;

/// The backend crossio uses on this target: `crossio_emscripten::EmscriptenBackend` in the
/// browser.
#[cfg(target_os = "emscripten")]
pub type DefaultBackend = crossio_emscripten::EmscriptenBackend;
