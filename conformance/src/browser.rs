//! What every browser runner (the conformance runner, the bench page) does with its work: run
//! it where the build mode runs blocking code, then exit the page with its verdict.

use std::future::Future;
use std::pin::Pin;

use crossio_core::{Introspect, Spawner};
use crossio_emscripten::{EmscriptenBackend, WORKER_MODE, page};

/// Run `work` to completion and exit the page with 0 if it returned true, else 1:
/// - worker mode: `block_on` on main's worker thread;
/// - jspi mode: `block_on` from `main`, whose wasm stack suspends meanwhile;
/// - main-thread mode, or a jspi build where blocking is refused (a browser without JSPI,
///   which is printed as `jspi: block_on refused here: …`): a task on the event loop.
///
/// Call it last in `main`; it does not return while the work runs in the blocking modes.
/// `work` is boxed by the caller: a whole suite's future is large, and every by-value move of
/// it through the layers below would copy it on the browser's small (64 KiB) stack.
pub fn drive(backend: &EmscriptenBackend, work: Pin<Box<dyn Future<Output = bool> + Send>>) {
    let caps = backend.capabilities();
    if WORKER_MODE || (caps.block_on_suspends && caps.block_on_allowed) {
        let code = match backend.block_on(work) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(e) => {
                println!("block_on failed: {e}");
                1
            }
        };
        page::exit(code);
        // Returning from main would exit(0) before the exit above runs: wait for it instead.
        if WORKER_MODE {
            loop {
                std::thread::park();
            }
        }
        let _never = backend.block_on(std::future::pending::<()>());
        return;
    }
    if caps.block_on_suspends {
        if let Err(e) = backend.block_on(async {}) {
            println!("jspi: block_on refused here: {e}");
        }
    }
    let _detached = backend.spawn(async move {
        let ok = work.await;
        page::exit(if ok { 0 } else { 1 });
    });
}
