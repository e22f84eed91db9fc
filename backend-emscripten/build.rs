//! Compiles crossio-emscripten's C/JS glue with emcc when building for wasm32-unknown-emscripten.

fn main() {
    println!("cargo:rerun-if-changed=csrc");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("emscripten") {
        return;
    }
    let pthreads = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|f| f.split(',').any(|x| x == "atomics"));
    let mut build = cc::Build::new();
    build
        .compiler("emcc")
        .archiver("emar")
        .file("csrc/glue.c")
        .file("csrc/proxy_main.c")
        .file("csrc/fetch.c")
        .warnings(true);
    if std::env::var_os("CARGO_FEATURE_BENCH").is_some() {
        build.file("csrc/bench.c");
    }
    if std::env::var_os("CARGO_FEATURE_JSPI").is_some() {
        build.file("csrc/jspi.c");
    }
    if pthreads {
        build.flag("-pthread");
    }
    build.compile("crossio_glue");
    // Emscripten's WebSocket API (its JS library), so user binaries need no -lwebsocket.js.
    println!("cargo:rustc-link-lib=websocket.js");
}
