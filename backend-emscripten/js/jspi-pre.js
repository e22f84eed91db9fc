// crossio-emscripten, jspi mode: link with `--pre-js` next to `-sJSPI`.
//
// A -sJSPI module wraps its async imports with `new WebAssembly.Suspending(...)` and its
// promising exports with `WebAssembly.promising(...)` while it loads. A browser without JSPI
// (WebKit today) has neither, and the module would fail to load. This stand-in lets it load
// there as an ordinary module: imports and exports stay plain functions, and
// `Module.crossioNoJspi` tells crossio, whose `block_on` then refuses with `Unsupported`
// (the async API works as in the main-thread mode). In a browser with JSPI it does nothing.
if (typeof WebAssembly !== "undefined" && typeof WebAssembly.Suspending !== "function") {
  Module.crossioNoJspi = true;
  WebAssembly.Suspending = function (f) { return f; };
  WebAssembly.promising = function (f) {
    return function () { return Promise.resolve(f.apply(this, arguments)); };
  };
}
