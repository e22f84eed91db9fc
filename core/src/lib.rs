//! # crossio-core
//!
//! The runtime-agnostic half of crossio: three traits a library writes its networking and
//! concurrency against, and the types they share. Backends implement them: `crossio-native` on
//! tokio, tokio-tungstenite and reqwest; `crossio-emscripten` on Emscripten's WebSocket API, the
//! browser's `fetch()` and Web Workers. This crate depends on no runtime.
//!
//! - [`Transport`] opens WebSocket [`Connection`]s: a `Stream` of [`Message`]s and a `Sink`.
//! - [`Http`] sends a [`Request`] and returns a [`Response`] whose [`Body`] streams.
//! - [`Spawner`] spawns tasks ([`JoinHandle`]), runs blocking work, sleeps, and blocks where allowed.
//! - [`Backend`] is all three at once; the `crossio` facade picks one per target.
//!
//! ## Why native `async fn`-style traits and generics, not `async-trait` / `dyn`
//!
//! The traits return `impl Future + Send` (return-position `impl Trait` in traits) and user code
//! is generic over the backend (`fn run<B: Backend>(b: &B)`). This was chosen because:
//! - the *same* user code must compile for both targets. Every backend's connection, body and
//!   request futures are `Send` — the emscripten backend keeps browser objects on the main thread
//!   and refers to them by id, its Rust-side state behind `Arc<Mutex>` — so one `Send` bound
//!   holds everywhere, with no `?Send` variant per target and no `cfg` in user code;
//! - generics monomorphise to direct calls: no boxing per call and no allocation on hot paths
//!   such as sending a message;
//! - `async-trait` would force `Box<dyn Future>` on every call and, to work on a single-threaded
//!   browser executor, a second `?Send` flavour of each trait.
//!
//! What *must* be `!Send` (a future holding `Rc`, a JS handle) goes through
//! [`Spawner::spawn_local`], which builds the future on the executor thread that runs it.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod block;
pub mod error;
pub mod http;
pub mod spawn;
pub mod transport;

pub use crate::error::{Error, ErrorKind, Result};
pub use crate::http::{
    Body, Http, Progress, Redirect, Request, RequestBuilder, RequestOptions, Response,
    parse_http_url,
};
pub use crate::spawn::{
    JoinError, JoinHandle, RawJoinHandle, RemoteCompleter, Spawner, Timeout, panic_message,
    remote_handle,
};
pub use crate::transport::{
    CloseFrame, ConnectOptions, Connection, Message, Transport, closed_error, parse_ws_url,
    validate_close,
};

pub use ::bytes::Bytes;
pub use ::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// Everything a crossio backend provides: [`Transport`] + [`Http`] + [`Spawner`], cheaply
/// cloneable and shareable between threads. Write library code against `B: Backend`.
pub trait Backend: Transport + Http + Spawner + Clone + Send + Sync + 'static {}

impl<T: Transport + Http + Spawner + Clone + Send + Sync + 'static> Backend for T {}
