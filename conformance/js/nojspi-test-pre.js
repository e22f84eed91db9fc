// Conformance runner, jspi build, test hook: opened with `?nojspi` in its URL, the page takes
// JSPI away before the module loads, as a browser without JSPI would be. crossio's own
// jspi-pre.js (linked after this file) then installs its stand-in, and every blocking case
// must see the typed refusal.
if (typeof location !== "undefined" && /[?&]nojspi(&|$)/.test(location.search)) {
  delete WebAssembly.Suspending;
  delete WebAssembly.promising;
}
