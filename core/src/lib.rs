//! # crossio-core
//!
//! The runtime-agnostic half of crossio: three traits a library writes its networking and
//! concurrency against, and the types they share. Backends implement them: `crossio-native` on
//! tokio, tokio-tungstenite and reqwest; `crossio-emscripten` on Emscripten's WebSocket API, the
//! browser's `fetch()` and Web Workers. This crate depends on no runtime (its optional `tokio`
//! feature adds only a task-handle adapter for backends built on tokio).
//!
//! - [`Transport`] opens WebSocket [`Connection`]s: a `Stream` of [`Message`]s and a `Sink`.
//! - [`Http`] sends a [`Request`] and returns a [`Response`] whose [`Body`] streams.
//! - [`Spawner`] spawns tasks ([`JoinHandle`]), runs blocking work, sleeps, and blocks where allowed.
//! - [`Introspect`] reports what the backend can do ([`Capabilities`]) and its live counters
//!   ([`Diagnostics`]), so code and tests branch on values, not on the target.
//! - [`Backend`] is all of them at once; the `crossio` facade picks one per target.
//!
//! `use crossio_core::prelude::*;` brings the traits and the futures extension traits
//! (`SinkExt`, `StreamExt`, `FutureExt`) into scope. What only backend authors need (join-handle
//! plumbing, URL and close-code checks, the thread-parking `block_on`) is in [`backend`].
//!
//! ## Why native `async fn`-style traits and generics, not `async-trait` / `dyn`
//!
//! The traits return `impl Future + Send` (return-position `impl Trait` in traits) and user code
//! is generic over the backend (`fn run<B: Backend>(b: &B)`). This was chosen because:
//! - the *same* user code must compile for both targets. Every backend's connection, body and
//!   request futures are `Send` — the emscripten backend keeps browser objects on the main thread
//!   and refers to them by id, its Rust-side state behind `Arc<Mutex>` — so one `Send` bound
//!   holds everywhere, with no `?Send` variant per target and no `cfg` in user code;
//! - generics monomorphise to direct calls: the traits add no boxing per call. What a backend
//!   allocates per operation is its own business: natively a message send allocates nothing
//!   beyond tungstenite's frame; in the browser's main-thread mode a send copies the payload
//!   into the browser, and in its worker mode the hand-off to the main thread boxes a closure;
//!   `Spawner::timeout` holds its future and sleep inline;
//! - `async-trait` would force `Box<dyn Future>` on every call and, to work on a single-threaded
//!   browser executor, a second `?Send` flavour of each trait.
//!
//! What *must* be `!Send` (a future holding `Rc`, a JS handle) goes through
//! [`Spawner::spawn_local`], which builds the future on the executor thread that runs it.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod backend;
mod block;
mod capabilities;
mod client;
mod error;
mod http;
pub mod prelude;
mod proxy;
mod spawn;
pub mod tls_pem;
#[cfg(feature = "tokio")]
mod tokio_join;
mod transport;
pub mod url;

pub use crate::capabilities::{Capabilities, CookieJar, Diagnostics, Introspect};
pub use crate::client::{ClientOptions, Configure, Credentials, PrivateKeyPem};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::http::{
    Body, ContentEncoding, DEFAULT_MAX_REDIRECTS, Http, Progress, Redirect, Request,
    RequestBuilder, RequestOptions, Response,
};
pub use crate::proxy::{Proxy, ProxyConfig};
pub use crate::spawn::{JoinError, JoinHandle, Spawner, Timeout};
pub use crate::transport::{
    CloseFrame, ConnectOptions, Connection, DEFAULT_CLOSE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_QUEUED_BYTES, MAX_CLOSE_REASON_BYTES, Message, Transport,
};
pub use crate::url::Url;

pub use ::bytes::Bytes;
pub use ::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// Everything a crossio backend provides: [`Transport`] + [`Http`] + [`Spawner`] +
/// [`Introspect`], cheaply cloneable and shareable between threads. Write library code against
/// `B: Backend`.
pub trait Backend:
    Transport + Http + Spawner + Introspect + Configure + Clone + Send + Sync + 'static
{
}

impl<T> Backend for T where
    T: Transport + Http + Spawner + Introspect + Configure + Clone + Send + Sync + 'static
{
}
