//! `c/demo.c`, compiled natively with the `cc` crate's compiler and linked against the crate's
//! own `libcatlib.a`, run against the real test server: every function of `catlib.h`, the bad
//! inputs included, called from C.

#![cfg(not(target_os = "emscripten"))]

use std::path::{Path, PathBuf};
use std::process::Command;

use crossio_conformance::server::TestServer;

/// `libcatlib.a` of this profile. `cargo test` builds only the rlib the test links, so the test
/// asks cargo for the staticlib itself (cargo has released its build lock by the time tests
/// run); the rest of the crate graph is already built, so this is quick.
fn staticlib() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "--lib", "-p", "catlib", "--manifest-path"]);
    cargo.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    if let Some(target_dir) = profile_dir.parent() {
        cargo.env("CARGO_TARGET_DIR", target_dir);
    }
    let status = cargo.status().expect("run cargo build for the staticlib");
    assert!(
        status.success(),
        "cargo build -p catlib --lib failed: {status}"
    );
    let lib = profile_dir.join("libcatlib.a");
    assert!(lib.is_file(), "{} was not built", lib.display());
    lib
}

/// System libraries a Rust staticlib needs on this target (`rustc --print native-static-libs`).
fn system_libs() -> &'static [&'static str] {
    if cfg!(target_os = "macos") {
        &[
            "-framework",
            "CoreFoundation",
            "-framework",
            "Security",
            "-liconv",
            "-lc",
            "-lm",
        ]
    } else {
        &[
            "-lgcc_s",
            "-lutil",
            "-lrt",
            "-lpthread",
            "-lm",
            "-ldl",
            "-lc",
        ]
    }
}

fn build_c_demo() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("catlib-c-demo");
    std::fs::create_dir_all(&out_dir).expect("create the output directory");
    let exe = out_dir.join("catlib-demo");
    let target = env!("CATLIB_TARGET");
    let compiler = cc::Build::new()
        .target(target)
        .host(target)
        .opt_level(0)
        .cargo_metadata(false)
        .get_compiler();
    let mut cmd = compiler.to_command();
    cmd.args(["-Wall", "-Wextra", "-g"])
        .arg("-I")
        .arg(manifest.join("include"))
        .arg(manifest.join("c/demo.c"))
        .arg(staticlib())
        .args(system_libs())
        .arg("-o")
        .arg(&exe);
    let shown = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("compiling: {shown}");
    let out = cmd.output().expect("run the C compiler");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "compiling c/demo.c failed:\n{stderr}");
    assert!(
        stderr.trim().is_empty(),
        "c/demo.c has compiler warnings:\n{stderr}"
    );
    exe
}

#[test]
fn c_demo_passes_against_the_test_server() {
    let exe = build_c_demo();
    let server = TestServer::start().expect("start the test server");
    let closed_port = crossio_conformance::server::closed_port().expect("probe a closed port");
    let out = Command::new(&exe)
        .arg(server.http_base())
        .arg(server.ws_base())
        .arg(format!("http://127.0.0.1:{closed_port}"))
        .output()
        .expect("run the C demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));

    let failed: Vec<&str> = stdout.lines().filter(|l| l.contains("FAILED")).collect();
    assert!(failed.is_empty(), "C checks failed:\n{}", failed.join("\n"));
    assert!(
        out.status.success(),
        "the C demo exited with {}",
        out.status
    );
    let summary = stdout
        .lines()
        .rfind(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .expect("a closing 'N passed, N failed' line");
    let passed: usize = summary
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a pass count");
    assert!(summary.ends_with(" 0 failed"), "{summary}");
    assert!(passed >= 40, "only {passed} checks ran: {summary}");
    // The bad-input checks, by name, from C.
    for name in [
        "fetch_before_init_is_not_initialized",
        "fetch_null_url_is_null_argument",
        "fetch_null_out_with_cap_is_null_argument",
        "hash_null_data_is_null_argument",
        "fetch_invalid_utf8_url_is_invalid_utf8",
        "ws_invalid_utf8_msg_is_invalid_utf8",
        "fetch_size_query_reports_needed",
        "fetch_short_buffer_is_untouched",
        "fetch_404_is_http_error",
        "fetch_refused_is_connect_error",
        "ws_roundtrip_echoes",
        "hash_matches_c_reference",
        "async_fetch_text",
        "async_ws_roundtrip",
        "async_hash",
        "blocking_call_inside_callback_would_block",
        "fetch_after_shutdown_is_not_initialized",
        "shutdown_twice_is_not_initialized",
    ] {
        assert!(
            stdout.contains(&format!("test {name} ... ok")),
            "{name} did not pass"
        );
    }
}
