/*
 * PROXY_TO_PTHREAD entry shim for Rust binaries on wasm32-unknown-emscripten.
 *
 * With -sPROXY_TO_PTHREAD, Emscripten's start-up (crt1_proxy_main.o) runs the program on a
 * worker by calling __main_argc_argv(argc, argv): the name clang gives a C `main(argc, argv)`
 * on wasm. rustc instead emits its entry point under the plain symbol `main`, so the link
 * fails with "undefined symbol: __main_argc_argv". This file supplies that symbol and
 * forwards to Rust's `main`, declared here under another C name (a C function literally
 * named `main` would itself be renamed by clang) and bound to the symbol "main" with __asm__.
 *
 * Compiled with emcc by backend-emscripten's build.rs (cc crate; add -pthread in a pthreads
 * build). Only linked in when something references __main_argc_argv, i.e. under
 * PROXY_TO_PTHREAD.
 */

extern int crossio_rust_main(int argc, char **argv) __asm__("main");

int __main_argc_argv(int argc, char **argv) {
    return crossio_rust_main(argc, argv);
}
