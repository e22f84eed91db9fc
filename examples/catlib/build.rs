//! For wasm32-unknown-emscripten, compiles the C side of catlib's browser programs with emcc:
//! `c/demo.c` (the same C test program the native test builds, without its `main`) and
//! `c/demo_page.c` (the demo page's worker loop). Natively the C program is built by
//! `tests/c_demo.rs` instead, against `libcatlib.a`.

fn main() {
    println!("cargo:rerun-if-changed=c");
    println!("cargo:rerun-if-changed=include");
    let target = std::env::var("TARGET").unwrap_or_default();
    // The native test compiles c/demo.c for this target with the cc crate.
    println!("cargo:rustc-env=CATLIB_TARGET={target}");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("emscripten") {
        return;
    }
    let pthreads = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|f| f.split(',').any(|x| x == "atomics"));
    let mut build = cc::Build::new();
    build
        .compiler("emcc")
        .archiver("emar")
        .include("include")
        .define("CATLIB_DEMO_NO_MAIN", None)
        .file("c/demo.c")
        .file("c/demo_page.c")
        .warnings(true);
    if pthreads {
        build.flag("-pthread");
    }
    build.compile("catlib_demo");
}
