//! # crossio-emscripten
//!
//! The crossio backend for `wasm32-unknown-emscripten`, in two build modes chosen by the
//! target features of the build:
//!
//! - **main-thread** (no `+atomics`): everything runs on the browser's main thread. Tasks run on
//!   an event-loop executor that yields to the browser after every small batch; timers are
//!   browser timers; nothing ever blocks the page. [`Spawner::block_on`] returns
//!   [`ErrorKind::Unsupported`](crossio_core::ErrorKind::Unsupported), and `spawn_blocking` runs
//!   its job in a macrotask of its own on the main thread (there is no other thread).
//! - **worker** (`+atomics,+bulk-memory`, `-pthread`, `-sPROXY_TO_PTHREAD`): Rust `main` runs on
//!   a Web Worker where blocking is allowed; `spawn`, `spawn_blocking` and timers run on a tokio
//!   runtime whose threads are pthreads, and the browser's main thread stays free to run
//!   browser I/O and `spawn_local` tasks.
//!
//! In both modes `spawn_local` runs on the main thread's event-loop executor.
//!
//! The crate carries its own C/JS glue (compiled with emcc by `build.rs`), including the
//! `__main_argc_argv` shim that lets a Rust binary link with `-sPROXY_TO_PTHREAD`.
#![warn(missing_docs)]
#![deny(unsafe_code)]
#![cfg_attr(not(target_os = "emscripten"), allow(unused))]

#[cfg(target_os = "emscripten")]
pub mod bench;
#[cfg(target_os = "emscripten")]
mod capabilities;
#[cfg(target_os = "emscripten")]
mod executor;
mod headers;
#[cfg(target_os = "emscripten")]
mod http;
#[cfg(all(target_os = "emscripten", target_feature = "atomics"))]
mod pool;
#[cfg(target_os = "emscripten")]
mod reactor;
#[cfg(target_os = "emscripten")]
mod spawn;
#[cfg(target_os = "emscripten")]
#[allow(unsafe_code)] // the only module with FFI and `unsafe`
mod sys;
#[cfg(all(target_os = "emscripten", not(target_feature = "atomics")))]
mod timer;
#[cfg(target_os = "emscripten")]
mod transport;

#[cfg(target_os = "emscripten")]
mod backend;

#[cfg(target_os = "emscripten")]
pub use crate::backend::*;
