/*
 * The jspi build mode's glue (cargo feature `jspi`; compiled by build.rs only then): a wait
 * that suspends the calling wasm stack through JSPI until a waker fires, and the checks that
 * make a build without -sJSPI, or a browser without JSPI, refuse instead of hanging.
 *
 * Reached from Rust through src/sys/jspi.rs only. Main thread only (the mode has no pthreads).
 * crossio_jspi_anchor() is the defined C function Rust calls so that this object's EM_JS code
 * is linked.
 */
#include <emscripten.h>
#include <emscripten/em_js.h>

int crossio_jspi_anchor(void) { return 1; }

/* 1 when the browser has JSPI (WebAssembly.Suspending). A page may have removed it before the
 * module loaded (the no-JSPI test page does, after installing a stand-in so the module still
 * loads): Module.crossioNoJspi records that. */
EM_JS(int, crossio_jspi_browser_support, (void), {
  if (Module.crossioNoJspi) return 0;
  return (typeof WebAssembly !== "undefined" && typeof WebAssembly.Suspending === "function") ? 1 : 0;
});

/* Suspend until crossio_jspi_notify() (or return at once if it already fired since the last
 * wait), then return 1. Linked without -sJSPI this import is not suspending: it returns the
 * Promise object, which wasm reads as 0 at once. */
EM_ASYNC_JS(int, crossio_jspi_wait, (void), {
  if (Module.crossioJspiPending) {
    Module.crossioJspiPending = false;
    return 1;
  }
  await new Promise(function(resolve) { Module.crossioJspiResume = resolve; });
  return 1;
});

/* Resume the suspended wait, or make the next wait return at once. */
EM_JS(void, crossio_jspi_notify, (void), {
  var resume = Module.crossioJspiResume;
  if (resume) {
    Module.crossioJspiResume = null;
    resume();
  } else {
    Module.crossioJspiPending = true;
  }
});
